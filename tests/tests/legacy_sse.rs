//! The HTTP+SSE transport of protocol 2024-11-05, served beside Streamable
//! HTTP with `.legacy_sse(true)`: `GET /mcp/sse` opens a session's stream,
//! whose `endpoint` event names where to POST; POSTs get 202, answers come
//! on the stream; closing the stream ends the session. Driven by the rmcp
//! client over a small client transport written to the 2024-11-05 spec
//! (rmcp dropped its own), and by raw HTTP for what clients never send.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{post, web};
use mcp_runtime::config::{Limits, StreamConfig};
use mcp_runtime::{McpContext, Sample, mcp_tool};
use mcp_tests::{EventReader, Recorder, Runs, TestServer, seen, text};
use rmcp::model::{CallToolRequestParams, ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Report progress three times, then answer.
#[mcp_tool]
#[post("/legacy/steps")]
async fn steps(ctx: McpContext) -> String {
    for step in 1..=3 {
        ctx.progress(f64::from(step), Some(3.0), None).await;
    }
    "three steps".into()
}

/// Ask the client's model.
#[mcp_tool]
#[post("/legacy/ask_model")]
async fn ask_model(ctx: McpContext) -> String {
    match ctx.sample(Sample::user("Say something")).await {
        Ok(answer) => format!("{} said: {}", answer.model, answer.text()),
        Err(e) => format!("no sample: {e}"),
    }
}

/// What one run of `spin` did, by the name it was given.
#[derive(Default)]
struct Run {
    spins: AtomicUsize,
    dropped: AtomicBool,
}

static RUNS: Runs<Run> = Runs::new();

/// Marks its run as dropped.
struct Dropped(Arc<Run>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.dropped.store(true, Ordering::SeqCst);
    }
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Job {
    /// Names the run.
    name: String,
}

/// Spin until cancelled.
#[mcp_tool]
#[post("/legacy/spin")]
async fn spin(job: web::Json<Job>) -> String {
    let run = RUNS.get(&job.name);
    let _dropped = Dropped(run.clone());
    loop {
        run.spins.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits (at most 2 s) for `condition`.
async fn eventually(condition: impl Fn() -> bool) -> bool {
    for _ in 0..400 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

fn spin_call(id: i64, name: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "spin", "arguments": {"name": name}}})
    .to_string()
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry()
        .legacy_sse(true)
        // A client that leaves is noticed at the next write: keep-alive
        // comments make one soon.
        .streams(StreamConfig::default().keep_alive(Duration::from_millis(50)))
        .build()
        .unwrap();
    let db = mcp_examples::items::Db::seeded();
    TestServer::with_mcp(mcp, move |cfg| {
        cfg.app_data(db.clone())
            .configure(mcp_examples::items::routes)
            .service(steps)
            .service(ask_model)
            .service(spin);
    })
}

/// A 2024-11-05 client transport: the stream's `message` events in, each
/// outgoing message POSTed to the endpoint the stream named.
struct Legacy {
    http: reqwest::Client,
    /// Where to POST, as the `endpoint` event said (resolved).
    post_url: String,
    headers: Vec<(String, String)>,
    messages: mpsc::Receiver<Value>,
    stream: tokio::task::JoinHandle<()>,
}

impl Legacy {
    /// Opens `GET <base>/sse` and waits for the `endpoint` event; `headers`
    /// go on every request.
    async fn connect(server: &TestServer, headers: &[(&str, &str)]) -> Legacy {
        let http = reqwest::Client::new();
        let mut get = http
            .get(server.url("/mcp/sse"))
            .header("accept", "text/event-stream");
        for (k, v) in headers {
            get = get.header(*k, *v);
        }
        let response = get.send().await.expect("GET /sse");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut events = EventReader::new(response);
        let endpoint = events.next().await.expect("a first event");
        assert_eq!(endpoint.event.as_deref(), Some("endpoint"), "{endpoint:?}");
        let (tx, messages) = mpsc::channel(64);
        let stream = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                assert_eq!(event.event.as_deref(), Some("message"), "{event:?}");
                if tx.send(event.message().expect("JSON")).await.is_err() {
                    break;
                }
            }
        });
        Legacy {
            http,
            post_url: server.url(&endpoint.data),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            messages,
            stream,
        }
    }

    /// POSTs `body` to the endpoint; returns the status and body.
    async fn post(&self, body: String) -> (u16, Value) {
        post(&self.http, &self.post_url, &self.headers, body).await
    }

    /// The next message on the stream (within 5 s).
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(5), self.messages.recv())
            .await
            .expect("a message in time")
            .expect("the stream is open")
    }
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: String,
) -> (u16, Value) {
    // A POST is answered at once, whatever the message asks for.
    let mut req = http
        .post(url)
        .timeout(Duration::from_secs(5))
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let response = req.send().await.expect("POST");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

impl Transport<RoleClient> for Legacy {
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let (http, url, headers) = (
            self.http.clone(),
            self.post_url.clone(),
            self.headers.clone(),
        );
        async move {
            let body = serde_json::to_string(&item).map_err(std::io::Error::other)?;
            match post(&http, &url, &headers, body).await {
                (202, _) => Ok(()),
                (status, body) => Err(std::io::Error::other(format!("POST: {status} {body}"))),
            }
        }
    }

    async fn receive(&mut self) -> Option<ServerJsonRpcMessage> {
        let message = self.messages.recv().await?;
        Some(serde_json::from_value(message).expect("a server message"))
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        // Dropping the response closes the stream.
        self.stream.abort();
        std::future::ready(Ok(()))
    }
}

fn init(id: i64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "legacy", "version": "0"}}})
    .to_string()
}

#[tokio::test]
async fn the_stream_names_the_endpoint_and_the_rmcp_client_works_through_it() {
    let server = server();
    let legacy = Legacy::connect(&server, &[("authorization", "Bearer demo-token")]).await;
    let session = legacy
        .post_url
        .split_once("/mcp/messages?session_id=")
        .map(|(_, id)| id.to_owned())
        .expect("the endpoint is beside /mcp/sse");
    assert_eq!(session.len(), 32);
    assert!(session.bytes().all(|b| b.is_ascii_hexdigit()), "{session}");

    let client = ().serve(legacy).await.expect("initialize over legacy SSE");
    assert_eq!(
        client
            .peer_info()
            .unwrap()
            .server_info
            .as_ref()
            .unwrap()
            .name,
        "mcp-runtime"
    );
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "list_items"));
    // Credentials on the POSTs reach the tool's route.
    let item = client
        .call_tool(
            CallToolRequestParams::new("get_item")
                .with_arguments(json!({"id": 2}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(item.structured_content.unwrap()["name"], "Kite");
}

#[tokio::test]
async fn progress_and_questions_travel_on_the_stream() {
    let server = server();
    let recorder = Recorder::declaring(json!({"sampling": {}}));
    let legacy = Legacy::connect(&server, &[]).await;
    let client = recorder.clone().serve(legacy).await.unwrap();
    let done = client
        .call_tool(CallToolRequestParams::new("steps"))
        .await
        .unwrap();
    assert_eq!(text(&done), "three steps");
    let progress: Vec<f64> = seen(&recorder.progress)
        .iter()
        .map(|p| p.progress)
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0]);
    let sampled = client
        .call_tool(CallToolRequestParams::new("ask_model"))
        .await
        .unwrap();
    assert_eq!(text(&sampled), "test-model said: sampled answer");
    assert_eq!(seen(&recorder.sampled).len(), 1);
}

#[tokio::test]
async fn posts_are_accepted_at_once_and_refused_without_a_session() {
    let server = server();
    let mut legacy = Legacy::connect(&server, &[]).await;
    assert_eq!(legacy.post(init(1)).await.0, 202);
    let init = legacy.next().await;
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05", "{init}");

    // A slow call does not hold up the session: a ping is answered first.
    assert_eq!(legacy.post(spin_call(2, "pinged")).await.0, 202);
    let pinged = RUNS.get("pinged");
    assert!(eventually(|| pinged.spins.load(Ordering::SeqCst) > 3).await);
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    assert_eq!(legacy.post(ping.to_string()).await.0, 202);
    let pong = legacy.next().await;
    assert_eq!(
        (pong["id"].clone(), pong["result"].clone()),
        (json!(3), json!({}))
    );
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 2}});
    assert_eq!(legacy.post(cancel.to_string()).await.0, 202);
    assert!(
        eventually(|| pinged.dropped.load(Ordering::SeqCst)).await,
        "cancelled"
    );

    let (status, body) = legacy.post("{not json".into()).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!(-32700))
    );

    let http = reqwest::Client::new();
    let messages = server.url("/mcp/messages");
    let ping = || json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}).to_string();
    let (status, _) = post(&http, &messages, &[], ping()).await;
    assert_eq!(status, 400, "no session_id");
    let unknown = format!("{messages}?session_id=00000000000000000000000000000000");
    let (status, body) = post(&http, &unknown, &[], ping()).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!(-32001))
    );
}

#[tokio::test]
async fn closing_the_stream_ends_the_session_and_cancels_its_calls() {
    let server = server();
    let mut legacy = Legacy::connect(&server, &[]).await;
    legacy.post(init(1)).await;
    legacy.next().await;
    legacy.post(spin_call(2, "orphaned")).await;
    let orphaned = RUNS.get("orphaned");
    assert!(
        eventually(|| orphaned.spins.load(Ordering::SeqCst) > 3).await,
        "the call runs"
    );
    assert!(!orphaned.dropped.load(Ordering::SeqCst));

    legacy.stream.abort();
    assert!(
        eventually(|| orphaned.dropped.load(Ordering::SeqCst)).await,
        "the call was cancelled"
    );
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    assert_eq!(
        legacy.post(ping.to_string()).await.0,
        404,
        "the session ended"
    );
}

#[tokio::test]
async fn the_endpoint_checks_origin_and_host_and_is_off_by_default() {
    let server = server();
    let http = reqwest::Client::new();
    for (name, value) in [("origin", "http://evil.example"), ("host", "evil.example")] {
        let response = http
            .get(server.url("/mcp/sse"))
            .header("accept", "text/event-stream")
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}: {value}");
    }
    let response = http
        .get(server.url("/mcp/sse"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 406);

    let plain = TestServer::items_with(mcp_tests::registry().build().unwrap());
    let response = http
        .get(plain.url("/mcp/sse"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "not served unless asked for");
}

#[tokio::test]
async fn batches_follow_the_same_policy_as_streamable_http() {
    // One policy for every transport: in turn, `initialize` refused inside
    // a batch, and past the response budget later requests get an error.
    let mcp = mcp_tests::registry()
        .legacy_sse(true)
        .limits(Limits::default().batch_limits(3, 200))
        .build()
        .unwrap();
    let db = mcp_examples::items::Db::seeded();
    let server = TestServer::with_mcp(mcp, move |cfg| {
        cfg.app_data(db.clone())
            .configure(mcp_examples::items::routes);
    });
    let mut legacy = Legacy::connect(&server, &[]).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {},
        "clientInfo": {"name": "batching", "version": "0"}}});
    assert_eq!(legacy.post(init.to_string()).await.0, 202);
    assert_eq!(
        legacy.next().await["result"]["protocolVersion"],
        "2025-03-26"
    );

    let ping = |id: i64| json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(
        legacy
            .post(json!([list, ping(3), ping(4)]).to_string())
            .await
            .0,
        202
    );
    let replies = legacy.next().await;
    let replies = replies.as_array().expect("one array of replies");
    assert!(replies[0]["result"]["tools"].is_array(), "{replies:?}");
    assert_eq!(replies[1]["error"]["code"], -32000, "{replies:?}");
    assert_eq!(replies[2]["id"], 4);

    let again = json!({"jsonrpc": "2.0", "id": 5, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {},
        "clientInfo": {"name": "batching", "version": "0"}}});
    assert_eq!(
        legacy.post(json!([again, ping(6)]).to_string()).await.0,
        202
    );
    let replies = legacy.next().await;
    assert_eq!(replies[0]["error"]["code"], -32600, "{replies}");
    assert_eq!(replies[1]["result"], json!({}), "{replies}");

    let too_long = json!([ping(7), ping(8), ping(9), ping(10)]).to_string();
    assert_eq!(legacy.post(too_long).await.0, 202);
    assert_eq!(legacy.next().await["error"]["code"], -32600);
}

/// Opens `GET /mcp/sse` with `credentials`.
async fn open_as(server: &TestServer, credentials: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(server.url("/mcp/sse"))
        .header("accept", "text/event-stream")
        .header("authorization", credentials)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn one_client_holds_only_its_share_of_connections() {
    const PER_CLIENT: usize = 1024 / 8;
    let server = server();
    let mut held = Vec::new();
    for _ in 0..PER_CLIENT {
        held.push(open_as(&server, "Bearer client-a").await);
    }
    assert!(held.iter().all(|r| r.status() == 200));
    let refused = open_as(&server, "Bearer client-a").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Others still get theirs...
    assert_eq!(open_as(&server, "Bearer client-b").await.status(), 200);
    Legacy::connect(&server, &[]).await;
    // ...and a connection the client closes is its own again.
    held.pop();
    let mut again = false;
    for _ in 0..100 {
        if open_as(&server, "Bearer client-a").await.status() == 200 {
            again = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again, "a closed connection frees its place");
}
