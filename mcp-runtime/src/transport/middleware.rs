//! The endpoint's middleware, written for the requests that pass it: a
//! request that needs nothing from a layer goes through it without an
//! allocation (actix's `from_fn` boxes two futures per request and layer).

use std::future::{Future, Ready, ready};
use std::rc::Rc;

use actix_cors::{Cors, CorsMiddleware};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::ORIGIN;
use actix_web::{Error, HttpResponse};
use futures_util::future::{Either, LocalBoxFuture, MapOk, TryFutureExt as _};

/// The service a layer here wraps: the bound each of its impls states,
/// written once.
pub(crate) trait Inner:
    Service<ServiceRequest, Response = ServiceResponse<Self::Body>, Error = Error, Future: 'static>
    + 'static
{
    /// The body of the responses it gives.
    type Body: MessageBody + 'static;
}

impl<S, B> Inner for S
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Body = B;
}

/// A response that did not go through the layer, typed as one that did.
type Through<F, B, R> = MapOk<F, IntoLeft<B, R>>;

type IntoLeft<B, R> = fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B, R>>;

fn through<S: Inner, R>(service: &S, req: ServiceRequest) -> Through<S::Future, S::Body, R> {
    let into: IntoLeft<S::Body, R> = ServiceResponse::map_into_left_body;
    service.call(req).map_ok(into)
}

/// `Cors`, run only for requests with an `Origin` header. Other clients
/// (the MCP SDKs, command-line tools) read no CORS headers, and `Cors`
/// costs every request it sees: it validates the request and adds `Vary`
/// and `Access-Control-Expose-Headers` to every response, `Origin` or not.
/// A preflight always has an `Origin`.
pub(crate) struct BrowserCors(pub(crate) Cors);

impl<S: Inner> Transform<S, ServiceRequest> for BrowserCors {
    type Response = ServiceResponse<EitherBody<S::Body>>;
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

impl<S: Inner> Service<ServiceRequest> for BrowserCorsService<S> {
    type Response = ServiceResponse<EitherBody<S::Body>>;
    type Error = Error;
    type Future = Either<
        LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<S::Body>>, Error>>,
        Through<S::Future, S::Body, BoxBody>,
    >;

    forward_ready!(direct);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if req.headers().contains_key(ORIGIN) {
            Either::Left(self.cors.call(req))
        } else {
            Either::Right(through(&*self.direct, req))
        }
    }
}

/// What a [`Rule`] says of a request at once.
pub(crate) enum Verdict {
    /// Let it through.
    Pass,
    /// Answer this instead.
    Refuse(HttpResponse),
    /// Wait for [`Rule::later`].
    Later,
}

/// A check a request passes before it goes further.
pub(crate) trait Rule: 'static {
    /// The verdict, when it can be given without waiting.
    fn now(&self, req: &ServiceRequest) -> Verdict;

    /// The refusal, if any, after `now` said [`Verdict::Later`] (a rule
    /// that always decides at once keeps this one).
    fn later<'a>(
        &'a self,
        _req: &'a ServiceRequest,
    ) -> impl Future<Output = Option<HttpResponse>> + 'a {
        ready(None)
    }
}

/// A middleware that answers a request its [`Rule`] refuses.
pub(crate) struct Gate<R>(pub(crate) Rc<R>);

impl<S: Inner, R: Rule> Transform<S, ServiceRequest> for Gate<R> {
    type Response = ServiceResponse<EitherBody<S::Body>>;
    type Error = Error;
    type InitError = ();
    type Transform = GateService<S, R>;
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GateService {
            service: Rc::new(service),
            rule: self.0.clone(),
        }))
    }
}

/// The service a [`Gate`] makes.
pub(crate) struct GateService<S, R> {
    service: Rc<S>,
    rule: Rc<R>,
}

impl<S: Inner, R: Rule> Service<ServiceRequest> for GateService<S, R> {
    type Response = ServiceResponse<EitherBody<S::Body>>;
    type Error = Error;
    type Future = Either<
        Through<S::Future, S::Body, BoxBody>,
        LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<S::Body>>, Error>>,
    >;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match self.rule.now(&req) {
            Verdict::Pass => Either::Left(through(&*self.service, req)),
            Verdict::Refuse(response) => Either::Right(Box::pin(ready(Ok(req
                .into_response(response)
                .map_into_right_body())))),
            Verdict::Later => {
                let (service, rule) = (self.service.clone(), self.rule.clone());
                Either::Right(Box::pin(async move {
                    match rule.later(&req).await {
                        Some(response) => Ok(req.into_response(response).map_into_right_body()),
                        None => service
                            .call(req)
                            .await
                            .map(ServiceResponse::map_into_left_body),
                    }
                }))
            }
        }
    }
}
