use actix_web::web;
use mcp_runtime::mcp_tool;

/// Fetches an item.
#[mcp_tool]
async fn get_item(id: web::Path<u64>) -> String {
    id.to_string()
}

fn main() {}
