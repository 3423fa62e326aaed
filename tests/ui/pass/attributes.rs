//! Every `#[mcp_tool]` argument, `crate = ..` through a re-export, `cfg`,
//! computed docs and raw identifiers.

mod facade {
    pub use mcp_runtime as rt;
}

use actix_web::{FromRequest, HttpRequest, dev::Payload, get};
use mcp_runtime::{McpServer, mcp_tool};

struct Auth;

impl FromRequest for Auth {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Auth))
    }
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
    let server = McpServer::from_registry().auth::<Auth>().build().unwrap();
    assert_eq!(
        server.tool_names().collect::<Vec<_>>(),
        ["items.list-v2", "kept", "type"]
    );
}
