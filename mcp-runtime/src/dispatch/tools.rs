//! One `tools/call`, from its parameters to its result: authentication,
//! argument checks, running the handler (through its REST route, or
//! directly for a hand-written tool), cancellation, panics, the result.

use std::sync::Arc;
use std::time::Instant;

use actix_web::HttpResponse;
use base64::Engine as _;
use rmcp::model::{ErrorCode, ErrorData, RequestId};
use serde_json::{Map, Value, json};
use tracing::Instrument as _;

use super::resources::{self, Fetched};
use super::tasks;
use super::unknown;
use crate::call::context::CallScope;
use crate::call::forward;
use crate::call::operation;
use crate::call::result::{self, Mapping, ToolResult};
use crate::call::run::{self, DisplayId, Ended, Failure, Sent};
use crate::call::server::Server;
use crate::call::server::{Exchange, Outcome};
use crate::catalog::registry::{Target, ToolEntry};
use crate::handler::arguments::{ArgumentError, Coercion, Slot, Source, coerce};
use crate::handler::defs::TaskSupport;
use crate::handler::invoke::{CallContext, CheckContext, Parameters, ToolOutcome};
use crate::policy::auth::AuthRejection;
use crate::policy::rate_limit::Limited;
use crate::protocol::codes;
use crate::protocol::jsonrpc;
use crate::protocol::params::CallToolParams;
use crate::protocol::stateless;
use crate::support::boxed::in_box;

/// What running the handler gave, before it becomes a JSON-RPC reply.
enum Handled {
    /// The handler (or the app around it) answered.
    Response(HttpResponse),
    /// The arguments cannot make a request (bad path segment, a list where
    /// the URL needs a scalar, a type a hand-written tool's extractor refused).
    InvalidArguments(ArgumentError),
    /// The call could not be made at all: a tool error saying why.
    Failed(Failure),
    /// The tool's authenticator refused, where its route's request is.
    Unauthorized(AuthRejection),
}

/// `tools/call`: answered in its request, or, for a task-capable tool and
/// a client that opted in to tasks (2026-07-28), started as a task.
pub(crate) async fn call(
    d: &Arc<Server>,
    id: &RequestId,
    params: CallToolParams,
    x: &Exchange,
) -> Outcome {
    let Some(tool) = d.catalog.tool(&params.name) else {
        return Outcome::error(id, &unknown("tool", &params.name));
    };
    if let Some(refusal) = lacking(id, tool, x) {
        return refusal;
    }
    // Counted once, when the call is made (a task's run is not counted
    // again).
    match d.policy.rate_limits.check_tool(tool.def.name).await {
        Ok(()) => {}
        Err(Limited::Over(wait)) => {
            let e = ErrorData::new(
                codes::TRANSPORT_ERROR,
                format!(
                    "Too Many Requests: tool `{}` is over its rate limit; retry in {} s",
                    tool.def.name,
                    wait.as_secs().max(1)
                ),
                None,
            );
            return Outcome::RateLimited {
                response: jsonrpc::failure(Some(id), &e),
                retry_after: wait,
            };
        }
        // The call cannot be counted: a tool error the model can retry.
        Err(Limited::Unavailable) => {
            let message = format!(
                "Tool `{}` is rate limited and its limiter cannot be reached now; retry later",
                tool.def.name
            );
            return respond(d, x, id, ToolResult::error(message));
        }
    }
    if x.is_stateless() && tool.def.task != TaskSupport::Never {
        match (tool.def.task, tasks::opted_in(x)) {
            (TaskSupport::Required, false) => return tasks::missing_capability(id),
            (_, true) => {
                // Who may start it is decided now, not when it runs.
                if let Err(challenge) = d.authenticate(id, x, tool.def.access()).await {
                    return challenge;
                }
                let deferred = tool.def.task == TaskSupport::Deferred;
                // Boxed: starting a task is rare, and its future large.
                return Box::pin(tasks::start(d, id, params, x, deferred)).await;
            }
            _ => {}
        }
    }
    run(d, id, tool, params, x, false).await
}

/// `-32021` for a tool whose `requires = [...]` names a capability the
/// client did not declare (in its session, or in this request's `_meta`),
/// before anything runs or is counted.
fn lacking(id: &RequestId, tool: &ToolEntry, x: &Exchange) -> Option<Outcome> {
    // (A stateless request's capabilities are read from its `_meta` when
    // first asked for: not for a tool that requires none.)
    if tool.def.requires.is_empty() {
        return None;
    }
    let declared = x.client.as_ref().map(stateless::Client::capabilities);
    let missing: Map<String, Value> = tool
        .def
        .requires
        .iter()
        .filter(|c| !declared.is_some_and(|d| c.declared_in(d)))
        .map(|c| (c.name().to_owned(), json!({})))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let names: Vec<String> = missing.keys().map(|n| format!("`{n}`")).collect();
    let e = ErrorData::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!(
            "Missing required client capability: tool `{}` needs {}",
            tool.def.name,
            names.join(", ")
        ),
        Some(json!({ "requiredCapabilities": missing })),
    );
    Some(if x.is_stateless() {
        Outcome::refused(id, &e)
    } else {
        Outcome::error(id, &e)
    })
}

/// Runs one `tools/call` to its result; `as_task` when it runs as a task,
/// where a call that could not finish is the task's failure (a JSON-RPC
/// error), not a tool error.
pub(super) async fn run(
    d: &Server,
    id: &RequestId,
    tool: &ToolEntry,
    params: CallToolParams,
    x: &Exchange,
    as_task: bool,
) -> Outcome {
    // A route tool is authenticated where its route's request is (inside
    // its scopes and middleware, see `handler::mark`); a hand-written one
    // on the MCP request.
    if matches!(tool.target, Target::Direct(_))
        && let Err(challenge) = d.authenticate(id, x, tool.def.access()).await
    {
        return challenge;
    }

    let mut args = params.arguments.unwrap_or_default();
    coerce(&mut args, &tool.input_schema, Coercion::IntegralFloats);
    if x.inputs.as_ref().is_some_and(|inputs| inputs.mirrored)
        && let Err(e) =
            stateless::check_param_headers(x.host.headers(), &tool.header_arguments, &args)
    {
        return Outcome::refused(id, &e);
    }
    let hints = tool.def.hints;
    let destructive = hints.read_only != Some(true) && hints.destructive != Some(false);
    let binder =
        run::Binder::new(d, x, ("tools/call", tool.def.name), &args).destructive(destructive);
    let inputs = match run::answers(d, x, &binder) {
        Ok(inputs) => inputs,
        Err(e) => return Outcome::error(id, &e),
    };
    let missing = tool.plan.missing(&args);
    if !missing.is_empty() {
        return invalid_arguments(d, id, tool, &ArgumentError::missing(missing), x, None);
    }
    if let Some(unknown) = tool.plan.unknown(&args) {
        let e = ArgumentError::new(unknown, format!("unknown argument `{unknown}`"));
        return invalid_arguments(d, id, tool, &e, x, None);
    }

    let progress = params.meta.and_then(|m| m.progress_token);
    let scope = run::scope(d, x, id, tool.def.name, progress, inputs);
    let span = tracing::info_span!(
        "mcp.tool_call",
        tool = tool.def.name,
        request_id = %DisplayId(id),
        outcome = tracing::field::Empty,
        http_status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    let span = unread(span);
    let started = (!span.is_none()).then(Instant::now);
    // Boxed: `guarded` holds its argument and the pinned copy it polls, so
    // an inline handler future would count twice at each level above.
    let outcome = run::guarded(d, &scope, in_box(|| handle(d, tool, &args, &scope, x)))
        .instrument(span.clone())
        .await;
    if let Some(started) = started {
        span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
    }
    let _entered = span.enter();
    match outcome {
        None => {
            span.record("outcome", "cancelled");
            Outcome::Cancelled
        }
        Some(Ended::Done(Handled::Response(response))) => {
            span.record("http_status", response.status().as_u16());
            let failed = response.status().is_client_error();
            let mapping = Mapping {
                tool: tool.def.name,
                structured: tool.structured,
                max_bytes: d.policy.limits.max_response_bytes,
                scope: Some(&scope),
            };
            let result = result::from_response(response, &mapping).await;
            span.record("outcome", if result.is_error { "error" } else { "ok" });
            // A rejected request may be the arguments' fault: say which one.
            if failed
                && let Err(e) = (tool.def.parameters)(Parameters::Check(CheckContext {
                    arguments: &args,
                    plan: &tool.plan,
                }))
            {
                return invalid_arguments(d, id, tool, &e, x, Some(result));
            }
            respond(d, x, id, result)
        }
        Some(Ended::Done(Handled::Unauthorized(rejection))) => {
            span.record("outcome", "unauthorized");
            d.challenge(id, x, &rejection)
        }
        Some(Ended::Done(Handled::InvalidArguments(e))) => {
            span.record("outcome", "invalid_arguments");
            invalid_arguments(d, id, tool, &e, x, None)
        }
        Some(Ended::Done(Handled::Failed(message)) | Ended::Failed(message)) => {
            span.record("outcome", "error");
            let message = format!("Tool `{}` failed: {message}", tool.def.name);
            if as_task {
                return Outcome::error(id, &ErrorData::internal_error(message, None));
            }
            respond(d, x, id, ToolResult::error(message))
        }
        Some(Ended::Stopped) => {
            span.record("outcome", "input_required");
            run::stopped(d, id, &binder, &scope)
        }
    }
}

/// `span`, or no span when nobody reads it: no subscriber enabled it, and no
/// `log` logger takes its records (tracing's `log` feature writes a span's
/// records there when no subscriber is set; `tests/observability_log.rs`).
/// Recording fields, timing and entering a span nobody reads cost a call
/// about 0.8 k instructions.
fn unread(span: tracing::Span) -> tracing::Span {
    if span.is_disabled() && log::max_level() < log::LevelFilter::Info {
        tracing::Span::none()
    } else {
        span
    }
}

/// The result as its revision wants it: the stateless one adds its result
/// type and the server's identity.
fn respond(d: &Server, x: &Exchange, id: &RequestId, mut result: ToolResult) -> Outcome {
    if x.inputs.is_some() {
        result.result_type = Some("complete");
        result.meta.server_info = Some(d.identity.info_json.clone());
    }
    Outcome::Response(jsonrpc::success(id, &result))
}

/// Runs the handler: a request on its route, or a direct call.
async fn handle(
    d: &Server,
    tool: &ToolEntry,
    args: &Map<String, Value>,
    scope: &Arc<CallScope>,
    x: &Exchange,
) -> Handled {
    let linked = links(tool, args);
    let inlined;
    let args = if linked.is_empty() {
        args
    } else {
        // Boxed: reading resources is most of this future, and rare.
        match Box::pin(inline_links(d, x, scope, tool, args, linked)).await {
            Ok(args) => {
                inlined = args;
                &inlined
            }
            Err(handled) => return handled,
        }
    };
    match &tool.target {
        Target::Route {
            method,
            template,
            locator,
            exposed,
        } => {
            // The route's own rules first (segment patterns, what a URL can
            // carry), then each URL-carried argument's schema: the URL's
            // text loses types, so `"1"` must not pass for `1`.
            let parts = match forward::parts(&tool.plan, template, args) {
                Ok(parts) => parts,
                Err(e) => return Handled::InvalidArguments(e),
            };
            if let Err(e) = tool.check_url_arguments(args) {
                return Handled::InvalidArguments(e);
            }
            let target = *exposed;
            let auth = d.policy.auth.as_ref().map(|a| (a, tool.def.access()));
            let route = (*method, locator.as_str());
            match run::through_app(d, x, scope, target, auth, route, parts).await {
                // A task follows the route's long-running operation.
                Ok(Sent::Answered(response)) if x.task.is_some() => {
                    match operation::status_location(&response) {
                        // Boxed: following an operation is rare and large.
                        Some(at) => match Box::pin(operation::follow(d, x, scope, at)).await {
                            Ok(result) => Handled::Response(result),
                            Err(why) => Handled::Failed(why),
                        },
                        None => Handled::Response(response),
                    }
                }
                Ok(Sent::Answered(response)) => Handled::Response(response),
                Ok(Sent::Unauthorized(rejection)) => Handled::Unauthorized(rejection),
                Err(why) => Handled::Failed(why),
            }
        }
        Target::Direct(invoke) => {
            let cx = CallContext {
                request: &x.host,
                arguments: args,
                plan: &tool.plan,
            };
            match run::beside(x, scope, invoke(cx)).await {
                ToolOutcome::Response(response) => Handled::Response(response),
                ToolOutcome::InvalidArguments(e) => Handled::InvalidArguments(e),
                ToolOutcome::Prompt(_) => Handled::Failed(Failure::NotATool),
            }
        }
    }
}

/// The arguments that are files given as links to one of this server's
/// resources (`{"uri": "items://…"}`, for a `web::Bytes` body or a
/// multipart file), with their URIs.
fn links(tool: &ToolEntry, args: &Map<String, Value>) -> Vec<(String, String)> {
    let link = |v: &Value| v.as_object()?.get("uri")?.as_str().map(str::to_owned);
    let mut linked: Vec<(String, String)> = Vec::new();
    for slot in tool.plan.slots.iter().flatten() {
        match (slot.source, &slot.slot) {
            (Source::Bytes, Slot::Whole(name)) => {
                if let Some(uri) = args.get(name).and_then(link) {
                    linked.push((name.clone(), uri));
                }
            }
            (Source::Multipart, Slot::Fields { .. }) => {
                for (name, value) in args {
                    if value.get("content").is_none()
                        && let Some(uri) = link(value)
                    {
                        linked.push((name.clone(), uri));
                    }
                }
            }
            _ => {}
        }
    }
    linked
}

/// The arguments with each of `linked` read, in the call's scope and with
/// its own authentication, and its contents put inline (base64).
async fn inline_links(
    d: &Server,
    x: &Exchange,
    scope: &Arc<CallScope>,
    tool: &ToolEntry,
    args: &Map<String, Value>,
    linked: Vec<(String, String)>,
) -> Result<Map<String, Value>, Handled> {
    let multipart = tool
        .plan
        .slots
        .iter()
        .flatten()
        .any(|s| s.source == Source::Multipart);
    let mut args = args.clone();
    for (name, uri) in linked {
        let (body, mime) = match resources::fetch(d, x, scope, &uri).await {
            Fetched::Contents { body, mime, .. } => (body, mime),
            Fetched::NotFound => {
                let e = ArgumentError::new(&name, format!("no resource `{uri}` on this server"));
                return Err(Handled::InvalidArguments(e));
            }
            Fetched::Status(status, _) => {
                let e = ArgumentError::new(&name, format!("reading `{uri}` failed: HTTP {status}"));
                return Err(Handled::InvalidArguments(e));
            }
            Fetched::Unauthorized(rejection) => return Err(Handled::Unauthorized(rejection)),
            Fetched::Failed(failure) => return Err(Handled::Failed(failure)),
        };
        let content = Value::String(base64::engine::general_purpose::STANDARD.encode(&body));
        let Some(value) = args.get_mut(&name) else {
            continue;
        };
        match value {
            // A multipart file: the contents, and what the resource says
            // of itself where the link does not.
            Value::Object(file) if multipart => {
                file.remove("uri");
                file.insert("content".into(), content);
                if let Some(mime) = mime {
                    file.entry("contentType").or_insert(Value::String(mime));
                }
                let filename = uri.rsplit('/').next().unwrap_or(&uri).to_owned();
                file.entry("filename").or_insert(Value::String(filename));
            }
            _ => *value = content,
        }
    }
    Ok(args)
}

/// Bad arguments: a tool error the model can act on (2025-11-25 and later),
/// a `-32602` protocol error before that (see `Version::argument_errors_in_band`).
/// `rejected` is the app's own answer to the request, when it got that far.
fn invalid_arguments(
    d: &Server,
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
