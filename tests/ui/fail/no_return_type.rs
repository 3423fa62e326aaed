use mcp_runtime::mcp_tool;

/// Does nothing.
#[mcp_tool]
async fn noop() {}

fn main() {}
