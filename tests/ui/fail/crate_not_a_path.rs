use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(crate = 42)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
