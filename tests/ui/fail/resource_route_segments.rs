use actix_web::{get, web};
use mcp_runtime::mcp_resource;

/// A segment the URI does not name, and a variable the route does not have.
#[mcp_resource(uri = "items://{item}")]
#[get("/items/{id}")]
async fn get_item(id: web::Path<u64>) -> String {
    id.to_string()
}

/// A static URI for a route with segments.
#[mcp_resource(uri = "orgs://all")]
#[get("/orgs/{org}/items")]
async fn org_items(org: web::Path<String>) -> String {
    org.into_inner()
}

fn main() {}
