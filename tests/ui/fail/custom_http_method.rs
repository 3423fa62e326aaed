use actix_web::route;
use mcp_runtime::mcp_tool;

/// Purges the cache.
#[mcp_tool]
#[route("/cache", method = "PURGE")]
async fn purge() -> &'static str {
    "purged"
}

fn main() {}
