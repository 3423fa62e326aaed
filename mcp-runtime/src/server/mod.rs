//! [`McpServer`]: the configured server, the actix scope that serves it,
//! the App wrapper calls go through, and the handles for runtime changes.

mod builder;
pub(crate) mod catalog;
pub(crate) mod notifier;
#[cfg(feature = "redis")]
mod replicas;

use std::sync::Arc;

use actix_http::Request;
use actix_service::IntoServiceFactory;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, Error, Scope};

pub use builder::McpServerBuilder;

use crate::call::app::{AppFactory, AppServiceFactory, McpApp};
use crate::dispatch::Dispatcher;
use crate::server::catalog::Catalog;
use crate::server::notifier::Notifier;
use crate::transport::legacy_sse::LegacySse;
use crate::transport::stdio::Stdio;
use crate::transport::streamable_http::StreamableHttp;
use crate::transport::{metadata, mount};

/// An MCP server exposing every `#[mcp_tool]`, `#[mcp_prompt]` and
/// `#[mcp_resource]` of the binary.
///
/// Build it once, before `HttpServer::new`; in each worker, mount
/// [`McpServer::scope`] in the `App` and return the app wrapped by
/// [`McpServer::app`], through which tool calls reach their REST routes.
/// The registry, sessions and configuration are shared (cloning is an `Arc`
/// clone).
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
///     HttpServer::new(move || mcp.app(App::new().service(mcp.scope("/mcp"))))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
#[derive(Clone)]
pub struct McpServer {
    dispatcher: Dispatcher,
    http: Arc<StreamableHttp>,
    legacy_sse: Option<Arc<LegacySse>>,
    /// Where [`app`](McpServer::app) mounts the endpoint, if it does.
    endpoint: Option<Arc<str>>,
    /// What [`app`](McpServer::app) registers for `AccessToken`.
    #[cfg(feature = "oauth")]
    validator: Option<crate::policy::oauth::Validator>,
}

impl McpServer {
    #[cfg(feature = "bench")]
    pub(crate) fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }

    /// Starts configuring a server over every `#[mcp_tool]`,
    /// `#[mcp_prompt]` and `#[mcp_resource]` linked into this binary.
    ///
    /// ```
    /// let server = mcp_runtime::McpServer::builder()
    ///     .name("my-api")
    ///     .version("1.2.0")
    ///     .instructions("Use `get_item` to look items up by id.")
    ///     .build()
    ///     .expect("tools are valid");
    /// ```
    pub fn builder() -> McpServerBuilder {
        McpServerBuilder::new()
    }

    /// The same as [`builder`](McpServer::builder): the items registered in
    /// this binary are what the server exposes.
    pub fn from_registry() -> McpServerBuilder {
        McpServerBuilder::new()
    }

    /// Wraps the worker's `App` so tool calls run through it: a call on a
    /// tool that is also a REST route becomes a request on that route and
    /// meets its guards, middleware (route, scope and App), scope data and
    /// extractor configuration, exactly as the REST request would. Return
    /// the result from the `HttpServer::new` closure in place of the app.
    ///
    /// With [`endpoint`](McpServerBuilder::endpoint) set, this also mounts
    /// the MCP endpoint there, so one call does all the wiring:
    ///
    /// ```
    /// use actix_web::App;
    /// let mcp = mcp_runtime::McpServer::builder().endpoint("/mcp").build().unwrap();
    /// let app = mcp.app(App::new() /* .service(your_routes) */);
    /// # let _ = actix_web::test::init_service(app);
    /// ```
    ///
    /// Without it, mount [`scope`](McpServer::scope) yourself, anywhere in the
    /// app (one wrapper serves every endpoint mounted in it). An endpoint
    /// whose app was not wrapped answers every request with a 500 saying so
    /// (and logs it), rather than failing at the first tool call. See
    /// [`McpApp`] for why calls go through the app.
    ///
    /// ```
    /// use actix_web::{App, web};
    /// # let mcp = mcp_runtime::McpServer::builder().build().unwrap();
    /// let app = mcp.app(
    ///     App::new()
    ///         .service(web::scope("/api").service(mcp.scope("/mcp"))),
    /// );
    /// # let _ = actix_web::test::init_service(app);
    /// ```
    pub fn app<T, B, S>(&self, app: App<T>) -> McpApp<S>
    where
        App<T>: IntoServiceFactory<S, Request>,
        S: AppServiceFactory<B>,
        T: AppFactory<B>,
        B: MessageBody,
    {
        let app = match &self.endpoint {
            Some(path) => app.service(self.scope(path)),
            None => app,
        };
        #[cfg(feature = "oauth")]
        let app = match &self.validator {
            Some(validator) => app.app_data(validator.clone()),
            None => app,
        };
        match metadata::services(self.dispatcher.server(), &self.http.mounts) {
            Some(metadata) => McpApp::wrap(app.service(metadata)),
            None => McpApp::wrap(app),
        }
    }

    /// An actix scope serving the MCP endpoint at `path` (and `path/`): POST
    /// for messages, GET for the session's stream, DELETE to end a session.
    ///
    /// Mount it anywhere in the same `App` as the REST routes (at the root,
    /// or inside a wrapped scope) and return the app wrapped by
    /// [`McpServer::app`]. Where it is mounted decides only which middleware
    /// sees the MCP requests themselves (`initialize`, `tools/list`, …): a
    /// tool call always goes through its own route's middleware and guards,
    /// wherever the endpoint is.
    ///
    /// Every request is first checked for its `Host` and `Origin` (403
    /// otherwise, see [`allow_origin`](McpServerBuilder::allow_origin) and
    /// [`allow_host`](McpServerBuilder::allow_host)); browsers on allowed
    /// origins get CORS (preflights answered, `Mcp-Session-Id`,
    /// `MCP-Protocol-Version` and `WWW-Authenticate` exposed).
    ///
    /// ```
    /// # let mcp = mcp_runtime::McpServer::from_registry().build().unwrap();
    /// let app = actix_web::App::new()
    ///     .service(mcp.scope("/mcp").wrap(actix_web::middleware::Logger::default()));
    /// ```
    pub fn scope(
        &self,
        path: &str,
    ) -> Scope<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = Error,
            InitError = (),
        > + use<>,
    > {
        mount::scope(path, &self.http, self.legacy_sse.as_ref())
    }

    /// A handle for messages the server sends on its own, outside any
    /// request: log messages, resource updates.
    pub fn notifier(&self) -> Notifier {
        Notifier {
            subscribers: self.dispatcher.server().state.subscribers.clone(),
        }
    }

    /// A handle that turns tools, prompts and resources off and on at
    /// runtime, telling clients their lists changed. See [`Catalog`].
    pub fn catalog(&self) -> Catalog {
        Catalog {
            published: self.dispatcher.server().catalog.clone(),
            subscribers: self.dispatcher.server().state.subscribers.clone(),
        }
    }

    /// Joins the other replicas serving the same clients through `redis`
    /// (feature `redis`), so that a client's follow-up reaches the replica
    /// it concerns, wherever the load balancer sends it:
    ///
    /// * an answer to a question (elicitation, sampling, roots), to the call
    ///   that asked; `notifications/cancelled`, to the call it names;
    /// * `tasks/update` and `tasks/cancel`, to the replica running the task;
    /// * [`catalog`](Self::catalog) changes: an item turned off or on
    ///   anywhere is off or on everywhere (kept in Redis too, for replicas
    ///   that start later), and every replica tells its own clients their
    ///   lists changed;
    /// * [`Notifier::resource_updated`] on one replica, to the subscribers
    ///   of every replica, and any message for a session's standalone
    ///   stream, to the replica where that stream is open.
    ///
    /// Sessions and tasks are shared by their stores
    /// ([`Redis::sessions`](crate::store::redis::Redis::sessions),
    /// [`Redis::tasks`](crate::store::redis::Redis::tasks)); this shares
    /// what is alive. Call it once, inside the runtime (e.g. in
    /// `#[actix_web::main]`). Messages are Redis pub/sub: at most once, in
    /// order from each replica; a replica that is down misses them, and
    /// while Redis is down they are dropped (at most 1,024 wait to be sent).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let redis = mcp_runtime::store::redis::Redis::connect("redis://127.0.0.1/0", "items").await?;
    /// let mcp = mcp_runtime::McpServer::builder().build()?;
    /// mcp.share(&redis);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis")]
    pub fn share(&self, redis: &crate::state::redis::Redis) {
        let server = self.dispatcher.server().clone();
        let streams = self.http.streams.clone();
        if let Some(replica) = replicas::Replica::join(redis, server, self.catalog(), streams) {
            let _ = self.http.elsewhere.set(replica);
        }
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
        self.dispatcher
            .server()
            .catalog
            .registry
            .iter()
            .map(|t| t.def.name)
    }

    /// Serves `app`'s tools, prompts and resources over stdin and stdout, to the client that
    /// launched this process; see [`Stdio`]. Build `app` as for
    /// `HttpServer::new` (there is no need to wrap it with
    /// [`McpServer::app`], nor to mount [`McpServer::scope`]): it is built
    /// once, in process, without a socket.
    ///
    /// ```no_run
    /// use actix_web::{App, web};
    ///
    /// #[actix_web::main]
    /// async fn main() -> std::io::Result<()> {
    ///     let mcp = mcp_runtime::McpServer::from_registry().build().map_err(std::io::Error::other)?;
    ///     let pool = web::Data::new(String::from("a shared resource"));
    ///     mcp.stdio(App::new().app_data(pool)).await
    /// }
    /// ```
    pub fn stdio<T, B>(&self, app: App<T>) -> Stdio
    where
        T: AppFactory<B>,
        B: MessageBody + 'static,
    {
        Stdio::new(self.dispatcher.clone(), app)
    }
}
