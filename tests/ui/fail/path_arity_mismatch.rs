use actix_web::{get, web};
use mcp_runtime::mcp_tool;

/// Fetches an item of an organization.
#[mcp_tool]
#[get("/orgs/{org}/items")]
async fn get_item(path: web::Path<(String, u64)>) -> String {
    let (org, id) = path.into_inner();
    format!("{org}/{id}")
}

fn main() {}
