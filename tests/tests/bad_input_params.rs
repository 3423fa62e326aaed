//! Bad input, method parameters: wrong and missing fields in
//! `initialize`, `tools/call` (its name, `arguments` and `_meta`; argument
//! errors are a tool error since 2025-11-25, -32602 before), `tools/list`,
//! `ping`, `logging/setLevel` and `notifications/cancelled`.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use mcp_tests::bad_input::{
    Answer, Client, SESSION_BYTES, accepted, call, case, err, healthy, notification, ok, run,
    status,
};
use serde_json::{Value, json};

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// Wrong and missing fields, method by method.

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
