use actix_web::routes;
use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool]
#[routes]
#[get("/items")]
#[post("/items/search")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
