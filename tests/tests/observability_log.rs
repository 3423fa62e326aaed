//! Without a `tracing` subscriber, an app that logs through the `log` crate
//! (`env_logger` and the like) still sees each tool call's span and its
//! fields: tracing's `log` feature writes them there. (A binary of its own:
//! the logger is global, and no subscriber may be set.)

use std::sync::Mutex;

use actix_web::{App, get};
use mcp_runtime::mcp_tool;
use mcp_tests::TestServer;
use serde_json::json;

/// Greet by name.
#[mcp_tool]
#[get("/greet/{name}")]
async fn greet(name: actix_web::web::Path<String>) -> String {
    format!("hello {name}")
}

/// Every record at `Info` or above, as `target message`.
struct Lines(Mutex<Vec<String>>);

impl log::Log for Lines {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.target(), record.args());
            self.0.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

static LINES: Lines = Lines(Mutex::new(Vec::new()));

#[tokio::test]
async fn a_log_logger_sees_each_tool_calls_span() {
    log::set_logger(&LINES).expect("the only logger of this test binary");
    log::set_max_level(log::LevelFilter::Info);
    let mcp = mcp_tests::registry().build().unwrap();
    let server = TestServer::start_app(move || {
        mcp.app(App::new().service(greet).service(mcp.scope("/mcp")))
    });
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    raw.call(7, "greet", json!({"name": "ann"})).await;

    let lines = LINES.0.lock().unwrap().clone();
    let span: Vec<&String> = lines
        .iter()
        .filter(|line| line.contains("mcp.tool_call"))
        .collect();
    assert!(
        span.iter()
            .any(|l| l.contains("tool=\"greet\"") || l.contains("tool=greet")),
        "{lines:#?}"
    );
    for field in ["http_status=200", "outcome=", "duration_ms="] {
        assert!(
            span.iter().any(|l| l.contains(field)),
            "{field}: {lines:#?}"
        );
    }
}
