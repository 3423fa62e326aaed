use actix_web::get;
use mcp_runtime::mcp_resource;

// One malformed template per resource: each is reported on the `uri`.
#[mcp_resource(uri = "items://{id")]
#[get("/a/{id}")]
async fn unclosed() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://id}")]
#[get("/b")]
async fn unmatched() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://{}")]
#[get("/c")]
async fn empty() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://{item-id}")]
#[get("/d/{item}")]
async fn invalid_name() -> &'static str {
    ""
}

#[mcp_resource(uri = "files://{+path}")]
#[get("/e/{path}")]
async fn operator() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://{id*}")]
#[get("/f/{id}")]
async fn modifier() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://{org,id}")]
#[get("/g/{org}/{id}")]
async fn two_in_one() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://search{?q}/more")]
#[get("/h")]
async fn query_not_last() -> &'static str {
    ""
}

#[mcp_resource(uri = "items://{id}/{id}")]
#[get("/i/{id}")]
async fn twice() -> &'static str {
    ""
}

fn main() {}
