use actix_web::get;
use mcp_runtime::mcp_resource;

/// Every item.
#[mcp_resource(
    uri = "items://{id}",
    name = "",
    mimeType = "application/json",
    mime_type = "json",
    complete(id = ids, id = ids, q = "ids", page),
    read_only
)]
#[get("/items/{id}")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
