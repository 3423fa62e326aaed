//! Content a handler returns in MCP's own shapes: several content blocks
//! as one tool result ([`ToolContent`]), and a prompt's messages
//! ([`PromptMessages`]).

use actix_web::{HttpRequest, HttpResponse, Responder};
use base64::Engine as _;
use rmcp::model::ResourceContents;
use rmcp::model::{ContentBlock, PromptMessage, Role};
use serde::Serialize;

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
    pub(crate) description: Option<String>,
    pub(crate) messages: Vec<PromptMessage>,
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

/// Content blocks put on a response by [`ToolContent`].
pub(crate) struct Blocks(pub(crate) Vec<ContentBlock>);

/// A tool result made of several content blocks (text, images, audio,
/// embedded resources), returned from a handler.
///
/// Over MCP the blocks are the tool result's `content`, as given. On REST it
/// renders as JSON, `{"content": [...]}`, in the same shape.
///
/// ```
/// use actix_web::get;
/// use mcp_runtime::{ToolContent, mcp_tool};
///
/// /// The item's photo, with a caption.
/// #[mcp_tool]
/// #[get("/photo")]
/// async fn photo() -> ToolContent {
///     ToolContent::new()
///         .text("A hammer, from the side.")
///         .image(b"\x89PNG...", "image/png")
///         .resource_text("items://1", "application/json", r#"{"id":1}"#)
/// }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ToolContent {
    blocks: Vec<ContentBlock>,
}

impl ToolContent {
    /// No blocks yet.
    pub fn new() -> Self {
        ToolContent::default()
    }

    /// Adds a text block.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.block(ContentBlock::text(text))
    }

    /// Adds an image (`image/png`, `image/jpeg`, …), base64-encoded for you.
    pub fn image(self, bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.block(ContentBlock::image(data, mime_type))
    }

    /// Adds audio (`audio/wav`, …), base64-encoded for you.
    pub fn audio(self, bytes: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.block(ContentBlock::audio(data, mime_type))
    }

    /// Adds an embedded text resource.
    pub fn resource_text(
        self,
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        self.block(ContentBlock::resource(
            ResourceContents::TextResourceContents {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                text: text.into(),
                meta: None,
            },
        ))
    }

    /// Adds an embedded binary resource, base64-encoded for you.
    pub fn resource_blob(
        self,
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        bytes: impl AsRef<[u8]>,
    ) -> Self {
        self.block(ContentBlock::resource(
            ResourceContents::BlobResourceContents {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                blob: base64::engine::general_purpose::STANDARD.encode(bytes),
                meta: None,
            },
        ))
    }

    /// Adds any content block.
    pub fn block(mut self, block: ContentBlock) -> Self {
        self.blocks.push(block);
        self
    }

    pub(crate) fn into_blocks(self) -> Vec<ContentBlock> {
        self.blocks
    }
}

impl Responder for ToolContent {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok().json(serde_json::json!({ "content": &self.blocks }));
        response.extensions_mut().insert(Blocks(self.blocks));
        response
    }
}
