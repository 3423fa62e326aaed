use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool]
fn list() -> &'static str {
    "[]"
}

fn main() {}
