use actix_web::{get, web};
use mcp_runtime::mcp_tool;

/// A tool.
#[mcp_tool(scopes = "items:read")]
#[get("/a")]
async fn a() -> web::Json<u32> {
    web::Json(1)
}

/// A tool.
#[mcp_tool(scopes = ["items read", "", "x", "x", 3])]
#[get("/b")]
async fn b() -> web::Json<u32> {
    web::Json(1)
}

/// A tool.
#[mcp_tool(scopes = [])]
#[get("/c")]
async fn c() -> web::Json<u32> {
    web::Json(1)
}

/// A tool.
#[mcp_tool(scope = ["x"])]
#[get("/d")]
async fn d() -> web::Json<u32> {
    web::Json(1)
}

/// A tool.
#[mcp_tool(tags = ["billing", "billing", "two words"], tag = ["x"])]
#[get("/e")]
async fn e() -> web::Json<u32> {
    web::Json(1)
}

/// A tool.
#[mcp_tool(errors(200 = "fine", 404 = 3, 409 = "a", 409 = "b"))]
#[get("/f")]
async fn f() -> web::Json<u32> {
    web::Json(1)
}

fn main() {}
