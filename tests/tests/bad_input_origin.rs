//! Bad input, where a request comes from: `Origin` and `Host` checked
//! against DNS rebinding (loopback, the listed origin and host, and every
//! near miss, on POST, GET, DELETE and `initialize`), CORS preflights, and
//! the headers CORS exposes.
//!
//! The harness, and where "right" comes from: `mcp_tests::bad_input`.

use mcp_tests::bad_input::{
    ALLOWED_HOST, ALLOWED_ORIGIN, Answer, Client, case, err, healthy, http, initialize, ok, run,
    status,
};

mcp_tests::bad_input_server!();

// ---------------------------------------------------------------------------
// Origin and Host (DNS rebinding), and CORS.

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
