//! The JSON-RPC method table.
//!
//! Dispatch sees one decoded message and the request's [`Exchange`]: the
//! protocol version in force, the session, the stream back to the client,
//! the cancellation token, and the request tools run beside. It returns an
//! [`Outcome`] and knows nothing of status codes or headers: each transport
//! turns outcomes and the stream into its own wire form.

use std::sync::Arc;

use actix_web::HttpRequest;
use rmcp::model::{
    ErrorCode, ErrorData, Implementation, InitializeRequestParams, InitializeResult, RequestId,
    ServerCapabilities, ToolsCapability,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::auth::{AuthRejection, Authenticator};
use crate::context::LogLevel;
use crate::forward::Carry;
use crate::jsonrpc::{self, Message};
use crate::limits::Limits;
use crate::live::Live;
use crate::method::{NotificationMethod, RequestMethod};
use crate::modern::{self, Client, LogFilter, StateKey};
use crate::outbound::Outbound;
use crate::protocol::Version;
use crate::rate_limit::RateLimits;
use crate::registry::Registry;
use crate::session::{Session, SessionStore};
use crate::tool_call;

/// Server identity and behaviour shared by every request.
pub(crate) struct Dispatcher {
    pub registry: Registry,
    pub info: Implementation,
    pub instructions: Option<String>,
    pub auth: Option<Authenticator>,
    pub sessions: Option<Arc<dyn SessionStore>>,
    pub live: Arc<Live>,
    /// Extension types copied from the MCP request into tool requests.
    pub carry: Vec<Carry>,
    /// Whether a panicking handler's message reaches the client.
    pub expose_panics: bool,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    /// Signs the state multi-round stateless calls hand their clients.
    pub state_key: StateKey,
}

/// One request as dispatch sees it.
pub(crate) struct Exchange {
    pub version: Version,
    /// The session's id and stored state, when there is a session.
    pub session: Option<(Arc<str>, Arc<Session>)>,
    /// What the client declared (its session's, or the request's `_meta`).
    pub client: Option<Client>,
    /// A stateless request's answers to earlier questions.
    pub inputs: Option<modern::Inputs>,
    /// The MCP request: tools run beside it (its app, its credentials).
    pub host: HttpRequest,
    /// The stream back to the client, for messages sent before the response.
    pub outbound: Outbound,
    /// Cancelled by `notifications/cancelled`, or when the client leaves.
    pub cancel: CancellationToken,
}

/// What a message asks the transport to send back.
pub(crate) enum Outcome {
    /// The request's response (a result or an error).
    Response(Vec<u8>),
    /// A notification or a client response: nothing to answer.
    Accepted,
    /// The message is not valid JSON-RPC; its error.
    Invalid(Vec<u8>),
    /// Credentials missing or rejected: a challenge, and the error.
    Unauthorized(AuthRejection, Vec<u8>),
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
        retry_after: std::time::Duration,
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

/// The client a handshake-era session describes.
pub(crate) fn session_client(session: &Session) -> Client {
    Client {
        capabilities: session.capabilities().clone(),
        info: Some(session.client_info().clone()),
        logs: session.log_level.map_or(LogFilter::All, LogFilter::AtLeast),
    }
}

impl Dispatcher {
    pub(crate) async fn handle(&self, message: Message, x: &Exchange) -> Outcome {
        match message {
            Message::Request { id, method, params } => {
                self.request(&id, &method, params.as_deref(), x).await
            }
            Message::Notification { method, params } => {
                self.notification(&method, params.as_deref(), x);
                Outcome::Accepted
            }
            Message::Response { id, outcome } => {
                let session = x.session.as_ref().map(|(id, _)| id);
                if !self.live.answer(session, &id, outcome) {
                    tracing::debug!("an answer from the client matched no pending request");
                }
                Outcome::Accepted
            }
            Message::Invalid { id, error } => {
                Outcome::Invalid(jsonrpc::failure(id.as_ref(), &error))
            }
        }
    }

    /// The stateless revision's method table. The transport has checked the
    /// request (`modern::check`) and filled in its client and inputs.
    pub(crate) async fn handle_modern(&self, message: Message, x: &Exchange) -> Outcome {
        let (id, method, params) = match message {
            Message::Request { id, method, params } => (id, method, params),
            Message::Notification { .. } => return Outcome::Accepted,
            Message::Response { id, .. } => {
                let e = ErrorData::invalid_request(
                    "Invalid request: a 2026-07-28 server sends no requests, so it takes no responses",
                    None,
                );
                return Outcome::refused(&id, &e);
            }
            Message::Invalid { id, error } => {
                return Outcome::Invalid(jsonrpc::failure(id.as_ref(), &error));
            }
        };
        match method {
            RequestMethod::Discover => Outcome::Response(jsonrpc::success(&id, &self.discover())),
            RequestMethod::ListTools => {
                match jsonrpc::params::<ListParams>(&method, params.as_deref()) {
                    Ok(ListParams {
                        cursor: Some(cursor),
                    }) => Outcome::error(&id, &invalid_cursor(&cursor)),
                    Ok(_) => Outcome::Response(jsonrpc::success(
                        &id,
                        self.registry.list_result_stateless(),
                    )),
                    Err(e) => Outcome::error(&id, &e),
                }
            }
            RequestMethod::CallTool => tool_call::call(self, &id, params.as_deref(), x).await,
            // Gone in this revision (`initialize`, `ping`, `logging/setLevel`,
            // `resources/subscribe`…), or never known.
            _ => Outcome::refused(&id, &jsonrpc::method_not_found(&method)),
        }
    }

    /// `server/discover`: versions, capabilities, instructions; who we are
    /// in `_meta`.
    fn discover(&self) -> Map<String, Value> {
        let mut result = Map::new();
        result.insert("supportedVersions".into(), Version::all_json());
        result.insert(
            "capabilities".into(),
            serde_json::to_value(self.capabilities()).unwrap_or_default(),
        );
        if let Some(instructions) = &self.instructions {
            result.insert("instructions".into(), instructions.clone().into());
        }
        modern::complete(&mut result, &self.info);
        result
    }

    fn capabilities(&self) -> ServerCapabilities {
        let mut capabilities = ServerCapabilities::default();
        capabilities.tools = Some(ToolsCapability::default());
        capabilities.logging = Some(Default::default());
        capabilities
    }

    async fn request(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let result = match method {
            RequestMethod::Initialize => return self.initialize(id, params),
            RequestMethod::CallTool => return tool_call::call(self, id, params, x).await,
            RequestMethod::SetLogLevel => return self.set_log_level(id, params, x).await,
            RequestMethod::Ping => Ok(jsonrpc::success(id, &json!({}))),
            RequestMethod::ListTools => self.list_tools(id, params),
            // Served by `handle_modern`: the transport routes it there.
            RequestMethod::Discover => Err(jsonrpc::method_not_found(method)),
            RequestMethod::Other(_) => Err(jsonrpc::method_not_found(method)),
        };
        Outcome::Response(result.unwrap_or_else(|e| jsonrpc::failure(Some(id), &e)))
    }

    fn notification(&self, method: &NotificationMethod, params: Option<&RawValue>, x: &Exchange) {
        if *method != NotificationMethod::Cancelled {
            tracing::trace!(method = method.as_str(), "notification");
            return;
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Cancelled {
            request_id: RequestId,
        }
        let Ok(Cancelled { request_id }) = serde_json::from_str(params.map_or("{}", RawValue::get))
        else {
            return;
        };
        // Ids are the client's own, so only its session can name its calls.
        if let Some((session, _)) = &x.session
            && !self.live.cancel(session, &request_id)
        {
            tracing::debug!("cancellation for a request that is not in flight");
        }
    }

    fn initialize(&self, id: &RequestId, params: Option<&RawValue>) -> Outcome {
        let client: InitializeRequestParams =
            match jsonrpc::params(&RequestMethod::Initialize, params) {
                Ok(p) => p,
                Err(e) => return Outcome::error(id, &e),
            };
        let size = params.map_or(0, |p| p.get().len());
        if size > self.limits.max_session_bytes {
            let e = ErrorData::invalid_params(
                format!(
                    "Invalid params for `initialize`: {size} bytes of client information \
                     exceed this server's limit of {} bytes",
                    self.limits.max_session_bytes
                ),
                None,
            );
            return Outcome::error(id, &e);
        }
        let version = Version::negotiate(client.protocol_version.as_str());
        let mut result = InitializeResult::new(self.capabilities())
            .with_protocol_version(version.to_rmcp())
            .with_server_info(self.info.clone());
        result.instructions = self.instructions.clone();
        Outcome::Initialized {
            response: jsonrpc::success(id, &result),
            session: Box::new(Session::new(version.as_str(), client)),
        }
    }

    async fn set_log_level(
        &self,
        id: &RequestId,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        #[derive(Deserialize)]
        struct SetLevel {
            level: LogLevel,
        }
        let level = match jsonrpc::params::<SetLevel>(&RequestMethod::SetLogLevel, params) {
            Ok(p) => p.level,
            Err(e) => return Outcome::error(id, &e),
        };
        let (Some((session_id, session)), Some(store)) = (&x.session, &self.sessions) else {
            let e = ErrorData::invalid_request(
                "`logging/setLevel` needs a session, and this server is stateless",
                None,
            );
            return Outcome::error(id, &e);
        };
        match store
            .update(session_id, Arc::new(session.with_log_level(level)))
            .await
        {
            Ok(_) => Outcome::Response(jsonrpc::success(id, &json!({}))),
            Err(e) => {
                tracing::error!("mcp-runtime: {e}");
                let e = ErrorData::internal_error("the session store is unavailable", None);
                Outcome::error(id, &e)
            }
        }
    }

    fn list_tools(&self, id: &RequestId, params: Option<&RawValue>) -> Result<Vec<u8>, ErrorData> {
        let params: ListParams = jsonrpc::params(&RequestMethod::ListTools, params)?;
        if let Some(cursor) = params.cursor {
            return Err(invalid_cursor(&cursor));
        }
        Ok(jsonrpc::success(id, self.registry.list_result()))
    }
}

#[derive(Deserialize)]
struct ListParams {
    cursor: Option<String>,
}

/// Every tool fits on the first page, so no cursor is ever issued.
fn invalid_cursor(cursor: &str) -> ErrorData {
    ErrorData::invalid_params(format!("Invalid cursor: {cursor:?}"), None)
}
