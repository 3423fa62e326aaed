//! The items API: REST under `/items`, the same handlers as MCP tools under `/mcp`.
//!
//! ```text
//! BIND=127.0.0.1:8080 cargo run -p mcp-examples --bin items-api
//! ```

use std::io::Write as _;

use actix_web::{App, HttpServer};
use mcp_examples::items;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let db = items::Db::seeded();
    // Start-up checks (duplicate names, auth, schemas) fail here, not at the first call.
    let mcp = items::mcp_server().map_err(std::io::Error::other)?;
    let server = HttpServer::new(move || {
        // `mcp.app` lets tool calls run through the app's own routes.
        mcp.app(
            App::new()
                .app_data(db.clone())
                .configure(items::routes)
                .service(mcp.scope("/mcp")),
        )
    })
    .workers(2)
    // Streamed answers (progress, logs) reach the client without delay.
    .tcp_nodelay(true)
    .bind(mcp_examples::bind_address())?;
    let mut banner = String::new();
    for addr in server.addrs() {
        banner += &format!("REST API:     http://{addr}/items\nMCP endpoint: http://{addr}/mcp\n");
        banner += &format!("Legacy SSE:   http://{addr}/mcp/sse (2024-11-05 clients)\n");
    }
    banner += &format!("Demo bearer token: {}\n", items::DEMO_TOKEN);
    // A closed stdout (a supervisor, a test that read what it needed) must
    // not stop the server: `println!` would panic on it.
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
