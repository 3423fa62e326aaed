use actix_web::FromRequest;
use mcp_runtime::mcp_tool;

/// Says hello.
#[mcp_tool]
async fn hello(_who: impl FromRequest) -> &'static str {
    "hello"
}

fn main() {}
