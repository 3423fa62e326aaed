//! A session bound to one connection, for the transports where every
//! message of a client travels on one long-lived channel each way: stdio
//! (stdin and stdout) and the legacy HTTP+SSE transport (POSTs in, one SSE
//! stream out).
//!
//! Such a transport has no per-request stream: responses, notifications and
//! the server's own requests (sampling, elicitation) all go out on the one
//! [`Outbound`] channel, in the order they are sent, and each message that
//! comes in is served concurrently with the others (a slow call does not
//! hold up a `ping`). The connection *is* the session:
//!
//! * its id (128 random bits) keys the calls in flight, so
//!   `notifications/cancelled` and the client's answers reach the right
//!   call;
//! * `initialize` puts its `Session` in the server's `SessionStore`, where
//!   `logging/setLevel` updates it as for Streamable HTTP; the session lives
//!   as long as the connection (re-stored if the store expired it while the
//!   client was idle) and is removed when the connection ends;
//! * closing the connection cancels every call still in flight.
//!
//! A connection may also serve the stateless revision (2026-07-28) when its
//! transport carries it (stdio): a request whose `_meta` names that revision
//! is checked and served without a session, side by side with the
//! handshake era.

use std::sync::{Arc, Mutex};

use actix_web::HttpRequest;
use rmcp::model::{CancelledNotificationParam, ErrorData, RequestId};
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::batch;
use crate::call::server::{Exchange, Outcome, session_client};
use crate::dispatch::Dispatcher;
use crate::protocol::codes::TRANSPORT_ERROR;
use crate::protocol::jsonrpc::{self, Incoming, Message};
use crate::protocol::method::{NotificationMethod, RequestMethod};
use crate::protocol::stateless;
use crate::protocol::version::{self, Version};
use crate::state::live::{InFlight, NotStarted, in_use};
use crate::state::session::{Session, SessionStoreError, new_session_id};
use crate::support::outbound::Outbound;
use crate::support::sync::lock;

/// Which revisions a connection serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eras {
    /// The handshake era only (`initialize`, a session).
    Handshake,
    /// The handshake era, and stateless 2026-07-28 requests beside it.
    HandshakeAndStateless,
}

/// One client's connection and session.
pub(crate) struct Connection {
    id: Arc<str>,
    dispatcher: Dispatcher,
    outbound: Outbound,
    eras: Eras,
    /// The session, once `initialize` succeeded.
    session: Mutex<Option<Arc<Session>>>,
    /// Cancelled when the connection ends: every call in flight stops.
    closed: CancellationToken,
}

impl Connection {
    /// A new connection whose messages to the client go to `outbound`.
    pub(crate) fn open(
        dispatcher: Dispatcher,
        outbound: Outbound,
        eras: Eras,
    ) -> Result<Connection, SessionStoreError> {
        Ok(Connection {
            id: new_session_id()?.into(),
            dispatcher,
            outbound,
            eras,
            session: Mutex::new(None),
            closed: CancellationToken::new(),
        })
    }

    /// The connection's (and its session's) id.
    pub(crate) fn id(&self) -> &Arc<str> {
        &self.id
    }

    /// Whether `initialize` succeeded.
    pub(crate) fn is_established(&self) -> bool {
        lock(&self.session).is_some()
    }

    /// Cancels every call in flight (the synchronous part of `close`).
    pub(crate) fn cancel_calls(&self) {
        self.closed.cancel();
    }

    /// Resolves when the connection has ended.
    pub(crate) fn closed(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.closed.cancelled()
    }

    /// Whether the client reads what is sent: the output has room (a
    /// transport that reads requests in a loop waits for [`Self::room`]
    /// otherwise).
    pub(crate) fn has_room(&self) -> bool {
        self.outbound.has_room()
    }

    /// Resolves once the output has room again.
    pub(crate) async fn room(&self) {
        self.outbound.room().await;
    }

    /// Sends a message to the client; `false` if the client is gone.
    pub(crate) async fn send(&self, message: Vec<u8>) -> bool {
        self.outbound.send(message).await.is_ok()
    }

    /// Serves what the client sent (one message or a batch) beside `host`,
    /// the request tool calls run beside; replies go out on the connection.
    pub(crate) async fn receive(&self, host: HttpRequest, incoming: Incoming) {
        let reply = match incoming {
            Incoming::Single(message) => self.serve(&host, message).await,
            Incoming::Batch(messages) => self.batch(&host, messages).await,
        };
        if let Some(reply) = reply {
            self.send(reply).await;
        }
    }

    /// Ends the connection: cancels every call in flight and forgets the
    /// session.
    pub(crate) async fn close(&self) {
        self.cancel_calls();
        let established = lock(&self.session).take().is_some();
        if let (true, Some(store)) = (established, &self.dispatcher.server().state.sessions)
            && let Err(e) = store.remove(&self.id).await
        {
            tracing::warn!("mcp-runtime: could not remove a closed connection's session: {e}");
        }
    }

    async fn serve(&self, host: &HttpRequest, message: Message) -> Option<Vec<u8>> {
        if let Message::Notification {
            method: NotificationMethod::Cancelled,
            params,
        } = &message
        {
            self.cancel(params.as_deref());
            return None;
        }
        if self.eras == Eras::HandshakeAndStateless
            && stateless::is_stateless_request(None, &message)
        {
            return self.serve_stateless(host, message).await;
        }
        let session = self.session().await;
        if let Message::Request { id, method, .. } = &message {
            let refusal = match (method, &session) {
                (RequestMethod::Initialize, Some(_)) => Some(already_initialized()),
                (RequestMethod::Initialize | RequestMethod::Ping | RequestMethod::Discover, _)
                | (_, Some(_)) => None,
                (_, None) => Some(ErrorData::invalid_request(
                    "Invalid request: the session is not initialized; send `initialize` first",
                    None,
                )),
            };
            if let Some(e) = refusal {
                return Some(jsonrpc::failure(Some(id), &e));
            }
        }
        let (cancel, _in_flight) = match self.start(&message) {
            Ok(started) => started,
            Err(refusal) => return Some(refusal),
        };
        let negotiated = session.as_ref().and_then(|s| s.version());
        let exchange = Exchange {
            version: version::resolve(None, negotiated).unwrap_or(Version::LATEST_HANDSHAKE),
            client: session.as_ref().map(session_client),
            session: session.map(|s| (self.id.clone(), s)),
            inputs: None,
            host: host.clone(),
            outbound: self.outbound.clone(),
            cancel,
            task: None,
        };
        let id = message.request_id().cloned();
        let outcome = self.dispatcher.handle(message, &exchange).await;
        self.reply(outcome, id.as_ref()).await
    }

    /// A request of the stateless revision: its `_meta` checked, served
    /// without a session.
    async fn serve_stateless(&self, host: &HttpRequest, message: Message) -> Option<Vec<u8>> {
        let (message, client, inputs) = match message {
            Message::Request { id, method, params } => {
                match stateless::check_unframed(&method, params.raw_for_check()) {
                    Ok(mut checked) => {
                        let params = params.or_read(checked.call.take());
                        let message = Message::Request { id, method, params };
                        (message, Some(checked.client), Some(checked.inputs))
                    }
                    Err(e) => return Some(jsonrpc::failure(Some(&id), &e)),
                }
            }
            other => (other, None, None),
        };
        let (cancel, _in_flight) = match self.start(&message) {
            Ok(started) => started,
            Err(refusal) => return Some(refusal),
        };
        let exchange = Exchange {
            version: Version::V2026_07_28,
            session: None,
            client,
            inputs,
            host: host.clone(),
            outbound: self.outbound.clone(),
            cancel,
            task: None,
        };
        let id = message.request_id().cloned();
        let outcome = self.dispatcher.handle_stateless(message, &exchange).await;
        self.reply(outcome, id.as_ref()).await
    }

    /// A JSON-RPC batch (see `batch` for the policy), its replies in one
    /// array.
    async fn batch(&self, host: &HttpRequest, messages: Vec<Message>) -> Option<Vec<u8>> {
        let negotiated = self.session().await.and_then(|s| s.version());
        let limits = &self.dispatcher.server().policy.limits;
        if let Err(refused) = batch::check(negotiated, messages.len(), limits.max_batch_len) {
            let error = ErrorData::invalid_request(refused.to_string(), None);
            return Some(jsonrpc::failure(None, &error));
        }
        let served = batch::serve_in_turn(messages, limits.max_batch_response_bytes, |m| async {
            Ok::<_, std::convert::Infallible>(self.serve(host, m).await)
        })
        .await;
        match served {
            Ok(reply) => reply,
            Err(never) => match never {},
        }
    }

    /// The session, refreshed from the store (where `logging/setLevel`
    /// changes it); `None` before `initialize`. A session the store let
    /// expire while its connection stayed open is stored again: it lives as
    /// long as the connection.
    async fn session(&self) -> Option<Arc<Session>> {
        let known = lock(&self.session).clone()?;
        let Some(store) = &self.dispatcher.server().state.sessions else {
            return Some(known);
        };
        match store.get(&self.id).await {
            Ok(Some(current)) => {
                *lock(&self.session) = Some(current.clone());
                Some(current)
            }
            Ok(None) => {
                if let Err(e) = store.insert(&self.id, known.clone()).await {
                    tracing::warn!("mcp-runtime: could not restore a connection's session: {e}");
                }
                Some(known)
            }
            Err(e) => {
                tracing::warn!("mcp-runtime: {e}");
                Some(known)
            }
        }
    }

    /// Registers a request among the connection's calls in flight (so
    /// `notifications/cancelled` and the connection's end reach it), unless
    /// there are as many as allowed already: then the refusal to send.
    fn start(&self, message: &Message) -> Result<(CancellationToken, Option<InFlight>), Vec<u8>> {
        let cancel = self.closed.child_token();
        let Message::Request { id, .. } = message else {
            return Ok((cancel, None));
        };
        let max = self
            .dispatcher
            .server()
            .policy
            .limits
            .max_in_flight_per_session;
        match self.dispatcher.server().state.live.start_call(
            self.id.clone(),
            id.clone(),
            cancel.clone(),
            max,
        ) {
            Ok(in_flight) => Ok((cancel, Some(in_flight))),
            Err(NotStarted::TooMany) => {
                let e = ErrorData::new(
                    TRANSPORT_ERROR,
                    format!("Too Many Requests: this session already has {max} calls in flight"),
                    None,
                );
                Err(jsonrpc::failure(Some(id), &e))
            }
            Err(NotStarted::IdInUse) => Err(jsonrpc::failure(
                Some(id),
                &ErrorData::invalid_request(in_use(id), None),
            )),
        }
    }

    /// `notifications/cancelled`: the call it names stops, if it is one of
    /// this connection's and still in flight (in either era: stdio has no
    /// other way to cancel).
    fn cancel(&self, params: Option<&RawValue>) {
        let Ok(CancelledNotificationParam {
            request_id: Some(request_id),
            ..
        }) = serde_json::from_str(params.map_or("{}", RawValue::get))
        else {
            return;
        };
        if !self
            .dispatcher
            .server()
            .state
            .live
            .cancel(&self.id, &request_id)
        {
            tracing::debug!("cancellation for a request that is not in flight");
        }
    }

    /// The reply an outcome sends, if any. A successful `initialize`
    /// establishes the session before its reply goes out, so whatever the
    /// client sends next finds it.
    async fn reply(&self, outcome: Outcome, id: Option<&RequestId>) -> Option<Vec<u8>> {
        match outcome {
            Outcome::Accepted | Outcome::Cancelled => None,
            Outcome::Initialized { response, session } => {
                Some(match self.establish(Arc::from(session)).await {
                    Ok(()) => response,
                    Err(e) => jsonrpc::failure(id, &e),
                })
            }
            Outcome::Response(body)
            | Outcome::Invalid(body)
            | Outcome::Unauthorized { response: body, .. }
            | Outcome::RateLimited { response: body, .. }
            | Outcome::Refused { response: body, .. } => Some(body),
        }
    }

    /// Makes `session` the connection's, and stores it.
    async fn establish(&self, session: Arc<Session>) -> Result<(), ErrorData> {
        {
            let mut current = lock(&self.session);
            if current.is_some() {
                // Two `initialize`s raced: the first one won.
                return Err(already_initialized());
            }
            *current = Some(session.clone());
        }
        let Some(store) = &self.dispatcher.server().state.sessions else {
            return Ok(());
        };
        let Err(e) = store.insert(&self.id, session).await else {
            return Ok(());
        };
        *lock(&self.session) = None;
        tracing::warn!("mcp-runtime: {e}");
        let message = match e {
            SessionStoreError::Full { .. } => {
                "Service Unavailable: the server has no room for a new session; retry later".into()
            }
            SessionStoreError::Share { .. } => format!("Too Many Requests: {e}"),
            _ => "Internal error: the session store is unavailable".into(),
        };
        Err(ErrorData::new(TRANSPORT_ERROR, message, None))
    }
}

fn already_initialized() -> ErrorData {
    ErrorData::invalid_request(
        "Invalid request: this connection is initialized already (one session per connection)",
        None,
    )
}
