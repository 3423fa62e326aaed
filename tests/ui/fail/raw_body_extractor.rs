use actix_web::{post, web};
use mcp_runtime::mcp_tool;

/// Stores a blob.
#[mcp_tool]
#[post("/blobs")]
async fn store(body: web::Bytes) -> String {
    format!("{} bytes", body.len())
}

fn main() {}
