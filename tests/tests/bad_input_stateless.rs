//! Bad input, the stateless revision (2026-07-28): `_meta` missing or
//! malformed, the headers that must repeat the body
//! (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`), the methods it no
//! longer has, responses, session ids, and GET and DELETE.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use std::net::SocketAddr;

use mcp_tests::bad_input::{
    Answer, accepted, case, err, healthy, mismatch, modern_meta, nested, notification, ok, rpc,
    run, status,
};
use mcp_tests::stateless;
use mcp_tests::wire::WireRequest;
use serde_json::{Value, json};

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// The stateless revision (2026-07-28): `_meta` and the headers that
// must repeat the body.

/// A stateless request: `params` as given (`_meta` added unless present or
/// `params` is not an object), with the headers the revision requires.
fn modern(addr: SocketAddr, id: Value, method: &str, mut params: Value) -> WireRequest {
    if let Value::Object(p) = &mut params
        && !p.contains_key("_meta")
    {
        p.insert("_meta".into(), modern_meta());
    }
    let mut r = WireRequest::post(addr, rpc(id, method, params.clone()))
        .set("MCP-Protocol-Version", stateless::V)
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
            "Mcp-Name twice, the first matching",
            echo(modern_meta()).add("Mcp-Name", "other"),
            bad(-32020),
        ),
        case(
            "Mcp-Method twice, the first matching",
            list(modern_meta()).add("Mcp-Method", "tools/call"),
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
            .set("MCP-Protocol-Version", stateless::V)
            .set("Mcp-Method", "notifications/initialized"),
            accepted(),
        ),
        case(
            "a response: nothing was asked",
            WireRequest::post(addr, r#"{"jsonrpc":"2.0","id":3,"result":{}}"#)
                .set("MCP-Protocol-Version", stateless::V),
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
                .set("MCP-Protocol-Version", stateless::V)
                .set("Accept", "text/event-stream"),
            err(405, -32000),
        ),
        case(
            "DELETE is not there",
            WireRequest::new("DELETE", "/mcp", &addr.to_string())
                .set("MCP-Protocol-Version", stateless::V)
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
