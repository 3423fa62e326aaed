//! A tool call carries exactly the arguments its schema allows, and the
//! same values REST would: URL-carried arguments are checked against their
//! own schemas before any request is built (the URL's text loses their
//! types), numbers are never changed on the way, and path segments render
//! as a REST client sends them. Each case is compared with the same REST
//! request, and a refused call never runs the handler.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpRequest, delete, get, web};
use mcp_runtime::mcp_tool;
use mcp_tests::{McpClient, TestServer, call, text};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// How many times a destructive handler ran.
static DELETES: AtomicUsize = AtomicUsize::new(0);

/// Delete a thing (destructive).
#[mcp_tool]
#[delete("/things/{id}")]
async fn delete_thing(id: web::Path<u64>) -> String {
    DELETES.fetch_add(1, Ordering::SeqCst);
    format!("deleted {}", id.into_inner())
}

#[derive(Deserialize, JsonSchema)]
struct Flags {
    /// Show archived things too.
    #[serde(default)]
    archived: bool,
    /// At most this many.
    #[serde(default = "ten")]
    limit: u8,
    /// Sort order.
    #[serde(default)]
    order: Order,
}

#[derive(Deserialize, JsonSchema, Default, Debug)]
#[serde(rename_all = "lowercase")]
enum Order {
    #[default]
    Asc,
    Desc,
}

fn ten() -> u8 {
    10
}

/// List things.
#[mcp_tool]
#[get("/things")]
async fn list_things(flags: web::Query<Flags>) -> String {
    format!(
        "archived={} limit={} order={:?}",
        flags.archived, flags.limit, flags.order
    )
}

/// Echo a signed number.
#[mcp_tool]
#[get("/signed/{n}")]
async fn signed(n: web::Path<i64>) -> String {
    n.into_inner().to_string()
}

/// Read a file by its path.
#[mcp_tool]
#[get("/files/{path:.*}")]
async fn read_file(path: web::Path<String>) -> String {
    format!("path={}", path.into_inner())
}

/// Read a blob by its key, a tail segment (also as the router matched it).
#[mcp_tool]
#[get("/blobs/{key}*")]
async fn read_blob(key: web::Path<String>, req: HttpRequest) -> String {
    let matched = req.match_info().get("key").unwrap_or_default().to_owned();
    format!(
        "key={} matched={matched} path={}",
        key.into_inner(),
        req.path()
    )
}

/// A code such as `ab-12`, a newtype over `String`.
#[derive(Deserialize, JsonSchema)]
#[serde(transparent)]
struct Code(String);

/// A label, a newtype over `String`.
#[derive(Deserialize, JsonSchema)]
#[serde(transparent)]
struct Label(String);

/// Find by code.
#[mcp_tool]
#[get("/codes/{code:[a-z]+-[0-9]+}")]
async fn by_code(code: web::Path<Code>) -> String {
    format!("code={}", code.into_inner().0)
}

/// Find by label.
#[mcp_tool]
#[get("/labels/{label}")]
async fn by_label(label: web::Path<Label>) -> String {
    format!("label={}", label.into_inner().0)
}

#[derive(Deserialize, JsonSchema)]
struct Search {
    /// Words to look for.
    q: Option<String>,
    /// Tags: a list, which a query string cannot carry to actix.
    #[serde(default)]
    tags: Vec<String>,
}

/// Search things.
#[mcp_tool]
#[get("/search")]
async fn search_things(search: web::Query<Search>) -> String {
    format!("q={:?} tags={:?}", search.q, search.tags)
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(delete_thing)
                .service(list_things)
                .service(signed)
                .service(read_file)
                .service(read_blob)
                .service(by_code)
                .service(by_label)
                .service(search_things)
                .service(mcp.scope("/mcp")),
        )
    })
}

async fn rest(server: &TestServer, method: reqwest::Method, path: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .request(method, server.url(path))
        .send()
        .await
        .expect("REST request");
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The call is refused as invalid arguments naming `argument`.
async fn refused(client: &McpClient, tool: &'static str, arguments: Value, argument: &str) {
    let result = call(client, tool, arguments.clone()).await;
    assert_eq!(
        result.is_error,
        Some(true),
        "{tool} {arguments}: {result:?}"
    );
    let message = text(&result);
    assert!(
        message.contains(&format!("`{argument}`")),
        "{tool} {arguments}: names `{argument}`: {message}"
    );
}

#[tokio::test]
async fn url_arguments_are_checked_against_their_schema_before_the_request() {
    let server = server();
    let client = server.client().await;
    let before = DELETES.load(Ordering::SeqCst);

    // A string where the schema says integer: REST cannot tell `"1"` from
    // `1` in the URL, so the call refuses it; the handler never runs.
    refused(&client, "delete_thing", json!({"id": "1"}), "id").await;
    refused(&client, "delete_thing", json!({"id": -1}), "id").await;
    refused(&client, "delete_thing", json!({"id": true}), "id").await;
    assert_eq!(DELETES.load(Ordering::SeqCst), before, "nothing deleted");

    // The same value REST sends, as its schema's type, works as REST does.
    let result = call(&client, "delete_thing", json!({"id": 1})).await;
    assert_eq!(text(&result), "deleted 1");
    assert_eq!(
        rest(&server, reqwest::Method::DELETE, "/things/1").await,
        (200, "deleted 1".into())
    );

    // Query fields: bounds, enums, types; and `null`, which REST can only
    // send as an empty value (`?archived=`), refused there too.
    for (arguments, argument, query) in [
        (json!({"limit": 300}), "limit", "limit=300"),
        (json!({"limit": "5"}), "limit", ""),
        (json!({"order": "sideways"}), "order", "order=sideways"),
        (json!({"archived": "yes"}), "archived", "archived=yes"),
        (json!({"archived": null}), "archived", "archived="),
    ] {
        refused(&client, "list_things", arguments, argument).await;
        if !query.is_empty() {
            let (status, _) =
                rest(&server, reqwest::Method::GET, &format!("/things?{query}")).await;
            assert_eq!(status, 400, "REST refuses ?{query}");
        }
    }
    let result = call(
        &client,
        "list_things",
        json!({"archived": true, "limit": 5, "order": "desc"}),
    )
    .await;
    assert_eq!(text(&result), "archived=true limit=5 order=Desc");
    assert_eq!(
        rest(
            &server,
            reqwest::Method::GET,
            "/things?archived=true&limit=5&order=desc"
        )
        .await,
        (200, "archived=true limit=5 order=Desc".into())
    );
}

#[tokio::test]
async fn numbers_are_never_changed_on_the_way() {
    let server = server();
    let client = server.client().await;
    let before = DELETES.load(Ordering::SeqCst);
    // One past u64::MAX arrives as a float; it was saturated to u64::MAX.
    let raw = r#"{"id": 18446744073709551616}"#;
    refused(
        &client,
        "delete_thing",
        serde_json::from_str(raw).unwrap(),
        "id",
    )
    .await;
    assert_eq!(DELETES.load(Ordering::SeqCst), before, "nothing deleted");
    let (status, _) = rest(
        &server,
        reqwest::Method::DELETE,
        "/things/18446744073709551616",
    )
    .await;
    assert_eq!(status, 404, "REST's path does not parse as u64");

    // One below i64::MIN: it reached the handler as i64::MIN.
    let raw = r#"{"n": -9223372036854775809}"#;
    refused(&client, "signed", serde_json::from_str(raw).unwrap(), "n").await;
    let (status, _) = rest(
        &server,
        reqwest::Method::GET,
        "/signed/-9223372036854775809",
    )
    .await;
    assert_eq!(status, 404);

    // What fits is passed exactly, integral floats included.
    let result = call(&client, "signed", json!({"n": i64::MIN})).await;
    assert_eq!(text(&result), i64::MIN.to_string());
    let result = call(&client, "signed", json!({"n": -3.0})).await;
    assert_eq!(text(&result), "-3");
}

#[tokio::test]
async fn tail_segments_render_as_rest_clients_send_them() {
    let server = server();
    let client = server.client().await;
    for (tool, argument, path) in [
        ("read_file", "path", "/files/a/b/c.txt"),
        ("read_blob", "key", "/blobs/a/b/c"),
    ] {
        let value = path.splitn(3, '/').nth(2).unwrap();
        let (status, body) = rest(&server, reqwest::Method::GET, path).await;
        assert_eq!(status, 200);
        let result = call(&client, tool, json!({argument: value})).await;
        assert_ne!(result.is_error, Some(true), "{tool}: {result:?}");
        assert_eq!(text(&result), body, "{tool}: same as REST");
        assert!(body.starts_with(&format!("{argument}={value}")), "{body}");
    }
}

/// The input schema of `tool`, as `tools/list` shows it.
async fn input_schema(client: &McpClient, tool: &str) -> Value {
    let tools = client.list_all_tools().await.expect("tools/list");
    let tool = tools
        .into_iter()
        .find(|t| t.name == tool)
        .unwrap_or_else(|| panic!("{tool} is listed"));
    Value::Object((*tool.input_schema).clone())
}

#[tokio::test]
async fn newtype_segments_show_what_the_route_enforces() {
    let server = server();
    let client = server.client().await;
    let schema = input_schema(&client, "by_code").await;
    assert_eq!(
        schema["properties"]["code"]["pattern"], "^(?:[a-z]+-[0-9]+)$",
        "{schema}"
    );
    let schema = input_schema(&client, "by_label").await;
    assert_eq!(schema["properties"]["label"]["minLength"], 1, "{schema}");

    refused(&client, "by_code", json!({"code": "AB-1"}), "code").await;
    let (status, _) = rest(&server, reqwest::Method::GET, "/codes/AB-1").await;
    assert_eq!(status, 404, "the route's pattern refuses it on REST");
    refused(&client, "by_label", json!({"label": ""}), "label").await;
    let result = call(&client, "by_code", json!({"code": "ab-12"})).await;
    assert_eq!(text(&result), "code=ab-12");
    assert_eq!(
        rest(&server, reqwest::Method::GET, "/codes/ab-12").await,
        (200, "code=ab-12".into())
    );
}

#[tokio::test]
async fn an_optional_field_rest_cannot_send_is_left_out_not_fatal() {
    // The server built at all: a `#[serde(default)]` list in a query struct
    // used to refuse the whole registry.
    let server = server();
    let client = server.client().await;
    let schema = input_schema(&client, "search_things").await;
    assert!(schema["properties"].get("q").is_some(), "{schema}");
    assert!(schema["properties"].get("tags").is_none(), "{schema}");

    let result = call(&client, "search_things", json!({"q": "kite"})).await;
    let (status, body) = rest(&server, reqwest::Method::GET, "/search?q=kite").await;
    assert_eq!((status, text(&result)), (200, body));
    // What REST refuses, the call refuses too.
    let (status, _) = rest(&server, reqwest::Method::GET, "/search?tags=a").await;
    assert_eq!(status, 400);
    let result = call(&client, "search_things", json!({"tags": ["a"]})).await;
    assert_eq!(result.is_error, Some(true), "{result:?}");
}
