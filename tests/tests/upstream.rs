//! The MCP server as its own process (`McpServerBuilder::upstream`): the
//! API runs on one server, the MCP endpoint on another that mounts the same
//! routes for their paths only; every call is sent over HTTP to the API,
//! credentials only as configured, the API's answers mapped as in process.

use actix_web::App;
use mcp_examples::items::{self, DEMO_TOKEN};
use mcp_runtime::config::Upstream;
use mcp_tests::{TestServer, call, text};
use serde_json::json;

/// The API alone: the example's REST routes and their data, no MCP.
fn api() -> TestServer {
    let db = items::Db::seeded();
    TestServer::start(move |cfg| {
        cfg.app_data(db.clone()).configure(items::routes);
    })
}

/// The MCP process in front of `api`: the same routes (never run here, no
/// data), calls sent to the API.
fn mcp_for(upstream: Upstream) -> TestServer {
    let mcp = mcp_tests::registry()
        .upstream(upstream)
        .build()
        .expect("builds");
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .configure(items::routes)
                .service(mcp.scope("/mcp")),
        )
    })
}

/// How many items `list_items` answers.
async fn count(client: &mcp_tests::McpClient) -> usize {
    let listed = call(client, "list_items", json!({})).await;
    listed.structured_content.expect("structured")["result"]
        .as_array()
        .expect("items")
        .len()
}

#[tokio::test]
async fn calls_are_requests_to_the_api() {
    let api = api();
    let mcp = mcp_for(Upstream::new(api.url("")));
    let client = mcp.client().await;
    assert_eq!(count(&client).await, 3);
    // Something created at the API directly shows in the next call.
    let created = reqwest::Client::new()
        .post(api.url("/items"))
        .bearer_auth(DEMO_TOKEN)
        .json(&json!({"name": "Lamp", "price_cents": 999, "category": "toy"}))
        .send()
        .await
        .expect("REST create");
    assert_eq!(created.status(), 201);
    assert_eq!(count(&client).await, 4);
    // The API's errors are tool errors as in process.
    let missing = call(&client, "item_label", json!({"id": 99})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(
        text(&missing).starts_with("HTTP 404 Not Found"),
        "{}",
        text(&missing)
    );
}

#[tokio::test]
async fn the_clients_token_stays_here_unless_configured() {
    let api = api();
    // Authenticated here; by default the API does not see the token.
    let mcp = mcp_for(Upstream::new(api.url("")));
    let client = mcp.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "get_item", json!({"id": 1})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).starts_with("HTTP 401"), "{}", text(&result));
    // Without credentials the challenge is answered here, before any call.
    let anonymous = mcp.client().await;
    let e = mcp_tests::try_call(&anonymous, "get_item", json!({"id": 1}))
        .await
        .expect_err("challenged");
    assert!(format!("{e:?}").contains("AuthRequired"), "{e:?}");

    // Forwarded when asked.
    let mcp = mcp_for(Upstream::new(api.url("")).forward_client_header("authorization"));
    let client = mcp.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "get_item", json!({"id": 1})).await;
    assert_eq!(
        result.structured_content.expect("structured")["name"],
        "Hammer"
    );

    // Or the MCP server's own credentials.
    let mcp = mcp_for(
        Upstream::new(api.url("")).header("authorization", &format!("Bearer {DEMO_TOKEN}")),
    );
    let client = mcp.client_with_token(DEMO_TOKEN).await;
    let result = call(&client, "get_item", json!({"id": 2})).await;
    assert_eq!(
        result.structured_content.expect("structured")["name"],
        "Kite"
    );
}

#[tokio::test]
async fn an_unreachable_api_is_a_clear_tool_error() {
    let gone = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let mcp = mcp_for(Upstream::new(gone.clone()));
    let client = mcp.client().await;
    let result = call(&client, "list_items", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text(&result).contains(&format!("the API at {gone} did not answer")),
        "{}",
        text(&result)
    );
    // The next call is answered as well: nothing is stuck.
    let again = call(&client, "list_items", json!({})).await;
    assert_eq!(again.is_error, Some(true));
}

#[tokio::test]
async fn an_api_slower_than_the_timeout_is_a_clear_tool_error() {
    // An API that takes connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let mcp = mcp_for(Upstream::new(silent.clone()).timeout(std::time::Duration::from_millis(300)));
    let client = mcp.client().await;
    let started = std::time::Instant::now();
    let result = call(&client, "list_items", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(
        text(&result).contains(&format!("the API at {silent} did not answer")),
        "{}",
        text(&result)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "the timeout ended the call, not the client's: {:?}",
        started.elapsed()
    );
}
