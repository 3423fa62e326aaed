//! A tool call goes through everything the REST request goes through:
//! router and segment patterns, guards, route and scope middleware, scope
//! data, the app's extractor configuration, strict types — and its response
//! keeps its meaning (redirects, `Location`, `ETag`, deep JSON).
//!
//! Every case sends the same inputs through REST and through MCP and
//! asserts the same outcome, with the MCP endpoint mounted both at the App
//! root and inside the API's wrapped scope.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{Next, from_fn};
use actix_web::{
    App, Error, HttpMessage as _, HttpRequest, HttpResponse, error, get, guard, post, web,
};
use mcp_runtime::{McpServer, mcp_tool};
use mcp_tests::{McpClient, TestServer, try_call};
use rmcp::model::CallToolResult;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const API_KEY: &str = "k-123";

/// Every API route sits behind this key, as in production apps.
async fn api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.headers().get("x-api-key").is_some_and(|k| k == API_KEY) {
        next.call(req).await
    } else {
        Err(error::ErrorUnauthorized("API key required"))
    }
}

#[derive(Clone)]
struct Member(String);

/// Only members reach `/fines`; the middleware says who they are.
async fn require_member(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let member = req
        .headers()
        .get("x-member")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match member {
        Some(name) => {
            req.extensions_mut().insert(Member(name));
            next.call(req).await
        }
        None => Err(error::ErrorForbidden("members only")),
    }
}

fn desk_terminal(ctx: &guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get("x-terminal")
        .is_some_and(|v| v == "desk")
}

/// Waive a fine (desk terminals only).
#[mcp_tool]
#[post("/{id}/waive", guard = "desk_terminal")]
async fn waive_fine(id: web::Path<u32>, member: web::ReqData<Member>) -> String {
    format!("fine {} waived by {}", id.into_inner(), member.0)
}

async fn deny(
    _: ServiceRequest,
    _: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    Err::<ServiceResponse<actix_web::body::BoxBody>, _>(error::ErrorForbidden("route closed"))
}

/// A secret no one may read.
#[mcp_tool]
#[get("/secret", wrap = "from_fn(deny)")]
async fn read_secret() -> &'static str {
    "the secret"
}

struct Shelf(&'static str);

/// Which shelf this scope serves.
#[mcp_tool]
#[get("/shelf")]
async fn shelf(data: web::Data<Shelf>) -> String {
    format!("shelf {}", data.0)
}

/// What the handler saw of its request.
#[derive(Debug, Serialize, JsonSchema)]
struct Seen {
    value: String,
    path: String,
    match_info: Option<String>,
}

/// Echo a lowercase code.
#[mcp_tool]
#[get("/codes/{code:[a-z]+}")]
async fn echo_code(code: web::Path<String>, req: HttpRequest) -> web::Json<Seen> {
    web::Json(Seen {
        value: code.into_inner(),
        path: req.path().to_owned(),
        match_info: req.match_info().get("code").map(str::to_owned),
    })
}

/// Echo a key.
#[mcp_tool]
#[get("/keys/{key}")]
async fn echo_key(key: web::Path<String>, req: HttpRequest) -> web::Json<Seen> {
    web::Json(Seen {
        value: key.into_inner(),
        path: req.path().to_owned(),
        match_info: req.match_info().get("key").map(str::to_owned),
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Note {
    text: String,
}

/// Store a note (the app limits JSON bodies to 1 KiB).
#[mcp_tool]
#[post("/notes")]
async fn add_note(note: web::Json<Note>) -> String {
    format!("{} bytes", note.text.len())
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Search {
    term: String,
    page: u32,
    /// `asc` or `desc` (checked by the app, not the schema).
    #[serde(default, deserialize_with = "sort_order")]
    sort: Option<String>,
}

fn sort_order<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let sort = Option::<String>::deserialize(d)?;
    match sort.as_deref() {
        None | Some("asc" | "desc") => Ok(sort),
        Some(other) => Err(serde::de::Error::custom(format!(
            "unknown sort order {other:?}"
        ))),
    }
}

/// Search the catalog.
#[mcp_tool]
#[get("/search")]
async fn search(q: web::Query<Search>) -> String {
    match &q.sort {
        Some(sort) => format!("{} p{} {sort}", q.term, q.page),
        None => format!("{} p{}", q.term, q.page),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Strict {
    name: String,
    #[serde(default)]
    loud: bool,
}

/// A strict body: unknown fields are refused.
#[mcp_tool]
#[post("/strict")]
async fn strict(body: web::Json<Strict>) -> String {
    if body.loud {
        body.name.to_uppercase()
    } else {
        body.name.clone()
    }
}

/// A note as JSON or as a form.
#[mcp_tool]
#[post("/either")]
async fn either_note(note: web::Either<web::Json<Note>, web::Form<Note>>) -> String {
    let text = match note {
        web::Either::Left(web::Json(n)) | web::Either::Right(web::Form(n)) => n.text,
    };
    format!("note: {text}")
}

/// Moved elsewhere.
#[mcp_tool]
#[get("/old")]
async fn moved() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", "/api/v1/new"))
        .finish()
}

#[derive(Debug, Serialize, JsonSchema)]
struct Thing {
    id: u64,
}

/// Create a thing.
#[mcp_tool]
#[post("/things")]
async fn create_thing() -> HttpResponse {
    HttpResponse::Created()
        .insert_header(("location", "/api/v1/things/7"))
        .insert_header(("etag", "\"v7\""))
        .json(Thing { id: 7 })
}

/// A cacheable answer.
#[mcp_tool]
#[get("/cond")]
async fn conditional(req: HttpRequest) -> HttpResponse {
    if req
        .headers()
        .get("if-none-match")
        .is_some_and(|v| v == "\"v1\"")
    {
        return HttpResponse::NotModified().finish();
    }
    HttpResponse::Ok()
        .insert_header(("etag", "\"v1\""))
        .body("fresh")
}

/// A recursive value.
#[derive(Debug, Serialize, JsonSchema)]
struct Deep {
    next: Option<Box<Deep>>,
}

/// A deeply nested answer.
#[mcp_tool]
#[get("/deep/{depth}")]
async fn deep(depth: web::Path<u32>) -> web::Json<Deep> {
    let mut value = Deep { next: None };
    for _ in 0..depth.into_inner() {
        value = Deep {
            next: Some(Box::new(value)),
        };
    }
    web::Json(value)
}

/// Echo a number.
#[mcp_tool]
#[get("/numbers/{n}")]
async fn echo_number(n: web::Path<u64>) -> String {
    n.into_inner().to_string()
}

fn json_error(status: StatusCode, what: &str, e: impl std::fmt::Display) -> Error {
    let body = json!({ "error": format!("{what}: {e}") });
    error::InternalError::from_response(
        format!("{what}: {e}"),
        HttpResponse::build(status).json(body),
    )
    .into()
}

/// The API: everything under `/api/v1` behind the key, with the app's own
/// extractor configuration; `mcp`, if given, is mounted inside it.
fn api(cfg: &mut web::ServiceConfig, mcp: Option<&McpServer>) {
    let mut scope = web::scope("/api/v1")
        .wrap(from_fn(api_key))
        .service(
            web::scope("/fines")
                .wrap(from_fn(require_member))
                .service(waive_fine),
        )
        .service(
            web::scope("/books")
                .app_data(web::Data::new(Shelf("west")))
                .service(shelf),
        )
        .service(read_secret)
        .service(echo_code)
        .service(echo_key)
        .service(add_note)
        .service(search)
        .service(strict)
        .service(either_note)
        .service(moved)
        .service(create_thing)
        .service(conditional)
        .service(deep)
        .service(echo_number);
    if let Some(mcp) = mcp {
        scope = scope.service(mcp.scope("/mcp"));
    }
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1024)
            .error_handler(|e, _| json_error(StatusCode::UNPROCESSABLE_ENTITY, "bad json", e)),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| json_error(StatusCode::UNPROCESSABLE_ENTITY, "bad query", e)),
    )
    .service(scope);
}

/// Where the MCP endpoint is mounted.
#[derive(Debug, Clone, Copy)]
enum Mount {
    /// At the App root, outside the API's key middleware.
    Root,
    /// Inside the API's wrapped scope.
    Scoped,
}

struct Fixture {
    server: TestServer,
    mount: Mount,
}

impl Fixture {
    fn start(mount: Mount) -> Fixture {
        let mcp = mcp_tests::registry().build().expect("builds");
        let server = TestServer::start_app(move || {
            let app = match mount {
                Mount::Root => App::new()
                    .configure(|cfg| api(cfg, None))
                    .service(mcp.scope("/mcp")),
                Mount::Scoped => App::new().configure(|cfg| api(cfg, Some(&mcp))),
            };
            mcp.app(app)
        });
        Fixture { server, mount }
    }

    fn mcp_url(&self) -> String {
        match self.mount {
            Mount::Root => self.server.url("/mcp"),
            Mount::Scoped => self.server.url("/api/v1/mcp"),
        }
    }

    /// An MCP client sending `headers` on every request.
    async fn client(&self, headers: &[(&'static str, &'static str)]) -> McpClient {
        use rmcp::ServiceExt as _;
        use rmcp::transport::StreamableHttpClientTransport;
        use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, reqwest::header::HeaderValue::from_static(v));
        }
        let http = reqwest::Client::builder()
            .default_headers(map)
            .build()
            .unwrap();
        let config = StreamableHttpClientTransportConfig::with_uri(self.mcp_url());
        ().serve(StreamableHttpClientTransport::with_client(http, config))
            .await
            .expect("client initializes")
    }

    async fn rest(&self, request: reqwest::RequestBuilder) -> (u16, String) {
        let response = request.send().await.expect("REST request sent");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    fn url(&self, path: &str) -> String {
        self.server.url(path)
    }
}

fn texts(result: &CallToolResult) -> Vec<String> {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

/// REST and MCP agree: a success with the same body, or an error with the
/// same status and body.
fn assert_same(case: &str, rest: (u16, String), mcp: &CallToolResult) {
    let (status, body) = rest;
    let text = texts(mcp);
    if (200..300).contains(&status) {
        assert_ne!(mcp.is_error, Some(true), "{case}: MCP failed: {text:?}");
        assert_eq!(text[0], body, "{case}: same body");
    } else {
        assert_eq!(mcp.is_error, Some(true), "{case}: MCP succeeded: {text:?}");
        let reason = StatusCode::from_u16(status).unwrap();
        let expected = if body.is_empty() {
            format!("HTTP {reason}")
        } else {
            format!("HTTP {reason}\n{body}")
        };
        assert!(
            text.iter().any(|t| t.ends_with(&expected)),
            "{case}: expected {expected:?} in {text:?}"
        );
    }
}

const KEY: (&str, &str) = ("x-api-key", API_KEY);

async fn each_mount(test: impl AsyncFn(&Fixture)) {
    for mount in [Mount::Root, Mount::Scoped] {
        let fixture = Fixture::start(mount);
        test(&fixture).await;
    }
}

#[tokio::test]
async fn the_apis_key_middleware_guards_tool_calls_wherever_the_endpoint_is_mounted() {
    let f = Fixture::start(Mount::Root);
    // Without the key, REST and MCP are both refused by the API's middleware.
    let rest = f.rest(f.http().get(f.url("/api/v1/books/shelf"))).await;
    assert_eq!(rest.0, 401);
    let client = f.client(&[]).await;
    let mcp = try_call(&client, "shelf", json!({})).await.unwrap();
    assert_same("no key", rest, &mcp);
    // With it, both pass.
    let rest = f
        .rest(
            f.http()
                .get(f.url("/api/v1/books/shelf"))
                .header(KEY.0, KEY.1),
        )
        .await;
    let client = f.client(&[KEY]).await;
    let mcp = try_call(&client, "shelf", json!({})).await.unwrap();
    assert_same("key", rest, &mcp);
    assert_eq!(texts(&mcp)[0], "shelf west", "scope data is visible");

    // Mounted inside the wrapped scope, the endpoint itself needs the key.
    let f = Fixture::start(Mount::Scoped);
    let refused = reqwest::Client::new()
        .post(f.mcp_url())
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn guards_and_scope_middleware_apply_to_tool_calls() {
    each_mount(async |f| {
        let waive = |headers: &[(&'static str, &'static str)]| {
            let mut r = f.http().post(f.url("/api/v1/fines/5/waive"));
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r
        };
        for headers in [
            // The guard fails: 404 on both sides.
            vec![KEY, ("x-member", "ann")],
            // The scope middleware refuses: 403 on both sides.
            vec![KEY, ("x-terminal", "desk")],
            // Both pass: the handler sees the identity the middleware set.
            vec![KEY, ("x-terminal", "desk"), ("x-member", "ann")],
        ] {
            let rest = f.rest(waive(&headers)).await;
            let client = f.client(&headers).await;
            let mcp = try_call(&client, "waive_fine", json!({"id": 5}))
                .await
                .unwrap();
            assert_same(&format!("waive with {headers:?}"), rest, &mcp);
        }
        let client = f
            .client(&[KEY, ("x-terminal", "desk"), ("x-member", "ann")])
            .await;
        let mcp = try_call(&client, "waive_fine", json!({"id": 5}))
            .await
            .unwrap();
        assert_eq!(texts(&mcp)[0], "fine 5 waived by ann");
    })
    .await;
}

#[tokio::test]
async fn route_middleware_applies_to_tool_calls() {
    each_mount(async |f| {
        let rest = f
            .rest(f.http().get(f.url("/api/v1/secret")).header(KEY.0, KEY.1))
            .await;
        assert_eq!(rest.0, 403);
        let client = f.client(&[KEY]).await;
        let mcp = try_call(&client, "read_secret", json!({})).await.unwrap();
        assert_same("route wrap", rest, &mcp);
    })
    .await;
}

#[tokio::test]
async fn segments_are_checked_against_the_routes_patterns() {
    let f = Fixture::start(Mount::Root);
    let client = f.client(&[KEY]).await;
    // A valid code: the handler sees the real path and match_info.
    let mcp = try_call(&client, "echo_code", json!({"code": "abc"}))
        .await
        .unwrap();
    assert_eq!(
        mcp.structured_content,
        Some(json!({"value": "abc", "path": "/api/v1/codes/abc", "match_info": "abc"}))
    );
    let rest = f
        .rest(
            f.http()
                .get(f.url("/api/v1/codes/abc"))
                .header(KEY.0, KEY.1),
        )
        .await;
    assert_same("valid code", rest, &mcp);
    // The route's regex is enforced before anything runs, and said so.
    for bad in ["ABC", "a1", ""] {
        let mcp = try_call(&client, "echo_code", json!({"code": bad}))
            .await
            .unwrap();
        assert_eq!(mcp.is_error, Some(true), "{bad:?}");
        assert!(
            texts(&mcp)[0]
                .contains("invalid argument `code`: does not match the route's pattern `[a-z]+`"),
            "{:?}",
            texts(&mcp)
        );
    }
    // A plain segment is never empty; a slash is sent encoded, as a REST
    // client would, and the handler gets it decoded.
    let mcp = try_call(&client, "echo_key", json!({"key": ""}))
        .await
        .unwrap();
    assert!(texts(&mcp)[0].contains("invalid argument `key`: must not be empty"));
    let mcp = try_call(&client, "echo_key", json!({"key": "a/b c"}))
        .await
        .unwrap();
    let rest = f
        .rest(
            f.http()
                .get(f.url("/api/v1/keys/a%2Fb%20c"))
                .header(KEY.0, KEY.1),
        )
        .await;
    assert_same("encoded key", rest, &mcp);
    assert_eq!(mcp.structured_content.unwrap()["value"], "a/b c");
    // A dot segment is a value, not a step up the path: it never takes the
    // call to another route (`/api/v1/keys/..` would be `/api/v1`).
    for dots in [".", ".."] {
        let mcp = try_call(&client, "echo_key", json!({"key": dots}))
            .await
            .unwrap();
        let seen = mcp.structured_content.expect("the handler ran");
        assert_eq!(seen["value"], dots);
        assert_eq!(seen["match_info"], dots);
    }
}

#[tokio::test]
async fn the_apps_extractor_configuration_applies() {
    each_mount(async |f| {
        let client = f.client(&[KEY]).await;
        // JsonConfig's limit and error handler.
        let big = "x".repeat(1100);
        let rest = f
            .rest(
                f.http()
                    .post(f.url("/api/v1/notes"))
                    .header(KEY.0, KEY.1)
                    .json(&json!({"text": big})),
            )
            .await;
        assert_eq!(rest.0, 422);
        let mcp = try_call(&client, "add_note", json!({"text": big}))
            .await
            .unwrap();
        assert_same("json limit", rest, &mcp);
        let small = try_call(&client, "add_note", json!({"text": "hi"}))
            .await
            .unwrap();
        assert_eq!(texts(&small)[0], "2 bytes");
        // QueryConfig's error handler, for what the schema cannot say, plus
        // which argument is at fault.
        let rest = f
            .rest(
                f.http()
                    .get(f.url("/api/v1/search?term=x&page=1&sort=sideways"))
                    .header(KEY.0, KEY.1),
            )
            .await;
        assert_eq!(rest.0, 422);
        let mcp = try_call(
            &client,
            "search",
            json!({"term": "x", "page": 1, "sort": "sideways"}),
        )
        .await
        .unwrap();
        assert_same("query error handler", rest, &mcp);
        assert!(
            texts(&mcp)[0].contains("invalid argument `sort`"),
            "{:?}",
            texts(&mcp)
        );
        // What the schema says is refused before any request, naming the
        // argument (REST refuses it too, through the same handler).
        let mcp = try_call(&client, "search", json!({"term": "x", "page": "first"}))
            .await
            .unwrap();
        assert_eq!(mcp.is_error, Some(true));
        assert!(
            texts(&mcp)[0].contains("invalid argument `page`: must be an integer"),
            "{:?}",
            texts(&mcp)
        );
    })
    .await;
}

#[tokio::test]
async fn strict_types_refuse_unknown_arguments_as_rest_does() {
    let f = Fixture::start(Mount::Root);
    let client = f.client(&[KEY]).await;
    let rest = f
        .rest(
            f.http()
                .post(f.url("/api/v1/strict"))
                .header(KEY.0, KEY.1)
                .header("content-type", "application/json")
                // The order a tool call sends: declared fields first.
                .body(r#"{"name":"a","lound":true}"#),
        )
        .await;
    assert_eq!(rest.0, 422);
    let mcp = try_call(&client, "strict", json!({"name": "a", "lound": true}))
        .await
        .unwrap();
    assert_same("unknown field", rest, &mcp);
    assert!(
        texts(&mcp)[0].contains("unknown field `lound`"),
        "{:?}",
        texts(&mcp)
    );
    let ok = try_call(&client, "strict", json!({"name": "a", "loud": true}))
        .await
        .unwrap();
    assert_eq!(texts(&ok)[0], "A");
    // A tool without arguments refuses any.
    let mcp = try_call(&client, "shelf", json!({"extra": 1}))
        .await
        .unwrap();
    assert_eq!(mcp.is_error, Some(true));
    assert!(texts(&mcp)[0].contains("unknown argument `extra`"));
}

#[tokio::test]
async fn either_json_or_form_bodies_work() {
    let f = Fixture::start(Mount::Root);
    let client = f.client(&[KEY]).await;
    let mcp = try_call(&client, "either_note", json!({"text": "hello"}))
        .await
        .unwrap();
    for rest in [
        f.http()
            .post(f.url("/api/v1/either"))
            .json(&json!({"text": "hello"})),
        f.http()
            .post(f.url("/api/v1/either"))
            .form(&[("text", "hello")]),
    ] {
        let rest = f.rest(rest.header(KEY.0, KEY.1)).await;
        assert_same("either", rest, &mcp);
    }
}

#[tokio::test]
async fn responses_keep_their_meaning() {
    let f = Fixture::start(Mount::Root);
    let client = f.client(&[KEY, ("if-none-match", "\"v1\"")]).await;
    // A redirect is not followed: its target is shown.
    let mcp = try_call(&client, "moved", json!({})).await.unwrap();
    assert_ne!(mcp.is_error, Some(true));
    assert_eq!(
        texts(&mcp),
        ["HTTP 302 Found\nLocation: /api/v1/new\n(redirect not followed)"]
    );
    let meta = mcp.meta.as_ref().expect("_meta");
    assert_eq!(meta.0["dev.mcp-runtime/http"]["status"], 302);
    assert_eq!(
        meta.0["dev.mcp-runtime/http"]["headers"]["location"],
        "/api/v1/new"
    );
    // 201 with Location and ETag.
    let mcp = try_call(&client, "create_thing", json!({})).await.unwrap();
    assert_eq!(
        texts(&mcp),
        [
            r#"{"id":7}"#,
            "HTTP 201 Created\nLocation: /api/v1/things/7\nETag: \"v7\""
        ]
    );
    // The MCP request's If-None-Match is about /mcp, not the tool: no 304.
    let mcp = try_call(&client, "conditional", json!({})).await.unwrap();
    assert_eq!(texts(&mcp), ["fresh", "HTTP 200 OK\nETag: \"v1\""]);
}

#[tokio::test]
async fn deep_structured_output_is_never_dropped() {
    let f = Fixture::start(Mount::Root);
    let mut raw = f.server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                   "params": {"name": "deep", "arguments": {"depth": 200}}})
            .to_string(),
            &[KEY],
        )
        .await;
    // Deeper than serde_json's default limit, so the test reads it as text.
    let Value::String(body) = reply.body else {
        panic!("expected a body too deep for a default parser")
    };
    let nested = "{\"next\":".repeat(150);
    let start = body
        .find("\"structuredContent\":")
        .expect("structuredContent");
    assert!(body[start..].contains(&nested), "structuredContent kept");
}

#[tokio::test]
async fn integral_floats_and_big_integers_are_accepted() {
    let f = Fixture::start(Mount::Root);
    let client = f.client(&[KEY]).await;
    for (argument, expected) in [(json!(3.0), "3"), (json!(u64::MAX), "18446744073709551615")] {
        let mcp = try_call(&client, "echo_number", json!({"n": argument}))
            .await
            .unwrap();
        assert_eq!(texts(&mcp)[0], expected);
        let rest = f
            .rest(
                f.http()
                    .get(f.url(&format!("/api/v1/numbers/{expected}")))
                    .header(KEY.0, KEY.1),
            )
            .await;
        assert_same("number", rest, &mcp);
    }
    let mcp = try_call(&client, "echo_number", json!({"n": 2.5}))
        .await
        .unwrap();
    assert_eq!(mcp.is_error, Some(true));
}
