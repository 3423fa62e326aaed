//! Cancellation: `notifications/cancelled`, or the client closing the
//! response stream, stops the handler (its future is dropped) and cancels
//! the token handed to work it spawned.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, post, web};
use mcp_runtime::{McpContext, McpServer, mcp_tool};
use mcp_tests::{Recorder, Runs, TestServer};
use rmcp::model::{CallToolRequestParams, ClientRequest};
use rmcp::service::PeerRequestOptions;
use serde::Deserialize;
use serde_json::json;

/// What one run of `crunch` did.
#[derive(Default)]
struct Run {
    steps: AtomicUsize,
    spawned_saw_cancel: AtomicBool,
}

static RUNS: Runs<Run> = Runs::new();

#[derive(Deserialize, schemars::JsonSchema)]
struct Job {
    /// Names this run, so tests can watch it.
    name: String,
}

/// Crunch numbers forever, reporting each step.
#[mcp_tool]
#[post("/crunch")]
async fn crunch(job: web::Json<Job>, ctx: McpContext) -> String {
    let run = RUNS.get(&job.name);
    let token = ctx.cancellation_token();
    let watcher = run.clone();
    tokio::spawn(async move {
        token.cancelled().await;
        watcher.spawned_saw_cancel.store(true, Ordering::SeqCst);
    });
    loop {
        let step = run.steps.fetch_add(1, Ordering::SeqCst) as f64;
        ctx.progress(step, None, None).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn serve(mcp: McpServer) -> TestServer {
    TestServer::start_app(move || mcp.app(App::new().service(crunch).service(mcp.scope("/mcp"))))
}

fn server() -> TestServer {
    serve(mcp_tests::registry().build().unwrap())
}

/// Waits until `run` has made some steps.
async fn assert_running(run: &Run) {
    for _ in 0..200 {
        if run.steps.load(Ordering::SeqCst) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(run.steps.load(Ordering::SeqCst) >= 3, "the handler ran");
}

async fn assert_stopped(run: &Run) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = run.steps.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        run.steps.load(Ordering::SeqCst),
        after,
        "the handler stopped"
    );
    assert!(
        run.spawned_saw_cancel.load(Ordering::SeqCst),
        "spawned work saw it"
    );
}

#[tokio::test]
async fn notifications_cancelled_stops_the_handler() {
    let server = server();
    let client = Recorder::declaring(json!({}))
        .connect(server.mcp_url())
        .await;
    let params = CallToolRequestParams::new("crunch")
        .with_arguments(json!({"name": "cancelled"}).as_object().unwrap().clone());
    let handle = client
        .peer()
        .send_cancellable_request(
            ClientRequest::CallToolRequest(rmcp::model::CallToolRequest::new(params)),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    let run = RUNS.get("cancelled");
    assert_running(&run).await;
    handle.cancel(Some("changed my mind".into())).await.unwrap();
    assert_stopped(&run).await;
    // The session goes on.
    assert!(client.list_tools(None).await.is_ok());
}

/// Without a session nothing can resume a stream, so closing it cancels at
/// once. (With a session the call waits for the client to resume it for a
/// grace period first: see `resumability`.)
#[tokio::test]
async fn closing_the_stream_stops_the_handler() {
    let server = serve(mcp_tests::registry().stateless().build().unwrap());
    let response = reqwest::Client::new()
        .post(server.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "crunch", "arguments": {"name": "closed"},
                              "_meta": {"progressToken": 1}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "progress turned the answer into a stream"
    );
    let run = RUNS.get("closed");
    assert_running(&run).await;
    drop(response);
    assert_stopped(&run).await;
}

#[tokio::test]
async fn cancelling_an_unknown_request_is_ignored() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post(
            json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 999, "reason": "late"}}),
        )
        .await;
    assert_eq!(reply.status, 202);
}
