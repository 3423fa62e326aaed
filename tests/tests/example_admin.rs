//! The main example's operator features, which the replica setup is tried
//! with: a long tool with progress (`reindex`, a task when asked, 6 a
//! minute), a tool that asks the user (`clear_tags`), and a REST route that
//! turns a tool off and on.

use std::time::Duration;

use actix_web::web;
use mcp_examples::items::{self, DEMO_TOKEN};
use mcp_tests::{Reply, TestServer, stateless};
use serde_json::{Value, json};

fn server() -> TestServer {
    let mcp = items::builder().build().expect("builds");
    let catalog = web::Data::new(mcp.catalog());
    let db = items::Db::seeded();
    TestServer::with_mcp(mcp, move |cfg| {
        cfg.app_data(catalog.clone())
            .app_data(db.clone())
            .configure(items::routes);
    })
}

const BEARER: &str = "Bearer demo-token";

fn caps() -> Value {
    json!({"elicitation": {}, "extensions": {"io.modelcontextprotocol/tasks": {}}})
}

async fn send(server: &TestServer, method: &str, mut params: Value) -> Reply {
    params["_meta"] = stateless::meta(caps());
    let name = params
        .get("name")
        .or_else(|| params.get("taskId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut headers = vec![("authorization", BEARER)];
    if method.starts_with("tasks/")
        && let Some(name) = &name
    {
        headers.push(("mcp-name", name.as_str()));
    }
    stateless::send(server, method, params, &headers).await
}

async fn tool_names(server: &TestServer) -> Vec<String> {
    stateless::tool_names(server, &[("authorization", BEARER)]).await
}

#[tokio::test]
async fn operators_turn_a_tool_off_and_on_over_rest() {
    let server = server();
    let toggle = async |enabled: bool| {
        reqwest::Client::new()
            .put(server.url("/admin/tools/stats/enabled"))
            .bearer_auth(DEMO_TOKEN)
            .json(&json!({"enabled": enabled}))
            .send()
            .await
            .expect("REST")
            .status()
    };
    assert_eq!(toggle(false).await, 204);
    assert!(!tool_names(&server).await.contains(&"stats".to_owned()));
    assert_eq!(toggle(true).await, 204);
    assert!(tool_names(&server).await.contains(&"stats".to_owned()));
}

#[tokio::test]
async fn clear_tags_asks_first() {
    let server = server();
    let asked = send(
        &server,
        "tools/call",
        json!({"name": "clear_tags", "arguments": {}}),
    )
    .await;
    let result = &asked.body["result"];
    assert_eq!(result["resultType"], "input_required", "{result}");
    let key = mcp_tests::first_question(result);
    let answers = json!({ key: {"action": "accept", "content": {"confirm": true}} });
    let mut params = json!({"name": "clear_tags", "arguments": {}, "inputResponses": answers});
    params["requestState"] = result["requestState"].clone();
    let done = send(&server, "tools/call", params).await;
    assert_eq!(
        done.body["result"]["content"][0]["text"], "cleared the tags of 3 items",
        "{:?}",
        done.body
    );
}

#[tokio::test]
async fn reindex_is_a_task_with_progress_and_a_rate_limit() {
    let server = server();
    let created = send(
        &server,
        "tools/call",
        json!({"name": "reindex", "arguments": {}}),
    )
    .await;
    let id = created.body["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {:?}", created.body))
        .to_owned();
    let mut message = None;
    for _ in 0..100 {
        let task = send(&server, "tasks/get", json!({"taskId": id})).await.body["result"].clone();
        if let Some(m) = task["statusMessage"].as_str() {
            message.get_or_insert_with(|| m.to_owned());
        }
        if task["status"] == "completed" {
            assert_eq!(task["result"]["structuredContent"], json!({"items": 3}));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(message.as_deref(), Some("indexing (1 of 3)"));
    // Six a minute: five more start, the seventh is refused.
    for _ in 0..5 {
        let reply = send(
            &server,
            "tools/call",
            json!({"name": "reindex", "arguments": {}}),
        )
        .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    let refused = send(
        &server,
        "tools/call",
        json!({"name": "reindex", "arguments": {}}),
    )
    .await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
}
