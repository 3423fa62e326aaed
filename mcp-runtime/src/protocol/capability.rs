//! The client capabilities a server may ask questions through (sampling,
//! elicitation, roots): named by `requires = [...]` on `#[mcp_tool]`, and
//! checked before each question, so a client is only asked what it said
//! it can answer.

use rmcp::model::ClientCapabilities;

/// A client capability a tool's questions need. Generated code names it
/// (`requires = ["elicitation"]`); not a stable API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCapability {
    /// `elicitation/create` (form mode).
    Elicitation,
    /// `sampling/createMessage`.
    Sampling,
    /// `roots/list`.
    Roots,
}

impl ClientCapability {
    /// Its key in `ClientCapabilities`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ClientCapability::Elicitation => "elicitation",
            ClientCapability::Sampling => "sampling",
            ClientCapability::Roots => "roots",
        }
    }

    /// Whether `declared` offers it.
    pub(crate) fn declared_in(self, declared: &ClientCapabilities) -> bool {
        match self {
            ClientCapability::Sampling => declared.sampling.is_some(),
            // An empty `elicitation: {}` means form mode (2025-06-18 style).
            ClientCapability::Elicitation => declared
                .elicitation
                .as_ref()
                .is_some_and(|e| e.form.is_some() || e.url.is_none()),
            ClientCapability::Roots => declared.roots.is_some(),
        }
    }
}
