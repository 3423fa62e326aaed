//! `McpContext::log`: log messages reach the client as
//! `notifications/message`, filtered by the level it set with
//! `logging/setLevel`; on plain REST they go to `tracing`.

use actix_web::{App, get};
use mcp_runtime::{LogLevel, McpContext, mcp_tool};
use mcp_tests::{Recorder, TestServer, seen, text};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

/// Sync the catalog, logging as it goes.
#[mcp_tool]
#[get("/sync")]
async fn sync_catalog(ctx: McpContext) -> &'static str {
    ctx.log(LogLevel::Debug, "looking at 3 items").await;
    ctx.log(LogLevel::Info, json!({"synced": 3})).await;
    ctx.log(LogLevel::Warning, "item 2 has no price").await;
    ctx.log(LogLevel::Error, "item 3 vanished").await;
    "synced"
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        mcp.app(App::new().service(sync_catalog).service(mcp.scope("/mcp")))
    })
}

fn levels(logs: &[Value]) -> Vec<&str> {
    logs.iter().map(|l| l["level"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn every_level_arrives_until_the_client_sets_one() {
    let server = server();
    let recorder = Recorder::declaring(json!({}));
    let logs = recorder.logs.clone();
    let client = recorder.connect(server.mcp_url()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("sync_catalog"))
        .await
        .unwrap();
    assert_eq!(text(&result), "synced");
    let logs = seen(&logs);
    assert_eq!(levels(&logs), ["debug", "info", "warning", "error"]);
    assert_eq!(logs[1]["data"], json!({"synced": 3}));
    assert_eq!(logs[1]["logger"], "sync_catalog");
}

#[tokio::test]
async fn set_level_filters_lower_levels_for_that_session_only() {
    let server = server();
    let quiet = Recorder::declaring(json!({}));
    let quiet_logs = quiet.logs.clone();
    let quiet = quiet.connect(server.mcp_url()).await;
    #[allow(deprecated)]
    quiet
        .set_level(rmcp::model::SetLevelRequestParams::new(
            rmcp::model::LoggingLevel::Warning,
        ))
        .await
        .unwrap();
    let chatty = Recorder::declaring(json!({}));
    let chatty_logs = chatty.logs.clone();
    let chatty = chatty.connect(server.mcp_url()).await;

    for client in [&quiet, &chatty] {
        client
            .call_tool(CallToolRequestParams::new("sync_catalog"))
            .await
            .unwrap();
    }
    assert_eq!(levels(&seen(&quiet_logs)), ["warning", "error"]);
    assert_eq!(levels(&seen(&chatty_logs)).len(), 4);
}

#[tokio::test]
async fn set_level_rejects_unknown_levels_and_answers_empty() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let ok = raw
        .post(
            json!({"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel",
                     "params": {"level": "notice"}}),
        )
        .await;
    assert_eq!(ok.body, json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
    let bad = raw
        .post(
            json!({"jsonrpc": "2.0", "id": 2, "method": "logging/setLevel",
                     "params": {"level": "loud"}}),
        )
        .await;
    assert_eq!(bad.error_code(), Some(-32602));
}

#[tokio::test]
async fn the_logging_capability_is_advertised() {
    let server = server();
    let reply = server.raw().initialize("2025-11-25").await;
    assert_eq!(reply.body["result"]["capabilities"]["logging"], json!({}));
}

#[tokio::test]
async fn on_rest_log_messages_stay_on_the_server() {
    let server = server();
    let body = reqwest::get(server.url("/sync"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "synced");
}
