//! Resources: `#[mcp_resource]` GET routes listed as resources and
//! templates, read through the app (middleware, scope data, extractors),
//! the response mapped to text or blob contents, not-found errors of each
//! revision, caching hints, protection, and updates to subscribers of both
//! eras.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage as _, HttpResponse, get, web};
use mcp_examples::items::{AuthUser, DEMO_TOKEN};
use mcp_runtime::config::StreamConfig;
use mcp_runtime::{Completion, McpServer, McpServerBuilder, mcp_resource};
use mcp_tests::stateless::{meta, send};
use mcp_tests::{Raw, TestServer};
use rmcp::model::{ReadResourceRequestParams, ResourceContents};
use serde::Deserialize;
use serde_json::{Value, json};

/// 1×1 PNG bytes (not a valid image; only the type matters).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-not-utf8-\xff";

struct Notes(HashMap<u64, &'static str>);

/// Set by the scope's middleware: reads meet the route's middleware.
#[derive(Clone)]
struct Tag(&'static str);

/// Every note, as JSON.
#[mcp_resource(
    uri = "notes://all",
    title = "All notes",
    mime_type = "application/json"
)]
#[get("/notes")]
async fn all_notes(notes: web::Data<Notes>) -> web::Json<Vec<&'static str>> {
    let mut all: Vec<_> = notes.0.values().copied().collect();
    all.sort_unstable();
    web::Json(all)
}

/// One note.
#[mcp_resource(uri = "notes://{id}", complete(id = note_ids))]
#[get("/notes/{id}")]
async fn note(
    id: web::Path<u64>,
    notes: web::Data<Notes>,
    tag: Option<web::ReqData<Tag>>,
) -> HttpResponse {
    match notes.0.get(&id) {
        Some(text) => HttpResponse::Ok()
            .insert_header(("cache-control", "max-age=30"))
            .body(format!("{text} [{}]", tag.map_or("untagged", |t| t.0))),
        None => HttpResponse::NotFound().body("no such note"),
    }
}

async fn note_ids(c: Completion) -> Vec<String> {
    let Some(notes) = c.app_data::<web::Data<Notes>>() else {
        return Vec::new();
    };
    let mut ids: Vec<String> = notes.0.keys().map(u64::to_string).collect();
    ids.sort();
    ids.retain(|id| id.starts_with(c.value()));
    ids
}

/// The logo.
#[mcp_resource(uri = "notes://logo")]
#[get("/logo")]
async fn logo() -> HttpResponse {
    HttpResponse::Ok().content_type("image/png").body(PNG)
}

#[derive(Deserialize)]
struct Search {
    q: Option<String>,
}

/// Notes containing a word.
#[mcp_resource(uri = "notes://search{?q}")]
#[get("/search")]
async fn search(query: web::Query<Search>, notes: web::Data<Notes>) -> String {
    let q = query.q.clone().unwrap_or_default();
    let mut hits: Vec<_> = notes
        .0
        .values()
        .filter(|n| n.contains(&*q))
        .copied()
        .collect();
    hits.sort_unstable();
    hits.join("\n")
}

/// Usage statistics, for signed-in users.
#[mcp_resource(uri = "notes://stats", requires_auth)]
#[get("/stats")]
async fn stats(user: AuthUser) -> String {
    format!("2 notes, read by {}", user.name)
}

async fn tag(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    req.extensions_mut().insert(Tag("via-scope"));
    next.call(req).await
}

fn server() -> (TestServer, McpServer) {
    server_with(|b| b)
}

/// The test app, its MCP server built with `configure` applied.
fn server_with(
    configure: impl FnOnce(McpServerBuilder) -> McpServerBuilder,
) -> (TestServer, McpServer) {
    let mcp = configure(McpServer::from_registry().auth_with_scopes::<AuthUser>())
        .build()
        .unwrap();
    let served = mcp.clone();
    let server = TestServer::start_app(move || {
        let notes = web::Data::new(Notes(HashMap::from([(1, "buy milk"), (2, "call mom")])));
        mcp.app(
            App::new()
                .service(
                    web::scope("/api")
                        .app_data(notes)
                        .wrap(from_fn(tag))
                        .service(all_notes)
                        .service(note)
                        .service(search)
                        .service(logo)
                        .service(stats),
                )
                .service(mcp.scope("/mcp")),
        )
    });
    (server, served)
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn resources_and_templates_are_listed_as_declared() {
    let (server, _) = server();
    let mut raw = server.raw();
    let init = raw.initialize("2025-11-25").await;
    let capabilities = &init.body["result"]["capabilities"];
    assert_eq!(
        capabilities["resources"],
        json!({"subscribe": true, "listChanged": true})
    );
    assert_eq!(capabilities["completions"], json!({}));

    let list = raw.post(request(1, "resources/list", json!({}))).await;
    assert_eq!(
        list.body["result"],
        json!({"resources": [
            {"uri": "notes://all", "name": "all_notes", "title": "All notes",
             "description": "Every note, as JSON.", "mimeType": "application/json"},
            {"uri": "notes://logo", "name": "logo", "description": "The logo."},
            {"uri": "notes://stats", "name": "stats",
             "description": "Usage statistics, for signed-in users."}
        ]})
    );
    let templates = raw
        .post(request(2, "resources/templates/list", json!({})))
        .await;
    assert_eq!(
        templates.body["result"],
        json!({"resourceTemplates": [
            {"uriTemplate": "notes://{id}", "name": "note", "description": "One note."},
            {"uriTemplate": "notes://search{?q}", "name": "search",
             "description": "Notes containing a word."}
        ]})
    );
}

async fn read(client: &mcp_tests::McpClient, uri: &str) -> ResourceContents {
    let mut result = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap_or_else(|e| panic!("read {uri}: {e}"));
    assert_eq!(result.contents.len(), 1);
    result.contents.remove(0)
}

fn text(contents: &ResourceContents) -> (&str, Option<&str>, &str) {
    match contents {
        ResourceContents::TextResourceContents {
            uri,
            mime_type,
            text,
            ..
        } => (uri, mime_type.as_deref(), text),
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn reads_go_through_the_app_and_keep_the_response_type() {
    let (server, _) = server();
    let client = server.client().await;

    // Scope data, the scope's middleware and the path extractor all ran.
    let one = read(&client, "notes://1").await;
    assert_eq!(
        text(&one),
        ("notes://1", Some("text/plain"), "buy milk [via-scope]")
    );
    let all = read(&client, "notes://all").await;
    assert_eq!(
        text(&all),
        (
            "notes://all",
            Some("application/json"),
            r#"["buy milk","call mom"]"#
        )
    );
    let found = read(&client, "notes://search?q=mom").await;
    assert_eq!(text(&found).2, "call mom");
    let everything = read(&client, "notes://search").await;
    assert_eq!(text(&everything).2, "buy milk\ncall mom");

    match read(&client, "notes://logo").await {
        ResourceContents::BlobResourceContents {
            uri,
            mime_type,
            blob,
            ..
        } => {
            assert_eq!(uri, "notes://logo");
            assert_eq!(mime_type.as_deref(), Some("image/png"));
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(blob)
                .unwrap();
            assert_eq!(bytes, PNG);
        }
        other => panic!("expected a blob, got {other:?}"),
    }
    // The same routes still serve REST.
    let rest = reqwest::get(server.url("/api/notes/2")).await.unwrap();
    assert_eq!(rest.text().await.unwrap(), "call mom [via-scope]");
}

#[tokio::test]
async fn unknown_resources_are_not_found_in_each_revision() {
    let (server, _) = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    for (id, uri) in [
        (1, "notes://99"),         // the handler's 404
        (2, "notes://abc"),        // the path extractor's 404
        (3, "elsewhere://1"),      // no resource
        (4, "notes://search?x=1"), // a query parameter the template lacks
    ] {
        let reply = raw
            .post(request(id, "resources/read", json!({"uri": uri})))
            .await;
        assert_eq!(reply.status, 200, "{uri}");
        assert_eq!(reply.error_code(), Some(-32002), "{uri}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["data"]["uri"], uri);
    }
    // 2026-07-28: -32602, never an empty `contents`.
    let reply = send(
        &server,
        "resources/read",
        json!({"uri": "test://nonexistent"}),
        &[],
    )
    .await;
    assert_eq!(reply.error_code(), Some(-32602), "{:?}", reply.body);
    assert_eq!(reply.body["error"]["data"]["uri"], "test://nonexistent");
}

#[tokio::test]
async fn stateless_reads_carry_caching_hints_from_cache_control() {
    let (server, _) = server();
    let reply = send(&server, "resources/read", json!({"uri": "notes://2"}), &[]).await;
    let result = &reply.body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["ttlMs"], 30_000);
    assert_eq!(result["cacheScope"], "public");
    assert_eq!(result["contents"][0]["text"], "call mom [via-scope]");
    assert!(result["_meta"]["io.modelcontextprotocol/serverInfo"].is_object());

    // No Cache-Control: nothing to keep. Credentials: private.
    let bearer = format!("Bearer {DEMO_TOKEN}");
    let reply = send(
        &server,
        "resources/read",
        json!({"uri": "notes://stats"}),
        &[("authorization", &bearer)],
    )
    .await;
    let result = &reply.body["result"];
    assert_eq!(result["contents"][0]["text"], "2 notes, read by demo");
    assert_eq!(
        (result["ttlMs"].clone(), result["cacheScope"].clone()),
        (json!(0), json!("private"))
    );

    // Lists too.
    let list = send(&server, "resources/templates/list", json!({}), &[]).await;
    assert_eq!(list.body["result"]["cacheScope"], "public");
    assert!(list.body["result"]["ttlMs"].is_u64());
}

/// Reads the protected `notes://stats` without credentials: a 401 with a
/// bearer challenge.
async fn read_stats_anonymously(raw: &Raw) {
    let reply = raw
        .post(request(
            1,
            "resources/read",
            json!({"uri": "notes://stats"}),
        ))
        .await;
    assert_eq!(reply.status, 401);
    assert!(
        reply
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn protected_resources_challenge_before_the_route_runs() {
    let (server, _) = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    read_stats_anonymously(&raw).await;
    let client = server.client_with_token(DEMO_TOKEN).await;
    let contents = read(&client, "notes://stats").await;
    assert_eq!(text(&contents).2, "2 notes, read by demo");
}

/// A server that answers every call as a stream decides on a protected
/// resource before it opens one: the challenge is the HTTP status, not an
/// error inside a 200 stream. (Whether to decide is known per kind of
/// item, resources here.)
#[tokio::test]
async fn a_streaming_server_challenges_a_protected_read_before_it_streams() {
    let (server, _) = server_with(|b| b.streams(StreamConfig::default().always_stream(true)));
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    read_stats_anonymously(&raw).await;
    let open = raw
        .post(request(2, "resources/read", json!({"uri": "notes://1"})))
        .await;
    assert_eq!(open.status, 200);
    assert_eq!(open.header("content-type"), Some("text/event-stream"));
}

#[tokio::test]
async fn subscribed_sessions_hear_about_updates() {
    let (server, mcp) = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let mut events = mcp_tests::EventReader::new(raw.get_stream(None).await);
    assert_eq!(events.next().await.unwrap().data, "", "priming");

    let subscribed = raw
        .post(request(
            1,
            "resources/subscribe",
            json!({"uri": "notes://1"}),
        ))
        .await;
    assert_eq!(subscribed.body["result"], json!({}));
    let unknown = raw
        .post(request(
            2,
            "resources/subscribe",
            json!({"uri": "nope://1"}),
        ))
        .await;
    assert_eq!(unknown.error_code(), Some(-32002));

    assert_eq!(mcp.notifier().resource_updated("notes://2").await, 0);
    assert_eq!(mcp.notifier().resource_updated("notes://1").await, 1);
    let message = events.next().await.unwrap().message().unwrap();
    assert_eq!(
        message,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
               "params": {"uri": "notes://1"}})
    );

    raw.post(request(
        3,
        "resources/unsubscribe",
        json!({"uri": "notes://1"}),
    ))
    .await;
    assert_eq!(mcp.notifier().resource_updated("notes://1").await, 0);

    // Ending the session forgets its subscriptions.
    raw.post(request(
        4,
        "resources/subscribe",
        json!({"uri": "notes://1"}),
    ))
    .await;
    raw.request(reqwest::Method::DELETE, &[]).await;
    assert_eq!(mcp.notifier().resource_updated("notes://1").await, 0);
}

#[tokio::test]
async fn listeners_hear_about_the_resources_they_name() {
    let (server, mcp) = server();
    let raw = server.raw();
    let params = json!({
        "notifications": {"resourceSubscriptions": ["notes://1", "nope://1"]},
        "_meta": meta(json!({}))
    });
    let mut events = raw
        .post_stream(
            json!({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen",
                   "params": params}),
            &[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "subscriptions/listen"),
            ],
        )
        .await;
    let ack = events.next().await.unwrap().message().unwrap();
    assert_eq!(
        ack,
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
               "params": {"notifications": {"resourceSubscriptions": ["notes://1"]},
                          "_meta": {"io.modelcontextprotocol/subscriptionId": "listen-1"}}})
    );
    assert_eq!(mcp.notifier().resource_updated("notes://2").await, 0);
    assert_eq!(mcp.notifier().resource_updated("notes://1").await, 1);
    let update = events.next().await.unwrap().message().unwrap();
    assert_eq!(
        update,
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
               "params": {"uri": "notes://1",
                          "_meta": {"io.modelcontextprotocol/subscriptionId": "listen-1"}}})
    );
    // Closing the stream ends the listener.
    drop(events);
    let mut gone = false;
    for _ in 0..50 {
        if mcp.notifier().resource_updated("notes://1").await == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(gone, "the listener outlived its stream");
}
