use mcp_runtime::mcp_tool;

struct Config;

/// Reads the config.
#[mcp_tool]
async fn config(_config: Config) -> &'static str {
    "ok"
}

fn main() {}
