//! Test support: start a real actix `HttpServer` on an ephemeral 127.0.0.1
//! port, and talk to it with the rmcp client or raw HTTP.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use actix_web::{App, HttpServer, web};
use mcp_examples::items;
use rmcp::model::{CallToolRequestParams, CallToolResult, ErrorData};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

pub mod bad_input;
pub mod oidc;
pub mod redis;
pub mod wire;

/// `McpServer::from_registry()` as a test binary needs it: every test
/// binary links the items example, whose tools need its authenticator.
pub fn registry() -> mcp_runtime::McpServerBuilder {
    mcp_runtime::McpServer::from_registry().auth_with_scopes::<items::AuthUser>()
}

/// A running server; stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Serves `App::new().configure(configure)` on its own actix system, as
    /// is (not wrapped by `McpServer::app`: for apps without an MCP endpoint,
    /// or tests of what an unwrapped app does).
    pub fn start<F>(configure: F) -> TestServer
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        Self::start_app(move || App::new().configure(configure.clone()))
    }

    /// Serves the app made by `app` (each worker calls it), as is: wrap it
    /// with `McpServer::app` for tool calls to reach their routes.
    pub fn start_app<F, A, S, B>(app: F) -> TestServer
    where
        F: Fn() -> A + Clone + Send + 'static,
        A: actix_service::IntoServiceFactory<S, actix_http::Request>,
        S: actix_service::ServiceFactory<
                actix_http::Request,
                Config = actix_web::dev::AppConfig,
                Response = actix_web::dev::ServiceResponse<B>,
                Error = actix_web::Error,
                InitError = (),
            > + 'static,
        S::Service: 'static,
        <S::Service as actix_service::Service<actix_http::Request>>::Future: 'static,
        B: actix_web::body::MessageBody + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        Self::serve(listener, app)
    }

    /// Serves the app made by `app` on `listener` (bound already, so its
    /// address can be configured into the app first, e.g. as an OAuth
    /// audience).
    pub fn serve<F, A, S, B>(listener: TcpListener, app: F) -> TestServer
    where
        F: Fn() -> A + Clone + Send + 'static,
        A: actix_service::IntoServiceFactory<S, actix_http::Request>,
        S: actix_service::ServiceFactory<
                actix_http::Request,
                Config = actix_web::dev::AppConfig,
                Response = actix_web::dev::ServiceResponse<B>,
                Error = actix_web::Error,
                InitError = (),
            > + 'static,
        S::Service: 'static,
        <S::Service as actix_service::Service<actix_http::Request>>::Future: 'static,
        B: actix_web::body::MessageBody + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let addr = listener.local_addr().expect("local addr");
                let server = HttpServer::new(app)
                    .workers(2)
                    // As the README advises: streamed answers without Nagle's delay.
                    .tcp_nodelay(true)
                    .listen(listener)
                    .expect("listen")
                    .run();
                tx.send((addr, server.handle())).expect("report address");
                server.await.expect("server runs");
            });
        });
        let (addr, handle) = rx.recv().expect("server started");
        TestServer {
            addr,
            handle,
            thread: Some(thread),
        }
    }

    /// Serves `configure`'s routes and `mcp` at `/mcp`, in an app wrapped by
    /// `mcp.app` so tool calls go through their routes.
    pub fn with_mcp<F>(mcp: mcp_runtime::McpServer, configure: F) -> TestServer
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        TestServer::start_app(move || {
            mcp.app(
                App::new()
                    .configure(configure.clone())
                    .service(mcp.scope("/mcp")),
            )
        })
    }

    /// The example items API: REST routes plus the MCP scope at `/mcp`.
    pub fn items() -> TestServer {
        let mcp = items::mcp_server().expect("example registry builds");
        Self::items_with(mcp)
    }

    /// The example items API, its MCP server answering every request as
    /// an event stream (`always_stream`).
    pub fn items_streaming() -> TestServer {
        let mcp = items::builder()
            .streams(mcp_runtime::config::StreamConfig::default().always_stream(true))
            .build()
            .expect("example registry builds");
        Self::items_with(mcp)
    }

    /// The example items API with a custom-built MCP server.
    pub fn items_with(mcp: mcp_runtime::McpServer) -> TestServer {
        let db = items::Db::seeded();
        TestServer::with_mcp(mcp, move |cfg| {
            cfg.app_data(db.clone()).configure(items::routes);
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn mcp_url(&self) -> String {
        self.url("/mcp")
    }

    /// An rmcp client, initialized, without credentials.
    pub async fn client(&self) -> McpClient {
        ().serve(StreamableHttpClientTransport::from_uri(self.mcp_url()))
            .await
            .expect("rmcp client initializes")
    }

    /// An rmcp client sending `Authorization: Bearer <token>`.
    pub async fn client_with_token(&self, token: &str) -> McpClient {
        let config =
            StreamableHttpClientTransportConfig::with_uri(self.mcp_url()).auth_header(token);
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("rmcp client initializes")
    }

    /// A raw HTTP client for the MCP endpoint.
    pub fn raw(&self) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: self.mcp_url(),
            session: None,
            version: None,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // `stop` is async and the test may be inside a tokio runtime, so it
        // is driven on a thread of its own.
        let handle = self.handle.clone();
        let stopper =
            std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)));
        let _ = stopper.join();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An initialized rmcp client.
pub type McpClient = RunningService<RoleClient, ()>;

fn params(tool: &'static str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("tool arguments are an object, got {arguments}")
    };
    CallToolRequestParams::new(tool).with_arguments(arguments)
}

/// Calls a tool, returning whatever the client made of the answer.
pub async fn try_call(
    client: &McpClient,
    tool: &'static str,
    arguments: Value,
) -> Result<CallToolResult, rmcp::ServiceError> {
    client.call_tool(params(tool, arguments)).await
}

/// Calls a tool, expecting a result (possibly `isError`).
pub async fn call(client: &McpClient, tool: &'static str, arguments: Value) -> CallToolResult {
    try_call(client, tool, arguments)
        .await
        .expect("tools/call answered with a result")
}

/// Calls a tool, expecting a JSON-RPC error.
pub async fn call_error(client: &McpClient, tool: &'static str, arguments: Value) -> ErrorData {
    match try_call(client, tool, arguments).await {
        Err(rmcp::ServiceError::McpError(e)) => e,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

/// The text blocks of a tool result, joined by newlines.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sends a (REST) request and parses its JSON body.
pub async fn json_body(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("a JSON body")
}

/// A response as seen on the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// The key of the first of `result`'s `inputRequests` (an `input_required`
/// result, or a task's status): where its answer goes.
pub fn first_question(result: &Value) -> String {
    result["inputRequests"]
        .as_object()
        .and_then(|r| r.keys().next().cloned())
        .unwrap_or_else(|| panic!("a question: {result}"))
}

impl Reply {
    /// The id of the task a `tools/call` created.
    pub fn task_id(&self) -> String {
        self.body["result"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("a task: {:?}", self.body))
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of a JSON-RPC error body.
    pub fn error_code(&self) -> Option<i64> {
        self.body.pointer("/error/code").and_then(Value::as_i64)
    }
}

/// Hand-made MCP requests, for what a well-behaved client never sends.
#[derive(Clone)]
pub struct Raw {
    http: reqwest::Client,
    url: String,
    /// Sent as `Mcp-Session-Id` when set.
    pub session: Option<String>,
    /// Sent as `MCP-Protocol-Version` when set.
    pub version: Option<String>,
}

impl Raw {
    /// POSTs `body` (bytes as given) with the usual MCP headers plus `extra`.
    pub async fn post_bytes(
        &self,
        body: impl Into<reqwest::Body>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        if let Some(s) = &self.session {
            headers.push(("mcp-session-id", s));
        }
        if let Some(v) = &self.version {
            headers.push(("mcp-protocol-version", v));
        }
        // `extra` replaces a usual header of the same name.
        headers.retain(|(k, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(k)));
        let mut req = self.http.post(&self.url);
        for (k, v) in headers.iter().chain(extra) {
            req = req.header(*k, *v);
        }
        Self::read(req.body(body).send().await.expect("request sent")).await
    }

    pub async fn post(&self, body: Value) -> Reply {
        self.post_bytes(body.to_string(), &[]).await
    }

    pub async fn request(&self, method: reqwest::Method, extra: &[(&str, &str)]) -> Reply {
        let mut req = self.http.request(method, &self.url);
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        Self::read(req.send().await.expect("request sent")).await
    }

    async fn read(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Initializes with `version`, keeping the session id and version for
    /// later requests; returns the `initialize` reply.
    pub async fn initialize(&mut self, version: &str) -> Reply {
        self.initialize_with(version, &[]).await
    }

    /// `initialize` with `extra` headers (credentials).
    pub async fn initialize_with(&mut self, version: &str, extra: &[(&str, &str)]) -> Reply {
        let body = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "raw-test", "version": "0"}
            }
        });
        let reply = self.post_bytes(body.to_string(), extra).await;
        self.session = reply.header("mcp-session-id").map(str::to_owned);
        self.version = reply
            .body
            .pointer("/result/protocolVersion")
            .and_then(Value::as_str)
            .map(str::to_owned);
        reply
    }

    /// POSTs `body` with the session's headers plus `extra`, expecting an
    /// event stream, read one event at a time.
    pub async fn post_stream(&self, body: Value, extra: &[(&str, &str)]) -> EventReader {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(s) = &self.session {
            request = request.header("mcp-session-id", s);
        }
        if let Some(v) = &self.version {
            request = request.header("mcp-protocol-version", v);
        }
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        let response = request.body(body.to_string()).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventReader::new(response)
    }

    /// GETs the session's stream (the standalone one, or with
    /// `last_event_id` the rest of a lost one).
    pub async fn get_stream(&self, last_event_id: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .get(&self.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", self.session.clone().unwrap());
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        request.send().await.unwrap()
    }

    /// Calls a tool and returns the whole reply.
    pub async fn call(&self, id: i64, tool: &str, arguments: Value) -> Reply {
        self.post(json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}
        }))
        .await
    }
}

/// A client that records what the server sends it while a request runs
/// (progress, log messages, questions) and answers questions as told.
#[derive(Clone, Default)]
pub struct Recorder {
    /// Capabilities declared at `initialize`, as JSON.
    pub capabilities: Value,
    /// Progress notifications, in arrival order.
    pub progress: Arc<Mutex<Vec<rmcp::model::ProgressNotificationParam>>>,
    /// Log messages, as JSON, in arrival order.
    pub logs: Arc<Mutex<Vec<Value>>>,
    /// Sampling requests received, as JSON.
    pub sampled: Arc<Mutex<Vec<Value>>>,
    /// Elicitation requests received, as JSON.
    pub elicited: Arc<Mutex<Vec<Value>>>,
    /// The answer to elicitations: `{"action": …, "content"?: …}`.
    pub elicit_answer: Value,
}

impl Recorder {
    /// A recorder declaring `capabilities` (e.g. `{"sampling": {}}`).
    pub fn declaring(capabilities: Value) -> Recorder {
        Recorder {
            capabilities,
            elicit_answer: json!({"action": "decline"}),
            ..Recorder::default()
        }
    }

    /// Initializes against `url`.
    pub async fn connect(self, url: String) -> RunningService<RoleClient, Recorder> {
        self.serve(StreamableHttpClientTransport::from_uri(url))
            .await
            .expect("recorder initializes")
    }
}

fn push<T>(log: &Mutex<Vec<T>>, item: T) {
    log.lock().unwrap_or_else(|p| p.into_inner()).push(item);
}

/// A snapshot of a recorded list.
pub fn seen<T: Clone>(log: &Mutex<Vec<T>>) -> Vec<T> {
    log.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// What the runs of a tool did, by the name each run is given (a tool
/// argument): a test names the run it starts and watches that one, even
/// with other tests calling the same tool side by side.
pub struct Runs<T> {
    runs: Mutex<BTreeMap<String, Arc<T>>>,
}

impl<T: Default> Runs<T> {
    /// None yet; usable as a `static`.
    pub const fn new() -> Self {
        Runs {
            runs: Mutex::new(BTreeMap::new()),
        }
    }

    /// The run called `name`, begun (as `T::default()`) on first use.
    pub fn get(&self, name: &str) -> Arc<T> {
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name.to_owned())
            .or_default()
            .clone()
    }
}

impl<T: Default> Default for Runs<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(deprecated)]
impl rmcp::ClientHandler for Recorder {
    fn get_info(&self) -> rmcp::model::ClientInfo {
        let capabilities = serde_json::from_value(self.capabilities.clone()).unwrap_or_default();
        rmcp::model::ClientInfo::new(
            capabilities,
            rmcp::model::Implementation::new("recorder", "1.0"),
        )
    }

    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _: rmcp::service::NotificationContext<RoleClient>,
    ) {
        push(&self.progress, params);
    }

    async fn on_logging_message(
        &self,
        params: rmcp::model::LoggingMessageNotificationParam,
        _: rmcp::service::NotificationContext<RoleClient>,
    ) {
        push(&self.logs, serde_json::to_value(params).unwrap_or_default());
    }

    async fn create_message(
        &self,
        params: rmcp::model::CreateMessageRequestParams,
        _: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::CreateMessageResult, ErrorData> {
        push(
            &self.sampled,
            serde_json::to_value(&params).unwrap_or_default(),
        );
        Ok(rmcp::model::CreateMessageResult::new(
            rmcp::model::SamplingMessage::assistant_text("sampled answer"),
            "test-model".into(),
        ))
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, ErrorData> {
        push(
            &self.elicited,
            serde_json::to_value(&request).unwrap_or_default(),
        );
        serde_json::from_value(self.elicit_answer.clone())
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))
    }
}

/// The JSON messages of a server-sent-events body (`data:` lines), in
/// order; priming events (empty data) and comments are skipped.
pub fn sse_messages(body: &str) -> Vec<Value> {
    body.split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            let data = data.join("\n");
            (!data.is_empty()).then(|| serde_json::from_str(&data).expect("JSON event"))
        })
        .collect()
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The `event:` field (the event's type), if any.
    pub event: Option<String>,
    pub id: Option<String>,
    pub retry: Option<u64>,
    /// The `data:` lines, joined; empty for a priming event.
    pub data: String,
}

impl Event {
    /// The event's JSON-RPC message (`None` for a priming event).
    pub fn message(&self) -> Option<Value> {
        (!self.data.is_empty()).then(|| serde_json::from_str(&self.data).expect("JSON event"))
    }
}

/// Reads a server-sent-event response one event at a time, so a test can
/// stop (and drop the connection) wherever it wants.
pub struct EventReader {
    response: reqwest::Response,
    buffer: String,
}

impl EventReader {
    pub fn new(response: reqwest::Response) -> Self {
        EventReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next JSON-RPC message (events without one skipped), or `None`
    /// at the end of the stream; panics after 10 s without one.
    pub async fn next_message(&mut self) -> Option<Value> {
        loop {
            let event = tokio::time::timeout(std::time::Duration::from_secs(10), self.next())
                .await
                .expect("a message within 10 s")?;
            if let Some(message) = event.message() {
                return Some(message);
            }
        }
    }

    /// Reads up to the first JSON-RPC message: it, and the id of the last
    /// event read (a priming event's, or its own), to resume after it.
    pub async fn until_message(&mut self) -> (Value, String) {
        let mut last = None;
        loop {
            let event = self.next().await.expect("an event");
            last = event.id.clone().or(last);
            if let Some(message) = event.message() {
                return (message, last.expect("the stream's events have ids"));
            }
        }
    }

    /// The JSON-RPC messages left, up to the end of the stream.
    pub async fn remaining_messages(mut self) -> Vec<Value> {
        let mut messages = Vec::new();
        while let Some(message) = self.next_message().await {
            messages.push(message);
        }
        messages
    }

    /// The next event (comments skipped), or `None` at the end of the stream.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    event: None,
                    id: None,
                    retry: None,
                    data: String::new(),
                };
                let mut data = Vec::new();
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event.event = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("id:") {
                        event.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("retry:") {
                        event.retry = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if raw.starts_with(':') && data.is_empty() && event.id.is_none() {
                    continue; // a comment (keep-alive)
                }
                event.data = data.join("\n");
                return Some(event);
            }
            let chunk = self.response.chunk().await.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Panics unless `seen` is one whole run of the example's `reindex`
/// answering request `id`: its three progress notifications, each once,
/// then its result.
pub fn assert_whole_reindex(seen: &[Value], id: i64) {
    let progress: Vec<_> = seen
        .iter()
        .filter_map(|m| m["params"]["progress"].as_f64())
        .collect();
    assert_eq!(progress, [1.0, 2.0, 3.0], "every progress, once: {seen:?}");
    let result = seen.last().expect("messages");
    assert_eq!(result["id"], id, "then the result: {seen:?}");
    assert_eq!(
        result["result"]["structuredContent"]["items"], 3,
        "{result}"
    );
}

/// Requests of the 2026-07-28 revision: no session, `_meta` in every
/// request, headers repeating the body.
pub mod stateless {
    use serde_json::{Value, json};

    use crate::{Reply, TestServer};

    /// The revision.
    pub const V: &str = "2026-07-28";

    /// The names of the tools `tools/list` shows, with `extra` headers.
    pub async fn tool_names(server: &TestServer, extra: &[(&str, &str)]) -> Vec<String> {
        let reply = send(server, "tools/list", json!({}), extra).await;
        reply.body["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("tools: {:?}", reply.body))
            .iter()
            .map(|t| t["name"].as_str().expect("a name").to_owned())
            .collect()
    }

    /// A request's `_meta`, declaring `capabilities`.
    pub fn meta(capabilities: Value) -> Value {
        json!({
            "io.modelcontextprotocol/protocolVersion": V,
            "io.modelcontextprotocol/clientInfo": {"name": "stateless-test", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": capabilities
        })
    }

    /// POSTs a stateless request with the headers the revision requires
    /// (`Mcp-Name` from `params.name` or `params.uri`); `extra` replaces or
    /// adds headers. `params` without `_meta` get one declaring nothing.
    pub async fn send(
        server: &TestServer,
        method: &str,
        mut params: Value,
        extra: &[(&str, &str)],
    ) -> Reply {
        if params.get("_meta").is_none() {
            params["_meta"] = meta(json!({}));
        }
        let name = params
            .get("name")
            .or_else(|| params.get("uri"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut headers = vec![
            ("mcp-protocol-version", V.to_owned()),
            ("mcp-method", method.to_owned()),
        ];
        if let Some(name) = name {
            headers.push(("mcp-name", name));
        }
        let mut headers: Vec<(&str, &str)> =
            headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        headers.retain(|(k, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(k)));
        headers.extend_from_slice(extra);
        server
            .raw()
            .post_bytes(
                json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params}).to_string(),
                &headers,
            )
            .await
    }
}
