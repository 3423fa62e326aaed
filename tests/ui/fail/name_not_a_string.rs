use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(name = list_all)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
