use actix_web::get;
use mcp_runtime::mcp_tool;

const PATH: &str = "/items";

// actix rejects a non-literal path itself; `#[mcp_tool]` adds no third error.
/// Lists things.
#[mcp_tool]
#[get(PATH)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
