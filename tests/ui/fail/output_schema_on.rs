use mcp_runtime::mcp_tool;

/// Says hello.
#[mcp_tool(output_schema = true)]
async fn hello() -> String {
    "hello".into()
}

fn main() {}
