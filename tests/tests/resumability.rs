//! Streams on the wire: priming events, event ids, resuming a dropped
//! stream with `Last-Event-ID` without losing an event, calls that outlive
//! a dropped connection for a grace period (and no longer), and the
//! session's standalone stream for server-initiated messages.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, post, web};
use mcp_runtime::config::StreamConfig;
use mcp_runtime::store::{EventLog, EventStore, InMemoryEventStore};
use mcp_runtime::{LogLevel, McpContext, McpServer, McpServerBuilder, mcp_tool};
use mcp_tests::{EventReader, TestServer};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, schemars::JsonSchema)]
struct Steps {
    /// How many steps.
    count: u32,
    /// Pause between steps, in milliseconds.
    pause_ms: u64,
}

/// Counts steps, reporting each.
#[mcp_tool]
#[post("/steps")]
async fn count_steps(steps: web::Json<Steps>, ctx: McpContext) -> String {
    for i in 1..=steps.count {
        ctx.progress(f64::from(i), Some(f64::from(steps.count)), None)
            .await;
        tokio::time::sleep(Duration::from_millis(steps.pause_ms)).await;
    }
    format!("{} steps", steps.count)
}

static SPINS: AtomicUsize = AtomicUsize::new(0);

/// Spins until cancelled.
#[mcp_tool]
#[post("/spin")]
async fn spin(ctx: McpContext) -> String {
    loop {
        let n = SPINS.fetch_add(1, Ordering::SeqCst);
        ctx.progress(n as f64, None, None).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn server(grace: Duration) -> (TestServer, McpServer) {
    serve(mcp_tests::registry().streams(StreamConfig::default().orphan_grace(grace)))
}

fn serve(builder: McpServerBuilder) -> (TestServer, McpServer) {
    let mcp = builder.build().unwrap();
    let served = mcp.clone();
    let server = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(count_steps)
                .service(spin)
                .service(mcp.scope("/mcp")),
        )
    });
    (server, served)
}

fn call(id: i64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments, "_meta": {"progressToken": id}}})
}

#[tokio::test]
async fn streams_are_primed_and_number_their_events() {
    let (server, _) = server(Duration::from_secs(30));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = raw
        .post_stream(
            call(1, "count_steps", json!({"count": 2, "pause_ms": 1})),
            &[],
        )
        .await;
    let priming = events.next().await.unwrap();
    assert_eq!(priming.data, "");
    assert_eq!(priming.retry, Some(1000));
    let stream = priming
        .id
        .as_deref()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(priming.id.as_deref(), Some(format!("{stream}-0").as_str()));
    let mut ids = Vec::new();
    while let Some(event) = events.next().await {
        ids.push(event.id.unwrap());
    }
    assert_eq!(ids, [1, 2, 3].map(|n| format!("{stream}-{n}")));

    // Before 2025-11-25: ids, but no priming event.
    let mut old = server.raw();
    old.initialize("2025-06-18").await;
    let mut events = old
        .post_stream(
            call(1, "count_steps", json!({"count": 1, "pause_ms": 1})),
            &[],
        )
        .await;
    let first = events.next().await.unwrap();
    assert!(first.id.is_some());
    assert_eq!(first.message().unwrap()["method"], "notifications/progress");
}

#[tokio::test]
async fn a_dropped_stream_resumes_with_last_event_id_and_loses_nothing() {
    let (server, _) = server(Duration::from_secs(30));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = raw
        .post_stream(
            call(7, "count_steps", json!({"count": 6, "pause_ms": 20})),
            &[],
        )
        .await;
    events.next().await.unwrap(); // priming
    let mut progress = Vec::new();
    let mut last = None;
    while progress.len() < 2 {
        let event = events.next().await.unwrap();
        progress.push(
            event.message().unwrap()["params"]["progress"]
                .as_f64()
                .unwrap(),
        );
        last = event.id;
    }
    drop(events); // the connection drops; the call goes on

    tokio::time::sleep(Duration::from_millis(50)).await;
    let response = raw.get_stream(last.as_deref()).await;
    assert_eq!(response.status(), 200);
    let mut events = EventReader::new(response);
    let mut result = None;
    while let Some(event) = events.next().await {
        let message = event.message().unwrap();
        match message.get("method") {
            Some(_) => progress.push(message["params"]["progress"].as_f64().unwrap()),
            None => result = Some(message),
        }
    }
    assert_eq!(
        progress,
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "every event, once, in order"
    );
    let result = result.expect("the response arrives on the resumed stream");
    assert_eq!(result["id"], 7);
    assert_eq!(result["result"]["content"][0]["text"], "6 steps");
}

#[tokio::test]
async fn an_abandoned_call_is_cancelled_after_the_grace_period() {
    let (server, _) = server(Duration::from_millis(100));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = raw.post_stream(call(1, "spin", json!({})), &[]).await;
    events.next().await.unwrap();
    events.next().await.unwrap();
    drop(events);
    // Still running within the grace period…
    let before = SPINS.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(
        SPINS.load(Ordering::SeqCst) > before,
        "the call outlives the drop"
    );
    // …then cancelled.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let after = SPINS.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(SPINS.load(Ordering::SeqCst), after, "cancelled");
}

#[tokio::test]
async fn resuming_needs_the_owning_session_and_a_known_event() {
    let (server, _) = server(Duration::from_secs(30));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = raw
        .post_stream(
            call(1, "count_steps", json!({"count": 1, "pause_ms": 1})),
            &[],
        )
        .await;
    let id = events.next().await.unwrap().id.unwrap();
    let mut other = server.raw();
    other.initialize("2025-11-25").await;
    assert_eq!(other.get_stream(Some(&id)).await.status(), 404);
    assert_eq!(raw.get_stream(Some("99999-0")).await.status(), 404);
    assert_eq!(raw.get_stream(Some("garbage")).await.status(), 404);
}

#[tokio::test]
async fn the_standalone_stream_carries_server_initiated_messages() {
    let (server, mcp) = server(Duration::from_secs(30));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let response = raw.get_stream(None).await;
    assert_eq!(response.status(), 200);
    let mut events = EventReader::new(response);
    let priming = events.next().await.unwrap();
    assert_eq!(priming.data, "");
    // One standalone stream per session.
    assert_eq!(raw.get_stream(None).await.status(), 409);

    let reached = mcp
        .notifier()
        .log(LogLevel::Warning, "catalog", json!({"stale": true}))
        .await;
    assert!(reached >= 1);
    let event = events.next().await.unwrap();
    let message = event.message().unwrap();
    assert_eq!(message["method"], "notifications/message");
    assert_eq!(message["params"]["logger"], "catalog");
    assert_eq!(message["params"]["data"], json!({"stale": true}));

    // A GET without a session is refused, as is a client that cannot read SSE.
    let bare = reqwest::Client::new()
        .get(server.mcp_url())
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 400);
    let json_only = reqwest::Client::new()
        .get(server.mcp_url())
        .header("accept", "application/json")
        .header("mcp-session-id", raw.session.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(json_only.status(), 406);
}

/// The streams a [`Recording`] store was asked to keep.
static RECORDED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// An event store of the application's own: in memory, keeping far more
/// than the stream buffer, and noting each stream it keeps.
struct Recording(InMemoryEventStore);

impl EventStore for Recording {
    fn open(&self, stream: u64, session: &str) -> Box<dyn EventLog> {
        RECORDED.lock().unwrap().push(stream);
        self.0.open(stream, session)
    }
}

/// Takes the messages of a stream after its priming event, with their ids.
async fn messages(mut events: EventReader) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    while let Some(event) = events.next().await {
        out.push((event.id.clone().unwrap(), event.message().unwrap()));
    }
    out
}

/// Serves `builder`'s server, reads a ten-step call's stream to its end,
/// then resumes it after its first progress notification: returns the
/// stream's id, its messages and what the resumption replayed.
async fn resume_after_first_step(
    builder: McpServerBuilder,
) -> (u64, Vec<(String, Value)>, Vec<(String, Value)>) {
    let (server, _) = serve(builder);
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let request = call(3, "count_steps", json!({"count": 10, "pause_ms": 1}));
    let mut events = raw.post_stream(request, &[]).await;
    let priming = events.next().await.unwrap().id.unwrap();
    let stream = priming.split('-').next().unwrap().to_owned();
    let sent = messages(events).await;
    assert_eq!(sent.len(), 11, "10 progress notifications, then the result");
    let response = raw.get_stream(Some(&format!("{stream}-1"))).await;
    assert_eq!(response.status(), 200);
    let replayed = messages(EventReader::new(response)).await;
    (stream.parse().unwrap(), sent, replayed)
}

#[tokio::test]
async fn resumption_replays_what_the_apps_event_store_kept() {
    // A handler may run 4 events ahead of its reader; the app's store
    // keeps 1000: the client kept an early event id only, and everything
    // after it comes back, from the store.
    let (stream, sent, replayed) = resume_after_first_step(
        mcp_tests::registry()
            .streams(StreamConfig::default().buffer(4, 1 << 20))
            .event_store(Recording(InMemoryEventStore::new(1000, 1 << 20))),
    )
    .await;
    assert!(RECORDED.lock().unwrap().contains(&stream));
    assert_eq!(replayed, sent[1..], "every later event, once, in order");

    // The default store keeps only the stream buffer: the same resumption
    // finds the events gone, and the stream ends at once.
    let (_, _, replayed) = resume_after_first_step(
        mcp_tests::registry().streams(StreamConfig::default().buffer(4, 1 << 20)),
    )
    .await;
    assert!(replayed.is_empty());
}
