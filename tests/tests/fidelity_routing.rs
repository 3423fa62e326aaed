//! A tool call reaches the handler its tool was generated from, with the
//! request REST would send: never answered by a sibling route whose guard
//! the call happened to satisfy, authenticated where the route's request
//! is, and carrying no header meant for the connection to the MCP server.

use actix_web::{App, HttpRequest, get, web};
use mcp_runtime::mcp_tool;
use mcp_tests::TestServer;
use serde_json::json;

/// The names of the headers the route received.
#[mcp_tool]
#[get("/headers")]
async fn headers_seen(req: HttpRequest) -> web::Json<Vec<String>> {
    let mut names: Vec<String> = req.headers().keys().map(|k| k.to_string()).collect();
    names.sort();
    web::Json(names)
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    TestServer::start_app(move || {
        mcp.app(App::new().service(headers_seen).service(mcp.scope("/mcp")))
    })
}

#[tokio::test]
async fn headers_named_in_connection_are_hop_by_hop() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "headers_seen", "arguments": {}}});
    let reply = raw
        .post_bytes(
            call.to_string(),
            &[
                ("connection", "keep-alive, X-Custom-Hop"),
                ("x-custom-hop", "meant for this hop only"),
                ("x-kept", "end to end"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let seen = &reply.body["result"]["structuredContent"]["result"];
    let seen: Vec<&str> = seen
        .as_array()
        .unwrap_or_else(|| panic!("a list of names: {}", reply.body))
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(seen.contains(&"x-kept"), "{seen:?}");
    assert!(!seen.contains(&"x-custom-hop"), "{seen:?}");
    assert!(!seen.contains(&"connection"), "{seen:?}");
}
