use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(title)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
