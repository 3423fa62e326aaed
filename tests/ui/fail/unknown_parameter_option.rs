use actix_web::HttpRequest;
use mcp_runtime::mcp_tool;

/// Says hello.
#[mcp_tool]
async fn hello(#[mcp(skip)] req: HttpRequest) -> String {
    format!("hello {}", req.path())
}

fn main() {}
