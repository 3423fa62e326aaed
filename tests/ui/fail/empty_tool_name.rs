use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(name = "")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
