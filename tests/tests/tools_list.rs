//! `tools/list` for the example app: the exact JSON, snapshotted, and what
//! clients rely on (order, caching, parseability).
//!
//! After an intended change, refresh the snapshot with
//! `UPDATE_SNAPSHOTS=1 cargo test -p mcp-tests --test tools_list`.

use mcp_tests::TestServer;
use serde_json::{Value, json};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/items_tools_list.json"
);

async fn list(server: &TestServer) -> mcp_tests::Reply {
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    raw.post(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await
}

#[tokio::test]
async fn example_tools_list_matches_the_snapshot() {
    let server = TestServer::items();
    let reply = list(&server).await;
    let actual = serde_json::to_string_pretty(&reply.body["result"]).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(SNAPSHOT).expect("snapshot exists");
    assert!(
        actual == expected,
        "tools/list changed; if intended, run with UPDATE_SNAPSHOTS=1.\n--- actual\n{actual}"
    );
}

#[tokio::test]
async fn tools_are_sorted_and_the_payload_is_stable() {
    let server = TestServer::items();
    let first = list(&server).await.body;
    let names: Vec<&str> = first["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "clear_tags",
            "create_item",
            "delete_item",
            "get_item",
            "item_label",
            "list_items",
            "quote",
            "reindex",
            "set_price",
            "stats"
        ]
    );
    assert_eq!(list(&server).await.body, first);
}

#[tokio::test]
async fn the_rmcp_client_parses_every_tool() {
    let server = TestServer::items();
    let client = server.client().await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 10);
    let get_item = tools.iter().find(|t| t.name == "get_item").unwrap();
    assert_eq!(
        get_item.description.as_deref(),
        Some("Fetch one item by id.")
    );
    assert_eq!(
        get_item.annotations.as_ref().unwrap().read_only_hint,
        Some(true)
    );
    let Value::Object(output) =
        serde_json::to_value(get_item.output_schema.as_deref().unwrap()).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        output["required"],
        json!(["id", "name", "price_cents", "category", "tags"])
    );
}

/// The runtime writes each listing itself, from the tool's compiled parts:
/// each must read as rmcp's `Tool` and write back as it was, member for
/// member (none it lacks, none it drops).
#[tokio::test]
async fn every_listed_tool_is_rmcps_tool_member_for_member() {
    let server = TestServer::items();
    let reply = list(&server).await;
    let tools = reply.body["result"]["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 10);
    for listed in tools {
        let tool: rmcp::model::Tool = serde_json::from_value(listed.clone()).unwrap();
        assert_eq!(&serde_json::to_value(&tool).unwrap(), listed);
    }
    let with_output = tools.iter().filter(|t| t.get("outputSchema").is_some());
    assert!(with_output.count() > 0, "some tools have an output schema");
}
