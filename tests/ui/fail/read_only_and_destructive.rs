use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(read_only, destructive)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
