//! `resources/read` (a `GET` on the resource's route, through the app) and
//! `resources/subscribe`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;
use base64::Engine as _;
use rmcp::model::ErrorCode;
use rmcp::model::{ErrorData, RequestId};
use rmcp::model::{ReadResourceResult, ResourceContents};
use serde_json::json;

use crate::call::context::CallScope;
use crate::call::forward::Parts;
use crate::call::result::{self, Mapping};
use crate::call::run::{self, Ended, Failure, Sent};
use crate::call::server::{Exchange, Outcome, Server};
use crate::catalog::registry::Structured;
use crate::policy::auth::AuthRejection;
use crate::protocol::jsonrpc;
use crate::protocol::method::RequestMethod;
use crate::protocol::params::UriParams;
use crate::protocol::stateless::Caching;
use crate::protocol::version::Version;
use crate::schema::route::HttpMethod;
use crate::support::media;

/// The not-found error of the revision in force.
pub(crate) fn not_found(x: &Exchange, id: &RequestId, uri: &str) -> Outcome {
    let code = if x.version >= Version::V2026_07_28 {
        ErrorCode::INVALID_PARAMS
    } else {
        ErrorCode::RESOURCE_NOT_FOUND
    };
    let e = ErrorData::new(
        code,
        format!("Resource not found: {uri}"),
        Some(json!({ "uri": uri })),
    );
    Outcome::error(id, &e)
}

/// `resources/read`.
pub(crate) async fn read(
    d: &Server,
    id: &RequestId,
    UriParams { uri }: UriParams,
    x: &Exchange,
) -> Outcome {
    let Some((resource, _)) = d.catalog.resource_for(&uri) else {
        return not_found(x, id, &uri);
    };
    let no_arguments = serde_json::Map::new();
    let binder = run::Binder::new(d, x, ("resources/read", &uri), &no_arguments);
    let inputs = match run::answers(d, x, &binder) {
        Ok(inputs) => inputs,
        Err(e) => return Outcome::error(id, &e),
    };
    let scope = run::scope(d, x, id, resource.def.name, None, inputs);
    let fetched = match run::guarded(d, &scope, fetch(d, x, &scope, &uri)).await {
        None => return Outcome::Cancelled,
        Some(Ended::Stopped) => return run::stopped(d, id, &binder, &scope),
        Some(Ended::Failed(failure)) => Fetched::Failed(failure),
        Some(Ended::Done(fetched)) => fetched,
    };
    let (body, mime, cache) = match fetched {
        Fetched::Contents { body, mime, cache } => (body, mime, cache),
        Fetched::NotFound => return not_found(x, id, &uri),
        Fetched::Unauthorized(rejection) => return d.challenge(id, x, &rejection),
        Fetched::Failed(failure) => {
            let e = ErrorData::internal_error(format!("Reading `{uri}` failed: {failure}"), None);
            return Outcome::error(id, &e);
        }
        Fetched::Status(status, body) => {
            let message = format!("Reading `{uri}` failed: HTTP {status}");
            let detail = String::from_utf8_lossy(&body).into_owned();
            let data = Some(json!({ "uri": uri, "status": status.as_u16(), "body": detail }));
            let code = if status.is_client_error() {
                ErrorCode::INVALID_PARAMS
            } else {
                ErrorCode::INTERNAL_ERROR
            };
            return Outcome::error(id, &ErrorData::new(code, message, data));
        }
    };
    let text = mime
        .as_deref()
        .is_none_or(|m| !result::is_binary_media(m))
        .then(|| std::str::from_utf8(&body).ok())
        .flatten();
    let contents = match text {
        Some(text) => ResourceContents::text(text, uri)
            .with_mime_type(mime.as_deref().unwrap_or("text/plain")),
        None => {
            let blob = base64::engine::general_purpose::STANDARD.encode(&body);
            ResourceContents::blob(blob, uri)
                .with_mime_type(mime.as_deref().unwrap_or("application/octet-stream"))
        }
    };
    let mut result = ReadResourceResult::new(vec![contents]);
    if x.is_stateless() {
        result.ttl_ms = Some(cache.ttl_ms);
        result.cache_scope = Some(cache.scope());
    }
    d.reply(x, id, result)
}

/// What reading a resource's route gave.
pub(crate) enum Fetched {
    /// No such resource, or its route answered 404.
    NotFound,
    /// Its authenticator refused the caller.
    Unauthorized(AuthRejection),
    /// The request could not be made, or its body read.
    Failed(Failure),
    /// Its route answered with an error status.
    Status(StatusCode, Bytes),
    /// The contents, their media type and caching hints.
    Contents {
        body: Bytes,
        mime: Option<String>,
        cache: Caching,
    },
}

/// Reads the resource `uri` names: a `GET` on its route, through the app,
/// in `scope` (a read's own, or the tool call whose argument links to it).
pub(crate) async fn fetch(d: &Server, x: &Exchange, scope: &Arc<CallScope>, uri: &str) -> Fetched {
    let Some((resource, values)) = d.catalog.resource_for(uri) else {
        return Fetched::NotFound;
    };
    // A value the route's pattern refuses names nothing the route serves.
    let Ok(parts) = Parts::from_values(&resource.route, &values) else {
        return Fetched::NotFound;
    };
    // Authenticated where the route's request is (see `handler::mark`).
    let auth = d.policy.auth.as_ref().map(|a| (a, resource.def.access()));
    let target = resource.def.route.exposed;
    let route = (HttpMethod::Get, resource.locator.as_str());
    let response = match run::through_app(d, x, scope, target, auth, route, parts).await {
        Ok(Sent::Answered(response)) => response,
        Ok(Sent::Unauthorized(rejection)) => return Fetched::Unauthorized(rejection),
        Err(failure) => return Fetched::Failed(failure),
    };
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return Fetched::NotFound;
    }
    let cache = caching(
        response.headers(),
        resource.def.requires_auth || x.host.headers().contains_key(header::AUTHORIZATION),
    );
    let mime = media::of(response.headers()).into_owned();
    let mapping = Mapping {
        tool: resource.def.name,
        structured: Structured::No,
        max_bytes: d.policy.limits.max_response_bytes,
        scope: Some(scope),
    };
    let body = match result::read_body(response, &mapping).await {
        Ok(body) => body,
        Err(e) => return Fetched::Failed(Failure::Body(e)),
    };
    if !status.is_success() {
        return Fetched::Status(status, body);
    }
    let mime = Some(mime)
        .filter(|m| !m.is_empty())
        .or_else(|| resource.def.mime_type.map(str::to_owned));
    Fetched::Contents { body, mime, cache }
}

/// A read's caching hints, from the response's `Cache-Control`.
fn caching(headers: &HeaderMap, protected: bool) -> Caching {
    let directives: Vec<String> = headers
        .get_all(header::CACHE_CONTROL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| directives.iter().any(|d| d == name);
    let max_age = directives
        .iter()
        .filter_map(|d| d.strip_prefix("max-age="))
        .find_map(|s| s.trim_matches('"').parse::<u64>().ok());
    let uncached = has("no-store") || has("no-cache");
    Caching {
        ttl_ms: if uncached {
            0
        } else {
            max_age.unwrap_or(0).saturating_mul(1000)
        },
        private: protected || has("private") || has("no-store"),
    }
}

/// `resources/subscribe`: updates of `uri` will reach this session's
/// standalone stream (see `Notifier::resource_updated`).
pub(crate) async fn subscribe(
    d: &Server,
    id: &RequestId,
    UriParams { uri }: UriParams,
    x: &Exchange,
    on: bool,
) -> Outcome {
    let method = if on {
        RequestMethod::Subscribe
    } else {
        RequestMethod::Unsubscribe
    };
    let Some((session, _)) = &x.session else {
        let e = ErrorData::invalid_request(
            format!(
                "`{}` needs a session, and this server is stateless",
                method.as_str()
            ),
            None,
        );
        return Outcome::error(id, &e);
    };
    if !on {
        d.state.subscribers.unsubscribe(session, &uri);
        return Outcome::Response(jsonrpc::success(id, &json!({})));
    }
    let Some((resource, _)) = d.catalog.resource_for(&uri) else {
        return not_found(x, id, &uri);
    };
    // Its update notices say what changed: as protected as a read.
    if let Err(challenge) = d.authenticate(id, x, resource.def.access()).await {
        return challenge;
    }
    if let Err(full) = d.state.subscribers.subscribe(session, &uri) {
        let e = ErrorData::invalid_request(
            format!("This session already has {} resource subscriptions", full.0),
            None,
        );
        return Outcome::error(id, &e);
    }
    Outcome::Response(jsonrpc::success(id, &json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn hints(value: &str, protected: bool) -> (u64, bool) {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        let c = caching(&headers, protected);
        (c.ttl_ms, c.private)
    }

    #[test]
    fn cache_control_sets_the_hints() {
        assert_eq!(hints("max-age=60", false), (60_000, false));
        assert_eq!(hints("public, max-age=\"5\"", false), (5_000, false));
        assert_eq!(hints("private, max-age=60", false), (60_000, true));
        assert_eq!(hints("no-store", false), (0, true));
        assert_eq!(hints("no-cache, max-age=60", false), (0, false));
        assert_eq!(hints("max-age=60", true), (60_000, true));
        assert_eq!(hints("", false), (0, false));
    }
}
