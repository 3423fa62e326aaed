//! Hardening of the newer surfaces, as an attacker on loopback would probe
//! them: every method that touches a protected item applies its auth
//! (completion and subscriptions too), routing headers are not sent twice,
//! and a request id is not reused while its call is in flight.

use std::time::Duration;

use actix_web::{App, get, post, web};
use mcp_examples::items::DEMO_TOKEN;
use mcp_runtime::{
    Arguments, Completion, Elicitation, McpContext, McpServer, mcp_prompt, mcp_resource, mcp_tool,
};
use mcp_tests::{Raw, Reply, TestServer, stateless};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// The secret keys a completion would reveal.
async fn secret_keys(c: Completion) -> Vec<String> {
    ["sk-alpha", "sk-beta"]
        .into_iter()
        .filter(|k| k.starts_with(c.value()))
        .map(str::to_owned)
        .collect()
}

/// One secret (protected).
#[mcp_resource(uri = "vault://{key}", requires_auth, complete(key = secret_keys))]
#[get("/vault/{key}")]
async fn vault_secret(key: web::Path<String>) -> String {
    format!("secret {}", key.into_inner())
}

#[derive(Deserialize, JsonSchema)]
struct Rotate {
    /// The key to rotate.
    key: String,
}

/// Rotate a key (protected).
#[mcp_prompt(requires_auth, complete(key = secret_keys))]
async fn rotate_key(args: Arguments<Rotate>) -> String {
    format!("rotate {}", args.into_inner().key)
}

/// Takes its time.
#[mcp_tool]
#[post("/hardening/slow")]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(600)).await;
    "done"
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Confirm {
    /// Really purge it?
    sure: bool,
}

/// Which records were purged.
static PURGED: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());

/// Purge a record, after the user confirms.
#[mcp_tool(destructive)]
#[post("/hardening/purge/{id}")]
async fn purge(id: web::Path<u64>, ctx: McpContext) -> String {
    let id = id.into_inner();
    match ctx.elicit_as::<Confirm>("confirm", "Purge it?").await {
        Ok(Elicitation::Accept(Confirm { sure: true })) => {
            PURGED.lock().unwrap().push(id);
            format!("purged {id}")
        }
        other => format!("kept {id}: {other:?}"),
    }
}

/// Progress messages a chatty call sends, and how big each is.
const CHATTY: (usize, usize) = (300, 50_000);

/// Reports a lot of progress, each step with a long message.
#[mcp_tool]
#[post("/hardening/chatty")]
async fn chatty(ctx: McpContext) -> &'static str {
    let (steps, size) = CHATTY;
    for step in 0..steps {
        let message = format!("{step:>6}{}", "x".repeat(size));
        ctx.progress(step as f64, Some(steps as f64), Some(&message))
            .await;
    }
    "said it all"
}

fn server() -> TestServer {
    let mcp: McpServer = mcp_tests::registry().build().expect("builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(vault_secret)
                .service(slow)
                .service(purge)
                .service(chatty)
                .service(mcp.scope("/mcp")),
        )
    })
}

/// A 2025-11-25 session started with `credentials`.
async fn session_with(server: &TestServer, credentials: (&str, &str)) -> Raw {
    let mut raw = server.raw();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "bound", "version": "1"}}});
    let reply = raw.post_bytes(init.to_string(), &[credentials]).await;
    raw.session = reply.header("mcp-session-id").map(str::to_owned);
    raw.version = Some("2025-11-25".into());
    assert!(raw.session.is_some(), "{:?}", reply.body);
    raw
}

fn complete(reference: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 3, "method": "completion/complete", "params": {
        "ref": reference, "argument": {"name": "key", "value": "sk"}}})
}

const BEARER: (&str, &str) = ("authorization", "Bearer demo-token");

fn challenged(reply: &Reply) -> bool {
    reply.status == 401
        && reply
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Bearer"))
}

#[tokio::test]
async fn completion_and_subscriptions_apply_the_items_auth() {
    assert_eq!(BEARER.1, format!("Bearer {DEMO_TOKEN}"));
    let server = server();
    // One anonymous session, one with the token (a session is bound to the
    // credentials it is used with).
    let mut raw: Raw = server.raw();
    raw.initialize("2025-11-25").await;
    let authed = session_with(&server, BEARER).await;
    for reference in [
        json!({"type": "ref/resource", "uri": "vault://{key}"}),
        json!({"type": "ref/prompt", "name": "rotate_key"}),
    ] {
        // Anonymous: the challenge, as for a read or a get; no values.
        let reply = raw
            .post_bytes(complete(reference.clone()).to_string(), &[])
            .await;
        assert!(
            challenged(&reply),
            "{reference}: {} {:?}",
            reply.status,
            reply.body
        );
        assert!(
            !reply.body.to_string().contains("sk-alpha"),
            "{:?}",
            reply.body
        );
        // With the token: the values.
        let reply = authed
            .post_bytes(complete(reference.clone()).to_string(), &[BEARER])
            .await;
        assert_eq!(
            reply.body["result"]["completion"]["values"],
            json!(["sk-alpha", "sk-beta"]),
            "{reference}"
        );
    }

    // A protected resource's update notices are as protected as its reads.
    let subscribe = json!({"jsonrpc": "2.0", "id": 4, "method": "resources/subscribe",
                           "params": {"uri": "vault://sk-alpha"}});
    let reply = raw.post_bytes(subscribe.to_string(), &[]).await;
    assert!(challenged(&reply), "{} {:?}", reply.status, reply.body);
    let reply = authed.post_bytes(subscribe.to_string(), &[BEARER]).await;
    assert_eq!(reply.body["result"], json!({}), "{:?}", reply.body);

    // The stateless revision too: completion, and listening to it.
    let params = json!({"ref": {"type": "ref/resource", "uri": "vault://{key}"},
                        "argument": {"name": "key", "value": "sk"}});
    let reply = stateless::send(&server, "completion/complete", params.clone(), &[]).await;
    assert!(challenged(&reply), "{} {:?}", reply.status, reply.body);
    let reply = stateless::send(&server, "completion/complete", params, &[BEARER]).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let listen = json!({"notifications": {"resourceSubscriptions": ["vault://sk-alpha"]}});
    let reply = stateless::send(
        &server,
        "subscriptions/listen",
        listen,
        &[("accept", "application/json, text/event-stream")],
    )
    .await;
    assert!(challenged(&reply), "{} {:?}", reply.status, reply.body);
}

#[tokio::test]
async fn routing_headers_sent_twice_are_refused() {
    let server = server();
    for (name, first, second) in [
        ("mcp-name", "slow", "other"),
        ("mcp-method", "tools/call", "tools/list"),
        ("mcp-protocol-version", "2026-07-28", "2026-07-28"),
    ] {
        let reply = stateless::send(
            &server,
            "tools/call",
            json!({"name": "slow", "arguments": {}}),
            &[(name, first), (name, second)],
        )
        .await;
        assert_eq!(reply.status, 400, "{name}: {:?}", reply.body);
        assert!(
            matches!(reply.error_code(), Some(-32020 | -32000)),
            "{name}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn a_request_id_in_flight_is_not_reused() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                      "params": {"name": "slow", "arguments": {}}});
    let first = {
        let raw = raw.clone();
        let call = call.clone();
        tokio::spawn(async move { raw.post(call).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = raw.post(call.clone()).await;
    assert_eq!(second.status, 400, "{:?}", second.body);
    assert_eq!(second.error_code(), Some(-32600), "{:?}", second.body);
    assert_eq!(second.body["id"], 7);
    let first = first.await.unwrap();
    assert_eq!(first.body["result"]["content"][0]["text"], "done");
    // Once it has ended, the id is free again.
    let again = raw.post(call).await;
    assert_eq!(again.body["result"]["content"][0]["text"], "done");
}

#[tokio::test]
async fn a_session_id_alone_is_never_a_credential() {
    let server = server();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    // Started with a token: every later request must present it.
    let raw = session_with(&server, BEARER).await;
    assert_eq!(
        raw.post_bytes(ping.to_string(), &[BEARER]).await.status,
        200
    );
    for other in [vec![], vec![("authorization", "Bearer someone-else")]] {
        let reply = raw.post_bytes(ping.to_string(), &other).await;
        assert_eq!(reply.status, 403, "{other:?}: {:?}", reply.body);
        // Nor the session's streams (resumption included), nor ending it.
        let reply = raw
            .request(
                reqwest::Method::GET,
                &[("accept", "text/event-stream"), ("last-event-id", "0-1-1")]
                    .into_iter()
                    .chain(other.iter().copied())
                    .collect::<Vec<_>>(),
            )
            .await;
        assert_eq!(reply.status, 403, "GET {other:?}");
        let reply = raw.request(reqwest::Method::DELETE, &other).await;
        assert_eq!(reply.status, 403, "DELETE {other:?}");
    }
    let reply = raw.request(reqwest::Method::DELETE, &[BEARER]).await;
    assert_eq!(reply.status, 200, "its own credentials end it");

    // Started anonymously: bound to the first credentials a request shows
    // (the client that got a token after a 401 keeps its session).
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    assert_eq!(raw.post(ping.clone()).await.status, 200);
    assert_eq!(
        raw.post_bytes(ping.to_string(), &[BEARER]).await.status,
        200
    );
    assert_eq!(raw.post(ping.clone()).await.status, 403);
    assert_eq!(
        raw.post_bytes(ping.to_string(), &[BEARER]).await.status,
        200
    );
}

#[tokio::test]
async fn request_state_is_bound_to_its_arguments_and_caller() {
    let server = server();
    let caps = json!({"elicitation": {}});
    let call = |id: u64, extra: Value| {
        let mut params = json!({"name": "purge", "arguments": {"id": id},
                                "_meta": stateless::meta(caps.clone())});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        params
    };
    let yes = json!({"confirm": {"action": "accept", "content": {"sure": true}}});
    // Round 1 for record 1: the handler asks; the state comes back.
    let round1 = stateless::send(&server, "tools/call", call(1, json!({})), &[BEARER]).await;
    let state = round1.body["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", round1.body))
        .to_owned();
    // Replayed for record 2 with the confirmation given for record 1.
    let replay = json!({"inputResponses": yes, "requestState": state});
    let reply = stateless::send(&server, "tools/call", call(2, replay.clone()), &[BEARER]).await;
    assert_eq!(reply.error_code(), Some(-32602), "{:?}", reply.body);
    // By another caller, or none.
    for other in [vec![("authorization", "Bearer someone-else")], vec![]] {
        let reply = stateless::send(&server, "tools/call", call(1, replay.clone()), &other).await;
        assert_eq!(
            reply.error_code(),
            Some(-32602),
            "{other:?}: {:?}",
            reply.body
        );
    }
    // A destructive tool does not use answers without the state that asked
    // for them: the call asks again.
    let bare = json!({"inputResponses": yes});
    let reply = stateless::send(&server, "tools/call", call(2, bare), &[BEARER]).await;
    assert_eq!(
        reply.body["result"]["resultType"], "input_required",
        "{:?}",
        reply.body
    );
    // Too large a state.
    let huge = json!({"inputResponses": yes, "requestState": "x".repeat(70 * 1024)});
    let reply = stateless::send(&server, "tools/call", call(1, huge), &[BEARER]).await;
    assert_eq!(reply.error_code(), Some(-32602), "{:?}", reply.body);
    assert!(PURGED.lock().unwrap().is_empty(), "nothing purged");

    // The state's own call, by its own caller, goes through.
    let reply = stateless::send(&server, "tools/call", call(1, replay), &[BEARER]).await;
    assert_eq!(
        reply.body["result"]["content"][0]["text"], "purged 1",
        "{:?}",
        reply.body
    );
    assert_eq!(*PURGED.lock().unwrap(), [1]);
}

#[tokio::test]
async fn one_client_holds_only_its_share_of_listeners() {
    let mcp = mcp_tests::registry()
        .limits(mcp_runtime::config::Limits::default().listeners(100, 2))
        .build()
        .expect("builds");
    let server =
        TestServer::start_app(move || mcp.app(App::new().service(slow).service(mcp.scope("/mcp"))));
    let http = reqwest::Client::new();
    let listen = |token: &'static str| {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen",
            "params": {"notifications": {"toolsListChanged": true},
                       "_meta": stateless::meta(json!({}))}});
        http.post(server.mcp_url())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", stateless::V)
            .header("mcp-method", "subscriptions/listen")
            .header("authorization", format!("Bearer {token}"))
            .body(body.to_string())
            .send()
    };
    // Client A holds its two streams open; a third is refused.
    let a1 = listen("client-a").await.unwrap();
    let a2 = listen("client-a").await.unwrap();
    assert_eq!((a1.status().as_u16(), a2.status().as_u16()), (200, 200));
    let a3 = listen("client-a").await.unwrap();
    assert_eq!(a3.status(), 429);
    assert!(a3.headers().contains_key("retry-after"));
    // Everyone else still gets theirs.
    let b1 = listen("client-b").await.unwrap();
    assert_eq!(b1.status(), 200);
    drop((a1, a2, b1));
}

#[tokio::test]
async fn a_slow_reader_gets_every_message_and_the_result() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut stream = raw
        .post_stream(
            json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                   "params": {"name": "chatty", "_meta": {"progressToken": "slow"}}}),
            &[],
        )
        .await;
    // The reader stalls while the call says far more than a stream keeps
    // (15 MB against 1 MiB): the handler must wait for it, not drop what
    // it has not read, nor its result.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut steps = Vec::new();
    let mut result = None;
    while let Some(event) = stream.next().await {
        let Some(message) = event.message() else {
            continue;
        };
        if message["method"] == "notifications/progress" {
            steps.push(message["params"]["progress"].as_f64().unwrap() as usize);
        } else {
            result = Some(message);
        }
    }
    let (total, _) = CHATTY;
    assert_eq!(
        steps,
        (0..total).collect::<Vec<_>>(),
        "every step, in order"
    );
    let result = result.expect("the result arrives");
    assert_eq!(result["id"], 9);
    assert_eq!(result["result"]["content"][0]["text"], "said it all");
}

#[tokio::test]
async fn one_client_holds_only_its_share_of_sessions() {
    let mcp = mcp_tests::registry()
        .session_store(
            mcp_runtime::store::InMemorySessionStore::new(Duration::from_secs(600), 100)
                .per_client(3),
        )
        .build()
        .expect("builds");
    let server =
        TestServer::start_app(move || mcp.app(App::new().service(slow).service(mcp.scope("/mcp"))));
    let client_a = ("authorization", "Bearer client-a");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    // Client A fills its share with sessions it uses...
    for _ in 0..3 {
        let raw = session_with(&server, client_a).await;
        let reply = raw.post_bytes(initialized.clone(), &[client_a]).await;
        assert_eq!(reply.status, 202);
    }
    // ...and is refused a fourth, however much room the table has.
    let mut refused = server.raw();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "greedy", "version": "1"}}});
    let reply = refused.post_bytes(init.to_string(), &[client_a]).await;
    assert_eq!((reply.status, reply.error_code()), (429, Some(-32000)));
    assert!(reply.header("retry-after").is_some());
    assert!(reply.header("mcp-session-id").is_none());
    // Everyone else still gets in: other credentials, or none.
    session_with(&server, ("authorization", "Bearer client-b")).await;
    refused.session = None;
    assert_eq!(refused.initialize("2025-11-25").await.status, 200);
}
