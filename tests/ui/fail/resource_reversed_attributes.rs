use actix_web::get;
use mcp_runtime::mcp_resource;

/// Every item.
#[get("/items")]
#[mcp_resource(uri = "items://all")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
