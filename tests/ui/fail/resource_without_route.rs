use mcp_runtime::mcp_resource;

/// Every item.
#[mcp_resource(uri = "items://all")]
async fn items() -> &'static str {
    "[]"
}

fn main() {}
