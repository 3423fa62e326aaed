//! Example actix-web applications that serve their REST API and an MCP
//! server from the same handlers. Run one with
//! `cargo run -p mcp-examples --bin items-api`.

pub mod items;

/// The address an example listens on: `$BIND` if set, else `127.0.0.1:8080`.
///
/// ```
/// # unsafe { std::env::remove_var("BIND") };
/// assert_eq!(mcp_examples::bind_address(), "127.0.0.1:8080");
/// ```
pub fn bind_address() -> String {
    std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
}
