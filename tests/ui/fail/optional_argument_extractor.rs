use actix_web::{get, web};
use mcp_runtime::mcp_tool;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Filter {
    tag: String,
}

/// Lists things.
#[mcp_tool]
#[get("/items")]
async fn list(filter: Option<web::Query<Filter>>) -> String {
    filter.map(|f| f.tag.clone()).unwrap_or_default()
}

fn main() {}
