use mcp_runtime::mcp_tool;

#[mcp_tool(description = "  ")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
