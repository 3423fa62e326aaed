use mcp_runtime::mcp_tool;

struct Catalog;

impl Catalog {
    /// Lists things.
    #[mcp_tool]
    async fn list(&self) -> &'static str {
        "[]"
    }
}

fn main() {}
