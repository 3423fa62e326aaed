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

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt as _;
use rmcp::model::{ErrorCode, ErrorData};

use crate::dispatch::{Dispatcher, Reply};
use crate::jsonrpc::{self, Incoming, Message};
use crate::origin::OriginPolicy;
use crate::protocol::Version;
use crate::session::{SessionStore, new_session_id};

/// The session header, as the spec spells it (HTTP headers are case-insensitive).
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";

/// The transport's shared state (one per server, shared by every worker).
pub(crate) struct StreamableHttp {
    pub dispatcher: Dispatcher,
    /// `None` in stateless mode.
    pub sessions: Option<Arc<dyn SessionStore>>,
    pub origins: OriginPolicy,
    pub max_request_bytes: usize,
}

/// A JSON-RPC error without id, as an HTTP response.
fn refuse(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> HttpResponse {
    let error = ErrorData::new(code, message.into(), None);
    json(status, jsonrpc::failure(None, &error))
}

fn json(status: StatusCode, body: Vec<u8>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(mime_json())
        .body(body)
}

fn mime_json() -> HeaderValue {
    HeaderValue::from_static("application/json")
}

/// TypeScript SDK's transport error code for bad requests (`-32000`).
const TRANSPORT_ERROR: ErrorCode = ErrorCode(-32000);
/// TypeScript SDK's code for an unknown session (`-32001`).
const SESSION_NOT_FOUND: ErrorCode = ErrorCode(-32001);

impl StreamableHttp {
    /// Checks `Origin` before anything else (DNS-rebinding protection).
    fn check_origin(&self, req: &HttpRequest) -> Result<(), HttpResponse> {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .map(|v| v.to_str().unwrap_or("null"));
        if self.origins.permits(origin) {
            Ok(())
        } else {
            Err(refuse(
                StatusCode::FORBIDDEN,
                TRANSPORT_ERROR,
                format!(
                    "Forbidden: Origin {} is not allowed",
                    origin.unwrap_or_default()
                ),
            ))
        }
    }

    pub(crate) async fn post(&self, req: HttpRequest, payload: web::Payload) -> HttpResponse {
        match self.try_post(&req, payload).await {
            Ok(response) | Err(response) => response,
        }
    }

    async fn try_post(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<HttpResponse, HttpResponse> {
        self.check_origin(req)?;
        check_content_type(req)?;
        check_accept(req)?;
        let body = read_body(payload, self.max_request_bytes).await?;
        let incoming = jsonrpc::parse(&body)
            .map_err(|e| json(StatusCode::BAD_REQUEST, jsonrpc::failure(None, &e)))?;

        let header_version = match req.headers().get(VERSION_HEADER) {
            None => None,
            Some(v) => Some(v.to_str().ok().and_then(Version::parse).ok_or_else(|| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    TRANSPORT_ERROR,
                    format!(
                        "Bad Request: unsupported MCP-Protocol-Version {:?} (supported: {})",
                        String::from_utf8_lossy(v.as_bytes()),
                        Version::ALL.map(Version::as_str).join(", ")
                    ),
                )
            })?),
        };

        let method = match &incoming {
            Incoming::Single(Message::Request { method, .. }) => Some(method.as_str()),
            _ => None,
        };
        let version = match (&self.sessions, method) {
            // A new session: nothing to look up.
            (_, Some("initialize")) | (None, _) => {
                header_version.unwrap_or(Version::ASSUMED_WITHOUT_HEADER)
            }
            // The 2026-07-28 probe is sent before any session exists.
            (Some(_), Some("server/discover")) => Version::LATEST,
            (Some(store), _) => {
                let session = self.session(req, store.as_ref()).await?;
                header_version
                    .or_else(|| Version::parse(&session.protocol_version))
                    .unwrap_or(Version::ASSUMED_WITHOUT_HEADER)
            }
        };

        let dispatcher = &self.dispatcher;
        match incoming {
            Incoming::Single(message) => {
                let reply = dispatcher.handle(message, req, version).await;
                self.respond(reply).await
            }
            Incoming::Batch(messages) => {
                if !version.allows_batches() {
                    return Err(refuse(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::INVALID_REQUEST,
                        format!(
                            "Invalid request: JSON-RPC batches are not allowed in protocol \
                             version {} (only in 2025-03-26)",
                            version.as_str()
                        ),
                    ));
                }
                if messages.is_empty() {
                    return Err(refuse(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::INVALID_REQUEST,
                        "Invalid request: empty batch",
                    ));
                }
                let mut bodies = Vec::new();
                for message in messages {
                    if matches!(&message, Message::Request { method, .. } if method == "initialize")
                    {
                        let error = ErrorData::invalid_request(
                            "Invalid request: `initialize` cannot be part of a batch",
                            None,
                        );
                        let id = match &message {
                            Message::Request { id, .. } => Some(id),
                            _ => None,
                        };
                        bodies.push(jsonrpc::failure(id, &error));
                        continue;
                    }
                    match dispatcher.handle(message, req, version).await {
                        Reply::Accepted => {}
                        Reply::Message(body) | Reply::BadRequest(body) => bodies.push(body),
                        // Credentials apply to the whole HTTP request.
                        refusal @ Reply::Unauthorized(..) => return self.respond(refusal).await,
                        Reply::Initialized { body, .. } => bodies.push(body),
                    }
                }
                if bodies.is_empty() {
                    return Ok(HttpResponse::Accepted().finish());
                }
                let mut out =
                    Vec::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 2);
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
        }
    }

    /// Resolves the request's session, or the spec's 400/404.
    async fn session(
        &self,
        req: &HttpRequest,
        store: &dyn SessionStore,
    ) -> Result<crate::Session, HttpResponse> {
        let id = session_id(req)?;
        match store.get(id).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(refuse(
                StatusCode::NOT_FOUND,
                SESSION_NOT_FOUND,
                "Session not found: start a new one with `initialize`",
            )),
            Err(e) => Err(store_failure(&e)),
        }
    }

    async fn respond(&self, reply: Reply) -> Result<HttpResponse, HttpResponse> {
        let status = reply.status();
        let challenge = reply.challenge().cloned();
        let mut builder = HttpResponse::build(status);
        if let Some(challenge) = challenge {
            builder.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        let body = match reply {
            Reply::Accepted => return Ok(builder.finish()),
            Reply::Message(body) | Reply::BadRequest(body) | Reply::Unauthorized(_, body) => body,
            Reply::Initialized { body, session } => {
                if let Some(store) = &self.sessions {
                    let id = new_session_id().map_err(|e| store_failure(&e))?;
                    store
                        .insert(&id, session)
                        .await
                        .map_err(|e| store_failure(&e))?;
                    builder.insert_header((SESSION_HEADER, id));
                }
                body
            }
        };
        Ok(builder.content_type(mime_json()).body(body))
    }

    pub(crate) async fn delete(&self, req: HttpRequest) -> HttpResponse {
        if let Err(refusal) = self.check_origin(&req) {
            return refusal;
        }
        let Some(store) = &self.sessions else {
            return method_not_allowed(&Method::DELETE, false);
        };
        let id = match session_id(&req) {
            Ok(id) => id,
            Err(refusal) => return refusal,
        };
        match store.remove(id).await {
            Ok(true) => HttpResponse::Ok().finish(),
            Ok(false) => refuse(
                StatusCode::NOT_FOUND,
                SESSION_NOT_FOUND,
                "Session not found",
            ),
            Err(e) => store_failure(&e),
        }
    }

    pub(crate) async fn other(&self, req: HttpRequest) -> HttpResponse {
        if let Err(refusal) = self.check_origin(&req) {
            return refusal;
        }
        method_not_allowed(req.method(), self.sessions.is_some())
    }
}

fn session_id(req: &HttpRequest) -> Result<&str, HttpResponse> {
    match req.headers().get(SESSION_HEADER).map(HeaderValue::to_str) {
        Some(Ok(id)) => Ok(id),
        Some(Err(_)) => Err(refuse(
            StatusCode::NOT_FOUND,
            SESSION_NOT_FOUND,
            "Session not found",
        )),
        None => Err(refuse(
            StatusCode::BAD_REQUEST,
            TRANSPORT_ERROR,
            "Bad Request: Mcp-Session-Id header is required",
        )),
    }
}

fn store_failure(e: &crate::SessionStoreError) -> HttpResponse {
    log::error!("mcp-runtime: {e}");
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::INTERNAL_ERROR,
        "Internal error: the session store is unavailable",
    )
}

/// 405 for GET (no standalone SSE stream is offered) and any other method.
fn method_not_allowed(method: &Method, stateful: bool) -> HttpResponse {
    let allow = if stateful { "POST, DELETE" } else { "POST" };
    let error = ErrorData::new(
        TRANSPORT_ERROR,
        format!("Method Not Allowed: {method} (allowed: {allow})"),
        None,
    );
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow))
        .content_type(mime_json())
        .body(jsonrpc::failure(None, &error))
}

fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn check_content_type(req: &HttpRequest) -> Result<(), HttpResponse> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match ct.map(media_type) {
        Some(t) if t == "application/json" => Ok(()),
        _ => Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TRANSPORT_ERROR,
            "Unsupported Media Type: Content-Type must be application/json",
        )),
    }
}

/// Clients must accept JSON (the spec has them list `application/json` and
/// `text/event-stream`); an absent `Accept` means anything.
fn check_accept(req: &HttpRequest) -> Result<(), HttpResponse> {
    let mut values = req.headers().get_all(header::ACCEPT).peekable();
    if values.peek().is_none() {
        return Ok(());
    }
    let ok = values
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(media_type)
        .any(|t| matches!(t.as_str(), "application/json" | "application/*" | "*/*"));
    if ok {
        Ok(())
    } else {
        Err(refuse(
            StatusCode::NOT_ACCEPTABLE,
            TRANSPORT_ERROR,
            "Not Acceptable: the client must accept application/json",
        ))
    }
}

/// Reads the body, refusing more than `limit` bytes with 413.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, HttpResponse> {
    let too_large = || {
        refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::INVALID_REQUEST,
            format!("Payload Too Large: the request body exceeds {limit} bytes"),
        )
    };
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                ErrorCode::PARSE_ERROR,
                format!("Bad Request: could not read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
