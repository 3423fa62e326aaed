//! The items API: REST under `/items`, the same handlers as MCP tools under `/mcp`.
//!
//! ```text
//! BIND=127.0.0.1:8080 cargo run -p mcp-examples --bin items-api
//! OAUTH_ISSUER=https://login.example.com/realms/items cargo run -p mcp-examples --bin items-api
//! ```
//!
//! With `OAUTH_ISSUER`, it is an OAuth-protected resource: it discovers the
//! issuer's keys, accepts only JWTs whose audience is its MCP URL (as
//! printed), with scope `items:read` for reading tools and `items:write` for
//! writing ones, and publishes its protected-resource metadata. Without it,
//! the demo bearer token grants everything.

use std::io::Write as _;
use std::net::TcpListener;

use actix_web::{App, HttpServer};
use mcp_examples::items;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let db = items::Db::seeded();
    let listener = TcpListener::bind(mcp_examples::bind_address())?;
    let addr = listener.local_addr()?;
    let mcp_url = format!("http://{addr}/mcp");
    let issuer = std::env::var("OAUTH_ISSUER").ok().filter(|s| !s.is_empty());
    // Start-up checks (duplicate names, auth, schemas, the issuer's keys)
    // fail here, not at the first call.
    let (mcp, validator) = match &issuer {
        Some(issuer) => {
            let validator = items::oauth_validator(issuer, &mcp_url)
                .await
                .map_err(std::io::Error::other)?;
            let mcp = items::oauth_server(issuer, &mcp_url).map_err(std::io::Error::other)?;
            (mcp, Some(validator))
        }
        None => (items::mcp_server().map_err(std::io::Error::other)?, None),
    };
    let server = HttpServer::new(move || {
        let app = App::new().app_data(db.clone());
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
                "OAuth: tokens from {issuer} for audience {mcp_url} \
                 (scopes {} and {})\n",
                items::READ,
                items::WRITE
            );
        }
        None => banner += &format!("Demo bearer token: {}\n", items::DEMO_TOKEN),
    }
    // A closed stdout (a supervisor, a test that read what it needed) must
    // not stop the server: `println!` would panic on it.
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
