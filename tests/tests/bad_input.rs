//! The bad-input suite: every request a careless, confused or hostile client
//! can send, against a real server with small limits, each answered with
//! an exact HTTP status and JSON-RPC error code (or no body at all), and the
//! server still serving good calls after each group.
//!
//! Requests go over a plain TCP stream (`mcp_tests::wire`), so every byte is
//! the test's: several headers of one name, CR/LF and non-ASCII bytes in
//! header values, a `Host` of our choosing, bodies that stall or trickle.
//!
//! What is "right" comes from the MCP specification (the server checklist)
//! and JSON-RPC 2.0; where HTTP itself refuses a request (actix's parser),
//! the answer is a bare 4xx without a JSON-RPC body.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::{App, get, post, web};
use mcp_runtime::{InMemorySessionStore, McpServer, McpServerBuilder, mcp_tool};
use mcp_tests::TestServer;
use mcp_tests::wire::{self, WireReply, WireRequest, chunked};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

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

// ---------------------------------------------------------------------------
// The server under test: every limit small, so each is reachable quickly.

const MAX_REQUEST: usize = 64 * 1024;
const MAX_HEADERS: usize = 4 * 1024;
const BODY_IDLE: Duration = Duration::from_millis(300);
const BODY_TOTAL: Duration = Duration::from_secs(1);
const BATCH_LEN: usize = 4;
const BATCH_BYTES: usize = 4096;
const SESSION_BYTES: usize = 1024;
const ALLOWED_ORIGIN: &str = "https://app.example.com";
const ALLOWED_HOST: &str = "mcp.example.com";

fn builder() -> McpServerBuilder {
    mcp_tests::registry()
        .max_request_size(MAX_REQUEST)
        .max_header_size(MAX_HEADERS)
        .body_timeouts(BODY_IDLE, BODY_TOTAL)
        .batch_limits(BATCH_LEN, BATCH_BYTES)
        .max_session_bytes(SESSION_BYTES)
        .session_store(InMemorySessionStore::new(Duration::from_secs(600), 256))
        .allow_origin(ALLOWED_ORIGIN)
        .allow_host(ALLOWED_HOST)
}

fn serve(mcp: McpServer) -> TestServer {
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(bi_echo)
                .service(bi_hello)
                .service(mcp.scope("/mcp")),
        )
    })
}

fn server() -> TestServer {
    serve(builder().build().expect("server builds"))
}

// ---------------------------------------------------------------------------
// Cases and their expected answers.

/// What the body of an answer must be.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
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
struct Expect {
    status: u16,
    answer: Answer,
    /// The `id` the reply must carry (unchecked when `None`).
    id: Option<Value>,
    /// A header the answer must carry, with a value containing this text.
    header: Option<(&'static str, &'static str)>,
}

fn status(status: u16, answer: Answer) -> Expect {
    Expect {
        status,
        answer,
        id: None,
        header: None,
    }
}

/// A JSON-RPC error.
fn err(code: u16, rpc: i64) -> Expect {
    status(code, Answer::Error(rpc))
}

/// A successful JSON-RPC result.
fn ok() -> Expect {
    status(200, Answer::Result)
}

/// 202, no body: a notification or a client's response.
fn accepted() -> Expect {
    status(202, Answer::Empty)
}

/// HTTP refused it before JSON-RPC: a status without a JSON-RPC body.
fn http(code: u16) -> Expect {
    status(code, Answer::NotJsonRpc)
}

impl Expect {
    fn id(mut self, id: Value) -> Self {
        self.id = Some(id);
        self
    }

    fn with_header(mut self, name: &'static str, contains: &'static str) -> Self {
        self.header = Some((name, contains));
        self
    }
}

struct Case {
    name: String,
    request: Request,
    expect: Expect,
}

/// How a case's request is sent.
enum Request {
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

fn case(name: impl Into<String>, request: impl Into<Request>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        request: request.into(),
        expect,
    }
}

async fn send(addr: SocketAddr, request: &Request) -> WireReply {
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
fn mismatch(expect: &Expect, reply: &WireReply) -> Option<String> {
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
async fn run(group: &str, addr: SocketAddr, cases: Vec<Case>) -> usize {
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
struct Client {
    addr: SocketAddr,
    session: Option<String>,
    version: Option<String>,
}

impl Client {
    fn anonymous(addr: SocketAddr) -> Self {
        Client {
            addr,
            session: None,
            version: None,
        }
    }

    /// Initializes a session with `version`.
    async fn initialize(addr: SocketAddr, version: &str) -> Self {
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
    fn post(&self, body: impl Into<Vec<u8>>) -> WireRequest {
        let mut r = WireRequest::post(self.addr, body);
        if let Some(s) = &self.session {
            r = r.set("Mcp-Session-Id", s);
        }
        if let Some(v) = &self.version {
            r = r.set("MCP-Protocol-Version", v);
        }
        r
    }

    fn rpc(&self, id: Value, method: &str, params: Value) -> WireRequest {
        self.post(rpc(id, method, params))
    }

    fn ping(&self) -> WireRequest {
        self.rpc(json!(1), "ping", Value::Null)
    }

    /// Any other HTTP method, with this client's headers.
    fn request(&self, method: &str) -> WireRequest {
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

fn initialize(version: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "bad-input", "version": "1"}}})
}

/// A JSON-RPC request (`params` left out when `null`).
fn rpc(id: Value, method: &str, params: Value) -> String {
    let mut m = json!({"jsonrpc": "2.0", "id": id, "method": method});
    if !params.is_null() {
        m["params"] = params;
    }
    m.to_string()
}

fn notification(method: &str, params: Value) -> String {
    let mut m = json!({"jsonrpc": "2.0", "method": method});
    if !params.is_null() {
        m["params"] = params;
    }
    m.to_string()
}

fn call(id: i64, tool: &str, arguments: Value) -> String {
    rpc(
        json!(id),
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
}

/// The server still serves everyone: a new client initializes, lists and
/// calls; `existing` (the group's own sessions) still ping and call.
async fn healthy(addr: SocketAddr, existing: &[&Client]) {
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
// 1. The JSON-RPC envelope.

#[tokio::test]
async fn malformed_json_rpc_envelopes() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let raw = |name: &str, body: &str, expect: Expect| case(name, s.post(body.to_owned()), expect);
    let cases = vec![
        // Not JSON at all: -32700, id unknown.
        raw("empty body", "", err(400, -32700).id(Value::Null)),
        raw("whitespace only", " \n\t ", err(400, -32700)),
        raw("plain text", "hello", err(400, -32700)),
        raw(
            "truncated object",
            r#"{"jsonrpc":"2.0","id":1,"#,
            err(400, -32700),
        ),
        raw(
            "truncated string",
            r#"{"jsonrpc":"2.0","id":"ab"#,
            err(400, -32700),
        ),
        raw(
            "single quotes",
            "{'jsonrpc':'2.0','id':1,'method':'ping'}",
            err(400, -32700),
        ),
        raw(
            "trailing comma",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping",}"#,
            err(400, -32700),
        ),
        raw(
            "comment",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"} // hi"#,
            err(400, -32700),
        ),
        raw(
            "NaN id",
            r#"{"jsonrpc":"2.0","id":NaN,"method":"ping"}"#,
            err(400, -32700),
        ),
        raw(
            "two objects",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
            err(400, -32700),
        ),
        raw(
            "trailing garbage",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}x"#,
            err(400, -32700),
        ),
        raw(
            "unquoted key",
            r#"{jsonrpc:"2.0","id":1,"method":"ping"}"#,
            err(400, -32700),
        ),
        raw(
            "control character in string",
            "{\"jsonrpc\":\"2.0\",\"id\":\"a\u{1}b\",\"method\":\"ping\"}",
            err(400, -32700),
        ),
        raw(
            "bad escape",
            r#"{"jsonrpc":"2.0","id":"\q","method":"ping"}"#,
            err(400, -32700),
        ),
        // JSON, but not an object: -32600, id null.
        raw("number", "42", err(400, -32600).id(Value::Null)),
        raw("string", r#""ping""#, err(400, -32600).id(Value::Null)),
        raw("true", "true", err(400, -32600).id(Value::Null)),
        raw("null", "null", err(400, -32600).id(Value::Null)),
        raw("empty object", "{}", err(400, -32600).id(Value::Null)),
        // `jsonrpc` wrong or missing: -32600, with the id when readable.
        raw(
            "jsonrpc missing",
            r#"{"id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc 1.0",
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc \"2\"",
            r#"{"jsonrpc":"2","id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc with a space",
            r#"{"jsonrpc":"2.0 ","id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc null",
            r#"{"jsonrpc":null,"id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc a number",
            r#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "jsonrpc an object",
            r#"{"jsonrpc":{},"id":1,"method":"ping"}"#,
            err(400, -32600).id(json!(1)),
        ),
        // Ids: a string or an integer, never null.
        raw(
            "id null",
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id fractional",
            r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id true",
            r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id array",
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id object",
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id past i64",
            r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id 1e400",
            r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "id twice",
            r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#,
            err(400, -32600),
        ),
        // Good ids of every shape are echoed exactly.
        raw(
            "id zero",
            r#"{"jsonrpc":"2.0","id":0,"method":"ping"}"#,
            ok().id(json!(0)),
        ),
        raw(
            "id negative",
            r#"{"jsonrpc":"2.0","id":-7,"method":"ping"}"#,
            ok().id(json!(-7)),
        ),
        raw(
            "id i64 max",
            r#"{"jsonrpc":"2.0","id":9223372036854775807,"method":"ping"}"#,
            ok().id(json!(i64::MAX)),
        ),
        raw(
            "id i64 min",
            r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"}"#,
            ok().id(json!(i64::MIN)),
        ),
        raw(
            "id empty string",
            r#"{"jsonrpc":"2.0","id":"","method":"ping"}"#,
            ok().id(json!("")),
        ),
        raw(
            "id unicode",
            r#"{"jsonrpc":"2.0","id":"é✓\u0000","method":"ping"}"#,
            ok().id(json!("é✓\u{0}")),
        ),
        case(
            "id 8 KiB string",
            s.rpc(json!("i".repeat(8192)), "ping", Value::Null),
            ok().id(json!("i".repeat(8192))),
        ),
        // `method`.
        raw(
            "method missing",
            r#"{"jsonrpc":"2.0","id":1}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "method null",
            r#"{"jsonrpc":"2.0","id":1,"method":null}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "method a number",
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "method an array",
            r#"{"jsonrpc":"2.0","id":1,"method":["ping"]}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "method an object, notification",
            r#"{"jsonrpc":"2.0","method":{}}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "method empty",
            r#"{"jsonrpc":"2.0","id":1,"method":""}"#,
            err(200, -32601).id(json!(1)),
        ),
        raw(
            "method upper case",
            r#"{"jsonrpc":"2.0","id":1,"method":"PING"}"#,
            err(200, -32601).id(json!(1)),
        ),
        raw(
            "method with a space",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping "}"#,
            err(200, -32601).id(json!(1)),
        ),
        raw(
            "method with a NUL",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping\u0000"}"#,
            err(200, -32601).id(json!(1)),
        ),
        raw(
            "method rpc.discover",
            r#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#,
            err(200, -32601).id(json!(1)),
        ),
        // `params` must be an object when present (MCP's JSONRPCRequest).
        raw(
            "params an array",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "params a string",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "params a number",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":5}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "params true",
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":true}"#,
            err(400, -32600).id(json!(1)),
        ),
        raw(
            "params null is absent",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":null}"#,
            ok().id(json!(1)),
        ),
        raw(
            "notification params an array",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized","params":[1]}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "unknown top-level member",
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","extra":{"x":1}}"#,
            ok().id(json!(1)),
        ),
        raw(
            "surrounding whitespace",
            " \r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n ",
            ok().id(json!(1)),
        ),
        // Methods this server does not have: -32601, with the id.
        case(
            "resources/list",
            s.rpc(json!(1), "resources/list", json!({})),
            err(200, -32601).id(json!(1)),
        ),
        case(
            "resources/read",
            s.rpc(
                json!(1),
                "resources/read",
                json!({"uri": "file:///etc/passwd"}),
            ),
            err(200, -32601),
        ),
        case(
            "prompts/list",
            s.rpc(json!(1), "prompts/list", json!({})),
            err(200, -32601),
        ),
        case(
            "prompts/get",
            s.rpc(json!(1), "prompts/get", json!({"name": "x"})),
            err(200, -32601),
        ),
        case(
            "completion/complete",
            s.rpc(json!(1), "completion/complete", json!({})),
            err(200, -32601),
        ),
        case(
            "tasks/list",
            s.rpc(json!(1), "tasks/list", json!({})),
            err(200, -32601),
        ),
        case(
            "sampling/createMessage (a server's request)",
            s.rpc(json!(1), "sampling/createMessage", json!({})),
            err(200, -32601),
        ),
        case(
            "elicitation/create (a server's request)",
            s.rpc(json!(1), "elicitation/create", json!({})),
            err(200, -32601),
        ),
        case(
            "roots/list (a server's request)",
            s.rpc(json!(1), "roots/list", json!({})),
            err(200, -32601),
        ),
        case(
            "a long unknown method",
            s.rpc(json!(1), &"x/".repeat(2000), json!({})),
            err(200, -32601),
        ),
        // Notification names sent as requests (with an id) are unknown requests.
        case(
            "notifications/initialized with an id",
            s.rpc(json!(4), "notifications/initialized", json!({})),
            err(200, -32601).id(json!(4)),
        ),
        case(
            "notifications/cancelled with an id",
            s.rpc(json!(5), "notifications/cancelled", json!({"requestId": 1})),
            err(200, -32601).id(json!(5)),
        ),
        // Notifications: 202, no body, whatever their name.
        case(
            "unknown notification",
            s.post(notification("notifications/whatever", json!({}))),
            accepted(),
        ),
        case(
            "notification without params",
            s.post(notification("notifications/initialized", Value::Null)),
            accepted(),
        ),
        case(
            "progress notification from the client",
            s.post(notification(
                "notifications/progress",
                json!({"progressToken": 1, "progress": 1}),
            )),
            accepted(),
        ),
        // Responses: to nothing, malformed, or both result and error.
        raw(
            "response to nothing",
            r#"{"jsonrpc":"2.0","id":99,"result":{}}"#,
            accepted(),
        ),
        raw(
            "error response to nothing",
            r#"{"jsonrpc":"2.0","id":"q","error":{"code":-1,"message":"no"}}"#,
            accepted(),
        ),
        raw(
            "response with result null",
            r#"{"jsonrpc":"2.0","id":98,"result":null}"#,
            accepted(),
        ),
        raw(
            "response with both",
            r#"{"jsonrpc":"2.0","id":3,"result":{},"error":{"code":-1,"message":"x"}}"#,
            err(400, -32600).id(json!(3)),
        ),
        raw(
            "response error a string",
            r#"{"jsonrpc":"2.0","id":3,"error":"bad"}"#,
            err(400, -32600).id(json!(3)),
        ),
        raw(
            "response error without code",
            r#"{"jsonrpc":"2.0","id":3,"error":{"message":"x"}}"#,
            err(400, -32600).id(json!(3)),
        ),
        raw(
            "response error null",
            r#"{"jsonrpc":"2.0","id":3,"error":null}"#,
            err(400, -32600).id(json!(3)),
        ),
        raw(
            "response without id",
            r#"{"jsonrpc":"2.0","result":{}}"#,
            err(400, -32600).id(Value::Null),
        ),
        raw(
            "response with id null",
            r#"{"jsonrpc":"2.0","id":null,"result":{}}"#,
            err(400, -32600).id(Value::Null),
        ),
    ];
    run("envelope", addr, cases).await;
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 2. Wrong and missing fields, method by method.

#[tokio::test]
async fn wrong_and_missing_fields_per_method() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let old = Client::initialize(addr, "2025-06-18").await;
    let anon = Client::anonymous(addr);
    let init = |params: Value| anon.rpc(json!(0), "initialize", params);
    let info = json!({"name": "c", "version": "1"});
    let mut cases = vec![
        // initialize
        case("initialize without params", anon.rpc(json!(0), "initialize", Value::Null), err(200, -32602).id(json!(0))),
        case("initialize, params empty", init(json!({})), err(200, -32602)),
        case("initialize, no protocolVersion", init(json!({"capabilities": {}, "clientInfo": info})), err(200, -32602)),
        case("initialize, protocolVersion a number", init(json!({"protocolVersion": 20251125, "capabilities": {}, "clientInfo": info})), err(200, -32602)),
        case("initialize, no capabilities", init(json!({"protocolVersion": "2025-11-25", "clientInfo": info})), err(200, -32602)),
        case("initialize, capabilities a string", init(json!({"protocolVersion": "2025-11-25", "capabilities": "all", "clientInfo": info})), err(200, -32602)),
        case("initialize, no clientInfo", init(json!({"protocolVersion": "2025-11-25", "capabilities": {}})), err(200, -32602)),
        case("initialize, clientInfo without name", init(json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"version": "1"}})), err(200, -32602)),
        case("initialize, clientInfo name a number", init(json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": 5, "version": "1"}})), err(200, -32602)),
        case("initialize, clientInfo an array", init(json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": []})), err(200, -32602)),
        case("initialize, oversized clientInfo", init(json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "n".repeat(SESSION_BYTES), "version": "1"}})), err(200, -32602).id(json!(0))),
        case("initialize, oversized capabilities", init(json!({"protocolVersion": "2025-11-25", "capabilities": {"experimental": {"x": {"pad": "p".repeat(SESSION_BYTES)}}}, "clientInfo": info})), err(200, -32602)),
        case("initialize, unknown version gets our latest", init(json!({"protocolVersion": "1999-01-01", "capabilities": {}, "clientInfo": info})), ok().with_header("mcp-session-id", "")),
        case("initialize, empty version gets our latest", init(json!({"protocolVersion": "", "capabilities": {}, "clientInfo": info})), ok()),
        case("initialize as a notification is not an initialize", anon.post(notification("initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": info}))), err(400, -32000)),
        // tools/call
        case("tools/call without params", s.rpc(json!(1), "tools/call", Value::Null), err(200, -32602).id(json!(1))),
        case("tools/call, params empty", s.rpc(json!(1), "tools/call", json!({})), err(200, -32602)),
        case("tools/call, name a number", s.rpc(json!(1), "tools/call", json!({"name": 5})), err(200, -32602)),
        case("tools/call, name null", s.rpc(json!(1), "tools/call", json!({"name": null})), err(200, -32602)),
        case("tools/call, name empty", s.rpc(json!(1), "tools/call", json!({"name": ""})), err(200, -32602)),
        case("tools/call, unknown tool", s.rpc(json!(1), "tools/call", json!({"name": "no_such_tool"})), err(200, -32602).id(json!(1))),
        case("tools/call, tool name case differs", s.rpc(json!(1), "tools/call", json!({"name": "BI_ECHO", "arguments": {"text": "x"}})), err(200, -32602)),
        case("tools/call, arguments an array", s.rpc(json!(1), "tools/call", json!({"name": "bi_echo", "arguments": ["x"]})), err(200, -32602)),
        case("tools/call, arguments a string", s.rpc(json!(1), "tools/call", json!({"name": "bi_echo", "arguments": "x"})), err(200, -32602)),
        case("tools/call, progressToken an object", s.rpc(json!(1), "tools/call", json!({"name": "bi_echo", "arguments": {"text": "x"}, "_meta": {"progressToken": {}}})), err(200, -32602)),
        case("tools/call, _meta a string", s.rpc(json!(1), "tools/call", json!({"name": "bi_echo", "arguments": {"text": "x"}, "_meta": "x"})), err(200, -32602)),
        // Argument errors: a tool error since 2025-11-25, -32602 before.
        case("arguments missing (2025-11-25)", s.post(call(1, "bi_echo", json!({}))), status(200, Answer::ToolError).id(json!(1))),
        case("arguments null (2025-11-25)", s.rpc(json!(1), "tools/call", json!({"name": "bi_echo", "arguments": null})), status(200, Answer::ToolError)),
        case("argument of the wrong type (2025-11-25)", s.post(call(1, "bi_echo", json!({"text": 5}))), status(200, Answer::ToolError)),
        case("argument null (2025-11-25)", s.post(call(1, "bi_echo", json!({"text": null}))), status(200, Answer::ToolError)),
        case("unknown argument, ignored by the body's serde (2025-11-25)", s.post(call(1, "bi_echo", json!({"text": "x", "nope": 1}))), ok()),
        case("unknown argument, nothing takes it (2025-11-25)", s.post(call(1, "bi_hello", json!({"nope": 1}))), status(200, Answer::ToolError)),
        case("arguments missing (2025-06-18)", old.post(call(1, "bi_echo", json!({}))), err(200, -32602).id(json!(1))),
        case("argument of the wrong type (2025-06-18)", old.post(call(1, "bi_echo", json!({"text": [1]}))), err(200, -32602)),
        case("unknown argument, nothing takes it (2025-06-18)", old.post(call(1, "bi_hello", json!({"nope": 1}))), err(200, -32602)),
        case("no arguments at all", s.post(call(1, "bi_hello", json!({}))), ok()),
        case("a requires_auth tool without credentials", s.post(call(1, "get_item", json!({"id": 1}))), err(401, -32600).with_header("www-authenticate", "Bearer")),
        // tools/list
        case("tools/list, cursor unknown", s.rpc(json!(1), "tools/list", json!({"cursor": "abc"})), err(200, -32602).id(json!(1))),
        case("tools/list, cursor a number", s.rpc(json!(1), "tools/list", json!({"cursor": 5})), err(200, -32602)),
        case("tools/list, cursor an object", s.rpc(json!(1), "tools/list", json!({"cursor": {}})), err(200, -32602)),
        case("tools/list, cursor null", s.rpc(json!(1), "tools/list", json!({"cursor": null})), ok()),
        case("tools/list, unknown params", s.rpc(json!(1), "tools/list", json!({"filter": "x"})), ok()),
        // ping
        case("ping with _meta", s.rpc(json!(1), "ping", json!({"_meta": {"x": 1}})), ok()),
        case("ping with unknown params", s.rpc(json!(1), "ping", json!({"x": [1, 2]})), ok()),
        // logging/setLevel
        case("setLevel without params", s.rpc(json!(1), "logging/setLevel", Value::Null), err(200, -32602).id(json!(1))),
        case("setLevel without level", s.rpc(json!(1), "logging/setLevel", json!({})), err(200, -32602)),
        case("setLevel, level unknown", s.rpc(json!(1), "logging/setLevel", json!({"level": "loud"})), err(200, -32602)),
        case("setLevel, level upper case", s.rpc(json!(1), "logging/setLevel", json!({"level": "DEBUG"})), err(200, -32602)),
        case("setLevel, level a number", s.rpc(json!(1), "logging/setLevel", json!({"level": 7})), err(200, -32602)),
        case("setLevel, level null", s.rpc(json!(1), "logging/setLevel", json!({"level": null})), err(200, -32602)),
        case("setLevel without a session", anon.rpc(json!(1), "logging/setLevel", json!({"level": "info"})), err(400, -32000).id(json!(1))),
        // notifications/cancelled: never answered, whatever its params.
        case("cancelled without params", s.post(notification("notifications/cancelled", Value::Null)), accepted()),
        case("cancelled without requestId", s.post(notification("notifications/cancelled", json!({"reason": "x"}))), accepted()),
        case("cancelled, requestId an object", s.post(notification("notifications/cancelled", json!({"requestId": {}}))), accepted()),
        case("cancelled, requestId null", s.post(notification("notifications/cancelled", json!({"requestId": null}))), accepted()),
        case("cancelled, unknown requestId", s.post(notification("notifications/cancelled", json!({"requestId": 12345}))), accepted()),
        case("cancelled, reason a number", s.post(notification("notifications/cancelled", json!({"requestId": 1, "reason": 5}))), accepted()),
        case("cancelled without a session", anon.post(notification("notifications/cancelled", json!({"requestId": 1}))), err(400, -32000)),
    ];
    for level in [
        "debug",
        "info",
        "notice",
        "warning",
        "error",
        "critical",
        "alert",
        "emergency",
    ] {
        cases.push(case(
            format!("setLevel {level}"),
            s.rpc(json!(1), "logging/setLevel", json!({"level": level})),
            ok().id(json!(1)),
        ));
    }
    run("fields", addr, cases).await;
    healthy(addr, &[&s, &old]).await;
}

// ---------------------------------------------------------------------------
// 3. Huge and deeply nested payloads.

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
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

#[tokio::test]
async fn huge_and_deeply_nested_payloads() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let deep_array = nested(10_000, "[", "]", "1");
    let deep_object = nested(10_000, "{\"a\":", "}", "1");
    let padded = |len: usize| {
        // A ping whose params fill the body to exactly `len` bytes.
        let base = rpc(json!(1), "ping", json!({"pad": ""}));
        let pad = "p".repeat(len - base.len());
        rpc(json!(1), "ping", json!({"pad": pad}))
    };
    let cases = vec![
        // Size: the limit is inclusive.
        case("body exactly at the limit", s.post(padded(MAX_REQUEST)), ok().id(json!(1))),
        case("body one byte over", s.post(padded(MAX_REQUEST + 1)), err(413, -32600)),
        case("body 16 times over", s.post(padded(MAX_REQUEST * 16)), err(413, -32600)),
        case("oversized body of garbage", s.post(vec![b'x'; MAX_REQUEST * 2]), err(413, -32600)),
        case("oversized chunked body", s.post(padded(MAX_REQUEST * 2)).set("Transfer-Encoding", "chunked").remove("Content-Length").body(chunked(padded(MAX_REQUEST * 2).as_bytes(), 8192)), err(413, -32600)),
        case(
            "Content-Length far over the limit, no body sent",
            s.post(Vec::new()).set("Content-Length", "1000000000"),
            err(413, -32600),
        ),
        case(
            "Content-Length over the limit, a little body sent",
            s.post(b"{\"jsonrpc\":".to_vec()).set("Content-Length", (MAX_REQUEST + 1).to_string()),
            err(413, -32600),
        ),
        // 10 000 levels deep: refused or ignored, never a crashed worker.
        case("10k nested arrays as the body", s.post(deep_array.clone()), err(400, -32600).id(Value::Null)),
        case("10k nested objects as the body", s.post(deep_object.clone()), err(400, -32600).id(Value::Null)),
        case("10k nested arrays in ping params", s.post(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":{deep_array}}}}}"#)), ok().id(json!(1))),
        case("10k nested objects in tools/list params", s.post(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"x":{deep_object}}}}}"#)), ok().id(json!(1))),
        case("10k nested arrays in tool arguments", s.post(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"bi_echo","arguments":{{"text":{deep_array}}}}}}}"#)), err(200, -32602).id(json!(1))),
        case("10k nested objects as a tool argument", s.post(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"bi_echo","arguments":{deep_object}}}}}"#)), err(200, -32602).id(json!(1))),
        case("10k nested arrays as the id", s.post(format!(r#"{{"jsonrpc":"2.0","id":{deep_array},"method":"ping"}}"#)), err(400, -32600).id(Value::Null)),
        case("10k nested arrays in _meta are ignored", s.post(format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"bi_echo","arguments":{{"text":"x"}},"_meta":{{"x":{deep_array}}}}}}}"#)), ok().id(json!(1))),
        case("10k nested in initialize capabilities", Client::anonymous(addr).post(format!(r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"2025-11-25","capabilities":{{"experimental":{{"x":{deep_object}}}}},"clientInfo":{{"name":"c","version":"1"}}}}}}"#)), err(200, -32602).id(json!(0))),
        case("10k unclosed arrays", s.post("[".repeat(10_000)), err(400, -32700)),
        case("10k nested arrays as a notification's params", s.post(format!(r#"{{"jsonrpc":"2.0","method":"notifications/initialized","params":{{"x":{deep_array}}}}}"#)), accepted()),
        // Many small things.
        case("20k-element array argument", s.post(call(1, "bi_echo", json!({"text": vec![0; 20_000]}))), status(200, Answer::ToolError)),
        case("long string argument is echoed", s.post(call(1, "bi_echo", json!({"text": "t".repeat(60_000)}))), ok()),
        case("many unknown members", s.post(format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",{}\"z\":0}}", (0..3000).map(|i| format!("\"k{i}\":0,")).collect::<String>())), ok().id(json!(1))),
        case("very long number id", s.post(format!(r#"{{"jsonrpc":"2.0","id":{},"method":"ping"}}"#, "9".repeat(5000))), err(400, -32600).id(Value::Null)),
    ];
    run("sizes", addr, cases).await;
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 4. Batches: only in 2025-03-26, bounded there.

#[tokio::test]
async fn batches() {
    let server = server();
    let addr = server.addr;
    let b = Client::initialize(addr, "2025-03-26").await;
    let ping = |id: i64| json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let answer = json!({"jsonrpc": "2.0", "id": 77, "result": {}});
    let batch = |c: &Client, items: Vec<Value>| c.post(Value::Array(items).to_string());
    let codes = |c: &[i64]| status(200, Answer::Batch(c.to_vec()));
    let mut cases = vec![
        case(
            "empty batch",
            b.post("[]"),
            err(400, -32600).id(Value::Null),
        ),
        case(
            "empty batch with whitespace",
            b.post(" [ ] "),
            err(400, -32600),
        ),
        case("one ping", batch(&b, vec![ping(1)]), codes(&[0])),
        case(
            "full batch",
            batch(&b, (1..=4).map(ping).collect()),
            codes(&[0, 0, 0, 0]),
        ),
        case(
            "one too many",
            batch(&b, (1..=5).map(ping).collect()),
            err(400, -32600).id(Value::Null),
        ),
        case(
            "a thousand",
            batch(&b, (1..=1000).map(ping).collect()),
            err(400, -32600),
        ),
        case("batch of a number", b.post("[1]"), codes(&[-32600])),
        case(
            "batch of junk",
            b.post(r#"[1, "x", null, {}]"#),
            codes(&[-32600, -32600, -32600, -32600]),
        ),
        case(
            "a message as an array of its members",
            b.post(r#"[["2.0", 1, "ping"]]"#),
            codes(&[-32600]),
        ),
        case(
            "nested batch",
            b.post(r#"[[{"jsonrpc":"2.0","id":1,"method":"ping"}]]"#),
            codes(&[-32600]),
        ),
        case(
            "mixed: request, notification, response, invalid",
            batch(&b, vec![ping(1), note.clone(), answer.clone(), json!(5)]),
            codes(&[0, -32600]),
        ),
        case(
            "only notifications",
            batch(&b, vec![note.clone(), note.clone()]),
            accepted(),
        ),
        case(
            "only responses",
            batch(&b, vec![answer.clone()]),
            accepted(),
        ),
        case(
            "initialize inside a batch",
            batch(&b, vec![initialize("2025-03-26"), ping(2)]),
            codes(&[-32600, 0]),
        ),
        case(
            "unknown method inside a batch",
            batch(
                &b,
                vec![json!({"jsonrpc": "2.0", "id": 1, "method": "nope"})],
            ),
            codes(&[-32601]),
        ),
        case(
            "tool calls inside a batch",
            batch(
                &b,
                vec![
                    serde_json::from_str(&call(1, "bi_echo", json!({"text": "a"}))).unwrap(),
                    serde_json::from_str(&call(2, "bi_echo", json!({}))).unwrap(),
                ],
            ),
            codes(&[0, -32602]),
        ),
        case(
            "duplicate ids inside a batch",
            batch(&b, vec![ping(1), ping(1)]),
            codes(&[0, 0]),
        ),
        case(
            "response budget spent",
            batch(
                &b,
                vec![
                    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
                    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
                    ping(3),
                ],
            ),
            codes(&[0, -32000, -32000]),
        ),
        case(
            "truncated batch",
            b.post(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},"#),
            err(400, -32700),
        ),
        case(
            "batch without a session",
            Client {
                session: None,
                ..b.clone()
            }
            .post(Value::Array(vec![ping(1)]).to_string()),
            err(400, -32000),
        ),
    ];
    // Every other revision refuses batches, whatever they hold.
    for version in ["2024-11-05", "2025-06-18", "2025-11-25"] {
        let c = Client::initialize(addr, version).await;
        cases.push(case(
            format!("{version}: one ping"),
            batch(&c, vec![ping(1)]),
            err(400, -32600).id(Value::Null),
        ));
        cases.push(case(
            format!("{version}: empty"),
            c.post("[]"),
            err(400, -32600),
        ));
        cases.push(case(
            format!("{version}: initialize"),
            batch(&c, vec![initialize(version)]),
            err(400, -32600),
        ));
        cases.push(case(
            format!("{version}: notifications"),
            batch(&c, vec![note.clone()]),
            err(400, -32600),
        ));
    }
    // The stateless revision has neither batches nor sessions.
    let modern_batch = WireRequest::post(addr, Value::Array(vec![ping(1)]).to_string())
        .set("MCP-Protocol-Version", "2026-07-28")
        .set("Mcp-Method", "ping");
    cases.push(case(
        "2026-07-28: a batch",
        modern_batch.clone(),
        err(400, -32600).id(Value::Null),
    ));
    cases.push(case(
        "2026-07-28: an empty batch",
        modern_batch.clone().body("[]"),
        err(400, -32600),
    ));
    cases.push(case(
        "2026-07-28: a batch of tools/list with _meta",
        modern_batch.body(json!([{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": modern_meta()}}]).to_string()),
        err(400, -32600),
    ));
    run("batches", addr, cases).await;
    healthy(addr, &[&b]).await;
}

// ---------------------------------------------------------------------------
// 5. Encodings and content types.

#[tokio::test]
async fn encodings_and_content_types() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let ping = rpc(json!(1), "ping", Value::Null);
    let with_ct = |ct: &str| s.post(ping.clone()).set("Content-Type", ct);
    let utf16 = |big: bool| {
        let mut out = Vec::new();
        if big {
            out.extend_from_slice(&[0xFE, 0xFF]);
        } else {
            out.extend_from_slice(&[0xFF, 0xFE]);
        }
        for unit in ping.encode_utf16() {
            out.extend_from_slice(&if big {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    };
    let with_bytes_in_id = |bytes: &[u8]| {
        let mut body = br#"{"jsonrpc":"2.0","id":""#.to_vec();
        body.extend_from_slice(bytes);
        body.extend_from_slice(br#"","method":"ping"}"#);
        s.post(body)
    };
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(ping.as_bytes());
    let cases = vec![
        // Bytes that are not UTF-8 JSON: -32700 (RFC 8259 lets a parser
        // refuse a BOM).
        case("UTF-8 BOM", s.post(bom), err(400, -32700)),
        case("UTF-16 LE with BOM", s.post(utf16(false)), err(400, -32700)),
        case("UTF-16 BE with BOM", s.post(utf16(true)), err(400, -32700)),
        case(
            "UTF-16 LE without BOM",
            s.post(utf16(false)[2..].to_vec()),
            err(400, -32700),
        ),
        case(
            "UTF-32",
            s.post(
                ping.chars()
                    .flat_map(|c| (c as u32).to_le_bytes())
                    .collect::<Vec<u8>>(),
            ),
            err(400, -32700),
        ),
        case(
            "invalid UTF-8 in a string",
            with_bytes_in_id(&[0xC3, 0x28]),
            err(400, -32700),
        ),
        case(
            "lone continuation byte",
            with_bytes_in_id(&[0x80]),
            err(400, -32700),
        ),
        case(
            "overlong encoding",
            with_bytes_in_id(&[0xC0, 0xAF]),
            err(400, -32700),
        ),
        case(
            "encoded surrogate",
            with_bytes_in_id(&[0xED, 0xA0, 0x80]),
            err(400, -32700),
        ),
        case("Latin-1 é", with_bytes_in_id(&[0xE9]), err(400, -32700)),
        case(
            "invalid UTF-8 in params",
            s.post(
                [
                    br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""#.as_slice(),
                    &[0xFF],
                    br#""}}"#,
                ]
                .concat(),
            ),
            err(400, -32700),
        ),
        case(
            "NUL byte outside strings",
            s.post(format!("{ping}\0")),
            err(400, -32700),
        ),
        case(
            "gzip bytes",
            s.post(vec![0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]),
            err(400, -32700),
        ),
        case(
            "escaped lone surrogate in a method",
            s.post(r#"{"jsonrpc":"2.0","id":1,"method":"\ud800"}"#),
            err(400, -32600).id(json!(1)),
        ),
        case(
            "valid 4-byte UTF-8",
            with_bytes_in_id("𝄞".as_bytes()),
            ok().id(json!("𝄞")),
        ),
        case(
            "escaped surrogate pair",
            s.post(r#"{"jsonrpc":"2.0","id":"\ud834\udd1e","method":"ping"}"#),
            ok().id(json!("𝄞")),
        ),
        // Content types: application/json, any case, any parameters (JSON
        // is UTF-8 whatever `charset` says: RFC 8259 gives it no effect).
        case(
            "no Content-Type",
            s.post(ping.clone()).remove("Content-Type"),
            err(415, -32000),
        ),
        case("empty Content-Type", with_ct(""), err(415, -32000)),
        case("text/plain", with_ct("text/plain"), err(415, -32000)),
        case("text/json", with_ct("text/json"), err(415, -32000)),
        case(
            "application/jsonx",
            with_ct("application/jsonx"),
            err(415, -32000),
        ),
        case(
            "application/json-rpc",
            with_ct("application/json-rpc"),
            err(415, -32000),
        ),
        case(
            "application/json-patch+json",
            with_ct("application/json-patch+json"),
            err(415, -32000),
        ),
        case(
            "application/x-www-form-urlencoded",
            with_ct("application/x-www-form-urlencoded"),
            err(415, -32000),
        ),
        case(
            "multipart/form-data",
            with_ct("multipart/form-data; boundary=x"),
            err(415, -32000),
        ),
        case("application/*", with_ct("application/*"), err(415, -32000)),
        case("*/*", with_ct("*/*"), err(415, -32000)),
        case(
            "a list of types",
            with_ct("application/json, text/plain"),
            err(415, -32000),
        ),
        case(
            "non-ASCII Content-Type",
            s.post(ping.clone())
                .set("Content-Type", b"application/json\xE9"),
            err(415, -32000),
        ),
        case("application/json", with_ct("application/json"), ok()),
        case("upper case", with_ct("APPLICATION/JSON"), ok()),
        case(
            "charset=utf-8",
            with_ct("application/json; charset=utf-8"),
            ok(),
        ),
        case(
            "charset=UTF-8, no space",
            with_ct("application/json;charset=UTF-8"),
            ok(),
        ),
        case(
            "quoted charset",
            with_ct("application/json ; charset=\"utf-8\""),
            ok(),
        ),
        case(
            "charset=utf-16 with a UTF-8 body",
            with_ct("application/json; charset=utf-16"),
            ok(),
        ),
        case(
            "charset=utf-16 with a UTF-16 body",
            s.post(utf16(false))
                .set("Content-Type", "application/json; charset=utf-16"),
            err(400, -32700),
        ),
        case(
            "charset=iso-8859-1 with a Latin-1 byte",
            with_bytes_in_id(&[0xE9]).set("Content-Type", "application/json; charset=iso-8859-1"),
            err(400, -32700),
        ),
        case(
            "unknown parameter",
            with_ct("application/json; profile=mcp"),
            ok(),
        ),
        case(
            "Content-Encoding gzip is not supported",
            s.post(vec![0x1F, 0x8B, 0x08, 0x00])
                .set("Content-Encoding", "gzip"),
            err(415, -32000),
        ),
        case(
            "plain JSON labelled gzip is not parsed as if it were not",
            s.post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
                .set("Content-Encoding", "gzip"),
            err(415, -32000),
        ),
        case(
            "Content-Encoding identity",
            s.post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
                .set("Content-Encoding", "identity"),
            ok(),
        ),
    ];
    run("encodings", addr, cases).await;
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 6. Accept.

#[tokio::test]
async fn accept_headers() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let with = |accept: &str| s.ping().set("Accept", accept);
    let cases = vec![
        case("no Accept", s.ping().remove("Accept"), ok()),
        case("application/json", with("application/json"), ok()),
        case(
            "the spec's pair",
            with("application/json, text/event-stream"),
            ok(),
        ),
        case(
            "the pair reversed",
            with("text/event-stream, application/json"),
            ok(),
        ),
        case("*/*", with("*/*"), ok()),
        case("application/*", with("application/*"), ok()),
        case("upper case", with("APPLICATION/JSON"), ok()),
        case(
            "with a charset",
            with("application/json; charset=utf-8"),
            ok(),
        ),
        case(
            "with weights",
            with("application/json;q=0.9, text/event-stream;q=1"),
            ok(),
        ),
        case(
            "split over two headers",
            s.ping()
                .set("Accept", "text/event-stream")
                .add("Accept", "application/json"),
            ok(),
        ),
        case(
            "JSON refused by q=0",
            with("application/json;q=0, text/event-stream"),
            err(406, -32000),
        ),
        case(
            "everything refused by q=0",
            with("*/*;q=0"),
            err(406, -32000),
        ),
        case(
            "JSON refused with q=0.000",
            with("application/json; q=0.000"),
            err(406, -32000),
        ),
        case(
            "only text/event-stream",
            with("text/event-stream"),
            err(406, -32000),
        ),
        case("text/html", with("text/html"), err(406, -32000)),
        case("text/*", with("text/*"), err(406, -32000)),
        case("image/png", with("image/png"), err(406, -32000)),
        case(
            "application/jsonx",
            with("application/jsonx"),
            err(406, -32000),
        ),
        case("empty Accept", with(""), err(406, -32000)),
        case("garbage", with(";;;,,,"), err(406, -32000)),
        case(
            "non-ASCII",
            s.ping().set("Accept", b"application/json\xFF"),
            err(406, -32000),
        ),
        // GET's stream needs text/event-stream.
        case("GET without Accept", s.request("GET"), err(406, -32000)),
        case(
            "GET accepting JSON only",
            s.request("GET").set("Accept", "application/json"),
            err(406, -32000),
        ),
        case(
            "GET accepting text/event-stream;q=0",
            s.request("GET").set("Accept", "text/event-stream;q=0"),
            err(406, -32000),
        ),
        case(
            "GET without a session",
            Client::anonymous(addr)
                .request("GET")
                .set("Accept", "text/event-stream"),
            err(400, -32000),
        ),
        case(
            "GET with an unknown session",
            Client {
                session: Some("f".repeat(32)),
                ..s.clone()
            }
            .request("GET")
            .set("Accept", "text/event-stream"),
            err(404, -32001),
        ),
        case(
            "GET resuming an unknown stream",
            s.request("GET")
                .set("Accept", "text/event-stream")
                .set("Last-Event-ID", "nope-1"),
            err(404, -32000),
        ),
        case(
            "GET resuming with a non-ASCII id",
            s.request("GET")
                .set("Accept", "text/event-stream")
                .set("Last-Event-ID", b"\xFF\xFE"),
            err(404, -32000),
        ),
    ];
    run("accept", addr, cases).await;
    // The standalone stream: one per session, a second is a conflict.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let get = s
        .request("GET")
        .set("Accept", "text/event-stream")
        .remove("Connection");
    stream.write_all(&get.bytes()).await.unwrap();
    let head = wire::read_head(&mut stream).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/event-stream"));
    let second = get.clone().set("Connection", "close").send(addr).await;
    assert_eq!(mismatch(&err(409, -32000), &second), None);
    drop(stream);
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 7. Session ids.

#[tokio::test]
async fn bad_stale_oversized_and_non_ascii_session_ids() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let real = s.session.clone().unwrap();
    let ended = Client::initialize(addr, "2025-11-25").await;
    let reply = ended.request("DELETE").send(addr).await;
    assert_eq!(reply.status, 200);
    let with = |id: &[u8]| s.ping().set("Mcp-Session-Id", id);
    let cases = vec![
        case(
            "no session",
            s.ping().remove("Mcp-Session-Id"),
            err(400, -32000).id(json!(1)),
        ),
        case("unknown", with(&[b'0'; 32]), err(404, -32001).id(json!(1))),
        case("ended", ended.ping(), err(404, -32001).id(json!(1))),
        case("empty", with(b""), err(404, -32001)),
        case(
            "upper-cased",
            with(real.to_uppercase().as_bytes()),
            err(404, -32001),
        ),
        case(
            "one character more",
            with(format!("{real}0").as_bytes()),
            err(404, -32001),
        ),
        case(
            "one character less",
            with(&real.as_bytes()[..31]),
            err(404, -32001),
        ),
        case(
            "with an inner space",
            with(format!("{} {}", &real[..16], &real[16..]).as_bytes()),
            err(404, -32001),
        ),
        case(
            "a list of two",
            with(format!("{real}, {real}").as_bytes()),
            err(404, -32001),
        ),
        case("2 KiB", with(&[b'a'; 2048]), err(404, -32001)),
        case(
            "past the header limit",
            with(&vec![b'a'; MAX_HEADERS + 1]),
            err(431, -32000),
        ),
        case("Latin-1 bytes", with(b"caf\xE9"), err(404, -32001)),
        case("UTF-8 bytes", with("sessión".as_bytes()), err(404, -32001)),
        case("a tab inside", with(b"ab\tcd"), err(404, -32001)),
        case("DEL byte: not a header value", with(b"ab\x7Fcd"), http(400)),
        case(
            "two headers, the real one first",
            s.ping().add("Mcp-Session-Id", "0".repeat(32)),
            err(400, -32000),
        ),
        case(
            "two headers, the real one last",
            with(&[b'0'; 32]).add("Mcp-Session-Id", &real),
            err(400, -32000),
        ),
        case(
            "two identical headers",
            s.ping().add("Mcp-Session-Id", &real),
            err(400, -32000),
        ),
        case(
            "surrounding whitespace is not part of the value",
            with(format!("  {real}  ").as_bytes()),
            ok(),
        ),
        case(
            "header name in upper case",
            s.ping()
                .remove("Mcp-Session-Id")
                .set("MCP-SESSION-ID", &real),
            ok(),
        ),
        case(
            "tools/call in an unknown session",
            with(&[b'1'; 32]).body(call(3, "bi_echo", json!({"text": "x"}))),
            err(404, -32001).id(json!(3)),
        ),
        case(
            "a notification in an unknown session",
            with(&[b'1'; 32]).body(notification("notifications/initialized", Value::Null)),
            err(404, -32001).id(Value::Null),
        ),
        case(
            "a response in an unknown session",
            with(&[b'1'; 32]).body(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            err(404, -32001),
        ),
        case(
            "initialize ignores a stale session id",
            ended.post(initialize("2025-11-25").to_string()),
            ok().with_header("mcp-session-id", ""),
        ),
        case(
            "DELETE without a session",
            s.request("DELETE").remove("Mcp-Session-Id"),
            err(400, -32000),
        ),
        case(
            "DELETE of an unknown session",
            s.request("DELETE").set("Mcp-Session-Id", "0".repeat(32)),
            err(404, -32001),
        ),
        case(
            "DELETE of an ended session",
            ended.request("DELETE"),
            err(404, -32001),
        ),
        case(
            "DELETE with a non-ASCII id",
            s.request("DELETE").set("Mcp-Session-Id", b"\xFF"),
            err(404, -32001),
        ),
        case(
            "DELETE with two ids",
            s.request("DELETE").add("Mcp-Session-Id", "0".repeat(32)),
            err(400, -32000),
        ),
    ];
    run("sessions", addr, cases).await;
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 8. MCP-Protocol-Version.

#[tokio::test]
async fn protocol_version_headers() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let with = |v: &[u8]| s.ping().set("MCP-Protocol-Version", v);
    let anon = Client::anonymous(addr);
    let init_with = |v: &str| {
        anon.post(initialize("2025-11-25").to_string())
            .set("MCP-Protocol-Version", v)
    };
    let cases = vec![
        case(
            "absent: the session decides",
            s.ping().remove("MCP-Protocol-Version"),
            ok(),
        ),
        case("the session's", with(b"2025-11-25"), ok()),
        case(
            "another supported one does not change the session's",
            with(b"2025-06-18"),
            ok(),
        ),
        case("2024-11-05", with(b"2024-11-05"), ok()),
        case(
            "unsupported",
            with(b"2025-11-26"),
            err(400, -32000).id(json!(1)),
        ),
        case(
            "TS SDK's pre-release 2024-10-07",
            with(b"2024-10-07"),
            err(400, -32000),
        ),
        case("far future", with(b"2099-01-01"), err(400, -32000)),
        case("empty", with(b""), err(400, -32000)),
        case("garbage", with(b"latest"), err(400, -32000)),
        case("with a suffix", with(b"2025-11-25x"), err(400, -32000)),
        case("a list", with(b"2025-11-25, 2025-06-18"), err(400, -32000)),
        case("non-ASCII", with(b"2025-11-25\xE9"), err(400, -32000)),
        case(
            "two headers",
            with(b"2025-11-25").add("MCP-Protocol-Version", "2025-06-18"),
            err(400, -32000),
        ),
        case(
            "two headers, one bad",
            with(b"2025-11-25").add("MCP-Protocol-Version", "junk"),
            err(400, -32000),
        ),
        case("surrounding whitespace", with(b"  2025-11-25  "), ok()),
        case(
            "initialize with an unsupported header",
            init_with("junk"),
            err(400, -32000).id(json!(0)),
        ),
        case(
            "initialize with a supported header",
            init_with("2025-06-18"),
            ok(),
        ),
        case(
            "tools/call with an unsupported header",
            with(b"2000-01-01").body(call(4, "bi_echo", json!({"text": "x"}))),
            err(400, -32000).id(json!(4)),
        ),
        case(
            "a notification with an unsupported header",
            with(b"2000-01-01").body(notification("notifications/initialized", Value::Null)),
            err(400, -32000),
        ),
        case(
            "GET with an unsupported header",
            s.request("GET")
                .set("Accept", "text/event-stream")
                .set("MCP-Protocol-Version", "junk"),
            err(400, -32000),
        ),
        // Naming the stateless revision makes a request stateless: it must
        // then describe itself (`_meta`), session or not.
        case(
            "2026-07-28 on a handshake session's ping: no _meta",
            with(b"2026-07-28").set("Mcp-Method", "ping"),
            err(400, -32602).id(json!(1)),
        ),
        case(
            "2026-07-28 on a tools/call without _meta",
            with(b"2026-07-28")
                .set("Mcp-Method", "tools/call")
                .set("Mcp-Name", "bi_echo")
                .body(call(5, "bi_echo", json!({"text": "x"}))),
            err(400, -32602).id(json!(5)),
        ),
    ];
    run("versions", addr, cases).await;
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 9. Header injection and malformed HTTP: refused by HTTP itself (400, no
//    JSON-RPC body), or read as the separate headers they are.

#[tokio::test]
async fn header_injection_and_malformed_http() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let real = s.session.clone().unwrap();
    let with_session = |v: &[u8]| s.ping().set("Mcp-Session-Id", v);
    let raw = |bytes: Vec<u8>| Request::Pieces(vec![bytes], Duration::ZERO);
    let ping = rpc(json!(1), "ping", Value::Null);
    let head_then = |extra: &str| {
        let mut r = s.ping().bytes();
        // Insert `extra` right after the request line.
        let at = r.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        r.splice(at..at, extra.bytes());
        r
    };
    let cases = vec![
        case("CR inside a value", with_session(format!("{real}\rX-Injected: 1").as_bytes()), http(400)),
        case("CR LF inside a value adds a header, nothing more", with_session(format!("{real}\r\nX-Injected: 1").as_bytes()), ok()),
        case("CR LF CR LF inside a value ends the head: no body", with_session(format!("{real}\r\n\r\n{ping}").as_bytes()), err(400, -32700)),
        case("bare LF splits the header", with_session(b"abc\nX-Injected: 1"), err(404, -32001)),
        case("NUL inside a value", with_session(b"abc\0def"), http(400)),
        case("obsolete line folding", with_session(format!("{}\r\n {}", &real[..16], &real[16..]).as_bytes()), http(400)),
        case("space before the colon", raw(head_then("Mcp-Session-Id : x\r\n")), http(400)),
        case("space inside a header name", raw(head_then("Mcp Session-Id: x\r\n")), http(400)),
        case("header without a colon", raw(head_then("Garbage\r\n")), http(400)),
        case("non-ASCII header name", raw(head_then("X-\u{e9}: 1\r\n")), http(400)),
        case("CR LF in the request target", raw(format!("POST /mcp\r\nX-Injected: 1 HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()), http(400)),
        case("two Content-Lengths that differ", s.ping().set("Content-Length", ping.len().to_string()).add("Content-Length", "5"), http(400)),
        case("a negative Content-Length", s.ping().set("Content-Length", "-1"), http(400)),
        case("a Content-Length with a sign", s.ping().set("Content-Length", format!("+{}", ping.len())), http(400)),
        case("a hexadecimal Content-Length", s.ping().set("Content-Length", format!("0x{:x}", ping.len())), http(400)),
        case("Transfer-Encoding and Content-Length together", s.ping().set("Content-Length", ping.len().to_string()).set("Transfer-Encoding", "chunked").body(chunked(ping.as_bytes(), 10)), http(400)),
        case("an unknown Transfer-Encoding", s.ping().remove("Content-Length").set("Transfer-Encoding", "gzip"), http(400)),
        case("bad chunk size: the body cannot be read", s.ping().remove("Content-Length").set("Transfer-Encoding", "chunked").body("zz\r\nabc\r\n0\r\n\r\n"), err(400, -32700)),
        case("a chunked body", s.ping().remove("Content-Length").set("Transfer-Encoding", "chunked").body(chunked(ping.as_bytes(), 7)), ok()),
        case("HTTP/1.0", { let mut r = s.ping(); r.version = "HTTP/1.0".into(); r }, ok()),
        case("HTTP/2.0 on an HTTP/1 connection", { let mut r = s.ping(); r.version = "HTTP/2.0".into(); r }, http(400)),
        case("garbage version", { let mut r = s.ping(); r.version = "HTTP/9".into(); r }, http(400)),
        case("lower-case method is another method", { let mut r = s.ping(); r.method = "post".into(); r }, err(405, -32000).with_header("allow", "GET, POST, DELETE")),
        case("Origin with CR LF adds a header, nothing more", s.ping().set("Origin", "http://localhost\r\nX-Injected: 1"), ok()),
        case("an injected Origin after CR LF is still checked", s.ping().set("X-Pad", "1\r\nOrigin: http://evil.example.com"), err(403, -32000)),
        case("an injected Host after CR LF is still checked", s.ping().set("X-Pad", "1\r\nHost: evil.example.com"), http(400)),
    ];
    run("injection", addr, cases).await;
    // Nothing a request says shows up in an answer's headers.
    let reply = s
        .ping()
        .set("Origin", "http://localhost")
        .add("X-Note", "a\r\nSet-Cookie: stolen=1")
        .send(addr)
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.header("set-cookie").is_none());
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 10. Origin and Host (DNS rebinding), and CORS.

#[tokio::test]
async fn origin_and_host() {
    let server = server();
    let addr = server.addr;
    let port = addr.port();
    let s = Client::initialize(addr, "2025-11-25").await;
    let origin = |o: &[u8]| s.ping().set("Origin", o);
    let host = |h: &str| s.ping().set("Host", h);
    let preflight = |o: &str| {
        s.request("OPTIONS")
            .remove("Mcp-Session-Id")
            .remove("MCP-Protocol-Version")
            .set("Origin", o)
            .set("Access-Control-Request-Method", "POST")
            .set(
                "Access-Control-Request-Headers",
                "content-type, mcp-session-id",
            )
    };
    let cases = vec![
        // Origin: absent, loopback or listed.
        case("no Origin", s.ping().remove("Origin"), ok()),
        case("http://localhost", origin(b"http://localhost"), ok()),
        case(
            "http://localhost:port",
            origin(format!("http://localhost:{port}").as_bytes()),
            ok(),
        ),
        case("https://127.0.0.1", origin(b"https://127.0.0.1"), ok()),
        case("http://127.1.2.3:80", origin(b"http://127.1.2.3:80"), ok()),
        case(
            "http://[::1]:port",
            origin(format!("http://[::1]:{port}").as_bytes()),
            ok(),
        ),
        case(
            "http://app.localhost",
            origin(b"http://app.localhost"),
            ok(),
        ),
        case("HTTP://LOCALHOST", origin(b"HTTP://LOCALHOST"), ok()),
        case(
            "the listed origin",
            origin(ALLOWED_ORIGIN.as_bytes()),
            ok().with_header("access-control-allow-origin", ALLOWED_ORIGIN),
        ),
        case(
            "the listed origin, upper case",
            origin(b"HTTPS://APP.EXAMPLE.COM"),
            ok(),
        ),
        case(
            "an unlisted origin",
            origin(b"http://evil.example.com"),
            err(403, -32000),
        ),
        case(
            "the listed origin over http",
            origin(b"http://app.example.com"),
            err(403, -32000),
        ),
        case(
            "a sub-domain of the listed origin",
            origin(b"https://x.app.example.com"),
            err(403, -32000),
        ),
        case(
            "the listed origin as a prefix",
            origin(b"https://app.example.com.evil.com"),
            err(403, -32000),
        ),
        case("null", origin(b"null"), err(403, -32000)),
        case("empty", origin(b""), err(403, -32000)),
        case(
            "localhost as a prefix",
            origin(b"http://localhost.evil.com"),
            err(403, -32000),
        ),
        case(
            "127.0.0.1 as a prefix",
            origin(b"http://127.0.0.1.evil.com"),
            err(403, -32000),
        ),
        case(
            "userinfo",
            origin(b"http://localhost@evil.com"),
            err(403, -32000),
        ),
        case(
            "a path",
            origin(b"http://evil.com/http://localhost"),
            err(403, -32000),
        ),
        case("file://", origin(b"file://localhost"), err(403, -32000)),
        case(
            "[::1] as a prefix",
            origin(b"http://[::1].evil.com"),
            err(403, -32000),
        ),
        case(
            "not loopback IPv6",
            origin(b"http://[::2]"),
            err(403, -32000),
        ),
        case(
            "non-ASCII",
            origin(b"http://localh\xF6st"),
            err(403, -32000),
        ),
        case(
            "two Origins, both loopback",
            origin(b"http://localhost").add("Origin", "http://127.0.0.1"),
            err(403, -32000),
        ),
        case(
            "two Origins, evil last",
            origin(b"http://localhost").add("Origin", "http://evil.example.com"),
            err(403, -32000),
        ),
        case(
            "two Origins, evil first",
            origin(b"http://evil.example.com").add("Origin", "http://localhost"),
            err(403, -32000),
        ),
        case(
            "several Origins in one header",
            origin(b"http://localhost http://evil.example.com"),
            err(403, -32000),
        ),
        // Host: loopback names or listed, any port.
        case("Host 127.0.0.1:port", host(&addr.to_string()), ok()),
        case("Host localhost", host("localhost"), ok()),
        case("Host LOCALHOST:1", host("LOCALHOST:1"), ok()),
        case("Host [::1]", host("[::1]"), ok()),
        case("Host [::1]:port", host(&format!("[::1]:{port}")), ok()),
        case("Host 127.255.255.254", host("127.255.255.254"), ok()),
        case("Host app.localhost", host("app.localhost:8080"), ok()),
        case("Host listed", host(ALLOWED_HOST), ok()),
        case(
            "Host listed, with a port",
            host(&format!("{ALLOWED_HOST}:8443")),
            ok(),
        ),
        case("Host listed, upper case", host("MCP.EXAMPLE.COM"), ok()),
        case("Host unlisted", host("evil.example.com"), err(403, -32000)),
        case(
            "Host unlisted with a loopback port",
            host(&format!("evil.example.com:{port}")),
            err(403, -32000),
        ),
        case(
            "Host localhost as a prefix",
            host("localhost.evil.com"),
            err(403, -32000),
        ),
        case(
            "Host 127.0.0.1 as a prefix",
            host("127.0.0.1.evil.com"),
            err(403, -32000),
        ),
        case(
            "Host a sub-domain of the listed host",
            host("x.mcp.example.com"),
            err(403, -32000),
        ),
        case(
            "Host with userinfo",
            host("user@localhost"),
            err(403, -32000),
        ),
        case("Host IPv6 not loopback", host("[::2]:80"), err(403, -32000)),
        case("Host 0.0.0.0", host("0.0.0.0"), err(403, -32000)),
        case(
            "Host a private address",
            host("192.168.1.1"),
            err(403, -32000),
        ),
        case("Host empty", host(""), err(403, -32000)),
        case(
            "Host non-ASCII",
            s.ping().set("Host", b"localh\xF6st"),
            err(403, -32000),
        ),
        case(
            "two Hosts, evil last",
            host("localhost").add("Host", "evil.example.com"),
            http(400),
        ),
        case(
            "two Hosts, evil first",
            host("evil.example.com").add("Host", "localhost"),
            http(400),
        ),
        case(
            "absolute-form target naming another host",
            {
                let mut r = host("localhost");
                r.target = "http://evil.example.com/mcp".into();
                r
            },
            err(403, -32000),
        ),
        case(
            "absolute-form target naming loopback",
            {
                let mut r = host("localhost");
                r.target = format!("http://127.0.0.1:{port}/mcp");
                r
            },
            ok(),
        ),
        case(
            "an evil Host on GET",
            s.request("GET")
                .set("Accept", "text/event-stream")
                .set("Host", "evil.example.com"),
            err(403, -32000),
        ),
        case(
            "an evil Origin on DELETE",
            s.request("DELETE").set("Origin", "http://evil.example.com"),
            err(403, -32000),
        ),
        case(
            "an evil Origin on initialize",
            Client::anonymous(addr)
                .post(initialize("2025-11-25").to_string())
                .set("Origin", "http://evil.example.com"),
            err(403, -32000),
        ),
        case(
            "the conformance suite's rebinding probe",
            Client::anonymous(addr)
                .post(initialize("2025-11-25").to_string())
                .set("Host", "evil.example.com")
                .set("Origin", "http://evil.example.com"),
            err(403, -32000),
        ),
        // CORS preflights.
        case(
            "preflight from the listed origin",
            preflight(ALLOWED_ORIGIN),
            status(200, Answer::Empty).with_header("access-control-allow-origin", ALLOWED_ORIGIN),
        ),
        case(
            "preflight from loopback",
            preflight("http://localhost:6274"),
            status(200, Answer::Empty).with_header("access-control-allow-methods", "POST"),
        ),
        case(
            "preflight from an unlisted origin",
            preflight("http://evil.example.com"),
            err(403, -32000),
        ),
        case("preflight from null", preflight("null"), err(403, -32000)),
        case(
            "OPTIONS without Origin",
            s.request("OPTIONS"),
            err(405, -32000).with_header("allow", "GET, POST, DELETE"),
        ),
    ];
    run("origin", addr, cases).await;
    // CORS exposes what browser clients must read.
    let reply = origin(ALLOWED_ORIGIN.as_bytes()).send(addr).await;
    let exposed = reply
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in ["mcp-session-id", "mcp-protocol-version", "www-authenticate"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    healthy(addr, &[&s]).await;
}

// ---------------------------------------------------------------------------
// 11. Slow and stalled bodies: 408 once the body deadline passes, and the
//     connection closed (not held open waiting for the rest).

#[tokio::test]
async fn slow_and_stalled_bodies() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let ping = rpc(json!(1), "ping", Value::Null);
    let head = |len: usize| s.ping().set("Content-Length", len.to_string()).head();
    let chunked_head = || {
        s.ping()
            .remove("Content-Length")
            .set("Transfer-Encoding", "chunked")
            .head()
    };
    let trickle = |body: &str| -> Vec<Vec<u8>> {
        let mut pieces = vec![head(body.len())];
        pieces.extend(body.bytes().map(|b| vec![b]));
        pieces
    };
    let slow = |pieces: Vec<Vec<u8>>, pause_ms: u64| {
        Request::Pieces(pieces, Duration::from_millis(pause_ms))
    };
    let timeout = || err(408, -32000).id(Value::Null);
    let cases = vec![
        case(
            "headers only, the body never comes",
            slow(vec![head(ping.len())], 0),
            timeout(),
        ),
        case(
            "half the body, then nothing",
            slow(vec![head(ping.len()), ping.as_bytes()[..10].to_vec()], 0),
            timeout(),
        ),
        case(
            "all but the last byte",
            slow(
                vec![head(ping.len()), ping.as_bytes()[..ping.len() - 1].to_vec()],
                0,
            ),
            timeout(),
        ),
        case(
            "a pause longer than the idle deadline",
            slow(
                vec![
                    head(ping.len()),
                    ping.as_bytes()[..10].to_vec(),
                    ping.as_bytes()[10..].to_vec(),
                ],
                700,
            ),
            timeout(),
        ),
        case(
            "a byte every 100 ms, past the total deadline",
            slow(trickle(&ping), 100),
            timeout(),
        ),
        case(
            "chunked, stalled after a chunk",
            slow(vec![chunked_head(), b"a\r\n{\"jsonrpc\"\r\n".to_vec()], 0),
            timeout(),
        ),
        case(
            "chunked, stalled before the last chunk",
            slow(
                vec![
                    chunked_head(),
                    chunked(ping.as_bytes(), 8)
                        .strip_suffix(b"0\r\n\r\n")
                        .unwrap()
                        .to_vec(),
                ],
                0,
            ),
            timeout(),
        ),
        case(
            "chunked, a chunk size and no data",
            slow(vec![chunked_head(), b"40\r\n".to_vec()], 0),
            timeout(),
        ),
        case(
            "a stalled tools/call",
            slow(
                vec![s.post(call(1, "bi_echo", json!({"text": "x"}))).head()],
                0,
            ),
            timeout(),
        ),
        case(
            "a stalled initialize",
            slow(
                vec![
                    Client::anonymous(addr)
                        .post(initialize("2025-11-25").to_string())
                        .head(),
                ],
                0,
            ),
            timeout(),
        ),
        // Slow but within both deadlines: served.
        case(
            "in three pieces 100 ms apart",
            slow(
                vec![
                    head(ping.len()),
                    ping.as_bytes()[..10].to_vec(),
                    ping.as_bytes()[10..20].to_vec(),
                    ping.as_bytes()[20..].to_vec(),
                ],
                100,
            ),
            ok(),
        ),
        case(
            "chunked, 100 ms apart",
            slow(
                vec![
                    chunked_head(),
                    chunked(&ping.as_bytes()[..20], 20)
                        .strip_suffix(b"0\r\n\r\n")
                        .unwrap()
                        .to_vec(),
                    chunked(&ping.as_bytes()[20..], 40),
                ],
                100,
            ),
            ok(),
        ),
    ];
    let started = Instant::now();
    let count = cases.len();
    run("stalls", addr, cases).await;
    // Every stalled case was answered at its deadline, not held (the reader
    // waits for the connection to close, so a held one would show here).
    assert!(
        started.elapsed() < Duration::from_secs(3 * count as u64),
        "{:?}",
        started.elapsed()
    );
    // Stalled connections side by side do not hold others up.
    let mut stalled = Vec::new();
    for i in 0..20 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = if i % 2 == 0 {
            head(100)
        } else {
            chunked_head()
        };
        stream.write_all(&head).await.unwrap();
        stalled.push(stream);
    }
    let before = Instant::now();
    healthy(addr, &[&s]).await;
    assert!(before.elapsed() < Duration::from_secs(5));
    for mut stream in stalled {
        let reply = wire::read_reply(&mut stream).await;
        assert_eq!(mismatch(&timeout(), &reply), None);
    }
    // Headers that never finish are actix's to time out (its client
    // request timeout, 5 s by default): 408, no JSON-RPC body.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Ty").as_bytes())
        .await
        .unwrap();
    let reply = wire::read_reply(&mut stream).await;
    assert_eq!(mismatch(&http(408), &reply), None);
}

// ---------------------------------------------------------------------------
// 12. The stateless revision (2026-07-28): `_meta` and the headers that
//     must repeat the body.

const V2026: &str = "2026-07-28";

fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V2026,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "bad-input", "version": "1"}
    })
}

/// A stateless request: `params` as given (`_meta` added unless present or
/// `params` is not an object), with the headers the revision requires.
fn modern(addr: SocketAddr, id: Value, method: &str, mut params: Value) -> WireRequest {
    if let Value::Object(p) = &mut params
        && !p.contains_key("_meta")
    {
        p.insert("_meta".into(), modern_meta());
    }
    let mut r = WireRequest::post(addr, rpc(id, method, params.clone()))
        .set("MCP-Protocol-Version", V2026)
        .set("Mcp-Method", method);
    if let Some(name) = params.get("name").and_then(Value::as_str) {
        r = r.set("Mcp-Name", name);
    }
    r
}

#[tokio::test]
async fn stateless_era_requests_with_bad_meta() {
    let server = server();
    let addr = server.addr;
    let echo = |meta: Value| {
        modern(
            addr,
            json!(7),
            "tools/call",
            json!({"name": "bi_echo", "arguments": {"text": "x"}, "_meta": meta}),
        )
    };
    let list = |meta: Value| modern(addr, json!(7), "tools/list", json!({"_meta": meta}));
    let meta_with = |key: &str, value: Value| {
        let mut m = modern_meta();
        if value.is_null() {
            m.as_object_mut().unwrap().remove(key);
        } else {
            m[key] = value;
        }
        m
    };
    let pv = "io.modelcontextprotocol/protocolVersion";
    let caps = "io.modelcontextprotocol/clientCapabilities";
    let level = "io.modelcontextprotocol/logLevel";
    let bad = |code: i64| err(400, code).id(json!(7));
    let cases = vec![
        case("good tools/list", list(modern_meta()), ok().id(json!(7))),
        case("good tools/call", echo(modern_meta()), ok().id(json!(7))),
        case(
            "no params",
            modern(addr, json!(7), "tools/list", Value::Null),
            bad(-32602),
        ),
        case(
            "no _meta",
            modern(addr, json!(7), "tools/list", json!({"_meta": null})),
            bad(-32602),
        ),
        case("_meta a string", list(json!("x")), bad(-32602)),
        case("_meta an array", list(json!([modern_meta()])), bad(-32602)),
        case("_meta empty", list(json!({})), bad(-32602)),
        case(
            "no protocolVersion in _meta",
            list(meta_with(pv, Value::Null)),
            bad(-32602),
        ),
        case(
            "protocolVersion a number",
            list(meta_with(pv, json!(20260728))),
            bad(-32602),
        ),
        case(
            "no clientCapabilities",
            list(meta_with(caps, Value::Null)),
            bad(-32602),
        ),
        case(
            "clientCapabilities a string",
            list(meta_with(caps, json!("all"))),
            bad(-32602),
        ),
        case(
            "clientCapabilities an array",
            list(meta_with(caps, json!([]))),
            bad(-32602),
        ),
        case(
            "logLevel unknown",
            list(meta_with(level, json!("loud"))),
            bad(-32602),
        ),
        case(
            "logLevel a number",
            list(meta_with(level, json!(3))),
            bad(-32602),
        ),
        case(
            "logLevel valid",
            list(meta_with(level, json!("debug"))),
            ok(),
        ),
        case(
            "clientInfo junk is only a SHOULD",
            list(meta_with("io.modelcontextprotocol/clientInfo", json!(5))),
            ok(),
        ),
        case(
            "10k nested in _meta",
            modern(addr, json!(7), "tools/list", Value::Null).body(format!(
                r#"{{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{{"_meta":{}}}}}"#,
                nested(10_000, "{\"a\":", "}", "1")
            )),
            bad(-32602),
        ),
        case(
            "an unsupported version in _meta and header",
            list(meta_with(pv, json!("2099-01-01"))).set("MCP-Protocol-Version", "2099-01-01"),
            bad(-32022),
        ),
        case(
            "a handshake version in _meta and header",
            list(meta_with(pv, json!("2025-11-25"))).set("MCP-Protocol-Version", "2025-11-25"),
            bad(-32022),
        ),
        case(
            "version header differs from _meta",
            list(meta_with(pv, json!("2099-01-01"))),
            bad(-32020),
        ),
        case(
            "version header missing, _meta says 2026",
            list(modern_meta()).remove("MCP-Protocol-Version"),
            bad(-32020),
        ),
        case(
            "Mcp-Method missing",
            list(modern_meta()).remove("Mcp-Method"),
            bad(-32020),
        ),
        case(
            "Mcp-Method differs",
            list(modern_meta()).set("Mcp-Method", "tools/call"),
            bad(-32020),
        ),
        case(
            "Mcp-Method upper case",
            list(modern_meta()).set("Mcp-Method", "TOOLS/LIST"),
            bad(-32020),
        ),
        case(
            "Mcp-Method non-ASCII",
            list(modern_meta()).set("Mcp-Method", b"tools/list\xFF"),
            bad(-32020),
        ),
        case(
            "Mcp-Name missing",
            echo(modern_meta()).remove("Mcp-Name"),
            bad(-32020),
        ),
        case(
            "Mcp-Name differs",
            echo(modern_meta()).set("Mcp-Name", "other"),
            bad(-32020),
        ),
        case(
            "tools/call without a name",
            modern(addr, json!(7), "tools/call", json!({"arguments": {}}))
                .set("Mcp-Name", "bi_echo"),
            bad(-32020),
        ),
        case(
            "tools/call, name a number",
            modern(addr, json!(7), "tools/call", json!({"name": 5})).set("Mcp-Name", "5"),
            bad(-32020),
        ),
        case(
            "unknown tool",
            modern(
                addr,
                json!(7),
                "tools/call",
                json!({"name": "nope", "arguments": {}}),
            ),
            err(200, -32602).id(json!(7)),
        ),
        case(
            "missing argument",
            modern(
                addr,
                json!(7),
                "tools/call",
                json!({"name": "bi_echo", "arguments": {}}),
            ),
            status(200, Answer::ToolError).id(json!(7)),
        ),
        case(
            "ping is gone",
            modern(addr, json!(7), "ping", json!({})),
            err(404, -32601).id(json!(7)),
        ),
        case(
            "initialize is gone",
            modern(addr, json!(7), "initialize", json!({})),
            err(404, -32601),
        ),
        case(
            "logging/setLevel is gone",
            modern(addr, json!(7), "logging/setLevel", json!({"level": "info"})),
            err(404, -32601),
        ),
        case(
            "unknown method",
            modern(addr, json!(7), "nope/nope", json!({})),
            err(404, -32601),
        ),
        case(
            "params not an object",
            modern(addr, json!(7), "tools/list", json!([1])),
            err(400, -32600).id(json!(7)),
        ),
        case(
            "a notification",
            WireRequest::post(
                addr,
                notification("notifications/initialized", json!({"_meta": modern_meta()})),
            )
            .set("MCP-Protocol-Version", V2026)
            .set("Mcp-Method", "notifications/initialized"),
            accepted(),
        ),
        case(
            "a response: nothing was asked",
            WireRequest::post(addr, r#"{"jsonrpc":"2.0","id":3,"result":{}}"#)
                .set("MCP-Protocol-Version", V2026),
            err(400, -32600).id(json!(3)),
        ),
        case(
            "a session id is ignored",
            list(modern_meta()).set("Mcp-Session-Id", "0".repeat(32)),
            ok(),
        ),
        case(
            "a non-ASCII session id is ignored",
            list(modern_meta()).set("Mcp-Session-Id", b"\xFF"),
            ok(),
        ),
        case(
            "discover without _meta",
            WireRequest::post(addr, rpc(json!(7), "server/discover", json!({}))),
            bad(-32602),
        ),
        case(
            "discover",
            modern(addr, json!(7), "server/discover", json!({})),
            ok().id(json!(7)),
        ),
        case(
            "GET is not there",
            WireRequest::new("GET", "/mcp", &addr.to_string())
                .set("MCP-Protocol-Version", V2026)
                .set("Accept", "text/event-stream"),
            err(405, -32000),
        ),
        case(
            "DELETE is not there",
            WireRequest::new("DELETE", "/mcp", &addr.to_string())
                .set("MCP-Protocol-Version", V2026)
                .set("Mcp-Session-Id", "0".repeat(32)),
            err(405, -32000),
        ),
    ];
    run("stateless", addr, cases).await;
    healthy(addr, &[]).await;
    let reply = echo(modern_meta()).send(addr).await;
    assert_eq!(mismatch(&ok(), &reply), None);
    assert_eq!(reply.reply().unwrap()["result"]["resultType"], "complete");
}

// ---------------------------------------------------------------------------
// 13. HTTP methods and paths.

#[tokio::test]
async fn other_methods_and_paths() {
    let server = server();
    let addr = server.addr;
    let s = Client::initialize(addr, "2025-11-25").await;
    let at = |target: &str| {
        let mut r = s.ping();
        r.target = target.into();
        r
    };
    let allow = |code: u16| err(code, -32000).with_header("allow", "GET, POST, DELETE");
    let cases = vec![
        case(
            "PUT",
            s.request("PUT").body(rpc(json!(1), "ping", Value::Null)),
            allow(405),
        ),
        case("PATCH", s.request("PATCH"), allow(405)),
        case("TRACE", s.request("TRACE"), allow(405)),
        case("an invented method", s.request("BREW"), allow(405)),
        case(
            "HEAD",
            s.request("HEAD"),
            status(405, Answer::Empty).with_header("allow", "GET, POST, DELETE"),
        ),
        case("a trailing slash", at("/mcp/"), ok()),
        case("a query string", at("/mcp?session=x"), ok()),
        case("a fragment is not part of the path", at("/mcp#x"), ok()),
        case("another path", at("/mcpx"), http(404)),
        case("below the endpoint", at("/mcp/x"), http(404)),
        case("percent-encoded unreserved characters", at("/%6Dcp"), ok()),
        case("dot segments", at("/x/../mcp"), http(404)),
        case(
            "a 2 KiB target",
            at(&format!("/mcp?{}", "q".repeat(2048))),
            ok(),
        ),
        case("an asterisk target", at("*"), http(404)),
    ];
    run("methods", addr, cases).await;
    healthy(addr, &[&s]).await;
}
