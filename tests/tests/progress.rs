//! `McpContext::progress`: a handler's progress reaches the client as
//! `notifications/progress` for the call's token, in order and increasing,
//! while the same handler keeps working as a plain REST route.

use actix_web::{App, post};
use mcp_runtime::{McpContext, mcp_tool};
use mcp_tests::{Recorder, TestServer, seen, stateless, text};
use rmcp::model::CallToolRequestParams;
use serde_json::json;

/// Index every document, reporting progress.
#[mcp_tool]
#[post("/index")]
async fn index_all(ctx: McpContext) -> String {
    ctx.progress(0.0, Some(100.0), Some("starting")).await;
    ctx.progress(50.0, Some(100.0), Some("half way")).await;
    // Not increasing: dropped, as the spec requires progress to increase.
    ctx.progress(40.0, Some(100.0), None).await;
    ctx.progress(100.0, Some(100.0), Some("done")).await;
    "indexed".to_owned()
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || mcp.app(App::new().service(index_all).service(mcp.scope("/mcp"))))
}

#[tokio::test]
async fn progress_arrives_in_order_for_the_calls_token() {
    let server = server();
    let recorder = Recorder::declaring(json!({}));
    let progress = recorder.progress.clone();
    let client = recorder.connect(server.mcp_url()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("index_all"))
        .await
        .unwrap();
    assert_eq!(text(&result), "indexed");
    let progress = seen(&progress);
    let steps: Vec<(f64, Option<&str>)> = progress
        .iter()
        .map(|p| (p.progress, p.message.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (0.0, Some("starting")),
            (50.0, Some("half way")),
            (100.0, Some("done"))
        ]
    );
    assert!(progress.iter().all(|p| p.total == Some(100.0)));
    let token = &progress[0].progress_token;
    assert!(progress.iter().all(|p| &p.progress_token == token));
}

#[tokio::test]
async fn without_a_progress_token_the_answer_is_plain_json() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "index_all", json!({})).await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.body["result"]["content"][0]["text"], "indexed");
}

#[tokio::test]
async fn with_a_token_the_answer_streams_progress_then_the_result() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                     "params": {"name": "index_all", "_meta": {"progressToken": "p-1"}}}))
        .await;
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    let events = mcp_tests::sse_messages(reply.body.as_str().unwrap());
    let methods: Vec<&str> = events
        .iter()
        .map(|e| e["method"].as_str().unwrap_or("(response)"))
        .collect();
    assert_eq!(
        methods,
        [
            "notifications/progress",
            "notifications/progress",
            "notifications/progress",
            "(response)"
        ]
    );
    assert_eq!(events[0]["params"]["progressToken"], "p-1");
    assert_eq!(events[3]["id"], 7);
    assert_eq!(events[3]["result"]["content"][0]["text"], "indexed");
}

/// A stateless request's progress token sits in its `_meta` beside the
/// revision's own keys: read there too.
#[tokio::test]
async fn a_stateless_calls_token_gets_its_progress() {
    let server = server();
    let mut meta = stateless::meta(json!({}));
    meta["progressToken"] = json!("p-2");
    let params = json!({"name": "index_all", "arguments": {}, "_meta": meta});
    let reply = stateless::send(&server, "tools/call", params, &[]).await;
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    let events = mcp_tests::sse_messages(reply.body.as_str().unwrap());
    let tokens: Vec<&str> = events
        .iter()
        .map(|e| {
            e["params"]["progressToken"]
                .as_str()
                .unwrap_or("(response)")
        })
        .collect();
    assert_eq!(tokens, ["p-2", "p-2", "p-2", "(response)"]);
    assert_eq!(events[3]["result"]["content"][0]["text"], "indexed");
}

#[tokio::test]
async fn on_rest_the_same_handler_ignores_progress() {
    let server = server();
    let body = reqwest::Client::new()
        .post(server.url("/index"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "indexed");
}

#[tokio::test]
async fn the_context_is_inert_without_mcp() {
    let app = actix_web::test::init_service(App::new().service(index_all)).await;
    let req = actix_web::test::TestRequest::post()
        .uri("/index")
        .to_request();
    let body = actix_web::test::call_and_read_body(&app, req).await;
    assert_eq!(body, "indexed");
}
