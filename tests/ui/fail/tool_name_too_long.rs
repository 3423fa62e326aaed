use mcp_runtime::mcp_tool;

/// Lists things.
#[mcp_tool(name = "list_every_single_item_in_the_catalog_including_the_archived_ones_and_the_ones_that_are_hidden_from_search_results_too_and_then_some_more")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
