//! Prompts: what `#[mcp_prompt]` registers, the messages a prompt function
//! returns, and `prompts/get` (arguments in, messages out).

use std::fmt;

use rmcp::model::{ContentBlock, PromptMessage, Role};
use serde::Serialize;

use crate::completion::Completer;
use crate::invoke::Invoker;
use crate::registry::Location;
use crate::result::ToolContent;
use crate::schema::Signature;

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
