//! The protected-resource metadata (RFC 9728) at the app's root, and the
//! authorization-server metadata (RFC 8414) when the app serves its own:
//! reachable without credentials and from any origin, since a client reads
//! them before it has a token.

use std::sync::{Arc, Mutex};

use actix_web::dev::HttpServiceFactory;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::call::server::Server;
use crate::policy::resource::WELL_KNOWN;
use crate::support::sync::lock;

/// Where the server's endpoints are mounted (`McpServer::scope`'s paths),
/// so the path-suffixed metadata answers for them and nothing else.
#[derive(Default)]
pub(crate) struct Mounts(Mutex<Vec<Arc<str>>>);

impl Mounts {
    pub(crate) fn add(&self, path: &str) {
        let path = path.trim_end_matches('/');
        let mut mounts = lock(&self.0);
        if !mounts.iter().any(|m| &**m == path) {
            mounts.push(path.into());
        }
    }

    /// The endpoint path `suffix` names: one mounted there (or inside
    /// other scopes, so ending with a mount's path).
    fn endpoint(&self, suffix: &str) -> Option<String> {
        let path = format!("/{}", suffix.trim_matches('/'));
        lock(&self.0)
            .iter()
            .any(|m| !m.is_empty() && path.ends_with(&**m))
            .then_some(path)
    }

    fn first(&self) -> Option<Arc<str>> {
        lock(&self.0).first().cloned()
    }
}

#[derive(Clone)]
struct Published {
    server: Arc<Server>,
    mounts: Arc<Mounts>,
}

/// The metadata routes; `None` when the server publishes no metadata.
pub(crate) fn services(
    server: &Arc<Server>,
    mounts: &Arc<Mounts>,
) -> Option<impl HttpServiceFactory + use<>> {
    let protected = server.policy.protected.as_ref()?;
    let data = web::Data::new(Published {
        server: server.clone(),
        mounts: mounts.clone(),
    });
    let cors = || {
        actix_cors::Cors::default()
            .allow_any_origin()
            .send_wildcard()
            .allowed_methods(["GET"])
    };
    let mut services = vec![
        web::resource([WELL_KNOWN.to_owned(), format!("{WELL_KNOWN}/{{path:.*}}")])
            .app_data(data.clone())
            .wrap(cors())
            .route(web::get().to(protected_resource)),
    ];
    // Checked at build: an issuer that cannot be served here never gets this far.
    let paths = protected.authorization_server_paths().unwrap_or_default();
    if !paths.is_empty() {
        services.push(
            web::resource(paths)
                .app_data(data)
                .wrap(cors())
                .route(web::get().to(authorization_server)),
        );
    }
    Some(super::compiled_here(services))
}

async fn protected_resource(published: web::Data<Published>, req: HttpRequest) -> HttpResponse {
    let policy = &published.server.policy;
    let Some(protected) = &policy.protected else {
        return HttpResponse::NotFound().finish();
    };
    let suffix = req.match_info().get("path").unwrap_or_default();
    let endpoint = if suffix.is_empty() {
        published.mounts.first().map(|m| m.to_string())
    } else {
        published.mounts.endpoint(suffix)
    };
    let mut response = HttpResponse::Ok();
    let resource = match (&protected.resource, endpoint) {
        // A configured resource answers at the root and at its own path.
        (Some(url), _)
            if suffix.is_empty() || url.ends_with(&format!("/{}", suffix.trim_matches('/'))) =>
        {
            response.insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
            url.clone()
        }
        (None, Some(path)) => {
            // Inferred from the request's host and forwarding headers,
            // which anyone can set: a shared cache must not hand one
            // client's answer to another.
            response
                .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
                .insert_header((header::VARY, INFERRED_FROM));
            protected.resource_url(&req, &path)
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    response.json(protected.document(&resource, &policy.scopes))
}

/// The request headers an inferred `resource` depends on.
const INFERRED_FROM: &str = "Host, Forwarded, X-Forwarded-Host, X-Forwarded-Proto";

async fn authorization_server(published: web::Data<Published>) -> HttpResponse {
    match published
        .server
        .policy
        .protected
        .as_ref()
        .and_then(|p| p.authorization_server_metadata.as_ref())
    {
        Some(metadata) => HttpResponse::Ok().json(metadata),
        None => HttpResponse::NotFound().finish(),
    }
}
