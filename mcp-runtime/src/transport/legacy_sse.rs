//! The HTTP+SSE transport of protocol 2024-11-05, for clients that predate
//! Streamable HTTP; served beside it when the server is built with
//! `McpServerBuilder::legacy_sse`.
//!
//! `GET <endpoint>/sse` opens a connection: an SSE stream whose first event
//! (`endpoint`) names where to POST, `<endpoint>/messages?session_id=<id>`.
//! Each POST carries one JSON-RPC message (or a 2025-03-26 batch) and is
//! answered `202 Accepted` at once; whatever the message causes — its
//! response, the notifications and requests a call sends while it runs —
//! goes out on the stream as `event: message`. The stream is the session
//! (see `connection`): closing it ends the session and cancels its calls.
//!
//! Both routes sit in the endpoint's scope, so they meet the same `Host` and
//! `Origin` checks, CORS, rate limits and size limits as Streamable HTTP.
//! A connection that does not `initialize` within a minute is closed, and
//! at most [`MAX_CONNECTIONS`] are open at once (503 past that), of which
//! one client (its credentials, else its address) holds at most
//! [`PER_CLIENT`] (429 past that), so idle streams cannot pile up and no
//! client can take them all.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::{Interval, Sleep};

use super::connection::{Connection, Eras};
use super::stream;
use super::streamable_http::{
    Presented, Refusal, accepts_event_stream, admit, check_content_length, check_content_type,
    event_stream, holding_unread_body, read_body,
};
use crate::dispatch::Dispatcher;
use crate::policy::client;
use crate::protocol::codes::TRANSPORT_ERROR;
use crate::protocol::jsonrpc;
use crate::state::session::SessionStoreError;
use crate::support::outbound::{self, Outbound, Queued};
use crate::support::sync::lock;

/// Most legacy connections open at once.
pub(crate) const MAX_CONNECTIONS: usize = 1024;

/// Most legacy connections one client holds at once.
pub(crate) const PER_CLIENT: usize = MAX_CONNECTIONS / 8;

/// How long a connection may stay open without `initialize`.
const INITIALIZE_WITHIN: Duration = Duration::from_secs(60);

/// The transport's shared state (one per server, shared by every worker).
pub(crate) struct LegacySse {
    dispatcher: Dispatcher,
    /// Open connections, by id.
    connections: Mutex<HashMap<Arc<str>, Bound>>,
    keep_alive: Duration,
}

/// The query of a POST: which connection it is for.
#[derive(Deserialize)]
struct PostQuery {
    session_id: Option<String>,
}

impl LegacySse {
    pub(crate) fn new(dispatcher: Dispatcher, keep_alive: Duration) -> Self {
        LegacySse {
            dispatcher,
            connections: Mutex::default(),
            keep_alive,
        }
    }

    /// `GET …/sse`: a new connection, its endpoint first.
    pub(crate) async fn open(self: &Arc<Self>, req: &HttpRequest) -> HttpResponse {
        self.try_open(req)
            .await
            .unwrap_or_else(Refusal::into_response)
    }

    /// `POST …/messages?session_id=…`: a message for a connection; 202,
    /// with the answers on its stream.
    pub(crate) async fn post(&self, req: HttpRequest, mut payload: web::Payload) -> HttpResponse {
        match self.try_post(req, &mut payload).await {
            Ok(()) => HttpResponse::Accepted().finish(),
            Err(refusal) => holding_unread_body(refusal.into_response(), payload),
        }
    }

    async fn try_open(self: &Arc<Self>, req: &HttpRequest) -> Result<HttpResponse, Refusal> {
        admit(&self.dispatcher, req).await?;
        if !accepts_event_stream(req) {
            return Err(Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                TRANSPORT_ERROR,
                "Not Acceptable: the client must accept text/event-stream",
            ));
        }
        let endpoint = endpoint_path(req, "/sse");
        let credential = Presented::of(&self.dispatcher, req, endpoint.as_deref())
            .await
            .binding;
        let (outbound, messages) = Outbound::channel();
        let connection = Connection::open(self.dispatcher.clone(), outbound, Eras::Handshake)
            .map_err(|e| Refusal::store_failure(&e))?;
        let connection = Arc::new(connection);
        {
            let holder = client::key(req, &self.dispatcher.server().policy.state_key);
            let mut connections = lock(&self.connections);
            let retry_after = Duration::from_secs(1);
            if connections.len() >= MAX_CONNECTIONS {
                let full = SessionStoreError::Full { retry_after };
                return Err(Refusal::store_failure(&full));
            }
            if connections.values().filter(|b| b.holder == holder).count() >= PER_CLIENT {
                let share = SessionStoreError::Share {
                    share: PER_CLIENT,
                    retry_after,
                };
                return Err(Refusal::store_failure(&share));
            }
            let bound = Bound {
                connection: connection.clone(),
                credential,
                holder,
            };
            connections.insert(connection.id().clone(), bound);
        }
        // The messages URL beside this one: `…/sse` → `…/messages`.
        let base = req.path().strip_suffix("sse").unwrap_or("/");
        let endpoint = format!("{base}messages?session_id={}", connection.id());
        Ok(event_stream(Events {
            endpoint: Some(endpoint),
            messages,
            keep_alive: stream::keep_alive(self.keep_alive),
            initialize_by: Some(Box::pin(tokio::time::sleep(INITIALIZE_WITHIN))),
            open: Open {
                transport: self.clone(),
                connection,
            },
        }))
    }

    async fn try_post(&self, req: HttpRequest, payload: &mut web::Payload) -> Result<(), Refusal> {
        admit(&self.dispatcher, &req).await?;
        let target = web::Query::<PostQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().session_id)
            .ok_or_else(|| {
                Refusal::bad_request("Bad Request: the `session_id` query parameter is required")
            })?;
        let endpoint = endpoint_path(&req, "/messages");
        let presented = Presented::of(&self.dispatcher, &req, endpoint.as_deref()).await;
        let connection = {
            let mut connections = lock(&self.connections);
            let bound = connections
                .get_mut(target.as_str())
                .ok_or_else(Refusal::session_not_found)?;
            // A session id is never a credential (see Streamable HTTP's).
            if let Some(first) = presented.admit(bound.credential.as_ref())? {
                bound.credential = Some(first);
            }
            bound.connection.clone()
        };
        check_content_type(&req)?;
        check_content_length(
            &req,
            self.dispatcher.server().policy.limits.max_request_bytes,
        )?;
        let body = read_body(payload, &self.dispatcher.server().policy.limits).await?;
        let incoming = jsonrpc::parse_call_first(&body)
            .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.code, e.message))?;
        // A protected item's refusal goes on the stream as a JSON-RPC error,
        // not as an HTTP 401/403 here: the official legacy clients drop a
        // POST's error status and then wait for an answer forever. (OAuth
        // clients find the challenge on `GET <endpoint>/sse` with
        // `endpoint_auth`, and on Streamable HTTP.)
        // Served on this worker, beside this request; answered on the stream.
        actix_web::rt::spawn(async move { connection.receive(req, incoming).await });
        Ok(())
    }

    /// Forgets a connection whose stream ended, and ends its session.
    fn close(&self, connection: Arc<Connection>) {
        lock(&self.connections).remove(connection.id());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move { connection.close().await })),
            // Shutting down: nothing is left to tell the store.
            Err(_) => connection.cancel_calls(),
        }
    }
}

/// A connection, with the credentials its session is bound to: those that
/// opened the stream, or the first a POST presented.
struct Bound {
    connection: Arc<Connection>,
    credential: Option<String>,
    /// The client that opened it, for its share of the connections.
    holder: String,
}

/// An open connection; closed when its stream's body is dropped (the client
/// left, or the stream ended).
struct Open {
    transport: Arc<LegacySse>,
    connection: Arc<Connection>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.transport.close(self.connection.clone());
    }
}

/// The stream of a connection: the `endpoint` event, then every message
/// to the client, with keep-alive comments while it is quiet.
struct Events {
    endpoint: Option<String>,
    messages: mpsc::Receiver<Queued>,
    keep_alive: Interval,
    /// Until the connection is initialized: when it must be by.
    initialize_by: Option<Pin<Box<Sleep>>>,
    open: Open,
}

impl Stream for Events {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(endpoint) = this.endpoint.take() {
            let event = format!("event: endpoint\ndata: {endpoint}\n\n");
            return Poll::Ready(Some(Ok(Bytes::from(event))));
        }
        if let Some(deadline) = &mut this.initialize_by {
            if this.open.connection.is_established() {
                this.initialize_by = None;
            } else if deadline.as_mut().poll(cx).is_ready() {
                tracing::debug!("legacy SSE connection closed: no `initialize` in time");
                return Poll::Ready(None);
            }
        }
        let mut out = BytesMut::new();
        while let Poll::Ready(message) = this.messages.poll_recv(cx) {
            let Some(message) = message else {
                return Poll::Ready((!out.is_empty()).then(|| Ok(out.freeze())));
            };
            out.extend_from_slice(b"event: message\ndata: ");
            out.extend_from_slice(&outbound::one_line(&message));
            out.extend_from_slice(b"\n\n");
        }
        if !out.is_empty() {
            return Poll::Ready(Some(Ok(out.freeze())));
        }
        if this.keep_alive.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n"))));
        }
        Poll::Pending
    }
}

/// The path of the endpoint whose legacy route (`route`) `req` reached:
/// the one its challenges name.
fn endpoint_path(req: &HttpRequest, route: &str) -> Option<String> {
    let pattern = req.match_pattern()?;
    pattern.strip_suffix(route).map(str::to_owned)
}

/// Serves the legacy transport's two routes in the endpoint's scope.
pub(crate) fn mount(cfg: &mut web::ServiceConfig, transport: Arc<LegacySse>) {
    cfg.app_data(web::Data::from(transport))
        .service(web::resource("/sse").route(web::get().to(open)))
        .service(web::resource("/messages").route(web::post().to(post)));
}

async fn open(transport: web::Data<LegacySse>, req: HttpRequest) -> HttpResponse {
    transport.into_inner().open(&req).await
}

async fn post(
    transport: web::Data<LegacySse>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    transport.post(req, body).await
}
