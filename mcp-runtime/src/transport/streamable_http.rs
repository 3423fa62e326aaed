//! MCP Streamable HTTP (revisions 2024-11-05 to 2025-11-25) on one actix
//! resource: POST carries JSON-RPC, DELETE ends a session, GET answers 405
//! (this server offers no standalone SSE stream yet).
//!
//! Everything runs inside the actix worker that received the request, so a
//! tool's handler is awaited right here with the request's own `HttpRequest`:
//! middleware around the MCP scope, `app_data` and extractors all apply.
//!
//! Transport-level refusals mirror the TypeScript SDK server, the de facto
//! reference clients are tested against: missing session 400 (`-32000`),
//! unknown session 404 (`-32001`), bad JSON 400 (`-32700`).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt as _;
use rmcp::model::{ErrorCode, ErrorData};

use crate::dispatch::{Dispatcher, Reply};
use crate::jsonrpc::{self, Incoming, Message};
use crate::origin::OriginPolicy;
use crate::protocol::Version;
use crate::session::{Session, SessionStore, SessionStoreError, new_session_id};

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

/// TypeScript SDK's transport error code for bad requests (`-32000`).
const TRANSPORT_ERROR: ErrorCode = ErrorCode(-32000);
/// TypeScript SDK's code for an unknown session (`-32001`).
const SESSION_NOT_FOUND: ErrorCode = ErrorCode(-32001);

/// The transport's shared state (one per server, shared by every worker).
pub(crate) struct StreamableHttp {
    pub dispatcher: Dispatcher,
    /// `None` in stateless mode.
    pub sessions: Option<Arc<dyn SessionStore>>,
    pub origins: OriginPolicy,
    pub max_request_bytes: usize,
}

/// A request refused before (or instead of) dispatch: an HTTP status and a
/// JSON-RPC error without id.
struct Refusal {
    status: StatusCode,
    error: ErrorData,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            error: ErrorData::new(code, message.into(), None),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, TRANSPORT_ERROR, message)
    }

    fn session_not_found() -> Self {
        Refusal::new(
            StatusCode::NOT_FOUND,
            SESSION_NOT_FOUND,
            "Session not found: start a new one with `initialize`",
        )
    }

    fn store_failure(e: &SessionStoreError) -> Self {
        log::error!("mcp-runtime: {e}");
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::INTERNAL_ERROR,
            "Internal error: the session store is unavailable",
        )
    }

    fn into_response(self) -> HttpResponse {
        json(self.status, jsonrpc::failure(None, &self.error))
    }
}

fn json(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(HeaderValue::from_static("application/json"))
        .body(body)
}

impl StreamableHttp {
    pub(crate) async fn post(&self, req: HttpRequest, payload: web::Payload) -> HttpResponse {
        self.try_post(&req, payload)
            .await
            .unwrap_or_else(Refusal::into_response)
    }

    pub(crate) async fn delete(&self, req: HttpRequest) -> HttpResponse {
        self.try_delete(&req)
            .await
            .unwrap_or_else(Refusal::into_response)
    }

    /// GET (no standalone SSE stream is offered) and any other method: 405.
    pub(crate) async fn other(&self, req: HttpRequest) -> HttpResponse {
        if let Err(refusal) = self.check_origin(&req) {
            return refusal.into_response();
        }
        let allow = if self.sessions.is_some() {
            "POST, DELETE"
        } else {
            "POST"
        };
        let mut response = Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            TRANSPORT_ERROR,
            format!("Method Not Allowed: {} (allowed: {allow})", req.method()),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        response
    }

    /// Checks `Origin` before anything else (DNS-rebinding protection).
    fn check_origin(&self, req: &HttpRequest) -> Result<(), Refusal> {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .map(|v| v.to_str().unwrap_or("null"));
        if self.origins.permits(origin) {
            return Ok(());
        }
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            TRANSPORT_ERROR,
            format!(
                "Forbidden: Origin {} is not allowed",
                origin.unwrap_or_default()
            ),
        ))
    }

    async fn try_post(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, Refusal> {
        self.check_origin(req)?;
        check_content_type(req)?;
        check_accept(req)?;
        let body = read_body(payload, self.max_request_bytes).await?;
        let incoming = jsonrpc::parse(&body).map_err(|error| Refusal {
            status: StatusCode::BAD_REQUEST,
            error,
        })?;
        let version = self.version(req, &incoming).await?;
        match incoming {
            Incoming::Single(message) => {
                let reply = self.dispatcher.handle(message, req, version).await;
                self.respond(reply).await
            }
            Incoming::Batch(messages) => self.batch(req, messages, version).await,
        }
    }

    /// The protocol version in force: the `MCP-Protocol-Version` header, else
    /// the session's, else the spec's assumption. Resolving the session also
    /// enforces it (400 without one, 404 for an unknown one).
    async fn version(&self, req: &HttpRequest, incoming: &Incoming) -> Result<Version, Refusal> {
        let header_version = match req.headers().get(VERSION_HEADER) {
            None => None,
            Some(v) => Some(v.to_str().ok().and_then(Version::parse).ok_or_else(|| {
                Refusal::bad_request(format!(
                    "Bad Request: unsupported MCP-Protocol-Version {:?} (supported: {})",
                    String::from_utf8_lossy(v.as_bytes()),
                    Version::ALL.map(Version::as_str).join(", ")
                ))
            })?),
        };
        let method = match incoming {
            Incoming::Single(Message::Request { method, .. }) => Some(method.as_str()),
            _ => None,
        };
        Ok(match (&self.sessions, method) {
            // A new session: nothing to look up.
            (_, Some("initialize")) | (None, _) => {
                header_version.unwrap_or(Version::ASSUMED_WITHOUT_HEADER)
            }
            // The 2026-07-28 probe is sent before any session exists.
            (Some(_), Some("server/discover")) => Version::LATEST,
            (Some(store), _) => {
                let session = session(req, store.as_ref()).await?;
                header_version
                    .or_else(|| Version::parse(&session.protocol_version))
                    .unwrap_or(Version::ASSUMED_WITHOUT_HEADER)
            }
        })
    }

    /// A JSON-RPC batch (2025-03-26 only): each message in turn, one array of
    /// replies, or 202 if none needs one.
    async fn batch(
        &self,
        req: &HttpRequest,
        messages: Vec<Message>,
        version: Version,
    ) -> Result<HttpResponse, Refusal> {
        let invalid = |message: String| {
            Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::INVALID_REQUEST, message)
        };
        if !version.allows_batches() {
            return Err(invalid(format!(
                "Invalid request: JSON-RPC batches are not allowed in protocol version {} \
                 (only in 2025-03-26)",
                version.as_str()
            )));
        }
        if messages.is_empty() {
            return Err(invalid("Invalid request: empty batch".into()));
        }
        let mut bodies = Vec::new();
        for message in messages {
            if let Message::Request { id, method, .. } = &message
                && method == "initialize"
            {
                let error = ErrorData::invalid_request(
                    "Invalid request: `initialize` cannot be part of a batch",
                    None,
                );
                bodies.push(jsonrpc::failure(Some(id), &error));
                continue;
            }
            match self.dispatcher.handle(message, req, version).await {
                Reply::Accepted => {}
                Reply::Message(body) | Reply::BadRequest(body) => bodies.push(body),
                Reply::Initialized { body, .. } => bodies.push(body),
                // Credentials apply to the whole HTTP request.
                refusal @ Reply::Unauthorized(..) => return self.respond(refusal).await,
            }
        }
        if bodies.is_empty() {
            return Ok(HttpResponse::Accepted().finish());
        }
        let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 1);
        out.push(b'[');
        for (i, body) in bodies.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(body);
        }
        out.push(b']');
        Ok(json(StatusCode::OK, out))
    }

    async fn respond(&self, reply: Reply) -> Result<HttpResponse, Refusal> {
        let mut builder = HttpResponse::build(reply.status());
        if let Some(challenge) = reply.challenge() {
            builder.insert_header((header::WWW_AUTHENTICATE, challenge.clone()));
        }
        let body = match reply {
            Reply::Accepted => return Ok(builder.finish()),
            Reply::Message(body) | Reply::BadRequest(body) | Reply::Unauthorized(_, body) => body,
            Reply::Initialized { body, session } => {
                if let Some(store) = &self.sessions {
                    let id = new_session_id().map_err(|e| Refusal::store_failure(&e))?;
                    store
                        .insert(&id, session)
                        .await
                        .map_err(|e| Refusal::store_failure(&e))?;
                    builder.insert_header((SESSION_HEADER, id));
                }
                body
            }
        };
        Ok(builder
            .content_type(HeaderValue::from_static("application/json"))
            .body(body))
    }

    async fn try_delete(&self, req: &HttpRequest) -> Result<HttpResponse, Refusal> {
        self.check_origin(req)?;
        let Some(store) = &self.sessions else {
            return Ok(self.other(req.clone()).await);
        };
        let id = session_id(req)?;
        match store.remove(id).await {
            Ok(true) => Ok(HttpResponse::Ok().finish()),
            Ok(false) => Err(Refusal::session_not_found()),
            Err(e) => Err(Refusal::store_failure(&e)),
        }
    }
}

/// Resolves the request's session, or the spec's 400/404.
async fn session(req: &HttpRequest, store: &dyn SessionStore) -> Result<Session, Refusal> {
    let id = session_id(req)?;
    match store.get(id).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => Err(Refusal::session_not_found()),
        Err(e) => Err(Refusal::store_failure(&e)),
    }
}

fn session_id(req: &HttpRequest) -> Result<&str, Refusal> {
    match req.headers().get(SESSION_HEADER).map(HeaderValue::to_str) {
        Some(Ok(id)) => Ok(id),
        Some(Err(_)) => Err(Refusal::session_not_found()),
        None => Err(Refusal::bad_request(
            "Bad Request: Mcp-Session-Id header is required",
        )),
    }
}

fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn check_content_type(req: &HttpRequest) -> Result<(), Refusal> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match ct.map(media_type) {
        Some(t) if t == "application/json" => Ok(()),
        _ => Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TRANSPORT_ERROR,
            "Unsupported Media Type: Content-Type must be application/json",
        )),
    }
}

/// Clients must accept JSON (the spec has them list `application/json` and
/// `text/event-stream`); an absent `Accept` means anything.
fn check_accept(req: &HttpRequest) -> Result<(), Refusal> {
    let mut values = req.headers().get_all(header::ACCEPT).peekable();
    if values.peek().is_none() {
        return Ok(());
    }
    let ok = values
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(media_type)
        .any(|t| matches!(t.as_str(), "application/json" | "application/*" | "*/*"));
    if ok {
        return Ok(());
    }
    Err(Refusal::new(
        StatusCode::NOT_ACCEPTABLE,
        TRANSPORT_ERROR,
        "Not Acceptable: the client must accept application/json",
    ))
}

/// Reads the body, refusing more than `limit` bytes with 413.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, Refusal> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::PARSE_ERROR,
                format!("Bad Request: could not read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::INVALID_REQUEST,
                format!("Payload Too Large: the request body exceeds {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accept_and_content_type_rules() {
        let ok = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::default();
            for h in headers {
                r = r.append_header(*h);
            }
            check_accept(&r.to_http_request()).is_ok()
        };
        assert!(ok(&[]));
        assert!(ok(&[("accept", "application/json, text/event-stream")]));
        assert!(ok(&[
            ("accept", "text/event-stream"),
            ("accept", "application/json;q=0.9")
        ]));
        assert!(ok(&[("accept", "*/*")]));
        assert!(!ok(&[("accept", "text/html")]));
        assert!(!ok(&[("accept", "text/event-stream")]));

        let ct = |v: &str| {
            check_content_type(
                &TestRequest::default()
                    .insert_header(("content-type", v))
                    .to_http_request(),
            )
            .is_ok()
        };
        assert!(ct("application/json"));
        assert!(ct("Application/JSON; charset=utf-8"));
        assert!(!ct("text/plain"));
        assert!(check_content_type(&TestRequest::default().to_http_request()).is_err());
    }
}
