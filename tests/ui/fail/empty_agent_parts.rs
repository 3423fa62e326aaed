use mcp_runtime::mcp_tool;

/// List the items.
#[mcp_tool(use_when = "", returns = " ")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
