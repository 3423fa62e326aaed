use actix_web::{get, web};
use mcp_runtime::{Completion, mcp_resource};

async fn counts(_: Completion) -> Vec<u32> {
    vec![1, 2]
}

async fn by_prefix(prefix: &str) -> Vec<String> {
    vec![prefix.to_owned()]
}

fn blocking(_: Completion) -> Vec<String> {
    Vec::new()
}

/// One item.
#[mcp_resource(uri = "items://{a}/{b}/{c}", complete(a = counts, b = by_prefix, c = blocking))]
#[get("/items/{a}/{b}/{c}")]
async fn get_item(path: web::Path<(u32, u32, u32)>) -> String {
    format!("{path:?}")
}

fn main() {}
