//! A bounded flood, loopback only, against a server in this process: its
//! memory (this process's RSS) stays under the README's bound while
//! anonymous clients flood it with `initialize`s past the session capacity,
//! `initialize`s with oversized client information, maximal and over-long
//! batches and stalled connections; an active client's calls all succeed
//! meanwhile, no session in use is evicted, and RSS comes back near its
//! baseline afterwards.
//!
//! The README's bound for session state is
//! `capacity × (max_session_bytes + ~200 bytes)`, plus per running stream
//! its buffer's bytes, the 64 KiB channel and two of its largest messages. What
//! requests hold while they are served is bounded by the other limits (a
//! body by `max_request_size`, a batch's answer by `batch_limits`); the
//! test adds those for the requests it keeps in flight, and a fixed slack
//! for what is not the server's (the test's own clients and buffers, the
//! allocator's arenas and fragmentation, thread stacks).
//!
//! Runs in well under 30 s in a debug build. The tests here measure one
//! process's memory, so they run one at a time (`MEASURING`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, post, web};
use futures_util::future::join_all;
use mcp_runtime::config::{Limits, StreamConfig};
use mcp_runtime::store::InMemorySessionStore;
use mcp_runtime::{McpContext, mcp_tool};
use mcp_tests::TestServer;
use mcp_tests::wire::{self, WireReply, WireRequest, rss_bytes};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

const CAPACITY: usize = 300;
const SESSION_BYTES: usize = 32 * 1024;
const MAX_REQUEST: usize = 512 * 1024;
const BATCH_LEN: usize = 32;
const BATCH_BYTES: usize = 64 * 1024;
const STREAM_BYTES: usize = 256 * 1024;
/// Concurrent connections per flood.
const CONCURRENCY: usize = 4;
const STALLED: usize = 200;
/// What is not the server's: the test's clients and their buffers, the
/// allocator's per-thread arenas and fragmentation, stacks of the threads
/// the floods start. Measured peaks stay well inside it; unbounded state
/// (the 4 MB client names, 89k-request batches) would not.
const SLACK: u64 = 64 * 1024 * 1024;

/// One memory measurement at a time in this process.
static MEASURING: Mutex<()> = Mutex::const_new(());

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Words {
    text: String,
}

/// Echoes the text it was given.
#[mcp_tool]
#[post("/soak/echo")]
async fn soak_echo(body: web::Json<Words>) -> web::Json<Words> {
    body
}

/// A message of a chatty call (its progress text), and how many it sends.
const MESSAGE_BYTES: usize = 200 * 1024;
const MESSAGES: usize = 100;
/// What waits in the channel between a handler and its stream (the
/// runtime's fixed 64 KiB, or one larger message).
const CHANNEL_BYTES: usize = 64 * 1024;
/// Messages chatty calls have sent.
static SENT: AtomicU64 = AtomicU64::new(0);

/// Reports progress with long messages.
#[mcp_tool]
#[post("/soak/chatty")]
async fn soak_chatty(ctx: McpContext) -> &'static str {
    for step in 0..MESSAGES {
        let message = "x".repeat(MESSAGE_BYTES);
        ctx.progress(step as f64, None, Some(&message)).await;
        SENT.fetch_add(1, Ordering::Relaxed);
    }
    "done"
}

fn serve() -> TestServer {
    let mcp = mcp_tests::registry()
        .limits(
            Limits::default()
                .max_request_size(MAX_REQUEST)
                .max_session_size(SESSION_BYTES)
                .batch_limits(BATCH_LEN, BATCH_BYTES)
                .body_timeouts(Duration::from_millis(300), Duration::from_secs(1)),
        )
        .streams(StreamConfig::default().buffer(64, STREAM_BYTES))
        // Every client here is one address: the whole table is its share.
        .session_store(
            InMemorySessionStore::new(Duration::from_secs(3600), CAPACITY).per_client(CAPACITY),
        )
        .build()
        .expect("server builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(soak_echo)
                .service(soak_chatty)
                .service(mcp.scope("/mcp")),
        )
    })
}

/// The README's bound on session state, plus what `requests` requests in
/// flight may hold by the other limits: each its body, the copies parsing
/// makes of it (at most three more), and a batch's answer.
fn bound(requests: usize) -> u64 {
    let sessions = CAPACITY * (SESSION_BYTES + 200);
    let requests = requests * (4 * MAX_REQUEST + BATCH_BYTES);
    (sessions + requests) as u64
}

/// The README's bound on what a running stream holds.
fn stream_bound(largest_message: usize) -> usize {
    STREAM_BYTES + CHANNEL_BYTES + 2 * largest_message
}

/// Returns freed memory to the OS, so RSS shows what is in use.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The peak RSS stayed within `allowed` bytes over the baseline.
fn assert_within(peak: u64, baseline: u64, allowed: u64) {
    assert!(
        peak <= baseline + allowed,
        "peak RSS {:.1} MiB over baseline {:.1} MiB + bound {:.1} MiB",
        mib(peak),
        mib(baseline),
        mib(allowed)
    );
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Samples RSS until stopped; returns the peak.
struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_bytes()));
        let thread = std::thread::spawn({
            let (stop, peak) = (stop.clone(), peak.clone());
            move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_bytes(), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        });
        Sampler {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

fn initialize(name: &str, capabilities: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": capabilities,
        "clientInfo": {"name": name, "version": "1"}}})
    .to_string()
}

/// A session as a real client opens one: `initialize`, then
/// `notifications/initialized`.
async fn open(addr: SocketAddr, name: &str) -> String {
    let reply = WireRequest::post(addr, initialize(name, json!({})))
        .send(addr)
        .await;
    assert_eq!(reply.status, 200);
    let session = reply.header("mcp-session-id").unwrap().to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let reply = in_session(addr, &session, initialized.to_string())
        .send(addr)
        .await;
    assert_eq!(reply.status, 202);
    session
}

fn in_session(addr: SocketAddr, session: &str, body: impl Into<Vec<u8>>) -> WireRequest {
    WireRequest::post(addr, body).set("Mcp-Session-Id", session)
}

async fn echo(addr: SocketAddr, session: &str, i: u64) -> bool {
    let text = format!("call {i}");
    let reply = in_session(
        addr,
        session,
        json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
               "params": {"name": "soak_echo", "arguments": {"text": text}}})
        .to_string(),
    )
    .send(addr)
    .await;
    reply.status == 200
        && reply.reply().is_some_and(|m| {
            m["id"] == i && m["result"]["structuredContent"]["text"] == text.as_str()
        })
}

/// Sends `total` requests made by `make`, `CONCURRENCY` at a time.
async fn flood(
    addr: SocketAddr,
    total: usize,
    make: impl Fn(usize) -> WireRequest,
) -> Vec<WireReply> {
    let mut replies = Vec::with_capacity(total);
    for start in (0..total).step_by(CONCURRENCY) {
        let requests: Vec<WireRequest> = (start..(start + CONCURRENCY).min(total))
            .map(&make)
            .collect();
        replies.extend(join_all(requests.iter().map(|r| r.send(addr))).await);
    }
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn floods_stay_within_the_memory_bound_and_active_clients_keep_working() {
    let _one_at_a_time = MEASURING.lock().await;
    let started = Instant::now();
    let server = serve();
    let addr = server.addr;

    // Clients in before the flood: one calling throughout, one idle (it
    // must not be evicted), one for batches.
    let active = open(addr, "active").await;
    let idle = open(addr, "idle").await;
    let batcher = open(addr, "batcher").await;
    let ours = 3;

    // Warm up every path once, then measure the baseline.
    for i in 0..20 {
        assert!(echo(addr, &active, i).await);
    }
    let warm = in_session(
        addr,
        &batcher,
        json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]).to_string(),
    )
    .send(addr)
    .await;
    assert_eq!(warm.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    trim();
    let baseline = rss_bytes();

    let sampler = Sampler::start();
    let failures = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    let flooding = Arc::new(AtomicBool::new(true));
    let caller = tokio::spawn({
        let (failures, calls, flooding, active) = (
            failures.clone(),
            calls.clone(),
            flooding.clone(),
            active.clone(),
        );
        async move {
            let mut i = 1000;
            while flooding.load(Ordering::Relaxed) {
                i += 1;
                if !echo(addr, &active, i).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                calls.fetch_add(1, Ordering::Relaxed);
            }
        }
    });

    // Stalled connections: headers and part of a body, then nothing.
    let stalled = join_all((0..STALLED).map(|_| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = WireRequest::post(addr, Vec::new())
            .set("Content-Length", "1000")
            .head();
        stream.write_all(&head).await.unwrap();
        stream.write_all(b"{\"jsonrpc\":\"2.0\",").await.unwrap();
        stream
    }))
    .await;

    // Oversized client information: refused, nothing stored. (Were it
    // stored, these alone would add capacity × 480 KB = 140 MB.)
    let big_name = "n".repeat(480 * 1024);
    let oversized = flood(addr, CAPACITY, |_| {
        WireRequest::post(addr, initialize(&big_name, json!({})))
    });
    // Past capacity: each bare `initialize` takes the place of the oldest
    // session nobody used, never one in use; the table stays at capacity.
    // (Near the limit as stored: the name plus the rest of the parameters.)
    let near_limit = "c".repeat(SESSION_BYTES - 1024);
    let extra = 60;
    let capacity = flood(addr, CAPACITY - ours + extra, |_| {
        WireRequest::post(addr, initialize(&near_limit, json!({})))
    });
    // Maximal batches, and batches far past the length limit.
    let list = |n: usize| {
        Value::Array(
            (0..n)
                .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}))
                .collect(),
        )
        .to_string()
    };
    let maximal = list(BATCH_LEN);
    let over_long = list(MAX_REQUEST / 60);
    assert!(over_long.len() < MAX_REQUEST);
    let batches = flood(addr, 80, |i| {
        let body = if i % 4 == 0 { &over_long } else { &maximal };
        in_session(addr, &batcher, body.clone())
    });
    let (oversized, capacity, batches) = tokio::join!(oversized, capacity, batches);

    // Every stalled connection was answered 408 at its deadline and closed.
    let stalled_replies = join_all(
        stalled
            .into_iter()
            .map(|mut s| async move { wire::read_reply(&mut s).await }),
    )
    .await;
    flooding.store(false, Ordering::Relaxed);
    caller.await.unwrap();
    let peak = sampler.finish();

    for reply in &oversized {
        assert_eq!((reply.status, reply.error_code()), (200, Some(-32602)));
        assert_eq!(reply.header("mcp-session-id"), None);
    }
    let admitted: Vec<String> = capacity
        .iter()
        .filter_map(|r| r.header("mcp-session-id").map(str::to_owned))
        .collect();
    assert_eq!(
        admitted.len(),
        CAPACITY - ours + extra,
        "newcomers take unused places: nobody is locked out"
    );
    for (i, reply) in batches.iter().enumerate() {
        if i % 4 == 0 {
            assert_eq!((reply.status, reply.error_code()), (400, Some(-32600)));
        } else {
            let answers = reply.json().unwrap();
            let answers = answers.as_array().unwrap();
            assert_eq!(answers.len(), BATCH_LEN);
            // The response budget cut the batch short: the rest say so.
            assert!(answers.iter().any(|a| a["error"]["code"] == -32000));
        }
    }
    for reply in &stalled_replies {
        assert_eq!((reply.status, reply.error_code()), (408, Some(-32000)));
    }

    let calls = calls.load(Ordering::Relaxed);
    assert_eq!(
        failures.load(Ordering::Relaxed),
        0,
        "the active client's calls all succeed ({calls} calls)"
    );
    assert!(
        calls >= 20,
        "the active client kept calling ({calls} calls)"
    );
    // Nobody in use was evicted, not even the idle client.
    for (i, session) in [&active, &idle, &batcher].into_iter().enumerate() {
        assert!(echo(addr, session, i as u64).await, "session {i} kept");
    }

    let allowed = bound(3 * CONCURRENCY + 1) + SLACK;
    println!(
        "baseline {:.1} MiB, peak {:.1} MiB (+{:.1}), allowed +{:.1} MiB; {calls} calls",
        mib(baseline),
        mib(peak),
        mib(peak.saturating_sub(baseline)),
        mib(allowed)
    );
    assert_within(peak, baseline, allowed);

    // Afterwards: the flood's sessions ended, memory comes back. What stays
    // (allocator caches, the store's grown tables, the test's buffers) is
    // small next to what the flood held.
    // (The `extra` oldest made room for the newest: already gone.)
    let mut gone = 0;
    for session in &admitted {
        let delete =
            WireRequest::new("DELETE", "/mcp", &addr.to_string()).set("Mcp-Session-Id", session);
        match delete.send(addr).await.status {
            200 => {}
            404 => gone += 1,
            other => panic!("DELETE answered {other}"),
        }
    }
    assert_eq!(gone, extra, "the table held at most its capacity");
    drop((
        oversized,
        capacity,
        batches,
        stalled_replies,
        big_name,
        near_limit,
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    trim();
    let after = rss_bytes();
    println!(
        "after {:.1} MiB (+{:.1} over baseline); took {:?}",
        mib(after),
        mib(after.saturating_sub(baseline)),
        started.elapsed()
    );
    assert!(
        after <= baseline + 32 * 1024 * 1024,
        "RSS {:.1} MiB did not come back near baseline {:.1} MiB",
        mib(after),
        mib(baseline)
    );
    // And the room is there again.
    let again = open(addr, "after").await;
    assert!(echo(addr, &again, 1).await);
}

/// `max_session_bytes` bounds the JSON a session stores; the README bounds
/// the memory of session state by the same number of bytes. Client
/// information made of many small values (legal capabilities, within the
/// byte limit) must not take many times more memory than its bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_memory_is_bounded_by_max_session_bytes_whatever_the_json_shape() {
    let _one_at_a_time = MEASURING.lock().await;
    let server = serve();
    let addr = server.addr;
    // Tiny members, `"k123":{},` each: as many as the server admits (the
    // limit counts what the parsed members take, not their JSON bytes).
    let with_members = |count: usize| {
        let members: serde_json::Map<String, Value> =
            (0..count).map(|i| (format!("k{i}"), json!({}))).collect();
        initialize(
            "tiny",
            json!({"experimental": {"x": {}}, "extensions": members}),
        )
    };
    let admitted = |body: &str| {
        let body = body.to_owned();
        async move {
            let reply = WireRequest::post(addr, body).send(addr).await;
            reply.header("mcp-session-id").is_some()
        }
    };
    // The JSON limit alone would admit this many.
    let mut count = SESSION_BYTES / 10;
    assert!(
        !admitted(&with_members(count)).await,
        "{count} tiny members are refused"
    );
    while !admitted(&with_members(count)).await {
        assert!(count > 0, "even an initialize without members is refused");
        count = count * 9 / 10;
    }
    let body = with_members(count);
    println!(
        "{count} tiny members ({} JSON bytes) are admitted",
        body.len()
    );
    open(addr, "warm").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    trim();
    let baseline = rss_bytes();
    // The capacity less the warm-up's and the admitted probe's sessions.
    let replies = flood(addr, CAPACITY - 2, |_| {
        WireRequest::post(addr, body.clone())
    })
    .await;
    assert!(replies.iter().all(|r| r.status == 200));
    drop(replies);
    trim();
    let held = rss_bytes().saturating_sub(baseline);
    let allowed = bound(0) + 16 * 1024 * 1024;
    println!(
        "{} sessions of {} JSON bytes hold {:.1} MiB; the bound is {:.1} MiB",
        CAPACITY - 2,
        body.len(),
        mib(held),
        mib(allowed)
    );
    assert!(
        held <= allowed,
        "sessions hold {:.1} MiB, over the bound {:.1} MiB",
        mib(held),
        mib(allowed)
    );
}

/// A stream holds at most its `StreamConfig::buffer` bytes, the channel's
/// 64 KiB and two of its largest messages (one on its way into the buffer,
/// one in the channel), however much its handler sends while nobody reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_read_streams_hold_at_most_their_byte_bound() {
    const CALLS: usize = 32;
    let _one_at_a_time = MEASURING.lock().await;
    let server = serve();
    let addr = server.addr;
    let mut sessions = Vec::new();
    for i in 0..CALLS {
        sessions.push(open(addr, &format!("reader-{i}")).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    trim();
    let baseline = rss_bytes();
    let sampler = Sampler::start();
    // Each client starts a chatty call and never reads its stream.
    let mut streams = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let call = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {"name": "soak_chatty", "_meta": {"progressToken": i}}});
        let request = in_session(addr, session, call.to_string())
            .set("Accept", "application/json, text/event-stream");
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&request.bytes()).await.unwrap();
        streams.push(stream);
    }
    // Until the handlers are all waiting for their readers.
    let mut last = u64::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let sent = SENT.load(Ordering::Relaxed);
        if sent == last {
            break;
        }
        last = sent;
    }
    let peak = sampler.finish();
    let allowed = (CALLS * stream_bound(MESSAGE_BYTES)) as u64 + SLACK;
    println!(
        "{CALLS} unread streams, {last} messages sent: +{:.1} MiB, allowed +{:.1} MiB",
        mib(peak.saturating_sub(baseline)),
        mib(allowed)
    );
    assert!(
        last < (CALLS * MESSAGES) as u64,
        "the handlers wait for their readers"
    );
    assert_within(peak, baseline, allowed);
    drop(streams);
}
