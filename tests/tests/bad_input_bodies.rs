//! Bad input, request bodies: the size limit (inclusive; declared or
//! streamed, chunked or not), 10 000 levels of nesting anywhere in a
//! message, many small things; and bodies sent slowly or never finished
//! (408 at the idle or total deadline, the connection closed, other
//! clients not held up), and a head that never finishes.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use std::time::{Duration, Instant};

use mcp_tests::bad_input::{
    Answer, Client, MAX_REQUEST, Request, accepted, call, case, err, healthy, http, initialize,
    mismatch, nested, ok, rpc, run, status,
};
use mcp_tests::wire::{self, chunked};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// Huge and deeply nested payloads.

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
// Slow and stalled bodies: 408 once the body deadline passes, and the
// connection closed (not held open waiting for the rest).

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
