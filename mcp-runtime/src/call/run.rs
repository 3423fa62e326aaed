//! Running the code behind one request (a tool, a prompt, a resource read)
//! in its scope: as a request through the app, or called directly; ended
//! by cancellation, the timeout, a panic, or a stateless call stopping for
//! the client. Shared by the `tools`, `prompts`, `resources` and `complete`
//! handlers of `dispatch`.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpMessage as _, HttpResponse};
use futures_util::FutureExt as _;
use rmcp::model::ResultType;
use rmcp::model::{ErrorData, ProgressToken, RequestId};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::app::AppHandle;
use crate::call::context::{CallScope, Inputs};
use crate::call::forward::Unroutable;
use crate::call::forward::{self, Parts};
use crate::call::result::BodyError;
use crate::call::server::Server;
use crate::call::server::{Exchange, Outcome};
use crate::handler::mark::{Held, Mark};
use crate::policy::auth::{Access, AuthRejection, Authenticator};
use crate::protocol::jsonrpc;
use crate::protocol::stateless::{Binding, Envelope, MAX_STATE_BYTES};
use crate::schema::route::Exposed;
use crate::schema::route::HttpMethod;

/// How the code behind a request ended, short of being cancelled.
pub(crate) enum Ended<T> {
    /// It finished.
    Done(T),
    /// It could not finish (a panic, the timeout): why.
    Failed(Failure),
    /// A stateless call stopped for the client (see `context::Inputs`).
    Stopped,
}

/// Why the code behind a request could not finish; the client is told.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Past `tool_timeout`: it was stopped.
    TimedOut(Duration),
    /// It panicked: the message when the server exposes panics.
    Panicked(Option<String>),
    /// Its request could not be made.
    Unroutable(Unroutable),
    /// The endpoint's App is not wrapped by `McpServer::app`.
    NoApp,
    /// The handler's body could not be read.
    Body(BodyError),
    /// A prompt function registered where a tool was expected.
    NotATool,
    /// Another handler answered the request (its status).
    NotReached(StatusCode),
    /// A long-running operation (`202 Accepted`) could not be followed: why.
    Operation(String),
    /// The API (`upstream`) could not be reached, or broke off: why.
    #[cfg(feature = "upstream")]
    Upstream(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::TimedOut(t) => write!(
                f,
                "it did not finish within {} s and was stopped",
                t.as_secs_f32()
            ),
            Failure::Panicked(Some(detail)) => write!(f, "the handler panicked: {detail}"),
            Failure::Panicked(None) => {
                f.write_str("internal error (the handler panicked; details are in the server log)")
            }
            Failure::Unroutable(e) => e.fmt(f),
            Failure::NoApp => f.write_str(
                "its REST route cannot be reached: return `mcp.app(App::new()…)` from the \
                 `HttpServer::new` closure instead of the bare `App`",
            ),
            Failure::Body(e) => e.fmt(f),
            Failure::NotATool => f.write_str("it is a prompt"),
            Failure::Operation(why) => write!(f, "its long-running operation failed: {why}"),
            #[cfg(feature = "upstream")]
            Failure::Upstream(why) => f.write_str(why),
            Failure::NotReached(status) => write!(
                f,
                "its route did not take the request, and another handler of the app \
                 answered it (HTTP {status}): a guard on the route refused the request. \
                 A call sends `Accept: application/json, */*;q=0.5` and the MCP \
                 request's other headers (see the header policy); a guard that needs \
                 more cannot be satisfied by a call"
            ),
        }
    }
}

/// The scope a request's code runs in: what `McpContext` reaches.
/// `inputs` are a stateless request's answers so far (see `answers`).
pub(crate) fn scope(
    d: &Server,
    x: &Exchange,
    id: &RequestId,
    name: &'static str,
    progress_token: Option<ProgressToken>,
    inputs: Option<Inputs>,
) -> Arc<CallScope> {
    Arc::new(CallScope::new(
        id.clone(),
        name,
        progress_token,
        x.session.as_ref().map(|(id, _)| id.clone()),
        x.client.clone(),
        inputs,
        x.task.clone(),
        x.outbound.clone(),
        x.cancel.clone(),
        d.state.live.clone(),
        d.policy.limits.answer_timeout,
    ))
}

/// Runs `work`; `None` if the request was cancelled first. A panic fails
/// this request only: it is logged with the name and request id, and the
/// client learns no more than the server is configured to tell.
///
/// The timeout's timer is armed only once `work` has to wait: a call that
/// finishes in its first poll (most in-process handlers) costs no timer,
/// whose registration wakes the runtime's driver (a syscall) when no
/// earlier timer is pending. The deadline still counts from the start.
pub(crate) async fn guarded<T>(
    d: &Server,
    scope: &CallScope,
    work: impl Future<Output = T>,
) -> Option<Ended<T>> {
    let timeout = d.policy.limits.tool_timeout;
    let deadline = tokio::time::Instant::now() + timeout;
    let stop = async {
        match &scope.inputs {
            Some(inputs) => inputs.stop.notified().await,
            None => std::future::pending().await,
        }
    };
    let (name, request_id) = (scope.tool, DisplayId(&scope.request_id));
    let mut cancelled = pin!(scope.cancel.cancelled());
    let mut work = pin!(AssertUnwindSafe(work).catch_unwind());
    let mut stop = pin!(stop);
    let mut timer = pin!(None::<tokio::time::Sleep>);
    let timed_out = || {
        tracing::warn!(tool = name, request_id = %request_id, "handler timed out");
        Poll::Ready(Some(Ended::Failed(Failure::TimedOut(timeout))))
    };
    std::future::poll_fn(|cx| {
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        if let Some(timer) = timer.as_mut().as_pin_mut()
            && timer.poll(cx).is_ready()
        {
            return timed_out();
        }
        if let Poll::Ready(ended) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(match ended {
                Ok(done) => Ended::Done(done),
                Err(panic) => {
                    let detail = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a non-string panic payload".into());
                    tracing::error!(tool = name, request_id = %request_id, "handler panicked: {detail}");
                    Ended::Failed(Failure::Panicked(d.policy.expose_panics.then_some(detail)))
                }
            }));
        }
        // After the handler's poll, so every question it asked at once is in.
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Ended::Stopped));
        }
        if timer.is_none() {
            timer.set(Some(tokio::time::sleep_until(deadline)));
            if let Some(timer) = timer.as_mut().as_pin_mut()
                && timer.poll(cx).is_ready()
            {
                return timed_out();
            }
        }
        Poll::Pending
    })
    .await
}

/// What the app made of a call's request.
pub(crate) enum Sent {
    /// The target's handler (or what stands in front of it: an extractor,
    /// a guard, middleware) answered.
    Answered(HttpResponse),
    /// The item's authenticator, run where its handler is, refused.
    Unauthorized(AuthRejection),
}

/// Sends `outgoing` to the API (`upstream`) or through the app, in the
/// call's scope, carrying `mark` for the item's handler when it has one (a
/// long-running operation's status route has none); the answer, whoever
/// gave it.
pub(crate) async fn send(
    d: &Server,
    x: &Exchange,
    scope: &Arc<CallScope>,
    outgoing: forward::Outgoing,
    mark: Option<&Rc<Mark>>,
) -> Result<HttpResponse, Failure> {
    #[cfg(feature = "upstream")]
    if let Some(upstream) = &d.policy.upstream {
        let max = d.policy.limits.max_response_bytes;
        return upstream
            .send(outgoing, max)
            .await
            .map_err(Failure::Upstream);
    }
    let request = forward::request(&x.host, outgoing);
    for carry in &d.policy.carry {
        carry(&x.host, &request);
    }
    if let Some(mark) = mark {
        request.extensions_mut().insert(mark.clone());
    }
    request.extensions_mut().insert(scope.clone());
    let Some(dispatch) = x
        .host
        .app_data::<AppHandle>()
        .and_then(|app| app.dispatch(request))
    else {
        return Err(Failure::NoApp);
    };
    Ok(match dispatch.await {
        Ok(response) => response.into_parts().1,
        Err(e) => e.error_response(),
    })
}

/// Sends a request for `parts` on the route named by `locator` through the
/// app, with the request's scope attached and marked for `target`'s handler
/// (which runs `auth` there, for a protected item; see
/// `handler::mark`); `Err` says why it could not be sent, or that another
/// handler answered.
pub(crate) async fn through_app(
    d: &Server,
    x: &Exchange,
    scope: &Arc<CallScope>,
    target: Exposed,
    auth: Option<(&Authenticator, Access)>,
    (method, locator): (HttpMethod, &str),
    parts: Parts<'_, '_>,
) -> Result<Sent, Failure> {
    let outgoing =
        forward::outgoing(&x.host, method, locator, parts).map_err(Failure::Unroutable)?;
    let auth = auth.filter(|(_, access)| access.auth);
    #[cfg(feature = "upstream")]
    if d.policy.upstream.is_some() {
        // The handler runs at the API: the item's authenticator runs here,
        // on the MCP request, before anything is sent.
        if let Some((authenticator, access)) = auth
            && let Err(rejection) = authenticator.check(&x.host, access).await
        {
            return Ok(Sent::Unauthorized(rejection));
        }
        return send(d, x, scope, outgoing, None).await.map(Sent::Answered);
    }
    let mark = Held::new(target, auth.map(|(a, access)| (a.clone(), access)));
    let response = send(d, x, scope, outgoing, Some(&mark)).await?;
    if let Some(rejection) = mark.rejection().await {
        return Ok(Sent::Unauthorized(rejection));
    }
    // Not reached, yet answered as if it were: a sibling route (whose guard
    // the request satisfied) or another item's handler (421) got it.
    let status = response.status();
    if !mark.reached()
        && (!status.is_client_error() && !status.is_server_error()
            || status == StatusCode::MISDIRECTED_REQUEST)
    {
        return Err(Failure::NotReached(status));
    }
    Ok(Sent::Answered(response))
}

/// Runs `work` with the scope attached to the MCP request itself, for code
/// called directly (hand-written tools, prompts): its `McpContext` and
/// other extractors read that request.
pub(crate) async fn beside<T>(
    x: &Exchange,
    scope: &Arc<CallScope>,
    work: impl Future<Output = T>,
) -> T {
    x.host.extensions_mut().insert(scope.clone());
    let out = work.await;
    x.host.extensions_mut().remove::<Arc<CallScope>>();
    out
}

/// What the state of a stateless request on `item` with `arguments` is
/// bound to (see `stateless::Binding`; the caller is the fingerprint of the
/// request's credentials), worked out only when a state is opened or
/// sealed: hashing the arguments and the credentials per call cost about a
/// tenth of a plain call's instructions.
pub(crate) struct Binder<'a> {
    d: &'a Server,
    x: &'a Exchange,
    /// `tools/call`, `prompts/get`, `resources/read`.
    method: &'static str,
    /// The tool's or prompt's name, or the resource's URI.
    item: &'a str,
    arguments: &'a Map<String, Value>,
    /// Whether the item may destroy data: its answers count only with the
    /// signed state of the round that asked for them.
    destructive: bool,
}

impl<'a> Binder<'a> {
    pub(crate) fn new(
        d: &'a Server,
        x: &'a Exchange,
        (method, item): (&'static str, &'a str),
        arguments: &'a Map<String, Value>,
    ) -> Self {
        Binder {
            d,
            x,
            method,
            item,
            arguments,
            destructive: false,
        }
    }

    /// For a tool that may destroy data (MCP's `destructiveHint`, true
    /// unless the tool is read-only or says otherwise): answers a request
    /// brings without a `requestState` are not used.
    pub(crate) fn destructive(mut self, destructive: bool) -> Self {
        self.destructive = destructive;
        self
    }

    fn binding(&self) -> Binding {
        let key = &self.d.policy.state_key;
        let caller = self
            .x
            .host
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|v| key.fingerprint(v.as_bytes()));
        let item = format!("{}:{}", self.method, self.item);
        Binding::new(key, item, self.arguments, caller)
    }
}

/// A stateless request's answers to earlier questions: those carried in its
/// signed `requestState`, then those of this retry's `inputResponses`.
/// `None` outside the stateless revision. The state is bound to the
/// request (`binder`: the item, its exact arguments, the caller) and
/// expires, so it cannot be replayed on another request. Answers without a
/// state are this request's own (SEP-2322 has servers use what they
/// recognize, and ignore the rest), except for a destructive tool, which
/// takes answers only from a round that asked for them: a confirmation
/// nobody was asked for destroys nothing.
pub(crate) fn answers(
    d: &Server,
    x: &Exchange,
    binder: &Binder<'_>,
) -> Result<Option<Inputs>, ErrorData> {
    let Some(inputs) = &x.inputs else {
        return Ok(None);
    };
    let mut answers = match &inputs.state {
        // A destructive tool's answers no signed state asked for are not
        // used (they could be a confirmation nobody gave): the call asks
        // again, as SEP-2322 suggests for missing answers.
        None if binder.destructive => return Ok(Some(Inputs::new(Map::new()))),
        None => Map::new(),
        Some(token) if token.len() > MAX_STATE_BYTES => {
            return Err(ErrorData::invalid_params(
                format!("Invalid params: `requestState` is larger than {MAX_STATE_BYTES} bytes"),
                None,
            ));
        }
        Some(token) => d
            .policy
            .state_key
            .open(&binder.binding(), token)
            .ok_or_else(|| {
                ErrorData::invalid_params(
                    "Invalid params: `requestState` failed its check (it was altered, expired, \
                 or belongs to another request, other arguments or another caller)",
                    None,
                )
            })?,
    };
    match &inputs.responses {
        None => {}
        Some(Value::Object(responses)) => {
            answers.extend(responses.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Some(_) => {
            return Err(ErrorData::invalid_params(
                "Invalid params: `inputResponses` must be an object of answers by key",
                None,
            ));
        }
    }
    Ok(Some(Inputs::new(answers)))
}

/// A stateless request that stopped for the client: the questions it asked,
/// with the signed state of what it knows so far.
pub(crate) fn stopped(
    d: &Server,
    id: &RequestId,
    binder: &Binder<'_>,
    scope: &CallScope,
) -> Outcome {
    let Some(inputs) = &scope.inputs else {
        return Outcome::Cancelled;
    };
    let result = InputRequired {
        input_requests: inputs.asked().into_iter().collect(),
        request_state: d.policy.state_key.sign(&binder.binding(), &inputs.answers),
        envelope: Envelope {
            result_type: ResultType::INPUT_REQUIRED,
            ..Envelope::complete(&d.identity.info, None)
        },
    };
    Outcome::Response(jsonrpc::success(id, &result))
}

/// The stateless revision's `input_required` result: the questions asked,
/// and the signed state of the answers so far.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InputRequired<'a> {
    input_requests: Map<String, Value>,
    request_state: String,
    #[serde(flatten)]
    envelope: Envelope<'a>,
}

/// A request id as the logs show it.
pub(crate) struct DisplayId<'a>(pub &'a RequestId);

impl std::fmt::Display for DisplayId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}
