//! The lists: pages and cursors (`page_size`), and items turned off and on
//! at runtime with `Catalog`, which clients hear about on their standalone
//! stream (handshake era) or a `subscriptions/listen` stream that opted in
//! (2026-07-28).

use std::time::Duration;

use actix_web::{App, post};
use mcp_runtime::config::ListConfig;
use mcp_runtime::{McpServer, mcp_prompt, mcp_tool};
use mcp_tests::stateless::{meta, send};
use mcp_tests::{EventReader, Raw, TestServer};
use serde_json::{Value, json};

/// Tool a.
#[mcp_tool]
#[post("/a")]
async fn tool_a() -> &'static str {
    "a"
}

/// Tool b.
#[mcp_tool]
#[post("/b")]
async fn tool_b() -> &'static str {
    "b"
}

/// Tool c.
#[mcp_tool]
#[post("/c")]
async fn tool_c() -> &'static str {
    "c"
}

/// A prompt.
#[mcp_prompt]
async fn prompt_a() -> &'static str {
    "a"
}

fn server(page_size: usize) -> (TestServer, McpServer) {
    let mcp = mcp_tests::registry()
        .lists(ListConfig::default().page_size(page_size))
        .build()
        .unwrap();
    let served = mcp.clone();
    let server = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(tool_a)
                .service(tool_b)
                .service(tool_c)
                .service(mcp.scope("/mcp")),
        )
    });
    (server, served)
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// Every tool name, following cursors; and the cursors seen.
async fn all_tools(raw: &Raw) -> (Vec<String>, Vec<String>) {
    let (mut names, mut cursors) = (Vec::new(), Vec::new());
    let mut params = json!({});
    loop {
        let page = raw.post(request(1, "tools/list", params)).await;
        let result = &page.body["result"];
        for tool in result["tools"].as_array().expect("a page of tools") {
            names.push(tool["name"].as_str().unwrap().to_owned());
        }
        match result["nextCursor"].as_str() {
            Some(cursor) => {
                cursors.push(cursor.to_owned());
                params = json!({ "cursor": cursor });
            }
            None => return (names, cursors),
        }
    }
}

#[tokio::test]
async fn lists_come_in_pages_linked_by_cursors() {
    let (server, mcp) = server(2);
    // This binary also links the example's tools.
    let every: Vec<String> = mcp.tool_names().map(str::to_owned).collect();
    assert!(every.len() > 3);
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let (names, cursors) = all_tools(&raw).await;
    assert_eq!(names, every, "every tool once, in name order");
    assert_eq!(cursors.len(), every.len().div_ceil(2) - 1);
    assert_eq!(
        cursors
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        cursors.len()
    );

    // What a paginating client does gets everything too.
    let client = server.client().await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), every.len());

    for cursor in ["garbage", "", "MTAwLjA"] {
        let reply = raw
            .post(request(2, "tools/list", json!({ "cursor": cursor })))
            .await;
        assert_eq!(
            reply.error_code(),
            Some(-32602),
            "{cursor:?}: {:?}",
            reply.body
        );
    }
    // Pages of the stateless revision carry their hints and cursors too.
    let page = send(&server, "tools/list", json!({}), &[]).await;
    let result = &page.body["result"];
    assert_eq!(result["tools"].as_array().unwrap().len(), 2);
    assert!(result["nextCursor"].is_string());
    assert_eq!(result["cacheScope"], "public");
}

#[tokio::test]
async fn turned_off_items_are_gone_until_turned_on() {
    let (server, mcp) = server(2);
    let catalog = mcp.catalog();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let (_, cursors) = all_tools(&raw).await;

    assert!(catalog.disable_tool("tool_a"));
    assert!(!catalog.is_tool_enabled("tool_a"));
    assert!(catalog.is_tool_enabled("tool_b"));
    let (names, _) = all_tools(&raw).await;
    let expected: Vec<String> = mcp
        .tool_names()
        .filter(|n| *n != "tool_a")
        .map(str::to_owned)
        .collect();
    assert_eq!(names, expected);
    let call = raw.call(3, "tool_a", json!({})).await;
    assert_eq!(call.error_code(), Some(-32602));
    // A cursor from before the change is stale.
    let stale = raw
        .post(request(4, "tools/list", json!({ "cursor": cursors[0] })))
        .await;
    let message = stale.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("list again"), "{message}");

    assert!(catalog.disable_prompt("prompt_a"));
    let prompts = raw.post(request(5, "prompts/list", json!({}))).await;
    assert_eq!(prompts.body["result"]["prompts"], json!([]));
    let get = raw
        .post(request(6, "prompts/get", json!({"name": "prompt_a"})))
        .await;
    assert_eq!(get.error_code(), Some(-32602));

    assert!(catalog.enable_tool("tool_a"));
    assert!(catalog.enable_prompt("prompt_a"));
    assert_eq!(all_tools(&raw).await.0.len(), mcp.tool_names().count());
    let call = raw.call(7, "tool_a", json!({})).await;
    assert_eq!(call.body["result"]["content"][0]["text"], "a");
    // Names that do not exist.
    assert!(!catalog.disable_tool("nope"));
    assert!(!catalog.enable_prompt("nope"));
    assert!(!catalog.disable_resource("nope"));
    assert!(!catalog.is_resource_enabled("nope"));
}

#[tokio::test]
async fn sessions_hear_that_a_list_changed() {
    let (server, mcp) = server(10);
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = EventReader::new(raw.get_stream(None).await);
    assert_eq!(events.next().await.unwrap().data, "", "priming");

    mcp.catalog().disable_tool("tool_b");
    let message = events.next().await.unwrap().message().unwrap();
    assert_eq!(
        message,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})
    );
    mcp.catalog().disable_prompt("prompt_a");
    let message = events.next().await.unwrap().message().unwrap();
    assert_eq!(message["method"], "notifications/prompts/list_changed");
    // Turning off what is off changes nothing, and says nothing.
    mcp.catalog().disable_prompt("prompt_a");
    mcp.catalog().enable_tool("tool_b");
    let message = events.next().await.unwrap().message().unwrap();
    assert_eq!(message["method"], "notifications/tools/list_changed");
}

async fn listen(raw: &Raw, id: &str, filter: Value) -> EventReader {
    let params = json!({"notifications": filter, "_meta": meta(json!({}))});
    raw.post_stream(
        json!({"jsonrpc": "2.0", "id": id, "method": "subscriptions/listen", "params": params}),
        &[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "subscriptions/listen"),
        ],
    )
    .await
}

#[tokio::test]
async fn listeners_hear_only_what_they_asked_for() {
    let (server, mcp) = server(10);
    let raw = server.raw();
    let mut tools = listen(&raw, "t", json!({"toolsListChanged": true})).await;
    let mut prompts = listen(
        &raw,
        "p",
        json!({"promptsListChanged": true, "resourcesListChanged": true}),
    )
    .await;
    let ack = tools.next().await.unwrap().message().unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(
        ack["params"]["notifications"],
        json!({"toolsListChanged": true})
    );
    assert_eq!(
        ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "t"
    );
    // There are no resources here: not honored, so not acknowledged.
    let ack = prompts.next().await.unwrap().message().unwrap();
    assert_eq!(
        ack["params"]["notifications"],
        json!({"promptsListChanged": true})
    );

    mcp.catalog().disable_tool("tool_c");
    mcp.catalog().disable_prompt("prompt_a");
    let heard = tools.next().await.unwrap().message().unwrap();
    assert_eq!(
        heard,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
               "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "t"}}})
    );
    // The prompts listener's next message is the prompts change, not the
    // tools change that came first.
    let heard = prompts.next().await.unwrap().message().unwrap();
    assert_eq!(heard["method"], "notifications/prompts/list_changed");
    assert_eq!(
        heard["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        "p"
    );

    // The handshake era has no `subscriptions/listen`.
    let mut old = server.raw();
    old.initialize("2025-11-25").await;
    let reply = old
        .post(request(
            9,
            "subscriptions/listen",
            json!({"notifications": {}}),
        ))
        .await;
    assert_eq!(reply.error_code(), Some(-32601));
    // A listener needs a stream to listen on.
    let reply = send(
        &server,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    assert_eq!(reply.error_code(), Some(-32600));
    drop((tools, prompts));
    tokio::time::sleep(Duration::from_millis(50)).await;
}
