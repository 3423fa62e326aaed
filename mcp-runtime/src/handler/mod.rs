//! The ABI between generated code and the runtime: what `#[mcp_tool]`,
//! `#[mcp_prompt]` and `#[mcp_resource]` register (`defs`), how a handler's
//! parameters describe themselves (`signature`) and are fed (`arguments`,
//! `invoke`; multipart forms in `multipart`), and completion functions. `__private` re-exports only from
//! here, so the macros depend on this layer and nothing above it.

pub(crate) mod arguments;
pub(crate) mod completion;
pub(crate) mod defs;
pub(crate) mod invoke;
pub(crate) mod mark;
#[cfg(feature = "multipart")]
pub(crate) mod multipart;
pub(crate) mod signature;
