//! Bad input, HTTP itself: bytes that are not UTF-8 JSON,
//! `Content-Type` and `Content-Encoding`, `Accept` (on POST and on GET, and
//! the one standalone stream a session may hold), header injection and
//! malformed HTTP (CR, LF and NUL in the head, folding, `Content-Length`,
//! `Transfer-Encoding`, HTTP versions), and other HTTP methods and paths.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use std::time::Duration;

use mcp_tests::bad_input::{
    Answer, Client, Request, case, err, healthy, http, mismatch, ok, rpc, run, status,
};
use mcp_tests::wire::{self, chunked};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// Encodings and content types.

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
// Accept.

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
// Header injection and malformed HTTP: refused by HTTP itself (400, no
// JSON-RPC body), or read as the separate headers they are.

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
// HTTP methods and paths.

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
