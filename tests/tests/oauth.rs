//! OAuth 2.1 resource server against a real OpenID provider
//! (`oidc-provider` on 127.0.0.1, `scripts/peers oidc`): the items example
//! in its `OAUTH_ISSUER` mode — its own `AuthUser` extractor over the JWT
//! validator — publishing RFC 9728 metadata, challenging per RFC 6750,
//! checking every claim of the provider's tokens, stepping up on missing
//! scopes, following key rotation, and listing per caller.
//!
//! Ignored by default (they need Node and the provider, which
//! `scripts/peers` installs once); the README's test command runs them.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, get, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcp_examples::items;
use mcp_runtime::auth::ProtectedResource;
use mcp_runtime::auth::oauth::{Introspection, JwtValidator, TokenValidator as _, Validator};
use mcp_runtime::config::{ListConfig, StreamConfig};
use mcp_runtime::{Arguments, Completion, McpServer, mcp_prompt, mcp_resource};
use mcp_tests::oidc::Provider;
use mcp_tests::{EventReader, Raw, Reply, TestServer, stateless};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span;
use tracing_subscriber::layer::{Context, SubscriberExt as _};

/// The audit log: writers only.
#[mcp_resource(uri = "audit://log", scopes = ["items:write"])]
#[get("/audit")]
async fn audit_log() -> &'static str {
    "nothing happened"
}

/// One day of the audit log: writers only.
#[mcp_resource(uri = "audit://log/{day}", scopes = ["items:write"])]
#[get("/audit/{day}")]
async fn audit_day(day: web::Path<String>) -> String {
    format!("nothing happened on {day}")
}

/// The arguments of `plan_change`.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Plan {
    /// What to change.
    area: String,
}

/// Plan a catalog change (writers only).
#[mcp_prompt(scopes = ["items:write"], complete(area = areas))]
async fn plan_change(args: Arguments<Plan>) -> String {
    format!("Plan a change to {}.", args.area)
}

/// Areas a change can touch: themselves protected values.
async fn areas(_: Completion) -> Vec<String> {
    vec!["pricing".into(), "stock".into()]
}

/// The items example as an OAuth-protected resource of `provider`.
struct Protected {
    server: TestServer,
    url: String,
}

impl Protected {
    async fn start(provider: &Provider) -> Protected {
        Protected::with(provider, |b, _| b, |v| v).await
    }

    /// With changes to the server's builder (given the server's MCP URL)
    /// and to the JWT validator.
    async fn with(
        provider: &Provider,
        builder: impl FnOnce(mcp_runtime::McpServerBuilder, &str) -> mcp_runtime::McpServerBuilder,
        jwt: impl FnOnce(JwtValidator) -> JwtValidator,
    ) -> Protected {
        let (listener, url) = Protected::bind();
        let validator = JwtValidator::discover(&provider.issuer, &url)
            .await
            .expect("the provider's metadata and keys");
        Protected::serve(
            provider,
            (listener, url),
            builder,
            Validator::new(jwt(validator)),
        )
    }

    /// A port, and the MCP URL the server will have there.
    fn bind() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
        (listener, url)
    }

    /// Serves the example at `url` with `validator` behind its `AuthUser`.
    fn serve(
        provider: &Provider,
        (listener, url): (TcpListener, String),
        builder: impl FnOnce(mcp_runtime::McpServerBuilder, &str) -> mcp_runtime::McpServerBuilder,
        validator: Validator,
    ) -> Protected {
        let mcp = builder(
            items::builder().oauth(
                ProtectedResource::new()
                    .authorization_server(&provider.issuer)
                    .resource_name("Items API"),
            ),
            &url,
        )
        .build()
        .expect("builds");
        let db = items::Db::seeded();
        let server = TestServer::serve(listener, move || {
            mcp.app(
                App::new()
                    .app_data(validator.clone())
                    .app_data(db.clone())
                    .configure(items::routes)
                    .service(audit_log)
                    .service(audit_day)
                    .service(mcp.scope("/mcp")),
            )
        });
        Protected { server, url }
    }

    fn metadata_url(&self) -> String {
        self.server.url("/.well-known/oauth-protected-resource/mcp")
    }

    async fn call(&self, token: Option<&str>, tool: &str, arguments: Value) -> Reply {
        let params = json!({"name": tool, "arguments": arguments});
        self.send(token, "tools/call", params).await
    }

    /// A stateless request, with `token` as its bearer credentials.
    async fn send(&self, token: Option<&str>, method: &str, params: Value) -> Reply {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        stateless::send(&self.server, method, params, &headers).await
    }

    async fn item_count(&self) -> usize {
        let items: Value = reqwest::get(self.server.url("/items?limit=100"))
            .await
            .expect("REST list")
            .json()
            .await
            .expect("JSON");
        items.as_array().expect("a list").len()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A token signed with the provider's own key, with `claims` over valid
/// defaults for `audience`: what the provider would never issue.
async fn forged(provider: &Provider, audience: &str, claims: Value) -> String {
    let (kid, pem) = provider.signing_key().await;
    let mut payload = json!({
        "iss": provider.issuer, "aud": audience, "sub": "forger",
        "scope": "items:read items:write", "iat": now(), "exp": now() + 300,
    });
    for (k, v) in claims.as_object().expect("claims") {
        payload[k] = v.clone();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid);
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("PEM key");
    jsonwebtoken::encode(&header, &payload, &key).expect("signs")
}

fn challenge(reply: &Reply) -> &str {
    reply.header("www-authenticate").unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn metadata_is_public_and_every_challenge_points_to_it() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;

    let response = reqwest::Client::new()
        .get(p.metadata_url())
        .header("origin", "https://claude.ai")
        .send()
        .await
        .expect("metadata");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );
    let doc: Value = response.json().await.expect("JSON");
    assert_eq!(doc["resource"], p.url);
    assert_eq!(doc["authorization_servers"], json!([provider.issuer]));
    assert_eq!(
        doc["scopes_supported"],
        json!(["items:read", "items:write"])
    );
    assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    assert_eq!(doc["resource_name"], "Items API");
    // The root form names the same resource; other paths are not ours.
    let root: Value = reqwest::get(p.server.url("/.well-known/oauth-protected-resource"))
        .await
        .expect("root metadata")
        .json()
        .await
        .expect("JSON");
    assert_eq!(root["resource"], p.url);
    let other = reqwest::get(p.server.url("/.well-known/oauth-protected-resource/other"))
        .await
        .expect("other");
    assert_eq!(other.status(), 404);

    // No token: a bare challenge with the metadata and the scope needed.
    let reply = p.call(None, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        challenge(&reply),
        format!(
            r#"Bearer scope="items:read", resource_metadata="{}""#,
            p.metadata_url()
        )
    );
    // Public tools need nothing.
    let reply = p.call(None, "list_items", json!({})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_ne!(
        reply.body["result"]["isError"],
        json!(true),
        "{:?}",
        reply.body
    );
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn only_valid_tokens_for_this_resource_reach_the_handler() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let create = json!({"name": "x", "price_cents": 1, "category": "toy"});
    let before = p.item_count().await;

    let elsewhere = provider
        .token("http://127.0.0.1:1/other", "items:read items:write")
        .await;
    // One character in the middle of the signature (the last may carry
    // only padding bits).
    let mut tampered = provider.token(&p.url, "items:read items:write").await;
    let at = tampered.len() - 20;
    let flipped = if &tampered[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, flipped);
    let none = {
        use base64::Engine as _;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(json!({"alg": "none", "typ": "JWT"})),
            b64(
                json!({"iss": provider.issuer, "aud": p.url, "exp": now() + 300,
                       "scope": "items:read items:write"})
            )
        )
    };
    let cases = [
        (
            "expired",
            forged(&provider, &p.url, json!({"exp": now() - 120})).await,
            "expired",
        ),
        (
            "not yet valid",
            forged(&provider, &p.url, json!({"nbf": now() + 600})).await,
            "not valid yet",
        ),
        ("wrong audience", elsewhere, "another resource"),
        (
            "wrong issuer",
            forged(&provider, &p.url, json!({"iss": "http://127.0.0.1:1"})).await,
            "another issuer",
        ),
        ("bad signature", tampered, "signature"),
        ("alg none", none, "algorithm"),
        ("garbage", "not-a-jwt".to_owned(), "malformed"),
    ];
    for (case, token, reason) in cases {
        let reply = p.call(Some(&token), "create_item", create.clone()).await;
        assert_eq!(reply.status, 401, "{case}: {:?}", reply.body);
        let challenge = challenge(&reply);
        assert!(
            challenge.starts_with(
                r#"Bearer error="invalid_token", scope="items:write", resource_metadata=""#
            ),
            "{case}: {challenge}"
        );
        assert!(challenge.contains(reason), "{case}: {challenge}");
        // The challenge never echoes the token.
        assert!(!challenge.contains(&token), "{case}");
    }
    assert_eq!(p.item_count().await, before, "no handler ran");

    let token = provider.token(&p.url, "items:read items:write").await;
    let reply = p.call(Some(&token), "create_item", create).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_ne!(
        reply.body["result"]["isError"],
        json!(true),
        "{:?}",
        reply.body
    );
    assert_eq!(p.item_count().await, before + 1);
    // The same extractor guards the REST route with the same token.
    let rest = reqwest::Client::new()
        .get(p.server.url("/items/1"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("REST");
    assert_eq!(rest.status(), 200);
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn a_missing_scope_is_a_403_naming_it() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let reader = provider.token(&p.url, "items:read").await;

    let reply = p.call(Some(&reader), "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["result"]["structuredContent"]["id"], 1);

    let before = p.item_count().await;
    let reply = p.call(Some(&reader), "delete_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert_eq!(
        challenge(&reply),
        format!(
            r#"Bearer error="insufficient_scope", scope="items:write", resource_metadata="{}""#,
            p.metadata_url()
        )
    );
    assert_eq!(p.item_count().await, before, "the handler did not run");
}

/// A `tools/call` on `raw`'s session with `token`.
async fn call_on(raw: &Raw, token: &str, tool: &str, arguments: Value) -> Reply {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}
    });
    let bearer = format!("Bearer {token}");
    raw.post_bytes(body.to_string(), &[("authorization", &bearer)])
        .await
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn a_session_outlives_step_up_and_refresh_but_not_a_change_of_caller() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let reader = provider.token(&p.url, "items:read").await;
    let mut raw = p.server.raw();
    let bearer = format!("Bearer {reader}");
    let reply = raw
        .initialize_with("2025-11-25", &[("authorization", &bearer)])
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let create = json!({"name": "x", "price_cents": 1, "category": "toy"});

    // Step-up: the 403 names the scope; the same session takes the new token.
    let reply = call_on(&raw, &reader, "create_item", create.clone()).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert!(challenge(&reply).contains(r#"error="insufficient_scope""#));
    let writer = provider.token(&p.url, "items:read items:write").await;
    let reply = call_on(&raw, &writer, "create_item", create.clone()).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_ne!(
        reply.body["result"]["isError"],
        json!(true),
        "{:?}",
        reply.body
    );

    // A refreshed token (another token, the same caller) keeps the session.
    let refreshed = provider.token(&p.url, "items:read").await;
    assert_ne!(refreshed, reader);
    let reply = call_on(&raw, &refreshed, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    // An expired one is asked to refresh (401 with the challenge), not
    // turned away from the session.
    let expired = forged(
        &provider,
        &p.url,
        json!({"sub": "mcp-tests", "exp": now() - 120}),
    )
    .await;
    let reply = call_on(&raw, &expired, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert!(
        challenge(&reply).starts_with(r#"Bearer error="invalid_token""#),
        "{}",
        challenge(&reply)
    );

    // Someone else's valid token, or none, cannot use the session.
    let other = forged(&provider, &p.url, json!({"sub": "someone-else"})).await;
    let reply = call_on(&raw, &other, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("bound to")),
        "{:?}",
        reply.body
    );
    let reply = raw.call(2, "list_items", json!({})).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}

/// A `tools/call` of `tool` as a JSON-RPC body.
fn tool_call(id: i64, tool: &str, arguments: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": tool, "arguments": arguments}})
    .to_string()
}

/// POSTs `body` to `url` with `token`: the status and `WWW-Authenticate`.
async fn post_as(url: &str, token: Option<&str>, body: String) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.body(body).send().await.expect("POST");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), challenge)
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn every_transport_challenges_before_it_commits_to_an_answer() {
    let provider = Provider::start();
    let p = Protected::with(
        &provider,
        |b, _| b.streams(StreamConfig::default().always_stream(true)),
        |v| v,
    )
    .await;
    let reader = provider.token(&p.url, "items:read").await;
    let writer = provider.token(&p.url, "items:read items:write").await;
    let create = json!({"name": "x", "price_cents": 1, "category": "toy"});
    let missing = format!(
        r#"Bearer scope="items:read", resource_metadata="{}""#,
        p.metadata_url()
    );
    let step_up = format!(
        r#"Bearer error="insufficient_scope", scope="items:write", resource_metadata="{}""#,
        p.metadata_url()
    );

    // The legacy transport: refused items are 202 and a JSON-RPC error on
    // the stream (its official clients cannot read a POST's 401).
    let response = reqwest::Client::new()
        .get(p.server.url("/mcp/sse"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /mcp/sse");
    let mut events = EventReader::new(response);
    let endpoint = events.next().await.expect("the endpoint event").data;
    let messages = p.server.url(&endpoint);
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                   "clientInfo": {"name": "legacy", "version": "0"}}});
    let (status, _) = post_as(&messages, None, initialize.to_string()).await;
    assert_eq!(status, 202);
    let answer = async |events: &mut EventReader| loop {
        let event = events.next().await.expect("an event");
        let message: serde_json::Value = serde_json::from_str(&event.data).expect("JSON");
        if message.get("id").is_some_and(|id| id != 0) {
            break message;
        }
    };
    let get_item = tool_call(1, "get_item", json!({"id": 1}));
    assert_eq!(post_as(&messages, None, get_item).await.0, 202);
    let refused = answer(&mut events).await;
    assert_eq!(refused["id"], 1);
    assert!(refused.get("error").is_some(), "{refused}");
    let create_item = tool_call(2, "create_item", create.clone());
    assert_eq!(
        post_as(&messages, Some(&reader), create_item.clone())
            .await
            .0,
        202
    );
    let refused = answer(&mut events).await;
    assert_eq!(refused["id"], 2);
    assert!(refused.get("error").is_some(), "{refused}");
    assert_eq!(post_as(&messages, Some(&writer), create_item).await.0, 202);
    let created = answer(&mut events).await;
    assert_eq!(created["id"], 2);
    assert!(created.get("result").is_some(), "{created}");

    // Streamable HTTP answering every request with a stream: the challenge
    // comes before the stream would open.
    let mut raw = p.server.raw();
    raw.initialize("2025-11-25").await;
    let post = |token: Option<&'static str>, body: String| {
        let raw = raw.clone();
        async move {
            let bearer = token.map(|t| format!("Bearer {t}"));
            let headers: Vec<(&str, &str)> = bearer
                .iter()
                .map(|b| ("authorization", b.as_str()))
                .collect();
            raw.post_bytes(body, &headers).await
        }
    };
    let reply = post(None, tool_call(3, "get_item", json!({"id": 1}))).await;
    assert_eq!((reply.status, challenge(&reply)), (401, missing.as_str()));
    assert_eq!(reply.body["id"], 3);
    let reader: &'static str = reader.leak();
    let reply = post(Some(reader), tool_call(4, "create_item", create)).await;
    assert_eq!((reply.status, challenge(&reply)), (403, step_up.as_str()));
    let reply = post(Some(reader), tool_call(5, "get_item", json!({"id": 1}))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/event-stream"),
        "allowed calls still stream"
    );
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn resources_prompts_and_completions_ask_for_their_scopes_too() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let reader = provider.token(&p.url, "items:read").await;
    let writer = provider.token(&p.url, "items:write").await;
    let step_up = format!(
        r#"Bearer error="insufficient_scope", scope="items:write", resource_metadata="{}""#,
        p.metadata_url()
    );
    let requests = [
        ("resources/read", json!({"uri": "audit://log"})),
        (
            "prompts/get",
            json!({"name": "plan_change", "arguments": {"area": "stock"}}),
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "plan_change"},
                   "argument": {"name": "area", "value": "p"}}),
        ),
    ];
    for (method, params) in requests {
        let reply = p.send(Some(&reader), method, params.clone()).await;
        assert_eq!(reply.status, 403, "{method}: {:?}", reply.body);
        assert_eq!(challenge(&reply), step_up, "{method}");
        let reply = p.send(None, method, params.clone()).await;
        assert_eq!(reply.status, 401, "{method}: {:?}", reply.body);
        let reply = p.send(Some(&writer), method, params).await;
        assert_eq!(reply.status, 200, "{method}: {:?}", reply.body);
        assert!(
            reply.body.get("result").is_some(),
            "{method}: {:?}",
            reply.body
        );
    }

    // A subscription to a protected resource, in a session begun with the
    // reader's token (sessions stay bound to it).
    let bearer = format!("Bearer {reader}");
    let mut raw = p.server.raw();
    let init = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"}}})
            .to_string(),
            &[("authorization", &bearer)],
        )
        .await;
    raw.session = init.header("mcp-session-id").map(str::to_owned);
    raw.version = Some("2025-11-25".into());
    raw.post_bytes(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        &[("authorization", &bearer)],
    )
    .await;
    let reply = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                   "params": {"uri": "audit://log"}})
            .to_string(),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert_eq!(challenge(&reply), step_up);
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn a_key_rotated_at_the_provider_is_picked_up() {
    let provider = Provider::start();
    let p = Protected::with(
        &provider,
        |b, _| b,
        |jwt| jwt.refetch_interval(Duration::from_millis(300)),
    )
    .await;
    let old = provider.token(&p.url, "items:read").await;
    let reply = p.call(Some(&old), "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);

    let kid = provider.rotate().await;
    let new = provider.token(&p.url, "items:read").await;
    assert_eq!(
        jsonwebtoken::decode_header(&new).expect("header").kid,
        Some(kid)
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reply = p.call(Some(&new), "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 200, "new key: {:?}", reply.body);
    // The old key left the provider's set, and so the validator's.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reply = p.call(Some(&old), "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 401, "old key: {:?}", reply.body);
    assert!(
        challenge(&reply).contains("unknown key"),
        "{}",
        challenge(&reply)
    );
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn made_up_key_ids_cost_the_provider_one_fetch_per_interval() {
    let provider = Provider::start();
    let listener_url = "http://127.0.0.1:9/mcp";
    let jwt = JwtValidator::discover(&provider.issuer, listener_url)
        .await
        .expect("discovers")
        .refetch_interval(Duration::from_secs(3600));
    let real = provider.token(listener_url, "items:read").await;
    jwt.validate(&real).await.expect("a real token passes");
    // Rotated: the new key is unknown, and the last fetch was just now, so
    // no refetch happens within the interval — the provider is not flooded
    // by tokens with made-up key ids either.
    provider.rotate().await;
    let new = provider.token(listener_url, "items:read").await;
    for _ in 0..3 {
        let e = jwt.validate(&new).await.expect_err("unknown key");
        assert_eq!(e.to_string(), "the token is signed by an unknown key");
    }
}

/// Requests that reached the key set that is down.
static JWKS_HITS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn a_key_set_that_is_down_is_asked_once_per_interval() {
    let jwks = TestServer::start(|cfg| {
        cfg.route(
            "/jwks",
            web::get().to(|| async {
                JWKS_HITS.fetch_add(1, Ordering::SeqCst);
                HttpResponse::ServiceUnavailable().finish()
            }),
        );
    });
    let jwt = JwtValidator::new(
        "http://127.0.0.1:9",
        jwks.url("/jwks"),
        "http://127.0.0.1:9/mcp",
    )
    .refetch_interval(Duration::from_secs(3600));
    let b64 = |v: Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!(
        "{}.{}.c2ln",
        b64(json!({"alg": "RS256", "kid": "k1"})),
        b64(json!({"sub": "a"}))
    );
    for _ in 0..5 {
        let e = jwt.validate(&token).await.expect_err("no keys");
        assert_eq!(
            e.to_string(),
            "the token could not be checked: the issuer's keys are unreachable"
        );
    }
    assert_eq!(JWKS_HITS.load(Ordering::SeqCst), 1, "one try per interval");
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn keys_withdrawn_by_the_issuer_stop_working_after_max_age() {
    let provider = Provider::start();
    let audience = "http://127.0.0.1:9/mcp";
    let jwt = JwtValidator::discover(&provider.issuer, audience)
        .await
        .expect("discovers")
        .refetch_interval(Duration::from_secs(3600))
        .max_age(Duration::from_millis(300));
    let old = provider.token(audience, "items:read").await;
    jwt.validate(&old)
        .await
        .expect("valid while its key is published");
    provider.rotate().await;
    // Its key is still cached: accepted until the keys are old.
    jwt.validate(&old).await.expect("cached key");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let e = jwt.validate(&old).await.expect_err("the key was withdrawn");
    assert_eq!(e.to_string(), "the token is signed by an unknown key");
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn lists_show_each_caller_what_it_may_use() {
    let provider = Provider::start();
    let p = Protected::with(
        &provider,
        |b, _| b.lists(ListConfig::default().per_caller(true)),
        |v| v,
    )
    .await;
    let names = |reply: &Reply| -> Vec<String> {
        let mut names: Vec<String> = reply.body["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect();
        names.sort();
        names
    };
    let list = async |token: Option<&str>| {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        stateless::send(&p.server, "tools/list", json!({}), &headers).await
    };
    let anonymous = list(None).await;
    let reader = list(Some(&provider.token(&p.url, "items:read").await)).await;
    let writer = list(Some(
        &provider.token(&p.url, "items:read items:write").await,
    ))
    .await;
    let (a, r, w) = (names(&anonymous), names(&reader), names(&writer));
    assert!(
        !a.contains(&"get_item".to_owned()) && !a.contains(&"create_item".to_owned()),
        "{a:?}"
    );
    assert!(a.contains(&"list_items".to_owned()), "{a:?}");
    assert!(
        r.contains(&"get_item".to_owned()) && !r.contains(&"create_item".to_owned()),
        "{r:?}"
    );
    assert!(
        w.contains(&"get_item".to_owned()) && w.contains(&"delete_item".to_owned()),
        "{w:?}"
    );
    assert!(a.len() < r.len() && r.len() < w.len());
    for reply in [&anonymous, &reader, &writer] {
        assert_eq!(reply.body["result"]["cacheScope"], "private");
    }
    // Prompts and resources too.
    let prompts = async |token: Option<&str>| {
        let reply = p.send(token, "prompts/list", json!({})).await;
        reply.body["result"]["prompts"]
            .as_array()
            .expect("prompts")
            .iter()
            .any(|p| p["name"] == "plan_change")
    };
    let resources = async |token: Option<&str>| {
        let reply = p.send(token, "resources/list", json!({})).await;
        reply.body["result"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["uri"] == "audit://log")
    };
    let templates = async |token: Option<&str>| {
        let reply = p.send(token, "resources/templates/list", json!({})).await;
        assert_eq!(reply.body["result"]["cacheScope"], "private");
        reply.body["result"]["resourceTemplates"]
            .as_array()
            .expect("templates")
            .iter()
            .any(|r| r["uriTemplate"] == "audit://log/{day}")
    };
    let reader = provider.token(&p.url, "items:read").await;
    let writer = provider.token(&p.url, "items:write").await;
    assert!(!prompts(None).await && !prompts(Some(&reader)).await && prompts(Some(&writer)).await);
    assert!(!resources(Some(&reader)).await && resources(Some(&writer)).await);
    assert!(
        !templates(None).await && !templates(Some(&reader)).await && templates(Some(&writer)).await
    );
    // Lists that differ per caller are never for a shared cache.
    for method in ["prompts/list", "resources/list"] {
        let reply = p.send(Some(&writer), method, json!({})).await;
        assert_eq!(reply.body["result"]["cacheScope"], "private", "{method}");
    }
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn opaque_tokens_are_introspected() {
    let provider = Provider::start();
    let introspection = Introspection::discover(&provider.issuer, "mcp-tests", "mcp-tests-secret")
        .await
        .expect("the provider's introspection endpoint");
    let token = provider.opaque_token().await;
    let access = introspection.validate(&token).await.expect("active");
    assert_eq!(access.client_id(), Some("mcp-tests"));
    let e = introspection
        .validate("not-a-token")
        .await
        .expect_err("inactive");
    assert_eq!(e.to_string(), "the token is not active");
    // An audience is required when set: this opaque token names none.
    let strict = Introspection::discover(&provider.issuer, "mcp-tests", "mcp-tests-secret")
        .await
        .expect("discovers")
        .audience("http://127.0.0.1:9/mcp");
    let e = strict.validate(&token).await.expect_err("no audience");
    assert_eq!(e.to_string(), "the token is for another resource");
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn opaque_tokens_are_introspected_by_the_server() {
    let provider = Provider::start();
    let introspection = Introspection::discover(&provider.issuer, "mcp-tests", "mcp-tests-secret")
        .await
        .expect("the provider's introspection endpoint");
    let p = Protected::serve(
        &provider,
        Protected::bind(),
        |b, _| b,
        Validator::new(introspection),
    );
    // Active, for a caller without the scope: authenticated, asked to step up.
    let opaque = provider.opaque_token().await;
    let reply = p.call(Some(&opaque), "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    assert!(challenge(&reply).starts_with(r#"Bearer error="insufficient_scope""#));
    // Unknown to the issuer: rejected.
    let reply = p
        .call(Some("not-a-token"), "get_item", json!({"id": 1}))
        .await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert!(
        challenge(&reply).contains(r#"error_description="the token is not active""#),
        "{}",
        challenge(&reply)
    );
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn listening_to_a_protected_resource_is_challenged() {
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let listen = |token: Option<String>| {
        let server = &p.server;
        async move {
            let bearer = token.map(|t| format!("Bearer {t}"));
            let mut headers = vec![("accept", "application/json, text/event-stream")];
            headers.extend(bearer.iter().map(|b| ("authorization", b.as_str())));
            let params = json!({"notifications": {"resourceSubscriptions": ["audit://log"]}});
            stateless::send(server, "subscriptions/listen", params, &headers).await
        }
    };
    let reply = listen(None).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        challenge(&reply),
        format!(
            r#"Bearer scope="items:write", resource_metadata="{}""#,
            p.metadata_url()
        )
    );
    let reply = listen(Some(provider.token(&p.url, "items:read").await)).await;
    assert_eq!(reply.status, 403);
    assert!(
        challenge(&reply).starts_with(r#"Bearer error="insufficient_scope", scope="items:write""#)
    );
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn the_endpoint_can_require_a_token_to_connect_at_all() {
    let provider = Provider::start();
    let p = Protected::with(&provider, |b, _| b.endpoint_auth([items::READ]), |v| v).await;
    let mut raw = p.server.raw();
    let reply = raw.initialize("2025-11-25").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        challenge(&reply),
        format!(
            r#"Bearer scope="items:read", resource_metadata="{}""#,
            p.metadata_url()
        )
    );
    let reply = stateless::send(&p.server, "tools/list", json!({}), &[]).await;
    assert_eq!(reply.status, 401);
    // The legacy SSE stream is behind the same door.
    let sse = reqwest::get(p.server.url("/mcp/sse")).await.expect("sse");
    assert_eq!(sse.status(), 401);
    let token = provider.token(&p.url, "items:read").await;
    let bearer = format!("Bearer {token}");
    let reply = stateless::send(
        &p.server,
        "tools/list",
        json!({}),
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    // The metadata stays reachable without a token.
    let meta = reqwest::get(p.metadata_url()).await.expect("metadata");
    assert_eq!(meta.status(), 200);
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn the_example_in_oauth_mode_needs_items_read_for_every_reading_tool() {
    let provider = Provider::start();
    let issuer = provider.issuer.clone();
    let p = Protected::with(
        &provider,
        |b, url| items::with_oauth(b, &issuer, url),
        |v| v,
    )
    .await;
    // Public in the demo mode, not here.
    for tool in ["list_items", "stats", "quote"] {
        let reply = p.call(None, tool, json!({})).await;
        assert_eq!(reply.status, 401, "{tool}");
        assert_eq!(
            challenge(&reply),
            format!(
                r#"Bearer scope="items:read", resource_metadata="{}""#,
                p.metadata_url()
            ),
            "{tool}"
        );
    }
    let writer_only = provider.token(&p.url, "items:write").await;
    let reply = p.call(Some(&writer_only), "list_items", json!({})).await;
    assert_eq!(reply.status, 403);
    let reader = provider.token(&p.url, "items:read").await;
    let reply = p.call(Some(&reader), "list_items", json!({})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let create = json!({"name": "x", "price_cents": 1, "category": "toy"});
    let reply = p.call(Some(&reader), "create_item", create).await;
    assert_eq!(reply.status, 403);
    // Both scopes: a client stepping up to `items:write` alone would lose
    // the `items:read` every request needs.
    assert_eq!(
        challenge(&reply),
        format!(
            r#"Bearer error="insufficient_scope", scope="items:read items:write", resource_metadata="{}""#,
            p.metadata_url()
        )
    );
    // The metadata names the MCP URL it was given.
    let doc: Value = reqwest::get(p.metadata_url())
        .await
        .expect("metadata")
        .json()
        .await
        .expect("JSON");
    assert_eq!(doc["resource"], p.url);
}

/// Everything this test binary logs (events and spans), as text.
#[derive(Clone, Default)]
struct Logged(Arc<Mutex<String>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Logged {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        attrs.record(&mut Line(&mut self.0.lock().unwrap()));
    }

    fn on_record(&self, _: &span::Id, values: &span::Record<'_>, _: Context<'_, S>) {
        values.record(&mut Line(&mut self.0.lock().unwrap()));
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        event.record(&mut Line(&mut self.0.lock().unwrap()));
    }
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = writeln!(self.0, "{}={value:?}", field.name());
    }
}

#[tokio::test]
#[ignore = "needs the OIDC provider: scripts/peers oidc"]
async fn logs_give_reasons_never_tokens() {
    let logged = Logged::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(logged.clone()))
        .expect("the only subscriber of this test binary");
    let provider = Provider::start();
    let p = Protected::start(&provider).await;
    let expired = forged(&provider, &p.url, json!({"exp": now() - 120})).await;
    let reader = provider.token(&p.url, "items:read").await;
    let writer = provider.token(&p.url, "items:read items:write").await;
    let create = json!({"name": "x", "price_cents": 1, "category": "toy"});
    for token in [&expired, &reader, &writer] {
        p.call(Some(token), "create_item", create.clone()).await;
    }
    let mut raw = p.server.raw();
    let bearer = format!("Bearer {expired}");
    raw.initialize_with("2025-11-25", &[("authorization", &bearer)])
        .await;
    call_on(&raw, &reader, "get_item", json!({"id": 1})).await;

    let text = logged.0.lock().unwrap().clone();
    assert!(text.contains("the token has expired"), "the reason: {text}");
    for token in [&expired, &reader, &writer] {
        // The signature alone identifies a token.
        let signature = token.rsplit('.').next().expect("a JWT");
        assert!(!text.contains(signature), "a token in the logs");
    }
}

#[test]
fn servers_refuse_scopes_they_cannot_check() {
    // The items example's tools have scopes: an authenticator that only
    // knows identities cannot guard them.
    let e = McpServer::from_registry()
        .auth::<items::AuthUser>()
        .build()
        .err()
        .expect("refused");
    assert!(e.to_string().contains(".auth_with_scopes::<"), "{e}");
}
