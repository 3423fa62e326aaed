//! Every parameter shape: argument extractors rebuilt from MCP arguments,
//! and any `FromRequest` type run against the MCP request (`McpContext`
//! included).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, get, post, web};
use mcp_runtime::{McpContext, McpServer, mcp_tool};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Ids {
    org: String,
    id: u64,
}

#[derive(Deserialize, JsonSchema)]
struct Page {
    offset: Option<u32>,
}

#[derive(Deserialize, JsonSchema)]
struct Body {
    text: String,
}

struct Db;

#[derive(Clone)]
struct Tenant;

struct User;

impl FromRequest for User {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(User))
    }
}

/// Struct path, query, JSON body and request extractors together.
#[mcp_tool]
#[post("/orgs/{org}/items/{id}")]
async fn everything(
    ids: web::Path<Ids>,
    page: web::Query<Page>,
    body: web::Json<Body>,
    req: HttpRequest,
    db: web::Data<Db>,
    tenant: Option<web::ReqData<Tenant>>,
    user: User,
    maybe_user: Option<User>,
) -> String {
    let _ = (db, tenant, user, maybe_user, req.path(), page.offset);
    format!("{}/{}: {}", ids.org, ids.id, body.text)
}

/// A tuple path, a pattern, and a form body.
#[mcp_tool]
#[post("/forms/{a}/{b}")]
async fn destructured(ab: web::Path<(String, u8)>, web::Form(body): web::Form<Body>) -> String {
    let (a, b) = ab.into_inner();
    format!("{a}{b}{}", body.text)
}

/// JSON or a form: one body, either way.
#[mcp_tool]
#[post("/either")]
async fn either(body: web::Either<web::Json<Body>, web::Form<Body>>, cx: McpContext) -> String {
    cx.log(mcp_runtime::LogLevel::Info, "either").await;
    match body {
        web::Either::Left(json) => json.into_inner().text,
        web::Either::Right(form) => form.into_inner().text,
    }
}

/// A query forced to come from the MCP request's own query string.
#[mcp_tool]
#[get("/raw")]
async fn raw_query(#[mcp(from_request)] q: web::Query<Page>, mut req: HttpRequest) -> String {
    let _ = &mut req;
    format!("{:?}", q.offset)
}

/// No parameters at all.
#[mcp_tool]
async fn nothing() -> &'static str {
    "nothing"
}

fn main() {
    let server = McpServer::from_registry().build().unwrap();
    assert_eq!(
        server.tool_names().collect::<Vec<_>>(),
        ["destructured", "either", "everything", "nothing", "raw_query"]
    );
}
