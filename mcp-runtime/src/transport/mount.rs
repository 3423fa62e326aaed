//! Mounts Streamable HTTP (and, when enabled, the legacy HTTP+SSE
//! transport) as one actix scope: `Host`/`Origin` checks first, then CORS
//! (for a browser's requests), then endpoint-wide authentication, then the
//! endpoint's POST, GET and DELETE; and the protected-resource metadata at
//! the app's root.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpRequest, HttpResponse, Scope, web};

use super::legacy_sse::{self, LegacySse};
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
            .route(web::post().to(post))
            .route(web::get().to(get))
            .route(web::delete().to(delete))
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
        .wrap(actix_web::middleware::from_fn({
            let transport = http.clone();
            let path: Arc<str> = path.into();
            move |req: ServiceRequest, next| {
                check_caller(req, next, transport.clone(), path.clone())
            }
        }))
        .wrap(super::cors::BrowserCors(cors))
        // Outermost: a forbidden host or origin is refused before CORS.
        // (Scope data is not visible to the scope's own middleware, so
        // the transport comes with the closure.)
        .wrap(actix_web::middleware::from_fn({
            let transport = http.clone();
            move |req: ServiceRequest, next| {
                let refusal = transport
                    .check_origin(req.request())
                    .or_else(|| unwrapped_app(&transport, &req));
                refused_or_next(req, next, refusal)
            }
        }));
    super::compiled_here(scope)
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

/// Endpoint-wide authentication, when the server asks for it.
async fn check_caller(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
    transport: Arc<StreamableHttp>,
    path: Arc<str>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    let endpoint = endpoint_path(req.path(), &path);
    let refusal = transport.check_caller(req.request(), endpoint).await;
    refused_or_next(req, next, refusal).await
}

/// Answers `refusal`, or lets the request through.
async fn refused_or_next(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
    refusal: Option<HttpResponse>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, Error> {
    match refusal {
        Some(response) => Ok(req.into_response(response)),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
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
