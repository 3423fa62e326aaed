//! Three replicas of the main example (`items-api` with `REDIS_URL`) on one
//! `redis-server`, behind nginx as a round-robin load balancer with no
//! stickiness: every request may land on another replica. Driven by real
//! clients (rmcp, and the official Python SDK in the handshake era) and by
//! raw HTTP where a test must see which replica answered (nginx adds
//! `x-replica`). Redis and nginx are Debian's packages, unpacked by
//! `scripts/peers` (once); every process is stopped by its PID.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_tests::redis::RedisServer;
use mcp_tests::{EventReader, Recorder, seen, stateless};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

const TOKEN: &str = "demo-token";
const BEARER: &str = "Bearer demo-token";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One `items-api` process.
struct Replica {
    child: Child,
    port: u16,
}

impl Replica {
    fn start(redis: &RedisServer) -> Replica {
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_items-api"))
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("REDIS_URL", redis.url())
            .env("MCP_STATE_SECRET", "the balancer test's secret")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("items-api starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let up = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.starts_with("MCP endpoint: "));
        assert!(up, "items-api printed no MCP endpoint");
        std::thread::spawn(move || for _ in lines {});
        Replica { child, port }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx in front of the replicas, round robin.
struct Balancer {
    child: Child,
    port: u16,
    _dir: tempdir::Dir,
}

mod tempdir {
    /// A folder under target/, removed when dropped.
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Balancer {
    fn start(replicas: &[Replica]) -> Balancer {
        let port = free_port();
        let dir = root().join(format!("target/balancer-{port}"));
        std::fs::create_dir_all(dir.join("logs")).expect("nginx's folder");
        let servers: String = replicas
            .iter()
            .map(|r| format!("server 127.0.0.1:{} max_fails=1 fail_timeout=2s;\n", r.port))
            .collect();
        // As root, workers would switch to `nobody`, who cannot write here.
        let user = if Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n")
        {
            "user root;"
        } else {
            ""
        };
        let config = format!(
            r#"{user}
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream replicas {{
        {servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 300s;
            proxy_next_upstream error timeout;
            add_header x-replica $upstream_addr always;
        }}
    }}
}}
"#,
            dir = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), config).expect("nginx.conf");
        let child = Command::new(root().join("target/peers/bin/nginx"))
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("logs/error.log"))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Balancer {
            child,
            port,
            _dir: tempdir::Dir(dir),
        }
    }

    fn mcp_url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for Balancer {
    /// TERM, not KILL: nginx's master then stops its workers too.
    fn drop(&mut self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if !term.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Raw HTTP through the balancer, as one session.
struct Session {
    http: reqwest::Client,
    url: String,
    id: String,
}

/// A reply and the replica that gave it.
struct Answer {
    status: u16,
    replica: String,
    body: Value,
}

impl Session {
    async fn start(url: &str) -> Session {
        let http = reqwest::Client::new();
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "balancer-test", "version": "0"}}});
        let reply = http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("authorization", BEARER)
            .body(init.to_string())
            .send()
            .await
            .expect("initialize");
        assert_eq!(reply.status(), 200);
        let id = reply.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        Session {
            http,
            url: url.to_owned(),
            id,
        }
    }

    fn request(&self, method: reqwest::Method) -> reqwest::RequestBuilder {
        self.http
            .request(method, &self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", &self.id)
            .header("mcp-protocol-version", "2025-11-25")
            .header("authorization", BEARER)
    }

    async fn post(&self, body: Value) -> reqwest::Response {
        self.request(reqwest::Method::POST)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("a reply")
    }

    /// Calls `clear_tags` as request `id` and reads up to its question:
    /// the replica running the call, and the call's stream.
    async fn asking(&self, id: u64) -> (String, EventReader) {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": "clear_tags", "arguments": {}}});
        let reply = self.post(call).await;
        let running = replica(&reply);
        let mut events = EventReader::new(reply);
        let question = events.next_message().await.expect("a question");
        assert_eq!(question["method"], "elicitation/create");
        (running, events)
    }

    async fn call(&self, id: u64, tool: &str, arguments: Value) -> Answer {
        let reply = self
            .post(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                         "params": {"name": tool, "arguments": arguments}}))
            .await;
        let status = reply.status().as_u16();
        let replica = replica(&reply);
        let body = reply.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            replica,
            body,
        }
    }
}

fn replica(reply: &reqwest::Response) -> String {
    reply
        .headers()
        .get("x-replica")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs redis-server, nginx and the Python SDK: scripts/peers"]
async fn three_replicas_behind_a_round_robin_balancer() {
    let installed = Command::new(root().join("scripts/peers"))
        .args(["-q", "redis", "nginx", "python"])
        .status()
        .expect("scripts/peers");
    assert!(installed.success());
    let mut redis = RedisServer::start();
    let mut replicas: Vec<Replica> = (0..3).map(|_| Replica::start(&redis)).collect();
    let balancer = Balancer::start(&replicas);
    let url = balancer.mcp_url();
    // (Each replica's relay subscription starts with it: give them a moment.)
    tokio::time::sleep(Duration::from_millis(1000)).await;

    a_session_is_served_by_every_replica(&url).await;
    the_rmcp_client_works_through_the_balancer(&url).await;
    the_python_sdk_works_through_the_balancer(&url);
    a_stream_dropped_on_one_replica_is_resumed_on_another(&url).await;
    a_cancellation_reaches_the_replica_running_the_call(&url).await;
    a_rate_limit_holds_across_replicas(&url).await;
    a_replica_killed_mid_call(&url, &mut replicas).await;
    redis_restarted_mid_run(&url, &mut redis).await;
}

async fn a_session_is_served_by_every_replica(url: &str) {
    let session = Session::start(url).await;
    let mut seen = std::collections::BTreeSet::new();
    for id in 1..=6 {
        let answer = session.call(id, "get_item", json!({"id": 1})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["result"]["structuredContent"]["name"], "Hammer");
        seen.insert(answer.replica);
    }
    assert_eq!(seen.len(), 3, "round robin over three replicas: {seen:?}");
}

async fn the_rmcp_client_works_through_the_balancer(url: &str) {
    let recorder = Recorder {
        elicit_answer: json!({"action": "accept", "content": {"confirm": true}}),
        ..Recorder::declaring(json!({"elicitation": {}}))
    };
    let elicited = recorder.elicited.clone();
    let config = StreamableHttpClientTransportConfig::with_uri(url).auth_header(TOKEN);
    let client = recorder
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
        .expect("rmcp client initializes through the balancer");
    for id in [1, 2, 3] {
        let args = json!({"id": id}).as_object().cloned().unwrap();
        let result = client
            .call_tool(CallToolRequestParams::new("get_item").with_arguments(args))
            .await
            .expect("get_item");
        assert_ne!(result.is_error, Some(true), "{result:?}");
    }
    // Asked by the replica running the call; answered through whichever
    // replica the balancer picks for the answer's POST.
    let result = client
        .call_tool(CallToolRequestParams::new("clear_tags"))
        .await
        .expect("clear_tags");
    let text = serde_json::to_value(&result.content).unwrap()[0]["text"].clone();
    assert!(
        text.as_str()
            .unwrap_or_default()
            .starts_with("cleared the tags"),
        "{result:?}"
    );
    assert_eq!(seen(&elicited).len(), 1);
    client.cancel().await.ok();
}

fn the_python_sdk_works_through_the_balancer(url: &str) {
    let status = Command::new(root().join("target/peers/venv/bin/python"))
        .arg(root().join("tests/interop/replicas_client.py"))
        .arg(url)
        .status()
        .expect("python runs");
    assert!(status.success(), "the Python SDK client failed: {status}");
}

async fn a_stream_dropped_on_one_replica_is_resumed_on_another(url: &str) {
    let session = Session::start(url).await;
    let call = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                      "params": {"name": "reindex", "arguments": {},
                                 "_meta": {"progressToken": "p"}}});
    let reply = session.post(call).await;
    let first = replica(&reply);
    let mut events = EventReader::new(reply);
    let (message, last) = events.until_message().await;
    drop(events);
    let resumed = session
        .request(reqwest::Method::GET)
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    assert_ne!(replica(&resumed), first, "resumed on another replica");
    let mut seen = vec![message];
    seen.extend(EventReader::new(resumed).remaining_messages().await);
    mcp_tests::assert_whole_reindex(&seen, 9);
}

async fn a_cancellation_reaches_the_replica_running_the_call(url: &str) {
    let session = Session::start(url).await;
    let (running, mut events) = session.asking(30).await;
    // Round robin: the next request goes to another replica.
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": 30}});
    let accepted = session.post(cancel).await;
    assert_eq!(accepted.status(), 202);
    assert_ne!(replica(&accepted), running);
    // The call stops there: its stream ends with no result.
    assert_eq!(events.next_message().await, None);
}

async fn a_rate_limit_holds_across_replicas(url: &str) {
    // `reindex` is limited to 6 a minute in all; as tasks the calls return
    // at once. Two ran already (the Python and resume checks): counted per
    // replica, six more would all pass, spread over three replicas.
    let http = reqwest::Client::new();
    let mut refused = None;
    let mut replicas = std::collections::BTreeSet::new();
    for n in 0..6 {
        let meta = stateless::meta(json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}));
        let reply = http
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", stateless::V)
            .header("mcp-method", "tools/call")
            .header("mcp-name", "reindex")
            .header("authorization", BEARER)
            .body(
                json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                       "params": {"name": "reindex", "arguments": {}, "_meta": meta}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        replicas.insert(replica(&reply));
        if reply.status() == 429 {
            refused = Some(n);
            break;
        }
        assert_eq!(reply.status(), 200);
    }
    // (Any refusal within six: a budget regained meanwhile, on a slow
    // machine, may let one more through.)
    assert!(
        refused.is_some(),
        "the seventh in a minute is refused, on any replica"
    );
    assert!(replicas.len() > 1, "{replicas:?}");
}

async fn a_replica_killed_mid_call(url: &str, replicas: &mut [Replica]) {
    let session = Session::start(url).await;
    let (running, mut events) = session.asking(10).await;
    let victim = replicas
        .iter_mut()
        .find(|r| running.ends_with(&format!(":{}", r.port)))
        .expect("the replica running the call");
    let _ = victim.child.kill();
    let _ = victim.child.wait();
    // Its call ends without a result: the stream closes.
    let started = Instant::now();
    assert_eq!(events.next_message().await, None);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The session lives on, on the others.
    for id in 11..14 {
        let answer = session.call(id, "get_item", json!({"id": 2})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_ne!(answer.replica, running);
    }
}

async fn redis_restarted_mid_run(url: &str, redis: &mut RedisServer) {
    let session = Session::start(url).await;
    redis.stop();
    let started = Instant::now();
    let answer = session.call(20, "get_item", json!({"id": 1})).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(started.elapsed() < Duration::from_secs(10));
    redis.resume();
    // Redis came back empty: old sessions are gone (404), new ones work.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "t", "version": "0"}}})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        if reply.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no new session within 10 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let session = Session::start(url).await;
    let answer = session.call(21, "get_item", json!({"id": 1})).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
