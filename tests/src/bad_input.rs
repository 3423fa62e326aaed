//! The bad-input suite's harness (`tests/tests/bad_input_*.rs`): every
//! request a careless, confused or hostile client can send, against a real
//! server with small limits, each answered with an exact HTTP status and
//! JSON-RPC error code (or no body at all), and the server still serving
//! good calls after each group.
//!
//! Requests go over a plain TCP stream ([`crate::wire`]), so every byte is
//! the test's: several headers of one name, CR/LF and non-ASCII bytes in
//! header values, a `Host` of our choosing, bodies that stall or trickle.
//!
//! What is "right" comes from the MCP specification (the server checklist)
//! and JSON-RPC 2.0; where HTTP itself refuses a request (actix's parser),
//! the answer is a bare 4xx without a JSON-RPC body.
//!
//! A test binary of the suite starts with [`bad_input_server!`](crate::bad_input_server)
//! (its two tools and `server()`), then runs tables of [`case`]s with
//! [`run`] and checks the server with [`healthy`].

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::web;
use mcp_runtime::McpServerBuilder;
use mcp_runtime::config::Limits;
use mcp_runtime::store::InMemorySessionStore;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

use crate::TestServer;
use crate::wire::{self, WireReply, WireRequest};

/// Defines, in the calling test binary, the two tools the suite calls
/// (`bi_hello`, which takes nothing, and `bi_echo`, which echoes its
/// `text`) and `fn server() -> TestServer`, the server under test serving
/// them.
///
/// A macro because a tool registers with whatever binary it is linked
/// into: defined in this library, the two could turn up in other test
/// binaries' tool lists (`tools_list` checks an exact one).
#[macro_export]
macro_rules! bad_input_server {
    () => {
        mod bad_input_tools {
            use actix_web::{get, post, web};
            use mcp_runtime::mcp_tool;
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};

            #[derive(Debug, Deserialize, Serialize, JsonSchema)]
            struct Words {
                text: String,
            }

            /// Says hello; takes nothing.
            #[mcp_tool]
            #[get("/bad-input/hello")]
            async fn bi_hello() -> &'static str {
                "hello"
            }

            /// Echoes the text it was given.
            #[mcp_tool]
            #[post("/bad-input/echo")]
            async fn bi_echo(body: web::Json<Words>) -> web::Json<Words> {
                body
            }

            pub fn routes(cfg: &mut web::ServiceConfig) {
                cfg.service(bi_echo).service(bi_hello);
            }
        }

        /// The server under test, with the suite's tools.
        fn server() -> $crate::TestServer {
            $crate::bad_input::serve(bad_input_tools::routes)
        }
    };
}

// ---------------------------------------------------------------------------
// The server under test: every limit small, so each is reachable quickly.

pub const MAX_REQUEST: usize = 64 * 1024;
pub const MAX_HEADERS: usize = 4 * 1024;
pub const BODY_IDLE: Duration = Duration::from_millis(300);
pub const BODY_TOTAL: Duration = Duration::from_secs(1);
pub const BATCH_LEN: usize = 4;
pub const BATCH_BYTES: usize = 4096;
pub const SESSION_BYTES: usize = 1024;
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";
pub const ALLOWED_HOST: &str = "mcp.example.com";

pub fn builder() -> McpServerBuilder {
    crate::registry()
        .limits(
            Limits::default()
                .max_request_size(MAX_REQUEST)
                .max_header_size(MAX_HEADERS)
                .body_timeouts(BODY_IDLE, BODY_TOTAL)
                .batch_limits(BATCH_LEN, BATCH_BYTES)
                .max_session_size(SESSION_BYTES),
        )
        .session_store(InMemorySessionStore::new(Duration::from_secs(600), 256))
        .allow_origin(ALLOWED_ORIGIN)
        .allow_host(ALLOWED_HOST)
}

/// Serves [`builder`]'s server at `/mcp`, in an app with `tools`' routes
/// (the calling binary's: see [`bad_input_server!`](crate::bad_input_server)).
/// The example's routes are served too: its `requires_auth` tools are
/// authenticated where their routes' requests are.
pub fn serve(tools: fn(&mut web::ServiceConfig)) -> TestServer {
    let db = mcp_examples::items::Db::seeded();
    TestServer::with_mcp(builder().build().expect("server builds"), move |cfg| {
        tools(cfg);
        cfg.app_data(db.clone())
            .configure(mcp_examples::items::routes);
    })
}

// ---------------------------------------------------------------------------
// Cases and their expected answers.

/// What the body of an answer must be.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// No body at all.
    Empty,
    /// A body that is not a JSON-RPC message (HTTP's own refusals): only the
    /// status is the test's to check.
    NotJsonRpc,
    /// A JSON-RPC error with this code.
    Error(i64),
    /// A JSON-RPC result (not a tool error).
    Result,
    /// A tool result with `isError: true`.
    ToolError,
    /// A batch answer: per reply, `0` for a result or the error code.
    Batch(Vec<i64>),
}

#[derive(Debug, Clone)]
pub struct Expect {
    status: u16,
    answer: Answer,
    /// The `id` the reply must carry (unchecked when `None`).
    id: Option<Value>,
    /// A header the answer must carry, with a value containing this text.
    header: Option<(&'static str, &'static str)>,
}

pub fn status(status: u16, answer: Answer) -> Expect {
    Expect {
        status,
        answer,
        id: None,
        header: None,
    }
}

/// A JSON-RPC error.
pub fn err(code: u16, rpc: i64) -> Expect {
    status(code, Answer::Error(rpc))
}

/// A successful JSON-RPC result.
pub fn ok() -> Expect {
    status(200, Answer::Result)
}

/// 202, no body: a notification or a client's response.
pub fn accepted() -> Expect {
    status(202, Answer::Empty)
}

/// HTTP refused it before JSON-RPC: a status without a JSON-RPC body.
pub fn http(code: u16) -> Expect {
    status(code, Answer::NotJsonRpc)
}

impl Expect {
    pub fn id(mut self, id: Value) -> Self {
        self.id = Some(id);
        self
    }

    pub fn with_header(mut self, name: &'static str, contains: &'static str) -> Self {
        self.header = Some((name, contains));
        self
    }
}

pub struct Case {
    name: String,
    request: Request,
    expect: Expect,
}

/// How a case's request is sent.
pub enum Request {
    /// Written in one go, answer read to its end.
    Whole(WireRequest),
    /// Written in pieces, `pause` apart; the answer read to its end.
    Pieces(Vec<Vec<u8>>, Duration),
}

impl From<WireRequest> for Request {
    fn from(r: WireRequest) -> Self {
        Request::Whole(r)
    }
}

pub fn case(name: impl Into<String>, request: impl Into<Request>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        request: request.into(),
        expect,
    }
}

pub async fn send(addr: SocketAddr, request: &Request) -> WireReply {
    match request {
        Request::Whole(r) => r.send(addr).await,
        Request::Pieces(pieces, pause) => {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            for (i, piece) in pieces.iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(*pause).await;
                }
                if stream.write_all(piece).await.is_err() {
                    break; // the server already answered and closed
                }
            }
            wire::read_reply(&mut stream).await
        }
    }
}

/// Why `reply` does not meet `expect`, if it does not.
pub fn mismatch(expect: &Expect, reply: &WireReply) -> Option<String> {
    let body = String::from_utf8_lossy(&reply.body);
    let shown: String = if body.chars().count() > 300 {
        format!("{}…", body.chars().take(300).collect::<String>())
    } else {
        body.to_string()
    };
    let wrong = |what: String| Some(format!("{what}; got {} {shown}", reply.status));
    if reply.status != expect.status {
        return wrong(format!("expected status {}", expect.status));
    }
    if let Some((name, contains)) = expect.header {
        match reply.header(name) {
            Some(v) if v.contains(contains) => {}
            other => {
                return wrong(format!(
                    "expected header {name} ~ {contains:?}, got {other:?}"
                ));
            }
        }
    }
    let message = reply.reply();
    match &expect.answer {
        Answer::Empty => {
            if !reply.body.is_empty() {
                return wrong("expected no body".into());
            }
            return None;
        }
        Answer::NotJsonRpc => {
            if message.as_ref().is_some_and(|m| m.get("jsonrpc").is_some()) {
                return wrong("expected no JSON-RPC body".into());
            }
            return None;
        }
        Answer::Batch(codes) => {
            let Some(Value::Array(items)) = reply.json() else {
                return wrong("expected a JSON array".into());
            };
            let got: Vec<i64> = items
                .iter()
                .map(|m| {
                    m.pointer("/error/code")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                })
                .collect();
            if &got != codes || items.iter().any(|m| m["jsonrpc"] != "2.0") {
                return wrong(format!("expected batch codes {codes:?}, got {got:?}"));
            }
            return None;
        }
        _ => {}
    }
    let typed = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/event-stream"));
    if !typed {
        return wrong("expected a JSON or event-stream content type".into());
    }
    let Some(message) = message else {
        return wrong("expected a JSON-RPC message".into());
    };
    if message["jsonrpc"] != "2.0" {
        return wrong("expected \"jsonrpc\": \"2.0\"".into());
    }
    if let Some(id) = &expect.id
        && message.get("id") != Some(id)
    {
        return wrong(format!("expected id {id}"));
    }
    let code = message.pointer("/error/code").and_then(Value::as_i64);
    match &expect.answer {
        Answer::Error(want) if code != Some(*want) => wrong(format!("expected error {want}")),
        Answer::Error(_) => None,
        Answer::Result if code.is_some() || message.get("result").is_none() => {
            wrong("expected a result".into())
        }
        Answer::Result if message.pointer("/result/isError") == Some(&Value::Bool(true)) => {
            wrong("expected a result, not a tool error".into())
        }
        Answer::ToolError if message.pointer("/result/isError") != Some(&Value::Bool(true)) => {
            wrong("expected a tool error (isError)".into())
        }
        _ => None,
    }
}

/// Runs every case in turn, then reports every one that failed at once.
pub async fn run(group: &str, addr: SocketAddr, cases: Vec<Case>) -> usize {
    let mut failures = Vec::new();
    let count = cases.len();
    for case in &cases {
        let reply = send(addr, &case.request).await;
        if let Some(why) = mismatch(&case.expect, &reply) {
            failures.push(format!("  [{group}] {}: {why}", case.name));
        }
    }
    println!("{group}: {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

// ---------------------------------------------------------------------------
// Clients.

/// A session as a client sees it: where to send, and the headers to send.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    /// Sent as `Mcp-Session-Id` when set.
    pub session: Option<String>,
    /// Sent as `MCP-Protocol-Version` when set.
    pub version: Option<String>,
}

impl Client {
    pub fn anonymous(addr: SocketAddr) -> Self {
        Client {
            addr,
            session: None,
            version: None,
        }
    }

    /// Initializes a session with `version`.
    pub async fn initialize(addr: SocketAddr, version: &str) -> Self {
        let reply = WireRequest::post(addr, initialize(version).to_string())
            .send(addr)
            .await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let session = reply
            .header("mcp-session-id")
            .expect("a session")
            .to_owned();
        let negotiated = reply.reply().unwrap()["result"]["protocolVersion"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(negotiated, version);
        let client = Client {
            addr,
            session: Some(session),
            version: Some(version.to_owned()),
        };
        let initialized = client
            .post(notification("notifications/initialized", Value::Null))
            .send(addr)
            .await;
        assert_eq!(initialized.status, 202);
        client
    }

    /// A POST with this client's session and version headers.
    pub fn post(&self, body: impl Into<Vec<u8>>) -> WireRequest {
        let mut r = WireRequest::post(self.addr, body);
        if let Some(s) = &self.session {
            r = r.set("Mcp-Session-Id", s);
        }
        if let Some(v) = &self.version {
            r = r.set("MCP-Protocol-Version", v);
        }
        r
    }

    pub fn rpc(&self, id: Value, method: &str, params: Value) -> WireRequest {
        self.post(rpc(id, method, params))
    }

    pub fn ping(&self) -> WireRequest {
        self.rpc(json!(1), "ping", Value::Null)
    }

    /// Any other HTTP method, with this client's headers.
    pub fn request(&self, method: &str) -> WireRequest {
        let mut r = WireRequest::new(method, "/mcp", &self.addr.to_string());
        if let Some(s) = &self.session {
            r = r.set("Mcp-Session-Id", s);
        }
        if let Some(v) = &self.version {
            r = r.set("MCP-Protocol-Version", v);
        }
        r
    }
}

pub fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "bad-input", "version": "1"}}})
}

/// A JSON-RPC request (`params` left out when `null`).
pub fn rpc(id: Value, method: &str, params: Value) -> String {
    let mut m = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if !params.is_null() {
        m["params"] = params;
    }
    m.to_string()
}

pub fn notification(method: &str, params: Value) -> String {
    let mut m = json!({"jsonrpc": "2.0", "method": method});
    if !params.is_null() {
        m["params"] = params;
    }
    m.to_string()
}

pub fn call(id: i64, tool: &str, arguments: Value) -> String {
    rpc(
        json!(id),
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
}

/// The server still serves everyone: a new client initializes, lists and
/// calls; `existing` (the group's own sessions) still ping and call.
pub async fn healthy(addr: SocketAddr, existing: &[&Client]) {
    let fresh = Client::initialize(addr, "2025-11-25").await;
    for client in existing.iter().copied().chain([&fresh]) {
        let reply = client.ping().send(addr).await;
        assert_eq!(mismatch(&ok().id(json!(1)), &reply), None, "ping");
        let reply = client
            .post(call(2, "bi_echo", json!({"text": "still here"})))
            .send(addr)
            .await;
        assert_eq!(mismatch(&ok().id(json!(2)), &reply), None, "tools/call");
        assert_eq!(
            reply.reply().unwrap()["result"]["structuredContent"],
            json!({"text": "still here"})
        );
    }
    let list = fresh
        .rpc(json!(3), "tools/list", json!({}))
        .send(addr)
        .await;
    assert!(
        list.reply().unwrap()["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "bi_echo")
    );
}
// ---------------------------------------------------------------------------
// Payloads.

/// `inner` inside `depth` levels of `open` … `close`.
pub fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

/// A stateless (2026-07-28) request's `_meta`, declaring no capabilities.
pub fn modern_meta() -> Value {
    crate::stateless::meta(json!({}))
}
