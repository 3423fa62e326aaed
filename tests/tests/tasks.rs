//! Long-running calls as tasks (the 2026-07-28 `io.modelcontextprotocol/tasks`
//! extension): a task-capable tool called by a client that opted in answers
//! a `CreateTaskResult` at once and runs on in the background, through the
//! app like any call; `tasks/get` shows its status and, inline, its result,
//! error or questions; `tasks/update` answers questions; `tasks/cancel`
//! stops it. (The official suite's `tasks-*` scenarios run in
//! `scripts/interop` against the conformance fixture.)

use std::time::Duration;

use actix_web::{App, HttpResponse, post, web};
use mcp_examples::items::DEMO_TOKEN;
use mcp_runtime::store::InMemoryTaskStore;
use mcp_runtime::{Elicitation, McpContext, Sample, mcp_tool};
use mcp_tests::{Reply, TestServer, stateless};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// How long the report takes.
#[derive(Deserialize, JsonSchema)]
struct Report {
    /// Milliseconds.
    millis: u64,
}

/// What a report found.
#[derive(Serialize, JsonSchema)]
struct Summary {
    /// How many rows.
    rows: u32,
}

/// Builds a report, slowly: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[post("/reports")]
async fn build_report(report: web::Json<Report>) -> web::Json<Summary> {
    actix_web::rt::time::sleep(Duration::from_millis(report.millis)).await;
    web::Json(Summary { rows: 42 })
}

/// Re-indexes everything: only ever a task.
#[mcp_tool(task = "required")]
#[post("/reindex-all")]
async fn reindex_all() -> &'static str {
    "reindexed"
}

/// A yes or no.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Confirmation {
    /// Whether to go ahead.
    confirm: bool,
}

/// Purges the archive, after asking.
#[mcp_tool(task = "optional")]
#[post("/purge")]
async fn purge(ctx: McpContext) -> HttpResponse {
    match ctx.elicit::<Confirmation>("Purge the archive?").await {
        Ok(Elicitation::Accept(Confirmation { confirm: true })) => {
            HttpResponse::Ok().body("purged")
        }
        Ok(_) => HttpResponse::Ok().body("kept"),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

/// Exports the catalog (protected): authenticated before the task starts.
#[mcp_tool(task = "optional", requires_auth)]
#[post("/export")]
async fn export(_user: mcp_examples::items::AuthUser) -> &'static str {
    "exported"
}

/// How far each export has got: the app's own long-running operations.
#[derive(Default)]
struct Exports(std::sync::Mutex<Vec<u32>>);

/// What to export.
#[derive(Deserialize, JsonSchema)]
struct ExportRequest {
    /// `fail` makes the export fail.
    #[serde(default)]
    fail: bool,
    /// Name the status route in `Operation-Location` (Azure's spelling)
    /// instead of `Location`.
    #[serde(default)]
    operation: bool,
}

/// Exports the catalog, the REST way: `202 Accepted` and where to ask.
#[mcp_tool(task = "optional")]
#[post("/exports")]
async fn start_export(
    request: web::Json<ExportRequest>,
    exports: web::Data<Exports>,
) -> HttpResponse {
    let mut exports = exports.0.lock().unwrap_or_else(|p| p.into_inner());
    exports.push(if request.fail { 100 } else { 0 });
    let id = exports.len() - 1;
    let header = if request.operation {
        "operation-location"
    } else {
        "location"
    };
    HttpResponse::Accepted()
        .insert_header((header, format!("/exports/{id}/status")))
        .insert_header(("retry-after", "0.1"))
        .json(json!({"status": "notStarted"}))
}

/// An export's status: running twice, then done (or failed).
#[actix_web::get("/exports/{id}/status")]
async fn export_status(id: web::Path<usize>, exports: web::Data<Exports>) -> HttpResponse {
    let mut exports = exports.0.lock().unwrap_or_else(|p| p.into_inner());
    let Some(polls) = exports.get_mut(*id) else {
        return HttpResponse::NotFound().finish();
    };
    *polls += 1;
    match *polls {
        1 | 2 => HttpResponse::Ok().json(json!({"status": "running"})),
        n if n > 100 => HttpResponse::Ok().json(json!({"status": "failed", "error": "disk full"})),
        _ => HttpResponse::Ok().json(json!({
            "status": "succeeded",
            "resourceLocation": format!("/exports/{id}/file")
        })),
    }
}

/// The exported file.
#[actix_web::get("/exports/{id}/file")]
async fn export_file(id: web::Path<usize>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"export": *id, "items": 3}))
}

/// Rebuilds the archive: confirms in its request, then runs on as a task.
#[mcp_tool(task = "deferred")]
#[post("/rebuild")]
async fn rebuild(ctx: McpContext) -> HttpResponse {
    match ctx.elicit::<Confirmation>("Rebuild the archive?").await {
        Ok(Elicitation::Accept(Confirmation { confirm: true })) => {
            ctx.detach();
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            HttpResponse::Ok().body("rebuilt")
        }
        Ok(_) => HttpResponse::Ok().body("not rebuilt"),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

/// Crunches numbers, saying how far it got.
#[mcp_tool(task = "optional")]
#[post("/crunch")]
async fn crunch(ctx: McpContext) -> &'static str {
    ctx.progress(1.0, Some(2.0), Some("halfway")).await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    "crunched"
}

/// Asks the client's model, then for its roots.
#[mcp_tool(task = "optional")]
#[post("/survey")]
async fn survey(ctx: McpContext) -> String {
    let topic = match ctx
        .sample(Sample::user("Pick a topic").temperature(0.2))
        .await
    {
        Ok(answer) => answer.text(),
        Err(e) => return format!("no topic: {e}"),
    };
    match ctx.list_roots().await {
        Ok(roots) => format!("{topic} in {} roots", roots.len()),
        Err(e) => format!("no roots: {e}"),
    }
}

/// The labels of the `watch` tasks whose work saw them cancelled.
static WATCHES_STOPPED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Which watch.
#[derive(Deserialize, JsonSchema)]
struct Watch {
    label: String,
}

/// Watches until cancelled.
#[mcp_tool(task = "optional")]
#[post("/watch")]
async fn watch(ctx: McpContext, which: web::Json<Watch>) -> &'static str {
    let token = ctx.cancellation_token();
    let label = which.into_inner().label;
    // Work of its own (a thread outliving the worker): it stops only
    // through the token.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        runtime.expect("a runtime").block_on(token.cancelled());
        WATCHES_STOPPED.lock().unwrap().push(label);
    });
    std::future::pending::<()>().await;
    "never"
}

/// Whether the `watch` labelled `label` stopped within 2 s.
async fn watch_stopped(label: &str) -> bool {
    for _ in 0..100 {
        if WATCHES_STOPPED.lock().unwrap().iter().any(|l| l == label) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    let db = mcp_examples::items::Db::seeded();
    let exports = web::Data::new(Exports::default());
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .app_data(db.clone())
                .app_data(exports.clone())
                .service(start_export)
                .service(export_status)
                .service(export_file)
                .configure(mcp_examples::items::routes)
                .service(build_report)
                .service(reindex_all)
                .service(purge)
                .service(export)
                .service(rebuild)
                .service(crunch)
                .service(survey)
                .service(mcp.scope("/mcp")),
        )
    })
}

/// Capabilities that opt in to tasks (and elicitation).
fn opted_in() -> Value {
    json!({"extensions": {"io.modelcontextprotocol/tasks": {}}, "elicitation": {}})
}

async fn send(server: &TestServer, method: &str, params: Value, caps: Value) -> Reply {
    let mut params = params;
    params["_meta"] = stateless::meta(caps);
    let task = params
        .get("taskId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let headers: Vec<(&str, &str)> = task.iter().map(|t| ("mcp-name", t.as_str())).collect();
    stateless::send(server, method, params, &headers).await
}

/// A server of `mcp` with the `build_report` route only.
fn report_server(mcp: mcp_runtime::McpServer) -> TestServer {
    TestServer::with_mcp(mcp, |cfg| {
        cfg.service(build_report);
    })
}

/// `build_report` called as a task (the client opted in) that takes `millis`.
async fn report(server: &TestServer, millis: u64) -> Reply {
    let call = json!({"name": "build_report", "arguments": {"millis": millis}});
    send(server, "tools/call", call, opted_in()).await
}

async fn get(server: &TestServer, task: &str) -> Value {
    let reply = send(server, "tasks/get", json!({"taskId": task}), opted_in()).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body["result"].clone()
}

/// Polls until the task leaves `working` (or 5 s pass).
async fn settled(server: &TestServer, task: &str) -> Value {
    for _ in 0..100 {
        let got = get(server, task).await;
        if got["status"] != "working" {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("task {task} still working after 5 s");
}

#[tokio::test]
async fn a_call_becomes_a_task_the_client_polls() {
    let server = server();
    let discover = stateless::send(&server, "server/discover", json!({}), &[]).await;
    let capabilities = &discover.body["result"]["capabilities"];
    assert_eq!(
        capabilities["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    // The extension, never the handshake era's `capabilities.tasks`.
    assert!(capabilities.get("tasks").is_none(), "{capabilities}");

    let created = report(&server, 300).await;
    let task = &created.body["result"];
    assert_eq!(task["resultType"], "task", "{task}");
    assert_eq!(task["status"], "working");
    // The default store's TTL: an hour.
    assert_eq!(task["ttlMs"], 3_600_000, "{task}");
    let id = task["taskId"].as_str().expect("taskId").to_owned();

    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["result"]["structuredContent"], json!({"rows": 42}));

    // A client that did not opt in gets the answer in its request.
    let sync = send(
        &server,
        "tools/call",
        json!({"name": "build_report", "arguments": {"millis": 1}}),
        json!({}),
    )
    .await;
    assert_eq!(
        sync.body["result"]["structuredContent"],
        json!({"rows": 42})
    );
    assert!(sync.body["result"].get("taskId").is_none());
}

#[tokio::test]
async fn tasks_are_refused_to_clients_that_did_not_opt_in() {
    let server = server();
    let reply = send(
        &server,
        "tools/call",
        json!({"name": "reindex_all"}),
        json!({}),
    )
    .await;
    assert_eq!(reply.error_code(), Some(-32021), "{:?}", reply.body);
    assert_eq!(
        reply.body["error"]["data"]["requiredCapabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    let reply = send(&server, "tasks/get", json!({"taskId": "x"}), json!({})).await;
    assert_eq!(reply.error_code(), Some(-32021));
    let reply = send(&server, "tasks/get", json!({"taskId": "nope"}), opted_in()).await;
    assert_eq!(reply.error_code(), Some(-32602));
    for removed in ["tasks/result", "tasks/list"] {
        let reply = send(&server, removed, json!({}), opted_in()).await;
        assert_eq!(reply.error_code(), Some(-32601), "{removed}");
    }
}

#[tokio::test]
async fn a_cancelled_task_stays_cancelled() {
    let server = server();
    let created = report(&server, 60_000).await;
    let id = created.task_id();
    for _ in 0..2 {
        let ack = send(&server, "tasks/cancel", json!({"taskId": id}), opted_in()).await;
        assert_eq!(
            ack.body["result"],
            json!({"resultType": "complete"}),
            "idempotent"
        );
    }
    assert_eq!(get(&server, &id).await["status"], "cancelled");
}

#[tokio::test]
async fn a_task_asks_its_questions_through_tasks_get() {
    let server = server();
    let created = send(&server, "tools/call", json!({"name": "purge"}), opted_in()).await;
    let id = created.task_id();
    let asking = settled(&server, &id).await;
    assert_eq!(asking["status"], "input_required", "{asking}");
    let (key, request) = asking["inputRequests"]
        .as_object()
        .and_then(|r| r.iter().next())
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("a question");
    assert_eq!(request["method"], "elicitation/create");
    assert_eq!(request["params"]["message"], "Purge the archive?");

    let answers = json!({ key: {"action": "accept", "content": {"confirm": true}} });
    let ack = send(
        &server,
        "tasks/update",
        json!({"taskId": id, "inputResponses": answers}),
        opted_in(),
    )
    .await;
    assert_eq!(ack.body["result"], json!({"resultType": "complete"}));
    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "purged");
}

#[tokio::test]
async fn a_protected_task_is_authenticated_before_it_starts() {
    let server = server();
    let reply = send(&server, "tools/call", json!({"name": "export"}), opted_in()).await;
    assert_eq!(reply.status, 401, "{:?}", reply.body);
    let bearer = format!("Bearer {DEMO_TOKEN}");
    let mut params = json!({"name": "export"});
    params["_meta"] = stateless::meta(opted_in());
    let reply = stateless::send(&server, "tools/call", params, &[("authorization", &bearer)]).await;
    let id = reply.task_id();
    // The task's own request carries the caller's credentials too.
    let mut params = json!({"taskId": id});
    params["_meta"] = stateless::meta(opted_in());
    let headers = [
        ("authorization", bearer.as_str()),
        ("mcp-name", id.as_str()),
    ];
    for _ in 0..100 {
        let got = stateless::send(&server, "tasks/get", params.clone(), &headers).await;
        if got.body["result"]["status"] == "completed" {
            assert_eq!(
                got.body["result"]["result"]["content"][0]["text"],
                "exported"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the export did not complete");
}

#[tokio::test]
async fn a_rest_long_running_operation_is_followed_as_a_task() {
    let server = server();
    let created = send(
        &server,
        "tools/call",
        json!({"name": "start_export", "arguments": {}}),
        opted_in(),
    )
    .await;
    let id = created.task_id();
    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let text = done["result"]["content"][0]["text"].as_str().expect("text");
    assert!(text.contains(r#""items":3"#), "the exported file: {text}");

    // A failed operation is a tool error with what the status said.
    let created = send(
        &server,
        "tools/call",
        json!({"name": "start_export", "arguments": {"fail": true}}),
        opted_in(),
    )
    .await;
    let id = created.task_id();
    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["isError"], true, "{done}");
    assert!(
        done["result"]["content"].to_string().contains("disk full"),
        "{done}"
    );

    // `Operation-Location` is followed as `Location` is.
    let created = send(
        &server,
        "tools/call",
        json!({"name": "start_export", "arguments": {"operation": true}}),
        opted_in(),
    )
    .await;
    let id = created.task_id();
    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let text = done["result"]["content"][0]["text"].as_str().expect("text");
    assert!(text.contains(r#""items":3"#), "the exported file: {text}");

    // Without a task, the 202 is the answer, as on REST.
    let sync = send(
        &server,
        "tools/call",
        json!({"name": "start_export", "arguments": {}}),
        json!({}),
    )
    .await;
    assert!(
        sync.body["result"].to_string().contains("notStarted"),
        "{:?}",
        sync.body
    );
}

#[tokio::test]
async fn a_deferred_task_asks_in_its_request_then_detaches() {
    let server = server();
    // Round 1: an ordinary multi-round answer, no task yet.
    let round1 = send(
        &server,
        "tools/call",
        json!({"name": "rebuild"}),
        opted_in(),
    )
    .await;
    let result = &round1.body["result"];
    assert_eq!(result["resultType"], "input_required", "{result}");
    assert!(result.get("taskId").is_none());
    let key = mcp_tests::first_question(result);
    // Round 2: answered; the handler detaches and the client gets a task.
    let answers = json!({ key.clone(): {"action": "accept", "content": {"confirm": true}} });
    let mut params = json!({"name": "rebuild", "inputResponses": answers});
    if let Some(state) = result.get("requestState") {
        params["requestState"] = state.clone();
    }
    let round2 = send(&server, "tools/call", params, opted_in()).await;
    let task = &round2.body["result"];
    assert_eq!(task["resultType"], "task", "{task}");
    assert!(task.get("requestState").is_none() && task.get("inputRequests").is_none());
    let id = task["taskId"].as_str().expect("taskId").to_owned();
    let done = settled(&server, &id).await;
    assert_eq!(done["result"]["content"][0]["text"], "rebuilt", "{done}");

    // Declined in its request: answered there, never a task.
    let answers = json!({ key: {"action": "decline"} });
    let mut params = json!({"name": "rebuild", "inputResponses": answers});
    if let Some(state) = result.get("requestState") {
        params["requestState"] = state.clone();
    }
    let declined = send(&server, "tools/call", params, opted_in()).await;
    assert_eq!(declined.body["result"]["content"][0]["text"], "not rebuilt");
    assert!(declined.body["result"].get("taskId").is_none());
}

#[tokio::test]
async fn progress_is_the_tasks_status_message() {
    let server = server();
    let created = send(&server, "tools/call", json!({"name": "crunch"}), opted_in()).await;
    let id = created.task_id();
    let mut seen = None;
    for _ in 0..20 {
        let task = get(&server, &id).await;
        if let Some(message) = task["statusMessage"].as_str() {
            seen = Some(message.to_owned());
            assert_eq!(task["status"], "working");
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(seen.as_deref(), Some("halfway (1 of 2)"));
    assert_eq!(settled(&server, &id).await["status"], "completed");
}

#[tokio::test]
async fn one_client_runs_at_most_its_share_of_tasks() {
    let mcp = mcp_tests::registry()
        .limits(mcp_runtime::config::Limits::default().max_tasks_per_client(2))
        .build()
        .expect("builds");
    let server = report_server(mcp);
    let start = async || report(&server, 60_000).await;
    let first = start().await;
    assert_eq!(first.body["result"]["resultType"], "task");
    assert_eq!(start().await.body["result"]["resultType"], "task");
    let refused = start().await;
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("this client runs 2 already")),
        "{:?}",
        refused.body
    );
    // One ends: room for another.
    let id = first.task_id();
    send(&server, "tasks/cancel", json!({"taskId": id}), opted_in()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(start().await.body["result"]["resultType"], "task");
}

#[tokio::test]
async fn a_task_samples_and_lists_roots_through_tasks_update() {
    let server = server();
    let caps = json!({"extensions": {"io.modelcontextprotocol/tasks": {}},
                      "sampling": {}, "roots": {}});
    let created = send(
        &server,
        "tools/call",
        json!({"name": "survey"}),
        caps.clone(),
    )
    .await;
    let id = created.task_id();
    // Each question in turn: its input request, answered by tasks/update.
    let answers = [
        (
            "sampling/createMessage",
            json!({"model": "m", "role": "assistant",
                                          "content": {"type": "text", "text": "tides"}}),
        ),
        (
            "roots/list",
            json!({"roots": [{"uri": "file:///a"}, {"uri": "file:///b"}]}),
        ),
    ];
    for (method, answer) in answers {
        let asking = settled(&server, &id).await;
        assert_eq!(asking["status"], "input_required", "{asking}");
        let (key, request) = asking["inputRequests"]
            .as_object()
            .and_then(|r| r.iter().next())
            .map(|(k, v)| (k.clone(), v.clone()))
            .expect("a question");
        assert_eq!(request["method"], method, "{asking}");
        if method == "sampling/createMessage" {
            // As written, not widened from f32 (0.20000000298023224).
            assert_eq!(request["params"]["temperature"], json!(0.2), "{request}");
        }
        let ack = send(
            &server,
            "tasks/update",
            json!({"taskId": id, "inputResponses": { key.clone(): answer }}),
            caps.clone(),
        )
        .await;
        assert_eq!(ack.body["result"], json!({"resultType": "complete"}));
        // Until the handler takes the answer and moves on.
        for _ in 0..100 {
            if get(&server, &id).await["inputRequests"].get(&key).is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let done = settled(&server, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["content"][0]["text"], "tides in 2 roots");
}

#[tokio::test]
async fn cancelling_a_completed_task_changes_nothing() {
    let server = server();
    let created = report(&server, 1).await;
    let id = created.task_id();
    assert_eq!(settled(&server, &id).await["status"], "completed");
    for _ in 0..2 {
        let ack = send(&server, "tasks/cancel", json!({"taskId": id}), opted_in()).await;
        assert_eq!(
            ack.body["result"],
            json!({"resultType": "complete"}),
            "{:?}",
            ack.body
        );
    }
    let task = get(&server, &id).await;
    assert_eq!(task["status"], "completed");
    assert_eq!(task["result"]["structuredContent"], json!({"rows": 42}));
}

#[tokio::test]
async fn a_tasks_request_naming_another_task_in_its_header_is_refused() {
    let server = server();
    let created = report(&server, 1).await;
    let id = created.task_id();
    for method in ["tasks/get", "tasks/cancel", "tasks/update"] {
        let mut params = json!({"taskId": id, "inputResponses": {}});
        params["_meta"] = stateless::meta(opted_in());
        let reply = stateless::send(&server, method, params, &[("mcp-name", "another")]).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, Some(-32020)),
            "{method}: {:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn a_task_past_its_ttl_is_cancelled_and_frees_its_slot() {
    let mcp = mcp_tests::registry()
        .task_store(InMemoryTaskStore::new(100, Duration::from_millis(400)))
        .limits(mcp_runtime::config::Limits::default().max_tasks_per_client(1))
        .build()
        .expect("builds");
    let server = TestServer::with_mcp(mcp, |cfg| {
        cfg.service(watch);
    });
    let start = async || {
        let call = json!({"name": "watch", "arguments": {"label": "ttl"}});
        send(&server, "tools/call", call, opted_in()).await
    };
    let created = start().await;
    // The store's TTL is the one advertised.
    assert_eq!(created.body["result"]["ttlMs"], 400, "{:?}", created.body);
    let id = created.task_id();
    // The client's one slot is taken.
    assert!(start().await.body.get("error").is_some());
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Gone, its work stopped, its slot free.
    let reply = send(&server, "tasks/get", json!({"taskId": id}), opted_in()).await;
    assert_eq!(reply.error_code(), Some(-32602), "{:?}", reply.body);
    assert!(watch_stopped("ttl").await);
    assert_eq!(start().await.body["result"]["resultType"], "task");
}

#[tokio::test]
async fn the_task_store_holds_at_most_its_capacity() {
    let mcp = mcp_tests::registry()
        .task_store(InMemoryTaskStore::new(1, Duration::from_secs(60)))
        .build()
        .expect("builds");
    let server = report_server(mcp);
    let start = async || report(&server, 60_000).await;
    assert_eq!(start().await.body["result"]["resultType"], "task");
    let refused = start().await;
    assert_eq!(refused.error_code(), Some(-32000), "{:?}", refused.body);
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "Too many tasks: the server's task store is full; retry in 1 s"
    );
    assert_eq!(refused.body["error"]["data"]["retryAfterSeconds"], 1);
}

#[tokio::test]
async fn running_tasks_stop_with_the_server() {
    let server = TestServer::with_mcp(mcp_tests::registry().build().expect("builds"), |cfg| {
        cfg.service(watch);
    });
    let call = json!({"name": "watch", "arguments": {"label": "shutdown"}});
    let created = send(&server, "tools/call", call, opted_in()).await;
    assert_eq!(
        created.body["result"]["status"], "working",
        "{:?}",
        created.body
    );
    drop(server);
    assert!(watch_stopped("shutdown").await);
}

#[tokio::test]
async fn a_deferred_call_that_never_detached_leaves_no_task_behind() {
    let mcp = mcp_tests::registry()
        .task_store(InMemoryTaskStore::new(1, Duration::from_secs(60)))
        .build()
        .expect("builds");
    let server = TestServer::with_mcp(mcp, |cfg| {
        cfg.service(rebuild);
    });
    // Round 1 stops for input in its request: no task.
    let round1 = send(
        &server,
        "tools/call",
        json!({"name": "rebuild"}),
        opted_in(),
    )
    .await;
    let result = &round1.body["result"];
    assert_eq!(result["resultType"], "input_required", "{result}");
    let key = mcp_tests::first_question(result);
    // Round 2 detaches: the store's one place is free for its task.
    let answers = json!({ key: {"action": "accept", "content": {"confirm": true}} });
    let mut params = json!({"name": "rebuild", "inputResponses": answers});
    params["requestState"] = result["requestState"].clone();
    let round2 = send(&server, "tools/call", params, opted_in()).await;
    assert_eq!(
        round2.body["result"]["resultType"], "task",
        "{:?}",
        round2.body
    );
}
