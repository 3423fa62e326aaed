//! Prompts: what `#[mcp_prompt]` registers, the messages a prompt function
//! returns, and `prompts/get` (arguments in, messages out).

use rmcp::model::{Prompt, PromptArgument};
use serde_json::{Map, Value};

use crate::catalog::error::Unexposable;
use crate::catalog::input_schema::{self, Extras};
use crate::catalog::lists::Listed;
use crate::handler::arguments::Plan;
use crate::handler::completion::Completer;
use crate::handler::completion::completer;
use crate::handler::defs::PromptDef;
use crate::handler::signature::Signature;
use crate::schema::json::{enum_values, is_scalar, resolve};

/// A prompt ready to be listed and rendered.
pub(crate) struct PromptEntry {
    pub def: &'static PromptDef,
    pub plan: Plan,
    pub input_schema: Map<String, Value>,
    /// The arguments, in schema order, with the values of those that are
    /// enums (for completion).
    pub arguments: Vec<(String, Option<Vec<String>>)>,
}

impl PromptEntry {
    /// The function that completes `argument`, if the prompt names one.
    pub(crate) fn completer(&self, argument: &str) -> Option<Completer> {
        completer(self.def.completions, argument)
    }
}

/// Compiles a prompt: its arguments from the schema of its [`Arguments`]
/// type, each a scalar (prompt arguments are strings on the wire).
///
/// [`Arguments`]: crate::Arguments
pub(crate) fn compile(def: &'static PromptDef) -> Result<(PromptEntry, Listed), Vec<Unexposable>> {
    let mut signature = Signature::of(def.describe);
    signature.output(None);
    let extras = Extras {
        template: None,
        descriptions: def.descriptions,
    };
    let compiled = input_schema::compile(signature, &extras)?;
    let input_schema = compiled.input_schema;
    let empty = Map::new();
    let defs = input_schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut arguments = Vec::new();
    let mut listed_arguments = Vec::new();
    let properties = input_schema.get("properties").and_then(Value::as_object);
    for (name, property) in properties.into_iter().flatten() {
        let resolved = resolve(property, defs);
        if !is_scalar(resolved, defs) {
            problems.push(Unexposable::PromptArgumentNotScalar { name: name.clone() });
            continue;
        }
        let mut argument =
            PromptArgument::new(name.clone()).with_required(required.contains(&name.as_str()));
        let description = property
            .get("description")
            .or_else(|| resolved.get("description"))
            .and_then(Value::as_str);
        if let Some(description) = description {
            argument = argument.with_description(description);
        }
        listed_arguments.push(argument);
        arguments.push((name.clone(), enum_values(resolved)));
    }
    for (name, _) in def.completions {
        if !arguments.iter().any(|(a, _)| a == name) {
            problems.push(Unexposable::CompletionNamesNoArgument {
                name: (*name).to_owned(),
                arguments: arguments.iter().map(|(a, _)| a.clone()).collect(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut prompt = Prompt::new(
        def.name,
        Some(def.description),
        (!listed_arguments.is_empty()).then_some(listed_arguments),
    );
    if let Some(title) = def.title {
        prompt = prompt.with_title(title);
    }
    let json =
        serde_json::value::to_raw_value(&prompt).map_err(|e| vec![Unexposable::Serialize(e)])?;
    let entry = PromptEntry {
        def,
        plan: compiled.plan,
        input_schema,
        arguments,
    };
    Ok((
        entry,
        Listed {
            name: def.name,
            access: def.access(),
            json,
        },
    ))
}
