//! Several replicas on one Redis (feature `redis`): a session started on
//! one replica is served by another, ended on either; a task created on one
//! is read on another; Redis down is a 503 (never an unknown session, never
//! a session that is not stored), and sessions work again once it returns.
//!
//! Ignored by default (they need `redis-server`, which `scripts/peers redis`
//! unpacks once); the README's test command runs them.

use std::time::{Duration, Instant};

use mcp_runtime::config::RateLimit;
use mcp_runtime::store::redis::Redis;
use mcp_runtime::{McpServer, mcp_tool};
use mcp_tests::redis::RedisServer;
use mcp_tests::{Raw, Reply, TestServer, stateless};
use serde_json::json;

const SECRET: &[u8] = b"one secret for every replica";

/// Counts slowly: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[actix_web::post("/count")]
async fn slow_count() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    "counted"
}

/// A replica of the items example on `redis`.
async fn replica(redis: &RedisServer) -> TestServer {
    replica_with_catalog(redis).await.0
}

/// A replica, and its server for catalog changes (shared with the others).
async fn replica_with_catalog(redis: &RedisServer) -> (TestServer, McpServer) {
    let store = Redis::connect(&redis.url(), "items-tests")
        .await
        .expect("redis connects");
    let mcp: McpServer = mcp_tests::registry()
        .session_store(store.sessions(Duration::from_secs(600)))
        .task_store(store.tasks(Duration::from_secs(600)))
        .request_state_key(SECRET)
        .rate_limit_tool("stats", RateLimit::per_minute(2))
        .rate_limit_store(store.rate_limits())
        .build()
        .expect("builds");
    mcp.share_catalog(&store);
    let db = mcp_examples::items::Db::seeded();
    let server = TestServer::with_mcp(mcp.clone(), move |cfg| {
        cfg.app_data(db.clone())
            .configure(mcp_examples::items::routes)
            .service(slow_count);
    });
    (server, mcp)
}

const BEARER: &str = "Bearer demo-token";

async fn initialize(raw: &mut Raw) -> Reply {
    let reply = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"}}})
            .to_string(),
            &[("authorization", BEARER)],
        )
        .await;
    raw.session = reply.header("mcp-session-id").map(str::to_owned);
    raw.version = Some("2025-11-25".into());
    reply
}

async fn get_item(raw: &Raw) -> Reply {
    raw.post_bytes(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": "get_item", "arguments": {"id": 1}}})
        .to_string(),
        &[("authorization", BEARER)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_session_started_on_one_replica_is_served_by_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let mut on_a = a.raw();
    let reply = initialize(&mut on_a).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let mut on_b = b.raw();
    on_b.session = on_a.session.clone();
    on_b.version = on_a.version.clone();
    let reply = get_item(&on_b).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["result"]["structuredContent"]["name"], "Hammer");

    // Ended on B: gone on A too.
    let ended = on_b
        .request(reqwest::Method::DELETE, &[("authorization", BEARER)])
        .await;
    assert_eq!(ended.status, 200);
    let reply = get_item(&on_a).await;
    assert_eq!(reply.status, 404, "{:?}", reply.body);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_task_created_on_one_replica_is_read_on_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let opted_in = json!({"extensions": {"io.modelcontextprotocol/tasks": {}}});
    let mut params = json!({"name": "slow_count", "arguments": {}});
    params["_meta"] = stateless::meta(opted_in.clone());
    let created = stateless::send(&a, "tools/call", params, &[]).await;
    let id = created.body["result"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("a task: {:?}", created.body))
        .to_owned();
    // Polled on B while A runs it: B reads what A stores.
    let mut get = json!({"taskId": id});
    get["_meta"] = stateless::meta(opted_in);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let reply = stateless::send(&b, "tasks/get", get.clone(), &[("mcp-name", &id)]).await;
        let task = &reply.body["result"];
        assert_eq!(task["taskId"], id.as_str(), "{:?}", reply.body);
        if task["status"] == "completed" {
            assert_eq!(task["result"]["content"][0]["text"], "counted");
            break;
        }
        assert!(Instant::now() < deadline, "never completed: {task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn redis_down_is_a_503_and_sessions_return_with_it() {
    let mut redis = RedisServer::start();
    let a = replica(&redis).await;
    let mut existing = a.raw();
    assert_eq!(initialize(&mut existing).await.status, 200);

    redis.stop();
    let started = Instant::now();
    let mut fresh = a.raw();
    let reply = initialize(&mut fresh).await;
    assert_eq!(
        reply.status, 503,
        "no session that is not stored: {:?}",
        reply.body
    );
    assert!(fresh.session.is_none());
    let reply = get_item(&existing).await;
    assert_eq!(
        reply.status, 503,
        "never a 404 for a session that exists: {:?}",
        reply.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    redis.resume();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut again = a.raw();
        if initialize(&mut again).await.status == 200 {
            assert_eq!(get_item(&again).await.status, 200);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sessions did not come back within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_catalog_change_on_one_replica_reaches_every_replica() {
    let redis = RedisServer::start();
    let (a, mcp_a) = replica_with_catalog(&redis).await;
    let (b, _) = replica_with_catalog(&redis).await;
    let listed = async |server: &TestServer| stateless::tool_names(server, &[]).await;
    assert!(listed(&b).await.contains(&"stats".to_owned()));
    // (Subscriptions are set up asynchronously: give them a moment.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(mcp_a.catalog().disable_tool("stats"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while listed(&b).await.contains(&"stats".to_owned()) {
        assert!(Instant::now() < deadline, "replica B still lists `stats`");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!listed(&a).await.contains(&"stats".to_owned()));
    assert!(mcp_a.catalog().enable_tool("stats"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !listed(&b).await.contains(&"stats".to_owned()) {
        assert!(
            Instant::now() < deadline,
            "replica B did not list `stats` again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_tool_rate_limit_counts_calls_on_every_replica() {
    let mut redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let stats = async |server: &TestServer| {
        let mut params = json!({"name": "stats", "arguments": {}});
        params["_meta"] = stateless::meta(json!({}));
        stateless::send(server, "tools/call", params, &[]).await
    };
    // Two a minute in all: two on A, then B refuses the third.
    assert_eq!(stats(&a).await.status, 200);
    assert_eq!(stats(&a).await.status, 200);
    let refused = stats(&b).await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert!(refused.header("retry-after").is_some());
    // Redis down: the call is not counted, so it is not made: a tool error.
    redis.stop();
    let down = stats(&b).await;
    assert_eq!(down.status, 200, "{:?}", down.body);
    assert_eq!(down.body["result"]["isError"], true, "{:?}", down.body);
}
