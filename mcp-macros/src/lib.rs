//! Procedural macros for [`mcp-runtime`](https://docs.rs/mcp-runtime). Use
//! them through `mcp_runtime::mcp_tool`; the generated code refers to
//! `::mcp_runtime::__private` only.
//!
//! `expand` checks a handler and builds the generated items as types that
//! print themselves; the checks live in `attr` (the attribute's arguments),
//! `route` (the actix route attribute), `order` (a route attribute written
//! above `#[mcp_tool]`), `signature` (parameters and return type) and `tool`
//! (name, description, hints), each recording errors in a `ctxt::Ctxt`.

mod attr;
mod ctxt;
mod expand;
mod order;
mod route;
mod signature;
mod tool;

use proc_macro::TokenStream;

/// Exposes an actix-web handler as an MCP tool. Documented in
/// [`mcp_runtime::mcp_tool`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.mcp_tool.html).
#[proc_macro_attribute]
pub fn mcp_tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::mcp_tool(args.into(), item.into(), order::source_before_call_site).into()
}
