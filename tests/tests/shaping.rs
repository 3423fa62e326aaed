//! Choosing what a server exposes: filters by name, tag, method, path and
//! module (and their combinations, as the `Filter` table says), tags by
//! module, renames and prefixes (with their start-up errors), and several
//! servers — several views of one registry — on one app.

use actix_web::App;
use actix_web::http::Method;
use mcp_examples::items::{self, DEMO_TOKEN};
use mcp_runtime::config::Filter;
use mcp_runtime::error::Problem;
use mcp_runtime::{Completion, McpServerBuilder, mcp_prompt, mcp_resource, mcp_tool};
use mcp_tests::{TestServer, call, call_error, text};
use serde_json::json;

/// Say hello (hand-written, no route).
#[mcp_tool(
    tags = ["greeting"],
    use_when = "the user greets you.",
    returns = "the word hello."
)]
async fn hello() -> &'static str {
    "hello"
}

/// A staff-only note.
#[mcp_resource(uri = "staff://notes/{n}", tags = ["staff"], complete(n = note_numbers))]
#[actix_web::get("/staff/notes/{n}")]
async fn staff_note(n: actix_web::web::Path<u32>) -> String {
    format!("note {n}")
}

async fn note_numbers(c: Completion) -> Vec<String> {
    ["1", "2", "12"]
        .into_iter()
        .filter(|n| n.starts_with(c.value()))
        .map(str::to_owned)
        .collect()
}

/// Brief a new member of staff.
#[mcp_prompt(tags = ["staff"], complete(team = teams))]
async fn staff_briefing(args: mcp_runtime::Arguments<Briefing>) -> String {
    format!("Welcome to {}.", args.into_inner().team)
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Briefing {
    team: String,
}

async fn teams(_: Completion) -> Vec<String> {
    vec!["sales".to_owned(), "support".to_owned()]
}

fn builder() -> McpServerBuilder {
    mcp_tests::registry()
}

fn names(filter: Filter) -> Vec<String> {
    builder()
        .filter(filter)
        .build()
        .expect("builds")
        .tool_names()
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_kind_of_rule_selects() {
    assert_eq!(
        names(Filter::new().include_tags(["catalog"])),
        ["get_item", "list_items"]
    );
    assert_eq!(
        names(Filter::new().include_methods([Method::GET])),
        ["get_item", "item_label", "list_items", "stats"]
    );
    assert_eq!(
        names(Filter::new().include_paths(["/items/*"])),
        ["delete_item", "get_item", "item_label", "set_price"]
    );
    assert_eq!(
        names(Filter::new().include_names(["quote", "hello"])),
        ["hello", "quote"]
    );
    assert_eq!(
        names(Filter::new().include_modules(["shaping"])),
        ["hello"],
        "the handler's Rust module"
    );
    let all = names(Filter::new());
    let without_admin = names(Filter::new().exclude_tags(["admin"]));
    assert_eq!(all.len() - 5, without_admin.len());
    assert!(!without_admin.contains(&"delete_item".to_owned()));
}

/// The combinations the `Filter` docs' table promises.
#[test]
fn rules_combine_as_documented() {
    // Includes of two kinds: both must match (the catalog's GET tools).
    assert_eq!(
        names(
            Filter::new()
                .include_tags(["catalog", "admin"])
                .include_methods([Method::GET])
        ),
        ["get_item", "list_items"]
    );
    // Values of one kind: any may match.
    assert_eq!(
        names(Filter::new().include_methods([Method::POST, Method::DELETE])),
        ["clear_tags", "create_item", "delete_item", "reindex"]
    );
    // An exclude wins over an include.
    assert_eq!(
        names(
            Filter::new()
                .include_tags(["catalog"])
                .exclude_names(["get_item"])
        ),
        ["list_items"]
    );
    assert!(
        names(
            Filter::new()
                .include_names(["quote"])
                .exclude_names(["quote"])
        )
        .is_empty()
    );
    // Route rules never match a hand-written tool: a method include leaves
    // it out, a method exclude keeps it.
    assert!(!names(Filter::new().include_methods([Method::GET])).contains(&"quote".to_owned()));
    assert!(names(Filter::new().exclude_methods([Method::GET])).contains(&"quote".to_owned()));
}

#[test]
fn a_module_can_be_tagged_without_touching_its_handlers() {
    let tagged: Vec<String> = builder()
        .tag_module("shaping", "local")
        .filter(Filter::new().include_tags(["local", "greeting"]))
        .build()
        .expect("builds")
        .tool_names()
        .map(str::to_owned)
        .collect();
    assert_eq!(tagged, ["hello"]);
    let none: Vec<String> = builder()
        .tag_module("mcp_examples::items", "items")
        .filter(Filter::new().exclude_tags(["items"]))
        .build()
        .expect("builds")
        .tool_names()
        .map(str::to_owned)
        .collect();
    assert_eq!(none, ["hello"]);
}

#[tokio::test]
async fn what_a_filter_leaves_out_cannot_be_called() {
    let mcp = builder()
        .filter(Filter::new().exclude_tags(["admin"]))
        .build()
        .expect("builds");
    let server = TestServer::items_with(mcp);
    let client = server.client_with_token(DEMO_TOKEN).await;
    let e = call_error(&client, "delete_item", json!({"id": 1})).await;
    assert_eq!(e.message, "Unknown tool: delete_item");
    // The REST route is still there: only the MCP view changed.
    let rest = reqwest::Client::new()
        .delete(server.url("/items/1"))
        .bearer_auth(DEMO_TOKEN)
        .send()
        .await
        .expect("REST");
    assert_eq!(rest.status(), 204);
}

#[tokio::test]
async fn prefixes_and_renames_name_the_tools_clients_call() {
    let mcp = builder()
        .rename("get_item", "fetch_item")
        .prefix("inventory_")
        .build()
        .expect("builds");
    let names: Vec<&str> = mcp.tool_names().collect();
    assert!(names.contains(&"inventory_fetch_item"), "{names:?}");
    assert!(names.contains(&"inventory_list_items"), "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("inventory_")),
        "{names:?}"
    );
    let server = TestServer::items_with(mcp);
    let client = server.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "inventory_fetch_item", json!({"id": 1})).await;
    assert_eq!(
        result.structured_content.expect("structured")["name"],
        "Hammer"
    );
    let result = call(&client, "inventory_hello", json!({})).await;
    assert_eq!(text(&result), "hello");
}

#[test]
fn names_that_collide_or_clients_refuse_are_start_up_errors() {
    let e = builder()
        .rename("get_item", "list_items")
        .build()
        .err()
        .expect("a collision");
    let duplicate = e
        .problems()
        .iter()
        .find_map(|p| match p {
            Problem::DuplicateName {
                name, locations, ..
            } => Some((*name, locations.len())),
            _ => None,
        })
        .expect("a duplicate name");
    assert_eq!(duplicate, ("list_items", 2), "{e}");

    let e = builder()
        .prefix("x".repeat(60))
        .build()
        .err()
        .expect("too long");
    assert!(e.to_string().contains("many clients accept 1 to 64"), "{e}");
    assert!(
        e.to_string().contains("examples/src/items.rs"),
        "with locations: {e}"
    );

    let e = builder()
        .prefix("my tools/")
        .build()
        .err()
        .expect("characters");
    assert!(e.to_string().contains("outside `A-Za-z0-9_.-`"), "{e}");

    let e = builder()
        .filter(Filter::new().exclude_names(["quote"]))
        .rename("quote", "price_quote")
        .build()
        .err()
        .expect("renaming what is not exposed");
    assert!(matches!(e.problems(), [Problem::UnknownTool { .. }]), "{e}");
}

#[tokio::test]
async fn one_app_serves_several_views_of_one_registry() {
    // `/mcp`: the public catalog, read-only. `/admin/mcp`: everything, with
    // its own instructions.
    let public = builder()
        .filter(
            Filter::new()
                .include_methods([Method::GET])
                .exclude_names(["stats"]),
        )
        .instructions("Browse the catalog.")
        .build()
        .expect("builds");
    // Each view its own auth: only callers with a token may connect to the
    // admin view at all; the public one takes anyone.
    let admin = builder()
        .name("items-admin")
        .instructions("Manage the catalog.")
        .endpoint_auth::<&str>([])
        .build()
        .expect("builds");
    let db = items::Db::seeded();
    let server = TestServer::start_app(move || {
        public.app(
            App::new()
                .app_data(db.clone())
                .configure(items::routes)
                .service(admin.scope("/admin/mcp"))
                .service(public.scope("/mcp")),
        )
    });
    let public = server.client_with_token(DEMO_TOKEN).await;
    let listed: Vec<String> = public
        .list_all_tools()
        .await
        .expect("lists")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(!listed.contains(&"create_item".to_owned()));
    let e = call_error(
        &public,
        "create_item",
        json!({"name": "x", "price_cents": 1, "category": "toy"}),
    )
    .await;
    assert_eq!(e.message, "Unknown tool: create_item");

    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "anonymous", "version": "1"}}
    });
    let anonymous = |path: &str| {
        reqwest::Client::new()
            .post(server.url(path))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize)
            .send()
    };
    let refused = anonymous("/admin/mcp").await.expect("HTTP");
    assert_eq!(refused.status(), 401, "the admin view wants a token");
    assert!(
        refused
            .headers()
            .get("www-authenticate")
            .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("Bearer")),
        "{:?}",
        refused.headers()
    );
    let welcomed = anonymous("/mcp").await.expect("HTTP");
    assert_eq!(welcomed.status(), 200, "the public view does not");

    let admin = {
        use rmcp::ServiceExt as _;
        use rmcp::transport::StreamableHttpClientTransport;
        use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
        let config = StreamableHttpClientTransportConfig::with_uri(server.url("/admin/mcp"))
            .auth_header(DEMO_TOKEN);
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("admin client")
    };
    let info = admin.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("items-admin")
    );
    assert_eq!(info.instructions.as_deref(), Some("Manage the catalog."));
    let result = call(
        &admin,
        "create_item",
        json!({"name": "x", "price_cents": 1, "category": "toy"}),
    )
    .await;
    assert_ne!(result.is_error, Some(true), "{result:?}");
    let items: serde_json::Value = reqwest::get(server.url("/items"))
        .await
        .expect("REST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(items.as_array().expect("items").len(), 4);
}

#[tokio::test]
async fn get_tools_can_be_resources_too_or_instead() {
    use mcp_runtime::config::RouteMap;
    use mcp_tests::stateless;

    let mcp = builder()
        .route_map(RouteMap::resources("items"))
        .build()
        .expect("builds");
    assert!(mcp.tool_names().any(|n| n == "get_item"), "still a tool");
    let server = TestServer::items_with(mcp);
    let bearer = format!("Bearer {DEMO_TOKEN}");
    let auth = [("authorization", bearer.as_str())];
    let templates = stateless::send(&server, "resources/templates/list", json!({}), &[]).await;
    let template = templates.body["result"]["resourceTemplates"]
        .as_array()
        .expect("templates")
        .iter()
        .find(|t| t["name"] == "get_item")
        .cloned()
        .expect("get_item as a template");
    assert_eq!(template["uriTemplate"], "items://items/{id}");
    assert_eq!(template["description"], "Fetch one item by id.");
    let statics = stateless::send(&server, "resources/list", json!({}), &[]).await;
    assert!(
        statics.body["result"]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .any(|r| r["uri"] == "items://stats"),
        "{:?}",
        statics.body
    );
    // Read through the route, with the tool's own protection.
    let read = stateless::send(
        &server,
        "resources/read",
        json!({"uri": "items://items/1"}),
        &auth,
    )
    .await;
    let contents = &read.body["result"]["contents"][0];
    assert_eq!(contents["uri"], "items://items/1", "{:?}", read.body);
    assert!(contents["text"].as_str().expect("text").contains("Hammer"));
    let anonymous = stateless::send(
        &server,
        "resources/read",
        json!({"uri": "items://items/1"}),
        &[],
    )
    .await;
    assert_eq!(anonymous.status, 401);

    // Instead: no longer tools; only those the map's filter selects.
    let mcp = builder()
        .route_map(
            RouteMap::resources("items")
                .only(Filter::new().include_tags(["catalog"]))
                .instead(),
        )
        .build()
        .expect("builds");
    let names: Vec<&str> = mcp.tool_names().collect();
    assert!(
        !names.contains(&"get_item") && !names.contains(&"list_items"),
        "{names:?}"
    );
    assert!(names.contains(&"stats"), "not selected: still a tool");
}

#[test]
fn descriptions_can_spell_out_responses() {
    let mcp = builder().describe_responses(true).build().expect("builds");
    let server = TestServer::items_with(mcp);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let tools = runtime.block_on(async {
        let client = server.client().await;
        client.list_all_tools().await.expect("lists")
    });
    let get_item = tools
        .iter()
        .find(|t| t.name == "get_item")
        .expect("get_item");
    let description = get_item.description.as_deref().expect("description");
    assert!(
        description.starts_with("Fetch one item by id.\n\nReturns JSON"),
        "{description}"
    );
    assert!(
        description.contains(r#""price_cents""#),
        "the schema: {description}"
    );
    assert!(
        description.contains("comes back as a tool error"),
        "{description}"
    );
    assert!(
        description.ends_with(
            "\nHTTP 404: No item has this id.\nHTTP 401: The token is missing or wrong.\n\
             HTTP 422: The request was invalid; the body says why."
        ),
        "the attribute's `errors(404 = …)`, then the rest of `ApiError`'s \
         `DescribeErrors`: {description}"
    );
    let hello = tools.iter().find(|t| t.name == "hello").expect("hello");
    assert!(
        hello.description.as_deref().is_some_and(|d| d.starts_with(
            "Say hello (hand-written, no route).\n\nUse when: the user greets you.\n\n\
             Returns: the word hello.\n\nReturns the response body as text"
        )),
        "the attribute's agent-facing parts: {:?}",
        hello.description
    );
    let label = tools
        .iter()
        .find(|t| t.name == "item_label")
        .expect("item_label");
    assert!(
        label
            .description
            .as_deref()
            .expect("description")
            .contains("as text, or an image"),
        "{:?}",
        label.description
    );
}

/// Resources and prompts are filtered as tools are: what a filter leaves
/// out is neither listed, read, got nor completed (and, unfiltered, is).
#[tokio::test]
async fn what_a_filter_leaves_out_cannot_be_read_got_or_completed() {
    use rmcp::model::{
        ArgumentInfo, CompleteRequestParams, GetPromptRequestParams, ReadResourceRequestParams,
        Reference,
    };

    for filtered in [false, true] {
        let mut filter = Filter::new();
        if filtered {
            filter = filter.exclude_tags(["staff"]);
        }
        let mcp = builder().filter(filter).build().expect("builds");
        let server = TestServer::start_app(move || {
            mcp.app(App::new().service(staff_note).service(mcp.scope("/mcp")))
        });
        let client = server.client().await;
        // With nothing left of a kind, its capability (and list) is gone.
        let templates = client
            .list_all_resource_templates()
            .await
            .unwrap_or_default();
        assert_eq!(
            templates.iter().any(|t| t.name == "staff_note"),
            !filtered,
            "{templates:?}"
        );
        let prompts = client.list_all_prompts().await.unwrap_or_default();
        assert_eq!(
            prompts.iter().any(|p| p.name == "staff_briefing"),
            !filtered,
            "{prompts:?}"
        );
        let read = client
            .read_resource(ReadResourceRequestParams::new("staff://notes/12"))
            .await;
        let got = client
            .get_prompt(
                GetPromptRequestParams::new("staff_briefing")
                    .with_arguments(serde_json::from_value(json!({"team": "sales"})).expect("map")),
            )
            .await;
        let completed_note = client
            .complete(CompleteRequestParams::new(
                Reference::for_resource("staff://notes/{n}"),
                ArgumentInfo::new("n", "1"),
            ))
            .await;
        let completed_team = client
            .complete(CompleteRequestParams::new(
                Reference::for_prompt("staff_briefing"),
                ArgumentInfo::new("team", "s"),
            ))
            .await;
        if filtered {
            assert!(read.is_err(), "{read:?}");
            assert!(got.is_err(), "{got:?}");
            assert!(completed_note.is_err(), "{completed_note:?}");
            assert!(completed_team.is_err(), "{completed_team:?}");
        } else {
            let read = read.expect("reads");
            assert!(format!("{read:?}").contains("note 12"), "{read:?}");
            let got = got.expect("gets");
            assert!(format!("{got:?}").contains("Welcome to sales."), "{got:?}");
            assert_eq!(
                completed_note.expect("completes").completion.values,
                ["1", "12"]
            );
            assert_eq!(
                completed_team.expect("completes").completion.values,
                ["sales", "support"]
            );
        }
    }
}
