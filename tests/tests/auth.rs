//! `requires_auth`: the app's own `FromRequest` type guards tools; a missing
//! or rejected credential never runs the handler and answers 401 with a
//! `WWW-Authenticate: Bearer` challenge.

use mcp_examples::items::{self, AuthUser, DEMO_TOKEN};
use mcp_runtime::error::Problem;
use mcp_runtime::{McpServer, mcp_tool};
use mcp_tests::{TestServer, call, json_body, stateless, text, try_call};
use serde_json::json;

#[tokio::test]
async fn missing_credentials_get_401_with_a_bearer_challenge() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 401);
    // The scope the tool needs, so a client asks for it (RFC 6750 §3).
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer scope="items:read""#)
    );
    assert_eq!(reply.body["id"], 1);
    assert_eq!(
        reply.body["error"]["message"],
        "unauthorized: missing bearer token"
    );
}

#[tokio::test]
async fn a_wrong_token_gets_invalid_token() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                   "params": {"name": "create_item", "arguments":
                       {"name": "x", "price_cents": 1, "category": "toy"}}})
            .to_string(),
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"Bearer error="invalid_token", scope="items:write", error_description="unauthorized: invalid bearer token""#
        )
    );
    // The handler did not run: nothing was created.
    let items = json_body(reqwest::Client::new().get(server.url("/items"))).await;
    assert_eq!(items.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_rmcp_client_sees_an_auth_challenge() {
    let server = TestServer::items();
    let client = server.client().await;
    let err = try_call(&client, "get_item", json!({"id": 1}))
        .await
        .expect_err("unauthenticated call fails");
    let message = format!("{err:?}");
    assert!(message.contains("AuthRequired"), "{message}");
    assert!(
        message.contains(r#"www_authenticate_header: "Bearer scope=\"items:read\"""#),
        "{message}"
    );

    let client = server.client_with_token("wrong").await;
    let err = try_call(&client, "get_item", json!({"id": 1}))
        .await
        .expect_err("a wrong token fails");
    let message = format!("{err:?}");
    assert!(message.contains("AuthRequired"), "{message}");
    assert!(message.contains("invalid_token"), "{message}");
}

#[tokio::test]
async fn the_right_token_runs_the_handler() {
    let server = TestServer::items();
    let client = server.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "get_item", json!({"id": 1})).await;
    assert_eq!(result.structured_content.unwrap()["name"], "Hammer");
}

#[tokio::test]
async fn public_tools_need_no_credentials() {
    let server = TestServer::items();
    let client = server.client().await;
    let result = call(&client, "list_items", json!({})).await;
    assert_ne!(result.is_error, Some(true));
}

/// Reads the caller's name; not marked `requires_auth`, but its own
/// `AuthUser` extractor still rejects anonymous callers.
#[mcp_tool]
async fn my_name(user: AuthUser) -> String {
    user.name
}

/// Forbidden to everyone, by its own extractor.
#[mcp_tool]
async fn vault(_: Forbidden) -> String {
    unreachable!("the extractor always rejects")
}

struct Forbidden;

impl actix_web::FromRequest for Forbidden {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(_: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Err(actix_web::error::ErrorForbidden("vault is closed")))
    }
}

#[tokio::test]
async fn only_the_authenticator_challenges_other_401s_and_403s_are_tool_errors() {
    let server = TestServer::items();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;

    // The handler's own `AuthUser` rejects, as it would on REST: one response
    // among others, not a challenge for the MCP connection.
    let reply = raw.call(1, "my_name", json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("www-authenticate"), None);
    assert_eq!(reply.body["result"]["isError"], true);
    assert_eq!(
        reply.body["result"]["content"][0]["text"],
        r#"HTTP 401 Unauthorized
{"error":"unauthorized: missing bearer token"}"#
    );

    let reply = raw.call(2, "vault", json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["result"]["content"][0]["text"],
        "HTTP 403 Forbidden\nvault is closed"
    );

    // A `requires_auth` tool: the configured authenticator challenges.
    let reply = raw.call(3, "get_item", json!({"id": 1})).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer scope="items:read""#)
    );

    let client = server.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "my_name", json!({})).await;
    assert_eq!(text(&result), "demo");
}

#[test]
fn requires_auth_without_an_authenticator_fails_closed_at_startup() {
    let err = McpServer::from_registry()
        .build()
        .err()
        .expect("build refuses");
    let unprotected: Vec<&str> = err
        .problems()
        .iter()
        .filter_map(|p| match p {
            Problem::AuthNotConfigured { name, .. } => Some(*name),
            _ => None,
        })
        .collect();
    assert_eq!(
        unprotected,
        [
            "clear_tags",
            "create_item",
            "delete_item",
            "get_item",
            "reindex",
            "set_price"
        ]
    );
    let message = err.to_string();
    assert!(
        message
            .contains("tool `get_item` (mcp_examples::items::get_item at examples/src/items.rs:"),
        "{message}"
    );
    assert!(
        message.contains("help: call `.auth::<YourAuthExtractor>()`"),
        "{message}"
    );
}

#[tokio::test]
async fn the_rest_route_keeps_its_own_auth() {
    let server = TestServer::start(|cfg| {
        cfg.app_data(items::Db::seeded()).configure(items::routes);
    });
    let http = reqwest::Client::new();
    let anonymous = http.get(server.url("/items/1")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let authed = http
        .get(server.url("/items/1"))
        .bearer_auth(DEMO_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(authed.status(), 200);
}

#[tokio::test]
async fn apps_can_serve_their_own_authorization_server_metadata() {
    use mcp_runtime::auth::ProtectedResource;
    let metadata = json!({
        "issuer": "https://api.example.com/auth",
        "authorization_endpoint": "https://api.example.com/auth/authorize",
        "token_endpoint": "https://api.example.com/auth/token",
        "code_challenge_methods_supported": ["S256"],
    });
    let mcp = mcp_tests::registry()
        .oauth(
            ProtectedResource::new()
                .resource("https://api.example.com/mcp")
                .authorization_server_metadata(metadata.clone()),
        )
        .build()
        .expect("builds");
    let server = TestServer::items_with(mcp);
    // RFC 8414 §3.1: the issuer's path after the well-known segment (where
    // clients look), and the root form.
    for path in [
        "/.well-known/oauth-authorization-server/auth",
        "/.well-known/oauth-authorization-server",
    ] {
        let served: serde_json::Value = reqwest::get(server.url(path))
            .await
            .expect("served")
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            served, metadata,
            "{path}: as given, no registration endpoint invented"
        );
    }
    // Behind a proxy: the configured resource, at its own path.
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/oauth-protected-resource/mcp"))
            .await
            .expect("served")
            .json()
            .await
            .expect("JSON");
    assert_eq!(doc["resource"], "https://api.example.com/mcp");
    assert_eq!(
        doc["authorization_servers"],
        json!(["https://api.example.com/auth"])
    );
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "get_item", json!({"id": 1})).await;
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"Bearer scope="items:read", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp""#
        )
    );
}

#[test]
fn metadata_of_an_issuer_elsewhere_cannot_be_served_here() {
    use mcp_runtime::auth::ProtectedResource;
    let build = |issuer: serde_json::Value| {
        mcp_tests::registry()
            .oauth(
                ProtectedResource::new()
                    .resource("https://api.example.com/mcp")
                    .authorization_server_metadata(json!({"issuer": issuer})),
            )
            .build()
            .err()
            .map(|e| e.to_string())
    };
    let e = build(json!("https://auth.example.com")).expect("refused");
    assert!(
        e.contains("issuer `https://auth.example.com` is not on this server's origin `https://api.example.com`"),
        "{e}"
    );
    let e = build(json!("https://api.example.com/auth?x=1")).expect("refused");
    assert!(e.contains("without query or fragment"), "{e}");
    let e = build(serde_json::Value::Null).expect("refused");
    assert!(e.contains("needs an `issuer`"), "{e}");
    assert_eq!(build(json!("https://API.example.com")), None);
}

#[tokio::test]
async fn without_oauth_there_is_no_metadata() {
    let server = TestServer::items();
    let reply = reqwest::get(server.url("/.well-known/oauth-protected-resource"))
        .await
        .expect("request");
    assert_eq!(reply.status(), 404);
}

/// An API key in its own header, as the builder's documentation shows.
struct ApiKey;

impl actix_web::FromRequest for ApiKey {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;
    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(match req.headers().get("x-api-key") {
            Some(key) if key == "key-1" || key == "key-2" => Ok(ApiKey),
            Some(_) => Err(actix_web::error::ErrorUnauthorized("unknown API key")),
            None => Err(actix_web::error::ErrorUnauthorized("missing API key")),
        })
    }
}

impl mcp_runtime::auth::Scopes for ApiKey {
    fn has_scope(&self, _: &str) -> bool {
        true
    }
}

#[tokio::test]
async fn a_wrong_key_in_the_apps_own_header_is_an_invalid_token() {
    use actix_web::http::header::HeaderName;
    let mcp = McpServer::from_registry()
        .auth_with_scopes::<ApiKey>()
        .auth_scheme("ApiKey")
        .auth_header(HeaderName::from_static("x-api-key"))
        .build()
        .expect("builds");
    let server = TestServer::items_with(mcp);
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let get_item = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": "get_item", "arguments": {"id": 1}}})
    .to_string();

    let reply = raw.post_bytes(get_item.clone(), &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"ApiKey scope="items:read""#)
    );
    let reply = raw
        .post_bytes(get_item.clone(), &[("x-api-key", "guessed")])
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"ApiKey error="invalid_token", scope="items:read", error_description="unknown API key""#
        )
    );
    // The right key passes; a session is bound to the key it is used with.
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post_bytes(get_item.clone(), &[("x-api-key", "key-1")])
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let reply = raw.post_bytes(get_item, &[("x-api-key", "key-2")]).await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
}

#[tokio::test]
async fn metadata_inferred_from_the_request_is_not_for_shared_caches() {
    use mcp_runtime::auth::ProtectedResource;
    let metadata = |resource: Option<&str>| {
        let mut protected =
            ProtectedResource::new().authorization_server("https://auth.example.com");
        if let Some(resource) = resource {
            protected = protected.resource(resource);
        }
        let mcp = mcp_tests::registry()
            .oauth(protected)
            .build()
            .expect("builds");
        TestServer::items_with(mcp)
    };
    let server = metadata(None);
    let poisoned = reqwest::Client::new()
        .get(server.url("/.well-known/oauth-protected-resource/mcp"))
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .expect("served");
    let header = |name: &str| {
        poisoned
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("cache-control"), "private, max-age=3600");
    assert!(
        header("vary").starts_with("Host, Forwarded, X-Forwarded-Host, X-Forwarded-Proto"),
        "{}",
        header("vary")
    );
    let doc: serde_json::Value = poisoned.json().await.expect("JSON");
    assert_eq!(doc["resource"], "http://evil.example/mcp");

    // A configured resource is the same for everyone: cacheable.
    let server = metadata(Some("https://api.example.com/mcp"));
    let fixed = reqwest::get(server.url("/.well-known/oauth-protected-resource/mcp"))
        .await
        .expect("served");
    assert_eq!(fixed.headers()["cache-control"], "public, max-age=3600");
}

/// Who waits at [`introspect`]: the first of two requests in flight.
type Waiting = actix_web::web::Data<std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>>;

/// An RFC 7662 introspection endpoint that knows no token and answers two
/// requests in flight at once in reverse order: the first waits until the
/// second has been answered, and half a second more (a lone request, at
/// most two seconds).
async fn introspect(waiting: Waiting) -> actix_web::HttpResponse {
    let wait = {
        let mut waiting = waiting.lock().unwrap_or_else(|p| p.into_inner());
        match waiting.take() {
            Some(first) => {
                actix_web::rt::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    let _ = first.send(());
                });
                None
            }
            None => {
                let (tx, rx) = tokio::sync::oneshot::channel();
                *waiting = Some(tx);
                Some(rx)
            }
        }
    };
    if let Some(rx) = wait {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), rx).await;
    }
    actix_web::HttpResponse::Ok().json(json!({"active": false}))
}

/// The items example with its `AuthUser` over introspection at `endpoint`.
fn introspected(endpoint: String) -> TestServer {
    introspected_with(endpoint, |b| b)
}

/// [`introspected`], its MCP server built with `configure` applied.
fn introspected_with(
    endpoint: String,
    configure: impl FnOnce(mcp_runtime::McpServerBuilder) -> mcp_runtime::McpServerBuilder,
) -> TestServer {
    use mcp_runtime::auth::oauth::{Introspection, Validator};
    let validator = Validator::new(Introspection::new(endpoint, "items-api", "s3cret"));
    let mcp = configure(items::builder()).build().expect("builds");
    let db = items::Db::seeded();
    TestServer::with_mcp(mcp, move |cfg| {
        cfg.app_data(validator.clone())
            .app_data(db.clone())
            .configure(items::routes);
    })
}

/// The challenge to a `get_item` call with `token`, which must be refused.
async fn refused(server: &TestServer, token: &str) -> String {
    let bearer = format!("Bearer {token}");
    let params = json!({"name": "get_item", "arguments": {"id": 1}});
    let reply = stateless::send(server, "tools/call", params, &[("authorization", &bearer)]).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    reply
        .header("www-authenticate")
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_items_authenticator_refuses_even_when_the_routes_own_extractor_is_first() {
    let waiting = Waiting::default();
    let issuer = TestServer::start(move |cfg| {
        cfg.app_data(waiting.clone())
            .route("/introspect", actix_web::web::post().to(introspect));
    });
    // The route's `AuthUser` and the tool's authenticator (the same type)
    // each ask the issuer; the route's answer comes first.
    let server = introspected(issuer.url("/introspect"));
    assert_eq!(
        refused(&server, "not-a-token").await,
        r#"Bearer error="invalid_token", scope="items:read", error_description="the token is not active""#
    );
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_challenge_not_a_tool_result() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}/introspect", closed.local_addr().expect("addr"));
    drop(closed);
    let server = introspected(endpoint);
    let challenge = refused(&server, "some-token").await;
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token", scope="items:read", error_description="the token could not be checked: "#),
        "{challenge}"
    );
}

/// An RFC 7662 introspection endpoint that knows no token.
async fn inactive() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(json!({"active": false}))
}

/// A server answering every request as a stream, whose authenticator asks
/// an issuer over the network: the call is still waiting for it when first
/// polled, so the transport asks the authenticator itself before it opens a
/// stream, and a refusal is the HTTP challenge, not an error in a stream.
/// (An authenticator that answers at once decides within the call's first
/// poll: the test below.)
#[tokio::test]
async fn a_stream_waits_for_an_authenticator_that_waits() {
    let issuer = TestServer::start(|cfg| {
        cfg.route("/introspect", actix_web::web::post().to(inactive));
    });
    let server = introspected_with(issuer.url("/introspect"), |b| {
        b.streams(mcp_runtime::config::StreamConfig::default().always_stream(true))
    });
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "get_item", "arguments": {"id": 1}}});
    let refused = raw
        .post_bytes(call.to_string(), &[("authorization", "Bearer not-a-token")])
        .await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(
            r#"Bearer error="invalid_token", scope="items:read", error_description="the token is not active""#
        )
    );
    assert_eq!(refused.body["id"], 1);
}

/// A server answering every request as a stream decides on credentials
/// before it opens one, for the item a call names; a call whose parameters
/// do not decode names no item, so it is answered on the stream with
/// `-32602`, credentials or not, as every other transport answers it.
#[tokio::test]
async fn a_stream_opens_after_the_named_items_credentials_are_checked() {
    let server = TestServer::items_streaming();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;

    let refused = raw.call(1, "get_item", json!({"id": 1})).await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer scope="items:read""#)
    );

    let undecodable = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                             "params": {"name": "get_item", "arguments": 5}});
    let reply = raw.post(undecodable).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/event-stream"));
    let stream = reply.body.as_str().expect("an event stream");
    assert!(stream.contains("-32602"), "{stream}");

    // A public tool's call needs no credentials, whatever else it carries.
    let public = raw.call(3, "list_items", json!({})).await;
    assert_eq!(public.status, 200);
    let stream = public.body.as_str().expect("an event stream");
    assert!(
        stream.contains(r#""id":3"#) && stream.contains("result"),
        "{stream}"
    );

    // Every answer is a stream here, a list's too (quiet as it is).
    let list = raw
        .post(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}))
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("text/event-stream"));
}
