//! [`McpServerBuilder`]: every setting of a server, checked together by
//! [`build`](McpServerBuilder::build).

use std::sync::Arc;

use actix_web::FromRequest;
use actix_web::http::header::HeaderName;
use rmcp::model::Implementation;

use super::McpServer;
use crate::call::forward::{self, Carry};
use crate::call::server::{Identity, Policy, Server, State};
use crate::catalog::error::{BuildError, Problem};
use crate::catalog::lists::{ListConfig, Lists, Published};
use crate::catalog::registry::{Options, Registry};
use crate::catalog::select::{Filter, RouteMap, Selection};
use crate::dispatch::Dispatcher;
use crate::handler::defs::Defs;
use crate::policy::auth::{Access, Authenticator, CallerId, Checks, Scopes};
use crate::policy::limits::Limits;
use crate::policy::origin::OriginPolicy;
use crate::policy::rate_limit::{RateLimit, RateLimitStore, RateLimits};
use crate::policy::resource::ProtectedResource;
use crate::protocol::stateless::StateKey;
use crate::schema::portable::SchemaProfile;
use crate::state::event_store::EventStore;
#[cfg(doc)]
use crate::state::event_store::InMemoryEventStore;
use crate::state::live::Live;
use crate::state::relay::Relay;
use crate::state::session::{InMemorySessionStore, SessionStore};
use crate::state::subscriptions::Subscribers;
use crate::state::tasks::{InMemoryTaskStore, Running, TaskStore};
use crate::transport::legacy_sse::LegacySse;
use crate::transport::stream::{StreamConfig, Streams};
use crate::transport::streamable_http::StreamableHttp;

/// Configures an [`McpServer`]; see [`McpServer::builder`].
#[must_use = "call `.build()` to get a server"]
pub struct McpServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    auth: Option<Authenticator>,
    auth_scheme: Option<String>,
    auth_header: Option<HeaderName>,
    endpoint_scopes: Option<Vec<String>>,
    protected: Option<ProtectedResource>,
    #[cfg(feature = "oauth")]
    validator: Option<crate::policy::oauth::Validator>,
    sessions: Option<Arc<dyn SessionStore>>,
    origins: OriginPolicy,
    limits: Limits,
    carry: Vec<Carry>,
    expose_panics: bool,
    legacy_sse: bool,
    streams: StreamConfig,
    event_store: Option<Arc<dyn EventStore>>,
    profile: SchemaProfile,
    rate_limits: RateLimits,
    lists: ListConfig,
    state_key: Option<StateKey>,
    endpoint: Option<String>,
    selection: Selection,
    describe_responses: bool,
    task_store: Arc<dyn TaskStore>,
    #[cfg(feature = "upstream")]
    upstream: Option<crate::call::upstream::Upstream>,
}

impl McpServerBuilder {
    pub(crate) fn new() -> Self {
        McpServerBuilder {
            info: Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
            instructions: None,
            auth: None,
            auth_scheme: None,
            auth_header: None,
            endpoint_scopes: None,
            protected: None,
            #[cfg(feature = "oauth")]
            validator: None,
            sessions: Some(Arc::new(InMemorySessionStore::default())),
            origins: OriginPolicy::default(),
            limits: Limits::default(),
            carry: Vec::new(),
            expose_panics: false,
            legacy_sse: false,
            event_store: None,
            profile: SchemaProfile::Standard,
            rate_limits: RateLimits::default(),
            lists: ListConfig::default(),
            state_key: None,
            endpoint: None,
            streams: StreamConfig::default(),
            selection: Selection::default(),
            describe_responses: false,
            task_store: Arc::new(InMemoryTaskStore::default()),
            #[cfg(feature = "upstream")]
            upstream: None,
        }
    }

    /// `serverInfo.name` (default: `mcp-runtime`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.info.name = name.into();
        self
    }

    /// `serverInfo.version` (default: this crate's version).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.info.version = version.into();
        self
    }

    /// `serverInfo.title`, a display name.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Where [`McpServer::app`] mounts the MCP endpoint (e.g. `/mcp`), so
    /// wrapping the App is all the wiring there is. Without it, mount
    /// [`McpServer::scope`] yourself (inside a scope of yours, say).
    ///
    /// The endpoint is added after the App's own services, and actix tries
    /// an App's routes in the order they were registered, so every MCP
    /// request first tries each of your routes. In an app with hundreds of
    /// routes, mount [`McpServer::scope`] yourself before them instead.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder().endpoint("/mcp").build().unwrap();
    /// let app = mcp.app(actix_web::App::new());
    /// # let _ = actix_web::test::init_service(app);
    /// ```
    pub fn endpoint(mut self, path: impl Into<String>) -> Self {
        self.endpoint = Some(path.into());
        self
    }

    /// `instructions` sent to clients on `initialize`: how to use the tools.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// The sizes and durations the server enforces (see [`Limits`] for
    /// each and its default). Replaces any earlier `limits(…)`: set every
    /// limit you change on one value.
    ///
    /// ```
    /// use mcp_runtime::{McpServer, config::Limits};
    /// let mcp = McpServer::builder()
    ///     .limits(Limits::default().max_request_size(1 << 20).batch_limits(8, 1 << 20))
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How answers stream: keep-alives, resumption, buffering (see
    /// [`StreamConfig`]). Replaces any earlier `streams(…)`.
    pub fn streams(mut self, streams: StreamConfig) -> Self {
        self.streams = streams;
        self
    }

    /// How lists are paged and cached (see [`ListConfig`]). Replaces any
    /// earlier `lists(…)`.
    pub fn lists(mut self, lists: ListConfig) -> Self {
        self.lists = lists;
        self
    }

    /// Authenticates `requires_auth` tools, prompts and resources with the
    /// app's own extractor `A`.
    ///
    /// Before such an item runs, `A` is extracted from the MCP request; if it
    /// fails, the handler does not run and the client gets HTTP 401 with
    /// `WWW-Authenticate: Bearer` (403 if `A`'s error is a 403; the scheme is
    /// set with [`auth_scheme`](Self::auth_scheme)). Only `A`'s rejections do
    /// that: a 401/403 from anything else is an ordinary tool error. Without
    /// this, [`build`](Self::build) refuses a registry with `requires_auth`
    /// items.
    ///
    /// ```
    /// use std::future::{Ready, ready};
    /// use actix_web::{FromRequest, HttpRequest, dev::Payload, error::ErrorUnauthorized};
    ///
    /// struct AuthUser(String);
    ///
    /// impl FromRequest for AuthUser {
    ///     type Error = actix_web::Error;
    ///     type Future = Ready<Result<Self, Self::Error>>;
    ///     fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
    ///         let token = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    ///         ready(match token.and_then(|t| t.strip_prefix("Bearer ")) {
    ///             Some(user) => Ok(AuthUser(user.to_owned())),
    ///             None => Err(ErrorUnauthorized("missing bearer token")),
    ///         })
    ///     }
    /// }
    ///
    /// let server = mcp_runtime::McpServer::from_registry().auth::<AuthUser>().build();
    /// ```
    pub fn auth<A>(mut self) -> Self
    where
        A: FromRequest + 'static,
    {
        self.auth = Some(Authenticator::of::<A>());
        self
    }

    /// Like [`auth`](Self::auth), with an extractor that also says which
    /// scopes its caller holds ([`Scopes`]), so items can ask for scopes
    /// (`#[mcp_tool(scopes = ["items:write"])]`) and [per-caller
    /// lists](crate::config::ListConfig::per_caller) can show each caller
    /// only what it may use. A caller without a scope an item needs gets
    /// HTTP 403 `error="insufficient_scope"` naming the scopes, which
    /// tells OAuth clients to ask for them (step-up).
    ///
    /// ```
    /// use std::future::{Ready, ready};
    /// use actix_web::{FromRequest, HttpRequest, dev::Payload, error::ErrorUnauthorized};
    /// use mcp_runtime::auth::Scopes;
    ///
    /// struct ApiKey { scopes: &'static [&'static str] }
    ///
    /// impl FromRequest for ApiKey {
    ///     type Error = actix_web::Error;
    ///     type Future = Ready<Result<Self, Self::Error>>;
    ///     fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
    ///         ready(match req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
    ///             Some("reader-key") => Ok(ApiKey { scopes: &["items:read"] }),
    ///             Some("admin-key") => Ok(ApiKey { scopes: &["items:read", "items:write"] }),
    ///             _ => Err(ErrorUnauthorized("unknown API key")),
    ///         })
    ///     }
    /// }
    ///
    /// impl Scopes for ApiKey {
    ///     fn has_scope(&self, scope: &str) -> bool {
    ///         self.scopes.contains(&scope)
    ///     }
    /// }
    ///
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .auth_with_scopes::<ApiKey>()
    ///     .auth_scheme("ApiKey")
    ///     .build();
    /// ```
    pub fn auth_with_scopes<A>(mut self) -> Self
    where
        A: FromRequest + Scopes + 'static,
    {
        self.auth = Some(Authenticator::with_scopes::<A>());
        self
    }

    /// Like [`auth_with_scopes`](Self::auth_with_scopes), with an extractor
    /// that also names its caller ([`CallerId`]): sessions are then bound to
    /// the caller, not to one token, so a client that refreshes its token or
    /// steps up to more scopes keeps its session, while a request with
    /// another caller's credentials (or none) is still refused. The
    /// extractor then runs on every request of a session.
    ///
    /// ```
    /// use std::future::{Ready, ready};
    /// use actix_web::{FromRequest, HttpRequest, dev::Payload, error::ErrorUnauthorized};
    /// use mcp_runtime::auth::{CallerId, Scopes};
    ///
    /// struct Account { id: u64 }
    ///
    /// impl FromRequest for Account {
    ///     type Error = actix_web::Error;
    ///     type Future = Ready<Result<Self, Self::Error>>;
    ///     fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
    ///         ready(match req.headers().get("authorization").and_then(|v| v.to_str().ok()) {
    ///             Some("Bearer alice-1" | "Bearer alice-2") => Ok(Account { id: 1 }),
    ///             _ => Err(ErrorUnauthorized("unknown token")),
    ///         })
    ///     }
    /// }
    ///
    /// impl Scopes for Account {
    ///     fn has_scope(&self, _: &str) -> bool { true }
    /// }
    ///
    /// impl CallerId for Account {
    ///     fn caller_id(&self) -> Option<String> { Some(self.id.to_string()) }
    /// }
    ///
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .auth_with_caller_id::<Account>()
    ///     .build();
    /// ```
    pub fn auth_with_caller_id<A>(mut self) -> Self
    where
        A: FromRequest + Scopes + CallerId + 'static,
    {
        self.auth = Some(Authenticator::with_caller_id::<A>());
        self
    }

    /// Authenticates protected items with OAuth bearer tokens checked by
    /// `validator` ([`JwtValidator`](crate::auth::oauth::JwtValidator),
    /// [`Introspection`](crate::auth::oauth::Introspection) or your own):
    /// the authenticator becomes [`AccessToken`](crate::auth::oauth::AccessToken),
    /// with its scopes and its caller (sessions survive a token refresh),
    /// and [`McpServer::app`] registers the validator as
    /// app data, so REST handlers can take `AccessToken` too. Feature
    /// `oauth`.
    ///
    /// ```no_run
    /// use mcp_runtime::auth::ProtectedResource;
    /// use mcp_runtime::auth::oauth::{JwtValidator, Validator};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let issuer = "https://login.example.com/realms/items";
    /// let me = "https://api.example.com/mcp";
    /// let jwt = JwtValidator::discover(issuer, me).await?;
    /// let mcp = mcp_runtime::McpServer::from_registry()
    ///     .bearer(Validator::new(jwt))
    ///     .oauth(ProtectedResource::new().authorization_server(issuer).resource(me))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "oauth")]
    pub fn bearer(mut self, validator: crate::policy::oauth::Validator) -> Self {
        self.auth = Some(Authenticator::with_caller_id::<
            crate::policy::oauth::AccessToken,
        >());
        self.validator = Some(validator);
        self
    }

    /// Exposes only what `filter` selects of the registered tools, prompts
    /// and resources (see [`Filter`] for how rules combine). What it leaves
    /// out is not there at all: not listed, not callable, readable or
    /// completable, and not counted when names are checked for duplicates.
    /// Several servers with different filters (and instructions, and auth)
    /// can serve one app at different endpoints.
    ///
    /// ```
    /// use actix_web::http::Method;
    /// use mcp_runtime::{McpServer, config::Filter};
    ///
    /// let public = McpServer::builder()
    ///     .filter(Filter::new().include_methods([Method::GET]).exclude_tags(["admin"]))
    ///     .build();
    /// ```
    pub fn filter(mut self, filter: Filter) -> Self {
        self.selection.filter = filter;
        self
    }

    /// Tags every item whose handler is in `module` (a Rust path such as
    /// `my_app::admin`) with `tag`, for [`Filter`]s: how a whole domain
    /// module (its `configure` function's routes) gets a tag without
    /// touching its handlers.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .tag_module("my_app::admin", "admin")
    ///     .build();
    /// ```
    pub fn tag_module(mut self, module: impl Into<String>, tag: impl Into<String>) -> Self {
        self.selection.module_tags.push((module.into(), tag.into()));
        self
    }

    /// Exposes the tool named `from` (in its attribute) as `to`. Renaming a
    /// tool the server does not expose, a new name clients would refuse
    /// (more than 64 characters, or outside `A-Za-z0-9_.-`) and two tools
    /// ending up with one name are start-up errors with their locations.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder().rename("get_item", "fetch_item").build();
    /// ```
    pub fn rename(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.selection.renames.push((from.into(), to.into()));
        self
    }

    /// Puts `prefix` before every tool's and prompt's name (after renames),
    /// e.g. `inventory_` for one domain's server: `inventory_get_item`. The
    /// same checks as [`rename`](Self::rename) apply.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder().prefix("inventory_").build();
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.selection.prefix = Some(prefix.into());
        self
    }

    /// Puts `prefix` before the names of the tools and prompts defined in
    /// `module` (after renames, before [`prefix`](Self::prefix)): several
    /// domain apps (`my_app::inventory`, `my_app::orders`), each a scope
    /// with its own middleware and data, served as one MCP server with
    /// namespaced names (`inventory_get_item`, `orders_create_order`). The
    /// checks of [`rename`](Self::rename) apply.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .prefix_module("my_app::inventory", "inventory_")
    ///     .prefix_module("my_app::orders", "orders_")
    ///     .build();
    /// ```
    pub fn prefix_module(mut self, module: impl Into<String>, prefix: impl Into<String>) -> Self {
        self.selection
            .module_prefixes
            .push((module.into(), prefix.into()));
        self
    }

    /// Also (or instead) exposes `GET` tools as resources: each one's
    /// route becomes a resource (template) whose URI is the route's path
    /// under the map's scheme, read through the app like any resource (see
    /// [`RouteMap`]), as FastMCP's route maps do.
    ///
    /// ```
    /// use mcp_runtime::config::RouteMap;
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .route_map(RouteMap::resources("items"))
    ///     .build();
    /// ```
    pub fn route_map(mut self, map: RouteMap) -> Self {
        self.selection.route_map = Some(map);
        self
    }

    /// Runs the MCP server apart from the API: every call is sent over HTTP
    /// to the API described by `upstream` instead of through this process's
    /// app (see [`Upstream`](crate::config::Upstream): the same routes are
    /// mounted here for their paths; credentials go as configured). Feature
    /// `upstream`.
    ///
    /// ```
    /// use mcp_runtime::config::Upstream;
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .upstream(Upstream::new("http://127.0.0.1:8080"))
    ///     .build();
    /// ```
    #[cfg(feature = "upstream")]
    pub fn upstream(mut self, upstream: crate::call::upstream::Upstream) -> Self {
        self.upstream = Some(upstream);
        self
    }

    /// Where tasks are kept (default: [`InMemoryTaskStore`], 10 000 tasks of
    /// an hour each): a tool marked `#[mcp_tool(task = "optional")]` (or
    /// `"required"`) runs as a task for a 2026-07-28 client that opts in to
    /// the `io.modelcontextprotocol/tasks` extension.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::store::InMemoryTaskStore;
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .task_store(InMemoryTaskStore::new(100, Duration::from_secs(600)))
    ///     .build();
    /// ```
    pub fn task_store(mut self, store: impl TaskStore) -> Self {
        self.task_store = Arc::new(store);
        self
    }

    /// Keeps the rate limits' budgets in `store` (e.g. Redis), shared by
    /// every replica: a client's requests and a tool's calls are counted
    /// once whichever replica serves them. While the store cannot be
    /// reached, limited requests get 503 with `Retry-After` (a limited
    /// tool's calls an error), rather than going unlimited.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use mcp_runtime::config::RateLimit;
    /// let redis = mcp_runtime::store::redis::Redis::connect("redis://127.0.0.1/0", "api").await?;
    /// let mcp = mcp_runtime::McpServer::builder()
    ///     .rate_limit_per_client(RateLimit::per_second(20))
    ///     .rate_limit_store(redis.rate_limits())
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_store(mut self, store: impl RateLimitStore) -> Self {
        self.rate_limits.shared(Arc::new(store));
        self
    }

    /// Spells out in each tool's description what it returns (its output
    /// schema) and how HTTP errors come back, for clients that show the
    /// model only descriptions and ignore `outputSchema` (default: off;
    /// fastapi_mcp's `describe_full_response_schema` and
    /// `describe_all_responses`).
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::builder().describe_responses(true).build();
    /// ```
    pub fn describe_responses(mut self, describe: bool) -> Self {
        self.describe_responses = describe;
        self
    }

    /// Requires every request to the endpoint (not only protected items'
    /// calls) to pass the authenticator, holding `scopes` (none: being
    /// authenticated is enough): who may connect at all. A request that
    /// does not gets HTTP 401 or 403 with a challenge, before it is read.
    /// Needs [`auth`](Self::auth) (or [`auth_with_scopes`](Self::auth_with_scopes)
    /// for scopes).
    ///
    /// ```
    /// # struct AuthUser;
    /// # impl actix_web::FromRequest for AuthUser {
    /// #     type Error = actix_web::Error;
    /// #     type Future = std::future::Ready<Result<Self, Self::Error>>;
    /// #     fn from_request(_: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
    /// #         std::future::ready(Ok(AuthUser))
    /// #     }
    /// # }
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .auth::<AuthUser>()
    ///     .endpoint_auth::<&str>([])
    ///     .build();
    /// ```
    pub fn endpoint_auth<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.endpoint_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Publishes RFC 9728 protected-resource metadata (see
    /// [`ProtectedResource`]) and names it in every challenge, so OAuth
    /// clients find the authorization server from a 401 alone.
    ///
    /// ```
    /// use mcp_runtime::auth::ProtectedResource;
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .oauth(ProtectedResource::new().authorization_server("https://login.example.com"))
    ///     .build();
    /// ```
    pub fn oauth(mut self, metadata: ProtectedResource) -> Self {
        self.protected = Some(metadata);
        self
    }

    /// The `WWW-Authenticate` scheme of the authenticator's challenges, for
    /// apps that authenticate with something else than OAuth bearer tokens
    /// (default `Bearer`, with RFC 6750's `error` parameters).
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry().auth_scheme("ApiKey").build();
    /// ```
    pub fn auth_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.auth_scheme = Some(scheme.into());
        self
    }

    /// The request header the authenticator's credentials come in, when it
    /// is not `Authorization` (an API key in `x-api-key`): a request that
    /// presents it and is refused gets `error="invalid_token"` rather than
    /// a bare challenge, and sessions are bound to it.
    ///
    /// ```
    /// use actix_web::http::header::HeaderName;
    ///
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .auth_scheme("ApiKey")
    ///     .auth_header(HeaderName::from_static("x-api-key"))
    ///     .build();
    /// ```
    pub fn auth_header(mut self, header: HeaderName) -> Self {
        self.auth_header = Some(header);
        self
    }

    /// Copies request extensions of type `T` (set by middleware around the
    /// MCP endpoint, e.g. an identity) into each tool call's request.
    ///
    /// A tool call is a fresh request on the tool's route, so by default it
    /// carries only what its own route's middleware sets there, as REST
    /// does. Name a type here when middleware that wraps only the MCP
    /// endpoint establishes something handlers rely on.
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct Caller(String);
    /// let server = mcp_runtime::McpServer::from_registry().carry_extension::<Caller>().build();
    /// ```
    pub fn carry_extension<T: Clone + 'static>(mut self) -> Self {
        self.carry.push(forward::carry::<T>);
        self
    }

    /// Tells clients what a panicking handler's message was (default: a
    /// generic error; the message is logged with the tool and request id
    /// either way). For development.
    pub fn expose_panics(mut self, expose: bool) -> Self {
        self.expose_panics = expose;
        self
    }

    /// Also serves the HTTP+SSE transport of protocol 2024-11-05 (off by
    /// default), for clients that predate Streamable HTTP, beside it in
    /// every [`scope`](McpServer::scope): `GET <endpoint>/sse` opens a
    /// session's event stream, whose first `endpoint` event names where the
    /// client POSTs its messages (`<endpoint>/messages?session_id=…`, each
    /// answered 202, the answers on the stream). Closing the stream ends
    /// the session. The same `Host`/`Origin` checks, limits and
    /// authentication apply.
    ///
    /// ```
    /// let mcp = mcp_runtime::McpServer::from_registry().legacy_sse(true).build().unwrap();
    /// // Streamable HTTP at /mcp; the legacy transport at /mcp/sse and /mcp/messages.
    /// let app = actix_web::App::new().service(mcp.scope("/mcp"));
    /// ```
    pub fn legacy_sse(mut self, enabled: bool) -> Self {
        self.legacy_sse = enabled;
        self
    }

    /// Keeps the events of resumable streams in `store` instead of the
    /// default [`InMemoryEventStore`] bounded by
    /// [`StreamConfig::buffer`]. A client resuming with
    /// `Last-Event-ID` is replayed what the store kept from there on.
    ///
    /// ```
    /// use mcp_runtime::McpServer;
    /// use mcp_runtime::config::StreamConfig;
    /// use mcp_runtime::store::InMemoryEventStore;
    ///
    /// // Keep more for resumption than a handler may run ahead.
    /// let mcp = McpServer::builder()
    ///     .streams(StreamConfig::default().buffer(64, 256 * 1024))
    ///     .event_store(InMemoryEventStore::new(4096, 8 << 20))
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn event_store(mut self, store: impl EventStore) -> Self {
        self.event_store = Some(Arc::new(store));
        self
    }

    /// Serves without sessions: no `Mcp-Session-Id` is issued or required,
    /// so any replica can answer any request (scale-out behind a plain load
    /// balancer). The protocol version comes from each request's
    /// `MCP-Protocol-Version` header.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry().stateless().build();
    /// ```
    pub fn stateless(mut self) -> Self {
        self.sessions = None;
        self
    }

    /// Keeps sessions in `store` instead of the default
    /// [`InMemorySessionStore`] (e.g. a shared store for several replicas).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::store::InMemorySessionStore;
    /// use mcp_runtime::McpServer;
    /// let server = McpServer::from_registry()
    ///     .session_store(InMemorySessionStore::new(Duration::from_secs(600), 500))
    ///     .build();
    /// ```
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.sessions = Some(Arc::new(store));
        self
    }

    /// Accepts requests whose `Origin` is `origin` (e.g.
    /// `https://app.example.com`), in addition to loopback origins. Requests
    /// from any other browser origin get 403.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .allow_origin("https://app.example.com")
    ///     .build();
    /// ```
    pub fn allow_origin(mut self, origin: &str) -> Self {
        self.origins.allow(origin);
        self
    }

    /// Turns `Origin` validation off. Only for servers behind a proxy that
    /// validates origins itself.
    pub fn allow_any_origin(mut self) -> Self {
        self.origins.allow_any();
        self
    }

    /// Accepts requests whose `Host` is `host` (e.g. `mcp.example.com`, any
    /// port; or `mcp.example.com:8443`, that port only), in addition to
    /// loopback names. Requests for any other host get 403 (DNS-rebinding
    /// protection): list every name the server is reached by, including
    /// the one a reverse proxy forwards.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .allow_host("mcp.example.com")
    ///     .build();
    /// ```
    pub fn allow_host(mut self, host: &str) -> Self {
        self.origins.allow_host(host);
        self
    }

    /// Turns `Host` validation off: for servers that are never reachable
    /// from a browser on the same machine, or whose proxy checks hosts.
    pub fn allow_any_host(mut self) -> Self {
        self.origins.allow_any_host();
        self
    }

    /// The shape of tool schemas: [`SchemaProfile::Standard`] (default), or
    /// [`SchemaProfile::Portable`] for clients that cannot resolve `$ref`
    /// or warn on `null` in types (definitions inlined, optional inputs
    /// without `null`).
    pub fn schema_profile(mut self, profile: SchemaProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Limits each client (by IP address: the connection's peer) to `limit`;
    /// over it, requests get 429 with `Retry-After` before anything is read.
    pub fn rate_limit_per_client(mut self, limit: RateLimit) -> Self {
        self.rate_limits.per_client(limit, false);
        self
    }

    /// Like [`rate_limit_per_client`](Self::rate_limit_per_client), with the
    /// client's address taken from `Forwarded`/`X-Forwarded-For`: only
    /// behind a reverse proxy that sets those headers itself.
    pub fn rate_limit_forwarded_clients(mut self, limit: RateLimit) -> Self {
        self.rate_limits.per_client(limit, true);
        self
    }

    /// Limits the calls of tool `name`, all clients together; over it, calls
    /// get 429 with `Retry-After`. An unknown name is a start-up error.
    pub fn rate_limit_tool(mut self, name: &str, limit: RateLimit) -> Self {
        self.rate_limits.per_tool(name, limit);
        self
    }

    /// The secret that signs the state multi-round stateless calls hand
    /// their clients (`requestState`). By default a random key per process;
    /// replicas behind one load balancer share one, so any of them accepts
    /// a retry.
    pub fn request_state_key(mut self, secret: &[u8]) -> Self {
        self.state_key = Some(StateKey::from_bytes(secret));
        self
    }

    /// Compiles the registry: every tool's schemas and argument plan, every
    /// prompt's arguments, every resource's URI against its route, and the
    /// lists. Fails with every problem at once: duplicate names or URIs
    /// (with every location), `requires_auth` items without
    /// [`auth`](Self::auth), items whose types cannot be exposed, settings
    /// naming tools that do not exist.
    ///
    /// A large API has its items compiled on several threads (one per
    /// core, each with at least 128 items of a kind), scoped threads that
    /// are done when this returns; their warnings go to the caller's
    /// `tracing` subscriber.
    pub fn build(self) -> Result<McpServer, BuildError> {
        let checks = Checks::of(self.auth.as_ref());
        let mut problems = Vec::new();
        let defs = self.selection.apply(Defs::collected(), &mut problems);
        if !problems.is_empty() {
            return Err(BuildError::new(problems));
        }
        let options = Options {
            profile: self.profile,
            describe_responses: self.describe_responses,
        };
        let registry = Registry::build(defs, checks, options)?;
        let endpoint = match self.endpoint_scopes {
            None => Access::PUBLIC,
            Some(scopes) => {
                let problem = match checks {
                    Checks::Nothing => Some(
                        "`endpoint_auth` needs an authenticator: call `.auth::<YourAuthExtractor>()`",
                    ),
                    Checks::Identity if !scopes.is_empty() => Some(
                        "`endpoint_auth` with scopes needs an authenticator that knows them: call `.auth_with_scopes::<YourAuthExtractor>()`",
                    ),
                    _ => None,
                };
                if let Some(problem) = problem {
                    return Err(BuildError::new(vec![Problem::Setting(problem.to_owned())]));
                }
                // Once per server: the scopes live as long as it does.
                let scopes: Vec<&'static str> = scopes.into_iter().map(|s| &*s.leak()).collect();
                Access::new(true, scopes.leak())
            }
        };
        if let Some(Err(why)) = self
            .protected
            .as_ref()
            .map(|p| p.authorization_server_paths())
        {
            return Err(BuildError::new(vec![Problem::Setting(why)]));
        }
        let scopes = registry.scopes(endpoint.scopes);
        let lists = Lists::new(&registry, &self.lists, &self.info)
            .map_err(|e| BuildError::new(vec![Problem::Serialize(e.to_string())]))?;
        let unknown: Vec<Problem> = self
            .rate_limits
            .tools()
            .filter(|name| registry.get(name).is_none())
            .map(|name| Problem::UnknownTool {
                tool: name.to_owned(),
                setting: "rate_limit_tool",
            })
            .collect();
        if !unknown.is_empty() {
            return Err(BuildError::new(unknown));
        }
        let auth = self.auth.map(|auth| {
            let auth = match self.auth_scheme {
                Some(scheme) => auth.with_scheme(scheme),
                None => auth,
            };
            let auth = match self.auth_header {
                Some(header) => auth.with_header(header),
                None => auth,
            };
            auth.with_endpoint_scopes(endpoint.scopes)
        });
        let stream_limits = self.streams.limits(self.limits.max_streams_per_session());
        let streams = Arc::new(Streams::new(stream_limits, self.event_store));
        let relay = Arc::new(Relay::default());
        let subscribers = Subscribers::new(
            streams.clone(),
            relay.clone(),
            self.sessions.clone(),
            self.limits.max_subscriptions_per_session,
            (
                self.limits.max_listeners,
                self.limits.max_listeners_per_client,
            ),
        );
        let server = Server {
            identity: Identity::new(self.info, self.instructions),
            catalog: Arc::new(Published { registry, lists }),
            policy: Policy {
                auth,
                endpoint,
                protected: self.protected,
                scopes,
                limits: self.limits,
                rate_limits: self.rate_limits,
                carry: self.carry,
                expose_panics: self.expose_panics,
                state_key: self.state_key.unwrap_or_else(StateKey::random),
                #[cfg(feature = "upstream")]
                upstream: self.upstream,
            },
            state: State {
                sessions: self.sessions,
                live: Arc::new(Live::default()),
                subscribers: Arc::new(subscribers),
                tasks: self.task_store,
                running: Running::default(),
                relay,
            },
        };
        let dispatcher = Dispatcher::new(Arc::new(server));
        let legacy_sse = self
            .legacy_sse
            .then(|| Arc::new(LegacySse::new(dispatcher.clone(), self.streams.keep_alive)));
        let http = Arc::new(StreamableHttp {
            dispatcher: dispatcher.clone(),
            origins: self.origins,
            streams,
            always_stream: self.streams.always_stream,
            mounts: Arc::default(),
            elsewhere: std::sync::OnceLock::new(),
        });
        Ok(McpServer {
            dispatcher,
            http,
            legacy_sse,
            endpoint: self.endpoint.map(Arc::from),
            #[cfg(feature = "oauth")]
            validator: self.validator,
        })
    }
}
