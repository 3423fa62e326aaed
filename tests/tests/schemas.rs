//! Input and output schemas built from the handler's types: merging path,
//! query and body, the collision rule, `$defs` for nested and recursive
//! types, and that calls route each argument to the right extractor.

use std::collections::BTreeMap;

use actix_web::{post, put, web};
use mcp_runtime::mcp_tool;
use mcp_tests::{TestServer, json_body};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Deserialize, JsonSchema)]
struct Filter {
    /// Also an `id`: collides with the path and the body.
    id: Option<String>,
    /// Show more.
    #[serde(default)]
    verbose: bool,
}

/// A document; children make it recursive.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Doc {
    id: u64,
    title: String,
    kind: Kind,
    #[serde(default)]
    children: Vec<Doc>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Note,
    Task,
}

/// Where each `id` ended up.
#[derive(Debug, Serialize, JsonSchema)]
struct Echo {
    org: String,
    path_id: u64,
    query_id: Option<String>,
    body_id: u64,
    verbose: bool,
    children: usize,
}

/// Replace a document of an organization.
#[mcp_tool]
#[put("/orgs/{org}/docs/{id}")]
async fn put_doc(
    path: web::Path<(String, u64)>,
    filter: web::Query<Filter>,
    doc: web::Json<Doc>,
) -> web::Json<Echo> {
    let (org, path_id) = path.into_inner();
    web::Json(Echo {
        org,
        path_id,
        query_id: filter.id.clone(),
        body_id: doc.id,
        verbose: filter.verbose,
        children: doc.children.len(),
    })
}

/// Tag a batch of documents.
#[mcp_tool(name = "tag.docs")]
#[post("/tags/{tag:[a-z]+}")]
async fn tag_docs(
    tag: web::Path<String>,
    ids: web::Json<Vec<u64>>,
) -> web::Json<BTreeMap<String, Vec<u64>>> {
    web::Json(BTreeMap::from([(tag.into_inner(), ids.into_inner())]))
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Signup {
    email: String,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

/// Sign up with a form.
#[mcp_tool]
#[post("/signup")]
async fn signup(form: web::Form<Signup>) -> String {
    format!(
        "{} <{}>",
        form.display_name.as_deref().unwrap_or("-"),
        form.email
    )
}

/// Set a kind (a non-object body).
#[mcp_tool]
async fn set_kind(kind: web::Json<Kind>) -> web::Json<Kind> {
    kind
}

/// Arbitrary labels (a map body).
#[mcp_tool]
async fn label(labels: web::Json<BTreeMap<String, String>>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// How to reach someone: a phone number is needed when the method is
/// `phone` (JSON Schema `if`/`then`, written on the type).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(extend(
    "if" = {"properties": {"method": {"const": "phone"}}, "required": ["method"]},
    "then" = {"required": ["phone"]},
))]
struct Reach {
    method: String,
    phone: Option<String>,
}

/// Record how to reach someone.
#[mcp_tool]
async fn reach(reach: web::Json<Reach>) -> String {
    format!("{} {}", reach.method, reach.phone.as_deref().unwrap_or("-"))
}

/// The same type next to a path: the conditions cannot hold for the merged
/// input, so the type stays one `body` argument.
#[mcp_tool]
#[put("/people/{id}/reach")]
async fn reach_person(id: web::Path<u64>, reach: web::Json<Reach>) -> String {
    format!("{id}: {}", reach.method)
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    TestServer::with_mcp(mcp, |cfg| {
        cfg.service(put_doc)
            .service(tag_docs)
            .service(signup)
            .service(reach_person);
    })
}

async fn tools(server: &TestServer) -> BTreeMap<String, Value> {
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let list = raw
        .post(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    list.body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect()
}

#[tokio::test]
async fn path_query_and_body_merge_with_suffixed_collisions() {
    let server = server();
    let tools = tools(&server).await;
    let tool = &tools["put_doc"];
    assert_eq!(
        tool["inputSchema"],
        json!({
            "type": "object",
            "properties": {
                "org": {"type": "string", "minLength": 1},
                "id__path": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
                "id__query": {
                    "description": "Also an `id`: collides with the path and the body.",
                    "type": ["string", "null"]
                },
                "verbose": {"description": "Show more.", "type": "boolean", "default": false},
                "id": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
                "title": {"type": "string"},
                "kind": {"$ref": "#/$defs/Kind"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Doc"}, "default": []}
            },
            "required": ["org", "id__path", "id", "kind", "title"],
            "$defs": {
                "Doc": {
                    "description": "A document; children make it recursive.",
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
                        "title": {"type": "string"},
                        "kind": {"$ref": "#/$defs/Kind"},
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Doc"}, "default": []}
                    },
                    "required": ["id", "title", "kind"]
                },
                "Kind": {"type": "string", "enum": ["note", "task"]}
            }
        })
    );
    assert_eq!(
        tool["outputSchema"]["properties"]["query_id"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        tool["annotations"],
        json!({"readOnlyHint": false, "destructiveHint": true, "idempotentHint": true})
    );
}

#[tokio::test]
async fn each_argument_reaches_its_own_extractor() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .call(
            1,
            "put_doc",
            json!({
                "org": "acme", "id__path": 7, "id__query": "q-1", "verbose": true,
                "id": 9, "title": "T", "kind": "task",
                "children": [{"id": 10, "title": "c", "kind": "note"}]
            }),
        )
        .await;
    let expected = json!({
        "org": "acme", "path_id": 7, "query_id": "q-1", "body_id": 9,
        "verbose": true, "children": 1
    });
    assert_eq!(reply.body["result"]["structuredContent"], expected);

    // The same handler over REST.
    let rest = json_body(
        reqwest::Client::new()
            .put(server.url("/orgs/acme/docs/7?id=q-1&verbose=true"))
            .json(&json!({"id": 9, "title": "T", "kind": "task",
                          "children": [{"id": 10, "title": "c", "kind": "note"}]})),
    )
    .await;
    assert_eq!(rest, expected);

    // Errors name arguments as the client sends them.
    let reply = raw
        .call(
            2,
            "put_doc",
            json!({"org": "a", "id__path": -1, "id": 1, "title": "", "kind": "note"}),
        )
        .await;
    let text = reply.body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("invalid argument `id__path`"), "{text}");
    let reply = raw
        .call(
            3,
            "put_doc",
            json!({"org": "a", "id__path": 1, "id": 1, "title": "", "kind": "note",
                                  "children": [{"id": 2, "title": "", "kind": "nope"}]}),
        )
        .await;
    let text = reply.body["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("invalid argument `children[0].kind`"),
        "{text}"
    );
}

#[tokio::test]
async fn scalar_paths_and_non_object_bodies() {
    let server = server();
    let tools = tools(&server).await;
    assert_eq!(
        tools["tag.docs"]["inputSchema"],
        json!({
            "type": "object",
            "properties": {
                "tag": {"type": "string", "pattern": "^(?:[a-z]+)$"},
                "body": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0, "maximum": u64::MAX}
                }
            },
            "required": ["tag", "body"],
            "additionalProperties": false
        })
    );
    // A map output is an object: not wrapped.
    assert_eq!(tools["tag.docs"]["outputSchema"]["type"], "object");
    assert_eq!(
        tools["set_kind"]["inputSchema"]["properties"]["body"],
        json!({"$ref": "#/$defs/Kind"})
    );
    assert_eq!(
        tools["set_kind"]["outputSchema"]["required"],
        json!(["result"])
    );

    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .call(1, "tag.docs", json!({"tag": "red", "body": [1, 2]}))
        .await;
    assert_eq!(
        reply.body["result"]["structuredContent"],
        json!({"red": [1, 2]})
    );
    let reply = raw.call(2, "set_kind", json!({"body": "task"})).await;
    assert_eq!(
        reply.body["result"]["structuredContent"],
        json!({"result": "task"})
    );
}

#[tokio::test]
async fn forms_renamed_fields_and_maps() {
    let server = server();
    let tools = tools(&server).await;
    assert_eq!(
        tools["signup"]["inputSchema"],
        json!({
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "displayName": {"type": ["string", "null"]}
            },
            "required": ["email"]
        })
    );
    assert!(
        tools["signup"].get("outputSchema").is_none(),
        "String has no output schema"
    );
    assert_eq!(
        tools["label"]["inputSchema"],
        json!({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}})
    );

    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .call(1, "signup", json!({"email": "a@b.c", "displayName": "Ann"}))
        .await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "Ann <a@b.c>");
    let rest = reqwest::Client::new()
        .post(server.url("/signup"))
        .form(&[("email", "a@b.c"), ("displayName", "Ann")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rest, "Ann <a@b.c>");
    let reply = raw.call(2, "label", json!({"b": "2", "a": "1"})).await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "a=1,b=2");
}

#[tokio::test]
async fn a_lone_argument_type_keeps_its_conditions() {
    let server = server();
    let tools = tools(&server).await;
    assert_eq!(
        tools["reach"]["inputSchema"],
        json!({
            "type": "object",
            "properties": {
                "method": {"type": "string"},
                "phone": {"type": ["string", "null"]}
            },
            "required": ["method"],
            "if": {"properties": {"method": {"const": "phone"}}, "required": ["method"]},
            "then": {"required": ["phone"]}
        })
    );
    let merged = &tools["reach_person"]["inputSchema"];
    assert_eq!(merged["required"], json!(["id", "body"]));
    assert_eq!(
        merged["properties"]["body"],
        json!({"$ref": "#/$defs/Reach"})
    );
    assert!(merged.get("if").is_none());

    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .call(1, "reach", json!({"method": "phone", "phone": "555"}))
        .await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "phone 555");
    let reply = raw
        .call(
            2,
            "reach_person",
            json!({"id": 3, "body": {"method": "mail"}}),
        )
        .await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "3: mail");
}
