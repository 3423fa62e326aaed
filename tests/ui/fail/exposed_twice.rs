use actix_web::get;
use mcp_runtime::{mcp_prompt, mcp_resource, mcp_tool};

/// Every item.
#[mcp_tool]
#[mcp_resource(uri = "items://all")]
#[get("/items")]
async fn items() -> &'static str {
    "[]"
}

/// One item.
#[mcp_resource(uri = "items://first")]
#[mcp_tool]
#[get("/items/first")]
async fn first() -> &'static str {
    "{}"
}

/// A greeting.
#[mcp_prompt]
#[mcp_tool]
async fn greet() -> &'static str {
    "Hello"
}

fn main() {}
