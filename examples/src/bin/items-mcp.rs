//! The items API's MCP server as a process of its own, in front of the API
//! running elsewhere (`items-api`): the same registry and schemas, every
//! call sent over HTTP to `API_URL`.
//!
//! ```text
//! cargo run -p mcp-examples --bin items-api                                   # the API on :8080
//! API_URL=http://127.0.0.1:8080 BIND=127.0.0.1:8081 cargo run -p mcp-examples --bin items-mcp
//! ```
//!
//! It authenticates MCP clients itself (the demo token) and calls the API
//! with its own credentials (`API_TOKEN`, default the demo token); the
//! client's token never reaches the API.

use std::io::Write as _;
use std::net::TcpListener;

use actix_web::{App, HttpServer};
use mcp_examples::items;
use mcp_runtime::config::Upstream;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let api = std::env::var("API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
    let token = std::env::var("API_TOKEN").unwrap_or_else(|_| items::DEMO_TOKEN.to_owned());
    let mcp = items::builder()
        .upstream(Upstream::new(&api).header("authorization", &format!("Bearer {token}")))
        .build()
        .map_err(std::io::Error::other)?;
    let listener = TcpListener::bind(mcp_examples::bind_address())?;
    let addr = listener.local_addr()?;
    let server = HttpServer::new(move || {
        // The API's routes, for their paths: their handlers run at the API.
        mcp.app(
            App::new()
                .configure(items::routes)
                .service(mcp.scope("/mcp")),
        )
    })
    .workers(2)
    .tcp_nodelay(true)
    .listen(listener)?;
    // Last, the MCP URL on a line of its own, for scripts.
    let banner =
        format!("Calls go to:  {api}\nMCP endpoint: http://{addr}/mcp\nhttp://{addr}/mcp\n");
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
