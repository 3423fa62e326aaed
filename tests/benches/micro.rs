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
//! Groups: `call` (the REST request, the same handler as a stateless
//! `tools/call`, and `tools/list`), `build` (`McpServer::build` with the
//! bench binary's tools).

mod common;

use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::{App, body::MessageBody as _};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"micro","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;

fn stateless(method: &str, name: Option<&str>, params: &str) -> TestRequest {
    let body =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{{{params}{META}}}}}"#);
    let mut req = TestRequest::post()
        .uri("/mcp")
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
    let app = system.block_on(init_service(
        mcp.app(
            App::new()
                .service(common::bench_echo)
                .service(mcp.scope("/mcp")),
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
    let tool_call = || {
        stateless(
            "tools/call",
            Some("bench_echo"),
            r#""name":"bench_echo","arguments":{"word":"hi"},"#,
        )
    };
    // The answer is checked once, outside the timing.
    system.block_on(async {
        let res = call_service(&app, tool_call().to_request()).await;
        let body = read_body(res).await;
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(r#""text":"hi""#), "{text}");
    });
    group.bench_function("tools/call (stateless, JSON)", |b| {
        b.iter(|| {
            system.block_on(async {
                let res = call_service(&app, tool_call().to_request()).await;
                assert!(res.status().is_success());
                black_box(read_body(res).await)
            })
        })
    });
    group.bench_function("tools/list (stateless)", |b| {
        b.iter(|| {
            system.block_on(async {
                let res = call_service(&app, stateless("tools/list", None, "").to_request()).await;
                assert!(res.status().is_success());
                black_box(res.into_body().try_into_bytes().is_ok())
            })
        })
    });
    group.finish();
}

fn build(c: &mut Criterion) {
    c.bench_function("build/McpServer::build (the bench binary's tools)", |b| {
        b.iter(|| black_box(common::builder(false).build().expect("registry builds")))
    });
}

criterion_group!(benches, call, build);
criterion_main!(benches);
