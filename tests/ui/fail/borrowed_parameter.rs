use actix_web::HttpRequest;
use mcp_runtime::mcp_tool;

/// Says hello.
#[mcp_tool]
async fn hello(req: &HttpRequest) -> String {
    req.path().to_owned()
}

fn main() {}
