//! What operators see: one `tracing` span per tool call, with the tool, the
//! request id, the HTTP status its route answered, the outcome and the
//! duration; a panicking handler logged with its tool and request id.

use std::sync::{Arc, Mutex};

use actix_web::{App, get};
use mcp_runtime::mcp_tool;
use mcp_tests::TestServer;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Greet by name.
#[mcp_tool]
#[get("/greet/{name}")]
async fn greet(name: actix_web::web::Path<String>) -> String {
    format!("hello {name}")
}

/// Always panics.
#[mcp_tool]
#[get("/boom")]
async fn boom() -> String {
    panic!("kaboom")
}

/// A name the spec allows and many clients refuse (over 64 characters).
#[mcp_tool(name = "a_tool_whose_name_goes_on_and_on_past_what_many_clients_will_accept")]
async fn long_name() -> &'static str {
    "long"
}

/// `(field, value as text)` pairs.
type FieldList = Vec<(String, String)>;

/// Fields recorded on spans (by span name) and events, as text.
#[derive(Default, Clone)]
struct Seen {
    spans: Arc<Mutex<Vec<(String, FieldList)>>>,
    events: Arc<Mutex<Vec<FieldList>>>,
}

struct Fields<'a>(&'a mut FieldList);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

struct Index(usize);

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Seen {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((attrs.metadata().name().to_owned(), fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Index(spans.len() - 1));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let Some(Index(i)) = span.extensions().get::<Index>().map(|i| Index(i.0)) else {
            return;
        };
        values.record(&mut Fields(&mut self.spans.lock().unwrap()[i].1));
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn one_span_per_tool_call_and_panics_are_logged_with_their_call() {
    let seen = Seen::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(seen.clone()))
        .expect("the only subscriber of this test binary");
    let mcp = mcp_tests::registry().build().unwrap();
    let server = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(greet)
                .service(boom)
                .service(mcp.scope("/mcp")),
        )
    });
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    raw.call(41, "greet", json!({"name": "ann"})).await;
    raw.call(42, "boom", json!({})).await;

    let spans = seen.spans.lock().unwrap().clone();
    let calls: Vec<&FieldList> = spans
        .iter()
        .filter(|(name, _)| name == "mcp.tool_call")
        .map(|(_, fields)| fields)
        .collect();
    assert_eq!(calls.len(), 2, "one span per call");
    assert_eq!(field(calls[0], "tool"), Some("greet"));
    assert_eq!(field(calls[0], "request_id"), Some("41"));
    assert_eq!(field(calls[0], "http_status"), Some("200"));
    assert_eq!(field(calls[0], "outcome"), Some("ok"));
    assert!(field(calls[0], "duration_ms").is_some());
    assert_eq!(field(calls[1], "tool"), Some("boom"));
    assert_eq!(field(calls[1], "outcome"), Some("error"));

    let events = seen.events.lock().unwrap().clone();
    let panic = events
        .iter()
        .find(|e| field(e, "message").is_some_and(|m| m.contains("handler panicked: kaboom")))
        .expect("the panic is logged");
    assert_eq!(field(panic, "tool"), Some("boom"));
    assert_eq!(field(panic, "request_id"), Some("42"));
    // Built above: a warning for the long name, with where it is written.
    let long = events
        .iter()
        .find(|e| field(e, "message").is_some_and(|m| m.contains("refuse names over 64")))
        .expect("the long name is warned about");
    assert_eq!(
        field(long, "tool"),
        Some("a_tool_whose_name_goes_on_and_on_past_what_many_clients_will_accept")
    );
    assert!(
        field(long, "location").is_some_and(|l| l.contains("observability.rs")),
        "{long:?}"
    );
}
