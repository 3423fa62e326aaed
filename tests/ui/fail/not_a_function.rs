use mcp_runtime::mcp_tool;

/// Not a handler.
#[mcp_tool]
struct Item {
    id: u64,
}

fn main() {
    let _ = Item { id: 1 }.id;
}
