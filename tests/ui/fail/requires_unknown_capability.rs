use mcp_runtime::mcp_tool;

/// Asks the user, which some clients cannot do.
#[mcp_tool(requires = ["elicitaton", "logging", "sampling"])]
async fn confirm() -> &'static str {
    "ok"
}

fn main() {}
