//! Prompts: what `#[mcp_prompt]` registers, the messages a prompt function
//! returns, and `prompts/get` (arguments in, messages out).

use std::fmt;

use rmcp::model::{
    ContentBlock, ErrorData, Prompt, PromptArgument, PromptMessage, RequestId, Role,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::arguments::{ArgumentError, Coercion, Plan, coerce};
use crate::catalog::Listed;
use crate::completion::Completer;
use crate::dispatch::{Dispatcher, Exchange, Outcome};
use crate::invoke::{CallContext, Invoker, ToolOutcome};
use crate::jsonrpc;
use crate::method::RequestMethod;
use crate::registry::Location;
use crate::result::ToolContent;
use crate::run::{self, Ended};
use crate::schema::{self, Extras, Signature};

/// One `#[mcp_prompt]`, as registered by the macro. Generated code builds
/// it; its fields are not a stable API.
#[doc(hidden)]
pub struct PromptDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub requires_auth: bool,
    /// `args(name = "description")`: descriptions of arguments.
    pub descriptions: &'static [(&'static str, &'static str)],
    /// Records the function's parameters (its [`Arguments`] type is the
    /// prompt's arguments).
    pub describe: fn(&mut Signature),
    /// Runs the function (`CallContext::prompt` renders its value).
    pub invoke: Invoker,
    /// `complete(arg = path::to::fn)`: completion of argument values.
    pub completions: &'static [(&'static str, Completer)],
    pub location: Location,
}

inventory::collect!(PromptDef);

/// The messages of a prompt, built in order.
///
/// A prompt function returns this, a `String` (one user message), a
/// `Vec<PromptMessage>`, or a `Result` of one of them whose error is shown
/// to the client.
///
/// ```
/// use mcp_runtime::{PromptMessages, ToolContent};
///
/// let png = [0x89, b'P', b'N', b'G'];
/// let messages = PromptMessages::new()
///     .description("Review one photo")
///     .user(ToolContent::new().image(png, "image/png"))
///     .user("What is wrong with this photo?")
///     .assistant("Let me look at the lighting first.");
/// assert_eq!(messages.len(), 3);
/// ```
#[derive(Debug, Clone, Default, Serialize)]
#[must_use]
pub struct PromptMessages {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    messages: Vec<PromptMessage>,
}

impl PromptMessages {
    /// No messages yet.
    pub fn new() -> Self {
        PromptMessages::default()
    }

    /// A description of this rendering of the prompt (`GetPromptResult.description`).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds user messages: one for a string, one per block of a
    /// [`ToolContent`] (images, audio, embedded resources).
    pub fn user(self, content: impl Into<MessageContent>) -> Self {
        self.push(Role::User, content.into())
    }

    /// Adds assistant messages, as [`user`](Self::user) does.
    pub fn assistant(self, content: impl Into<MessageContent>) -> Self {
        self.push(Role::Assistant, content.into())
    }

    /// The number of messages.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether there are no messages.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    fn push(mut self, role: Role, content: MessageContent) -> Self {
        self.messages.extend(
            content
                .0
                .into_iter()
                .map(|block| PromptMessage::new(role.clone(), block)),
        );
        self
    }
}

/// What one call of [`PromptMessages::user`] or
/// [`assistant`](PromptMessages::assistant) adds: text, a content block, or
/// every block of a [`ToolContent`].
#[derive(Debug, Clone)]
pub struct MessageContent(Vec<ContentBlock>);

impl From<&str> for MessageContent {
    fn from(text: &str) -> Self {
        MessageContent(vec![ContentBlock::text(text)])
    }
}

impl From<String> for MessageContent {
    fn from(text: String) -> Self {
        MessageContent(vec![ContentBlock::text(text)])
    }
}

impl From<ContentBlock> for MessageContent {
    fn from(block: ContentBlock) -> Self {
        MessageContent(vec![block])
    }
}

impl From<ToolContent> for MessageContent {
    fn from(content: ToolContent) -> Self {
        MessageContent(content.into_blocks())
    }
}

/// What a prompt function may return. Implemented for [`PromptMessages`],
/// `String`, `&'static str`, `Vec<PromptMessage>`, and `Result`s of them
/// whose error is `Display`.
#[diagnostic::on_unimplemented(
    message = "a prompt cannot return `{Self}`",
    note = "return `PromptMessages`, a `String` (one user message), `Vec<PromptMessage>`, or a `Result` of one of them"
)]
pub trait IntoPrompt {
    /// The messages, or why there are none (an error the client sees).
    fn into_prompt(self) -> Result<PromptMessages, String>;
}

impl IntoPrompt for PromptMessages {
    fn into_prompt(self) -> Result<PromptMessages, String> {
        Ok(self)
    }
}

impl IntoPrompt for String {
    fn into_prompt(self) -> Result<PromptMessages, String> {
        Ok(PromptMessages::new().user(self))
    }
}

impl IntoPrompt for &'static str {
    fn into_prompt(self) -> Result<PromptMessages, String> {
        Ok(PromptMessages::new().user(self))
    }
}

impl IntoPrompt for Vec<PromptMessage> {
    fn into_prompt(self) -> Result<PromptMessages, String> {
        Ok(PromptMessages {
            description: None,
            messages: self,
        })
    }
}

impl<T: IntoPrompt, E: fmt::Display> IntoPrompt for Result<T, E> {
    fn into_prompt(self) -> Result<PromptMessages, String> {
        self.map_err(|e| e.to_string())?.into_prompt()
    }
}

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

/// The completer named for `argument` in `complete(...)`.
pub(crate) fn completer(
    completions: &'static [(&'static str, Completer)],
    argument: &str,
) -> Option<Completer> {
    completions
        .iter()
        .find(|(name, _)| *name == argument)
        .map(|(_, f)| *f)
}

/// Compiles a prompt: its arguments from the schema of its [`Arguments`]
/// type, each a scalar (prompt arguments are strings on the wire).
///
/// [`Arguments`]: crate::Arguments
pub(crate) fn compile(def: &'static PromptDef) -> Result<(PromptEntry, Listed), Vec<String>> {
    let mut signature = Signature::new();
    (def.describe)(&mut signature);
    signature.output(None);
    let extras = Extras {
        template: None,
        descriptions: def.descriptions,
    };
    let compiled = schema::compile(signature, &extras)?;
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
        let resolved = schema::resolve(property, defs);
        if !is_scalar(resolved, defs) {
            problems.push(format!(
                "prompt arguments are strings, and `{name}` is not a string, number, boolean \
                 or enum of strings; give it a scalar type"
            ));
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
            let known: Vec<&str> = arguments.iter().map(|(a, _)| a.as_str()).collect();
            problems.push(format!(
                "`complete({name} = …)` names no argument of this prompt (it has: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ));
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
    let json = serde_json::value::to_raw_value(&prompt).map_err(|e| vec![e.to_string()])?;
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
            json,
        },
    ))
}

/// Whether a (resolved) schema is a string, number, boolean, or a union of
/// those with `null` (an `Option`).
fn is_scalar(schema: &Value, defs: &Map<String, Value>) -> bool {
    const SCALARS: [&str; 5] = ["string", "integer", "number", "boolean", "null"];
    if let Some(alternatives) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        return alternatives
            .iter()
            .all(|a| is_scalar(schema::resolve(a, defs), defs));
    }
    match schema.get("type") {
        Some(Value::String(t)) => SCALARS.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .all(|t| t.as_str().is_some_and(|t| SCALARS.contains(&t))),
        // `const` and `enum` without a type: schemars' unit-variant enums.
        None => schema.get("enum").is_some() || schema.get("const").is_some(),
        Some(_) => false,
    }
}

/// The string values of an enum schema (`enum`, or `oneOf` of `const`s).
fn enum_values(schema: &Value) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        );
    }
    let alternatives = schema.get("oneOf").and_then(Value::as_array)?;
    alternatives
        .iter()
        .map(|a| a.get("const").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

#[derive(Deserialize)]
struct GetParams {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
}

/// `prompts/get`: checks the arguments, runs the prompt function in the
/// request's scope (so `McpContext` works, and a stateless request may stop
/// for input), and returns its messages.
pub(crate) async fn get(
    d: &Dispatcher,
    id: &RequestId,
    params: Option<&RawValue>,
    x: &Exchange,
) -> Outcome {
    let params: GetParams = match jsonrpc::params(&RequestMethod::GetPrompt, params) {
        Ok(p) => p,
        Err(e) => return Outcome::error(id, &e),
    };
    let Some(prompt) = d.prompt(&params.name) else {
        let e = ErrorData::invalid_params(format!("Unknown prompt: {}", params.name), None);
        return Outcome::error(id, &e);
    };
    let name = prompt.def.name;
    if prompt.def.requires_auth
        && let Err(outcome) = d.authenticate(id, x).await
    {
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
    let owner = format!("prompts/get:{name}");
    let inputs = match run::answers(d, x, &owner) {
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
        Some(Ended::Stopped) => run::stopped(d, id, &owner, &scope),
        Some(Ended::Failed(message)) => failed(message),
        Some(Ended::Done(ToolOutcome::Prompt(Ok(messages)))) => {
            let mut result = Map::new();
            let description = messages
                .description
                .as_deref()
                .unwrap_or(prompt.def.description);
            result.insert("description".into(), description.into());
            result.insert(
                "messages".into(),
                serde_json::to_value(&messages.messages).unwrap_or_default(),
            );
            d.reply(x, id, result)
        }
        Some(Ended::Done(ToolOutcome::Prompt(Err(message)))) => failed(message),
        Some(Ended::Done(ToolOutcome::InvalidArguments(e))) => invalid(&e),
        // An extractor refused the request (its own HTTP error).
        Some(Ended::Done(ToolOutcome::Response(response))) => failed(format!(
            "a parameter was refused with HTTP {}",
            response.status()
        )),
    }
}
