//! Several replicas on one Redis (feature `redis`): a session started on
//! one replica is served by another, ended on either; a task created on one
//! is read on another; an answer, a cancellation or a resource update sent
//! to one replica reaches the replica it concerns; Redis down is a 503
//! (never an unknown session, never a session that is not stored), and
//! sessions work again once it returns.
//!
//! Ignored by default (they need `redis-server`, which `scripts/peers redis`
//! unpacks once); the README's test command runs them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mcp_examples::items::Confirmation;
use mcp_runtime::config::RateLimit;
use mcp_runtime::store::redis::{Redis, RedisSessionStore};
use mcp_runtime::{Elicitation, LogLevel, McpContext, McpServer, mcp_resource, mcp_tool};
use mcp_tests::redis::RedisServer;
use mcp_tests::{EventReader, Raw, Reply, TestServer, stateless};
use serde_json::{Value, json};

const SECRET: &[u8] = b"one secret for every replica";

/// Counts slowly: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[actix_web::post("/count")]
async fn slow_count() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    "counted"
}

/// Purges after asking: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[actix_web::post("/purge")]
async fn purge(ctx: McpContext) -> &'static str {
    match ctx.elicit::<Confirmation>("Purge?").await {
        Ok(Elicitation::Accept(Confirmation { confirm: true })) => "purged",
        _ => "kept",
    }
}

/// Set when `mark_later` finishes.
static MARKED: AtomicBool = AtomicBool::new(false);

/// Marks after a second: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[actix_web::post("/mark")]
async fn mark_later() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    MARKED.store(true, Ordering::SeqCst);
    "marked"
}

/// Runs for a minute: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[actix_web::post("/stall")]
async fn stall() -> &'static str {
    actix_web::rt::time::sleep(Duration::from_secs(60)).await;
    "done"
}

/// Logs at `info` on its way to the answer.
#[mcp_tool]
#[actix_web::post("/chatty")]
async fn chatty(ctx: McpContext) -> &'static str {
    ctx.log(LogLevel::Info, "working").await;
    "said"
}

/// What the replicas report about themselves.
#[mcp_resource(uri = "replicas://status")]
#[actix_web::get("/replicas/status")]
async fn status() -> &'static str {
    "serving"
}

/// A replica of the items example on `redis`.
async fn replica(redis: &RedisServer) -> TestServer {
    replica_with_catalog(redis).await.0
}

/// A replica, and its server for catalog changes (shared with the others).
async fn replica_with_catalog(redis: &RedisServer) -> (TestServer, McpServer) {
    replica_with(redis, |sessions| sessions).await
}

/// A replica whose session store is configured by `sessions`.
async fn replica_with(
    redis: &RedisServer,
    sessions: impl FnOnce(RedisSessionStore) -> RedisSessionStore,
) -> (TestServer, McpServer) {
    let store = Redis::connect(&redis.url(), "items-tests")
        .await
        .expect("redis connects");
    let mcp: McpServer = mcp_tests::registry()
        .session_store(sessions(store.sessions(Duration::from_secs(600))))
        // A short lease, so a replica's end shows soon.
        .task_store(
            store
                .tasks(Duration::from_secs(600))
                .lease(Duration::from_secs(2)),
        )
        .request_state_key(SECRET)
        .rate_limit_tool("stats", RateLimit::per_minute(2))
        .rate_limit_store(store.rate_limits())
        .event_store(store.events(256, 1 << 20, Duration::from_secs(60)))
        .build()
        .expect("builds");
    mcp.share(&store);
    let db = mcp_examples::items::Db::seeded();
    let server = TestServer::with_mcp(mcp.clone(), move |cfg| {
        cfg.app_data(db.clone())
            .configure(mcp_examples::items::routes)
            .service(slow_count)
            .service(purge)
            .service(mark_later)
            .service(stall)
            .service(chatty)
            .service(status);
    });
    (server, mcp)
}

const BEARER: &str = "Bearer demo-token";

async fn initialize(raw: &mut Raw) -> Reply {
    initialize_with(raw, json!({})).await
}

async fn initialize_with(raw: &mut Raw, capabilities: Value) -> Reply {
    initialize_as(raw, capabilities, BEARER).await
}

async fn initialize_as(raw: &mut Raw, capabilities: Value, authorization: &str) -> Reply {
    let reply = raw
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": capabilities,
                "clientInfo": {"name": "t", "version": "0"}}})
            .to_string(),
            &[("authorization", authorization)],
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

/// A replica whose sessions are cached for a minute.
async fn cached_replica(redis: &RedisServer) -> TestServer {
    replica_with(redis, |sessions| sessions.cached(Duration::from_secs(60)))
        .await
        .0
}

/// Waits until `raw`'s calls are answered from its replica's cache: a call
/// that runs no script on `redis`.
async fn until_cached(redis: &RedisServer, raw: &Raw) {
    eventually(5, "the session is cached", async || {
        assert_eq!(get_item(raw).await.status, 200);
        let before = redis.scripts_run();
        assert_eq!(get_item(raw).await.status, 200);
        redis.scripts_run() == before
    })
    .await;
}

/// Two cached replicas, and a session started on the first and cached on
/// the second.
async fn cached_pair(redis: &RedisServer) -> (TestServer, TestServer, Raw, Raw) {
    let (a, b) = (cached_replica(redis).await, cached_replica(redis).await);
    let (on_a, on_b) = one_session_on_two(&a, &b).await;
    until_cached(redis, &on_b).await;
    (a, b, on_a, on_b)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_cached_session_costs_no_round_trip_and_its_end_reaches_every_cache() {
    let redis = RedisServer::start();
    let (_a, _b, on_a, on_b) = cached_pair(&redis).await;
    let before = redis.scripts_run();
    for _ in 0..5 {
        assert_eq!(get_item(&on_b).await.status, 200);
    }
    assert_eq!(redis.scripts_run(), before, "five calls, no round trip");

    // Ended on A: B hears of it, long before its cached minute is up.
    let ended = on_a
        .request(reqwest::Method::DELETE, &[("authorization", BEARER)])
        .await;
    assert_eq!(ended.status, 200);
    eventually(2, "B forgets the ended session", async || {
        get_item(&on_b).await.status == 404
    })
    .await;
    assert_eq!(get_item(&on_b).await.status, 404, "and stays ended");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_log_level_set_on_one_replica_reaches_every_cache() {
    let redis = RedisServer::start();
    let (_a, _b, on_a, on_b) = cached_pair(&redis).await;
    let call_chatty = async |raw: &Raw| {
        let reply = raw
            .post_bytes(
                json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": {"name": "chatty", "arguments": {}}})
                .to_string(),
                &[("authorization", BEARER)],
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.header("content-type").map(str::to_owned)
    };
    // Every level: the log message streams before the result.
    assert_eq!(
        call_chatty(&on_b).await.as_deref(),
        Some("text/event-stream")
    );

    let set = on_a
        .post_bytes(
            json!({"jsonrpc": "2.0", "id": 3, "method": "logging/setLevel",
                   "params": {"level": "error"}})
            .to_string(),
            &[("authorization", BEARER)],
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    // B hears of it, long before its cached minute is up: the info message
    // is dropped, and the result comes alone, as JSON.
    eventually(2, "B uses the level set on A", async || {
        call_chatty(&on_b).await.as_deref() == Some("application/json")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_cached_replica_cut_off_from_redis_serves_nothing_from_its_cache() {
    let mut redis = RedisServer::start();
    let a = cached_replica(&redis).await;
    let mut raw = a.raw();
    assert_eq!(initialize(&mut raw).await.status, 200);
    until_cached(&redis, &raw).await;

    redis.stop();
    eventually(
        10,
        "the outage is a 503, not the cached session",
        async || get_item(&raw).await.status == 503,
    )
    .await;

    redis.resume();
    let mut again = a.raw();
    eventually(10, "sessions come back", async || {
        initialize(&mut again).await.status == 200
    })
    .await;
    assert_eq!(get_item(&again).await.status, 200);
    // Redis came back empty: what was cached before is not served.
    assert_eq!(get_item(&raw).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_task_created_on_one_replica_is_read_on_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let created = tasks(
        &a,
        "tools/call",
        json!({"name": "slow_count", "arguments": {}}),
    )
    .await;
    // The Redis store's TTL is the one advertised.
    assert_eq!(
        created.body["result"]["ttlMs"], 600_000,
        "{:?}",
        created.body
    );
    let id = created.task_id();
    // Polled on B while A runs it: B reads what A stores.
    let task = settled(&b, &id).await;
    assert_eq!(task["taskId"], id.as_str(), "{task}");
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["result"]["content"][0]["text"], "counted");
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
    assert!(reply.header("retry-after").is_some(), "when to try again");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    redis.resume();
    let mut again = a.raw();
    eventually(10, "sessions come back", async || {
        initialize(&mut again).await.status == 200
    })
    .await;
    assert_eq!(get_item(&again).await.status, 200);
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
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(mcp_a.catalog().disable_tool("stats"));
    let lists_stats =
        async |server: &TestServer| listed(server).await.contains(&"stats".to_owned());
    eventually(5, "replica B drops `stats`", async || {
        !lists_stats(&b).await
    })
    .await;
    assert!(!lists_stats(&a).await);
    // A replica that starts later finds it off too.
    let (c, _) = replica_with_catalog(&redis).await;
    eventually(5, "a later replica drops `stats`", async || {
        !lists_stats(&c).await
    })
    .await;
    assert!(mcp_a.catalog().enable_tool("stats"));
    eventually(5, "replica B lists `stats` again", async || {
        lists_stats(&b).await
    })
    .await;
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

/// Waits until `done` says so, asking every 50 ms; panics after `secs`
/// seconds, saying what did not happen.
async fn eventually(secs: u64, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The session of `raw` (authorized) GETs its stream from `server`: the
/// standalone one, or with `last_event_id` the rest of a dropped one.
async fn get_stream(
    raw: &Raw,
    server: &TestServer,
    last_event_id: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .get(server.mcp_url())
        .header("accept", "text/event-stream")
        .header("mcp-session-id", raw.session.clone().unwrap())
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", BEARER);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

/// A session initialized on `a`, and the same session on `b`.
async fn one_session_on_two(a: &TestServer, b: &TestServer) -> (Raw, Raw) {
    let mut on_a = a.raw();
    assert_eq!(initialize(&mut on_a).await.status, 200);
    let on_b = same_session(&on_a, b);
    (on_a, on_b)
}

/// The same session on `other`.
fn same_session(raw: &Raw, other: &TestServer) -> Raw {
    let mut on_other = other.raw();
    on_other.session = raw.session.clone();
    on_other.version = raw.version.clone();
    on_other
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn an_answer_sent_to_another_replica_reaches_the_call_that_asked() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let mut on_a = a.raw();
    let reply = initialize_with(&mut on_a, json!({"elicitation": {}})).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let on_b = same_session(&on_a, &b);
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    let call = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                      "params": {"name": "clear_tags", "arguments": {}}});
    let mut events = on_a.post_stream(call, &[("authorization", BEARER)]).await;
    let question = events.next_message().await.expect("a question");
    assert_eq!(question["method"], "elicitation/create", "{question}");
    let answer = json!({"jsonrpc": "2.0", "id": question["id"],
                        "result": {"action": "accept", "content": {"confirm": true}}});
    let accepted = on_b
        .post_bytes(answer.to_string(), &[("authorization", BEARER)])
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let result = events.next_message().await.expect("the call's result");
    assert_eq!(result["id"], 7, "{result}");
    let text = result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("cleared the tags"), "{result}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_cancellation_sent_to_another_replica_stops_the_call() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let (on_a, on_b) = one_session_on_two(&a, &b).await;
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    // Three steps of 0.8 s, each reported first.
    let call = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                      "params": {"name": "reindex", "arguments": {},
                                 "_meta": {"progressToken": "p"}}});
    let mut events = on_a.post_stream(call, &[("authorization", BEARER)]).await;
    let progress = events.next_message().await.expect("progress");
    assert_eq!(progress["method"], "notifications/progress", "{progress}");
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": 8, "reason": "changed my mind"}});
    let accepted = on_b
        .post_bytes(cancel.to_string(), &[("authorization", BEARER)])
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    // The call stops: no further progress, no result.
    let rest = events.next_message().await;
    assert!(rest.is_none(), "the call went on: {rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_resource_update_reaches_its_subscriber_on_another_replica() {
    let redis = RedisServer::start();
    let (a, _) = replica_with_catalog(&redis).await;
    let (b, _) = replica_with_catalog(&redis).await;
    let (_c, mcp_c) = replica_with_catalog(&redis).await;
    // Subscribed through A, listening on B, changed on C.
    let mut on_a = a.raw();
    assert_eq!(initialize(&mut on_a).await.status, 200);
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                           "params": {"uri": "replicas://status"}});
    let subscribed = on_a
        .post_bytes(subscribe.to_string(), &[("authorization", BEARER)])
        .await;
    assert_eq!(
        subscribed.body["result"],
        json!({}),
        "{:?}",
        subscribed.body
    );
    let mut events = EventReader::new(get_stream(&on_a, &b, None).await);
    assert_eq!(events.next().await.expect("priming").data, "");
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    assert_eq!(
        mcp_c.notifier().resource_updated("replicas://status").await,
        0,
        "nobody on C"
    );
    let updated = events.next_message().await.expect("an update");
    assert_eq!(
        updated["method"], "notifications/resources/updated",
        "{updated}"
    );
    assert_eq!(updated["params"]["uri"], "replicas://status");
}

/// A tasks-extension request from a client that opted in to tasks and
/// elicitation.
async fn tasks(server: &TestServer, method: &str, mut params: Value) -> Reply {
    params["_meta"] = stateless::meta(
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}, "elicitation": {}}),
    );
    let task = params["taskId"].as_str().map(str::to_owned);
    let headers: Vec<(&str, &str)> = task.iter().map(|t| ("mcp-name", t.as_str())).collect();
    stateless::send(server, method, params, &headers).await
}

/// The task once it is no longer `working`, read through `server`.
async fn settled(server: &TestServer, id: &str) -> Value {
    let mut task = Value::Null;
    eventually(5, "the task settles", async || {
        task = tasks(server, "tasks/get", json!({"taskId": id})).await.body["result"].clone();
        task["status"] != "working"
    })
    .await;
    task
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_task_on_one_replica_is_answered_and_cancelled_through_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    let created = tasks(&a, "tools/call", json!({"name": "purge", "arguments": {}})).await;
    let id = created.task_id();
    let asking = settled(&b, &id).await;
    assert_eq!(asking["status"], "input_required", "{asking}");
    let key = mcp_tests::first_question(&asking);
    let answers = json!({ key: {"action": "accept", "content": {"confirm": true}} });
    let ack = tasks(
        &b,
        "tasks/update",
        json!({"taskId": id, "inputResponses": answers}),
    )
    .await;
    assert_eq!(
        ack.body["result"],
        json!({"resultType": "complete"}),
        "{:?}",
        ack.body
    );
    let done = settled(&b, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "purged");

    let created = tasks(
        &a,
        "tools/call",
        json!({"name": "mark_later", "arguments": {}}),
    )
    .await;
    let id = created.task_id();
    let ack = tasks(&b, "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(
        ack.body["result"],
        json!({"resultType": "complete"}),
        "{:?}",
        ack.body
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !MARKED.load(Ordering::SeqCst),
        "the handler ran on after tasks/cancel"
    );
    assert_eq!(settled(&a, &id).await["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_stream_dropped_on_one_replica_is_resumed_on_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let mut on_a = a.raw();
    assert_eq!(initialize(&mut on_a).await.status, 200);
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    let call = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                      "params": {"name": "reindex", "arguments": {},
                                 "_meta": {"progressToken": "p"}}});
    let mut events = on_a.post_stream(call, &[("authorization", BEARER)]).await;
    let (first, last) = events.until_message().await;
    drop(events); // the connection drops after the first progress

    let resumed = EventReader::new(get_stream(&on_a, &b, Some(&last)).await);
    let mut seen = vec![first];
    seen.extend(resumed.remaining_messages().await);
    mcp_tests::assert_whole_reindex(&seen, 9);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn session_bounds_are_counted_across_replicas() {
    let redis = RedisServer::start();
    let bounded = |sessions: RedisSessionStore| sessions.capacity(3).per_client(2);
    let (a, _) = replica_with(&redis, bounded).await;
    let (b, _) = replica_with(&redis, bounded).await;
    let start = async |server: &TestServer, token: &str| {
        let mut raw = server.raw();
        let reply = initialize_as(&mut raw, json!({}), &format!("Bearer {token}")).await;
        (reply, raw)
    };
    // One client: two sessions on A, the third (on B) is over its share.
    let (first, mut first_raw) = start(&a, "one").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(start(&a, "one").await.0.status, 200);
    let over = start(&b, "one").await.0;
    assert_eq!(over.status, 429, "{:?}", over.body);
    assert!(over.header("retry-after").is_some());
    // Ended on A, its place is free on B.
    first_raw.session = first.header("mcp-session-id").map(str::to_owned);
    let ended = first_raw
        .request(reqwest::Method::DELETE, &[("authorization", "Bearer one")])
        .await;
    assert_eq!(ended.status, 200);
    assert_eq!(start(&b, "one").await.0.status, 200);
    // Three in all: another client's first on B fills the store, the next is refused.
    assert_eq!(start(&b, "two").await.0.status, 200);
    let full = start(&a, "three").await.0;
    assert_eq!(full.status, 503, "{:?}", full.body);
    assert!(full.header("retry-after").is_some());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_task_whose_replica_stopped_fails() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let created = tasks(&a, "tools/call", json!({"name": "stall", "arguments": {}})).await;
    let id = created.task_id();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let running = tasks(&b, "tasks/get", json!({"taskId": id})).await;
    assert_eq!(
        running.body["result"]["status"], "working",
        "leased while A runs it"
    );
    drop(a); // the replica stops, its task with it
    tokio::time::sleep(Duration::from_millis(3000)).await; // its lease lapses
    let task = settled(&b, &id).await;
    assert_eq!(task["status"], "failed", "{task}");
    let message = task["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("stopped before it finished"), "{task}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_session_deleted_on_one_replica_ends_its_stream_on_another() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let mut on_a = a.raw();
    assert_eq!(initialize(&mut on_a).await.status, 200);
    let mut events = EventReader::new(get_stream(&on_a, &a, None).await);
    assert_eq!(events.next().await.expect("priming").data, "");
    tokio::time::sleep(Duration::from_millis(1000)).await; // subscriptions start

    let on_b = same_session(&on_a, &b);
    let ended = on_b
        .request(reqwest::Method::DELETE, &[("authorization", BEARER)])
        .await;
    assert_eq!(ended.status, 200);
    assert_eq!(events.next_message().await, None, "A's stream ends");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn a_stream_whose_replica_stopped_is_replayed_from_redis() {
    let redis = RedisServer::start();
    let (a, b) = (replica(&redis).await, replica(&redis).await);
    let mut on_a = a.raw();
    assert_eq!(initialize(&mut on_a).await.status, 200);
    let call = json!({"jsonrpc": "2.0", "id": 12, "method": "tools/call",
                      "params": {"name": "reindex", "arguments": {},
                                 "_meta": {"progressToken": "p"}}});
    let mut events = on_a.post_stream(call, &[("authorization", BEARER)]).await;
    let (first, last) = events.until_message().await;
    drop(events);
    // The call (three steps of 0.8 s) finishes on A with nobody reading;
    // then A stops.
    tokio::time::sleep(Duration::from_millis(4000)).await;
    drop(a);
    // Another session cannot read it.
    let mut other = b.raw();
    assert_eq!(initialize(&mut other).await.status, 200);
    let refused = reqwest::Client::new()
        .get(b.mcp_url())
        .header("accept", "text/event-stream")
        .header("mcp-session-id", other.session.clone().unwrap())
        .header("mcp-protocol-version", "2025-11-25")
        .header("authorization", BEARER)
        .header("last-event-id", &last)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    let replayed = EventReader::new(get_stream(&on_a, &b, Some(&last)).await);
    let mut seen = vec![first];
    seen.extend(replayed.remaining_messages().await);
    mcp_tests::assert_whole_reindex(&seen, 12);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server: scripts/peers redis"]
async fn the_redis_task_store_tells_its_ttl_and_forgets_a_removed_task() {
    use mcp_runtime::store::TaskStore as _;
    use rmcp::model::{DetailedTask, Task, TaskPayload, TaskStatus};
    let redis = RedisServer::start();
    let store = Redis::connect(&redis.url(), "items-tests")
        .await
        .expect("redis connects")
        .tasks(Duration::from_secs(90));
    assert_eq!(store.ttl(), Duration::from_secs(90));
    let at = "2026-07-28T12:00:00.000Z".to_owned();
    let task = Task::new("t1".to_owned(), TaskStatus::Working, at.clone(), at);
    store
        .create(DetailedTask::new(task, TaskPayload::Working))
        .await
        .expect("stored");
    assert!(store.get("t1").await.expect("read").is_some());
    store.remove("t1").await.expect("removed");
    assert!(store.get("t1").await.expect("read").is_none());
}
