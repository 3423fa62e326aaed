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

use std::collections::HashMap;
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
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::protocol::capability::ClientCapability as Capability;
use crate::protocol::jsonrpc;
use crate::protocol::log::LogLevel;
use crate::protocol::method::ServerMethod;
use crate::protocol::sampling::{Sample, Sampled};
use crate::protocol::stateless::Client;
use crate::schema::elicitation;
use crate::state::live::Live;
use crate::state::tasks::Questions;
use crate::support::outbound::Outbound;
use crate::support::sync::lock;

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

/// The scope of one request's code (a tool call, a prompt, a resource read,
/// a completion), shared by the runtime and the handler. `tool` names the
/// item, whatever its kind.
pub(crate) struct CallScope {
    pub request_id: RequestId,
    pub tool: &'static str,
    pub progress_token: Option<ProgressToken>,
    /// The session's id, when there is a session (answers to questions are
    /// routed by it).
    pub session: Option<Arc<str>>,
    /// What the client declared: its session's (handshake era) or its
    /// request's (stateless era).
    pub client: Option<Client>,
    /// Stateless era: questions become an input-required result instead of
    /// requests on the stream (see `Inputs`).
    pub inputs: Option<Inputs>,
    /// A call running as a task: questions become the task's input
    /// requests, answered by `tasks/update`.
    pub task: Option<Arc<Questions>>,
    pub outbound: Outbound,
    pub cancel: CancellationToken,
    pub live: Arc<Live>,
    /// How long a question to the client may stay unanswered.
    pub answer_timeout: Duration,
    last_progress: Mutex<Option<f64>>,
}

/// A stateless call's questions. Each question has a key; one the client
/// already answered (in this retry's `inputResponses`, or an earlier
/// round's, carried in the signed `requestState`) returns its answer at
/// once. One not answered yet is recorded, and the call stops: the runtime
/// drops the handler and returns an input-required result listing every
/// question recorded, for the client to answer and retry with. The handler
/// runs again from the start on the retry, so questions must be asked in a
/// deterministic order (they are, in ordinary code).
pub(crate) struct Inputs {
    pub answers: Map<String, Value>,
    state: Mutex<InputState>,
    /// Woken when the call cannot go on without the client.
    pub stop: tokio::sync::Notify,
}

#[derive(Default)]
struct InputState {
    asked: Vec<(String, Value)>,
    counters: HashMap<&'static str, usize>,
}

impl Inputs {
    pub(crate) fn new(answers: Map<String, Value>) -> Self {
        Inputs {
            answers,
            state: Mutex::new(InputState::default()),
            stop: tokio::sync::Notify::new(),
        }
    }

    /// The questions the call stopped for, once `stop` was notified (key,
    /// `{method, params}`).
    pub(crate) fn asked(&self) -> Vec<(String, Value)> {
        lock(&self.state).asked.clone()
    }

    /// The next automatic key for `method`'s questions: `elicitation-1`, …
    fn next_key(&self, prefix: &'static str) -> String {
        let mut state = lock(&self.state);
        let n = state.counters.entry(prefix).or_default();
        *n += 1;
        format!("{prefix}-{n}")
    }

    /// Records an unanswered question and stops the call.
    fn ask(&self, key: String, request: Value) {
        let mut state = lock(&self.state);
        if !state.asked.iter().any(|(k, _)| *k == key) {
            state.asked.push((key, request));
        }
        drop(state);
        self.stop.notify_one();
    }
}

impl CallScope {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        request_id: RequestId,
        tool: &'static str,
        progress_token: Option<ProgressToken>,
        session: Option<Arc<str>>,
        client: Option<Client>,
        inputs: Option<Inputs>,
        task: Option<Arc<Questions>>,
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
            client,
            inputs,
            task,
            outbound,
            cancel,
            live,
            answer_timeout,
            last_progress: Mutex::new(None),
        }
    }

    fn declared(&self, capability: Capability) -> bool {
        self.client
            .as_ref()
            .is_some_and(|c| capability.declared_in(c.capabilities()))
    }

    /// Sends a progress notification if the client asked for progress and
    /// `done` moves forward (the spec requires increasing values).
    pub(crate) async fn progress(&self, done: f64, total: Option<f64>, message: Option<String>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        {
            let mut last = lock(&self.last_progress);
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
    /// `elicitation`, `roots`), so it must not be asked. The same in both
    /// protocol eras; `requires = [...]` on `#[mcp_tool]` refuses such a
    /// client up front instead.
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

    /// The calling client's `clientInfo`, when it gave one.
    pub fn client_info(&self) -> Option<&Implementation> {
        self.client().and_then(Client::info)
    }

    /// The capabilities the calling client declared (at `initialize`, or in
    /// this request's `_meta` under the stateless revision).
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.client().map(Client::capabilities)
    }

    fn client(&self) -> Option<&Client> {
        self.scope.as_ref().and_then(|s| s.client.as_ref())
    }

    /// Lets a call of a `task = "deferred"` tool go on as a task: the
    /// client (2026-07-28, opted in to tasks) gets its `CreateTaskResult`
    /// now, and later questions become the task's input requests. Before
    /// this, the call is an ordinary one: questions make it
    /// `input_required` in its request (confirm cheaply, then commit to the
    /// long job). Anywhere else (REST, other tools, a client that did not
    /// opt in) it does nothing and the call goes on in its request.
    ///
    /// ```
    /// use mcp_runtime::{Elicitation, McpContext};
    /// # #[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)] struct Confirm { yes: bool }
    /// async fn rebuild(ctx: McpContext) -> &'static str {
    ///     match ctx.elicit::<Confirm>("Rebuild everything?").await {
    ///         Ok(Elicitation::Accept(Confirm { yes: true })) => {
    ///             ctx.detach();
    ///             // … the long part …
    ///             "rebuilt"
    ///         }
    ///         _ => "not rebuilt",
    ///     }
    /// }
    /// ```
    pub fn detach(&self) {
        if let Some(questions) = self.scope.as_ref().and_then(|s| s.task.as_ref()) {
            questions.detach();
        }
    }

    /// Reports progress: `done` out of `total` (if known), with an optional
    /// message. Sent as `notifications/progress` when the client asked for
    /// progress (a `progressToken`); values must increase, others are
    /// dropped. On REST, logged at debug level.
    pub async fn progress(&self, done: f64, total: Option<f64>, message: Option<&str>) {
        match &self.scope {
            Some(scope) => {
                // A task's progress is its status message too.
                if let Some(task) = scope.task.as_ref().filter(|t| t.is_detached()) {
                    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
                    let text = match message {
                        Some(message) => format!("{message} ({done}{of})"),
                        None => format!("{done}{of}"),
                    };
                    task.note(text).await;
                }
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
        // A task's log is its status message too.
        if let Some(task) = scope.task.as_ref().filter(|t| t.is_detached()) {
            let text = match &data {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            task.note(text).await;
        }
        let admitted = scope.client.as_ref().is_none_or(|c| c.logs.admits(level));
        if !admitted {
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
    /// there is no MCP client, when the client did not declare `sampling`
    /// ([`Unsupported`](ClientRequestError::Unsupported), in either protocol
    /// era, so a fallback can run; a tool that cannot do without declares
    /// `requires = ["sampling"]` and such a client is refused before it
    /// runs), on a client error, on timeout, or when the call is cancelled.
    /// Under 2026-07-28 an unanswered question ends this round of the call
    /// with an input-required result; the handler runs again with the answer.
    ///
    /// ```no_run
    /// # async fn f(ctx: mcp_runtime::McpContext) -> Result<(), mcp_runtime::ClientRequestError> {
    /// use mcp_runtime::Sample;
    /// let answer = ctx.sample(Sample::user("Summarize: …").max_tokens(200)).await?;
    /// println!("{}", answer.text());
    /// # Ok(()) }
    /// ```
    pub async fn sample(&self, request: Sample) -> Result<Sampled, ClientRequestError> {
        self.sample_as(None, request).await
    }

    /// [`sample`](Self::sample), naming the question `key` in the
    /// input-required result of a stateless (2026-07-28) request.
    pub async fn sample_as(
        &self,
        key: impl Into<Option<&str>>,
        request: Sample,
    ) -> Result<Sampled, ClientRequestError> {
        let scope = self.scope.as_ref().ok_or(ClientRequestError::NoClient)?;
        let question = Question::new(
            Capability::Sampling,
            ServerMethod::CreateMessage,
            key.into(),
        );
        let answer = ask(scope, question, &request).await?;
        serde_json::from_str(answer.get())
            .map_err(|e| ClientRequestError::InvalidAnswer(e.to_string()))
    }

    /// Asks the client for its roots (`roots/list`): the directories or
    /// files it exposes, as `{"uri", "name"?}` objects.
    /// [`ClientRequestError::Unsupported`] when the client did not declare
    /// `roots` (see [`sample`](Self::sample)).
    pub async fn list_roots(&self) -> Result<Vec<Value>, ClientRequestError> {
        self.list_roots_as(None).await
    }

    /// [`list_roots`](Self::list_roots), naming the question `key` in the
    /// input-required result of a stateless (2026-07-28) request.
    pub async fn list_roots_as(
        &self,
        key: impl Into<Option<&str>>,
    ) -> Result<Vec<Value>, ClientRequestError> {
        let scope = self.scope.as_ref().ok_or(ClientRequestError::NoClient)?;
        let question = Question::new(Capability::Roots, ServerMethod::ListRoots, key.into());
        let answer = ask(scope, question, &serde_json::json!({})).await?;
        #[derive(Deserialize)]
        struct Roots {
            roots: Vec<Value>,
        }
        serde_json::from_str::<Roots>(answer.get())
            .map(|r| r.roots)
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
    /// A client that did not declare `elicitation` (form mode) is not asked:
    /// this returns [`ClientRequestError::Unsupported`] in either protocol
    /// era, so the handler's fallback runs. A tool that cannot do without
    /// declares `#[mcp_tool(requires = ["elicitation"])]`, and such a client
    /// gets `-32021` before the handler runs.
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
        self.elicit_as(None, message).await
    }

    /// [`elicit`](Self::elicit), naming the question `key` in the
    /// input-required result of a stateless (2026-07-28) request.
    pub async fn elicit_as<T: JsonSchema + DeserializeOwned>(
        &self,
        key: impl Into<Option<&str>>,
        message: &str,
    ) -> Result<Elicitation<T>, ClientRequestError> {
        let scope = self.scope.as_ref().ok_or(ClientRequestError::NoClient)?;
        let requested_schema = elicitation::schema_for::<T>()
            .map_err(|why| ClientRequestError::InvalidSchema(why.to_string()))?;
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
        let question = Question::new(Capability::Elicitation, ServerMethod::Elicit, key.into());
        let answer = ask(scope, question, &params).await?;
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

impl Capability {
    /// [`fits`](Self::fits) for this kind of question, as a function.
    fn fitter(self) -> fn(&Value) -> bool {
        match self {
            Capability::Sampling => |a| Capability::Sampling.fits(a),
            Capability::Elicitation => |a| Capability::Elicitation.fits(a),
            Capability::Roots => |a| Capability::Roots.fits(a),
        }
    }

    /// Whether `answer` has the shape of an answer to this kind of question.
    fn fits(self, answer: &Value) -> bool {
        let field = match self {
            Capability::Sampling => "content",
            Capability::Elicitation => "action",
            Capability::Roots => "roots",
        };
        answer.get(field).is_some()
    }
}

/// One question to the client.
struct Question<'a> {
    capability: Capability,
    method: ServerMethod,
    key: Option<&'a str>,
}

impl<'a> Question<'a> {
    fn new(capability: Capability, method: ServerMethod, key: Option<&'a str>) -> Self {
        Question {
            capability,
            method,
            key,
        }
    }
}

/// Asks the client. Handshake era: a request on the call's stream, awaited
/// until the answer, the timeout, or cancellation. Stateless era: the answer
/// the client brought, or the call stops with an input-required result.
async fn ask<P: Serialize + ?Sized>(
    scope: &CallScope,
    question: Question<'_>,
    params: &P,
) -> Result<Box<serde_json::value::RawValue>, ClientRequestError> {
    // Whatever the era, a client is only asked what it declared it can
    // answer; the handler gets an error value and its fallback runs (a tool
    // that cannot do without says so with `requires = [...]`).
    if !scope.declared(question.capability) {
        return Err(ClientRequestError::Unsupported(question.capability.name()));
    }
    // One key per question, whichever way it is asked (a deferred task's
    // questions before and after it detaches share the count).
    let key = match (question.key, &scope.inputs, &scope.task) {
        (Some(key), _, _) => Some(key.to_owned()),
        (None, Some(inputs), _) => Some(inputs.next_key(question.capability.name())),
        (None, None, Some(questions)) => Some(questions.next_key(question.capability.name())),
        (None, None, None) => None,
    };
    // An answer the client already brought (stateless era); one of the
    // wrong shape counts as none: the question is asked again, as the
    // revision suggests for invalid input responses.
    if let (Some(inputs), Some(key)) = (&scope.inputs, &key)
        && let Some(answer) = inputs
            .answers
            .get(key)
            .filter(|a| question.capability.fits(a))
    {
        return serde_json::value::to_raw_value(answer)
            .map_err(|e| ClientRequestError::InvalidAnswer(e.to_string()));
    }
    let request = || -> Result<Value, ClientRequestError> {
        Ok(serde_json::json!({
            "method": question.method.as_str(),
            "params": serde_json::to_value(params)
                .map_err(|e| ClientRequestError::InvalidSchema(e.to_string()))?,
        }))
    };
    // A task's question: its input request, answered by `tasks/update`.
    if let (Some(questions), Some(key)) = (&scope.task, &key)
        && questions.is_detached()
    {
        let answer = tokio::select! {
            answer = questions.ask(key.clone(), request()?, question.capability.fitter()) => answer,
            () = scope.cancel.cancelled() => None,
        };
        let answer = answer.ok_or(ClientRequestError::Cancelled)?;
        return serde_json::value::to_raw_value(&answer)
            .map_err(|e| ClientRequestError::InvalidAnswer(e.to_string()));
    }
    if let (Some(inputs), Some(key)) = (&scope.inputs, key) {
        inputs.ask(key, request()?);
        // The runtime drops the handler now; this never resumes.
        return std::future::pending().await;
    }
    if !scope.outbound.is_open() {
        return Err(ClientRequestError::NoStream);
    }
    let (id, answer, _withdraw_on_drop) = scope.live.ask(scope.session.clone());
    let message = jsonrpc::outgoing(Some(&id), question.method, params)
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
