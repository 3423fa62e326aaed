//! The items API: REST under `/items`, the same handlers as MCP tools under `/mcp`.
//!
//! ```text
//! BIND=127.0.0.1:8080 cargo run -p mcp-examples --bin items-api
//! OAUTH_ISSUER=https://login.example.com/realms/items cargo run -p mcp-examples --bin items-api
//! OAUTH_ISSUER=… PUBLIC_URL=https://items.example.com/mcp cargo run -p mcp-examples --bin items-api
//! ```
//!
//! With `OAUTH_ISSUER`, it is an OAuth-protected resource: it discovers the
//! issuer's keys, accepts only JWTs whose audience is its MCP URL (as
//! printed), with scope `items:read` for every request (so every reading
//! tool) and `items:write` for writing tools, and publishes its
//! protected-resource metadata. `PUBLIC_URL` is that MCP URL as clients
//! reach it (e.g. `https://items.example.com/mcp` behind a proxy; default
//! `http://<BIND>/mcp`): the tokens' audience and the metadata's
//! `resource`. Without `OAUTH_ISSUER`, the demo bearer token grants
//! everything and reading tools stay public.
//!
//! With `REDIS_URL` (e.g. `redis://127.0.0.1:6379/0`), sessions, tasks and
//! rate limits live in Redis and the replicas relay to each other what is
//! alive (answers, cancellations, streams, changes), so several replicas
//! (different `BIND`s) serve the same clients behind a load balancer; they
//! sign request state with `MCP_STATE_SECRET` (a demo secret when unset:
//! set your own). Without it, everything stays in memory.

use std::io::Write as _;
use std::net::TcpListener;
use std::time::Duration;

use actix_web::{App, HttpServer};
use mcp_examples::items;
use mcp_runtime::store::redis::Redis;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let db = items::Db::seeded();
    let listener = TcpListener::bind(mcp_examples::bind_address())?;
    let addr = listener.local_addr()?;
    let mcp_url = format!("http://{addr}/mcp");
    // What clients reach, behind a proxy: the tokens' audience.
    let public_url = std::env::var("PUBLIC_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| mcp_url.clone());
    let issuer = std::env::var("OAUTH_ISSUER").ok().filter(|s| !s.is_empty());
    // Start-up checks (duplicate names, auth, schemas, the issuer's keys)
    // fail here, not at the first call.
    let mut builder = items::builder();
    let mut validator = None;
    if let Some(issuer) = &issuer {
        validator = Some(
            items::oauth_validator(issuer, &public_url)
                .await
                .map_err(std::io::Error::other)?,
        );
        builder = items::with_oauth(builder, issuer, &public_url);
    }
    let redis_url = std::env::var("REDIS_URL").ok().filter(|s| !s.is_empty());
    let mut redis = None;
    if let Some(url) = &redis_url {
        let shared = Redis::connect(url, "items-api")
            .await
            .map_err(std::io::Error::other)?;
        redis = Some(shared.clone());
        let redis = shared;
        let secret = std::env::var("MCP_STATE_SECRET")
            .unwrap_or_else(|_| "items-api demo secret: set MCP_STATE_SECRET".to_owned());
        builder = builder
            .session_store(redis.sessions(Duration::from_secs(3600)))
            .task_store(redis.tasks(Duration::from_secs(3600)))
            .rate_limit_store(redis.rate_limits())
            .event_store(redis.events(256, 1 << 20, Duration::from_secs(300)))
            .request_state_key(secret.as_bytes());
    }
    let mcp = builder.build().map_err(std::io::Error::other)?;
    // A client's follow-ups reach the replica they concern.
    if let Some(redis) = &redis {
        mcp.share(redis);
    }
    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(db.clone())
            // For the operators' route that turns tools off and on.
            .app_data(actix_web::web::Data::new(mcp.catalog()));
        // `AuthUser` validates the issuer's tokens when this is there.
        let app = match &validator {
            Some(validator) => app.app_data(validator.clone()),
            None => app,
        };
        // `mcp.app` lets tool calls run through the app's own routes.
        mcp.app(app.configure(items::routes).service(mcp.scope("/mcp")))
    })
    .workers(2)
    // Streamed answers (progress, logs) reach the client without delay.
    .tcp_nodelay(true)
    .listen(listener)?;
    let mut banner = format!("REST API:     http://{addr}/items\nMCP endpoint: {mcp_url}\n");
    banner += &format!("Legacy SSE:   http://{addr}/mcp/sse (2024-11-05 clients)\n");
    match &issuer {
        Some(issuer) => {
            banner += &format!(
                "OAuth: tokens from {issuer} for audience {public_url} \
                 (scope {} for every request, {} to write)\n",
                items::READ,
                items::WRITE
            );
        }
        None => banner += &format!("Demo bearer token: {}\n", items::DEMO_TOKEN),
    }
    if let Some(url) = &redis_url {
        banner += &format!("Sessions, tasks and rate limits in Redis at {url}\n");
    }
    // Last, the MCP URL on a line of its own, for scripts.
    banner += &format!("{mcp_url}\n");
    // A closed stdout (a supervisor, a test that read what it needed) must
    // not stop the server: `println!` would panic on it.
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
