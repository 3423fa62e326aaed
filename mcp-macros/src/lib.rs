//! Procedural macros for [`mcp-runtime`](https://docs.rs/mcp-runtime). Use
//! them through `mcp_runtime::{mcp_tool, mcp_resource, mcp_prompt}`; the
//! generated code refers to `::mcp_runtime::__private` only.
//!
//! `expand` checks a tool handler and builds the generated items as types
//! that print themselves; `resource` and `prompt` do the same for their
//! attributes, reusing those types. The checks live in `attr` (the
//! attributes' arguments), `route` (the actix route attribute), `order` (a
//! route attribute written above the attribute), `signature` (parameters
//! and return type), `metadata` (names, descriptions), `tool` (annotation
//! hints), `uri` (a resource's URI template) and `kind` (one attribute per
//! fn), each recording errors in a `ctxt::Ctxt`.

mod attr;
mod ctxt;
mod expand;
mod kind;
mod metadata;
mod order;
mod prompt;
mod resource;
mod route;
mod signature;
mod tool;
mod uri;

use proc_macro::TokenStream;

/// Exposes an actix-web handler as an MCP tool. Documented in
/// [`mcp_runtime::mcp_tool`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.mcp_tool.html).
#[proc_macro_attribute]
pub fn mcp_tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::mcp_tool(args.into(), item.into(), order::source_before_call_site).into()
}

/// Exposes an actix-web GET handler as an MCP resource. Documented in
/// [`mcp_runtime::mcp_resource`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.mcp_resource.html).
#[proc_macro_attribute]
pub fn mcp_resource(args: TokenStream, item: TokenStream) -> TokenStream {
    resource::mcp_resource(args.into(), item.into(), order::source_before_call_site).into()
}

/// Exposes an `async fn` as an MCP prompt. Documented in
/// [`mcp_runtime::mcp_prompt`](https://docs.rs/mcp-runtime/latest/mcp_runtime/attr.mcp_prompt.html).
#[proc_macro_attribute]
pub fn mcp_prompt(args: TokenStream, item: TokenStream) -> TokenStream {
    prompt::mcp_prompt(args.into(), item.into(), order::source_before_call_site).into()
}
