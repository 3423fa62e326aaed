//! `prompts/get`: arguments in, the prompt function run in the request's
//! scope, messages out.

use rmcp::model::GetPromptResult;
use rmcp::model::{ErrorData, RequestId};

use super::unknown;
use crate::call::run::{self, Ended};
use crate::call::server::{Exchange, Outcome, Server};
use crate::handler::arguments::{ArgumentError, Coercion, coerce};
use crate::handler::invoke::{CallContext, ToolOutcome};
use crate::protocol::params::GetPromptParams;

/// `prompts/get`: checks the arguments, runs the prompt function in the
/// request's scope (so `McpContext` works, and a stateless request may stop
/// for input), and returns its messages.
pub(crate) async fn get(
    d: &Server,
    id: &RequestId,
    params: GetPromptParams,
    x: &Exchange,
) -> Outcome {
    let Some(prompt) = d.catalog.prompt(&params.name) else {
        return Outcome::error(id, &unknown("prompt", &params.name));
    };
    let name = prompt.def.name;
    if let Err(outcome) = d.authenticate(id, x, prompt.def.access()).await {
        return outcome;
    }
    let mut args = params.arguments.unwrap_or_default();
    coerce(&mut args, &prompt.input_schema, Coercion::FromStrings);
    let invalid = |e: &ArgumentError| {
        let e =
            ErrorData::invalid_params(format!("Invalid arguments for prompt `{name}`: {e}"), None);
        Outcome::error(id, &e)
    };
    let missing = prompt.plan.missing(&args);
    if !missing.is_empty() {
        return invalid(&ArgumentError::missing(missing));
    }
    if let Some(unknown) = prompt.plan.unknown(&args) {
        return invalid(&ArgumentError::new(
            unknown,
            format!("unknown argument `{unknown}`"),
        ));
    }
    let binder = run::Binder::new(d, x, ("prompts/get", name), &args);
    let inputs = match run::answers(d, x, &binder) {
        Ok(inputs) => inputs,
        Err(e) => return Outcome::error(id, &e),
    };
    let scope = run::scope(d, x, id, name, None, inputs);
    let cx = CallContext {
        request: &x.host,
        arguments: &args,
        plan: &prompt.plan,
    };
    let failed = |message: String| {
        let e = ErrorData::internal_error(format!("Prompt `{name}` failed: {message}"), None);
        Outcome::error(id, &e)
    };
    match run::guarded(d, &scope, run::beside(x, &scope, (prompt.def.invoke)(cx))).await {
        None => Outcome::Cancelled,
        Some(Ended::Stopped) => run::stopped(d, id, &binder, &scope),
        Some(Ended::Failed(failure)) => failed(failure.to_string()),
        Some(Ended::Done(ToolOutcome::Prompt(Ok(messages)))) => {
            let mut result = GetPromptResult::new(messages.messages);
            result.description = Some(
                messages
                    .description
                    .unwrap_or_else(|| prompt.def.description.to_owned()),
            );
            d.reply(x, id, result)
        }
        Some(Ended::Done(ToolOutcome::Prompt(Err(e)))) => failed(e.to_string()),
        Some(Ended::Done(ToolOutcome::InvalidArguments(e))) => invalid(&e),
        // An extractor refused the request (its own HTTP error).
        Some(Ended::Done(ToolOutcome::Response(response))) => failed(format!(
            "a parameter was refused with HTTP {}",
            response.status()
        )),
    }
}
