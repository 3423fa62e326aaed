use actix_web::{post, web};
use mcp_runtime::mcp_tool;

#[derive(serde::Deserialize)]
struct NewItem {
    name: String,
}

/// Creates an item.
#[mcp_tool]
#[post("/items")]
async fn create(item: web::Json<NewItem>) -> String {
    item.into_inner().name
}

fn main() {}
