//! `completion/complete`: suggestions for a prompt argument or a resource
//! template variable, from the item's completion function.

use rmcp::model::CompleteResult;
use rmcp::model::{ErrorData, RequestId};

use super::unknown;
use crate::call::run::{self, Ended};
use crate::call::server::{Exchange, Outcome, Server};
use crate::handler::completion::{Completion, Completions};
use crate::protocol::params::{CompleteParams, Reference};

/// `completion/complete`: the named function's values; for an argument
/// without one, the members of its enum that start with the value typed.
pub(crate) async fn complete(
    d: &Server,
    id: &RequestId,
    params: CompleteParams,
    x: &Exchange,
) -> Outcome {
    let argument = params.argument.name;
    let invalid = |message: String| Outcome::error(id, &ErrorData::invalid_params(message, None));
    let (name, completer, choices, access) = match &params.reference {
        Reference::Prompt { name } => {
            let Some(prompt) = d.catalog.prompt(name) else {
                return Outcome::error(id, &unknown("prompt", name));
            };
            let Some((_, choices)) = prompt.arguments.iter().find(|(a, _)| *a == argument) else {
                return invalid(format!("Prompt `{name}` has no argument `{argument}`"));
            };
            (
                prompt.def.name,
                prompt.completer(&argument),
                choices.as_deref(),
                prompt.def.access(),
            )
        }
        Reference::Resource { uri } => {
            let Some(resource) = d.catalog.resource_template(uri) else {
                return invalid(format!("Unknown resource template: {uri}"));
            };
            if !resource.has_variable(&argument) {
                return invalid(format!(
                    "The URI template `{uri}` has no variable `{argument}`"
                ));
            }
            (
                resource.def.name,
                resource.completer(&argument),
                None,
                resource.def.access(),
            )
        }
    };
    // A protected item's completions are its values too: the same
    // authenticator guards them (on the MCP request: completion has no route).
    if let Err(challenge) = d.authenticate(id, x, access).await {
        return challenge;
    }
    let value = params.argument.value;
    let completions = match completer {
        Some(complete) => {
            let request = Completion {
                argument,
                value,
                context: params.context.map(|c| c.arguments).unwrap_or_default(),
                request: x.host.clone(),
            };
            let scope = run::scope(d, x, id, name, None, None);
            match run::guarded(d, &scope, complete(request)).await {
                None => return Outcome::Cancelled,
                Some(Ended::Done(completions)) => completions,
                Some(Ended::Failed(message)) => {
                    let e =
                        ErrorData::internal_error(format!("Completion failed: {message}"), None);
                    return Outcome::error(id, &e);
                }
                Some(Ended::Stopped) => Completions::default(),
            }
        }
        None => {
            let typed = value.to_lowercase();
            Completions::new(
                choices
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| c.to_lowercase().starts_with(&typed))
                    .cloned(),
            )
        }
    };
    d.reply(x, id, CompleteResult::new(completions.into_info()))
}
