use actix_web::web;
use mcp_runtime::mcp_prompt;

// Every misuse of the signature, all at once.
#[mcp_prompt(name = "code review")]
fn review<T>(_body: web::Bytes, _id: web::Path<u64>, _code: &str) {}

/// Greets.
#[mcp_prompt(description = "  ")]
async fn greet() -> String {
    String::new()
}

fn main() {}
