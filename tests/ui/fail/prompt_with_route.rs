use actix_web::get;
use mcp_runtime::mcp_prompt;

/// A greeting.
#[mcp_prompt]
#[get("/greeting")]
async fn greeting() -> &'static str {
    "Hello"
}

/// A farewell.
#[get("/farewell")]
#[mcp_prompt]
async fn farewell() -> &'static str {
    "Bye"
}

fn main() {}
