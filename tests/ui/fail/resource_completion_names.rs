use actix_web::{get, web};
use mcp_runtime::{Completion, mcp_resource};

async fn ids(_: Completion) -> Vec<String> {
    Vec::new()
}

/// One item.
#[mcp_resource(uri = "items://{id}{?fields}", complete(id = ids, item_id = ids))]
#[get("/items/{id}")]
async fn get_item(id: web::Path<u64>) -> String {
    id.to_string()
}

/// Every item.
#[mcp_resource(uri = "items://all", complete(id = ids))]
#[get("/items")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
