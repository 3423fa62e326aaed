//! The tasks extension (`io.modelcontextprotocol/tasks`, 2026-07-28): a
//! `tools/call` that runs as a task, and `tasks/get`, `tasks/update` and
//! `tasks/cancel`. A task runs the call exactly as a request would, through
//! the app, in the background; it outlives the HTTP request that created
//! it and ends with the call, `tasks/cancel`, its store's TTL (it is
//! cancelled then), or the worker running it (at shutdown: its handler is
//! dropped and its cancellation token cancelled).

use std::sync::Arc;

use rmcp::model::{
    CreateTaskResult, DetailedTask, ErrorCode, ErrorData, GetTaskResult, JsonObject, RequestId,
    TASKS_EXTENSION_ID, TaskPayload,
};
use serde_json::{Value, json};

use super::tools;
use crate::call::server::{Exchange, Outcome, Server};
use crate::policy::client;
use crate::protocol::params::{CallToolParams, TaskIdParams, UpdateTaskParams};
use crate::protocol::{codes, jsonrpc, sampling};
use crate::state::relay::Relayed;
use crate::state::session::{SessionStoreError, new_session_id};
use crate::state::tasks::{TooManyTasks, working};
use crate::support::outbound::Outbound;

/// How often clients should poll (milliseconds, as the wire says).
const POLL_MS: u64 = 500;

/// Whether the request's client opted in to tasks.
pub(super) fn opted_in(x: &Exchange) -> bool {
    x.client
        .as_ref()
        .is_some_and(|c| c.capabilities().supports_tasks())
}

/// `-32021`: the request needs the tasks extension, which the client did
/// not declare.
pub(super) fn missing_capability(id: &RequestId) -> Outcome {
    let e = ErrorData::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("Missing required client capability: the `{TASKS_EXTENSION_ID}` extension"),
        Some(json!({ "requiredCapabilities": { "extensions": { TASKS_EXTENSION_ID: {} } } })),
    );
    Outcome::refused(id, &e)
}

fn unknown(id: &RequestId, task_id: &str) -> Outcome {
    let e = ErrorData::invalid_params(
        format!("Unknown task: {task_id}"),
        Some(json!({ "taskId": task_id })),
    );
    Outcome::error(id, &e)
}

fn unavailable(id: &RequestId, e: &dyn std::fmt::Display) -> Outcome {
    tracing::error!("mcp-runtime: the task store failed: {e}");
    Outcome::error(
        id,
        &ErrorData::internal_error("Internal error: the task store is unavailable", None),
    )
}

/// The empty result `tasks/update` and `tasks/cancel` acknowledge with.
fn acknowledged(id: &RequestId) -> Outcome {
    Outcome::Response(jsonrpc::success(id, &json!({ "resultType": "complete" })))
}

/// Starts `params`' call as a task; its `CreateTaskResult` once `tasks/get`
/// can find it.
pub(super) async fn start(
    d: &Arc<Server>,
    id: &RequestId,
    params: CallToolParams,
    x: &Exchange,
    deferred: bool,
) -> Outcome {
    let task_id = match new_session_id() {
        Ok(task_id) => task_id,
        Err(e) => return unavailable(id, &e),
    };
    // The client's share first, then room in the store.
    let client: Arc<str> = client::key(&x.host, &d.policy.state_key).into();
    let max = d.policy.limits.max_tasks_per_client;
    let started = d
        .state
        .running
        .start(&task_id, client, max, d.state.tasks.clone(), deferred);
    let (cancel, questions, detached) = match started {
        Ok(started) => started,
        Err(TooManyTasks(max)) => {
            let e = ErrorData::new(
                codes::TRANSPORT_ERROR,
                format!("Too many tasks: this client runs {max} already; retry when one ends"),
                None,
            );
            return Outcome::error(id, &e);
        }
    };
    let ttl = d.state.tasks.ttl();
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    let record = working(task_id.clone(), ttl_ms, POLL_MS);
    let task = record.task.clone();
    if let Err(e) = d.state.tasks.create(record).await {
        d.state.running.finish(&task_id);
        return match e {
            SessionStoreError::Full { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let refused = ErrorData::new(
                    codes::TRANSPORT_ERROR,
                    format!("Too many tasks: the server's task store is full; retry in {secs} s"),
                    Some(json!({ "retryAfterSeconds": secs })),
                );
                Outcome::error(id, &refused)
            }
            e => unavailable(id, &e),
        };
    }
    // The call's own exchange: no stream back, cancelled by `tasks/cancel`,
    // its questions the task's (a deferred one's, once it detaches; before,
    // they are asked in the request, as any call's).
    let exchange = Exchange {
        version: x.version,
        session: None,
        client: x.client.clone(),
        inputs: if deferred { x.inputs.clone() } else { None },
        host: x.host.clone(),
        outbound: Outbound::none(),
        cancel,
        task: Some(questions.clone()),
    };
    let server = d.clone();
    let call_id = id.clone();
    let running_id = task_id.clone();
    let (ended, in_request) = tokio::sync::oneshot::channel();
    actix_web::rt::spawn(async move {
        // Dropped with its worker at shutdown: work the handler spawned
        // stops too.
        let _stop = exchange.cancel.clone().drop_guard();
        // The tool was on when the call was made: it runs even if it is
        // turned off meanwhile.
        let outcome = match server.catalog.registry.get(&params.name) {
            Some(tool) => {
                let run = tools::run(&server, &call_id, tool, params, &exchange, true);
                tokio::pin!(run);
                tokio::select! {
                    outcome = &mut run => outcome,
                    // Its TTL passed: it is cancelled, and unwinds as on
                    // `tasks/cancel` (its record is gone, or going).
                    () = tokio::time::sleep(ttl) => {
                        exchange.cancel.cancel();
                        run.await
                    }
                }
            }
            None => Outcome::error(&call_id, &ErrorData::invalid_params("Unknown tool", None)),
        };
        server.state.running.finish(&running_id);
        if !questions.is_detached() {
            // Still the request's: it answers.
            let _ = ended.send(outcome);
            return;
        }
        let payload = payload(outcome);
        if let Err(e) = server.state.tasks.set(&running_id, payload).await {
            tracing::error!(task = %running_id, "mcp-runtime: a task's end was not stored: {e}");
        }
    });
    if deferred {
        tokio::select! {
            biased;
            // (An `Err` is the run ending without detaching: the other arm.)
            Ok(()) = detached => {}
            outcome = in_request => {
                // It ended (or stopped for input) before detaching: an
                // ordinary answer, and no task, nor its record.
                if let Err(e) = d.state.tasks.remove(&task_id).await {
                    tracing::warn!(task = %task_id, "mcp-runtime: a deferred call's task record was not removed: {e}");
                }
                return outcome.unwrap_or(Outcome::Cancelled);
            }
        }
    }
    Outcome::Response(jsonrpc::success(id, &CreateTaskResult::new(task)))
}

/// What a finished call's outcome makes of its task.
fn payload(outcome: Outcome) -> TaskPayload {
    let body = match outcome {
        Outcome::Cancelled => return TaskPayload::Cancelled,
        Outcome::Response(body)
        | Outcome::Invalid(body)
        | Outcome::Unauthorized { response: body, .. }
        | Outcome::RateLimited { response: body, .. }
        | Outcome::Refused { response: body, .. } => body,
        Outcome::Accepted | Outcome::Initialized { .. } => Vec::new(),
    };
    let mut reply: JsonObject = serde_json::from_slice(&body).unwrap_or_default();
    match (reply.remove("result"), reply.remove("error")) {
        (Some(Value::Object(result)), _) => TaskPayload::Completed { result },
        (_, Some(Value::Object(error))) => TaskPayload::Failed { error },
        _ => {
            let error = json!({ "code": ErrorCode::INTERNAL_ERROR.0, "message": "Internal error: the call gave no result" });
            TaskPayload::Failed {
                error: error.as_object().cloned().unwrap_or_default(),
            }
        }
    }
}

/// `tasks/get`: the task, with its result, error or questions inline.
pub(super) async fn get(d: &Server, id: &RequestId, params: TaskIdParams, x: &Exchange) -> Outcome {
    if !opted_in(x) {
        return missing_capability(id);
    }
    match d.state.tasks.get(&params.task_id).await {
        Ok(Some(task)) => match rendered(task) {
            Ok(result) => Outcome::Response(jsonrpc::success(id, &result)),
            Err(e) => Outcome::error(
                id,
                &ErrorData::internal_error(
                    format!("Internal error: the task does not serialize: {e}"),
                    None,
                ),
            ),
        },
        Ok(None) => unknown(id, &params.task_id),
        Err(e) => unavailable(id, &e),
    }
}

/// A `tasks/get` result. rmcp keeps a sampling request's `temperature` as
/// an `f32` and serializes its requests through a `Value`, widening it
/// (`0.2` would go out as `0.20000000298023224`): each is written as its
/// `f32`'s shortest decimal instead.
fn rendered(task: DetailedTask) -> Result<Value, serde_json::Error> {
    let mut result = serde_json::to_value(GetTaskResult::new(task))?;
    if let Some(requests) = result
        .get_mut("inputRequests")
        .and_then(Value::as_object_mut)
    {
        for request in requests.values_mut() {
            if let Some(t) = request.pointer_mut("/params/temperature")
                && let Some(wide) = t.as_f64()
            {
                // Narrowing gives back the `f32` rmcp held.
                *t = json!(sampling::shortest(wide as f32));
            }
        }
    }
    Ok(result)
}

/// `tasks/update`: answers to the task's questions, handed to the handler
/// waiting on each; the task's status moves on at once (the questions
/// still open, or `working`). Answers to no open question are ignored.
pub(super) async fn update(
    d: &Server,
    id: &RequestId,
    params: UpdateTaskParams,
    x: &Exchange,
) -> Outcome {
    if !opted_in(x) {
        return missing_capability(id);
    }
    match d.state.tasks.get(&params.task_id).await {
        Ok(Some(_)) => {
            match d.state.running.questions(&params.task_id) {
                Some(questions) => questions.answer(&params.input_responses).await,
                // Running on another replica, if it still runs.
                None => {
                    d.state.relay.send(Relayed::TaskAnswers {
                        task: params.task_id,
                        responses: params.input_responses,
                    });
                }
            }
            acknowledged(id)
        }
        Ok(None) => unknown(id, &params.task_id),
        Err(e) => unavailable(id, &e),
    }
}

/// `tasks/cancel`: stops the task if it still runs (idempotent: a finished
/// task stays as it is, and is acknowledged too).
pub(super) async fn cancel(
    d: &Server,
    id: &RequestId,
    params: TaskIdParams,
    x: &Exchange,
) -> Outcome {
    if !opted_in(x) {
        return missing_capability(id);
    }
    match d
        .state
        .tasks
        .set(&params.task_id, TaskPayload::Cancelled)
        .await
    {
        Ok(true) => {
            if !d.state.running.cancel(&params.task_id) {
                d.state.relay.send(Relayed::TaskCancel {
                    task: params.task_id,
                });
            }
            acknowledged(id)
        }
        Ok(false) => match d.state.tasks.get(&params.task_id).await {
            Ok(Some(_)) => acknowledged(id),
            Ok(None) => unknown(id, &params.task_id),
            Err(e) => unavailable(id, &e),
        },
        Err(e) => unavailable(id, &e),
    }
}
