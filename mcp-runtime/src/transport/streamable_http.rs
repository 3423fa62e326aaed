//! MCP Streamable HTTP (every revision: the handshake era, 2024-11-05 to
//! 2025-11-25, and the stateless 2026-07-28 beside it) on one actix
//! resource: POST carries JSON-RPC, GET opens the session's standalone
//! stream or resumes a stream (`Last-Event-ID`), DELETE ends a session.
//!
//! A POSTed request is answered with one JSON body when its call sends
//! nothing before its response. As soon as the call sends something
//! (progress, a log message, a question to the client) — or stays quiet for
//! the keep-alive interval — the answer switches to an SSE stream, provided
//! the client accepts `text/event-stream`; see `stream` for how streams
//! drive calls, number their events and resume.
//!
//! Transport-level refusals mirror the TypeScript SDK server, the de facto
//! reference clients are tested against: missing session 400 (`-32000`),
//! unknown session 404 (`-32001`), bad JSON 400 (`-32700`). Every error body
//! carries the request's `id` when it could be read, `null` otherwise.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::{FutureExt as _, StreamExt as _};
use rmcp::model::{ErrorCode, ErrorData, RequestId};
use tokio_util::sync::CancellationToken;

use super::batch;
use super::metadata::Mounts;
use super::stream::{self, Call, Elsewhere, Hub, Pump, Streams};
use crate::call::server::{Exchange, Outcome, Server, session_client};
use crate::dispatch::Dispatcher;
use crate::policy::auth::{AuthRejection, Authenticator, Binding};
use crate::policy::client;
use crate::policy::limits::Limits;
use crate::policy::origin::OriginPolicy;
use crate::policy::rate_limit::Limited;
use crate::protocol::codes::{SESSION_NOT_FOUND, TRANSPORT_ERROR};
use crate::protocol::jsonrpc::{self, Incoming, Message};
use crate::protocol::method::RequestMethod;
use crate::protocol::stateless::{self, Client};
use crate::protocol::version::VERSION_HEADER;
use crate::protocol::version::{self, Version};
use crate::state::live::{NotStarted, in_use};
use crate::state::relay::Relayed;
use crate::state::session::{Session, SessionStore, SessionStoreError, new_session_id};
use crate::support::boxed::in_box;
use crate::support::media;
use crate::support::outbound::Outbound;

const SESSION_HEADER: header::HeaderName = header::HeaderName::from_static("mcp-session-id");
const LAST_EVENT_ID: &str = "last-event-id";

/// The transport's shared state (one per server, shared by every worker).
pub(crate) struct StreamableHttp {
    pub dispatcher: Dispatcher,
    pub origins: OriginPolicy,
    pub streams: Arc<Streams>,
    /// Answer every request with SSE (when accepted), not only those that
    /// send something before their response.
    pub always_stream: bool,
    /// Where `McpServer::scope` mounted it (for the metadata's paths).
    pub mounts: Arc<Mounts>,
    /// Streams of other replicas, once `McpServer::share` joined them.
    pub elsewhere: std::sync::OnceLock<Arc<dyn Elsewhere>>,
}

/// A request refused before (or instead of) dispatch: an HTTP status and a
/// JSON-RPC error.
pub(super) struct Refusal {
    status: StatusCode,
    error: ErrorData,
    id: Option<RequestId>,
    retry_after: Option<Duration>,
    /// `WWW-Authenticate`, for a refusal by the authenticator (boxed: most
    /// refusals have none, and all travel in `Result`s).
    challenge: Option<Box<HeaderValue>>,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            error: ErrorData::new(code, message.into(), None),
            id: None,
            retry_after: None,
            challenge: None,
        }
    }

    /// The authenticator's refusal of `req` to the endpoint at `path` (by
    /// default, the route's): 401 or 403, with the same challenge a
    /// protected item's would have.
    pub(super) fn unauthorized(
        server: &Server,
        req: &HttpRequest,
        path: Option<&str>,
        rejection: &AuthRejection,
    ) -> Self {
        let mut refusal = Refusal::new(
            rejection.status,
            ErrorCode::INVALID_REQUEST,
            &rejection.message,
        );
        let metadata = server.metadata_url(req, path);
        refusal.challenge = Some(Box::new(rejection.challenge(metadata.as_deref())));
        refusal
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Refusal::new(StatusCode::BAD_REQUEST, TRANSPORT_ERROR, message)
    }

    pub(super) fn session_not_found() -> Self {
        Refusal::new(
            StatusCode::NOT_FOUND,
            SESSION_NOT_FOUND,
            "Session not found: start a new one with `initialize`",
        )
    }

    pub(super) fn too_many(message: impl Into<String>) -> Self {
        let mut refusal = Refusal::new(StatusCode::TOO_MANY_REQUESTS, TRANSPORT_ERROR, message);
        refusal.retry_after = Some(Duration::from_secs(1));
        refusal
    }

    pub(super) fn store_failure(e: &SessionStoreError) -> Self {
        let (status, message, retry_after) = match e {
            SessionStoreError::Full { retry_after } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable: the server has no room for a new session; retry later"
                    .to_owned(),
                *retry_after,
            ),
            SessionStoreError::Share { share, retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too Many Requests: this client holds its share of sessions ({share}), \
                     each in use; end one with DELETE or retry later"
                ),
                *retry_after,
            ),
            _ => {
                tracing::error!("mcp-runtime: {e}");
                // A shared store that is down is usually back soon (the
                // connection is re-established in the background).
                let mut refusal = Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::INTERNAL_ERROR,
                    "Internal error: the session store is unavailable",
                );
                refusal.retry_after = Some(Duration::from_secs(2));
                return refusal;
            }
        };
        let mut refusal = Refusal::new(status, TRANSPORT_ERROR, message);
        refusal.retry_after = Some(retry_after);
        refusal
    }

    fn with_id(mut self, id: Option<&RequestId>) -> Self {
        self.id = id.cloned();
        self
    }

    pub(super) fn into_response(self) -> HttpResponse {
        let mut response = json(self.status, jsonrpc::failure(self.id.as_ref(), &self.error));
        if let Some(after) = self.retry_after {
            let secs = after.as_secs().max(1);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(challenge) = self.challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, *challenge);
        }
        response
    }
}

/// A JSON response (its header set on the response itself, as for [`sse`]).
fn json(status: StatusCode, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    let mut response = HttpResponse::with_body(status, body).map_into_boxed_body();
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response
}

impl StreamableHttp {
    fn sessions(&self) -> Option<&Arc<dyn SessionStore>> {
        self.dispatcher.server().state.sessions.as_ref()
    }

    pub(crate) async fn post(&self, req: HttpRequest, mut payload: web::Payload) -> HttpResponse {
        match self.try_post(req, &mut payload).await {
            Ok(response) => response,
            Err(refusal) => holding_unread_body(refusal.into_response(), payload),
        }
    }

    pub(crate) async fn delete(&self, req: HttpRequest) -> HttpResponse {
        self.try_delete(&req)
            .await
            .unwrap_or_else(Refusal::into_response)
    }

    pub(crate) async fn get(&self, req: HttpRequest) -> HttpResponse {
        self.try_get(&req)
            .await
            .unwrap_or_else(Refusal::into_response)
    }

    /// Any other method: 405.
    pub(crate) async fn other(&self, req: HttpRequest) -> HttpResponse {
        let allow = if self.sessions().is_some() {
            "GET, POST, DELETE"
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

    /// The authenticator every request to the endpoint passes, when the
    /// server asks for one (`endpoint_auth`).
    fn endpoint_auth(&self) -> Option<&Authenticator> {
        let policy = &self.dispatcher.server().policy;
        policy.auth.as_ref().filter(|_| policy.endpoint.auth)
    }

    /// Whether [`check_caller`](Self::check_caller) has anything to check.
    pub(crate) fn checks_callers(&self) -> bool {
        self.endpoint_auth().is_some()
    }

    /// Endpoint-wide authentication (`endpoint_auth`): who may use the
    /// endpoint at `path` at all. `None` when allowed (or not asked for);
    /// otherwise the 401 or 403 with its challenge.
    pub(crate) async fn check_caller(&self, req: &HttpRequest, path: &str) -> Option<HttpResponse> {
        let auth = self.endpoint_auth()?;
        let server = self.dispatcher.server();
        let rejection = auth.check(req, server.policy.endpoint).await.err()?;
        // The middleware runs before the route matched: say whose path.
        Some(Refusal::unauthorized(server, req, Some(path), &rejection).into_response())
    }

    /// Checks `Host` and `Origin` before anything else (DNS-rebinding
    /// protection): a browser page must not reach a loopback server through
    /// a name or an origin of its own.
    /// `None` when allowed; otherwise the 403 to answer.
    pub(crate) fn check_origin(&self, req: &HttpRequest) -> Option<HttpResponse> {
        self.origin_refusal(req).err().map(Refusal::into_response)
    }

    fn origin_refusal(&self, req: &HttpRequest) -> Result<(), Refusal> {
        let forbidden = |what: String| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                TRANSPORT_ERROR,
                format!("Forbidden: {what}"),
            )
        };
        // An absolute-form request target names the host itself, and then
        // `Host` does not count (RFC 9112 §3.2.2).
        let host = req.uri().authority().map(|a| a.as_str()).or_else(|| {
            req.headers()
                .get(header::HOST)
                .map(|v| v.to_str().unwrap_or("\u{fffd}"))
        });
        if !self.origins.permits_host(host) {
            return Err(forbidden(format!(
                "Host {} is not allowed",
                host.unwrap_or_default()
            )));
        }
        let mut origins = req.headers().get_all(header::ORIGIN);
        let origin = origins.next().map(|v| v.to_str().unwrap_or("null"));
        if origins.next().is_some() {
            return Err(forbidden("several Origin headers".into()));
        }
        if self.origins.permits(origin) {
            return Ok(());
        }
        Err(forbidden(format!(
            "Origin {} is not allowed",
            origin.unwrap_or_default()
        )))
    }

    async fn try_post(
        &self,
        req: HttpRequest,
        payload: &mut web::Payload,
    ) -> Result<HttpResponse, Refusal> {
        admit(&self.dispatcher, &req).await?;
        let limits = &self.dispatcher.server().policy.limits;
        check_content_type(&req)?;
        let accept = accepted(&req)?;
        check_content_length(&req, limits.max_request_bytes)?;
        let header = version_header(&req)?;
        let body = read_body(payload, limits).await?;
        // A `tools/call` is read in one pass: a stateless one (as its
        // header says) with its check, which reads `params` raw otherwise.
        let stateless_header = header.is_some_and(is_stateless_version);
        if stateless_header && let Some(read) = stateless::parse_call(&body, req.headers()) {
            return match read {
                Ok((call, checked)) => {
                    self.checked_stateless(req, call, Some(checked), accept)
                        .await
                }
                Err((id, e)) => self.refused_stateless(&id, &e).await,
            };
        }
        let parsed = if stateless_header {
            jsonrpc::parse(&body)
        } else {
            jsonrpc::parse_call_first(&body)
        };
        let incoming = parsed.map_err(|error| Refusal {
            status: StatusCode::BAD_REQUEST,
            error,
            id: None,
            retry_after: None,
            challenge: None,
        })?;
        let id = match &incoming {
            Incoming::Single(message) => message.request_id().cloned(),
            Incoming::Batch(_) => None,
        };
        if let Incoming::Batch(_) = &incoming
            && header.is_some_and(is_stateless_version)
        {
            return Err(Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                "Invalid request: JSON-RPC batches are not allowed in protocol version 2026-07-28",
            ));
        }
        if let Incoming::Single(message) = &incoming
            && stateless::is_stateless_request(header, message)
        {
            let Incoming::Single(message) = incoming else {
                return Err(Refusal::bad_request("Bad Request"));
            };
            return self.stateless(req, message, accept).await;
        }
        let session = self
            .session(&req, &incoming)
            .await
            .map_err(|r| r.with_id(id.as_ref()))?;
        let negotiated = session.as_ref().and_then(|(_, s)| s.version());
        let version = version::resolve(header, negotiated)
            .map_err(|e| Refusal::bad_request(e.to_string()).with_id(id.as_ref()))?;
        match incoming {
            Incoming::Single(message) => {
                let client = session.as_ref().map(|(_, s)| session_client(s));
                let era = Era::Handshake { session, client };
                self.single(req, message, version, era, accept).await
            }
            Incoming::Batch(messages) => self.batch(req, messages, version, session).await,
        }
    }

    /// A request of the stateless revision: checked (its `_meta`, its
    /// headers), then served without a session.
    async fn stateless(
        &self,
        req: HttpRequest,
        message: Message,
        accept: Accept,
    ) -> Result<HttpResponse, Refusal> {
        let (message, checked) = match message {
            Message::Request { id, method, params } => {
                match stateless::check(req.headers(), &method, params.raw_for_check()) {
                    Ok(mut checked) => {
                        let params = params.or_read(checked.call.take());
                        (Message::Request { id, method, params }, Some(checked))
                    }
                    Err(e) => return self.refused_stateless(&id, &e).await,
                }
            }
            other => (other, None),
        };
        self.checked_stateless(req, message, checked, accept).await
    }

    /// A request of the stateless revision its check refused.
    async fn refused_stateless(
        &self,
        id: &RequestId,
        e: &stateless::Refused,
    ) -> Result<HttpResponse, Refusal> {
        self.respond(Outcome::refused(id, e), Some(id)).await
    }

    /// A message of the stateless revision, served without a session (a
    /// request once its check passed: `checked`, whose call's parameters,
    /// if it read them, are in the message).
    async fn checked_stateless(
        &self,
        req: HttpRequest,
        message: Message,
        checked: Option<stateless::Checked>,
        accept: Accept,
    ) -> Result<HttpResponse, Refusal> {
        let (client, inputs) = match checked {
            Some(checked) => (Some(checked.client), Some(checked.inputs)),
            None => (None, None),
        };
        let era = Era::Stateless { client, inputs };
        self.single(req, message, Version::V2026_07_28, era, accept)
            .await
    }

    /// The session a message belongs to. `initialize` starts one (and a
    /// `server/discover` probe comes before any); every other message needs
    /// one when the server keeps sessions: 400 without the header, 404 for
    /// an unknown or ended one.
    async fn session(
        &self,
        req: &HttpRequest,
        incoming: &Incoming,
    ) -> Result<Option<(Arc<str>, Arc<Session>)>, Refusal> {
        let Some(store) = self.sessions() else {
            return Ok(None);
        };
        if let Incoming::Single(Message::Request {
            method: RequestMethod::Initialize | RequestMethod::Discover,
            ..
        }) = incoming
        {
            return Ok(None);
        }
        let id = session_id(req)?;
        let session = match store.get(id).await {
            Ok(Some(session)) => session,
            Ok(None) => return Err(Refusal::session_not_found()),
            Err(e) => return Err(Refusal::store_failure(&e)),
        };
        let session = self.bound(store, id, session, req).await?;
        Ok(Some((id.into(), session)))
    }

    /// `session`, if `req` presents the credentials it is bound to; one
    /// started without credentials is bound to the first a request presents.
    /// A session id is never a credential: resuming a stream, answering the
    /// server's questions or ending the session need the same credentials
    /// as the calls they belong to.
    async fn bound(
        &self,
        store: &Arc<dyn SessionStore>,
        id: &str,
        session: Arc<Session>,
        req: &HttpRequest,
    ) -> Result<Arc<Session>, Refusal> {
        let presented = Presented::of(&self.dispatcher, req, None).await;
        match presented.admit(session.credential.as_ref())? {
            Some(first) => {
                let bound = Arc::new(session.with_credential(Some(first)));
                store
                    .update(id, bound.clone())
                    .await
                    .map_err(|e| Refusal::store_failure(&e))?;
                Ok(bound)
            }
            None => Ok(session),
        }
    }

    async fn single(
        &self,
        req: HttpRequest,
        message: Message,
        version: Version,
        era: Era,
        accept: Accept,
    ) -> Result<HttpResponse, Refusal> {
        let (session, client, inputs, stateless) = match era {
            Era::Handshake { session, client } => (session, client, None, false),
            Era::Stateless { client, inputs } => (None, client, inputs, true),
        };
        // A quiet request is answered in JSON unless every answer streams:
        // it would open a channel for nothing.
        let (id, streams) = match &message {
            Message::Request { id, method, .. } => (
                Some(id.clone()),
                accept.event_stream
                    && *method != RequestMethod::Initialize
                    && (self.always_stream || !method.is_quiet()),
            ),
            _ => (None, false),
        };
        // A stream opened now could carry a refusal only as a JSON-RPC
        // error, so a request the authenticator may refuse is decided
        // before one opens, for the HTTP challenge: by the call itself when
        // it is done at its first poll (as most are, in process), else by
        // the authenticator on the MCP request (`admits`), which is what
        // `undecided` keeps them for.
        let undecided = (streams && self.always_stream && self.dispatcher.may_refuse(&message))
            .then(|| (req.clone(), self.dispatcher.admission(&message)));
        let (outbound, mut messages) = if streams {
            let (outbound, inbox) = Outbound::deferred();
            (outbound, Some(inbox))
        } else {
            (Outbound::none(), None)
        };
        let session_id = session.as_ref().map(|(id, _)| id.clone());
        let cancel = CancellationToken::new();
        let in_flight = match (&session_id, &id) {
            (Some(session), Some(id)) => {
                let max = self
                    .dispatcher
                    .server()
                    .policy
                    .limits
                    .max_in_flight_per_session;
                let started = self.dispatcher.server().state.live.start_call(
                    session.clone(),
                    id.clone(),
                    cancel.clone(),
                    max,
                );
                Some(started.map_err(|why| {
                    match why {
                        NotStarted::TooMany => Refusal::too_many(format!(
                            "Too Many Requests: this session already has {max} calls in flight"
                        )),
                        NotStarted::IdInUse => Refusal::new(
                            StatusCode::BAD_REQUEST,
                            ErrorCode::INVALID_REQUEST,
                            in_use(id),
                        ),
                    }
                    .with_id(Some(id))
                })?)
            }
            _ => None,
        };
        // A session starts bound to the caller of its `initialize`, held by
        // its client for the store's per-client share.
        let starts = if matches!(
            &message,
            Message::Request {
                method: RequestMethod::Initialize,
                ..
            }
        ) {
            let holder = client::key(&req, &self.dispatcher.server().policy.state_key);
            let credential = Presented::of(&self.dispatcher, &req, None).await.binding;
            Some((credential, holder))
        } else {
            None
        };
        let exchange = Exchange {
            version,
            session,
            client,
            inputs,
            host: req,
            outbound,
            cancel: cancel.clone(),
            task: None,
        };
        let dispatcher = self.dispatcher.clone();
        let mut call: Call = in_box(|| async move {
            let _in_flight = in_flight;
            let outcome = if stateless {
                dispatcher.handle_stateless(message, &exchange).await
            } else {
                dispatcher.handle(message, &exchange).await
            };
            match (outcome, starts) {
                (Outcome::Initialized { response, session }, Some((credential, holder))) => {
                    Outcome::Initialized {
                        response,
                        session: Box::new(Session {
                            credential,
                            holder: Some(holder),
                            ..*session
                        }),
                    }
                }
                (other, _) => other,
            }
        });
        let Some(rx) = &mut messages else {
            let outcome = call.await;
            return self.respond(outcome, id.as_ref()).await;
        };
        // With a session, the stream can be resumed after a disconnect
        // (2025-03-26 and later): the call outlives the connection a while.
        let resumable = session_id.is_some() && version >= Version::V2025_03_26;
        // JSON while the call says nothing; a stream from its first message.
        let first = if self.always_stream {
            // Polled once before a stream opens, without a waker (whoever
            // polls it next does so first thing).
            let mut cx = Context::from_waker(Waker::noop());
            match call.as_mut().poll(&mut cx) {
                Poll::Ready(outcome @ Outcome::Unauthorized { .. })
                    if undecided.is_some() && rx.is_empty() =>
                {
                    return self.respond(outcome, id.as_ref()).await;
                }
                // Done without a message on its way: its stream is whole.
                // One no one can resume is its one event, with no stream
                // kept; one a client can resume is kept, and read now.
                Poll::Ready(outcome) if rx.is_empty() => {
                    let json = stream::response(outcome);
                    if !resumable {
                        let event = json.map_or_else(Bytes::new, |json| stream::event(&[], &json));
                        return Ok(sse(event));
                    }
                    let hub = self.open_stream(session_id, resumable, false)?;
                    let primed = version.primes_streams();
                    return Ok(sse(hub.end_read(primed, json.as_deref())));
                }
                Poll::Ready(outcome) => call = Box::pin(std::future::ready(outcome)),
                Poll::Pending => {
                    if let Some((req, message)) = &undecided {
                        admits(&self.dispatcher, req, message).await?;
                    }
                }
            }
            None
        } else {
            tokio::select! {
                biased;
                outcome = &mut call => {
                    if rx.is_empty() {
                        return self.respond(outcome, id.as_ref()).await;
                    }
                    // It sent messages on its way to the response: stream them.
                    call = Box::pin(std::future::ready(outcome));
                    None
                }
                first = rx.recv() => first,
                // (A block: the timer is made only if the call waits.)
                () = async { tokio::time::sleep(self.streams.limits.keep_alive).await } => None,
            }
        };
        let rx = messages.take().expect("a streaming request has a receiver");
        let hub = self.open_stream(session_id, resumable, true)?;
        if resumable && version.primes_streams() {
            hub.prime();
        }
        let mut body = hub.reader(0);
        let mut pump = Pump::new(hub, call, rx, cancel.drop_guard());
        if let Some(first) = first {
            pump.push(&first);
        }
        // Polled here once first: a call that is done by then has its whole
        // stream in the hub, so the response goes out in one write, with no
        // task spawned to finish it. (Without a waker: the task polls it
        // again first thing; and nothing is held across an await, which
        // would grow this future.)
        let mut cx = Context::from_waker(Waker::noop());
        if Pin::new(&mut pump).poll(&mut cx).is_pending() {
            actix_web::rt::spawn(pump);
            return Ok(event_stream(body));
        }
        // Done (and the stream finished with the pump): read whole now and
        // sent with its length, not in chunks (it stays in the hub for a
        // client that resumes it).
        drop(pump);
        let mut whole = Bytes::new();
        loop {
            match body.poll_next_unpin(&mut cx) {
                // (Read in one piece, as a finished stream's events are.)
                Poll::Ready(Some(Ok(events))) if whole.is_empty() => whole = events,
                Poll::Ready(Some(Ok(events))) => whole = [whole, events].concat().into(),
                Poll::Ready(None) => return Ok(sse(whole)),
                // (Not seen for a finished stream; sent as a stream then.)
                Poll::Ready(Some(Err(_))) | Poll::Pending => {
                    let read = futures_util::stream::iter([Ok(whole)]);
                    return Ok(event_stream(read.chain(body)));
                }
            }
        }
    }

    /// Opens a call's stream; one for a call that is done already does not
    /// run (see `Streams::open`). (Primed by the caller, for clients that
    /// expect it: a done call's stream is written whole, see
    /// `Hub::end_read`.)
    fn open_stream(
        &self,
        session: Option<Arc<str>>,
        resumable: bool,
        runs: bool,
    ) -> Result<Arc<Hub>, Refusal> {
        self.streams.open(session, resumable, runs).map_err(|_| {
            Refusal::too_many("Too Many Requests: this session has too many open streams")
        })
    }

    /// GET: the session's standalone stream (server-initiated messages), or
    /// with `Last-Event-ID`, the rest of a stream the client lost.
    async fn try_get(&self, req: &HttpRequest) -> Result<HttpResponse, Refusal> {
        if self.sessions().is_none() || stateless_header(req) {
            // Nothing to stream outside a request (the stateless revision has
            // no standalone stream).
            return Ok(self.other(req.clone()).await);
        }
        if !accepts_event_stream(req) {
            return Err(Refusal::new(
                StatusCode::NOT_ACCEPTABLE,
                TRANSPORT_ERROR,
                "Not Acceptable: the client must accept text/event-stream",
            ));
        }
        let Some((session, state)) = self.session(req, &Incoming::Batch(Vec::new())).await? else {
            return Err(Refusal::bad_request(
                "Bad Request: Mcp-Session-Id header is required",
            ));
        };
        let header = version_header(req)?;
        let version = version::resolve(header, state.version())
            .map_err(|e| Refusal::bad_request(e.to_string()))?;
        if let Some(last) = req.headers().get(LAST_EVENT_ID) {
            let last = last.to_str().unwrap_or_default();
            let Some((hub, from)) = self.streams.find(&session, last) else {
                if let Some(elsewhere) = self.elsewhere.get()
                    && let Some(body) = elsewhere.clone().resume(session, last.to_owned()).await
                {
                    return Ok(event_stream(body));
                }
                return Err(Refusal::new(
                    StatusCode::NOT_FOUND,
                    TRANSPORT_ERROR,
                    format!(
                        "Not Found: no stream to resume after event {last:?} (it ended, or was never this session's)"
                    ),
                ));
            };
            return Ok(event_stream(hub.reader(from)));
        }
        let standalone = self.streams.standalone(&session).map_err(|_| {
            Refusal::too_many("Too Many Requests: this session has too many open streams")
        })?;
        let Some(hub) = standalone else {
            return Err(Refusal::new(
                StatusCode::CONFLICT,
                TRANSPORT_ERROR,
                "Conflict: this session's standalone stream is already open",
            ));
        };
        Ok(event_stream(standalone_reader(&hub, version)))
    }

    /// A JSON-RPC batch (see `batch` for the policy): one array of replies,
    /// or 202 if none needs one. Calls in a batch cannot stream.
    async fn batch(
        &self,
        req: HttpRequest,
        messages: Vec<Message>,
        version: Version,
        session: Option<(Arc<str>, Arc<Session>)>,
    ) -> Result<HttpResponse, Refusal> {
        let limits = self.dispatcher.server().policy.limits;
        batch::check(Some(version), messages.len(), limits.max_batch_len).map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::INVALID_REQUEST,
                e.to_string(),
            )
        })?;
        let exchange = || Exchange {
            version,
            session: session.clone(),
            client: session.as_ref().map(|(_, s)| session_client(s)),
            inputs: None,
            host: req.clone(),
            outbound: Outbound::none(),
            cancel: CancellationToken::new(),
            task: None,
        };
        let served = batch::serve_in_turn(messages, limits.max_batch_response_bytes, |message| {
            let exchange = exchange();
            async move {
                Ok(match self.dispatcher.handle(message, &exchange).await {
                    Outcome::Accepted | Outcome::Cancelled => None,
                    Outcome::Response(body)
                    | Outcome::Invalid(body)
                    | Outcome::RateLimited { response: body, .. }
                    | Outcome::Refused { response: body, .. }
                    | Outcome::Initialized { response: body, .. } => Some(body),
                    // Credentials apply to the whole HTTP request.
                    refusal @ Outcome::Unauthorized { .. } => return Err(refusal),
                })
            }
        })
        .await;
        match served {
            Ok(Some(body)) => Ok(json(StatusCode::OK, body)),
            Ok(None) => Ok(HttpResponse::Accepted().finish()),
            Err(refusal) => self.respond(refusal, None).await,
        }
    }

    /// The HTTP form of an outcome answered with one JSON body (or none);
    /// `id` is the request's, for refusals.
    async fn respond(
        &self,
        outcome: Outcome,
        id: Option<&RequestId>,
    ) -> Result<HttpResponse, Refusal> {
        self.respond_inner(outcome).await.map_err(|r| r.with_id(id))
    }

    async fn respond_inner(&self, outcome: Outcome) -> Result<HttpResponse, Refusal> {
        Ok(match outcome {
            Outcome::Response(body) => json(StatusCode::OK, body),
            Outcome::Invalid(body) => json(StatusCode::BAD_REQUEST, body),
            Outcome::Accepted | Outcome::Cancelled => HttpResponse::Accepted().finish(),
            Outcome::Refused {
                response,
                not_found,
            } => json(
                if not_found {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::BAD_REQUEST
                },
                response,
            ),
            Outcome::RateLimited {
                response,
                retry_after,
            } => {
                let mut reply = json(StatusCode::TOO_MANY_REQUESTS, response);
                reply.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.as_secs().max(1)),
                );
                reply
            }
            Outcome::Unauthorized {
                status,
                challenge,
                response: body,
            } => {
                let mut response = json(status, body);
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, challenge);
                response
            }
            Outcome::Initialized { response, session } => {
                let mut reply = json(StatusCode::OK, response);
                if let Some(store) = self.sessions() {
                    let id = new_session_id().map_err(|e| Refusal::store_failure(&e))?;
                    store
                        .insert(&id, Arc::from(session))
                        .await
                        .map_err(|e| Refusal::store_failure(&e))?;
                    let value = HeaderValue::from_str(&id)
                        .map_err(|_| Refusal::bad_request("invalid session id"))?;
                    reply.headers_mut().insert(SESSION_HEADER, value);
                }
                reply
            }
        })
    }

    async fn try_delete(&self, req: &HttpRequest) -> Result<HttpResponse, Refusal> {
        let Some(store) = self.sessions().filter(|_| !stateless_header(req)) else {
            return Ok(self.other(req.clone()).await);
        };
        let id = session_id(req)?;
        match store.get(id).await {
            Ok(Some(session)) => {
                self.bound(store, id, session, req).await?;
            }
            Ok(None) => return Err(Refusal::session_not_found()),
            Err(e) => return Err(Refusal::store_failure(&e)),
        }
        match store.remove(id).await {
            Ok(true) => {
                let id: Arc<str> = id.into();
                self.streams.close_session(&id);
                let state = &self.dispatcher.server().state;
                state.subscribers.forget(&id);
                // Its streams and subscriptions on other replicas end too.
                state.relay.send(Relayed::Ended { session: id });
                Ok(HttpResponse::Ok().finish())
            }
            Ok(false) => Err(Refusal::session_not_found()),
            Err(e) => Err(Refusal::store_failure(&e)),
        }
    }
}

/// A session's standalone stream, read from its start when new (primed for
/// clients that expect it), from its end when a client comes back without
/// `Last-Event-ID`.
fn standalone_reader(hub: &Arc<Hub>, version: Version) -> super::stream::ReaderBody {
    if hub.is_new() {
        if version.primes_streams() {
            hub.prime();
        }
        hub.reader(0)
    } else {
        hub.reader_from_end()
    }
}

pub(super) fn event_stream<S>(body: S) -> HttpResponse
where
    S: futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
{
    sse(actix_web::body::BodyStream::new(body))
}

/// An event stream's response: its status and headers, and `body`. (Set on
/// the response itself: a builder would check each header's name and
/// value again.)
fn sse(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    const EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");
    const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
    const ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");
    const NO: HeaderValue = HeaderValue::from_static("no");
    let mut response = HttpResponse::with_body(StatusCode::OK, body).map_into_boxed_body();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, EVENT_STREAM);
    headers.insert(header::CACHE_CONTROL, NO_CACHE);
    headers.insert(ACCEL_BUFFERING, NO);
    response
}

/// A request that says it speaks the stateless revision.
fn stateless_header(req: &HttpRequest) -> bool {
    req.headers()
        .get(&VERSION_HEADER)
        .is_some_and(|v| is_stateless_version(v.as_bytes()))
}

fn is_stateless_version(header: &[u8]) -> bool {
    header.trim_ascii() == Version::V2026_07_28.as_str().as_bytes()
}

/// The value of a header that must appear at most once: several (which
/// proxies and servers may join or pick from differently) are refused.
fn single_header<'a>(
    req: &'a HttpRequest,
    name: impl header::AsHeaderName,
    shown: &str,
) -> Result<Option<&'a HeaderValue>, Refusal> {
    let mut values = req.headers().get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(Refusal::bad_request(format!(
            "Bad Request: several {shown} headers"
        )));
    }
    Ok(first)
}

/// The `MCP-Protocol-Version` header, as sent.
fn version_header(req: &HttpRequest) -> Result<Option<&[u8]>, Refusal> {
    Ok(single_header(req, &VERSION_HEADER, "MCP-Protocol-Version")?.map(HeaderValue::as_bytes))
}

/// How a single request is served.
enum Era {
    /// With a session (if the server keeps them) and its client.
    Handshake {
        session: Option<(Arc<str>, Arc<Session>)>,
        client: Option<Client>,
    },
    /// Statelessly, with the client the request describes.
    Stateless {
        client: Option<Client>,
        inputs: Option<stateless::InputResponses>,
    },
}

fn session_id(req: &HttpRequest) -> Result<&str, Refusal> {
    // Any text: an id no session has is not found. (`from_utf8` rather
    // than `HeaderValue::to_str`, which checks byte by byte.)
    let id = single_header(req, &SESSION_HEADER, "Mcp-Session-Id")?;
    match id.map(|id| std::str::from_utf8(id.as_bytes())) {
        Some(Ok(id)) => Ok(id),
        Some(Err(_)) => Err(Refusal::session_not_found()),
        None => Err(Refusal::bad_request(
            "Bad Request: Mcp-Session-Id header is required",
        )),
    }
}

/// Whether `req` may send `message` (see `Dispatcher::admits`): `Err` is
/// the 401 or 403 with the challenge the item's handler would give.
async fn admits(
    dispatcher: &Dispatcher,
    req: &HttpRequest,
    message: &Message,
) -> Result<(), Refusal> {
    dispatcher.admits(req, message).await.map_err(|rejection| {
        let refusal = Refusal::unauthorized(dispatcher.server(), req, None, &rejection);
        refusal.with_id(message.request_id())
    })
}

/// The credentials a request presents, as sessions are bound to them.
pub(super) struct Presented {
    /// A keyed hash of the caller when the authenticator names them, else
    /// of the credentials as they are (see `Authenticator::binding`);
    /// `None` without credentials, or with credentials it rejected.
    pub binding: Option<String>,
    /// The challenge to credentials the authenticator rejected.
    rejected: Option<Refusal>,
}

impl Presented {
    /// What `req`, to the endpoint at `endpoint` (by default the route's),
    /// presents.
    pub(super) async fn of(
        dispatcher: &Dispatcher,
        req: &HttpRequest,
        endpoint: Option<&str>,
    ) -> Presented {
        let server = dispatcher.server();
        let key = &server.policy.state_key;
        let binding = match &server.policy.auth {
            Some(auth) => auth.binding(req).await,
            None => Ok(req
                .headers()
                .get(header::AUTHORIZATION)
                .map(|v| Binding::Credentials(v.as_bytes()))),
        };
        let (binding, rejected) = match binding {
            Ok(binding) => (binding, None),
            Err(rejection) => (
                None,
                Some(Refusal::unauthorized(server, req, endpoint, &rejection)),
            ),
        };
        let binding = binding.map(|binding| match binding {
            // A NUL never occurs in a header value: no credentials hash as
            // a caller's identity.
            Binding::Caller(id) => key.fingerprint(format!("\0caller\0{id}").as_bytes()),
            Binding::Credentials(raw) => key.fingerprint(raw),
        });
        Presented { binding, rejected }
    }

    /// Whether a session bound to `bound` admits these credentials: `Err`
    /// when it is bound to others (the authenticator's challenge when it
    /// rejected these, so the client can refresh them); `Ok(Some(_))` when
    /// it is bound to none yet and is to be bound to these.
    pub(super) fn admit(self, bound: Option<&String>) -> Result<Option<String>, Refusal> {
        match (bound, self.binding) {
            (Some(bound), presented) if presented.as_ref() != Some(bound) => {
                Err(self.rejected.unwrap_or_else(not_its_credentials))
            }
            (None, Some(first)) => Ok(Some(first)),
            _ => Ok(None),
        }
    }
}

/// A session bound to other credentials than a request presents.
fn not_its_credentials() -> Refusal {
    Refusal::new(
        StatusCode::FORBIDDEN,
        TRANSPORT_ERROR,
        "Forbidden: this session is bound to the credentials it was used with; present \
         them, or start a new session",
    )
}

pub(super) fn check_content_type(req: &HttpRequest) -> Result<(), Refusal> {
    if media::of(req.headers()) != "application/json" {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TRANSPORT_ERROR,
            "Unsupported Media Type: Content-Type must be application/json",
        ));
    }
    // Bodies are read as sent: a coded one would be parsed as if it were
    // not (RFC 9110 §8.4.1: 415 for a coding the server does not support).
    let coded = req
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .flat_map(|v| v.to_str().unwrap_or("?").split(','))
        .any(|coding| !coding.trim().eq_ignore_ascii_case("identity"));
    if coded {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            TRANSPORT_ERROR,
            "Unsupported Media Type: send the body without a Content-Encoding",
        ));
    }
    Ok(())
}

/// What the client takes in return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Accept {
    event_stream: bool,
}

/// The media ranges of the request's `Accept` headers, each with whether
/// it is acceptable (a weight of 0 means "not acceptable", RFC 9110 §12.4.2).
fn media_ranges(req: &HttpRequest) -> Vec<(&str, bool)> {
    req.headers()
        .get_all(header::ACCEPT)
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(|range| {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or("").trim();
            let refused = parts.any(|param| {
                param.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q")
                        && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
                })
            });
            (essence, !refused)
        })
        .collect()
}

/// Whether `ranges` accept `wanted` (`type/subtype`): some range covering it
/// has a weight, and it is not itself refused by name. (Compared without
/// case and without copying: this runs on every request.)
fn accepts(ranges: &[(&str, bool)], wanted: &str, covering: &[&str]) -> bool {
    let refused = ranges
        .iter()
        .any(|(t, ok)| !ok && t.eq_ignore_ascii_case(wanted));
    !refused
        && ranges.iter().any(|(t, ok)| {
            *ok && (t.eq_ignore_ascii_case(wanted)
                || covering.iter().any(|c| t.eq_ignore_ascii_case(c)))
        })
}

/// Clients must accept JSON (the spec has them list `application/json` and
/// `text/event-stream`); an absent `Accept` means anything. Streams are used
/// only for clients that list `text/event-stream`.
fn accepted(req: &HttpRequest) -> Result<Accept, Refusal> {
    let mut values = req.headers().get_all(header::ACCEPT);
    match (values.next(), values.next()) {
        (None, _) => {
            return Ok(Accept {
                event_stream: false,
            });
        }
        // What the spec has clients send, and nearly all do: read without
        // splitting it (it reads as this when split).
        (Some(value), None) if COMMON_ACCEPT.contains(&value.as_bytes()) => {
            return Ok(Accept { event_stream: true });
        }
        _ => {}
    }
    let ranges = media_ranges(req);
    if !accepts(&ranges, "application/json", &["application/*", "*/*"]) {
        return Err(Refusal::new(
            StatusCode::NOT_ACCEPTABLE,
            TRANSPORT_ERROR,
            "Not Acceptable: the client must accept application/json",
        ));
    }
    Ok(Accept {
        event_stream: accepts(&ranges, "text/event-stream", &[]),
    })
}

/// The `Accept` values clients send most, each listing JSON and SSE.
const COMMON_ACCEPT: [&[u8]; 2] = [
    b"application/json, text/event-stream",
    b"text/event-stream, application/json",
];

/// Whether a GET's `Accept` takes server-sent events.
pub(super) fn accepts_event_stream(req: &HttpRequest) -> bool {
    accepts(&media_ranges(req), "text/event-stream", &["text/*", "*/*"])
}

/// Refuses up front a body announced larger than the limit (413), rather
/// than waiting for it.
pub(super) fn check_content_length(req: &HttpRequest, limit: usize) -> Result<(), Refusal> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match announced {
        Some(len) if len > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

fn too_large(limit: usize) -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::INVALID_REQUEST,
        format!("Payload Too Large: the request body exceeds {limit} bytes"),
    )
}

/// What every request meets before anything is read: the header size
/// limit (431) and the per-client rate limit (429; 503 when its shared
/// store cannot say).
pub(super) async fn admit(dispatcher: &Dispatcher, req: &HttpRequest) -> Result<(), Refusal> {
    check_header_size(req, dispatcher.server().policy.limits.max_header_bytes)?;
    match dispatcher
        .server()
        .policy
        .rate_limits
        .check_client(req)
        .await
    {
        Ok(()) => Ok(()),
        Err(limited @ Limited::Over(wait)) => {
            let mut refusal = Refusal::too_many(format!(
                "Too Many Requests: retry in {} s",
                wait.as_secs().max(1)
            ));
            refusal.retry_after = Some(limited.retry_after());
            Err(refusal)
        }
        Err(limited @ Limited::Unavailable) => {
            let mut refusal = Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                TRANSPORT_ERROR,
                "Service Unavailable: the rate-limit store cannot be reached; retry later",
            );
            refusal.retry_after = Some(limited.retry_after());
            Err(refusal)
        }
    }
}

/// Whether all the request's headers together stay within `limit` bytes.
fn check_header_size(req: &HttpRequest, limit: usize) -> Result<(), Refusal> {
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if size <= limit {
        return Ok(());
    }
    Err(Refusal::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        TRANSPORT_ERROR,
        format!("Request Header Fields Too Large: {size} bytes of headers exceed {limit}"),
    ))
}

/// Reads the body: at most the size limit (413), with no chunk arriving
/// later than the idle timeout and the whole body within the total timeout
/// (408), so a client that stops sending holds nothing for long.
pub(super) async fn read_body(
    payload: &mut web::Payload,
    limits: &Limits,
) -> Result<Bytes, Refusal> {
    // The clock starts at the first wait: a body that is there already (as
    // a small one nearly always is) is read with no timer and no clock.
    let mut started = None;
    let timeout = || {
        Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            TRANSPORT_ERROR,
            "Request Timeout: the request body did not arrive in time",
        )
    };
    // A body that comes in one chunk, as most do, is that chunk: copied
    // into `body` only when a second one follows.
    let mut only: Option<Bytes> = None;
    let mut body = BytesMut::new();
    loop {
        let mut next = payload.next();
        let item = match std::future::poll_fn(|cx| Poll::Ready(next.poll_unpin(cx))).await {
            Poll::Ready(item) => item,
            Poll::Pending => {
                let now = tokio::time::Instant::now();
                let started = *started.get_or_insert(now);
                let deadline =
                    (started + limits.body_total_timeout).min(now + limits.body_idle_timeout);
                match tokio::time::timeout_at(deadline, next).await {
                    Err(_) => return Err(timeout()),
                    Ok(item) => item,
                }
            }
        };
        let Some(chunk) = item else { break };
        let chunk = chunk.map_err(|e| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::PARSE_ERROR,
                format!("Bad Request: could not read the body: {e}"),
            )
        })?;
        let read = only.as_ref().map_or(body.len(), Bytes::len);
        if read + chunk.len() > limits.max_request_bytes {
            return Err(too_large(limits.max_request_bytes));
        }
        if only.is_none() && body.is_empty() {
            only = Some(chunk);
            continue;
        }
        if let Some(head) = only.take() {
            body.extend_from_slice(&head);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(only.unwrap_or_else(|| body.freeze()))
}

/// A refusal that keeps the request's unread body alive until it is sent.
///
/// Once a handler drops a chunked request body it has not read to its end,
/// actix keeps the connection open to drain the rest, with no deadline: a
/// client that stalled its body (answered 408) or sends one without end
/// (413) would hold the connection forever. While the body is alive when the
/// answer is written, actix closes the connection after it instead.
pub(super) fn holding_unread_body(response: HttpResponse, payload: web::Payload) -> HttpResponse {
    use actix_web::body::MessageBody as _;
    let (response, body) = response.into_parts();
    let body = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(_) => return response.set_body(actix_web::body::BoxBody::new(Bytes::new())),
    };
    response.set_body(actix_web::body::BoxBody::new(HoldingBody {
        body,
        _payload: payload,
    }))
}

struct HoldingBody {
    body: Bytes,
    _payload: web::Payload,
}

impl actix_web::body::MessageBody for HoldingBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.body.len() as u64)
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.body.is_empty() {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Ready(Some(Ok(std::mem::take(&mut this.body))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn accept_and_content_type_rules() {
        let accept = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::default();
            for h in headers {
                r = r.append_header(*h);
            }
            accepted(&r.to_http_request()).ok()
        };
        let sse = Some(Accept { event_stream: true });
        let json_only = Some(Accept {
            event_stream: false,
        });
        assert_eq!(accept(&[]), json_only);
        assert_eq!(
            accept(&[("accept", "application/json, text/event-stream")]),
            sse
        );
        assert_eq!(
            accept(&[
                ("accept", "text/event-stream"),
                ("accept", "application/json;q=0.9")
            ]),
            sse
        );
        // The common values read as they do when split.
        for common in COMMON_ACCEPT {
            let common = std::str::from_utf8(common).unwrap();
            let split = media_ranges(
                &TestRequest::default()
                    .insert_header(("accept", common))
                    .to_http_request(),
            )
            .into_iter()
            .map(|(t, ok)| (t.to_owned(), ok))
            .collect::<Vec<_>>();
            assert_eq!(split.len(), 2, "{common}");
            assert!(split.iter().all(|(_, ok)| *ok), "{common}");
            assert_eq!(accept(&[("accept", common)]), sse, "{common}");
        }
        assert_eq!(
            accept(&[
                ("accept", "application/json, text/event-stream"),
                ("accept", "text/html")
            ]),
            sse
        );
        assert_eq!(accept(&[("accept", "*/*")]), json_only);
        assert_eq!(accept(&[("accept", "text/html")]), None);
        assert_eq!(accept(&[("accept", "text/event-stream")]), None);
        // A weight of 0 refuses a type, even under a wildcard.
        assert_eq!(
            accept(&[("accept", "application/json;q=0, text/event-stream")]),
            None
        );
        assert_eq!(accept(&[("accept", "*/*; q=0")]), None);
        assert_eq!(
            accept(&[("accept", "application/json, text/event-stream;q=0.0")]),
            json_only
        );
        assert_eq!(
            accept(&[("accept", "*/*, application/json;q=0")]),
            None,
            "the named type's weight wins"
        );

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
