//! The stdio transport, driven the way MCP hosts drive it: a real child
//! process (`src/bin/stdio-fixture.rs`: the example items app, an App
//! middleware, tools that talk back) and the rmcp client on its stdin and
//! stdout. Every test ends by closing stdin and checking that the process
//! exited cleanly and wrote nothing but JSON-RPC messages on stdout.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_tests::wire::rss_of;
use mcp_tests::{Recorder, seen, text};
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, ClientRequest, PingRequest, ServerResult,
};
use rmcp::service::{PeerRequestOptions, RunningService};
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, DuplexStream};
use tokio::sync::oneshot;

const FIXTURE: &str = env!("CARGO_BIN_EXE_stdio-fixture");

/// The server process, with everything it wrote recorded.
struct Server {
    process: tokio::process::Child,
    /// Every line written to stdout.
    stdout: Arc<Mutex<Vec<String>>>,
    /// Everything written to stderr.
    stderr: Arc<Mutex<String>>,
    close_stdin: Option<oneshot::Sender<()>>,
}

/// The client's ends of the server's stdout and stdin.
type Pipes = (DuplexStream, DuplexStream);

impl Server {
    /// Starts the fixture with `env`; the pipes carry what the server reads
    /// and writes (stdout is recorded on its way to them).
    fn start(env: &[(&str, &str)]) -> (Server, Pipes) {
        let mut command = tokio::process::Command::new(FIXTURE);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("ITEMS_TOKEN")
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut process = command.spawn().expect("the fixture starts");
        let (client_reads, mut server_writes) = tokio::io::duplex(1 << 16);
        let (client_writes, mut server_reads) = tokio::io::duplex(1 << 16);

        let stdout = Arc::new(Mutex::new(Vec::new()));
        let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let recorded = stdout.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                recorded.lock().unwrap().push(line.clone());
                if server_writes
                    .write_all(format!("{line}\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut errors = BufReader::new(process.stderr.take().unwrap()).lines();
        let recorded = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = errors.next_line().await {
                let mut all = recorded.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let mut stdin = process.stdin.take().unwrap();
        let (close_stdin, closed) = oneshot::channel();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::io::copy(&mut server_reads, &mut stdin) => {}
                _ = closed => {}
            }
            // Dropping stdin is the end of input for the server.
        });
        let server = Server {
            process,
            stdout,
            stderr,
            close_stdin: Some(close_stdin),
        };
        (server, (client_reads, client_writes))
    }

    /// Starts the fixture and connects `recorder` to it (`initialize`).
    async fn connect(recorder: Recorder) -> (Server, RunningService<RoleClient, Recorder>) {
        let (server, pipes) = Server::start(&[]);
        let client = recorder.serve(pipes).await.expect("initialize over stdio");
        (server, client)
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (at most 5 s) for `line` on stderr.
    async fn logged(&self, line: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.stderr().lines().any(|l| l == line) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// Closes stdin; the server must exit by itself, successfully and
    /// promptly, having written nothing but JSON-RPC on stdout. Returns
    /// its stderr.
    async fn finish(mut self) -> String {
        let _ = self.close_stdin.take().map(|tx| tx.send(()));
        let status = tokio::time::timeout(Duration::from_secs(10), self.process.wait())
            .await
            .expect("the server exits once stdin is closed")
            .expect("exit status");
        // The recorders may still be reading the last bytes.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let stderr = self.stderr();
        assert!(status.success(), "exit status {status}; stderr:\n{stderr}");
        let stdout = self.stdout.lock().unwrap().clone();
        assert!(!stdout.is_empty(), "the server answered");
        for line in &stdout {
            let message: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
            // One message, or a batch's replies.
            let messages = match message {
                Value::Array(replies) => replies,
                one => vec![one],
            };
            for message in messages {
                assert_eq!(message["jsonrpc"], "2.0", "not JSON-RPC: {line}");
            }
        }
        stderr
    }
}

/// Starts a call that runs until cancelled; returns its handle once the
/// handler has started (its progress arrives).
async fn start_crunch(
    client: &RunningService<RoleClient, Recorder>,
    server: &Server,
    name: &str,
) -> rmcp::service::RequestHandle<RoleClient> {
    let params = CallToolRequestParams::new("crunch")
        .with_arguments(json!({"name": name}).as_object().unwrap().clone());
    let handle = client
        .peer()
        .send_cancellable_request(
            ClientRequest::CallToolRequest(CallToolRequest::new(params)),
            PeerRequestOptions::no_options(),
        )
        .await
        .expect("request sent");
    assert!(
        server.logged(&format!("crunch {name} started")).await,
        "the handler started"
    );
    handle
}

/// Waits until at least `n` progress notifications arrived.
async fn progress_reaches(recorder: &Recorder, n: usize) {
    for _ in 0..500 {
        if seen(&recorder.progress).len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "only {} progress notifications",
        seen(&recorder.progress).len()
    );
}

/// `future`'s output, if it comes within 10 s (a hang fails the test).
async fn within<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("no answer within 10 s")
}

fn call(tool: &'static str, arguments: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(arguments.as_object().unwrap().clone())
}

#[tokio::test]
async fn tool_calls_go_through_the_apps_data_middleware_and_routes() {
    let (server, client) = Server::connect(Recorder::declaring(json!({}))).await;
    let info = client.peer_info().expect("initialized");
    assert_eq!(info.server_info.as_ref().unwrap().name, "stdio-fixture");
    assert_eq!(info.protocol_version.as_str(), "2025-11-25");

    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for name in [
        "list_items",
        "get_item",
        "stats",
        "count",
        "crunch",
        "summarize",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }

    // `web::Data<Db>` from the app, `web::Query` from the arguments.
    let kites = client
        .call_tool(call("list_items", json!({"category": "toy"})))
        .await
        .unwrap();
    assert_eq!(
        kites.structured_content.unwrap()["result"][0]["name"],
        "Kite"
    );
    // The App middleware stamped the tool's own request.
    let stats = client.call_tool(call("stats", json!({}))).await.unwrap();
    let stats = stats.structured_content.unwrap();
    assert_eq!(stats["item_count"], 3);
    assert!(
        stats["request_id"].as_str().unwrap().starts_with("stdio-"),
        "{stats}"
    );
    // Route errors are tool errors, as over HTTP.
    let missing = client
        .call_tool(call("item_label", json!({"id": 99})))
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("item 99 not found"), "{missing:?}");
    drop(client);
    server.finish().await;
}

#[tokio::test]
async fn credentials_come_from_the_environment_not_the_client() {
    let (server, client) = Server::connect(Recorder::declaring(json!({}))).await;
    let refused = client
        .call_tool(call("get_item", json!({"id": 1})))
        .await
        .expect_err("no token, no item");
    assert!(
        refused.to_string().contains("missing bearer token"),
        "{refused}"
    );
    drop(client);
    server.finish().await;

    for (token, expected) in [
        ("demo-token", Ok("Hammer")),
        ("wrong", Err("invalid bearer token")),
    ] {
        let (server, pipes) = Server::start(&[("ITEMS_TOKEN", token)]);
        let client = Recorder::declaring(json!({})).serve(pipes).await.unwrap();
        let got = client.call_tool(call("get_item", json!({"id": 1}))).await;
        match (got, expected) {
            (Ok(result), Ok(name)) => {
                assert_eq!(result.structured_content.unwrap()["name"], name);
            }
            (Err(e), Err(why)) => assert!(e.to_string().contains(why), "{e}"),
            (got, expected) => panic!("with {token}: {got:?}, expected {expected:?}"),
        }
        drop(client);
        server.finish().await;
    }
}

#[tokio::test]
async fn progress_and_log_messages_arrive_and_set_level_filters_logs() {
    let recorder = Recorder::declaring(json!({}));
    let (server, client) = Server::connect(recorder.clone()).await;
    #[allow(deprecated)] // logging, deprecated by SEP-2577, is still the 2025-11-25 way
    client
        .peer()
        .set_level(rmcp::model::SetLevelRequestParams::new(
            rmcp::model::LoggingLevel::Warning,
        ))
        .await
        .unwrap();
    let result = client
        .call_tool(call("count", json!({"to": 3})))
        .await
        .unwrap();
    assert_eq!(text(&result), "counted to 3");
    let progress: Vec<f64> = seen(&recorder.progress)
        .iter()
        .map(|p| p.progress)
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0]);
    let logs = seen(&recorder.logs);
    assert_eq!(logs.len(), 1, "info steps filtered out: {logs:?}");
    assert_eq!(logs[0]["level"], "warning");
    assert_eq!(logs[0]["data"], "counted");
    drop(client);
    server.finish().await;
}

#[tokio::test]
async fn a_slow_call_does_not_hold_up_ping_and_stops_when_cancelled() {
    let recorder = Recorder::declaring(json!({}));
    let (server, client) = Server::connect(recorder.clone()).await;
    let handle = start_crunch(&client, &server, "cancelled").await;
    progress_reaches(&recorder, 3).await;

    let started = Instant::now();
    let ping = client
        .peer()
        .send_request(ClientRequest::PingRequest(PingRequest::default()));
    let pong = within(ping).await.unwrap();
    assert!(matches!(pong, ServerResult::EmptyResult(_)), "{pong:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "ping waited");

    handle.cancel(Some("enough".into())).await.unwrap();
    assert!(
        server.logged("crunch cancelled stopped").await,
        "handler dropped"
    );
    let after = seen(&recorder.progress).len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        seen(&recorder.progress).len(),
        after,
        "no progress after cancellation"
    );
    // The session goes on.
    assert!(client.list_all_tools().await.is_ok());
    drop(client);
    server.finish().await;
}

#[tokio::test]
async fn questions_to_the_client_are_answered_on_stdin() {
    let mut recorder = Recorder::declaring(json!({"sampling": {}, "elicitation": {}, "roots": {}}));
    recorder.elicit_answer = json!({"action": "accept", "content": {"proceed": true}});
    let (server, client) = Server::connect(recorder.clone()).await;
    let sampled = within(client.call_tool(call("summarize", json!({}))))
        .await
        .unwrap();
    assert_eq!(text(&sampled), "test-model said: sampled answer");
    assert_eq!(seen(&recorder.sampled)[0]["maxTokens"], 20);
    let confirmed = within(client.call_tool(call("confirm", json!({}))))
        .await
        .unwrap();
    assert_eq!(text(&confirmed), "proceed: true");
    assert_eq!(seen(&recorder.elicited)[0]["message"], "Go ahead?");
    let roots = within(client.call_tool(call("roots", json!({}))))
        .await
        .unwrap();
    assert_eq!(text(&roots), "0 roots");
    drop(client);
    server.finish().await;
}

#[tokio::test]
async fn the_end_of_stdin_cancels_calls_in_flight_and_ends_the_process() {
    let recorder = Recorder::declaring(json!({}));
    let (server, client) = Server::connect(recorder.clone()).await;
    let handle = start_crunch(&client, &server, "orphaned").await;
    progress_reaches(&recorder, 2).await;
    let started = Instant::now();
    let stderr = server.finish().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "exited in {:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("crunch orphaned stopped"),
        "the call was cancelled:\n{stderr}"
    );
    assert!(stderr.contains("stdio-fixture: done (Ok(()))"), "{stderr}");
    // The call never answered: the server had nothing more to say.
    assert!(handle.await_response().await.is_err());
}

/// A client writing raw lines, for what rmcp does not send.
struct Raw {
    lines: tokio::io::Lines<BufReader<DuplexStream>>,
    input: DuplexStream,
}

impl Raw {
    fn new((output, input): Pipes) -> Raw {
        Raw {
            lines: BufReader::new(output).lines(),
            input,
        }
    }

    async fn send(&mut self, line: &str) {
        self.input.write_all(line.as_bytes()).await.unwrap();
        self.input.write_all(b"\n").await.unwrap();
    }

    async fn receive(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(5), self.lines.next_line())
            .await
            .expect("an answer in time")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap()
    }

    /// Sends `message` and returns the message answering it (skipping
    /// notifications).
    async fn ask(&mut self, message: Value) -> Value {
        self.send(&message.to_string()).await;
        loop {
            let reply = self.receive().await;
            if reply.get("id") == message.get("id") {
                return reply;
            }
        }
    }
}

fn stateless(id: i64, method: &str, mut params: Value, capabilities: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"},
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn a_2026_07_28_client_is_served_without_initialize() {
    let (server, pipes) = Server::start(&[]);
    let mut raw = Raw::new(pipes);
    let discovered = raw
        .ask(stateless(1, "server/discover", json!({}), json!({})))
        .await;
    let versions = &discovered["result"]["supportedVersions"];
    assert!(
        versions.as_array().unwrap().contains(&json!("2026-07-28")),
        "{discovered}"
    );
    assert_eq!(
        discovered["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "stdio-fixture"
    );

    let listed = raw
        .ask(stateless(
            2,
            "tools/call",
            json!({"name": "list_items", "arguments": {"tag": "wind"}}),
            json!({}),
        ))
        .await;
    assert_eq!(listed["result"]["resultType"], "complete", "{listed}");
    assert_eq!(
        listed["result"]["structuredContent"]["result"][0]["name"],
        "Kite"
    );

    // A question becomes an input-required result, not a request on stdout.
    let asked = raw
        .ask(stateless(
            3,
            "tools/call",
            json!({"name": "summarize"}),
            json!({"sampling": {}}),
        ))
        .await;
    assert_eq!(asked["result"]["resultType"], "input_required", "{asked}");
    let missing = raw
        .ask(stateless(
            4,
            "tools/call",
            json!({"name": "summarize"}),
            json!({}),
        ))
        .await;
    // Without the capability, the handler's fallback answers.
    assert_eq!(missing["result"]["resultType"], "complete", "{missing}");
    assert_eq!(
        missing["result"]["content"][0]["text"],
        "no sample: the client did not declare the `sampling` capability"
    );

    // Cancellation over stdio is `notifications/cancelled`, in this era too.
    raw.send(
        &stateless(
            5,
            "tools/call",
            json!({"name": "crunch", "arguments": {"name": "stateless"}, "_meta": {}}),
            json!({}),
        )
        .to_string(),
    )
    .await;
    assert!(server.logged("crunch stateless started").await);
    raw.send(r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}"#)
        .await;
    assert!(server.logged("crunch stateless stopped").await);
    let pong = raw
        .ask(json!({"jsonrpc": "2.0", "id": 6, "method": "ping"}))
        .await;
    assert_eq!(pong["result"], json!({}));
    drop(raw);
    server.finish().await;
}

#[tokio::test]
async fn malformed_early_and_oversized_messages_are_answered_and_the_session_goes_on() {
    let (server, pipes) = Server::start(&[]);
    let mut raw = Raw::new(pipes);
    raw.send("not json").await;
    let parse = raw.receive().await;
    assert_eq!(
        (parse["id"].clone(), parse["error"]["code"].clone()),
        (Value::Null, json!(-32700))
    );

    let early = raw
        .ask(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .await;
    assert_eq!(early["error"]["code"], -32600, "{early}");
    assert!(
        early["error"]["message"]
            .as_str()
            .unwrap()
            .contains("initialize")
    );

    let initialize = json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let init = raw.ask(initialize.clone()).await;
    assert_eq!(init["result"]["protocolVersion"], "2024-11-05", "{init}");
    let mut again = initialize;
    again["id"] = json!(3);
    assert_eq!(raw.ask(again).await["error"]["code"], -32600);

    // Batches belong to 2025-03-26 only.
    raw.send(r#"[{"jsonrpc":"2.0","id":4,"method":"ping"}]"#)
        .await;
    assert_eq!(raw.receive().await["error"]["code"], -32600);

    // Past the request size limit (4 MiB): refused, and skipped to its end.
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":5,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(5 << 20)
    );
    raw.send(&huge).await;
    let refused = raw.receive().await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert_eq!(refused["id"], Value::Null);

    let pong = raw
        .ask(json!({"jsonrpc": "2.0", "id": 6, "method": "ping"}))
        .await;
    assert_eq!(pong["result"], json!({}));
    drop(raw);
    server.finish().await;
}

#[tokio::test]
async fn a_2025_03_26_session_takes_batches() {
    let (server, pipes) = Server::start(&[]);
    let mut raw = Raw::new(pipes);
    let init = raw
        .ask(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-03-26", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}}),
        )
        .await;
    assert_eq!(init["result"]["protocolVersion"], "2025-03-26");
    raw.send(
        r#"[{"jsonrpc":"2.0","id":2,"method":"ping"},
            {"jsonrpc":"2.0","method":"notifications/initialized"},
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count","arguments":{"to":1}}}]"#
            .replace('\n', "")
            .as_str(),
    )
    .await;
    // The call's log messages come first; then one array of replies.
    let replies = loop {
        let message = raw.receive().await;
        if message.is_array() {
            break message;
        }
        assert_eq!(message["method"], "notifications/message", "{message}");
    };
    let replies = replies.as_array().unwrap();
    let ids: Vec<i64> = replies.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [2, 3]);
    assert_eq!(replies[1]["result"]["content"][0]["text"], "counted to 1");
    drop(raw);
    server.finish().await;
}

#[tokio::test]
async fn a_client_that_does_not_read_stops_the_server_reading_not_its_memory() {
    const PINGS: u64 = 100_000;
    let (server, pipes) = Server::start(&[]);
    let pid = server.process.id().expect("running");
    let mut raw = Raw::new(pipes);
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "flood", "version": "1"}}});
    assert!(raw.ask(init).await.get("result").is_some());
    raw.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        .await;
    let baseline = rss_of(pid);
    // The client writes its pings and reads nothing meanwhile.
    let Raw { lines, mut input } = raw;
    let writer = tokio::spawn(async move {
        let mut flood = String::new();
        for id in 1..=PINGS {
            flood.push_str(&format!(
                "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"ping\"}}\n"
            ));
        }
        input.write_all(flood.as_bytes()).await.unwrap();
        input
    });
    let mut peak = baseline;
    for _ in 0..300 {
        peak = peak.max(rss_of(pid));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !writer.is_finished(),
        "the server stops reading while its output is not read"
    );
    let grown = peak.saturating_sub(baseline);
    assert!(
        grown < 32 << 20,
        "the server grew by {} MiB while its client did not read",
        grown >> 20
    );
    // Once the client reads, every ping is answered (calls run side by side,
    // so not necessarily in order), each once.
    let mut lines = lines;
    let mut answered = vec![false; PINGS as usize + 1];
    for _ in 1..=PINGS {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("answers keep coming")
            .unwrap()
            .expect("a line");
        let reply: Value = serde_json::from_str(&line).unwrap();
        assert!(reply.get("result").is_some(), "{line}");
        let id = reply["id"].as_u64().expect("a ping's id") as usize;
        assert!(!std::mem::replace(&mut answered[id], true), "{line}");
    }
    drop(writer.await.unwrap());
    server.finish().await;
}
