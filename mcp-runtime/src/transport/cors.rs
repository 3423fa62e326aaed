//! CORS for the requests that need it: a browser's, which carry `Origin`.

use std::rc::Rc;

use actix_cors::{Cors, CorsMiddleware};
use actix_web::Error;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::ORIGIN;
use futures_util::future::{Either, LocalBoxFuture, MapOk, TryFutureExt as _};

/// `Cors`, run only for requests with an `Origin` header. Other clients
/// (the MCP SDKs, command-line tools) read no CORS headers, and `Cors`
/// costs every request it sees about a tenth of a call's instructions: it
/// validates the request and adds `Vary` and `Access-Control-Expose-Headers`
/// to every response, `Origin` or not. A preflight always has an `Origin`.
pub(crate) struct BrowserCors(pub(crate) Cors);

impl<S, B> Transform<S, ServiceRequest> for BrowserCors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type InitError = ();
    type Transform = BrowserCorsService<S>;
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let direct = Rc::new(service);
        let cors = self.0.new_transform(direct.clone());
        Box::pin(async move {
            Ok(BrowserCorsService {
                cors: cors.await?,
                direct,
            })
        })
    }
}

/// The service [`BrowserCors`] makes: the same inner service, reached
/// through `Cors` or directly.
pub(crate) struct BrowserCorsService<S> {
    cors: CorsMiddleware<Rc<S>>,
    direct: Rc<S>,
}

/// A response without CORS headers, typed as one that went through `Cors`.
type Direct<F, B> = MapOk<F, fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>>;

impl<S, B> Service<ServiceRequest> for BrowserCorsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<
        LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, Error>>,
        Direct<S::Future, B>,
    >;

    forward_ready!(direct);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if req.headers().contains_key(ORIGIN) {
            Either::Left(self.cors.call(req))
        } else {
            let into: fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> =
                ServiceResponse::map_into_left_body;
            Either::Right(self.direct.call(req).map_ok(into))
        }
    }
}
