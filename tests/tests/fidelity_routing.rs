//! A tool call reaches the handler its tool was generated from, with the
//! request REST would send: never answered by a sibling route whose guard
//! the call happened to satisfy, authenticated where the route's request
//! is, and carrying no header meant for the connection to the MCP server.

use std::future::{Ready, ready};
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{
    App, Error, FromRequest, HttpMessage as _, HttpRequest, HttpResponse, error, get, guard, route,
    web,
};
use mcp_runtime::{McpServer, mcp_tool};
use mcp_tests::{TestServer, call, text};
use serde_json::json;

/// The names of the headers the route received.
#[mcp_tool]
#[get("/headers")]
async fn headers_seen(req: HttpRequest) -> web::Json<Vec<String>> {
    let mut names: Vec<String> = req.headers().keys().map(|k| k.to_string()).collect();
    names.sort();
    web::Json(names)
}

fn wants_csv(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// How many times the plain-REST sibling ran for a call.
static SIBLING_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Export the report as CSV (for clients that ask for CSV).
#[mcp_tool]
#[get("/report", guard = "wants_csv")]
async fn export_report() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv")
        .body("a,b\n1,2\n")
}

/// The same path for everyone else: a plain REST route.
#[get("/report")]
async fn report() -> HttpResponse {
    SIBLING_RUNS.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(json!({"format": "json"}))
}

/// How many times the sibling tool ran.
static SIBLING_TOOL_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Archive the ledger (only from the archive terminal).
#[mcp_tool]
#[get("/ledger", guard = "archive_terminal")]
async fn archive_ledger() -> &'static str {
    "archived"
}

/// Read the ledger: a tool too, on the same path.
#[mcp_tool]
#[get("/ledger")]
async fn read_ledger() -> &'static str {
    SIBLING_TOOL_RUNS.fetch_add(1, Ordering::SeqCst);
    "ledger"
}

/// One shelf, by its number: the resource keeps its fn's name.
#[mcp_tool]
#[get("/shelves/{id}")]
async fn shelf(id: web::Path<u32>) -> String {
    format!("shelf {id}")
}

/// One catalog entry: the resource takes the name its attribute gives.
#[mcp_tool]
#[get("/entries/{id}", name = "catalog_entry")]
async fn entry(id: web::Path<u32>) -> String {
    format!("entry {id}")
}

/// Links to both, built by the app from the resources' names.
#[get("/links")]
async fn links(req: HttpRequest) -> Result<String, Error> {
    let shelf_url = req.url_for("shelf", ["1"])?;
    let entry_url = req.url_for("catalog_entry", ["2"])?;
    Ok(format!("{} {}", shelf_url.path(), entry_url.path()))
}

/// Stamps the stock (GET or POST, as actix's `#[route]` lists them).
#[mcp_tool]
#[route("/stamp", method = "GET", method = "POST")]
async fn stamp(req: HttpRequest) -> String {
    format!("stamped by {}", req.method())
}

fn archive_terminal(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head().headers().contains_key("x-archive-terminal")
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(headers_seen)
                .service(export_report)
                .service(report)
                .service(archive_ledger)
                .service(read_ledger)
                .service(shelf)
                .service(entry)
                .service(links)
                .service(stamp)
                .service(mcp.scope("/mcp")),
        )
    })
}

#[tokio::test]
async fn headers_named_in_connection_are_hop_by_hop() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "headers_seen", "arguments": {}}});
    let reply = raw
        .post_bytes(
            call.to_string(),
            &[
                ("connection", "keep-alive, X-Custom-Hop"),
                ("x-custom-hop", "meant for this hop only"),
                ("x-kept", "end to end"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let seen = &reply.body["result"]["structuredContent"]["result"];
    let seen: Vec<&str> = seen
        .as_array()
        .unwrap_or_else(|| panic!("a list of names: {}", reply.body))
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(seen.contains(&"x-kept"), "{seen:?}");
    assert!(!seen.contains(&"x-custom-hop"), "{seen:?}");
    assert!(!seen.contains(&"connection"), "{seen:?}");
}

#[tokio::test]
async fn a_call_is_never_answered_by_a_sibling_route() {
    let server = server();
    let client = server.client().await;
    // REST with `Accept: text/csv` reaches the export; without, the sibling.
    let csv = reqwest::Client::new()
        .get(server.url("/report"))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.text().await.unwrap(), "a,b\n1,2\n");

    // A call sends `Accept: application/json, …`: the guard refuses, the
    // router falls through to the sibling. That must not pass for the
    // export's answer.
    let before = SIBLING_RUNS.load(Ordering::SeqCst);
    let result = call(&client, "export_report", json!({})).await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    let message = text(&result);
    assert!(message.contains("another handler"), "{message}");
    assert!(message.contains("guard"), "{message}");
    assert_eq!(SIBLING_RUNS.load(Ordering::SeqCst), before + 1);

    // When the sibling is another tool's handler, it refuses to run for a
    // call that is not its own.
    let before = SIBLING_TOOL_RUNS.load(Ordering::SeqCst);
    let result = call(&client, "archive_ledger", json!({})).await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
    assert!(
        text(&result).contains("another handler"),
        "{}",
        text(&result)
    );
    assert_eq!(SIBLING_TOOL_RUNS.load(Ordering::SeqCst), before, "not run");
    // Its own calls still reach it.
    let result = call(&client, "read_ledger", json!({})).await;
    assert_eq!(text(&result), "ledger");
}

const API_KEY: &str = "k-42";

#[derive(Clone)]
struct User(String);

/// The API's scope middleware: an API key says who calls.
async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.headers().get("x-api-key").is_some_and(|k| k == API_KEY) {
        req.extensions_mut().insert(User("alice".into()));
    }
    next.call(req).await
}

/// The app's authenticator: whoever the middleware identified.
struct Caller(String);

impl FromRequest for Caller {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<User>() {
            Some(user) => Ok(Caller(user.0.clone())),
            None => Err(error::ErrorUnauthorized("who are you?")),
        })
    }
}

/// Scopes do not matter here (the example's tools, linked in, have some).
impl mcp_runtime::auth::Scopes for Caller {
    fn has_scope(&self, _: &str) -> bool {
        true
    }
}

static WHOAMI_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Who is calling (protected).
#[mcp_tool(requires_auth)]
#[get("/whoami")]
async fn whoami(caller: Caller) -> String {
    WHOAMI_RUNS.fetch_add(1, Ordering::SeqCst);
    format!("you are {}", caller.0)
}

#[tokio::test]
async fn requires_auth_is_decided_where_the_routes_request_is() {
    // The endpoint sits at the root; the identity comes from the `/api`
    // scope's middleware, which only the route's request meets.
    let mcp = McpServer::builder()
        .auth_with_scopes::<Caller>()
        .build()
        .expect("builds");
    let server = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(web::scope("/api").wrap(from_fn(identify)).service(whoami))
                .service(mcp.scope("/mcp")),
        )
    });
    let rest = reqwest::Client::new()
        .get(server.url("/api/whoami"))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.text().await.unwrap(), "you are alice");

    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                         "params": {"name": "whoami", "arguments": {}}});
    let reply = raw
        .post_bytes(request.to_string(), &[("x-api-key", API_KEY)])
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let result = &reply.body["result"];
    assert_eq!(result["content"][0]["text"], "you are alice", "{result}");

    // Without the key: the challenge, as before, and the handler never runs.
    let before = WHOAMI_RUNS.load(Ordering::SeqCst);
    let reply = raw.post_bytes(request.to_string(), &[]).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Bearer")),
        "{:?}",
        reply.headers
    );
    assert_eq!(WHOAMI_RUNS.load(Ordering::SeqCst), before);
}

/// The macro registers a tool's route as actix's own macro would: the
/// resource is named after the fn, or as its attribute says (the app builds
/// URLs from those names), and `#[route]` serves each method it lists and
/// no other.
#[tokio::test]
async fn routes_keep_the_names_and_methods_actix_gives_them() {
    let server = server();
    let http = reqwest::Client::new();
    let reply = http.get(server.url("/links")).send().await.expect("GET");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.text().await.unwrap(), "/shelves/1 /entries/2");
    for (method, status) in [
        (reqwest::Method::GET, 200),
        (reqwest::Method::POST, 200),
        (reqwest::Method::PUT, 404),
    ] {
        let reply = http
            .request(method.clone(), server.url("/stamp"))
            .send()
            .await
            .expect("sent");
        assert_eq!(reply.status(), status, "{method} /stamp");
    }

    let client = server.client().await;
    let result = call(&client, "entry", json!({"id": 3})).await;
    assert_eq!(text(&result), "entry 3");
    let result = call(&client, "shelf", json!({"id": 4})).await;
    assert_eq!(text(&result), "shelf 4");
    let result = call(&client, "stamp", json!({})).await;
    assert_eq!(
        text(&result),
        "stamped by GET",
        "a call uses the route's first method"
    );
}
