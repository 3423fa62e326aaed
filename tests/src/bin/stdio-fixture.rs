//! A stdio server for `tests/stdio.rs`: the example items app (its `Db` in
//! `app_data`, its routes and `AuthUser`), wrapped in an App middleware that
//! stamps `X-Request-Id` on requests, plus tools that talk back while they
//! run (progress and log messages, a call that runs until cancelled,
//! questions to the client). It logs to stderr, as a stdio server must,
//! including what the tests watch for: `crunch <name> started` and
//! `crunch <name> stopped` (when the handler's future is dropped).
//!
//! `ITEMS_TOKEN`, when set, is sent as the bearer token of every tool call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, Error, post, web};
use mcp_examples::items;
use mcp_runtime::{Elicitation, LogLevel, McpContext, McpServer, Sample, mcp_tool};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Count {
    /// How far to count.
    to: u32,
}

/// Count to `to`, reporting progress and logging each step.
#[mcp_tool]
#[post("/count")]
async fn count(goal: web::Json<Count>, ctx: McpContext) -> String {
    for i in 1..=goal.to {
        ctx.progress(f64::from(i), Some(f64::from(goal.to)), None)
            .await;
        ctx.log(LogLevel::Info, format!("step {i}")).await;
    }
    ctx.log(LogLevel::Warning, "counted").await;
    format!("counted to {}", goal.to)
}

#[derive(Deserialize, JsonSchema)]
struct Job {
    /// Names the run in the log.
    name: String,
}

/// Prints a line to stderr when dropped.
struct Announce(String);

impl Drop for Announce {
    fn drop(&mut self) {
        eprintln!("{}", self.0);
    }
}

/// Work until cancelled, reporting progress every 20 ms.
#[mcp_tool]
#[post("/crunch")]
async fn crunch(job: web::Json<Job>, ctx: McpContext) -> String {
    eprintln!("crunch {} started", job.name);
    let _stopped = Announce(format!("crunch {} stopped", job.name));
    let mut step = 0.0;
    loop {
        ctx.progress(step, None, None).await;
        step += 1.0;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Summarize with the client's model.
#[mcp_tool]
#[post("/summarize")]
async fn summarize(ctx: McpContext) -> String {
    match ctx
        .sample(Sample::user("Summarize the catalog").max_tokens(20))
        .await
    {
        Ok(answer) => format!("{} said: {}", answer.model, answer.text()),
        Err(e) => format!("no sample: {e}"),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Confirmation {
    /// Whether to go ahead.
    proceed: bool,
}

/// Ask the user before going ahead.
#[mcp_tool]
#[post("/confirm")]
async fn confirm(ctx: McpContext) -> String {
    match ctx.elicit::<Confirmation>("Go ahead?").await {
        Ok(Elicitation::Accept(c)) => format!("proceed: {}", c.proceed),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("cannot ask: {e}"),
    }
}

/// List the client's roots.
#[mcp_tool]
#[post("/roots")]
async fn roots(ctx: McpContext) -> String {
    match ctx.list_roots().await {
        Ok(listed) => format!("{} roots", listed.len()),
        Err(e) => format!("no roots: {e}"),
    }
}

/// App middleware: every request gets an `X-Request-Id` (`stdio-<n>`)
/// unless it has one.
async fn stamp_request_id(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let name = HeaderName::from_static("x-request-id");
    if !req.headers().contains_key(&name) {
        let id = format!("stdio-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let value = HeaderValue::from_str(&id).expect("ASCII");
        req.headers_mut().insert(name, value);
    }
    next.call(req).await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mcp = McpServer::from_registry()
        .name("stdio-fixture")
        .auth_with_scopes::<items::AuthUser>()
        .build()
        .map_err(std::io::Error::other)?;
    let app = App::new()
        .wrap(from_fn(stamp_request_id))
        .app_data(items::Db::seeded())
        .configure(items::routes)
        .service(count)
        .service(crunch)
        .service(summarize)
        .service(confirm)
        .service(roots);
    let mut stdio = mcp.stdio(app);
    if let Ok(token) = std::env::var("ITEMS_TOKEN") {
        stdio = stdio.insert_header(("authorization", format!("Bearer {token}")));
    }
    eprintln!("stdio-fixture: serving");
    let served = stdio.await;
    eprintln!("stdio-fixture: done ({served:?})");
    served
}
