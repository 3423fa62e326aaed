//! The JSON-RPC method table. Transport-independent: it sees one decoded
//! message, the HTTP request the tools' extractors run against, and the
//! protocol version in force; the transport turns the [`Reply`] into bytes on
//! the wire (and sessions, status codes, headers).

use std::panic::AssertUnwindSafe;

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use futures_util::FutureExt as _;
use rmcp::model::{
    CallToolRequestParams, ErrorData, Implementation, InitializeRequestParams, InitializeResult,
    RequestId, ServerCapabilities, ToolsCapability,
};
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;

use crate::arguments::ArgumentError;
use crate::auth::{AuthRejection, Authenticator};
use crate::invoke::{self, CallContext, Invocation, ToolOutcome};
use crate::jsonrpc::{self, Message};
use crate::protocol::Version;
use crate::registry::{Registry, ToolEntry};
use crate::session::Session;

/// Server identity and behaviour shared by every request.
pub(crate) struct Dispatcher {
    pub registry: Registry,
    pub info: Implementation,
    pub instructions: Option<String>,
    pub auth: Option<Authenticator>,
    /// Largest handler response body turned into a tool result.
    pub max_response_bytes: usize,
}

/// What a message asks the transport to send back.
pub(crate) enum Reply {
    /// A JSON-RPC response (result or error), sent with 200.
    Message(Vec<u8>),
    /// A message that is not valid JSON-RPC: its error, sent with 400.
    BadRequest(Vec<u8>),
    /// A notification or a client response: 202, no body.
    Accepted,
    /// Credentials missing or rejected: 401/403 with a challenge.
    Unauthorized(AuthRejection, Vec<u8>),
    /// `initialize` succeeded; the transport may start a session.
    Initialized { body: Vec<u8>, session: Session },
}

impl Dispatcher {
    pub(crate) async fn handle(
        &self,
        message: Message,
        http: &HttpRequest,
        version: Version,
    ) -> Reply {
        match message {
            Message::Notification | Message::Response => Reply::Accepted,
            Message::Invalid { id, error } => {
                Reply::BadRequest(jsonrpc::failure(id.as_ref(), &error))
            }
            Message::Request { id, method, params } => {
                let params = params.as_deref();
                let result = match method.as_str() {
                    "initialize" => return self.initialize(&id, params),
                    "tools/call" => return self.call_tool(&id, params, http, version).await,
                    "ping" => Ok(jsonrpc::success(&id, &json!({}))),
                    "tools/list" => self.list_tools(&id, params),
                    "server/discover" => Err(discover_unsupported()),
                    other => Err(jsonrpc::method_not_found(other)),
                };
                Reply::Message(result.unwrap_or_else(|e| jsonrpc::failure(Some(&id), &e)))
            }
        }
    }

    fn initialize(&self, id: &RequestId, params: Option<&RawValue>) -> Reply {
        let params: InitializeRequestParams = match jsonrpc::params("initialize", params) {
            Ok(p) => p,
            Err(e) => return Reply::Message(jsonrpc::failure(Some(id), &e)),
        };
        let version = Version::negotiate(params.protocol_version.as_str());
        let mut capabilities = ServerCapabilities::default();
        capabilities.tools = Some(ToolsCapability::default());
        let mut result = InitializeResult::new(capabilities)
            .with_protocol_version(version.to_rmcp())
            .with_server_info(self.info.clone());
        result.instructions = self.instructions.clone();
        Reply::Initialized {
            body: jsonrpc::success(id, &result),
            session: Session::new(
                version.as_str(),
                params.client_info.name,
                params.client_info.version,
            ),
        }
    }

    fn list_tools(&self, id: &RequestId, params: Option<&RawValue>) -> Result<Vec<u8>, ErrorData> {
        #[derive(Deserialize)]
        struct ListParams {
            cursor: Option<String>,
        }
        let params: ListParams = jsonrpc::params("tools/list", params)?;
        if let Some(cursor) = params.cursor {
            // Every tool fits on the first page, so no cursor is ever issued.
            return Err(ErrorData::invalid_params(
                format!("Invalid cursor: {cursor:?}"),
                None,
            ));
        }
        Ok(jsonrpc::success(id, self.registry.list_result()))
    }

    async fn call_tool(
        &self,
        id: &RequestId,
        params: Option<&RawValue>,
        http: &HttpRequest,
        version: Version,
    ) -> Reply {
        let params: CallToolRequestParams = match jsonrpc::params("tools/call", params) {
            Ok(p) => p,
            Err(e) => return Reply::Message(jsonrpc::failure(Some(id), &e)),
        };
        let Some(tool) = self.registry.get(&params.name) else {
            let e = ErrorData::invalid_params(format!("Unknown tool: {}", params.name), None);
            return Reply::Message(jsonrpc::failure(Some(id), &e));
        };
        if tool.def.requires_auth
            && let Some(auth) = &self.auth
            && let Err(rejection) = auth.check(http).await
        {
            return unauthorized(id, rejection);
        }

        let arguments = params.arguments.unwrap_or_default();
        let missing: Vec<&str> = tool
            .required
            .iter()
            .map(String::as_str)
            .filter(|name| !arguments.contains_key(*name))
            .collect();
        if !missing.is_empty() {
            return invalid_arguments(id, tool, ArgumentError::missing(missing), version);
        }

        let cx = CallContext {
            request: http,
            arguments: &arguments,
            slots: &tool.slots,
        };
        let Some(call) = (tool.def.invoke)(Invocation::Call(cx)) else {
            return internal_error(id, format!("tool `{}` has no invoker", tool.def.name));
        };
        // A panicking handler fails its own call, not the worker or the session.
        let response = match AssertUnwindSafe(call).catch_unwind().await {
            Ok(ToolOutcome::Response(response)) => response,
            Ok(ToolOutcome::InvalidArguments(e)) => return invalid_arguments(id, tool, e, version),
            Ok(ToolOutcome::Rejected(e)) => match AuthRejection::from_extractor(http, &e) {
                Some(rejection) => return unauthorized(id, rejection),
                None => e.error_response(),
            },
            Err(panic) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                return internal_error(id, format!("tool `{}` panicked: {detail}", tool.def.name));
            }
        };
        let result = invoke::call_result(
            response,
            tool.def.name,
            tool.structured,
            self.max_response_bytes,
        )
        .await;
        Reply::Message(jsonrpc::success(id, &result))
    }
}

/// Bad arguments: a tool error the model can act on (2025-11-25 and later),
/// a `-32602` protocol error before that (see `Version::argument_errors_in_band`).
fn invalid_arguments(
    id: &RequestId,
    tool: &ToolEntry,
    e: ArgumentError,
    version: Version,
) -> Reply {
    let message = format!("Invalid arguments for tool `{}`: {e}", tool.def.name);
    Reply::Message(if version.argument_errors_in_band() {
        jsonrpc::success(id, &invoke::error_text(message))
    } else {
        let data = e.field.map(|field| json!({ "argument": field }));
        jsonrpc::failure(Some(id), &ErrorData::invalid_params(message, data))
    })
}

fn unauthorized(id: &RequestId, rejection: AuthRejection) -> Reply {
    let error = ErrorData::invalid_request(rejection.message.clone(), None);
    Reply::Unauthorized(rejection, jsonrpc::failure(Some(id), &error))
}

fn internal_error(id: &RequestId, message: String) -> Reply {
    Reply::Message(jsonrpc::failure(
        Some(id),
        &ErrorData::internal_error(message, None),
    ))
}

/// The 2026-07-28 probe, answered as a handshake-era server: a prompt error
/// that dual-era clients (Python SDK 2.x, rmcp, Inspector) take as "fall back
/// to `initialize`".
fn discover_unsupported() -> ErrorData {
    let mut e = jsonrpc::method_not_found("server/discover");
    e.message =
        "Method not found: server/discover (this server uses the initialize handshake)".into();
    e.data = Some(json!({ "supportedVersions": Version::supported_json() }));
    e
}

impl Reply {
    /// The HTTP status the transport sends this reply with.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Reply::Message(_) | Reply::Initialized { .. } => StatusCode::OK,
            Reply::BadRequest(_) => StatusCode::BAD_REQUEST,
            Reply::Accepted => StatusCode::ACCEPTED,
            Reply::Unauthorized(r, _) => r.status,
        }
    }

    /// The `WWW-Authenticate` challenge, for auth refusals.
    pub(crate) fn challenge(&self) -> Option<&HeaderValue> {
        match self {
            Reply::Unauthorized(r, _) => Some(&r.challenge),
            _ => None,
        }
    }
}
