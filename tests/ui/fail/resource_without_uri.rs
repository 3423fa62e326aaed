use actix_web::get;
use mcp_runtime::mcp_resource;

/// Every item.
#[mcp_resource(name = "items")]
#[get("/items")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
