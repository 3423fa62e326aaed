//! Every `#[mcp_tool]` argument, `crate = ..` through a re-export, `cfg`,
//! computed docs and raw identifiers; argument descriptions by identifier,
//! raw identifier and string.

mod facade {
    pub use mcp_runtime as rt;
}

use actix_web::{FromRequest, HttpRequest, dev::Payload, get, web};
use mcp_runtime::{McpServer, mcp_tool};
use schemars::JsonSchema;
use serde::Deserialize;

struct Auth;

impl FromRequest for Auth {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Auth))
    }
}

impl mcp_runtime::auth::Scopes for Auth {
    fn has_scope(&self, _: &str) -> bool {
        true
    }
}

/// Scopes imply `requires_auth`; tags are for filters.
#[mcp_tool(scopes = ["items:write", "admin"], tags = ["admin", "v2"])]
#[actix_web::delete("/items/{id}")]
async fn delete_item(id: web::Path<u64>) -> String {
    id.to_string()
}

#[mcp_tool(
    name = "items.list-v2",
    description = "List every item.",
    title = "List items",
    requires_auth,
    read_only = true,
    idempotent,
    open_world = false,
    crate = crate::facade::rt
)]
#[get("/items")]
async fn list_items() -> &'static str {
    "[]"
}

#[derive(Deserialize, JsonSchema)]
struct Filter {
    r#type: Option<String>,
    #[serde(rename = "page-size")]
    page_size: Option<u32>,
}

/// Arguments described in the attribute; the runtime checks the names.
#[mcp_tool(args(id = "The item's id.", r#type = "Only this kind.", "page-size" = "Per page."))]
#[get("/items/{id}/parts")]
async fn parts(id: web::Path<u64>, filter: web::Query<Filter>) -> String {
    format!("{id} {:?} {:?}", filter.r#type, filter.page_size)
}

/// Text results only.
#[mcp_tool(output_schema = false)]
async fn plain() -> &'static str {
    "plain"
}

#[doc = concat!("Computed ", "docs.")]
#[mcp_tool(destructive = false)]
async fn r#type() -> &'static str {
    "type"
}

/// Compiled out.
#[cfg(any())]
#[mcp_tool]
async fn gone() -> &'static str {
    "gone"
}

/// Kept, lints and all.
#[mcp_tool]
#[allow(clippy::unused_async)]
#[cfg(all())]
async fn kept() -> &'static str {
    "kept"
}

fn main() {
    let server = McpServer::from_registry().auth_with_scopes::<Auth>().build().unwrap();
    assert_eq!(
        server.tool_names().collect::<Vec<_>>(),
        ["delete_item", "items.list-v2", "kept", "parts", "plain", "type"]
    );
    // An authenticator that cannot tell scopes is refused at start-up.
    let refused = McpServer::from_registry().auth::<Auth>().build().err().unwrap();
    assert!(refused.to_string().contains("`delete_item`"), "{refused}");
}
