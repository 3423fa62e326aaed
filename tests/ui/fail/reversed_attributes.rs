use actix_web::get;
use mcp_runtime::mcp_tool;

/// Lists items.
#[get("/items")]
#[mcp_tool]
async fn list_items() -> &'static str {
    "[]"
}

mod api {
    use actix_web::web;

    // Only the order is reported, not what follows from the hidden route.
    /// Fetches an item.
    #[actix_web::route(
        "/items/{id}",
        method = "GET"
    )]
    #[allow(clippy::unused_async)] #[mcp_runtime::mcp_tool]
    pub async fn get_item(id: web::Path<u64>) -> String {
        id.to_string()
    }
}

fn main() {}
