//! Bad input, the session's headers: `Mcp-Session-Id` missing, unknown,
//! ended, altered, oversized, non-ASCII or repeated (on POST and DELETE),
//! and `MCP-Protocol-Version` unsupported, malformed or repeated, or naming
//! the stateless revision on a handshake session.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use mcp_tests::bad_input::{
    Client, MAX_HEADERS, call, case, err, healthy, http, initialize, notification, ok, run,
};
use serde_json::{Value, json};

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// Session ids.

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
// MCP-Protocol-Version.

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
