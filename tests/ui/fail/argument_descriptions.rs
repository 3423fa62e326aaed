use actix_web::{get, web};
use mcp_runtime::mcp_tool;

// Described twice, not a string, no description, not a list.
/// Fetches an item.
#[mcp_tool(args(id = "The id.", id = "Again.", page = 5, limit))]
#[get("/items/{id}")]
async fn get_item(id: web::Path<u64>) -> String {
    id.to_string()
}

/// Lists items.
#[mcp_tool(args = "limit")]
async fn list_items() -> &'static str {
    "[]"
}

fn main() {}
