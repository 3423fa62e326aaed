//! [`McpContext`]: what a handler can do with the MCP client while a tool
//! call runs — report progress, log, notice cancellation, ask for a sampled
//! completion or for user input — as an ordinary actix extractor.
//!
//! The runtime puts the call's scope (request id, progress token, session,
//! the stream back to the client, the cancellation token) into the tool
//! request's extensions; the extractor reads it from there. On a plain REST
//! request there is no scope, and the same extractor is inert: progress and
//! log messages go to `tracing` (and through it to `log`), and questions to
//! the client fail with [`ClientRequestError::NoClient`]. A handler written
//! against `McpContext` keeps working as a REST route.

use std::future::{Ready, ready};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use rmcp::model::{
    ClientCapabilities, ErrorData, Implementation, ProgressNotificationParam, ProgressToken,
    RequestId,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::elicitation;
use crate::jsonrpc;
use crate::live::Live;
use crate::method::ServerMethod;
use crate::outbound::Outbound;
use crate::sampling::{Sample, Sampled};
use crate::session::Session;

/// The MCP side of a request, for handlers: progress, logging,
/// cancellation, sampling and elicitation.
///
/// Take it like any other extractor. Over MCP it talks to the calling
/// client; on a plain REST request it is inert (see each method), so the
/// handler still works as a REST route.
///
/// ```
/// use actix_web::{post, web};
/// use mcp_runtime::{LogLevel, McpContext, mcp_tool};
///
/// /// Re-index every document.
/// #[mcp_tool]
/// #[post("/reindex")]
/// async fn reindex(ctx: McpContext) -> String {
///     let total = 3;
///     for done in 0..total {
///         if ctx.is_cancelled() {
///             return "stopped".into();
///         }
///         ctx.progress(done as f64, Some(total as f64), Some("indexing")).await;
///     }
///     ctx.log(LogLevel::Info, "re-indexed").await;
///     format!("{total} documents")
/// }
/// ```
///
/// When the call is cancelled (`notifications/cancelled`, or the client
/// closing the response stream), the handler's future is dropped at its
/// next `.await`: cleanup belongs in `Drop`. Work the handler spawned can
/// watch [`cancelled`](Self::cancelled) to stop too.
#[derive(Clone, Default)]
pub struct McpContext {
    scope: Option<Arc<CallScope>>,
}

/// The scope of one tool call, shared by the runtime and the handler.
pub(crate) struct CallScope {
    pub request_id: RequestId,
    pub tool: &'static str,
    pub progress_token: Option<ProgressToken>,
    /// The session's id and stored state, when there is a session.
    pub session: Option<(Arc<str>, Arc<Session>)>,
    pub outbound: Outbound,
    pub cancel: CancellationToken,
    pub live: Arc<Live>,
    /// How long a question to the client may stay unanswered.
    pub answer_timeout: Duration,
    last_progress: Mutex<Option<f64>>,
}

impl CallScope {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        request_id: RequestId,
        tool: &'static str,
        progress_token: Option<ProgressToken>,
        session: Option<(Arc<str>, Arc<Session>)>,
        outbound: Outbound,
        cancel: CancellationToken,
        live: Arc<Live>,
        answer_timeout: Duration,
    ) -> Self {
        CallScope {
            request_id,
            tool,
            progress_token,
            session,
            outbound,
            cancel,
            live,
            answer_timeout,
            last_progress: Mutex::new(None),
        }
    }

    fn session_state(&self) -> Option<&Session> {
        self.session.as_ref().map(|(_, s)| &**s)
    }

    /// Sends a progress notification if the client asked for progress and
    /// `done` moves forward (the spec requires increasing values).
    pub(crate) async fn progress(&self, done: f64, total: Option<f64>, message: Option<String>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        {
            let mut last = self.last_progress.lock().unwrap_or_else(|p| p.into_inner());
            if !done.is_finite() || last.is_some_and(|l| done <= l) {
                tracing::debug!(tool = self.tool, done, "progress not increasing: not sent");
                return;
            }
            *last = Some(done);
        }
        let mut param = ProgressNotificationParam::new(token.clone(), done);
        param.total = total;
        param.message = message;
        self.notify(ServerMethod::Progress, &param).await;
    }

    async fn notify<P: Serialize + ?Sized>(&self, method: ServerMethod, params: &P) {
        match jsonrpc::outgoing(None, method, params) {
            // A closed stream means the call is ending: nothing to report.
            Ok(bytes) => drop(self.outbound.send(bytes).await),
            Err(e) => tracing::warn!(tool = self.tool, "cannot serialize a notification: {e}"),
        }
    }
}

impl FromRequest for McpContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(McpContext {
            scope: req.extensions().get::<Arc<CallScope>>().cloned(),
        }))
    }
}

/// Log severities (RFC 5424), from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

/// What the user answered to an elicitation.
#[derive(Debug, Clone, PartialEq)]
pub enum Elicitation<T> {
    /// The user submitted the form; the content, deserialized.
    Accept(T),
    /// The user explicitly declined to answer.
    Decline,
    /// The user dismissed the request without choosing.
    Cancel,
}

/// Why a question to the client (sampling, elicitation) got no answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientRequestError {
    /// There is no MCP client: the handler runs as a plain REST route.
    NoClient,
    /// The client did not declare the capability (`sampling`,
    /// `elicitation`), so it must not be asked.
    Unsupported(&'static str),
    /// The request cannot be sent where this call runs (e.g. inside a
    /// JSON-RPC batch, which has no stream to ask on).
    NoStream,
    /// The requested elicitation schema is outside what the protocol allows
    /// (a flat object of primitive fields); nothing was sent.
    InvalidSchema(String),
    /// The client answered with a JSON-RPC error.
    Rejected(ErrorData),
    /// The client's answer does not have the expected shape.
    InvalidAnswer(String),
    /// No answer within the server's answer timeout.
    Timeout(Duration),
    /// The call was cancelled while waiting.
    Cancelled,
}

impl std::fmt::Display for ClientRequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientRequestError::NoClient => {
                f.write_str("no MCP client: the handler is serving a plain REST request")
            }
            ClientRequestError::Unsupported(capability) => {
                write!(
                    f,
                    "the client did not declare the `{capability}` capability"
                )
            }
            ClientRequestError::NoStream => {
                f.write_str("this call has no stream to the client (e.g. it is part of a batch)")
            }
            ClientRequestError::InvalidSchema(why) => {
                write!(f, "invalid elicitation schema: {why}")
            }
            ClientRequestError::Rejected(e) => {
                write!(
                    f,
                    "the client answered with error {}: {}",
                    e.code.0, e.message
                )
            }
            ClientRequestError::InvalidAnswer(why) => {
                write!(f, "invalid answer from the client: {why}")
            }
            ClientRequestError::Timeout(after) => {
                write!(
                    f,
                    "the client did not answer within {} s",
                    after.as_secs_f32()
                )
            }
            ClientRequestError::Cancelled => f.write_str("the call was cancelled"),
        }
    }
}

impl std::error::Error for ClientRequestError {}

impl McpContext {
    /// Whether this request is an MCP tool call (`false` on plain REST).
    pub fn is_mcp(&self) -> bool {
        self.scope.is_some()
    }

    /// The JSON-RPC id of the `tools/call` request.
    pub fn request_id(&self) -> Option<&RequestId> {
        self.scope.as_ref().map(|s| &s.request_id)
    }

    /// The calling client's `clientInfo`, when it has a session.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.session().map(Session::client_info)
    }

    /// The capabilities the calling client declared, when it has a session.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.session().map(Session::capabilities)
    }

    fn session(&self) -> Option<&Session> {
        self.scope.as_ref().and_then(|s| s.session_state())
    }

    /// Reports progress: `done` out of `total` (if known), with an optional
    /// message. Sent as `notifications/progress` when the client asked for
    /// progress (a `progressToken`); values must increase, others are
    /// dropped. On REST, logged at debug level.
    pub async fn progress(&self, done: f64, total: Option<f64>, message: Option<&str>) {
        match &self.scope {
            Some(scope) => {
                scope
                    .progress(done, total, message.map(str::to_owned))
                    .await
            }
            None => tracing::debug!(done, total, message, "progress"),
        }
    }

    /// Logs `data` (a string or any serializable value) for the client, as
    /// `notifications/message`, unless the client set a higher level with
    /// `logging/setLevel`. On REST, goes to `tracing` at the matching level.
    pub async fn log(&self, level: LogLevel, data: impl Serialize) {
        let data = serde_json::to_value(data)
            .unwrap_or_else(|e| Value::String(format!("<unserializable log data: {e}>")));
        let Some(scope) = &self.scope else {
            return log_locally(level, &data);
        };
        let min = scope.session_state().and_then(|s| s.log_level);
        if min.is_some_and(|min| level < min) {
            return;
        }
        #[derive(Serialize)]
        struct LogMessage<'a> {
            level: LogLevel,
            logger: &'a str,
            data: &'a Value,
        }
        let message = LogMessage {
            level,
            logger: scope.tool,
            data: &data,
        };
        scope.notify(ServerMethod::Log, &message).await;
    }

    /// Whether the call has been cancelled. Always `false` on REST.
    pub fn is_cancelled(&self) -> bool {
        self.scope.as_ref().is_some_and(|s| s.cancel.is_cancelled())
    }

    /// Completes when the call is cancelled (never, on REST). Useful in work
    /// the handler spawned: the handler's own future is simply dropped.
    pub async fn cancelled(&self) {
        match &self.scope {
            Some(scope) => scope.cancel.cancelled().await,
            None => std::future::pending().await,
        }
    }

    /// A token cancelled with the call, to hand to spawned work (`Send`).
    pub fn cancellation_token(&self) -> CancellationToken {
        self.scope
            .as_ref()
            .map_or_else(CancellationToken::new, |s| s.cancel.clone())
    }

    /// Asks the client's model for a completion (`sampling/createMessage`).
    ///
    /// Fails with a [`ClientRequestError`] rather than waiting forever: when
    /// there is no MCP client, when the client did not declare `sampling`,
    /// on a client error, on timeout, or when the call is cancelled.
    ///
    /// ```no_run
    /// # async fn f(ctx: mcp_runtime::McpContext) -> Result<(), mcp_runtime::ClientRequestError> {
    /// use mcp_runtime::Sample;
    /// let answer = ctx.sample(Sample::user("Summarize: …").max_tokens(200)).await?;
    /// println!("{}", answer.text());
    /// # Ok(()) }
    /// ```
    pub async fn sample(&self, request: Sample) -> Result<Sampled, ClientRequestError> {
        let scope = self.scope.as_ref().ok_or(ClientRequestError::NoClient)?;
        let declared = scope
            .session_state()
            .is_some_and(|s| s.capabilities().sampling.is_some());
        if !declared {
            return Err(ClientRequestError::Unsupported("sampling"));
        }
        let answer = ask(scope, ServerMethod::CreateMessage, &request).await?;
        serde_json::from_str(answer.get())
            .map_err(|e| ClientRequestError::InvalidAnswer(e.to_string()))
    }

    /// Asks the user for structured input (`elicitation/create`, form mode),
    /// with a form built from `T`'s JSON Schema.
    ///
    /// `T` must be a flat struct of primitive fields (strings, numbers,
    /// booleans, enums of strings, lists of such enums), as the protocol
    /// requires; otherwise this fails with
    /// [`ClientRequestError::InvalidSchema`] before anything is sent. Field
    /// doc comments become the form's descriptions, `#[serde(default)]`
    /// values its defaults.
    ///
    /// ```no_run
    /// # async fn f(ctx: mcp_runtime::McpContext) -> Result<(), mcp_runtime::ClientRequestError> {
    /// use mcp_runtime::Elicitation;
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm {
    ///     /// Really delete everything?
    ///     sure: bool,
    /// }
    /// match ctx.elicit::<Confirm>("Delete all items?").await? {
    ///     Elicitation::Accept(Confirm { sure: true }) => { /* delete */ }
    ///     _ => { /* keep */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn elicit<T: JsonSchema + DeserializeOwned>(
        &self,
        message: &str,
    ) -> Result<Elicitation<T>, ClientRequestError> {
        let scope = self.scope.as_ref().ok_or(ClientRequestError::NoClient)?;
        let requested_schema =
            elicitation::schema_for::<T>().map_err(ClientRequestError::InvalidSchema)?;
        let declared = scope
            .session_state()
            .and_then(|s| s.capabilities().elicitation.as_ref())
            // An empty `elicitation: {}` means form mode (2025-06-18 style).
            .is_some_and(|e| e.form.is_some() || e.url.is_none());
        if !declared {
            return Err(ClientRequestError::Unsupported("elicitation"));
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Params<'a> {
            message: &'a str,
            requested_schema: &'a Value,
        }
        let params = Params {
            message,
            requested_schema: &requested_schema,
        };
        let answer = ask(scope, ServerMethod::Elicit, &params).await?;
        #[derive(Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Action {
            Accept,
            Decline,
            Cancel,
        }
        #[derive(Deserialize)]
        struct Answer {
            action: Action,
            #[serde(default)]
            content: Option<Value>,
        }
        let invalid = |e: serde_json::Error| ClientRequestError::InvalidAnswer(e.to_string());
        let answer: Answer = serde_json::from_str(answer.get()).map_err(invalid)?;
        Ok(match answer.action {
            Action::Accept => {
                let content = answer.content.unwrap_or(Value::Object(Default::default()));
                Elicitation::Accept(serde_json::from_value(content).map_err(invalid)?)
            }
            Action::Decline => Elicitation::Decline,
            Action::Cancel => Elicitation::Cancel,
        })
    }
}

/// Sends a request to the client on the call's stream and waits for the
/// answer, the timeout, or cancellation, whichever comes first.
async fn ask<P: Serialize + ?Sized>(
    scope: &CallScope,
    method: ServerMethod,
    params: &P,
) -> Result<Box<serde_json::value::RawValue>, ClientRequestError> {
    if !scope.outbound.is_open() {
        return Err(ClientRequestError::NoStream);
    }
    let session = scope.session.as_ref().map(|(id, _)| id.clone());
    let (id, answer, _withdraw_on_drop) = scope.live.ask(session);
    let message = jsonrpc::outgoing(Some(&id), method, params)
        .map_err(|e| ClientRequestError::InvalidSchema(e.to_string()))?;
    scope
        .outbound
        .send(message)
        .await
        .map_err(|_| ClientRequestError::NoStream)?;
    tokio::select! {
        answer = answer => match answer {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(ClientRequestError::Rejected(error)),
            // The registry dropped the sender: the server is shutting down.
            Err(_) => Err(ClientRequestError::Cancelled),
        },
        () = tokio::time::sleep(scope.answer_timeout) => Err(ClientRequestError::Timeout(scope.answer_timeout)),
        () = scope.cancel.cancelled() => Err(ClientRequestError::Cancelled),
    }
}

fn log_locally(level: LogLevel, data: &Value) {
    let text = match data {
        Value::String(s) => s.as_str(),
        _ => &data.to_string(),
    };
    match level {
        LogLevel::Debug => tracing::debug!("{text}"),
        LogLevel::Info | LogLevel::Notice => tracing::info!("{text}"),
        LogLevel::Warning => tracing::warn!("{text}"),
        _ => tracing::error!("{text}"),
    }
}
