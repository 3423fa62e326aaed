//! Criterion micro-benchmarks of the call path, in process: each request is
//! sent to the app's service with `actix_web::test::call_service` (no
//! sockets, no HTTP parsing), so what is measured is the work of the
//! handler, of the MCP layers around it (JSON-RPC decoding, argument
//! mapping, the forwarded request through the app, result encoding), and
//! of building the registry.
//!
//! ```sh
//! cargo bench -p mcp-tests --bench micro
//! ```
//!
//! Groups: `call` (the REST request, the same handler as a `tools/call`
//! stateless and in a session, answered in JSON and over SSE, and
//! `tools/list`, stateless and in a session); `stage` (the stages of that
//! call one at a time, through `mcp_runtime::__bench`: JSON-RPC decoding
//! with the stateless check, argument mapping, building the forwarded
//! request, result encoding, and the `tools/list` page); `build`
//! (`McpServer::build` with the bench binary's tools).

mod common;

use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::{App, HttpRequest, HttpResponse, body::MessageBody as _, web};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mcp_runtime::__bench::Stages;
use mcp_runtime::config::StreamConfig;
use std::cell::RefCell;
use std::hint::black_box;

const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"micro","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;

/// A stateless request's body: `params` are the members before `_meta`,
/// each followed by a comma.
fn body(method: &str, params: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{{{params}{META}}}}}"#)
}

/// A stateless request at `path`.
fn stateless(path: &str, method: &str, name: Option<&str>, params: &str) -> TestRequest {
    let body = body(method, params);
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .insert_header(("accept", "application/json, text/event-stream"))
        .insert_header(("mcp-protocol-version", common::STATELESS))
        .insert_header(("mcp-method", method.to_owned()))
        .set_payload(body);
    if let Some(name) = name {
        req = req.insert_header(("mcp-name", name.to_owned()));
    }
    req
}

fn call(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let mcp = common::builder(false).build().expect("registry builds");
    let mcp_sse = common::builder(false)
        .streams(StreamConfig::default().always_stream(true))
        .build()
        .expect("registry builds");
    let app = system.block_on(init_service(
        mcp.app(
            App::new()
                .service(common::bench_echo)
                .service(mcp.scope("/mcp"))
                .service(mcp_sse.scope("/mcp-sse")),
        ),
    ));
    let mut group = c.benchmark_group("call");
    group.bench_function("REST GET /bench/echo/hi", |b| {
        b.iter(|| {
            system.block_on(async {
                let res =
                    call_service(&app, TestRequest::get().uri("/bench/echo/hi").to_request()).await;
                assert!(res.status().is_success());
                black_box(read_body(res).await)
            })
        })
    });
    // Each call's answer is checked once, outside the timing.
    let mut tool_call = |name: &str, request: &dyn Fn() -> TestRequest| {
        system.block_on(async {
            let res = call_service(&app, request().to_request()).await;
            let body = read_body(res).await;
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains(r#""text":"hi""#), "{name}: {text}");
        });
        group.bench_function(name, |b| {
            b.iter(|| {
                system.block_on(async {
                    let res = call_service(&app, request().to_request()).await;
                    assert!(res.status().is_success());
                    black_box(read_body(res).await)
                })
            })
        });
    };
    let stateless_call = |path: &str| {
        stateless(
            path,
            "tools/call",
            Some("bench_echo"),
            r#""name":"bench_echo","arguments":{"word":"hi"},"#,
        )
    };
    tool_call("tools/call (stateless, JSON)", &|| stateless_call("/mcp"));
    tool_call("tools/call (stateless, SSE answer)", &|| {
        stateless_call("/mcp-sse")
    });
    let session = system.block_on(open_session(&app, "/mcp"));
    tool_call("tools/call (session, JSON)", &|| {
        in_session("/mcp", &session, CALL)
    });
    tool_call(
        "tools/call (session, JSON), hand-written tool (no pass through the app)",
        &|| in_session("/mcp", &session, DIRECT),
    );
    let sse_session = system.block_on(open_session(&app, "/mcp-sse"));
    tool_call("tools/call (session, SSE answer)", &|| {
        in_session("/mcp-sse", &sse_session, CALL)
    });
    let mut list_call = |name: &str, request: &dyn Fn() -> TestRequest| {
        group.bench_function(name, |b| {
            b.iter(|| {
                system.block_on(async {
                    let res = call_service(&app, request().to_request()).await;
                    assert!(res.status().is_success());
                    black_box(res.into_body().try_into_bytes().is_ok())
                })
            })
        });
    };
    list_call("tools/list (session)", &|| {
        in_session(
            "/mcp",
            &session,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        )
    });
    list_call("tools/list (stateless)", &|| {
        stateless("/mcp", "tools/list", None, "")
    });
    group.finish();
}

/// The session rows' `tools/call`.
const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"bench_echo","arguments":{"word":"hi"}}}"#;

/// The same call of the hand-written `bench_echo_direct`.
const DIRECT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"bench_echo_direct","arguments":{"word":"hi"}}}"#;

/// A request with `body` in `session`, at `path`.
fn in_session(path: &str, session: &str, body: &'static str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/json"))
        .insert_header(("accept", "application/json, text/event-stream"))
        .insert_header(("mcp-protocol-version", common::HANDSHAKE))
        .insert_header(("mcp-session-id", session.to_owned()))
        .set_payload(body)
}

/// `initialize` and `notifications/initialized`: the session id the
/// session rows call in.
async fn open_session<S, B>(app: &S, path: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let post = |body: String| {
        TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/json"))
            .insert_header(("accept", "application/json, text/event-stream"))
            .set_payload(body)
    };
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{}","capabilities":{{}},"clientInfo":{{"name":"micro","version":"1"}}}}}}"#,
        common::HANDSHAKE
    );
    let res = call_service(app, post(init).to_request()).await;
    assert!(res.status().is_success());
    let session = res
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .expect("a session id")
        .to_owned();
    let initialized = post(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.into())
        .insert_header(("mcp-session-id", session.clone()))
        .insert_header(("mcp-protocol-version", common::HANDSHAKE))
        .to_request();
    assert_eq!(call_service(app, initialized).await.status().as_u16(), 202);
    session
}

thread_local! {
    /// A request seen by a handler inside the app, kept for the stages that
    /// need one (as the MCP request a call is forwarded from).
    static HOST: RefCell<Option<HttpRequest>> = const { RefCell::new(None) };
}

async fn keep_host(req: HttpRequest) -> HttpResponse {
    HOST.with(|host| *host.borrow_mut() = Some(req));
    HttpResponse::Ok().finish()
}

fn stage(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let mcp = common::builder(false).build().expect("registry builds");
    let stages = Stages::new(&mcp, "bench_echo").expect("bench_echo is a route tool");
    let app = system.block_on(init_service(
        mcp.app(
            App::new()
                .service(common::bench_echo)
                .route("/mcp/host", web::post().to(keep_host))
                .service(mcp.scope("/mcp")),
        ),
    ));
    let params = r#""name":"bench_echo","arguments":{"word":"hi"},"#;
    let body = body("tools/call", params);
    let host = system.block_on(async {
        let req = stateless("/mcp/host", "tools/call", Some("bench_echo"), params);
        call_service(&app, req.to_request()).await;
        HOST.with(|h| h.borrow_mut().take())
            .expect("the handler kept its request")
    });
    let args = Stages::decode(body.as_bytes(), host.headers()).expect("the call decodes");
    let mut group = c.benchmark_group("stage");
    group.bench_function("JSON-RPC decode (envelope, stateless check, params)", |b| {
        b.iter(|| black_box(Stages::decode(body.as_bytes(), host.headers())))
    });
    group.bench_function("argument mapping", |b| {
        b.iter_batched(
            || args.clone(),
            |args| black_box(stages.map_arguments(args)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("building the forwarded request", |b| {
        b.iter_batched(
            || {
                stages
                    .map_arguments(args.clone())
                    .expect("the arguments map")
            },
            |mapped| black_box(stages.forward(&host, mapped)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("result encoding", |b| {
        b.iter_batched(
            || HttpResponse::Ok().content_type("text/plain").body("hi"),
            |response| black_box(system.block_on(stages.encode(response))),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("tools/list page", |b| b.iter(|| black_box(stages.list())));
    group.finish();
}

fn build(c: &mut Criterion) {
    c.bench_function("build/McpServer::build (the bench binary's tools)", |b| {
        b.iter(|| black_box(common::builder(false).build().expect("registry builds")))
    });
}

criterion_group!(benches, call, stage, build);
criterion_main!(benches);
