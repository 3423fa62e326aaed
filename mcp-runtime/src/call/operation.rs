//! A REST long-running operation as a task: a route that answers
//! `202 Accepted` with `Location` (or `Operation-Location`) naming a status
//! route. A call running as a task follows it — `GET`s the status route
//! through the app until it says the operation ended — so the API's own
//! design becomes an MCP task with no new handler code.
//!
//! The status route's contract:
//!
//! | the status response | means |
//! |---|---|
//! | 2xx JSON with `status` `running`, `pending`, `inProgress`, `notStarted`, `accepted` (any case), or 202 | still running: asked again after `Retry-After` (1 s by default, 100 ms to 10 s) |
//! | 2xx JSON with `status` `succeeded`, `completed`, `done` or `success`, and `resourceLocation` (or `Location` on the response) | done: the result is a `GET` of that location |
//! | the same without a location | done: the result is the status body |
//! | 2xx JSON with `status` `failed`, `canceled`, `cancelled` or `error` | the operation failed: a tool error with the body |
//! | 2xx without a `status` field, or any 4xx/5xx | the result as is (an error status is a tool error) |
//!
//! Only locations on this app are followed (a path, or an absolute URL on
//! the request's own host).

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{StatusCode, Uri};
use actix_web::web::Bytes;
use serde_json::Value;

use crate::call::context::CallScope;
use crate::call::forward;
use crate::call::run::{self, Failure};
use crate::call::server::{Exchange, Server};

/// `Operation-Location` (Azure's long-running operations).
const OPERATION_LOCATION: &str = "operation-location";

/// Where a `202 Accepted` says the operation reports, if it does.
pub(crate) fn status_location(response: &HttpResponse) -> Option<String> {
    if response.status() != StatusCode::ACCEPTED {
        return None;
    }
    location(
        response.headers(),
        &[OPERATION_LOCATION, header::LOCATION.as_str()],
    )
}

fn location(headers: &HeaderMap, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(str::to_owned)
}

/// Follows the operation at `at` to its end: the response that is the
/// call's result.
pub(crate) async fn follow(
    d: &Server,
    x: &Exchange,
    scope: &Arc<CallScope>,
    mut at: String,
) -> Result<HttpResponse, Failure> {
    loop {
        let response = get(d, x, scope, &at).await?;
        let status = response.status();
        if !status.is_success() {
            return Ok(response);
        }
        let wait = retry_after(response.headers());
        let headers = response.headers().clone();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .map_err(|_| Failure::Operation("its status could not be read".into()))?;
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let state = parsed
            .as_ref()
            .and_then(|v| v.get("status"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        match state.as_deref() {
            Some("succeeded" | "completed" | "done" | "success") => {
                let resource = parsed
                    .as_ref()
                    .and_then(|v| v.get("resourceLocation"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| location(&headers, &[header::LOCATION.as_str()]));
                return match resource {
                    Some(resource) => get(d, x, scope, &resource).await,
                    None => Ok(rebuilt(status, &headers, body)),
                };
            }
            Some("failed" | "canceled" | "cancelled" | "error") => {
                return Ok(rebuilt(StatusCode::UNPROCESSABLE_ENTITY, &headers, body));
            }
            Some(
                "running" | "pending" | "inprogress" | "in_progress" | "notstarted" | "accepted",
            ) => {}
            _ if status == StatusCode::ACCEPTED => {}
            // No status to read: this is the result.
            _ => return Ok(rebuilt(status, &headers, body)),
        }
        if let Some(next) = location(&headers, &[OPERATION_LOCATION]) {
            at = next;
        }
        tokio::time::sleep(wait).await;
    }
}

/// A `GET` of `at` through the app, if it is on this app.
async fn get(
    d: &Server,
    x: &Exchange,
    scope: &Arc<CallScope>,
    at: &str,
) -> Result<HttpResponse, Failure> {
    let uri = local(x, at).ok_or_else(|| {
        Failure::Operation(format!("its status location {at:?} is not on this app"))
    })?;
    run::send(d, x, scope, forward::follow_up(&x.host, uri), None).await
}

/// `at` as a path and query on this app: a path, or an absolute URL on the
/// MCP request's own host.
fn local(x: &Exchange, at: &str) -> Option<Uri> {
    let uri: Uri = at.parse().ok()?;
    if let Some(authority) = uri.authority() {
        let host = x.host.connection_info().host().to_owned();
        if !authority.as_str().eq_ignore_ascii_case(&host) {
            return None;
        }
    }
    let path = uri.path_and_query()?.as_str();
    path.starts_with('/').then(|| path.parse().ok()).flatten()
}

/// How long to wait before asking again.
fn retry_after(headers: &HeaderMap) -> Duration {
    let seconds = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds.clamp(0.1, 10.0))
}

/// A response with `body` already read.
fn rebuilt(status: StatusCode, headers: &HeaderMap, body: Bytes) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        response.insert_header((header::CONTENT_TYPE, content_type.clone()));
    }
    response.body(body)
}
