//! Bad input, JSON-RPC framing: bodies that are not JSON, messages that
//! are not JSON-RPC 2.0 (`jsonrpc`, `id`, `method`, `params`; responses
//! with neither or both of `result` and `error`), methods this server does
//! not have, notifications; and batches, allowed (and bounded) only in
//! 2025-03-26.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use mcp_tests::bad_input::{
    Answer, Client, Expect, accepted, call, case, err, healthy, initialize, modern_meta,
    notification, ok, run, status,
};
use mcp_tests::wire::WireRequest;
use serde_json::{Value, json};

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// The JSON-RPC envelope.

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
// Batches: only in 2025-03-26, bounded there.

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
