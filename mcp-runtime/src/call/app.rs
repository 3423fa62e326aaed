//! [`McpApp`]: the app, wrapped so a tool call can be sent through it.
//!
//! # Why a tool call goes through the app
//!
//! A tool that is also a REST route must meet everything the REST request
//! meets: the router (and its segment patterns), route and resource guards,
//! `wrap` middleware on the route, its scope's middleware and `app_data`,
//! the app's extractor configuration (`JsonConfig`, `QueryConfig`, …) and
//! App-level middleware. Those are exactly where applications put access
//! control, so skipping any of them is a security hole.
//!
//! So a `tools/call` on a route tool becomes a fresh request on the tool's
//! route (method, path rendered from the path arguments, query string, JSON
//! or form body, the MCP request's credentials and extensions) and is handed
//! to the app's own service — in process, on the same worker, with no
//! network hop. The alternatives considered:
//!
//! * **Running the handler directly** (the first design): fast, but it skips
//!   every item above.
//! * **An App-level middleware rewriting the MCP request** into the tool's
//!   request: it sees the router, but it can only reuse the one incoming
//!   request, whose `head`, `match_info` and `app_data` are mutated in place
//!   (`Rc::get_mut` panics while any clone is alive, scope data leaks from
//!   one call to the next), so it cannot stream a response while the call
//!   runs, nor run two calls at once, and the MCP endpoint would sit outside
//!   its own scope's middleware.
//! * **A sibling copy of the app** built per worker: isolated requests, but
//!   the app factory runs twice, so per-worker state (pools, caches created
//!   inside `HttpServer::new`'s closure) diverges between REST and MCP.
//!
//! Wrapping the app itself gives isolated requests (each tool call gets its
//! own `HttpRequest`, extensions and scope data), concurrency, streaming,
//! and the very same service tree and state as REST. The cost is one line
//! in `HttpServer::new` ([`McpServer::app`](crate::McpServer::app)); without it,
//! route tools answer with a tool error that says so.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use actix_http::Request;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{AppConfig, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, Error};
use futures_util::future::LocalBoxFuture;

use crate::call::forward::Paths;
use crate::support::boxed::in_box;

/// An actix [`App`] wrapped so MCP tool calls can go through its routes,
/// middleware and configuration exactly as REST requests do. Made by
/// [`McpServer::app`](crate::McpServer::app); return it from the
/// `HttpServer::new` closure in place of the app.
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use mcp_runtime::McpServer;
///
/// # #[actix_web::main] async fn main() -> std::io::Result<()> {
/// let mcp = McpServer::from_registry().build().map_err(std::io::Error::other)?;
/// HttpServer::new(move || mcp.app(App::new().service(mcp.scope("/mcp"))))
///     .bind(("127.0.0.1", 8080))?
///     .run()
///     .await
/// # }
/// ```
///
/// It is an ordinary service factory: `actix_web::test::init_service`
/// takes it too. One wrapper serves every MCP endpoint mounted in the app.
pub struct McpApp<S> {
    factory: S,
    slot: Rc<ServiceSlot>,
}

/// What an actix `App<T>` is built from (its `T`): the bound every method
/// that takes an `App` states, written once. Implemented for every such
/// factory; nothing to implement.
pub trait AppFactory<B>:
    ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<B>,
        Error = Error,
        InitError = (),
    > + 'static
{
}

impl<T, B> AppFactory<B> for T where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static
{
}

/// What an `App` turns into for `HttpServer` (a service factory over raw
/// requests), stated once. Implemented for every such factory.
pub trait AppServiceFactory<B>:
    ServiceFactory<
        Request,
        Config = AppConfig,
        Response = ServiceResponse<B>,
        Error = Error,
        InitError = (),
    >
{
}

impl<S, B> AppServiceFactory<B> for S where
    S: ServiceFactory<
            Request,
            Config = AppConfig,
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        >
{
}

/// Where each worker's app service is published for the MCP endpoints in it.
#[derive(Default)]
pub(crate) struct ServiceSlot(RefCell<Option<Weak<dyn Dispatch>>>);

/// The app's service, with its body type erased.
trait Dispatch {
    fn dispatch(&self, req: Request) -> LocalBoxFuture<'static, Result<ServiceResponse, Error>>;
}

impl<S, B> Dispatch for S
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    fn dispatch(&self, req: Request) -> LocalBoxFuture<'static, Result<ServiceResponse, Error>> {
        let call = self.call(req);
        in_box(|| async move { call.await.map(ServiceResponse::map_into_boxed_body) })
    }
}

/// A handle on the app service of the current worker, found in `app_data`.
#[derive(Clone)]
pub(crate) struct AppHandle(Rc<ServiceSlot>, Rc<Paths>);

impl AppHandle {
    /// The app's routes' paths, rendered once each.
    pub(crate) fn paths(&self) -> &Paths {
        &self.1
    }

    /// Sends `req` through the app: router, middleware, handler.
    pub(crate) fn dispatch(
        &self,
        req: Request,
    ) -> Option<LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>>> {
        let service = self.0.0.borrow().as_ref()?.upgrade()?;
        Some(service.dispatch(req))
    }
}

impl<S> McpApp<S> {
    pub(crate) fn wrap<T, B>(app: App<T>) -> McpApp<S>
    where
        App<T>: actix_service::IntoServiceFactory<S, Request>,
        S: AppServiceFactory<B>,
        T: AppFactory<B>,
        B: MessageBody,
    {
        let slot = Rc::new(ServiceSlot::default());
        let app = app.app_data(AppHandle(slot.clone(), Rc::default()));
        McpApp {
            factory: actix_service::IntoServiceFactory::into_factory(app),
            slot,
        }
    }
}

impl<S, B> ServiceFactory<Request> for McpApp<S>
where
    S: ServiceFactory<
            Request,
            Config = AppConfig,
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        >,
    S::Future: 'static,
    S::Service: 'static,
    <S::Service as Service<Request>>::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Config = AppConfig;
    type Service = McpAppService<S::Service>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Service, ()>>;

    fn new_service(&self, config: AppConfig) -> Self::Future {
        let service = self.factory.new_service(config);
        let slot = self.slot.clone();
        Box::pin(async move {
            let service = Rc::new(service.await?);
            let dispatch: Rc<dyn Dispatch> = service.clone();
            *slot.0.borrow_mut() = Some(Rc::downgrade(&dispatch));
            Ok(McpAppService { app: service })
        })
    }
}

impl<S, B> McpApp<S>
where
    S: ServiceFactory<
            Request,
            Config = AppConfig,
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    S::Future: 'static,
    S::Service: 'static,
    <S::Service as Service<Request>>::Future: 'static,
    B: MessageBody + 'static,
{
    /// Builds the app's service in process, without a server or a socket
    /// (as `actix_web::test::init_service` does), for transports that are
    /// not HTTP: requests reach it through [`Running::dispatch`].
    pub(crate) fn start(self) -> LocalBoxFuture<'static, Result<Running, ()>> {
        Box::pin(async move {
            let service = self.new_service(AppConfig::default()).await?;
            Ok(Running(Rc::new(service)))
        })
    }
}

/// An app service built in process (see [`McpApp::start`]); the app lives
/// as long as this does.
pub(crate) struct Running(Rc<dyn Dispatch>);

impl Running {
    /// Sends `req` through the app: middleware, router, handler.
    pub(crate) fn dispatch(
        &self,
        req: Request,
    ) -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, Error>> {
        self.0.dispatch(req)
    }
}

/// The service of an [`McpApp`]: the app's own service, unchanged for every
/// request that reaches the server.
pub struct McpAppService<S> {
    app: Rc<S>,
}

impl<S: Service<Request>> Service<Request> for McpAppService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    actix_web::dev::forward_ready!(app);

    fn call(&self, req: Request) -> Self::Future {
        self.app.call(req)
    }
}
