use actix_web::http::StatusCode;
use actix_web::{ResponseError, get, web};
use mcp_runtime::mcp_tool;

#[derive(serde::Serialize)]
struct Item {
    id: u64,
}

#[derive(Debug)]
struct ApiError;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

impl ResponseError for ApiError {}

/// Fetches an item.
#[mcp_tool]
#[get("/items/{id}")]
async fn get_item(id: web::Path<u64>) -> web::Json<Item> {
    web::Json(Item { id: *id })
}

/// Creates an item.
#[mcp_tool]
async fn create_item() -> Result<(web::Json<Item>, StatusCode), ApiError> {
    Ok((web::Json(Item { id: 1 }), StatusCode::CREATED))
}

// A type inside `T` lacks the derive: rustc names that type.
/// Lists items.
#[mcp_tool]
async fn list_items() -> web::Json<Vec<Item>> {
    web::Json(vec![])
}

fn main() {}
