//! Return types: JSON (with output schema), errors, tuples with a status,
//! customized responders, plain text, opaque `impl Responder`, content
//! blocks, and JSON opted out of its schema.

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, Responder, ResponseError, test, web};
use mcp_runtime::{McpServer, ToolContent, mcp_tool};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize, JsonSchema)]
struct Item {
    id: u64,
}

/// Serializable, but without a schema.
#[derive(Serialize)]
struct Untyped {
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

type ItemResult = Result<web::Json<Item>, ApiError>;

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

/// Wrappers inside wrappers.
#[mcp_tool]
async fn nested() -> Result<(web::Json<Vec<Item>>, StatusCode), ApiError> {
    Ok((web::Json(vec![]), StatusCode::CREATED))
}

/// Behind a type alias: the schema is still found.
#[mcp_tool]
async fn aliased() -> ItemResult {
    Ok(web::Json(Item { id: 3 }))
}

/// JSON without a schema, as text.
#[mcp_tool(output_schema = false)]
async fn untyped() -> Result<web::Json<Untyped>, ApiError> {
    Ok(web::Json(Untyped { id: 4 }))
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

/// Content blocks.
#[mcp_tool]
async fn blocks() -> ToolContent {
    ToolContent::new().text("a").text("b")
}

fn main() {
    let mcp = McpServer::from_registry().stateless().build().unwrap();
    assert_eq!(mcp.tool_names().count(), 12);
    let tools = actix_web::rt::System::new().block_on(async {
        let app = test::init_service(mcp.app(App::new().service(mcp.scope("/mcp")))).await;
        let list = test::TestRequest::post()
            .uri("/mcp")
            .insert_header(("content-type", "application/json"))
            .insert_header(("accept", "application/json, text/event-stream"))
            .set_payload(r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}"#)
            .to_request();
        let reply: Value = test::call_and_read_body_json(&app, list).await;
        reply["result"]["tools"].as_array().unwrap().clone()
    });
    let with_schema: Vec<&str> = tools
        .iter()
        .filter(|t| t.get("outputSchema").is_some())
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        with_schema,
        ["actix_result", "aliased", "created", "customized", "json", "nested", "result"]
    );
}
