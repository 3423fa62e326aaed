//! The facade's wiring: `endpoint` lets `McpServer::app` mount the endpoint
//! itself (one call), and an endpoint served from an App that `app` did not
//! wrap says so on the first request, not on the first tool call.

use actix_web::App;
use mcp_examples::items;
use mcp_tests::{TestServer, call, registry};
use serde_json::json;

#[tokio::test]
async fn one_call_mounts_the_endpoint_and_wraps_the_app() {
    let mcp = registry()
        .endpoint("/mcp")
        .build()
        .expect("the registry builds");
    let db = items::Db::seeded();
    let server = TestServer::start_app(move || {
        mcp.app(App::new().app_data(db.clone()).configure(items::routes))
    });
    let client = server.client_with_token(items::DEMO_TOKEN).await;
    let result = call(&client, "get_item", json!({"id": 2})).await;
    assert_ne!(result.is_error, Some(true), "{result:?}");
    assert_eq!(result.structured_content.unwrap()["name"], "Kite");
    // The REST routes are served beside it, unchanged.
    let rest = reqwest::get(server.url("/items")).await.unwrap();
    assert_eq!(rest.status(), 200);
}

#[tokio::test]
async fn an_endpoint_in_an_unwrapped_app_refuses_at_once_and_says_why() {
    let mcp = registry().build().expect("the registry builds");
    let db = items::Db::seeded();
    let server = TestServer::start_app(move || {
        // `mcp.app(…)` forgotten: calls could never reach their routes.
        App::new()
            .app_data(db.clone())
            .configure(items::routes)
            .service(mcp.scope("/mcp"))
    });
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}
    });
    let response = reqwest::Client::new()
        .post(server.mcp_url())
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body = response.text().await.unwrap();
    assert!(body.contains("not wrapped by `McpServer::app`"), "{body}");
}

#[test]
fn build_errors_print_the_same_readable_list_with_debug() {
    // `main` prints a returned error with `Debug`: it must read like `Display`.
    let error = registry()
        .rate_limit_tool(
            "no_such_tool",
            mcp_runtime::config::RateLimit::per_second(1),
        )
        .build()
        .err()
        .expect("an unknown tool is a start-up error");
    assert_eq!(format!("{error:?}"), error.to_string());
    assert!(error.to_string().contains("no_such_tool"), "{error}");
}
