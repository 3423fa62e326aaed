//! Graceful shutdown (`ServerHandle::stop(true)`): calls in flight finish
//! with their results, stalled request bodies do not hold the server
//! (they are answered 408 at their deadline and their connections
//! closed), and `stop` returns within its bound: the longest call in
//! flight or the body deadline, whichever is later, and never later than
//! actix's `shutdown_timeout`.

use std::net::{SocketAddr, TcpListener};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, post, web};
use mcp_runtime::config::Limits;
use mcp_runtime::mcp_tool;
use mcp_tests::wire::{self, WireReply, WireRequest};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

const BODY_IDLE: Duration = Duration::from_millis(300);
const BODY_TOTAL: Duration = Duration::from_secs(1);

/// Tags of the calls whose handler has started.
static STARTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[derive(Deserialize, JsonSchema)]
struct Nap {
    /// Told apart by the test.
    tag: String,
    /// How long to take, in milliseconds.
    ms: u64,
}

/// Takes its time, then says so.
#[mcp_tool]
#[post("/shutdown/slow")]
async fn sd_slow(nap: web::Json<Nap>) -> String {
    STARTED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(nap.tag.clone());
    tokio::time::sleep(Duration::from_millis(nap.ms)).await;
    format!("{} finished", nap.tag)
}

struct Running {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

/// A server on its own actix system, with `shutdown_timeout` and one
/// worker (so every connection is on the worker that shuts down).
fn start(shutdown_timeout: u64) -> Running {
    let mcp = mcp_tests::registry()
        .limits(Limits::default().body_timeouts(BODY_IDLE, BODY_TOTAL))
        .build()
        .expect("server builds");
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = HttpServer::new(move || {
                mcp.app(App::new().service(sd_slow).service(mcp.scope("/mcp")))
            })
            .workers(1)
            .shutdown_timeout(shutdown_timeout)
            .listen(listener)
            .unwrap()
            .run();
            tx.send((addr, server.handle())).unwrap();
            server.await.unwrap();
        });
    });
    let (addr, handle) = rx.recv().unwrap();
    Running {
        addr,
        handle,
        thread: Some(thread),
    }
}

impl Running {
    /// Stops gracefully; returns how long `stop` took.
    async fn stop(&mut self) -> Duration {
        let started = Instant::now();
        self.handle.stop(true).await;
        let took = started.elapsed();
        if let Some(thread) = self.thread.take() {
            tokio::task::spawn_blocking(move || thread.join().unwrap())
                .await
                .unwrap();
        }
        took
    }
}

async fn session(addr: SocketAddr) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "shutdown", "version": "1"}}});
    let reply = WireRequest::post(addr, init.to_string()).send(addr).await;
    assert_eq!(reply.status, 200);
    reply.header("mcp-session-id").unwrap().to_owned()
}

fn slow_call(addr: SocketAddr, session: &str, tag: &str, ms: u64) -> WireRequest {
    WireRequest::post(
        addr,
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "sd_slow", "arguments": {"tag": tag, "ms": ms}}})
        .to_string(),
    )
    .set("Mcp-Session-Id", session)
    // JSON, not a stream: the answer is one body at the end.
    .set("Accept", "application/json")
}

async fn until_started(tag: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !STARTED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|t| t == tag)
    {
        assert!(Instant::now() < deadline, "the call {tag} never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A `ping` on a new connection, kept open after its answer (its id is not
/// the one of a call in flight: a session's ids are its own while in
/// flight).
async fn ping(addr: SocketAddr, session: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let ping = WireRequest::post(
        addr,
        json!({"jsonrpc": "2.0", "id": "ping", "method": "ping"}).to_string(),
    )
    .set("Mcp-Session-Id", session)
    .remove("Connection");
    stream.write_all(&ping.bytes()).await.unwrap();
    let head = wire::read_head(&mut stream).await;
    assert_eq!(head.status, 200);
    stream
}

/// A connection that sent its headers and part of a body, then stalls.
async fn stalled(addr: SocketAddr, session: &str, chunked: bool) -> TcpStream {
    let mut request = WireRequest::post(addr, Vec::new()).set("Mcp-Session-Id", session);
    request = if chunked {
        request.set("Transfer-Encoding", "chunked")
    } else {
        request.set("Content-Length", "500")
    };
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&request.head()).await.unwrap();
    let part: &[u8] = if chunked {
        b"b\r\n{\"jsonrpc\":\r\n"
    } else {
        b"{\"jsonrpc\":"
    };
    stream.write_all(part).await.unwrap();
    stream
}

fn text(reply: &WireReply) -> Value {
    reply.reply().unwrap_or_default()["result"]["content"][0]["text"].clone()
}

#[tokio::test]
async fn in_flight_calls_finish_and_stalled_bodies_do_not_hold_shutdown() {
    // A held connection would show as a stop taking the whole 30 s.
    let mut server = start(30);
    let addr = server.addr;
    let session = session(addr).await;
    let call = tokio::spawn({
        let request = slow_call(addr, &session, "in-flight", 1500);
        async move { request.send(addr).await }
    });
    until_started("in-flight").await;
    let plain = stalled(addr, &session, false).await;
    let chunked = stalled(addr, &session, true).await;
    // A stopping worker drops the connections it has not taken up yet: an
    // answer on a later connection shows it took these.
    ping(addr, &session).await;

    let took = server.stop().await;

    let reply = call.await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(text(&reply), "in-flight finished");
    for mut stream in [plain, chunked] {
        let reply = wire::read_reply(&mut stream).await;
        assert_eq!((reply.status, reply.error_code()), (408, Some(-32000)));
    }
    // The call had 1.5 s to go, the stalled bodies 1 s at most: stop waits
    // for the call, not for the bodies, and not for its 30 s timeout.
    assert!(took >= Duration::from_millis(1000), "{took:?}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    // Nothing is served any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn stalled_bodies_alone_are_done_with_at_their_deadline() {
    let mut server = start(30);
    let addr = server.addr;
    let session = session(addr).await;
    let mut streams = Vec::new();
    for i in 0..10 {
        streams.push(stalled(addr, &session, i % 2 == 0).await);
    }
    // An idle keep-alive connection does not hold shutdown either.
    let _idle = ping(addr, &session).await;

    let took = server.stop().await;

    for mut stream in streams {
        let reply = wire::read_reply(&mut stream).await;
        assert_eq!((reply.status, reply.error_code()), (408, Some(-32000)));
    }
    // The body deadline (1 s in all), then actix's 1 s to close: well
    // before the 30 s shutdown timeout.
    assert!(took < Duration::from_secs(6), "{took:?}");
}

#[tokio::test]
async fn a_call_longer_than_the_shutdown_timeout_is_cut_at_the_bound() {
    let mut server = start(2);
    let addr = server.addr;
    let session = session(addr).await;
    let call = tokio::spawn({
        let request = slow_call(addr, &session, "too-long", 20_000);
        async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(&request.bytes()).await.unwrap();
            let mut raw = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(15), async {
                use tokio::io::AsyncReadExt as _;
                stream.read_to_end(&mut raw).await
            })
            .await;
            raw
        }
    });
    until_started("too-long").await;

    let took = server.stop().await;

    // Stopped at the timeout, not after the call's 20 s; the connection is
    // closed without an answer.
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(took < Duration::from_secs(7), "{took:?}");
    let raw = call.await.unwrap();
    assert!(raw.is_empty(), "{}", String::from_utf8_lossy(&raw));
}

#[tokio::test]
async fn open_event_streams_hold_shutdown_no_longer_than_its_timeout() {
    let mut server = start(2);
    let addr = server.addr;
    let session = session(addr).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let get = WireRequest::new("GET", "/mcp", &addr.to_string())
        .set("Mcp-Session-Id", &session)
        .set("Accept", "text/event-stream")
        .remove("Connection");
    stream.write_all(&get.bytes()).await.unwrap();
    let head = wire::read_head(&mut stream).await;
    assert_eq!(head.status, 200);

    let took = server.stop().await;

    assert!(took < Duration::from_secs(7), "{took:?}");
    // The stream was closed by the shutdown.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::AsyncReadExt as _;
        stream.read_to_end(&mut rest).await
    })
    .await;
    assert!(closed.is_ok(), "the stream is still open");
}
