use actix_web::{get, post};
use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool]
#[get("/items")]
#[post("/items/search")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
