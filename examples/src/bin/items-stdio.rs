//! The items API over stdio: the same app as `items-api`, served to the MCP
//! client that launches this binary (Claude Desktop, an IDE), one JSON-RPC
//! message per line on stdin and stdout.
//!
//! ```text
//! ITEMS_TOKEN=demo-token cargo run -p mcp-examples --bin items-stdio
//! ```
//!
//! The bearer token for the tools that need one comes from the environment
//! (`ITEMS_TOKEN`), as stdio credentials should: the client has no way to
//! send headers. Logs go to stderr; stdout carries nothing but the protocol.

use actix_web::App;
use mcp_examples::items;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let db = items::Db::seeded();
    // Start-up checks (duplicate names, auth, schemas) fail here, not at the first call.
    let mcp = items::mcp_server().map_err(std::io::Error::other)?;
    let mut stdio = mcp.stdio(App::new().app_data(db).configure(items::routes));
    if let Ok(token) = std::env::var("ITEMS_TOKEN") {
        // Every tool call carries it, as an HTTP client's header would be.
        stdio = stdio.insert_header(("authorization", format!("Bearer {token}")));
    }
    eprintln!("items-stdio: serving MCP on stdin/stdout");
    stdio.await
}
