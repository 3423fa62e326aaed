//! The server's shared state, grouped by concern, and what one request
//! carries through dispatch.
//!
//! [`Server`] is built once by the facade (`McpServer`'s builder) and read
//! by every method handler; it holds no method table (that is
//! `dispatch::Dispatcher`, one layer up). [`Exchange`] is one request as
//! dispatch sees it; [`Outcome`] is what a method asks its transport to
//! send back, with no status codes or headers: each transport turns it into
//! its own wire form.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use rmcp::model::{ErrorCode, ErrorData, Implementation, RequestId};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use crate::call::forward::Carry;
use crate::catalog::lists::Published;
use crate::policy::auth::{Access, AuthRejection, Authenticator};
use crate::policy::limits::Limits;
use crate::policy::rate_limit::RateLimits;
use crate::policy::resource::{self, ProtectedResource};
use crate::protocol::jsonrpc;
use crate::protocol::log::LogFilter;
use crate::protocol::stateless::{Client, InputResponses, Revised, StateKey};
use crate::protocol::version::Version;
use crate::state::live::Live;
use crate::state::relay::Relay;
use crate::state::session::{Session, SessionStore};
use crate::state::subscriptions::Subscribers;
use crate::state::tasks::{Questions, Running, TaskStore};
use crate::support::outbound::Outbound;

/// Everything requests share, built once at start-up.
pub(crate) struct Server {
    pub identity: Identity,
    /// What the server exposes, and which items are turned off.
    pub catalog: Arc<Published>,
    pub policy: Policy,
    pub state: State,
}

/// Who the server says it is.
pub(crate) struct Identity {
    pub info: Implementation,
    /// `info` as JSON, for the results that carry it on every call.
    pub info_json: Arc<RawValue>,
    pub instructions: Option<String>,
}

impl Identity {
    pub(crate) fn new(info: Implementation, instructions: Option<String>) -> Identity {
        let json = serde_json::value::to_raw_value(&info).expect("an Implementation serializes");
        Identity {
            info,
            info_json: json.into(),
            instructions,
        }
    }
}

/// What the server allows and how calls behave.
pub(crate) struct Policy {
    pub auth: Option<Authenticator>,
    /// What every request to the endpoint needs (`endpoint_auth`).
    pub endpoint: Access,
    /// The protected-resource metadata the server publishes, if any.
    pub protected: Option<ProtectedResource>,
    /// Every scope the items and the endpoint name (`scopes_supported`).
    pub scopes: Vec<&'static str>,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    /// Extension types copied from the MCP request into tool requests.
    pub carry: Vec<Carry>,
    /// Whether a panicking handler's message reaches the client.
    pub expose_panics: bool,
    /// Signs the state multi-round stateless calls hand their clients.
    pub state_key: StateKey,
    /// Where calls go when the server runs apart from the API.
    #[cfg(feature = "upstream")]
    pub upstream: Option<crate::call::upstream::Upstream>,
}

/// What outlives a request.
pub(crate) struct State {
    /// `None` when the server is stateless.
    pub sessions: Option<Arc<dyn SessionStore>>,
    /// The calls in flight, with their pending questions.
    pub live: Arc<Live>,
    /// Who hears about changes.
    pub subscribers: Arc<Subscribers>,
    /// Tasks (the tasks extension), and what stops those running here.
    pub tasks: Arc<dyn TaskStore>,
    pub running: Running,
    /// The other replicas, when there are (`McpServer::share`).
    pub relay: Arc<Relay>,
}

/// One request as dispatch sees it.
pub(crate) struct Exchange {
    pub version: Version,
    /// The session's id and stored state, when there is a session.
    pub session: Option<(Arc<str>, Arc<Session>)>,
    /// What the client declared (its session's, or the request's `_meta`).
    pub client: Option<Client>,
    /// A stateless request's answers to earlier questions.
    pub inputs: Option<InputResponses>,
    /// The MCP request: tools run beside it (its app, its credentials).
    pub host: HttpRequest,
    /// The stream back to the client, for messages sent before the response.
    pub outbound: Outbound,
    /// Cancelled by `notifications/cancelled`, or when the client leaves.
    pub cancel: CancellationToken,
    /// A call running as a task: where its questions go.
    pub task: Option<Arc<Questions>>,
}

impl Exchange {
    /// Whether the request follows the stateless revision's rules.
    pub(crate) fn is_stateless(&self) -> bool {
        self.version.is_stateless()
    }
}

/// What a message asks the transport to send back.
pub(crate) enum Outcome {
    /// The request's response (a result or an error).
    Response(Vec<u8>),
    /// A notification or a client response: nothing to answer.
    Accepted,
    /// The message is not valid JSON-RPC; its error.
    Invalid(Vec<u8>),
    /// Credentials missing or rejected: the status (401 or 403), the
    /// `WWW-Authenticate` challenge, and the error.
    Unauthorized {
        status: StatusCode,
        challenge: HeaderValue,
        response: Vec<u8>,
    },
    /// `initialize` succeeded: the transport may start a session.
    Initialized {
        response: Vec<u8>,
        session: Box<Session>,
    },
    /// The request was cancelled: by the spec, no response.
    Cancelled,
    /// Over a rate limit: the error, and when to try again.
    RateLimited {
        response: Vec<u8>,
        retry_after: Duration,
    },
    /// Refused by the stateless revision's rules, which also set the HTTP
    /// status: 404 for a method it does not have, 400 otherwise.
    Refused { response: Vec<u8>, not_found: bool },
}

impl Outcome {
    pub(crate) fn error(id: &RequestId, error: &ErrorData) -> Outcome {
        Outcome::Response(jsonrpc::failure(Some(id), error))
    }

    pub(crate) fn refused(id: &RequestId, error: &ErrorData) -> Outcome {
        Outcome::Refused {
            response: jsonrpc::failure(Some(id), error),
            not_found: error.code == ErrorCode::METHOD_NOT_FOUND,
        }
    }
}

/// The client a handshake-era session describes (shared, not copied).
pub(crate) fn session_client(session: &Arc<Session>) -> Client {
    let logs = session.log_level.map_or(LogFilter::All, LogFilter::AtLeast);
    Client::new(session.clone(), logs)
}

impl Server {
    /// A result, completed as the stateless revision wants it (result
    /// type, server identity) when that is the revision in force.
    pub(crate) fn reply<R: Revised + Serialize>(
        &self,
        x: &Exchange,
        id: &RequestId,
        mut result: R,
    ) -> Outcome {
        result.revise(x.is_stateless().then_some(&self.identity.info));
        Outcome::Response(jsonrpc::success(id, &result))
    }

    /// Runs the authenticator for an item that asks for `access`, on the
    /// MCP request; `Err` is the challenge.
    pub(crate) async fn authenticate(
        &self,
        id: &RequestId,
        x: &Exchange,
        access: Access,
    ) -> Result<(), Outcome> {
        let Some(auth) = self.policy.auth.as_ref().filter(|_| access.auth) else {
            return Ok(());
        };
        auth.check(&x.host, access)
            .await
            .map_err(|rejection| self.challenge(id, x, &rejection))
    }

    /// The answer to a request the authenticator refused: the HTTP
    /// challenge, and the error.
    pub(crate) fn challenge(
        &self,
        id: &RequestId,
        x: &Exchange,
        rejection: &AuthRejection,
    ) -> Outcome {
        let error = ErrorData::invalid_request(rejection.message.clone(), None);
        Outcome::Unauthorized {
            status: rejection.status,
            challenge: rejection.challenge(self.metadata_url(&x.host, None).as_deref()),
            response: jsonrpc::failure(Some(id), &error),
        }
    }

    /// Where the protected-resource metadata of the endpoint `req` reached
    /// (at `path`, or the route's own pattern) is, when it is published.
    pub(crate) fn metadata_url(&self, req: &HttpRequest, path: Option<&str>) -> Option<String> {
        let protected = self.policy.protected.as_ref()?;
        let pattern = req.match_pattern();
        let path = path.or(pattern.as_deref()).unwrap_or(req.path());
        Some(resource::metadata_url(&protected.resource_url(req, path)))
    }
}
