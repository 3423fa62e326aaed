//! A small items API. Every handler is a plain actix-web handler; the ones
//! marked `#[mcp_tool]` are also MCP tools, called with the same extractors.

use std::collections::BTreeMap;
use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::RwLock;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError, delete, get, patch, post, web,
};
use mcp_runtime::auth::oauth::{AccessToken, Validator};
use mcp_runtime::auth::{CallerId, ProtectedResource, Scopes};
use mcp_runtime::config::{RateLimit, SchemaProfile};
use mcp_runtime::{
    BuildError, Catalog, Elicitation, McpContext, McpServer, McpServerBuilder, mcp_tool,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The bearer token the demo accepts (as user `demo`, with every scope)
/// when it runs without an OAuth issuer.
pub const DEMO_TOKEN: &str = "demo-token";

/// The scope reading tools need.
pub const READ: &str = "items:read";
/// The scope writing tools need.
pub const WRITE: &str = "items:write";

/// A product in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    /// Unique id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Price in cents.
    pub price_cents: u64,
    pub category: Category,
    /// Free-form labels.
    pub tags: Vec<String>,
}

/// What kind of product an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Tool,
    Toy,
    Book,
}

/// The in-memory database, shared through `web::Data`.
#[derive(Default)]
pub struct Db {
    items: RwLock<BTreeMap<u64, Item>>,
}

impl Db {
    /// A database with three items, wrapped for `App::app_data`.
    pub fn seeded() -> web::Data<Db> {
        let db = Db::default();
        for (name, price_cents, category, tags) in [
            ("Hammer", 1299, Category::Tool, vec!["hand-tool"]),
            ("Kite", 2450, Category::Toy, vec!["outdoor", "wind"]),
            ("Rust in Action", 3999, Category::Book, vec!["programming"]),
        ] {
            db.insert(
                name.into(),
                price_cents,
                category,
                tags.into_iter().map(Into::into).collect(),
            );
        }
        web::Data::new(db)
    }

    fn insert(
        &self,
        name: String,
        price_cents: u64,
        category: Category,
        tags: Vec<String>,
    ) -> Item {
        let mut items = self.items.write().unwrap_or_else(|p| p.into_inner());
        let id = items.keys().next_back().map_or(1, |last| last + 1);
        let item = Item {
            id,
            name,
            price_cents,
            category,
            tags,
        };
        items.insert(id, item.clone());
        item
    }

    fn get(&self, id: u64) -> Result<Item, ApiError> {
        let items = self.items.read().unwrap_or_else(|p| p.into_inner());
        items.get(&id).cloned().ok_or(ApiError::NotFound(id))
    }
}

/// The API's errors, rendered as `{"error": "..."}` with a fitting status.
#[derive(Debug)]
pub enum ApiError {
    NotFound(u64),
    Unauthorized(&'static str),
    Invalid(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::NotFound(id) => write!(f, "item {id} not found"),
            ApiError::Unauthorized(why) => write!(f, "unauthorized: {why}"),
            ApiError::Invalid(why) => write!(f, "invalid request: {why}"),
        }
    }
}

/// For tool descriptions (`describe_responses`): what each status means.
impl mcp_runtime::DescribeErrors for ApiError {
    const ERRORS: &'static [(u16, &'static str)] = &[
        (401, "The token is missing or wrong."),
        (404, "No such item."),
        (422, "The request was invalid; the body says why."),
    ];
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(serde_json::json!({ "error": self.to_string() }))
    }
}

/// The authenticated caller: the app's own extractor, used by REST routes and,
/// unchanged, by MCP tool calls. With an OAuth [`Validator`] in the app's data
/// it accepts the issuer's access tokens (their subject and scopes); without
/// one, the demo token (every scope).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub name: String,
    pub scopes: Vec<String>,
    /// Who the caller is across their tokens (issuer and subject), for
    /// MCP sessions to outlive a token refresh; `None` for the demo token.
    pub caller_id: Option<String>,
}

impl CallerId for AuthUser {
    fn caller_id(&self) -> Option<String> {
        self.caller_id.clone()
    }
}

impl Scopes for AuthUser {
    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

impl FromRequest for AuthUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.app_data::<Validator>().is_some() {
            let token = AccessToken::from_request(req, payload);
            return Box::pin(async move {
                let token = token.await?;
                Ok(AuthUser {
                    name: token.subject().unwrap_or("client").to_owned(),
                    scopes: token.scopes().to_vec(),
                    caller_id: token.caller_id(),
                })
            });
        }
        let header = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        Box::pin(ready(
            match header.and_then(|h| h.strip_prefix("Bearer ")) {
                Some(DEMO_TOKEN) => Ok(AuthUser {
                    name: "demo".into(),
                    scopes: vec![READ.into(), WRITE.into()],
                    caller_id: None,
                }),
                Some(_) => Err(ApiError::Unauthorized("invalid bearer token").into()),
                None => Err(ApiError::Unauthorized("missing bearer token").into()),
            },
        ))
    }
}

/// Filters for listing items.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListQuery {
    /// Only items of this category.
    pub category: Option<Category>,
    /// Only items with this tag.
    pub tag: Option<String>,
    /// At most this many items.
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    20
}

/// List catalog items, optionally filtered by category or tag.
#[mcp_tool(tags = ["catalog"])]
#[get("/items")]
async fn list_items(query: web::Query<ListQuery>, db: web::Data<Db>) -> web::Json<Vec<Item>> {
    let items = db.items.read().unwrap_or_else(|p| p.into_inner());
    let q = query.into_inner();
    web::Json(
        items
            .values()
            .filter(|i| q.category.is_none_or(|c| i.category == c))
            .filter(|i| q.tag.as_ref().is_none_or(|t| i.tags.contains(t)))
            .take(q.limit)
            .cloned()
            .collect(),
    )
}

/// Options for reading one item.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Fields {
    /// Include the item's tags (default: true).
    #[serde(default = "yes")]
    pub tags: bool,
}

fn yes() -> bool {
    true
}

/// Fetch one item by id.
#[mcp_tool(name = "get_item", scopes = ["items:read"], tags = ["catalog"], errors(404 = "No item has this id."))]
#[get("/items/{id}")]
async fn get_item(
    _user: AuthUser,
    id: web::Path<u64>,
    fields: web::Query<Fields>,
    db: web::Data<Db>,
) -> Result<web::Json<Item>, ApiError> {
    let mut item = db.get(id.into_inner())?;
    if !fields.tags {
        item.tags.clear();
    }
    Ok(web::Json(item))
}

/// A new catalog item.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewItem {
    /// Display name (not empty).
    pub name: String,
    /// Price in cents.
    pub price_cents: u64,
    pub category: Category,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Add an item to the catalog. Returns the stored item with its new id.
#[mcp_tool(scopes = ["items:write"], tags = ["admin"], title = "Create item")]
#[post("/items")]
async fn create_item(
    _user: AuthUser,
    item: web::Json<NewItem>,
    db: web::Data<Db>,
) -> Result<(web::Json<Item>, StatusCode), ApiError> {
    let NewItem {
        name,
        price_cents,
        category,
        tags,
    } = item.into_inner();
    if name.trim().is_empty() {
        return Err(ApiError::Invalid("name must not be empty".into()));
    }
    let item = db.insert(name, price_cents, category, tags);
    Ok((web::Json(item), StatusCode::CREATED))
}

/// A new price.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PriceChange {
    /// The new price in cents.
    pub price_cents: u64,
}

/// Change the price of an item.
#[mcp_tool(scopes = ["items:write"], tags = ["admin"])]
#[patch("/items/{id}/price")]
async fn set_price(
    _user: AuthUser,
    id: web::Path<u64>,
    change: web::Json<PriceChange>,
    db: web::Data<Db>,
) -> Result<web::Json<Item>, ApiError> {
    let id = id.into_inner();
    let mut items = db.items.write().unwrap_or_else(|p| p.into_inner());
    let item = items.get_mut(&id).ok_or(ApiError::NotFound(id))?;
    item.price_cents = change.price_cents;
    Ok(web::Json(item.clone()))
}

/// Remove an item from the catalog.
#[mcp_tool(scopes = ["items:write"], tags = ["admin"])]
#[delete("/items/{id}")]
async fn delete_item(
    _user: AuthUser,
    id: web::Path<u64>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut items = db.items.write().unwrap_or_else(|p| p.into_inner());
    items.remove(&id).ok_or(ApiError::NotFound(id))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Catalog statistics and who is asking.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Stats {
    pub item_count: usize,
    /// The caller's `User-Agent` header.
    pub user_agent: Option<String>,
    /// The caller's `X-Request-Id` header.
    pub request_id: Option<String>,
}

/// Count the catalog's items and echo the caller's user agent and request id.
#[mcp_tool(open_world = false)]
#[get("/stats")]
async fn stats(req: HttpRequest, db: web::Data<Db>) -> web::Json<Stats> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    web::Json(Stats {
        item_count: db.items.read().unwrap_or_else(|p| p.into_inner()).len(),
        user_agent: header("user-agent"),
        request_id: header("x-request-id"),
    })
}

/// A 1×1 PNG, the same label for every item.
const LABEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The printable shelf label of an item, as a PNG image.
#[mcp_tool]
#[get("/items/{id}/label.png")]
async fn item_label(id: web::Path<u64>, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    db.get(id.into_inner())?;
    Ok(HttpResponse::Ok().content_type("image/png").body(LABEL_PNG))
}

/// One line of a quote.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QuoteLine {
    pub id: u64,
    /// How many (at least 1).
    pub quantity: u32,
}

/// The priced quote.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Quote {
    pub total_cents: u64,
    pub lines: usize,
}

/// Price a list of items and quantities.
// Not a REST route: a hand-written tool beside the route tools, taking the
// same extractors.
#[mcp_tool(read_only)]
async fn quote(
    lines: web::Json<Vec<QuoteLine>>,
    db: web::Data<Db>,
) -> Result<web::Json<Quote>, ApiError> {
    let mut total_cents = 0;
    for line in lines.iter() {
        if line.quantity == 0 {
            return Err(ApiError::Invalid(format!(
                "quantity of item {} is 0",
                line.id
            )));
        }
        total_cents += db.get(line.id)?.price_cents * u64::from(line.quantity);
    }
    Ok(web::Json(Quote {
        total_cents,
        lines: lines.len(),
    }))
}

/// Liveness probe: a plain actix handler, not exposed over MCP.
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// What a re-index covered.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Reindexed {
    /// How many items are in the index.
    pub items: usize,
}

/// Rebuild the search index. Takes a few seconds and reports its progress;
/// a task for clients that opt in to tasks. At most 6 a minute.
#[mcp_tool(scopes = ["items:write"], tags = ["admin"], task = "optional")]
#[post("/admin/reindex")]
async fn reindex(_user: AuthUser, ctx: McpContext, db: web::Data<Db>) -> web::Json<Reindexed> {
    let items = db.items.read().unwrap_or_else(|p| p.into_inner()).len();
    for step in 1..=3 {
        ctx.progress(f64::from(step), Some(3.0), Some("indexing"))
            .await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(800)).await;
    }
    web::Json(Reindexed { items })
}

/// A yes or no from the user.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Confirmation {
    /// Whether to go ahead.
    pub confirm: bool,
}

/// Remove every tag from every item, after asking the user to confirm.
#[mcp_tool(scopes = ["items:write"], tags = ["admin"])]
#[post("/admin/clear-tags")]
async fn clear_tags(
    _user: AuthUser,
    ctx: McpContext,
    db: web::Data<Db>,
) -> Result<String, ApiError> {
    if ctx.is_mcp() {
        match ctx
            .elicit::<Confirmation>("Remove every tag from every item?")
            .await
        {
            Ok(Elicitation::Accept(Confirmation { confirm: true })) => {}
            Ok(_) => return Ok("kept the tags".to_owned()),
            Err(e) => return Err(ApiError::Invalid(e.to_string())),
        }
    }
    let mut items = db.items.write().unwrap_or_else(|p| p.into_inner());
    for item in items.values_mut() {
        item.tags.clear();
    }
    Ok(format!("cleared the tags of {} items", items.len()))
}

/// Whether a tool is on.
#[derive(Debug, Deserialize)]
pub struct Toggle {
    pub enabled: bool,
}

/// REST only, for operators: turns a tool off or on for MCP clients (their
/// lists change at once, on every replica when the catalog is shared).
#[actix_web::put("/admin/tools/{name}/enabled")]
async fn set_tool_enabled(
    _user: AuthUser,
    name: web::Path<String>,
    toggle: web::Json<Toggle>,
    catalog: web::Data<Catalog>,
) -> HttpResponse {
    let known = if toggle.enabled {
        catalog.enable_tool(&name)
    } else {
        catalog.disable_tool(&name)
    };
    if known {
        HttpResponse::NoContent().finish()
    } else {
        HttpResponse::NotFound().body(format!("no tool `{name}`"))
    }
}

/// Registers the REST routes (all of them, tools or not).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_items)
        .service(get_item)
        .service(create_item)
        .service(set_price)
        .service(delete_item)
        .service(stats)
        .service(item_label)
        .service(reindex)
        .service(clear_tags)
        .service(set_tool_enabled)
        .service(health);
}

/// The MCP server over every `#[mcp_tool]` of the binary, authenticating
/// protected tools with [`AuthUser`] and the demo token.
pub fn mcp_server() -> Result<McpServer, BuildError> {
    builder().build()
}

/// `builder` as an OAuth-protected resource: the protected-resource
/// metadata sends clients to `issuer` for a token whose audience is
/// `resource`, this server's MCP URL. Every request needs `items:read`
/// (so every reading tool, `list_items` and `stats` included, does, while
/// the demo mode keeps them public), writing tools `items:write` too.
/// Register the [`oauth_validator`] as app data too, for [`AuthUser`].
pub fn with_oauth(builder: McpServerBuilder, issuer: &str, resource: &str) -> McpServerBuilder {
    builder.endpoint_auth([READ]).oauth(
        ProtectedResource::new()
            .authorization_server(issuer)
            .resource(resource)
            .resource_name("Items API"),
    )
}

/// The JWT validator for [`with_oauth`]: discovers `issuer`'s keys and
/// accepts only tokens for `resource`.
pub async fn oauth_validator(
    issuer: &str,
    resource: &str,
) -> Result<Validator, mcp_runtime::auth::oauth::DiscoveryError> {
    let jwt = mcp_runtime::auth::oauth::JwtValidator::discover(issuer, resource).await?;
    Ok(Validator::new(jwt))
}

/// The settings both modes share.
pub fn builder() -> McpServerBuilder {
    McpServer::from_registry()
        .name("items-api")
        // Plain schemas every client reads (`$defs` inlined, no type unions).
        .schema_profile(SchemaProfile::Portable)
        .version(env!("CARGO_PKG_VERSION"))
        .instructions(
            "A product catalog. Read with list_items/get_item; writes need a bearer token.",
        )
        .auth_with_caller_id::<AuthUser>()
        // Also the 2024-11-05 HTTP+SSE transport, for older clients (`/mcp/sse`).
        .legacy_sse(true)
        .rate_limit_tool("reindex", RateLimit::per_minute(6))
}
