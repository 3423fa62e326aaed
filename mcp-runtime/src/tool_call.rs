//! One `tools/call`, from its parameters to its result: authentication,
//! argument checks, running the handler (through its REST route, or
//! directly for a hand-written tool), cancellation, panics, the result.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use actix_web::{HttpMessage as _, HttpResponse};
use futures_util::FutureExt as _;
use rmcp::model::{ErrorData, ProgressToken, RequestId};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use tracing::Instrument as _;

use crate::app::AppHandle;
use crate::arguments::{ArgumentError, coerce_integers};
use crate::context::{CallScope, Inputs, Stopped};
use crate::dispatch::{Dispatcher, Exchange, Outcome};
use crate::forward;
use crate::invoke::{CallContext, CheckContext, ToolOutcome};
use crate::jsonrpc;
use crate::method::RequestMethod;
use crate::modern;
use crate::registry::{Target, ToolEntry};
use crate::result::{self, Mapping, ToolResult};

#[derive(Deserialize)]
struct CallParams {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    progress_token: Option<ProgressToken>,
}

/// How a call ended, before it becomes a JSON-RPC reply.
enum Ended {
    /// The handler (or the app around it) answered.
    Response(HttpResponse),
    /// The arguments cannot make a request (bad path segment, a list where
    /// the URL needs a scalar, a type a hand-written tool's extractor refused).
    InvalidArguments(ArgumentError),
    /// The call could not be made at all: a tool error saying why.
    Failed(String),
    /// A stateless call stopped for the client (see `context::Inputs`).
    Stopped,
}

pub(crate) async fn call(
    d: &Dispatcher,
    id: &RequestId,
    params: Option<&RawValue>,
    x: &Exchange,
) -> Outcome {
    let params: CallParams = match jsonrpc::params(&RequestMethod::CallTool, params) {
        Ok(p) => p,
        Err(e) => return Outcome::error(id, &e),
    };
    let Some(tool) = d.registry.get(&params.name) else {
        let e = ErrorData::invalid_params(format!("Unknown tool: {}", params.name), None);
        return Outcome::error(id, &e);
    };
    if let Err(limited) = d.rate_limits.check_tool(tool.def.name) {
        let e = ErrorData::new(
            rmcp::model::ErrorCode(-32000),
            format!(
                "Too Many Requests: tool `{}` is over its rate limit; retry in {} s",
                tool.def.name,
                limited.retry_after.as_secs().max(1)
            ),
            None,
        );
        return Outcome::RateLimited {
            response: jsonrpc::failure(Some(id), &e),
            retry_after: limited.retry_after,
        };
    }
    if tool.def.requires_auth
        && let Some(auth) = &d.auth
        && let Err(rejection) = auth.check(&x.host).await
    {
        let error = ErrorData::invalid_request(rejection.message.clone(), None);
        return Outcome::Unauthorized(rejection, jsonrpc::failure(Some(id), &error));
    }

    let mut args = params.arguments.unwrap_or_default();
    coerce_integers(&mut args, &tool.input_schema);
    let inputs = match &x.inputs {
        None => None,
        Some(inputs) => {
            if let Err(e) =
                modern::check_param_headers(x.host.headers(), &tool.header_arguments, &args)
            {
                return Outcome::refused(id, &e);
            }
            match answers(d, tool.def.name, inputs) {
                Ok(answers) => Some(Inputs::new(answers)),
                Err(e) => return Outcome::error(id, &e),
            }
        }
    };
    let missing = tool.plan.missing(&args);
    if !missing.is_empty() {
        return invalid_arguments(d, id, tool, &ArgumentError::missing(missing), x, None);
    }
    if let Some(unknown) = tool.plan.unknown(&args) {
        let e = ArgumentError::new(unknown, format!("unknown argument `{unknown}`"));
        return invalid_arguments(d, id, tool, &e, x, None);
    }

    let scope = Arc::new(CallScope::new(
        id.clone(),
        tool.def.name,
        params.meta.and_then(|m| m.progress_token),
        x.session.as_ref().map(|(id, _)| id.clone()),
        x.client.clone(),
        inputs,
        x.outbound.clone(),
        x.cancel.clone(),
        d.live.clone(),
        d.limits.answer_timeout,
    ));
    let span = tracing::info_span!(
        "mcp.tool_call",
        tool = tool.def.name,
        request_id = %DisplayId(id),
        outcome = tracing::field::Empty,
        http_status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let started = Instant::now();
    let outcome = run(d, tool, &args, &scope, x)
        .instrument(span.clone())
        .await;
    span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
    let _entered = span.enter();
    match outcome {
        None => {
            span.record("outcome", "cancelled");
            Outcome::Cancelled
        }
        Some(Ended::Response(response)) => {
            span.record("http_status", response.status().as_u16());
            let failed = response.status().is_client_error();
            let mapping = Mapping {
                tool: tool.def.name,
                structured: tool.structured,
                max_bytes: d.limits.max_response_bytes,
                scope: Some(&scope),
            };
            let result = result::from_response(response, &mapping).await;
            span.record("outcome", if result.is_error { "error" } else { "ok" });
            // A rejected request may be the arguments' fault: say which one.
            if failed
                && let Err(e) = (tool.def.check)(CheckContext {
                    arguments: &args,
                    plan: &tool.plan,
                })
            {
                return invalid_arguments(d, id, tool, &e, x, Some(result));
            }
            respond(d, x, id, result)
        }
        Some(Ended::InvalidArguments(e)) => {
            span.record("outcome", "invalid_arguments");
            invalid_arguments(d, id, tool, &e, x, None)
        }
        Some(Ended::Failed(message)) => {
            span.record("outcome", "error");
            let result = ToolResult::error(format!("Tool `{}` failed: {message}", tool.def.name));
            respond(d, x, id, result)
        }
        Some(Ended::Stopped) => {
            span.record("outcome", "input_required");
            let Some(inputs) = &scope.inputs else {
                return Outcome::Cancelled;
            };
            stopped(d, id, tool.def.name, inputs)
        }
    }
}

/// Answers to earlier questions of a stateless call: those carried in its
/// signed `requestState`, then those of this retry's `inputResponses`.
fn answers(
    d: &Dispatcher,
    owner: &str,
    inputs: &modern::Inputs,
) -> Result<Map<String, Value>, ErrorData> {
    let mut answers = match &inputs.state {
        None => Map::new(),
        Some(token) => d.state_key.open(owner, token).ok_or_else(|| {
            ErrorData::invalid_params(
                "Invalid params: `requestState` failed its integrity check (it was altered, \
                 or belongs to another call)",
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
    Ok(answers)
}

/// A stateless call that stopped for the client: the questions it asked
/// (with the signed state of what it knows so far), or `-32021` when it
/// needs a capability the client lacks.
fn stopped(d: &Dispatcher, id: &RequestId, owner: &str, inputs: &Inputs) -> Outcome {
    match inputs.stopped() {
        Stopped::MissingCapability(capability) => {
            let e = ErrorData::new(
                modern::MISSING_CAPABILITY,
                format!("Missing required client capability: `{capability}`"),
                Some(json!({ "requiredCapabilities": { capability: {} } })),
            );
            Outcome::refused(id, &e)
        }
        Stopped::InputRequired(asked) => {
            let mut result = Map::new();
            result.insert("resultType".into(), "input_required".into());
            result.insert(
                "inputRequests".into(),
                Value::Object(asked.into_iter().collect()),
            );
            result.insert(
                "requestState".into(),
                d.state_key.sign(owner, &inputs.answers).into(),
            );
            modern::complete(&mut result, &d.info);
            Outcome::Response(jsonrpc::success(id, &result))
        }
    }
}

/// The result as its revision wants it: the stateless one adds its result
/// type and the server's identity.
fn respond(d: &Dispatcher, x: &Exchange, id: &RequestId, mut result: ToolResult) -> Outcome {
    if x.inputs.is_some() {
        result.result_type = Some("complete");
        result.meta.get_or_insert_with(Map::new).insert(
            modern::SERVER_INFO.into(),
            serde_json::to_value(&d.info).unwrap_or_default(),
        );
    }
    Outcome::Response(jsonrpc::success(id, &result))
}

/// Runs the handler; `None` if the call was cancelled first. A panic fails
/// this call only: it is logged with the tool and request id, and the
/// client learns no more than the server is configured to tell.
async fn run(
    d: &Dispatcher,
    tool: &ToolEntry,
    args: &Map<String, Value>,
    scope: &Arc<CallScope>,
    x: &Exchange,
) -> Option<Ended> {
    let handler = async {
        match &tool.target {
            Target::Route {
                method,
                template,
                locator,
            } => {
                let parts = match forward::parts(&tool.plan, template, args) {
                    Ok(parts) => parts,
                    Err(e) => return Ended::InvalidArguments(e),
                };
                let request = match forward::request(&x.host, *method, locator, parts) {
                    Ok(request) => request,
                    Err(e) => return Ended::Failed(e.to_string()),
                };
                for carry in &d.carry {
                    carry(&x.host, &request);
                }
                request.extensions_mut().insert(scope.clone());
                let Some(dispatch) = x
                    .host
                    .app_data::<AppHandle>()
                    .and_then(|app| app.dispatch(request))
                else {
                    return Ended::Failed(
                        "its REST route cannot be reached: return `mcp.app(App::new()…)` from \
                         the `HttpServer::new` closure instead of the bare `App`"
                            .into(),
                    );
                };
                Ended::Response(match dispatch.await {
                    Ok(response) => response.into_parts().1,
                    Err(e) => e.error_response(),
                })
            }
            Target::Direct(invoke) => {
                x.host.extensions_mut().insert(scope.clone());
                let cx = CallContext {
                    request: &x.host,
                    arguments: args,
                    plan: &tool.plan,
                };
                let outcome = invoke(cx).await;
                x.host.extensions_mut().remove::<Arc<CallScope>>();
                match outcome {
                    ToolOutcome::Response(response) => Ended::Response(response),
                    ToolOutcome::InvalidArguments(e) => Ended::InvalidArguments(e),
                    ToolOutcome::Prompt(_) => Ended::Failed("it is a prompt".into()),
                }
            }
        }
    };
    let timeout = d.limits.tool_timeout;
    let stop = async {
        match &scope.inputs {
            Some(inputs) => inputs.stop.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        () = scope.cancel.cancelled() => None,
        () = tokio::time::sleep(timeout) => {
            tracing::warn!(tool = tool.def.name, request_id = %DisplayId(&scope.request_id), "handler timed out");
            Some(Ended::Failed(format!("it did not finish within {} s and was stopped", timeout.as_secs_f32())))
        }
        ended = AssertUnwindSafe(handler).catch_unwind() => Some(ended.unwrap_or_else(|panic| {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic payload".into());
            tracing::error!(tool = tool.def.name, request_id = %DisplayId(&scope.request_id), "handler panicked: {detail}");
            Ended::Failed(if d.expose_panics {
                format!("the handler panicked: {detail}")
            } else {
                "internal error (the handler panicked; details are in the server log)".into()
            })
        })),
        // After the handler's poll, so every question it asked at once is in.
        () = stop => Some(Ended::Stopped),
    }
}

/// Bad arguments: a tool error the model can act on (2025-11-25 and later),
/// a `-32602` protocol error before that (see `Version::argument_errors_in_band`).
/// `rejected` is the app's own answer to the request, when it got that far.
fn invalid_arguments(
    d: &Dispatcher,
    id: &RequestId,
    tool: &ToolEntry,
    e: &ArgumentError,
    x: &Exchange,
    rejected: Option<ToolResult>,
) -> Outcome {
    let message = format!("Invalid arguments for tool `{}`: {e}", tool.def.name);
    if x.version.argument_errors_in_band() {
        let mut result = ToolResult::error(message);
        if let Some(rejected) = rejected {
            result.content.extend(rejected.content);
            result.meta = rejected.meta;
        }
        return respond(d, x, id, result);
    }
    let mut data = Map::new();
    if let Some(field) = &e.field {
        data.insert("argument".into(), field.clone().into());
    }
    if let Some(rejected) = rejected {
        data.insert("response".into(), json!(rejected.content));
    }
    let data = (!data.is_empty()).then_some(Value::Object(data));
    Outcome::error(id, &ErrorData::invalid_params(message, data))
}

/// A request id as the logs show it.
struct DisplayId<'a>(&'a RequestId);

impl std::fmt::Display for DisplayId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}
