//! The Streamable HTTP transport: version negotiation, sessions, stateless
//! mode, JSON-RPC error codes, Origin validation and limits, on the wire.

use mcp_examples::items;
use mcp_runtime::config::Limits;
use mcp_tests::{Reply, TestServer, stateless};
use serde_json::{Value, json};

fn ping(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

#[tokio::test]
async fn initialize_negotiates_every_supported_version() {
    let server = TestServer::items();
    for version in ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] {
        let mut raw = server.raw();
        let reply = raw.initialize(version).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["result"]["protocolVersion"], version);
        assert_eq!(reply.body["result"]["serverInfo"]["name"], "items-api");
        assert_eq!(
            reply.body["result"]["capabilities"],
            json!({"tools": {"listChanged": true}, "logging": {}})
        );
        assert!(
            reply.body["result"]["instructions"]
                .as_str()
                .unwrap()
                .contains("catalog")
        );
    }
    // Unknown or newer versions get our latest handshake version.
    for version in ["2026-07-28", "1999-01-01"] {
        let reply = server.raw().initialize(version).await;
        assert_eq!(reply.body["result"]["protocolVersion"], "2025-11-25");
    }
}

#[tokio::test]
async fn the_rmcp_client_negotiates_the_latest_handshake_version() {
    let server = TestServer::items();
    let client = server.client().await;
    let info = client.peer_info().expect("initialized");
    assert_eq!(info.protocol_version.as_str(), "2025-11-25");
    assert_eq!(info.server_info.as_ref().unwrap().name, "items-api");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn sessions_are_issued_required_and_ended_by_delete() {
    let server = TestServer::items();
    let mut raw = server.raw();
    let reply = raw.initialize("2025-11-25").await;
    let id = reply
        .header("mcp-session-id")
        .expect("session id")
        .to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    assert_ne!(
        server
            .raw()
            .initialize("2025-11-25")
            .await
            .header("mcp-session-id"),
        Some(id.as_str())
    );

    assert_eq!(raw.post(ping(1)).await.body["result"], json!({}));

    let mut anonymous = server.raw();
    anonymous.version = raw.version.clone();
    let reply = anonymous.post(ping(2)).await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32000)));

    let mut stranger = server.raw();
    stranger.session = Some("0".repeat(32));
    let reply = stranger.post(ping(3)).await;
    assert_eq!((reply.status, reply.error_code()), (404, Some(-32001)));

    let reply = raw.request(reqwest::Method::DELETE, &[]).await;
    assert_eq!(reply.status, 200);
    let reply = raw.post(ping(4)).await;
    assert_eq!(reply.status, 404, "an ended session is gone");
    let reply = raw.request(reqwest::Method::DELETE, &[]).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn stateless_mode_needs_no_session() {
    let server = TestServer::items_with(
        mcp_runtime::McpServer::from_registry()
            .auth_with_scopes::<items::AuthUser>()
            .stateless()
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    let reply = raw.initialize("2025-06-18").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("mcp-session-id"), None);
    let fresh = server.raw();
    let reply = fresh.call(1, "list_items", json!({"limit": 1})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["result"]["structuredContent"]["result"][0]["id"],
        1
    );
    let reply = fresh.request(reqwest::Method::DELETE, &[]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    // And the rmcp client works against it too.
    let client = server.client().await;
    assert!(client.list_all_tools().await.unwrap().len() >= 7);
}

#[tokio::test]
async fn notifications_and_client_responses_get_202() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    for message in [
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}}),
        json!({"jsonrpc": "2.0", "method": "notifications/whatever"}),
        json!({"jsonrpc": "2.0", "id": 5, "result": {}}),
        json!({"jsonrpc": "2.0", "id": 6, "error": {"code": -1, "message": "x"}}),
    ] {
        let reply = raw.post(message.clone()).await;
        assert_eq!(
            (reply.status, &reply.body),
            (202, &Value::Null),
            "{message}"
        );
    }
}

#[tokio::test]
async fn malformed_messages_get_spec_shaped_errors() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let cases: &[(&str, u16, i64)] = &[
        ("{\"jsonrpc\": \"2.0\", \"id\": 1,", 400, -32700),
        ("not json at all", 400, -32700),
        ("", 400, -32700),
        ("42", 400, -32600),
        ("{\"id\": 1, \"method\": \"ping\"}", 400, -32600),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": null, \"method\": \"ping\"}",
            400,
            -32600,
        ),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": {}, \"method\": \"ping\"}",
            400,
            -32600,
        ),
        ("{\"jsonrpc\": \"2.0\", \"id\": 1}", 400, -32600),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"no/such\"}",
            200,
            -32601,
        ),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {}}",
            200,
            -32602,
        ),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": 5}}",
            200,
            -32602,
        ),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": \"stats\", \"arguments\": []}}",
            200,
            -32602,
        ),
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/list\", \"params\": {\"cursor\": \"abc\"}}",
            200,
            -32602,
        ),
        (
            "[{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}]",
            400,
            -32600,
        ),
    ];
    for (body, status, code) in cases {
        let reply = raw.post_bytes(*body, &[]).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (*status, Some(*code)),
            "{body}"
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{body}"
        );
    }
    // Nothing above broke the session.
    assert_eq!(raw.post(ping(7)).await.body["result"], json!({}));
}

#[tokio::test]
async fn a_discover_probe_without_meta_is_refused_so_dual_era_clients_fall_back() {
    let server = TestServer::items();
    let reply = server
        .raw()
        .post(json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}))
        .await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32602)));
    assert_eq!(reply.body["id"], 1);
}

#[tokio::test]
async fn argument_errors_follow_the_negotiated_version() {
    let server = TestServer::items();
    // 2025-11-25: a tool error the model can correct (SEP-1303).
    let mut modern = server.raw();
    modern.initialize("2025-11-25").await;
    let reply = modern.call(1, "list_items", json!({"limit": "ten"})).await;
    assert_eq!(reply.body["result"]["isError"], true);
    assert!(
        reply.body["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("`limit`")
    );
    // Before: a JSON-RPC invalid-params error naming the argument.
    let mut older = server.raw();
    older.initialize("2025-06-18").await;
    let reply = older.call(1, "list_items", json!({"limit": "ten"})).await;
    assert_eq!(reply.error_code(), Some(-32602));
    assert_eq!(reply.body["error"]["data"]["argument"], "limit");
    // When the app refused the request (a body its serde refuses), the
    // app's own answer comes along.
    let create = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "create_item",
        "arguments": {"name": "Kite", "price_cents": "many", "category": "toy"}}});
    let reply = older
        .post_bytes(
            create.to_string(),
            &[("authorization", "Bearer demo-token")],
        )
        .await;
    assert_eq!(reply.error_code(), Some(-32602), "{}", reply.body);
    assert_eq!(reply.body["error"]["data"]["argument"], "price_cents");
    let response = reply.body["error"]["data"]["response"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        response.starts_with("HTTP 400 Bad Request\nJson deserialize error"),
        "{response}"
    );
}

#[tokio::test]
async fn batches_only_in_2025_03_26() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-03-26").await;
    let reply = raw
        .post(json!([
            ping(1),
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "stats"}},
            {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {}},
            {"jsonrpc": "2.0", "id": 4, "method": "nope"}
        ]))
        .await;
    assert_eq!(reply.status, 200);
    let replies = reply.body.as_array().expect("a batch reply");
    assert_eq!(replies.len(), 4, "the notification gets no reply");
    assert_eq!(replies[0], json!({"jsonrpc": "2.0", "id": 1, "result": {}}));
    assert_eq!(replies[1]["result"]["structuredContent"]["item_count"], 3);
    assert_eq!(replies[2]["error"]["code"], -32600);
    assert_eq!(replies[3]["error"]["code"], -32601);
    let reply = raw.post(json!([])).await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32600)));
    let reply = raw
        .post(json!([{"jsonrpc": "2.0", "method": "notifications/initialized"}]))
        .await;
    assert_eq!(reply.status, 202);
}

#[tokio::test]
async fn protocol_version_header_is_validated() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    raw.version = Some("2099-01-01".into());
    let reply = raw.post(ping(1)).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2099-01-01")
    );
    // The session's negotiated version is in force: a header naming another
    // supported revision does not change it (2025-11-25 rules still apply).
    raw.version = Some("2025-06-18".into());
    let reply = raw.call(2, "list_items", json!({"limit": "x"})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["result"]["isError"], true);
}

#[tokio::test]
async fn origin_is_validated_against_dns_rebinding() {
    let server = TestServer::items();
    let raw = server.raw();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}})
    .to_string();
    let evil = raw
        .post_bytes(
            init.clone(),
            &[
                ("origin", "http://evil.example.com"),
                ("host", "evil.example.com"),
            ],
        )
        .await;
    assert_eq!(evil.status, 403);
    assert_eq!(
        evil.body["error"]["message"],
        "Forbidden: Host evil.example.com is not allowed"
    );
    let evil_origin = raw
        .post_bytes(init.clone(), &[("origin", "http://evil.example.com")])
        .await;
    assert_eq!(evil_origin.status, 403);
    assert_eq!(
        evil_origin.body["error"]["message"],
        "Forbidden: Origin http://evil.example.com is not allowed"
    );
    assert_eq!(evil_origin.body["id"], Value::Null);
    let two = raw
        .post_bytes(
            init.clone(),
            &[
                ("origin", "http://localhost:1"),
                ("origin", "http://evil.example.com"),
            ],
        )
        .await;
    assert_eq!(two.status, 403, "several Origin headers");
    let null = raw.post_bytes(init.clone(), &[("origin", "null")]).await;
    assert_eq!(null.status, 403);
    let local = raw
        .post_bytes(init.clone(), &[("origin", "http://localhost:6274")])
        .await;
    assert_eq!(local.status, 200);
    let reply = raw
        .request(
            reqwest::Method::DELETE,
            &[("origin", "http://evil.example.com")],
        )
        .await;
    assert_eq!(reply.status, 403);

    let allowed = TestServer::items_with(
        mcp_runtime::McpServer::from_registry()
            .auth_with_scopes::<items::AuthUser>()
            .allow_origin("https://app.example.com")
            .build()
            .unwrap(),
    );
    let raw = allowed.raw();
    assert_eq!(
        raw.post_bytes(init.clone(), &[("origin", "https://app.example.com")])
            .await
            .status,
        200
    );
    assert_eq!(
        raw.post_bytes(init.clone(), &[("host", "mcp.example.com")])
            .await
            .status,
        403
    );
    assert_eq!(
        raw.post_bytes(init, &[("origin", "https://other.example.com")])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn real_host_names_are_listed_and_browsers_get_cors() {
    let server = TestServer::items_with(
        mcp_runtime::McpServer::from_registry()
            .auth_with_scopes::<items::AuthUser>()
            .allow_host("mcp.example.com")
            .allow_origin("https://app.example.com")
            .build()
            .unwrap(),
    );
    let raw = server.raw();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}})
    .to_string();
    let behind_proxy = raw
        .post_bytes(init.clone(), &[("host", "mcp.example.com")])
        .await;
    assert_eq!(behind_proxy.status, 200);
    // Not a browser (no `Origin`): no CORS headers, and no CORS work.
    for name in ["access-control-expose-headers", "vary"] {
        assert_eq!(behind_proxy.header(name), None, "{name}");
    }

    // A browser's preflight, then its request, from an allowed origin.
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, server.mcp_url())
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, mcp-session-id, authorization",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let reply = raw
        .post_bytes(init, &[("origin", "https://app.example.com")])
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let exposed = reply.header("access-control-expose-headers").unwrap();
    for header in ["mcp-session-id", "mcp-protocol-version", "www-authenticate"] {
        assert!(exposed.contains(header), "{exposed}");
    }
    // A preflight from another origin is refused outright.
    let foreign = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, server.mcp_url())
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
}

#[tokio::test]
async fn http_level_refusals() {
    let server = TestServer::items_with(
        mcp_runtime::McpServer::from_registry()
            .auth_with_scopes::<items::AuthUser>()
            .limits(Limits::default().max_request_size(1024))
            .build()
            .unwrap(),
    );
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;

    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                     "params": {"name": "stats", "arguments": {"pad": "x".repeat(2000)}}});
    let reply = raw.post(big).await;
    assert_eq!((reply.status, reply.error_code()), (413, Some(-32600)));

    // GET opens the session's standalone stream (see `resumability`).
    let stream = reqwest::Client::new()
        .get(server.mcp_url())
        .header("accept", "text/event-stream")
        .header("mcp-session-id", raw.session.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    drop(stream);
    let reply = raw.request(reqwest::Method::PUT, &[]).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, POST, DELETE"));

    let reply = raw
        .request(reqwest::Method::POST, &[("content-type", "text/plain")])
        .await;
    assert_eq!(reply.status, 415);
    let reply = raw
        .post_bytes(ping(1).to_string(), &[("accept", "text/html")])
        .await;
    assert_eq!(reply.status, 406);
    // The trailing-slash form of the endpoint is the same endpoint.
    let reply = reqwest::Client::new()
        .post(server.url("/mcp/"))
        .header("content-type", "application/json")
        .header("mcp-session-id", raw.session.clone().unwrap())
        .body(ping(2).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}

#[tokio::test]
async fn concurrent_bad_and_good_requests_do_not_interfere() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let raw = std::sync::Arc::new(raw);
    let mut tasks = Vec::new();
    for i in 0..40i64 {
        let raw = raw.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let reply = raw.post_bytes("{oops", &[]).await;
                assert_eq!(reply.status, 400);
            } else {
                let reply = raw.call(i, "list_items", json!({"limit": 1})).await;
                assert_eq!(reply.body["id"], i);
                assert_eq!(
                    reply.body["result"]["structuredContent"]["result"][0]["id"],
                    1
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// An event stream's headers: not to be cached, nor held back by a proxy
/// that buffers responses (nginx).
fn event_stream_headers(reply: &Reply) {
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    assert_eq!(reply.header("x-accel-buffering"), Some("no"));
}

/// A 200 event stream sent whole, with its length (one write, no chunks):
/// its text.
fn whole_stream(reply: &Reply) -> &str {
    assert_eq!(reply.status, 200);
    event_stream_headers(reply);
    assert_eq!(reply.header("transfer-encoding"), None);
    let stream = reply.body.as_str().expect("an event stream");
    assert_eq!(
        reply.header("content-length"),
        Some(stream.len().to_string().as_str())
    );
    stream
}

/// A stateless call that is done before its stream would open is its one
/// event, sent with its length: no priming event and no event id, as no
/// session can resume it.
#[tokio::test]
async fn a_finished_stateless_calls_stream_is_its_one_event() {
    let server = TestServer::items_streaming();
    let params = json!({"name": "list_items", "arguments": {}});
    let reply = stateless::send(&server, "tools/call", params, &[]).await;
    let stream = whole_stream(&reply);
    let data = stream
        .strip_prefix("data: ")
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("one event, its data only: {stream:?}"));
    assert!(!data.contains('\n'), "{stream:?}");
    let message: Value = serde_json::from_str(data).expect("JSON data");
    assert_eq!(message["id"], 7);
    assert!(message["result"]["content"].is_array(), "{message}");
    assert_ne!(message["result"]["isError"], true, "{message}");
}

/// A call that is done by the time its stream's response is returned is
/// sent whole, with its length (one write, no chunks); the stream is still
/// there to resume.
#[tokio::test]
async fn a_finished_calls_stream_is_sent_with_its_length() {
    let server = TestServer::items_streaming();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "list_items", json!({})).await;
    let stream = whole_stream(&reply);
    // The priming event first, then the result.
    let events: Vec<&str> = stream.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert!(events[0].contains("retry:"), "{stream}");
    assert!(
        events[1].contains(r#""id":1"#) && events[1].contains("result"),
        "{stream}"
    );
    let first = events[0].lines().next().unwrap_or_default();
    let last_id = first.strip_prefix("id: ").expect("an event id");
    // Resumed after the priming event, the stream gives the result again.
    let resumed = raw
        .request(
            reqwest::Method::GET,
            &[
                ("accept", "text/event-stream"),
                ("last-event-id", last_id),
                ("mcp-protocol-version", "2025-11-25"),
            ],
        )
        .await;
    assert_eq!(resumed.status, 200);
    event_stream_headers(&resumed);
    let rest = resumed.body.as_str().expect("an event stream");
    assert!(
        rest.contains(r#""id":1"#) && rest.contains("result"),
        "{rest}"
    );
}
