use actix_web::{post, route};
use mcp_runtime::mcp_resource;

/// Every item.
#[mcp_resource(uri = "items://all")]
#[post("/items")]
async fn items() -> &'static str {
    "[]"
}

/// A purged cache.
#[mcp_resource(uri = "cache://all")]
#[route("/cache", method = "GET", method = "PURGE")]
async fn cache() -> &'static str {
    ""
}

fn main() {}
