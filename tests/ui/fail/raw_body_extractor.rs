use actix_web::post;
use mcp_runtime::mcp_tool;

/// Stores a blob.
#[mcp_tool]
#[post("/blobs")]
async fn store(body: String) -> String {
    format!("{} bytes", body.len())
}

fn main() {}
