//! Every limit, hit on purpose: each answers with its documented status and
//! JSON-RPC code, and the server keeps serving everyone else.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use actix_web::{App, post, web};
use mcp_runtime::config::Limits;
use mcp_runtime::config::RateLimit;
use mcp_runtime::error::Problem;
use mcp_runtime::store::InMemorySessionStore;
use mcp_runtime::{McpServer, mcp_tool};
use mcp_tests::TestServer;
use serde_json::{Value, json};

/// Sleeps as long as asked.
#[mcp_tool]
#[post("/nap")]
async fn nap(ms: web::Json<u64>) -> String {
    tokio::time::sleep(Duration::from_millis(*ms)).await;
    "rested".into()
}

fn serve(mcp: McpServer) -> TestServer {
    TestServer::start_app(move || mcp.app(App::new().service(nap).service(mcp.scope("/mcp"))))
}

fn builder() -> mcp_runtime::McpServerBuilder {
    mcp_tests::registry()
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "limits", "version": "1"}}})
}

#[tokio::test]
async fn clients_over_their_rate_get_429_with_retry_after() {
    let server = serve(
        builder()
            .rate_limit_per_client(RateLimit::per_minute(3))
            .build()
            .unwrap(),
    );
    let raw = server.raw();
    for _ in 0..3 {
        assert_eq!(raw.post(initialize()).await.status, 200);
    }
    let reply = raw.post(initialize()).await;
    assert_eq!((reply.status, reply.error_code()), (429, Some(-32000)));
    let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
}

#[tokio::test]
async fn tools_over_their_rate_get_429() {
    let server = serve(
        builder()
            .rate_limit_tool("nap", RateLimit::per_minute(1))
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    assert_eq!(raw.call(1, "nap", json!({"body": 1})).await.status, 200);
    let reply = raw.call(2, "nap", json!({"body": 1})).await;
    assert_eq!((reply.status, reply.error_code()), (429, Some(-32000)));
    assert_eq!(reply.body["id"], 2);
    assert!(reply.header("retry-after").is_some());
    // Other tools are not limited.
    assert_eq!(raw.call(3, "stats", json!({})).await.status, 200);
}

#[test]
fn a_rate_limit_on_an_unknown_tool_fails_at_start_up() {
    let err = builder()
        .rate_limit_tool("npa", RateLimit::per_second(1))
        .build()
        .err()
        .expect("refused");
    assert!(matches!(&err.problems()[0], Problem::UnknownTool { tool, .. } if tool == "npa"));
    assert!(err.to_string().contains("`rate_limit_tool(\"npa\", …)`"));
}

#[tokio::test]
async fn a_handler_past_its_timeout_is_stopped_with_a_tool_error() {
    let server = serve(
        builder()
            .limits(Limits::default().tool_timeout(Duration::from_millis(50)))
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "nap", json!({"body": 5000})).await;
    assert_eq!(reply.body["result"]["isError"], true);
    assert_eq!(
        reply.body["result"]["content"][0]["text"],
        "Tool `nap` failed: it did not finish within 0.05 s and was stopped"
    );
    let reply = raw.call(2, "nap", json!({"body": 1})).await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "rested");
}

#[tokio::test]
async fn a_session_may_have_only_so_many_calls_in_flight() {
    let server = serve(
        builder()
            .limits(Limits::default().max_in_flight(2))
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let raw = std::sync::Arc::new(raw);
    let slow: Vec<_> = (0..2)
        .map(|i| {
            let raw = raw.clone();
            tokio::spawn(async move { raw.call(i, "nap", json!({"body": 300})).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = raw.call(9, "nap", json!({"body": 1})).await;
    assert_eq!((reply.status, reply.error_code()), (429, Some(-32000)));
    assert_eq!(reply.body["id"], 9);
    for call in slow {
        assert_eq!(
            call.await.unwrap().body["result"]["content"][0]["text"],
            "rested"
        );
    }
    let reply = raw.call(10, "nap", json!({"body": 1})).await;
    assert_eq!(reply.status, 200, "room again");
}

/// Sends a POST whose body never finishes; returns the status line and how
/// long the server took to answer.
fn stalled_post(addr: std::net::SocketAddr) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n{{\"jsonrpc\""
    )
    .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer.lines().next().unwrap_or_default().to_owned();
    (status, started.elapsed())
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_freed() {
    let server = serve(
        builder()
            .limits(
                Limits::default().body_timeouts(Duration::from_millis(200), Duration::from_secs(1)),
            )
            .build()
            .unwrap(),
    );
    let addr = server.addr;
    let (status, took) = tokio::task::spawn_blocking(move || stalled_post(addr))
        .await
        .unwrap();
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn oversized_headers_get_431() {
    let server = serve(
        builder()
            .limits(Limits::default().max_header_size(1024))
            .build()
            .unwrap(),
    );
    let reply = server
        .raw()
        .post_bytes(
            initialize().to_string(),
            &[("x-padding", &"p".repeat(2000))],
        )
        .await;
    assert_eq!((reply.status, reply.error_code()), (431, Some(-32000)));
}

#[tokio::test]
async fn batches_are_bounded_in_length_and_response_size() {
    let server = serve(
        builder()
            .limits(Limits::default().batch_limits(3, 200))
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    raw.initialize("2025-03-26").await;
    let ping = |id: i64| json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
    let reply = raw.post(json!([ping(1), ping(2), ping(3), ping(4)])).await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32600)));
    // A big answer fills the budget: later requests get an error instead.
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let reply = raw.post(json!([list, ping(2), ping(3)])).await;
    let replies = reply.body.as_array().unwrap();
    assert!(replies[0]["result"]["tools"].is_array());
    assert_eq!(replies[1]["error"]["code"], -32000);
    assert_eq!(replies[2]["id"], 3);
}

#[tokio::test]
async fn a_full_session_store_refuses_new_sessions_without_evicting_anyone() {
    let server = serve(
        builder()
            .session_store(InMemorySessionStore::new(Duration::from_secs(600), 2).per_client(2))
            .build()
            .unwrap(),
    );
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let mut first = server.raw();
    first.initialize("2025-11-25").await;
    let mut second = server.raw();
    second.initialize("2025-11-25").await;
    // A session nobody used after `initialize` is the first to make room...
    let mut third = server.raw();
    assert_eq!(third.initialize("2025-11-25").await.status, 200);
    let reply = first
        .post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .await;
    assert_eq!(reply.status, 404, "the oldest unused session made room");
    // ...but clients that use theirs are never evicted: with every session
    // in use, a new one is refused.
    for raw in [&second, &third] {
        assert_eq!(raw.post(initialized.clone()).await.status, 202);
    }
    let first = second;
    let second = third;
    let reply = server.raw().post(initialize()).await;
    assert_eq!((reply.status, reply.error_code()), (503, Some(-32000)));
    assert!(reply.header("retry-after").is_some());
    assert_eq!(reply.body["id"], 0);
    // The two clients in keep working.
    for raw in [&first, &second] {
        let reply = raw
            .post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .await;
        assert_eq!(reply.status, 200);
    }
}

#[tokio::test]
async fn client_information_is_bounded() {
    let server = serve(
        builder()
            .limits(Limits::default().max_session_size(512))
            .build()
            .unwrap(),
    );
    let mut init = initialize();
    init["params"]["clientInfo"]["name"] = json!("n".repeat(1000));
    let reply = server.raw().post(init).await;
    assert_eq!(reply.error_code(), Some(-32602));
    assert_eq!(reply.header("mcp-session-id"), None, "no session stored");
}
