use actix_web::{get, web};
use mcp_runtime::mcp_tool;

// Five mistakes, five errors, one compile: nothing stops at the first.
#[mcp_tool(nmae = "x", requires_auth = "yes")]
#[get("/items/{id}")]
async fn get_item(id: web::Path<(u64, u64)>, body: String) -> String {
    format!("{id:?}{body}")
}

fn main() {}
