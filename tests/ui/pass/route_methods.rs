//! `#[mcp_tool]` above every actix route attribute; the REST services stay
//! usable with `.service(..)`.

use actix_web::{App, HttpResponse, delete, get, head, patch, post, put, route, web};
use mcp_runtime::{McpServer, mcp_tool};

/// GET.
#[mcp_tool]
#[get("/a")]
async fn a_get() -> &'static str {
    "a"
}

/// POST.
#[mcp_tool]
#[post("/a")]
async fn a_post(body: web::Json<Vec<u32>>) -> String {
    body.len().to_string()
}

/// PUT.
#[mcp_tool]
#[put("/a/{id}")]
async fn a_put(id: web::Path<u32>) -> String {
    id.to_string()
}

/// PATCH.
#[mcp_tool]
#[patch("/a/{id}")]
async fn a_patch(id: web::Path<u32>) -> String {
    id.to_string()
}

/// DELETE.
#[mcp_tool]
#[delete("/a/{id}")]
async fn a_delete(id: web::Path<u32>) -> HttpResponse {
    let _ = id;
    HttpResponse::NoContent().finish()
}

/// HEAD.
#[mcp_tool]
#[head("/a")]
async fn a_head() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Several methods through `#[route]`.
#[mcp_tool]
#[route("/b/{x}/{y}", method = "GET", method = "HEAD")]
async fn b_route(xy: web::Path<(String, i64)>) -> String {
    format!("{xy:?}")
}

/// Fully qualified attribute path.
#[mcp_tool]
#[actix_web::get("/c")]
pub async fn c_qualified() -> &'static str {
    "c"
}

fn main() {
    let _app = App::new()
        .service(a_get)
        .service(a_post)
        .service(a_put)
        .service(a_patch)
        .service(a_delete)
        .service(a_head)
        .service(b_route)
        .service(c_qualified);
    let server = McpServer::from_registry().build().unwrap();
    assert_eq!(
        server.tool_names().collect::<Vec<_>>(),
        ["a_delete", "a_get", "a_head", "a_patch", "a_post", "a_put", "b_route", "c_qualified"]
    );
}
