use mcp_runtime::mcp_tool;

#[mcp_tool]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
