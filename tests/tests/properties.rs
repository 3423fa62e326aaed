//! Property-based tests (proptest), black-box over HTTP against a real
//! server on 127.0.0.1:
//!
//! * the JSON-RPC decoder: arbitrary JSON values, JSON-RPC-shaped values
//!   with members of every type, and arbitrary bytes never get a 5xx, a
//!   panic or a hang, only a well-formed JSON-RPC answer (or 202 and no
//!   body); every well-formed request gets an answer carrying its own id;
//! * arguments to extractors: a tool whose route takes a path, a query and
//!   a JSON body, called with arbitrary values (right, wrong or missing per
//!   argument), either succeeds with the handler seeing exactly what was
//!   sent, or refuses cleanly (`isError` since 2025-11-25, `-32602`
//!   before): never a 5xx, never another error;
//! * every argument kind against its schema: a newtype path segment with a
//!   pattern, a tail segment, bounded and enum query fields, a body; values
//!   the schema allows give exactly the REST answer, values it refuses are
//!   refused before the handler runs.
//!
//! The decoder is crate-private in `mcp-runtime`, so it is tested through
//! the endpoint. Case counts are modest (128 per property) so the file runs
//! in a few seconds in a debug build.

use std::net::SocketAddr;

use actix_web::{App, post, web};
use mcp_runtime::mcp_tool;
use mcp_tests::TestServer;
use mcp_tests::wire::{WireReply, WireRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

const CASES: u32 = 128;

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Filters {
    flag: Option<bool>,
    count: Option<i64>,
    label: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Inner {
    on: bool,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Payload {
    text: String,
    numbers: Vec<i64>,
    inner: Option<Inner>,
}

/// Echoes what each of its extractors received.
#[mcp_tool]
#[post("/props/{name}/{id}")]
async fn pr_echo(
    path: web::Path<(String, u64)>,
    query: web::Query<Filters>,
    body: web::Json<Payload>,
) -> web::Json<Value> {
    let (name, id) = path.into_inner();
    web::Json(json!({
        "name": name,
        "id": id,
        "query": query.into_inner(),
        "body": body.into_inner(),
    }))
}

/// A stock-keeping unit such as `ab12`: a newtype, its pattern the route's.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(transparent)]
struct Sku(String);

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Listing {
    size: u8,
    order: Option<Order>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Memo {
    note: String,
}

/// How many times `pr_kinds` ran.
static KINDS_RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Echoes one argument of every kind.
#[mcp_tool]
#[post("/kinds/{sku:[a-z]{2}[0-9]{1,4}}/{rest:.*}")]
async fn pr_kinds(
    path: web::Path<(Sku, String)>,
    listing: web::Query<Listing>,
    memo: web::Json<Memo>,
) -> web::Json<Value> {
    KINDS_RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (sku, rest) = path.into_inner();
    web::Json(json!({
        "sku": sku, "rest": rest, "listing": listing.into_inner(), "memo": memo.into_inner()
    }))
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("server builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(pr_echo)
                .service(pr_kinds)
                .service(mcp.scope("/mcp")),
        )
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

/// A session's headers.
#[derive(Clone)]
struct Session {
    addr: SocketAddr,
    id: String,
    version: String,
}

impl Session {
    async fn open(addr: SocketAddr, version: &str) -> Session {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "properties", "version": "1"}}});
        let reply = WireRequest::post(addr, init.to_string()).send(addr).await;
        assert_eq!(reply.status, 200);
        Session {
            addr,
            id: reply.header("mcp-session-id").unwrap().to_owned(),
            version: version.to_owned(),
        }
    }

    fn post(&self, body: impl Into<Vec<u8>>) -> WireRequest {
        WireRequest::post(self.addr, body)
            .set("Mcp-Session-Id", &self.id)
            .set("MCP-Protocol-Version", &self.version)
    }
}

fn fail(why: impl Into<String>, reply: &WireReply) -> TestCaseError {
    TestCaseError::fail(format!(
        "{}: got {} {}",
        why.into(),
        reply.status,
        String::from_utf8_lossy(&reply.body)
    ))
}

/// One JSON-RPC answer: `jsonrpc: "2.0"`, an id, and exactly one of a
/// result or an error with an integer code that is not an internal error.
fn check_message(m: &Value, reply: &WireReply) -> Result<(), TestCaseError> {
    if m["jsonrpc"] != "2.0" || m.get("id").is_none() {
        return Err(fail("not a JSON-RPC answer", reply));
    }
    match (m.get("result"), m.get("error")) {
        (Some(_), None) => Ok(()),
        (None, Some(e)) => match e["code"].as_i64() {
            Some(-32603) => Err(fail("an internal error", reply)),
            Some(_) if e["message"].is_string() => Ok(()),
            _ => Err(fail("a malformed error", reply)),
        },
        _ => Err(fail("neither result nor error, or both", reply)),
    }
}

/// Whatever was sent, the answer is a clean one.
fn check_clean(reply: &WireReply) -> Result<(), TestCaseError> {
    if reply.status >= 500 {
        return Err(fail("a server error", reply));
    }
    if reply.status == 202 {
        return if reply.body.is_empty() {
            Ok(())
        } else {
            Err(fail("202 with a body", reply))
        };
    }
    let typed = reply
        .header("content-type")
        .is_some_and(|t| t == "application/json" || t == "text/event-stream");
    if !typed {
        return Err(fail("not JSON", reply));
    }
    match reply.json() {
        Some(Value::Array(items)) if !items.is_empty() && reply.status == 200 => {
            items.iter().try_for_each(|m| check_message(m, reply))
        }
        Some(m @ Value::Object(_)) => check_message(&m, reply),
        _ => match reply.reply() {
            Some(m) => check_message(&m, reply),
            None => Err(fail("no JSON-RPC answer", reply)),
        },
    }
}

// ---------------------------------------------------------------------------
// Strategies.

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        Just(json!("2.0")),
        Just(json!("")),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "jsonrpc", "id", "method", "params", "result", "error", "_meta", "name",
            "arguments", "cursor", "level", "requestId", "protocolVersion",
            "capabilities", "clientInfo", "code", "message", "progressToken",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn method() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "ping", "tools/list", "tools/call", "initialize", "logging/setLevel",
            "server/discover", "notifications/cancelled", "notifications/initialized",
            "resources/list",
        ])
        .prop_map(Value::from),
        1 => any::<String>().prop_map(Value::String),
        1 => leaf(),
    ]
}

/// An object shaped like a JSON-RPC message, each member present or not,
/// right or of any type.
fn envelope() -> impl Strategy<Value = Value> {
    let member = |good: BoxedStrategy<Value>| prop_oneof![2 => good.prop_map(Some), 1 => value().prop_map(Some), 1 => Just(None)];
    let id = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String)
    ]
    .boxed();
    let params = prop::collection::vec((key(), value()), 0..4)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
        .boxed();
    (
        member(Just(json!("2.0")).boxed()),
        member(id),
        member(method().boxed()),
        member(params),
        member(value().boxed()),
        member(value().boxed()),
    )
        .prop_map(|(jsonrpc, id, method, params, result, error)| {
            let mut m = Map::new();
            for (k, v) in [
                ("jsonrpc", jsonrpc),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            Value::Object(m)
        })
}

/// A body: a JSON value, a batch of envelopes, or bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => envelope().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(envelope(), 0..5).prop_map(|v| Value::Array(v).to_string().into_bytes()),
        1 => value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        // A good request with bytes flipped, cut or inserted.
        2 => (envelope(), any::<prop::sample::Index>(), any::<u8>(), 0..3u8).prop_map(
            |(v, at, byte, how)| {
                let mut bytes = v.to_string().into_bytes();
                let i = at.index(bytes.len() + 1);
                match how {
                    0 => bytes.insert(i, byte),
                    1 => bytes.truncate(i),
                    _ => {
                        if let Some(b) = bytes.get_mut(i) {
                            *b ^= byte.max(1);
                        }
                    }
                }
                bytes
            }
        ),
    ]
}

// ---------------------------------------------------------------------------
// (a) The decoder.

#[test]
fn any_body_gets_a_clean_answer_and_never_a_server_error() {
    let server = server();
    let rt = runtime();
    let (modern, batches) = rt.block_on(async {
        (
            Session::open(server.addr, "2025-11-25").await,
            Session::open(server.addr, "2025-03-26").await,
        )
    });
    let mut runner = runner();
    let strategy = (body(), 0..3u8);
    runner
        .run(&strategy, |(body, era)| {
            let request = match era {
                0 => modern.post(body),
                1 => batches.post(body),
                _ => WireRequest::post(server.addr, body)
                    .set("MCP-Protocol-Version", "2026-07-28")
                    .set("Mcp-Method", "tools/list"),
            };
            let reply = rt.block_on(request.send(server.addr));
            check_clean(&reply)
        })
        .unwrap();
    // And the server still serves its sessions.
    rt.block_on(async {
        for session in [&modern, &batches] {
            let reply = session
                .post(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
                .send(server.addr)
                .await;
            assert_eq!(reply.status, 200);
            assert_eq!(reply.reply().unwrap()["result"], json!({}));
        }
    });
}

/// A well-formed request: a string or integer id, a method, object params.
fn request() -> impl Strategy<Value = (Value, Value)> {
    let id = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    let extras = prop::collection::vec(("x-[a-z]{1,8}", value()), 0..3);
    let call = good_arguments().prop_map(
        |args| json!({"name": "pr_echo", "arguments": Value::Object(args.into_iter().collect())}),
    );
    let params = prop_oneof![
        Just(("ping", json!({}))),
        Just(("tools/list", json!({}))),
        call.prop_map(|p| ("tools/call", p)),
        "[a-z]{1,10}/[a-z]{1,10}".prop_map(|_| ("no/such_method", json!({}))),
    ];
    (id, params, extras).prop_map(|(id, (method, mut params), extras)| {
        for (k, v) in extras {
            params[k] = v;
        }
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        (id, request)
    })
}

#[test]
fn every_well_formed_request_is_answered_with_its_own_id() {
    let server = server();
    let rt = runtime();
    let session = rt.block_on(Session::open(server.addr, "2025-11-25"));
    let mut runner = runner();
    runner
        .run(&request(), |(id, request)| {
            let reply = rt.block_on(session.post(request.to_string()).send(server.addr));
            check_clean(&reply)?;
            if reply.status != 200 {
                return Err(fail("a request in a live session is answered 200", &reply));
            }
            let answer = reply.reply().unwrap_or_default();
            if answer["id"] != id {
                return Err(fail(format!("the id {id} is not echoed"), &reply));
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// (b) Arguments to extractors.

/// How one argument is sent.
#[derive(Debug, Clone)]
enum Arg {
    /// Left out.
    Absent,
    /// A value the route accepts; `seen` is what the handler must see.
    Good { sent: Value, seen: Value },
    /// A value of the wrong type.
    Bad(Value),
}

fn good(sent: Value) -> Arg {
    Arg::Good {
        seen: sent.clone(),
        sent,
    }
}

/// Values of the wrong type for a field of type `expected`, none of which a
/// lenient reading could turn into a right one (no numeric strings).
fn wrong(expected: &'static str) -> impl Strategy<Value = Value> {
    let candidates = vec![
        ("string", json!("not a number")),
        ("number", json!(1.5)),
        ("integer", json!(-3)),
        ("bool", json!(true)),
        ("array", json!([1, "x"])),
        ("object", json!({"k": 1})),
    ];
    let options: Vec<Value> = candidates
        .into_iter()
        .filter(|(kind, _)| match expected {
            // An integer is also a number; an unsigned one refuses -3.
            "u64" => !matches!(*kind, "u64"),
            "i64" => !matches!(*kind, "integer"),
            "string" => *kind != "string",
            // A path segment or query value is text in the URL: a number or
            // boolean is sent as its text, which a `String` field takes (as
            // it would on REST). Only arrays and objects are wrong there.
            "url string" => matches!(*kind, "array" | "object"),
            "bool" => *kind != "bool",
            "array" => *kind != "array",
            "object" => *kind != "object",
            _ => true,
        })
        .map(|(_, v)| v)
        .collect();
    prop::sample::select(options)
}

/// Strings a path segment or query value must carry through unchanged.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        1 => "[a-z0-9]{1,12}",
        1 => prop::sample::select(vec![
            "a/b", "%2F", "%", "..", ".", "?x=1", "#frag", " ", "+", "a+b", "&x=1",
            "=", "é", "日本", "\u{0}", "\r\n", "~", "{id}", ";", "a b",
        ])
        .prop_map(str::to_owned),
    ]
}

fn required(good: BoxedStrategy<Arg>, expected: &'static str) -> BoxedStrategy<Arg> {
    prop_oneof![
        6 => good,
        1 => Just(Arg::Absent),
        1 => wrong(expected).prop_map(Arg::Bad),
    ]
    .boxed()
}

fn optional(good: BoxedStrategy<Arg>, expected: &'static str) -> BoxedStrategy<Arg> {
    prop_oneof![
        4 => good,
        2 => Just(Arg::Absent),
        1 => Just(Arg::Good { sent: Value::Null, seen: Value::Null }),
        1 => wrong(expected).prop_map(Arg::Bad),
    ]
    .boxed()
}

fn arguments() -> impl Strategy<Value = Vec<(&'static str, Arg)>> {
    let name = required(
        text()
            .prop_filter("a segment is never empty", |s| !s.is_empty())
            .prop_map(|s| good(json!(s)))
            .boxed(),
        "url string",
    );
    let id = required(any::<u64>().prop_map(|n| good(json!(n))).boxed(), "u64");
    let flag = optional(any::<bool>().prop_map(|b| good(json!(b))).boxed(), "bool");
    let count = optional(any::<i64>().prop_map(|n| good(json!(n))).boxed(), "i64");
    let label = optional(text().prop_map(|s| good(json!(s))).boxed(), "url string");
    let body_text = required(
        any::<String>().prop_map(|s| good(json!(s))).boxed(),
        "string",
    );
    let numbers = required(
        prop::collection::vec(any::<i64>(), 0..5)
            .prop_map(|v| good(json!(v)))
            .boxed(),
        "array",
    );
    let inner = optional(
        any::<bool>().prop_map(|b| good(json!({"on": b}))).boxed(),
        "object",
    );
    (name, id, flag, count, label, body_text, numbers, inner).prop_map(
        |(name, id, flag, count, label, text, numbers, inner)| {
            vec![
                ("name", name),
                ("id", id),
                ("flag", flag),
                ("count", count),
                ("label", label),
                ("text", text),
                ("numbers", numbers),
                ("inner", inner),
            ]
        },
    )
}

/// Only right values, for requests that must succeed.
fn good_arguments() -> impl Strategy<Value = Vec<(String, Value)>> {
    arguments().prop_map(|args| {
        let mut out: Vec<(String, Value)> = args
            .into_iter()
            .filter_map(|(k, a)| match a {
                Arg::Good { sent, .. } => Some((k.to_owned(), sent)),
                _ => None,
            })
            .collect();
        for (k, v) in [
            ("name", json!("n")),
            ("id", json!(1)),
            ("text", json!("t")),
            ("numbers", json!([])),
        ] {
            if !out.iter().any(|(have, _)| have == k) {
                out.push((k.to_owned(), v));
            }
        }
        out
    })
}

/// What the handler must echo for `args`, if they are all acceptable.
fn expected_echo(args: &[(&str, Arg)]) -> Option<Value> {
    let mut seen = Map::new();
    for (k, a) in args {
        match a {
            Arg::Bad(_) => return None,
            Arg::Absent if matches!(*k, "name" | "id" | "text" | "numbers") => return None,
            Arg::Absent => {
                seen.insert((*k).to_owned(), Value::Null);
            }
            Arg::Good { seen: v, .. } => {
                seen.insert((*k).to_owned(), v.clone());
            }
        }
    }
    Some(json!({
        "name": seen["name"],
        "id": seen["id"],
        "query": {"flag": seen["flag"], "count": seen["count"], "label": seen["label"]},
        "body": {"text": seen["text"], "numbers": seen["numbers"], "inner": seen["inner"]},
    }))
}

#[test]
fn arguments_reach_their_extractors_exactly_or_are_refused_cleanly() {
    let server = server();
    let rt = runtime();
    let sessions = rt.block_on(async {
        [
            Session::open(server.addr, "2025-11-25").await,
            Session::open(server.addr, "2025-06-18").await,
        ]
    });
    let mut runner = runner();
    let strategy = (arguments(), any::<bool>());
    runner
        .run(&strategy, |(args, older)| {
            let session = &sessions[usize::from(older)];
            let sent: Map<String, Value> = args
                .iter()
                .filter_map(|(k, a)| match a {
                    Arg::Absent => None,
                    Arg::Good { sent, .. } => Some(((*k).to_owned(), sent.clone())),
                    Arg::Bad(v) => Some(((*k).to_owned(), v.clone())),
                })
                .collect();
            let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "pr_echo", "arguments": sent}});
            let reply = rt.block_on(session.post(request.to_string()).send(server.addr));
            check_clean(&reply)?;
            if reply.status != 200 {
                return Err(fail("a tool call is answered 200", &reply));
            }
            let answer = reply.reply().unwrap_or_default();
            let refused = if older {
                answer.pointer("/error/code") == Some(&json!(-32602))
            } else {
                answer.pointer("/result/isError") == Some(&json!(true))
            };
            // A `Value` output may be anything, so it is wrapped in `result`.
            let echoed = answer.pointer("/result/structuredContent/result").cloned();
            let succeeded = answer.get("result").is_some()
                && answer.pointer("/result/isError") != Some(&json!(true));
            match expected_echo(&args) {
                Some(expected) if succeeded && echoed.as_ref() == Some(&expected) => Ok(()),
                Some(expected) if succeeded => Err(fail(
                    format!("the handler saw other arguments than sent: expected {expected}"),
                    &reply,
                )),
                Some(_) => Err(fail("acceptable arguments were refused", &reply)),
                None if refused => Ok(()),
                None if succeeded => Err(fail(
                    "unacceptable arguments were let through to the handler",
                    &reply,
                )),
                None => Err(fail("a refusal of the wrong shape", &reply)),
            }
        })
        .unwrap();
}

/// One call of `pr_kinds`: its arguments, and whether the schema allows
/// every one of them.
fn kinds_call() -> impl Strategy<Value = (Map<String, Value>, bool)> {
    let sku = prop_oneof![
        4 => "[a-z]{2}[0-9]{1,4}".prop_map(|s| (json!(s), true)),
        1 => "[A-Z]{2}[0-9]{1,4}|[a-z]{5}|".prop_map(|s| (json!(s), false)),
        1 => any::<u16>().prop_map(|n| (json!(n), false)),
    ];
    let rest = prop_oneof![
        4 => "[a-z0-9]{1,6}(/[a-z0-9]{1,6}){0,3}".prop_map(|s| (json!(s), true)),
        1 => any::<i32>().prop_map(|n| (json!(n), false)),
        1 => Just((json!(true), false)),
    ];
    let size = prop_oneof![
        4 => any::<u8>().prop_map(|n| (json!(n), true)),
        1 => (256u32..100_000).prop_map(|n| (json!(n), false)),
        1 => (-1000i32..0).prop_map(|n| (json!(n), false)),
        1 => any::<u8>().prop_map(|n| (json!(n.to_string()), false)),
        1 => Just((Value::Null, false)),
    ];
    let order = prop_oneof![
        2 => prop::sample::select(vec!["asc", "desc"]).prop_map(|s| (json!(s), true)),
        1 => Just((Value::Null, true)),
        1 => "[a-z]{3,8}"
            .prop_filter("not an order", |s| s != "asc" && s != "desc")
            .prop_map(|s| (json!(s), false)),
        1 => any::<u8>().prop_map(|n| (json!(n), false)),
    ];
    let note = prop_oneof![
        4 => any::<String>().prop_map(|s| (json!(s), true)),
        1 => any::<i64>().prop_map(|n| (json!(n), false)),
    ];
    (sku, rest, size, order, note).prop_map(|(sku, rest, size, order, note)| {
        let valid = sku.1 && rest.1 && size.1 && order.1 && note.1;
        let mut args = Map::new();
        args.insert("sku".into(), sku.0);
        args.insert("rest".into(), rest.0);
        args.insert("size".into(), size.0);
        if !order.0.is_null() || !order.1 {
            args.insert("order".into(), order.0);
        }
        args.insert("note".into(), note.0);
        (args, valid)
    })
}

#[test]
fn every_argument_kind_is_as_rest_when_valid_and_refused_before_the_handler_when_not() {
    let server = server();
    let rt = runtime();
    let session = rt.block_on(Session::open(server.addr, "2025-11-25"));
    let http = reqwest::Client::new();
    let mut runner = runner();
    runner
        .run(&kinds_call(), |(args, valid)| {
            let before = KINDS_RUNS.load(std::sync::atomic::Ordering::SeqCst);
            let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "pr_kinds", "arguments": args}});
            let reply = rt.block_on(session.post(request.to_string()).send(server.addr));
            check_clean(&reply)?;
            let answer = reply.reply().unwrap_or_default();
            let is_error = answer.pointer("/result/isError") == Some(&json!(true));
            if !valid {
                if !is_error {
                    return Err(fail("a value the schema refuses was let through", &reply));
                }
                let ran = KINDS_RUNS.load(std::sync::atomic::Ordering::SeqCst) != before;
                if ran {
                    return Err(fail("the handler ran on a refused value", &reply));
                }
                return Ok(());
            }
            if is_error {
                return Err(fail("a value the schema allows was refused", &reply));
            }
            // The same request over REST.
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let mut url = format!("{}/{}", server.url("/kinds"), text(&args["sku"]));
            url.push('/');
            url.push_str(&text(&args["rest"]));
            // Valid values here are digits and lowercase letters only.
            url.push_str(&format!("?size={}", text(&args["size"])));
            if let Some(order) = args.get("order").filter(|o| !o.is_null()) {
                url.push_str(&format!("&order={}", text(order)));
            }
            let rest: Value = rt
                .block_on(async {
                    http.post(&url)
                        .json(&json!({"note": args["note"]}))
                        .send()
                        .await
                        .expect("REST request")
                        .json()
                        .await
                })
                .map_err(|e| fail(format!("REST answered no JSON: {e}"), &reply))?;
            let echoed = answer.pointer("/result/structuredContent/result");
            if echoed != Some(&rest) {
                return Err(fail(format!("not the REST answer {rest}"), &reply));
            }
            Ok(())
        })
        .unwrap();
}
