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
        App::new()
            .app_data(db.clone())
            .configure(items::routes)
            .service(mcp.scope("/mcp"))
    })
    .workers(2)
    .bind(mcp_examples::bind_address())?;
    for addr in server.addrs() {
        println!("REST API:     http://{addr}/items");
        println!("MCP endpoint: http://{addr}/mcp");
    }
    println!("Demo bearer token: {}", items::DEMO_TOKEN);
    std::io::stdout().flush()?;
    server.run().await
}
