use actix_web::web;
use mcp_runtime::mcp_tool;

/// Echoes its input.
#[mcp_tool]
async fn echo<T: serde::Serialize>(body: web::Json<T>) -> web::Json<T> {
    body
}

fn main() {}
