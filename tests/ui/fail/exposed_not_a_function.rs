use mcp_runtime::{mcp_prompt, mcp_resource};

/// Not a handler.
#[mcp_resource(uri = "items://all")]
struct Items;

/// Not a function.
#[mcp_prompt]
const GREETING: &str = "Hello";

fn main() {
    let _ = (Items, GREETING);
}
