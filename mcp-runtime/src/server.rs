//! [`McpServer`]: the configured server, and the actix scope that serves it.

use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, Scope, web};
use rmcp::model::Implementation;

use crate::auth::Authenticator;
use crate::dispatch::Dispatcher;
use crate::error::BuildError;
use crate::origin::OriginPolicy;
use crate::registry::{Registry, ToolDef};
use crate::session::{InMemorySessionStore, SessionStore};
use crate::transport::streamable_http::StreamableHttp;

/// An MCP server exposing every `#[mcp_tool]` of the binary.
///
/// Build it once, before `HttpServer::new`, and mount [`McpServer::scope`] in
/// each worker's `App`: the registry, sessions and configuration are shared
/// (cloning is an `Arc` clone).
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use mcp_runtime::McpServer;
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let mcp = McpServer::from_registry()
///         .name("items-api")
///         .build()
///         .map_err(std::io::Error::other)?;
///     HttpServer::new(move || App::new().service(mcp.scope("/mcp")))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
#[derive(Clone)]
pub struct McpServer {
    transport: Arc<StreamableHttp>,
}

/// Configures an [`McpServer`]; see [`McpServer::from_registry`].
#[must_use = "call `.build()` to get a server"]
pub struct McpServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    auth: Option<Authenticator>,
    sessions: Option<Arc<dyn SessionStore>>,
    origins: OriginPolicy,
    max_request_bytes: usize,
    max_response_bytes: usize,
}

impl McpServer {
    /// Starts configuring a server over every tool registered with
    /// `#[mcp_tool]` in this binary.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry()
    ///     .name("my-api")
    ///     .version("1.2.0")
    ///     .instructions("Use `get_item` to look items up by id.")
    ///     .build()
    ///     .expect("tools are valid");
    /// ```
    pub fn from_registry() -> McpServerBuilder {
        McpServerBuilder {
            info: Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
            instructions: None,
            auth: None,
            sessions: Some(Arc::new(InMemorySessionStore::default())),
            origins: OriginPolicy::default(),
            max_request_bytes: 4 * 1024 * 1024,
            max_response_bytes: 16 * 1024 * 1024,
        }
    }

    /// An actix scope serving the MCP endpoint at `path` (and `path/`): POST
    /// for messages, DELETE to end a session.
    ///
    /// Mount it into the same `App` as the REST routes. Middleware wrapped
    /// around it (`.wrap(...)` on the returned scope or on the app) applies to
    /// tool calls exactly as to REST requests, since tools run the handlers
    /// against the MCP request.
    ///
    /// ```
    /// # let mcp = mcp_runtime::McpServer::from_registry().build().unwrap();
    /// let app = actix_web::App::new()
    ///     .service(mcp.scope("/mcp").wrap(actix_web::middleware::Logger::default()));
    /// ```
    pub fn scope(&self, path: &str) -> Scope {
        let post = self.transport.clone();
        let delete = self.transport.clone();
        let other = self.transport.clone();
        web::scope(path).service(
            web::resource(["", "/"])
                .route(web::post().to(move |req: HttpRequest, body: web::Payload| {
                    let t = post.clone();
                    async move { t.post(req, body).await }
                }))
                .route(web::delete().to(move |req: HttpRequest| {
                    let t = delete.clone();
                    async move { t.delete(req).await }
                }))
                .default_service(web::to(move |req: HttpRequest| {
                    let t = other.clone();
                    async move { t.other(req).await }
                })),
        )
    }

    /// The names of the tools this server exposes, sorted.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::from_registry().build().unwrap();
    /// for name in server.tool_names() {
    ///     println!("{name}");
    /// }
    /// ```
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.transport
            .dispatcher
            .registry
            .iter()
            .map(|t| t.def.name)
    }
}

impl McpServerBuilder {
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

    /// `instructions` sent to clients on `initialize`: how to use the tools.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Authenticates `requires_auth` tools with the app's own extractor `A`.
    ///
    /// Before such a tool runs, `A` is extracted from the MCP request; if it
    /// fails, the handler does not run and the client gets HTTP 401 with
    /// `WWW-Authenticate: Bearer` (403 if `A`'s error is a 403). Without this,
    /// [`build`](Self::build) refuses a registry with `requires_auth` tools.
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
    /// use mcp_runtime::{InMemorySessionStore, McpServer};
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

    /// Largest accepted request body (default 4 MiB); larger ones get 413.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// Largest handler response turned into a tool result (default 16 MiB);
    /// larger ones become a tool error.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Compiles the registry: every tool's schemas and argument plan, the
    /// `tools/list` payload. Fails with every problem at once: duplicate tool
    /// names (with both locations), `requires_auth` tools without
    /// [`auth`](Self::auth), tools whose types cannot be exposed.
    pub fn build(self) -> Result<McpServer, BuildError> {
        let defs: Vec<&'static ToolDef> = inventory::iter::<ToolDef>.into_iter().collect();
        let registry = Registry::build(defs, self.auth.is_some())?;
        let dispatcher = Dispatcher {
            registry,
            info: self.info,
            instructions: self.instructions,
            auth: self.auth,
            max_response_bytes: self.max_response_bytes,
        };
        Ok(McpServer {
            transport: Arc::new(StreamableHttp {
                dispatcher,
                sessions: self.sessions,
                origins: self.origins,
                max_request_bytes: self.max_request_bytes,
            }),
        })
    }
}
