//! Mounts Streamable HTTP (and, when enabled, the legacy HTTP+SSE
//! transport) as one actix scope: `Host`/`Origin` checks first, then CORS
//! (for a browser's requests), then endpoint-wide authentication, then the
//! endpoint's POST, GET and DELETE; and the protected-resource metadata at
//! the app's root.

use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::Method;
use actix_web::{Error, HttpRequest, HttpResponse, Scope, web};

use super::legacy_sse::{self, LegacySse};
use super::middleware::{BrowserCors, Gate, Rule, Verdict};
use super::streamable_http::StreamableHttp;
use crate::call::app::AppHandle;

/// The endpoint at `path` (and `path/`).
pub(crate) fn scope(
    path: &str,
    http: &Arc<StreamableHttp>,
    legacy_sse: Option<&Arc<LegacySse>>,
) -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody + use<>>,
        Error = Error,
        InitError = (),
    > + use<>,
> {
    http.mounts.add(path);
    let policy = http.origins.clone();
    let cors = actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, _| policy.permits(origin.to_str().ok()))
        .allowed_methods(["GET", "POST", "DELETE"])
        .allow_any_header()
        .expose_headers(["mcp-session-id", "mcp-protocol-version", "www-authenticate"])
        .max_age(3600);
    // One resource per spelling: a resource with several patterns is
    // matched with a regex set on every request, a single static one by
    // comparing strings.
    let endpoint = |pattern: &str| {
        web::resource(pattern)
            .route(web::route().guard(Is(Method::POST)).to(post))
            .route(web::route().guard(Is(Method::GET)).to(get))
            .route(web::route().guard(Is(Method::DELETE)).to(delete))
            .default_service(web::to(other))
    };
    let scope = web::scope(path)
        .app_data(web::Data::from(http.clone()))
        .service(endpoint(""))
        .service(endpoint("/"))
        .configure(|cfg| {
            if let Some(legacy) = legacy_sse {
                legacy_sse::mount(cfg, legacy.clone());
            }
        })
        .wrap(Gate(Rc::new(CallerRule {
            transport: http.clone(),
            path: path.into(),
        })))
        .wrap(BrowserCors(cors))
        // Outermost: a forbidden host or origin is refused before CORS.
        // (Scope data is not visible to the scope's own middleware, so
        // the transport comes with the rule.)
        .wrap(Gate(Rc::new(HostRule(http.clone()))));
    super::compiled_here(scope)
}

/// A request of this method. Unlike actix's method guards, which note
/// every method they are asked about in the request's data (for a 405's
/// `Allow`: two allocations on every request), it only compares: the
/// endpoint's `other` answers every other method with its own `Allow`.
struct Is(Method);

impl Guard for Is {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.head().method == self.0
    }
}

/// The endpoint's own path in a request's `path`: up to the scope's `path`
/// (which may itself be inside other scopes), without what follows it
/// (`/sse`, `/messages`).
fn endpoint_path<'a>(full: &'a str, path: &str) -> &'a str {
    let path = path.trim_end_matches('/');
    match full.rfind(path) {
        Some(at) if !path.is_empty() => &full[..at + path.len()],
        _ => full.trim_end_matches('/'),
    }
}

/// The endpoint is served by an App that `McpServer::app` did not wrap, so
/// no call could reach its route: said on the first request, not the first
/// tool call.
fn unwrapped_app(http: &StreamableHttp, req: &ServiceRequest) -> Option<HttpResponse> {
    if req.app_data::<AppHandle>().is_some()
        || !http.dispatcher.server().catalog.registry.needs_app()
    {
        return None;
    }
    tracing::error!(
        "mcp-runtime: the MCP endpoint {} is mounted in an App that is not wrapped by \
         `McpServer::app`; return `mcp.app(App::new()…)` from the `HttpServer::new` closure",
        req.path()
    );
    Some(
        HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(
                "MCP endpoint misconfigured: the App serving it is not wrapped by \
                 `McpServer::app`, so tool calls could not reach their routes",
            ),
    )
}

/// `Host` and `Origin` (DNS-rebinding protection), and an App that
/// `McpServer::app` wrapped.
struct HostRule(Arc<StreamableHttp>);

impl Rule for HostRule {
    fn now(&self, req: &ServiceRequest) -> Verdict {
        match self
            .0
            .check_origin(req.request())
            .or_else(|| unwrapped_app(&self.0, req))
        {
            Some(refusal) => Verdict::Refuse(refusal),
            None => Verdict::Pass,
        }
    }
}

/// Endpoint-wide authentication, when the server asks for it.
struct CallerRule {
    transport: Arc<StreamableHttp>,
    path: Arc<str>,
}

impl Rule for CallerRule {
    fn now(&self, _: &ServiceRequest) -> Verdict {
        if self.transport.checks_callers() {
            Verdict::Later
        } else {
            Verdict::Pass
        }
    }

    async fn later<'a>(&'a self, req: &'a ServiceRequest) -> Option<HttpResponse> {
        let endpoint = endpoint_path(req.path(), &self.path);
        self.transport.check_caller(req.request(), endpoint).await
    }
}

async fn post(
    transport: web::Data<StreamableHttp>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    transport.post(req, body).await
}

async fn get(transport: web::Data<StreamableHttp>, req: HttpRequest) -> HttpResponse {
    transport.get(req).await
}

async fn delete(transport: web::Data<StreamableHttp>, req: HttpRequest) -> HttpResponse {
    transport.delete(req).await
}

async fn other(transport: web::Data<StreamableHttp>, req: HttpRequest) -> HttpResponse {
    transport.other(req).await
}
