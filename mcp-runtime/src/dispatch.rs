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
    ErrorCode, ErrorData, Implementation, InitializeRequestParams, InitializeResult,
    PromptsCapability, RequestId, ResourcesCapability, ServerCapabilities, ToolsCapability,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::auth::{AuthRejection, Authenticator};
use crate::catalog::{Item, List, Lists};
use crate::completion;
use crate::context::LogLevel;
use crate::forward::Carry;
use crate::jsonrpc::{self, Message};
use crate::limits::{self, Limits};
use crate::live::Live;
use crate::method::{NotificationMethod, RequestMethod};
use crate::modern::{self, Client, LogFilter, StateKey};
use crate::outbound::Outbound;
use crate::prompt::{self, PromptEntry};
use crate::protocol::Version;
use crate::rate_limit::RateLimits;
use crate::registry::{Has, Registry, ToolEntry};
use crate::resource::{self, ResourceEntry};
use crate::session::{Session, SessionStore};
use crate::subscriptions::{self, Subscribers};
use crate::tool_call;

/// Server identity and behaviour shared by every request.
pub(crate) struct Dispatcher {
    pub registry: Registry,
    /// The lists as published (items turned off at runtime are left out).
    pub lists: Lists,
    /// Who hears about changes.
    pub subscribers: Arc<Subscribers>,
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
        let params = params.as_deref();
        match method {
            RequestMethod::Discover => Outcome::Response(jsonrpc::success(&id, &self.discover())),
            RequestMethod::Listen => subscriptions::listen(self, &id, params, x).await,
            // Gone in this revision (`initialize`, `ping`, `logging/setLevel`,
            // `resources/subscribe`…), or never known.
            RequestMethod::Initialize
            | RequestMethod::Ping
            | RequestMethod::SetLogLevel
            | RequestMethod::Subscribe
            | RequestMethod::Unsubscribe
            | RequestMethod::Other(_) => Outcome::refused(&id, &jsonrpc::method_not_found(&method)),
            _ => self.shared(&id, &method, params, x).await,
        }
    }

    /// The methods both revisions have.
    async fn shared(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let has = self.registry.has_items();
        match method {
            RequestMethod::ListTools => self.list(id, method, List::Tools, params, x),
            RequestMethod::CallTool => tool_call::call(self, id, params, x).await,
            RequestMethod::ListPrompts if has.prompts => {
                self.list(id, method, List::Prompts, params, x)
            }
            RequestMethod::GetPrompt if has.prompts => prompt::get(self, id, params, x).await,
            RequestMethod::ListResources if has.resources => {
                self.list(id, method, List::Resources, params, x)
            }
            RequestMethod::ListResourceTemplates if has.resources => {
                self.list(id, method, List::ResourceTemplates, params, x)
            }
            RequestMethod::ReadResource if has.resources => {
                resource::read(self, id, params, x).await
            }
            RequestMethod::Complete if has.prompts || has.resources => {
                completion::complete(self, id, params, x).await
            }
            // Not declared in this server's capabilities: not here.
            _ if x.inputs.is_some() => Outcome::refused(id, &jsonrpc::method_not_found(method)),
            _ => Outcome::error(id, &jsonrpc::method_not_found(method)),
        }
    }

    /// A page of one of the lists.
    fn list(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        list: List,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let params: ListParams = match jsonrpc::params(method, params) {
            Ok(p) => p,
            Err(e) => return Outcome::error(id, &e),
        };
        match self
            .lists
            .page(list, x.inputs.is_some(), params.cursor.as_deref())
        {
            Ok(page) => Outcome::Response(jsonrpc::success(id, page.get())),
            Err(e) => Outcome::error(id, &e),
        }
    }

    /// A result, completed as the stateless revision wants it (result
    /// type, server identity) when that is the revision in force.
    pub(crate) fn reply(
        &self,
        x: &Exchange,
        id: &RequestId,
        mut result: Map<String, Value>,
    ) -> Outcome {
        if x.inputs.is_some() {
            modern::complete(&mut result, &self.info);
        }
        Outcome::Response(jsonrpc::success(id, &result))
    }

    /// Runs the authenticator for a protected item; `Err` is the challenge.
    pub(crate) async fn authenticate(&self, id: &RequestId, x: &Exchange) -> Result<(), Outcome> {
        let Some(auth) = &self.auth else {
            return Ok(());
        };
        auth.check(&x.host).await.map_err(|rejection| {
            let error = ErrorData::invalid_request(rejection.message.clone(), None);
            Outcome::Unauthorized(rejection, jsonrpc::failure(Some(id), &error))
        })
    }

    /// The tool of that name, unless it is turned off.
    pub(crate) fn tool(&self, name: &str) -> Option<&ToolEntry> {
        self.registry
            .get(name)
            .filter(|_| !self.lists.is_hidden(Item::Tool, name))
    }

    /// The prompt of that name, unless it is turned off.
    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptEntry> {
        self.registry
            .prompt(name)
            .filter(|_| !self.lists.is_hidden(Item::Prompt, name))
    }

    /// The resource `uri` names, with its variables' values.
    pub(crate) fn resource_for(
        &self,
        uri: &str,
    ) -> Option<(&ResourceEntry, Vec<(String, String)>)> {
        self.registry
            .resource_for(uri, |name| self.lists.is_hidden(Item::Resource, name))
    }

    /// The resource whose URI template is `template`, unless it is off.
    pub(crate) fn resource_template(&self, template: &str) -> Option<&ResourceEntry> {
        self.registry
            .resource_template(template)
            .filter(|r| !self.lists.is_hidden(Item::Resource, r.def.name))
    }

    /// Which kinds of items this server has.
    pub(crate) fn has_items(&self) -> Has {
        self.registry.has_items()
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

    /// Tools and logging always; prompts, resources and completion when
    /// there are any. Every list may change at runtime (`Catalog`).
    fn capabilities(&self) -> ServerCapabilities {
        let has = self.registry.has_items();
        let mut capabilities = ServerCapabilities::default();
        let mut tools = ToolsCapability::default();
        tools.list_changed = Some(true);
        capabilities.tools = Some(tools);
        capabilities.logging = Some(Default::default());
        if has.prompts {
            let mut prompts = PromptsCapability::default();
            prompts.list_changed = Some(true);
            capabilities.prompts = Some(prompts);
        }
        if has.resources {
            let mut resources = ResourcesCapability::default();
            resources.subscribe = Some(true);
            resources.list_changed = Some(true);
            capabilities.resources = Some(resources);
        }
        if has.prompts || has.resources {
            capabilities.completions = Some(Default::default());
        }
        capabilities
    }

    async fn request(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let has = self.registry.has_items();
        match method {
            RequestMethod::Initialize => self.initialize(id, params),
            RequestMethod::SetLogLevel => self.set_log_level(id, params, x).await,
            RequestMethod::Ping => Outcome::Response(jsonrpc::success(id, &json!({}))),
            RequestMethod::Subscribe if has.resources => {
                resource::subscribe(self, id, params, x, true)
            }
            RequestMethod::Unsubscribe if has.resources => {
                resource::subscribe(self, id, params, x, false)
            }
            // `server/discover` and `subscriptions/listen` are the stateless
            // revision's: the transport routes them there.
            RequestMethod::Discover | RequestMethod::Listen | RequestMethod::Other(_) => {
                Outcome::error(id, &jsonrpc::method_not_found(method))
            }
            _ => self.shared(id, method, params, x).await,
        }
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
        // What the session would hold — the JSON's bytes, or more once
        // parsed — checked before the parameters are read.
        let limit = self.limits.max_session_bytes;
        let json = params.map_or("", RawValue::get);
        let size = if json.len() > limit {
            json.len()
        } else {
            serde_json::from_str(json)
                .map_or(json.len(), |v| json.len().max(limits::parsed_footprint(&v)))
        };
        if size > limit {
            let e = ErrorData::invalid_params(
                format!(
                    "Invalid params for `initialize`: the client information takes {size} \
                     bytes stored, over this server's limit of {limit} bytes"
                ),
                None,
            );
            return Outcome::error(id, &e);
        }
        let client: InitializeRequestParams =
            match jsonrpc::params(&RequestMethod::Initialize, params) {
                Ok(p) => p,
                Err(e) => return Outcome::error(id, &e),
            };
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
}

#[derive(Deserialize)]
struct ListParams {
    cursor: Option<String>,
}
