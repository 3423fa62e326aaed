//! Return types: JSON (with output schema), errors, tuples with a status,
//! customized responders, plain text, opaque `impl Responder`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Responder, ResponseError, web};
use mcp_runtime::{McpServer, mcp_tool};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
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

/// JSON.
#[mcp_tool]
async fn json() -> web::Json<Item> {
    web::Json(Item { id: 1 })
}

/// Result of JSON.
#[mcp_tool]
async fn result() -> Result<web::Json<Item>, ApiError> {
    Err(ApiError)
}

/// Created.
#[mcp_tool]
async fn created() -> (web::Json<Item>, StatusCode) {
    (web::Json(Item { id: 1 }), StatusCode::CREATED)
}

/// Customized.
#[mcp_tool]
async fn customized() -> actix_web::CustomizeResponder<web::Json<Vec<Item>>> {
    web::Json(vec![]).customize().with_status(StatusCode::ACCEPTED)
}

/// Text.
#[mcp_tool]
async fn text() -> String {
    "text".into()
}

/// Response.
#[mcp_tool]
async fn response() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// Opaque.
#[mcp_tool]
async fn opaque() -> impl Responder {
    "opaque"
}

/// Actix's own error type.
#[mcp_tool]
async fn actix_result() -> actix_web::Result<web::Json<Item>> {
    Ok(web::Json(Item { id: 2 }))
}

fn main() {
    let server = McpServer::from_registry().build().unwrap();
    assert_eq!(server.tool_names().count(), 8);
}
