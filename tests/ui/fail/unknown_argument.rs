use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(nmae = "list")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
