//! What the benchmarks share: the server (one handler as a REST route and
//! as the tool `bench_echo`, MCP mounted for JSON and for SSE answers), a
//! raw HTTP/1.1 client, the requests of each row and their checks, and the
//! process's and threads' CPU clocks.

#![allow(dead_code)] // each benchmark uses its part

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use actix_web::web::{Bytes, BytesMut};
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use mcp_runtime::config::Filter;
use mcp_runtime::config::StreamConfig;
use mcp_runtime::store::redis::Redis;
use mcp_runtime::{McpServer, McpServerBuilder, mcp_tool};
use serde_json::{Value, json};

/// With the feature `mimalloc`, the whole benchmark process allocates with
/// it (REST and MCP alike).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Echo a word.
#[mcp_tool]
#[get("/bench/echo/{word}")]
pub async fn bench_echo(word: web::Path<String>) -> String {
    word.into_inner()
}

/// The word [`bench_echo_direct`] echoes.
#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Word {
    pub word: String,
}

/// Echo a word, without a route: a hand-written tool, run beside the app
/// rather than through it (what the MCP layers cost without the pass
/// through the app).
#[mcp_tool]
pub async fn bench_echo_direct(word: web::Json<Word>) -> String {
    word.into_inner().word
}

/// The floor a POST sets: the session `tools/call`'s request (its
/// headers, its JSON-RPC body, read whole) answered by plain actix with
/// the same word, no MCP in between.
#[post("/bench/echo")]
pub async fn bench_echo_post(body: web::Bytes) -> &'static str {
    assert!(!body.is_empty());
    "hi"
}

/// `len` bytes of JSON text (a string of spaces), copied from one buffer
/// made once, as a list's page is copied into its answer: a REST response
/// of a list's size, to set the list against.
#[get("/bench/bytes/{len}")]
pub async fn bench_bytes(len: web::Path<usize>) -> HttpResponse {
    static BUFFER: OnceLock<Bytes> = OnceLock::new();
    let buffer = BUFFER.get_or_init(|| {
        let mut text = vec![b' '; BYTES_MAX];
        text[0] = b'"';
        Bytes::from(text)
    });
    let len = len.into_inner().clamp(2, BYTES_MAX);
    let mut body = BytesMut::with_capacity(len);
    body.extend_from_slice(&buffer[..len - 1]);
    body.extend_from_slice(b"\"");
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.freeze())
}

/// The largest body `bench_bytes` serves.
pub const BYTES_MAX: usize = 1 << 20;

/// Ten hand-written tools, `t0` to `t9`; each module of [`many`] has them.
macro_rules! ten_tools {
    ($($t:ident)*) => {$(
        /// One of the many tools of the `tools/list` row.
        #[mcp_tool]
        pub async fn $t() -> &'static str {
            stringify!($t)
        }
    )*};
}

/// 200 tools for the long `tools/list` row: 20 modules of 10, each module's
/// names prefixed (`m07_t3`), served at `/mcp-many` only.
pub mod many {
    macro_rules! modules {
        ($($m:ident)*) => {$(
            pub mod $m {
                use mcp_runtime::mcp_tool;
                ten_tools!(t0 t1 t2 t3 t4 t5 t6 t7 t8 t9);
            }
        )*};
    }
    modules!(m00 m01 m02 m03 m04 m05 m06 m07 m08 m09 m10 m11 m12 m13 m14 m15 m16 m17 m18 m19);

    /// How many tools `/mcp-many` lists.
    pub const TOOLS: usize = 200;

    /// This module's path, which filters and prefixes name.
    pub fn module() -> &'static str {
        module_path!()
    }
}

/// A server builder for the benchmarks' endpoints: the registry without
/// [`many`]'s tools, or (`many`) only them.
pub fn builder(many: bool) -> McpServerBuilder {
    let b = McpServer::from_registry().auth_with_scopes::<mcp_examples::items::AuthUser>();
    if !many {
        return b.filter(Filter::new().exclude_modules([many::module()]));
    }
    (0..20).fold(
        b.filter(Filter::new().include_modules([many::module()])),
        |b, i| b.prefix_module(format!("{}::m{i:02}", many::module()), format!("m{i:02}_")),
    )
}

pub const HANDSHAKE: &str = "2025-11-25";
pub const STATELESS: &str = "2026-07-28";

pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")),
        Err(_) => default,
    }
}

/// Where the client and the server threads run (`BENCH_PIN`).
#[derive(Clone, Copy, PartialEq)]
pub enum Pin {
    /// Wherever the scheduler puts them.
    No,
    /// All on CPU 0.
    Same,
    /// The client on CPU 0, the server on CPU 1.
    Split,
}

impl Pin {
    pub fn from_env() -> Pin {
        match std::env::var("BENCH_PIN").as_deref() {
            Err(_) | Ok("" | "no") => Pin::No,
            Ok("same") => Pin::Same,
            Ok("split") => Pin::Split,
            Ok(other) => panic!("BENCH_PIN is `same`, `split` or `no`, not {other:?}"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Pin::No => "threads unpinned",
            Pin::Same => "client and server pinned to one CPU",
            Pin::Split => "client pinned to CPU 0, server to CPU 1",
        }
    }
}

/// Pins the calling thread (and the threads it starts later) to `cpu`.
pub fn pin_to(cpu: usize) {
    // SAFETY: a zeroed `cpu_set_t` is an empty set; `sched_setaffinity` on
    // pid 0 applies to the calling thread and only reads the set.
    unsafe {
        let mut set = std::mem::zeroed::<libc::cpu_set_t>();
        libc::CPU_SET(cpu, &mut set);
        let size = std::mem::size_of::<libc::cpu_set_t>();
        assert_eq!(
            libc::sched_setaffinity(0, size, &set),
            0,
            "cannot pin to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Starts the server on its own thread and actix system; it runs until the
/// process exits.
pub fn start_server(nodelay: bool, pin: Pin, redis: Option<String>) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        match pin {
            Pin::No => {}
            Pin::Same => pin_to(0),
            Pin::Split => pin_to(1),
        }
        actix_web::rt::System::new().block_on(async move {
            let mcp = builder(false).build().expect("registry builds");
            let mcp_many = builder(true).build().expect("registry builds");
            let mcp_sse = builder(false)
                .streams(StreamConfig::default().always_stream(true))
                .build()
                .expect("registry builds");
            let mcp_redis = match redis {
                Some(url) => {
                    let redis = Redis::connect(&url, "latency-bench")
                        .await
                        .expect("redis connects");
                    let sessions = || redis.sessions(Duration::from_secs(3600));
                    let mcp = builder(false)
                        .session_store(sessions())
                        .build()
                        .expect("registry builds");
                    let cached = builder(false)
                        .session_store(sessions().cached(Duration::from_secs(5)))
                        .build()
                        .expect("registry builds");
                    Some((mcp, cached))
                }
                None => None,
            };
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().expect("local addr");
            let mut server = HttpServer::new(move || {
                mcp.app(
                    App::new()
                        .service(bench_echo)
                        .service(bench_bytes)
                        .service(bench_echo_post)
                        .service(mcp_many.scope("/mcp-many"))
                        .service(mcp.scope("/mcp"))
                        .service(mcp_sse.scope("/mcp-sse"))
                        .configure(|cfg| {
                            if let Some((mcp_redis, cached)) = &mcp_redis {
                                cfg.service(mcp_redis.scope("/mcp-redis"))
                                    .service(cached.scope("/mcp-redis-cached"));
                            }
                        }),
                )
            })
            .workers(1)
            // Rows take turns: an idle connection waits for the others
            // (long with `BENCH_SERVER_NODELAY=0`) and must stay open.
            .keep_alive(Duration::from_secs(600));
            if nodelay {
                server = server.tcp_nodelay(true);
            }
            let server = server.listen(listener).expect("listen").run();
            tx.send(addr).expect("report address");
            server.await.expect("server runs");
        });
    });
    rx.recv().expect("server started")
}

/// rmcp's own server with the same tool (`#[tool]` on its Streamable HTTP
/// service, sessions on, on axum with `TCP_NODELAY`): the peer row
/// (feature `rmcp-peer`).
#[cfg(feature = "rmcp-peer")]
pub mod peer {
    use std::net::SocketAddr;

    use rmcp::handler::server::router::tool::ToolRouter;
    use rmcp::handler::server::wrapper::Parameters;
    use rmcp::model::{ServerCapabilities, ServerConfig};
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};

    use super::{Pin, pin_to};

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    pub struct Word {
        word: String,
    }

    #[derive(Clone)]
    pub struct Echo {
        tool_router: ToolRouter<Self>,
    }

    #[tool_router]
    impl Echo {
        #[tool(description = "Echo a word.")]
        async fn bench_echo(&self, Parameters(Word { word }): Parameters<Word>) -> String {
            word
        }
    }

    #[tool_handler(router = self.tool_router)]
    impl ServerHandler for Echo {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        }
    }

    /// Starts the peer on its own thread and single-threaded runtime (as
    /// the actix server's one worker), pinned as `pin` says.
    pub fn start(pin: Pin) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            match pin {
                Pin::No => {}
                Pin::Same => pin_to(0),
                Pin::Split => pin_to(1),
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let service: StreamableHttpService<Echo, LocalSessionManager> =
                    StreamableHttpService::new(
                        || {
                            Ok(Echo {
                                tool_router: Echo::tool_router(),
                            })
                        },
                        Default::default(),
                        StreamableHttpServerConfig::default().with_sse_keep_alive(None),
                    );
                let router = axum::Router::new().nest_service("/mcp", service);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                tx.send(listener.local_addr().expect("local addr"))
                    .expect("report address");
                use axum::serve::ListenerExt as _;
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                axum::serve(listener, router).await.expect("peer serves");
            });
        });
        rx.recv().expect("peer started")
    }
}

/// A response as read off the wire.
pub struct Response {
    pub status: u16,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One keep-alive HTTP/1.1 connection, one request at a time.
pub struct Conn {
    pub stream: TcpStream,
    pub host: String,
    pub buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pub pos: usize,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        Conn {
            stream,
            host: addr.to_string(),
            buf: Vec::with_capacity(64 * 1024),
            pos: 0,
        }
    }

    /// Reads more bytes into the buffer; panics at end of stream.
    pub fn fill(&mut self) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + 16 * 1024, 0);
        let n = self.stream.read(&mut self.buf[len..]).expect("read");
        self.buf.truncate(len + n);
        assert!(n > 0, "the server closed the connection");
    }

    /// The unread bytes up to and including the first `needle`, consumed.
    pub fn take_through(&mut self, needle: &[u8]) -> Vec<u8> {
        // Unread bytes already searched (relative to `pos`, which `fill`
        // may move, but only when nothing is unread).
        let mut searched: usize = 0;
        loop {
            let from = self.pos + searched.saturating_sub(needle.len() - 1);
            if let Some(at) = self.buf[from..]
                .windows(needle.len())
                .position(|w| w == needle)
            {
                let end = from + at + needle.len();
                let out = self.buf[self.pos..end].to_vec();
                self.pos = end;
                return out;
            }
            searched = self.buf.len() - self.pos;
            self.fill();
        }
    }

    pub fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() - self.pos < n {
            self.fill();
        }
        let out = self.buf[self.pos..self.pos + n].to_vec();
        self.pos += n;
        out
    }

    /// Sends a request and reads its whole response (a chunked one through
    /// its terminating chunk).
    pub fn exchange(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        if method != "GET" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut request = request.into_bytes();
        request.extend_from_slice(body);
        self.stream.write_all(&request).expect("write request");
        self.read_response()
    }

    pub fn read_response(&mut self) -> Response {
        let head = self.take_through(b"\r\n\r\n");
        let head = String::from_utf8(head).expect("UTF-8 head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (k, v) = l.split_once(':').expect("header line");
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let body = if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            let mut body = Vec::new();
            loop {
                let line = self.take_through(b"\r\n");
                let size = std::str::from_utf8(&line[..line.len() - 2]).expect("chunk size");
                let size = size.split(';').next().unwrap_or_default().trim();
                let size = usize::from_str_radix(size, 16).expect("hex chunk size");
                if size == 0 {
                    // No trailers: the blank line that ends the body.
                    let end = self.take_through(b"\r\n");
                    assert_eq!(end, b"\r\n", "no trailers expected");
                    break;
                }
                body.extend_from_slice(&self.take(size));
                assert_eq!(self.take(2), b"\r\n", "chunk ends with CRLF");
            }
            body
        } else {
            let length = get("content-length").map_or(0, |v| v.parse().expect("Content-Length"));
            self.take(length)
        };
        Response {
            status,
            headers,
            body,
        }
    }
}

/// The rows both benchmarks start with: REST, a POST with the session
/// call's headers and body answered by plain actix, then the same handler
/// as a tool called in a session (JSON, then SSE) and in the stateless
/// revision.
pub const CALL_ROWS: [(&str, Kind); 5] = [
    ("REST GET /bench/echo/hi", Kind::Rest),
    (
        "REST POST /bench/echo with the call's headers and body",
        Kind::RestPost,
    ),
    (
        "MCP tools/call, JSON answer",
        Kind::Handshake {
            sse: false,
            store: Store::Memory,
        },
    ),
    (
        "MCP tools/call, SSE answer",
        Kind::Handshake {
            sse: true,
            store: Store::Memory,
        },
    ),
    (
        "MCP tools/call 2026-07-28 (stateless), JSON answer",
        Kind::Stateless { sse: false },
    ),
];

/// What a row sends, and how its answer is checked.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Rest,
    /// REST, `POST /bench/echo` with a session `tools/call`'s headers and
    /// body ([`bench_echo_post`]).
    RestPost,
    /// REST, `GET /bench/bytes/{len}`: a response of `len` bytes.
    Bytes {
        len: usize,
    },
    /// In a session, kept in `store`.
    Handshake {
        sse: bool,
        store: Store,
    },
    Stateless {
        sse: bool,
    },
    /// `tools/list` in a session (JSON); `many`: of the 200 tools.
    List {
        many: bool,
    },
    /// `tools/call` in a session of rmcp's own server ([`peer`]).
    Peer,
}

/// Where a [`Kind::Handshake`] row's session is kept.
#[derive(Clone, Copy, PartialEq)]
pub enum Store {
    Memory,
    /// `store::redis`, read on every request (`/mcp-redis`).
    Redis,
    /// The same, cached in the replica (`RedisSessionStore::cached`,
    /// `/mcp-redis-cached`).
    RedisCached,
}

/// One row's client: a connection (and session) of its own.
pub struct Row {
    pub name: &'static str,
    pub kind: Kind,
    pub conn: Conn,
    pub path: &'static str,
    pub session: Option<String>,
    pub next_id: u64,
    /// A list row's first result, which every later answer repeats.
    pub list: Option<Vec<u8>>,
}

impl Row {
    pub fn new(name: &'static str, kind: Kind, addr: SocketAddr) -> Row {
        let path = match kind {
            Kind::Rest => "/bench/echo/hi",
            Kind::RestPost => "/bench/echo",
            Kind::Bytes { len } => Box::leak(format!("/bench/bytes/{len}").into_boxed_str()),
            Kind::Handshake {
                store: Store::Redis,
                ..
            } => "/mcp-redis",
            Kind::Handshake {
                store: Store::RedisCached,
                ..
            } => "/mcp-redis-cached",
            Kind::List { many: true } => "/mcp-many",
            Kind::Peer => "/mcp",
            Kind::Handshake { sse: false, .. }
            | Kind::Stateless { sse: false }
            | Kind::List { many: false } => "/mcp",
            Kind::Handshake { sse: true, .. } | Kind::Stateless { sse: true } => "/mcp-sse",
        };
        let mut row = Row {
            name,
            kind,
            conn: Conn::open(addr),
            path,
            session: None,
            next_id: 1,
            list: None,
        };
        if let Kind::Handshake { .. } | Kind::List { .. } | Kind::Peer = kind {
            row.initialize();
        }
        row
    }

    /// `initialize` and `notifications/initialized`: the session the calls
    /// run in.
    pub fn initialize(&mut self) {
        let body = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": HANDSHAKE,
                "capabilities": {},
                "clientInfo": {"name": "latency-bench", "version": "1"}
            }
        })
        .to_string();
        let reply = self.conn.exchange(
            "POST",
            self.path,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
            ],
            body.as_bytes(),
        );
        assert_eq!(reply.status, 200, "initialize: {}", text(&reply.body));
        let result: Value = if reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/event-stream"))
        {
            // (rmcp's server answers in SSE.)
            let messages = mcp_tests::sse_messages(&text(&reply.body));
            messages.into_iter().next().expect("an initialize result")
        } else {
            serde_json::from_slice(&reply.body).expect("JSON initialize result")
        };
        assert_eq!(result["result"]["protocolVersion"], HANDSHAKE);
        let session = reply
            .header("mcp-session-id")
            .expect("a session id")
            .to_owned();
        let body = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
        let reply = self.conn.exchange(
            "POST",
            self.path,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json, text/event-stream"),
                ("Mcp-Session-Id", &session),
                ("MCP-Protocol-Version", HANDSHAKE),
            ],
            body.as_bytes(),
        );
        assert_eq!(reply.status, 202, "initialized: {}", text(&reply.body));
        self.session = Some(session);
    }

    /// Sends one request; returns its latency, and the response with the
    /// request id it should answer.
    pub fn send(&mut self) -> (Duration, Response, u64) {
        let id = self.next_id;
        self.next_id += 1;
        match self.kind {
            Kind::Rest | Kind::Bytes { .. } => {
                let start = Instant::now();
                let reply = self.conn.exchange("GET", self.path, &[], b"");
                (start.elapsed(), reply, id)
            }
            Kind::RestPost | Kind::Handshake { .. } | Kind::List { .. } | Kind::Peer => {
                let body = if let Kind::List { .. } = self.kind {
                    format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#)
                } else {
                    format!(
                        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"bench_echo","arguments":{{"word":"hi"}}}}}}"#
                    )
                };
                // (Plain actix takes the session's header as it comes.)
                let session = match self.kind {
                    Kind::RestPost => "4b0e5f0a-0b8e-4f3c-9d1e-2a7c5b9e8f10",
                    _ => self.session.as_deref().expect("a session"),
                };
                let start = Instant::now();
                let reply = self.conn.exchange(
                    "POST",
                    self.path,
                    &[
                        ("Content-Type", "application/json"),
                        ("Accept", "application/json, text/event-stream"),
                        ("Mcp-Session-Id", session),
                        ("MCP-Protocol-Version", HANDSHAKE),
                    ],
                    body.as_bytes(),
                );
                (start.elapsed(), reply, id)
            }
            Kind::Stateless { .. } => {
                let body = format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"bench_echo","arguments":{{"word":"hi"}},"_meta":{{"io.modelcontextprotocol/protocolVersion":"{STATELESS}","io.modelcontextprotocol/clientInfo":{{"name":"latency-bench","version":"1"}},"io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
                );
                let start = Instant::now();
                let reply = self.conn.exchange(
                    "POST",
                    self.path,
                    &[
                        ("Content-Type", "application/json"),
                        ("Accept", "application/json, text/event-stream"),
                        ("MCP-Protocol-Version", STATELESS),
                        ("Mcp-Method", "tools/call"),
                        ("Mcp-Name", "bench_echo"),
                    ],
                    body.as_bytes(),
                );
                (start.elapsed(), reply, id)
            }
        }
    }

    /// Panics unless `reply` is the right answer to request `id`.
    pub fn check(&mut self, reply: &Response, id: u64) {
        if let Kind::List { many } = self.kind {
            return self.check_list(reply, id, many);
        }
        let body = text(&reply.body);
        assert_eq!(
            reply.status, 200,
            "{}: status {}: {body}",
            self.name, reply.status
        );
        let (sse, primed) = match self.kind {
            Kind::Rest | Kind::RestPost => {
                assert_eq!(body, "hi", "{}: REST body", self.name);
                return;
            }
            Kind::Bytes { len } => {
                assert_eq!(reply.body.len(), len, "{}: REST body", self.name);
                return;
            }
            Kind::Handshake { sse, .. } => (sse, sse),
            // rmcp answers in SSE, primed as it sees fit.
            Kind::Peer => (true, false),
            Kind::Stateless { sse } => (sse, false),
            Kind::List { .. } => unreachable!("checked by check_list"),
        };
        let content_type = reply.header("content-type").unwrap_or_default();
        let message = if sse {
            assert_eq!(content_type, "text/event-stream", "{}", self.name);
            if primed {
                // The priming event (an id, `retry`, no data) comes first.
                let first = body.split("\n\n").next().unwrap_or_default();
                assert!(
                    first.starts_with("id:") && first.contains("retry:"),
                    "{}: no priming event first: {body}",
                    self.name
                );
            }
            let messages = mcp_tests::sse_messages(&body);
            assert_eq!(messages.len(), 1, "{}: one message: {body}", self.name);
            messages.into_iter().next().expect("one message")
        } else {
            assert!(
                content_type.starts_with("application/json"),
                "{}: {content_type}",
                self.name
            );
            serde_json::from_str(&body).expect("a JSON answer")
        };
        assert_eq!(
            message["id"], id,
            "{}: answers its request: {body}",
            self.name
        );
        assert_eq!(
            message.pointer("/result/content/0/text"),
            Some(&json!("hi")),
            "{}: tool result: {body}",
            self.name
        );
        assert_ne!(
            message.pointer("/result/isError"),
            Some(&json!(true)),
            "{}: {body}",
            self.name
        );
    }

    /// A list answer: the first is read in full; every later one must
    /// repeat its result byte for byte (the list is one page rendered once),
    /// so checking it costs the load generator a comparison, not a parse.
    fn check_list(&mut self, reply: &Response, id: u64, many: bool) {
        assert_eq!(reply.status, 200, "{}: status {}", self.name, reply.status);
        let body = &reply.body[..];
        let at = body
            .windows(10)
            .position(|w| w == br#","result":"#)
            .unwrap_or_else(|| panic!("{}: no result: {}", self.name, text(body)));
        assert!(
            body[..at].ends_with(format!(r#""id":{id}"#).as_bytes()),
            "{}: answers its request: {}",
            self.name,
            text(&body[..at])
        );
        if let Some(first) = &self.list {
            assert!(body[at..] == first[..], "{}: the same list", self.name);
            return;
        }
        let list: Value = serde_json::from_slice(body).expect("a JSON answer");
        let tools = list["result"]["tools"].as_array().map_or(0, Vec::len);
        assert!(tools > 0, "{}: tools listed: {}", self.name, text(body));
        if many {
            assert_eq!(tools, many::TOOLS, "{}: every tool, one page", self.name);
        }
        self.list = Some(body[at..].to_vec());
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// CPU time, split into user space (the code itself) and the kernel
/// (sockets, wake-ups), from `getrusage`.
#[derive(Clone, Copy, Default)]
pub struct Cpu {
    pub user: Duration,
    pub system: Duration,
}

impl Cpu {
    /// The whole process's.
    pub fn process() -> Cpu {
        Cpu::usage(libc::RUSAGE_SELF)
    }

    /// The calling thread's.
    pub fn thread() -> Cpu {
        Cpu::usage(libc::RUSAGE_THREAD)
    }

    pub fn total(self) -> Duration {
        self.user + self.system
    }

    fn usage(who: libc::c_int) -> Cpu {
        // SAFETY: `getrusage` fills the struct it is given.
        let usage = unsafe {
            let mut usage = std::mem::zeroed::<libc::rusage>();
            assert_eq!(libc::getrusage(who, &mut usage), 0);
            usage
        };
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Cpu {
            user: tv(usage.ru_utime),
            system: tv(usage.ru_stime),
        }
    }
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, other: Cpu) -> Cpu {
        Cpu {
            user: self.user.saturating_sub(other.user),
            system: self.system.saturating_sub(other.system),
        }
    }
}

impl std::ops::Add for Cpu {
    type Output = Cpu;
    fn add(self, other: Cpu) -> Cpu {
        Cpu {
            user: self.user + other.user,
            system: self.system + other.system,
        }
    }
}

impl std::iter::Sum for Cpu {
    fn sum<I: Iterator<Item = Cpu>>(iter: I) -> Cpu {
        iter.fold(Cpu::default(), |a, b| a + b)
    }
}
