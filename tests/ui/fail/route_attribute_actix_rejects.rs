use actix_web::{get, route};
use mcp_runtime::mcp_tool;

/// Lists items, with a misspelled key: actix's macro reports it.
#[mcp_tool]
#[get("/items", nmae = "items")]
async fn list_items() -> &'static str {
    "items"
}

/// Reads an item, with one method given twice: actix's macro reports it.
#[mcp_tool]
#[route("/items/{id}", method = "GET", method = "GET")]
async fn read_item() -> &'static str {
    "item"
}

fn main() {}
