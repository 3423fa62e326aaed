use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(idempotent(true))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
