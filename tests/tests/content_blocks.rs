//! `ToolContent`: a result made of several content blocks (text, image,
//! embedded resource), as given over MCP and as JSON in the same shape on
//! REST.

use actix_web::{App, get};
use mcp_runtime::{ToolContent, mcp_tool};
use mcp_tests::TestServer;
use serde_json::{Value, json};

/// The item's card: a caption, a photo and its record.
#[mcp_tool]
#[get("/card")]
async fn item_card() -> ToolContent {
    ToolContent::new()
        .text("A hammer")
        .image([0x89, b'P', b'N', b'G'], "image/png")
        .resource_text("items://1", "application/json", r#"{"id":1}"#)
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || mcp.app(App::new().service(item_card).service(mcp.scope("/mcp"))))
}

fn expected() -> Value {
    json!([
        {"type": "text", "text": "A hammer"},
        {"type": "image", "data": "iVBORw==", "mimeType": "image/png"},
        {"type": "resource", "resource": {
            "uri": "items://1", "mimeType": "application/json", "text": "{\"id\":1}"
        }}
    ])
}

#[tokio::test]
async fn mcp_gets_the_blocks_as_given() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "item_card", json!({})).await;
    assert_eq!(reply.body["result"]["content"], expected());
    assert_eq!(reply.body["result"].get("isError"), None);
}

#[tokio::test]
async fn rest_gets_the_same_blocks_as_json() {
    let server = server();
    let body: Value = reqwest::get(server.url("/card"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"content": expected()}));
}
