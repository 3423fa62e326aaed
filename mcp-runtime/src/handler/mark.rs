//! Making sure a call reaches the handler it stands for.
//!
//! A call is a request on its route, sent through the app: the router may
//! still choose another handler (a sibling route on the same path whose
//! guard the call satisfies, where the tool's own guard refused it). So the
//! request carries a [`Mark`] naming its target, every route a macro
//! generates has a last guard ([`Routed`]) that records on the mark which
//! item the router chose, and its handler takes a hidden first parameter,
//! [`Reached`], that checks the two agree: the target's own handler records
//! that it was reached, and there,
//! inside the route's scopes and middleware, runs the authenticator of a
//! `requires_auth` item (so identity set by a scope's middleware counts);
//! another macro-generated handler refuses to run. After the app answers,
//! the runtime knows whether its handler ran (`Mark::reached`).
//!
//! The guard, not a type parameter of `Reached`, says which item a route
//! serves: so every handler with the same extractors shares one extractor
//! tuple, which actix compiles once, rather than once per tool.
//!
//! actix runs a handler's extractors together, and the first to fail ends
//! them all. So the authenticator's check lives in the mark, not in
//! `Reached`'s future: when another extractor fails first (the route's own
//! `AuthUser`, asking the same issuer about the same token, may well hear
//! back first), the runtime finishes the check, and its refusal, not that
//! extractor's error, is the answer (`Mark::rejection`).
//!
//! On plain REST requests there is no mark and `Reached` does nothing.

use std::cell::{Cell, RefCell};
use std::future::{Ready, poll_fn, ready};
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::dev::Payload;
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::{Either, LocalBoxFuture};

use crate::policy::auth::{Access, AuthRejection, Authenticator};
use crate::schema::route::Exposed;

/// What a forwarded request carries for the handler it is meant for, on
/// the worker that runs the call (the check is a local future).
pub(crate) struct Mark {
    target: Exposed,
    /// The authenticator of a protected item and what the item asks for,
    /// run where its handler is.
    auth: Option<(Authenticator, Access)>,
    /// The item whose route the router chose, if it chose one (`Routed`).
    routed: Cell<Option<Exposed>>,
    reached: Cell<bool>,
    check: RefCell<Check>,
}

/// Where the item's authenticator stands on the request.
enum Check {
    /// Not run (no handler reached, or nothing to check), or passed.
    Clear,
    /// Running, driven by `Reached` and, when another extractor ended the
    /// handler first, by the runtime.
    Running(LocalBoxFuture<'static, Result<(), AuthRejection>>),
    /// Refused.
    Refused(AuthRejection),
}

impl Mark {
    /// Whether the target's handler was reached (its extractors ran).
    pub(crate) fn reached(&self) -> bool {
        self.reached.get()
    }

    /// The authenticator's rejection, if it turned the request away; a
    /// check the handler's other extractors cut short is finished first.
    pub(crate) async fn rejection(&self) -> Option<AuthRejection> {
        poll_fn(|cx| self.poll_check(cx)).await.err()?;
        match self.check.replace(Check::Clear) {
            Check::Refused(rejection) => Some(rejection),
            Check::Clear | Check::Running(_) => None,
        }
    }

    /// Drives the check to its verdict: `Err` with the refusal's status.
    fn poll_check(&self, cx: &mut Context<'_>) -> Poll<Result<(), StatusCode>> {
        let mut check = self.check.borrow_mut();
        if let Check::Running(running) = &mut *check {
            *check = match std::task::ready!(running.as_mut().poll(cx)) {
                Ok(()) => Check::Clear,
                Err(rejection) => Check::Refused(rejection),
            };
        }
        Poll::Ready(match &*check {
            Check::Refused(rejection) => Err(rejection.status),
            Check::Clear | Check::Running(_) => Ok(()),
        })
    }
}

/// The runtime's hold on the mark of a request it sends. A running check
/// holds the request, which holds the mark: dropping this (the call ended,
/// or was cancelled mid-check) drops the check, so neither outlives it.
pub(crate) struct Held(Rc<Mark>);

impl Held {
    pub(crate) fn new(target: Exposed, auth: Option<(Authenticator, Access)>) -> Held {
        Held(Rc::new(Mark {
            target,
            auth,
            routed: Cell::new(None),
            reached: Cell::new(false),
            check: RefCell::new(Check::Clear),
        }))
    }
}

impl std::ops::Deref for Held {
    type Target = Rc<Mark>;

    fn deref(&self) -> &Rc<Mark> {
        &self.0
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.0.check.replace(Check::Clear);
    }
}

/// The last guard of every macro-generated route (see the module docs): on
/// a call's request, records on its mark which item the router chose. It
/// always lets the request through. One type for every route, so actix's
/// `Resource::guard` is compiled once, not once per tool.
pub(crate) struct Routed(pub(crate) Exposed);

impl Guard for Routed {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        if let Some(mark) = ctx.req_data().get::<Rc<Mark>>() {
            mark.routed.set(Some(self.0));
        }
        true
    }
}

/// The hidden first parameter of every macro-generated route handler (see
/// the module docs). Not a public API.
#[doc(hidden)]
pub struct Reached(());

/// Why a handler refused a call's request.
#[derive(Debug)]
enum Refusal {
    /// The request was meant for another item's handler.
    Misrouted,
    /// The authenticator turned it away (the runtime answers the challenge).
    Unauthorized(StatusCode),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Misrouted => f.write_str("this handler is not the call's target"),
            Refusal::Unauthorized(_) => f.write_str("authentication required"),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::Misrouted => StatusCode::MISDIRECTED_REQUEST,
            Refusal::Unauthorized(status) => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).body(self.to_string())
    }
}

impl FromRequest for Reached {
    type Error = actix_web::Error;
    type Future = Either<
        Ready<Result<Self, Self::Error>>,
        LocalBoxFuture<'static, Result<Self, Self::Error>>,
    >;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(mark) = req.extensions().get::<Rc<Mark>>().cloned() else {
            return Either::Left(ready(Ok(Reached(()))));
        };
        if mark.routed.get() != Some(mark.target) {
            return Either::Left(ready(Err(Refusal::Misrouted.into())));
        }
        mark.reached.set(true);
        let Some((auth, access)) = mark.auth.clone() else {
            return Either::Left(ready(Ok(Reached(()))));
        };
        let req = req.clone();
        mark.check.replace(Check::Running(Box::pin(async move {
            auth.check(&req, access).await
        })));
        Either::Right(Box::pin(async move {
            poll_fn(|cx| mark.poll_check(cx))
                .await
                .map(|()| Reached(()))
                .map_err(|status| Refusal::Unauthorized(status).into())
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Weak;

    use actix_web::test::TestRequest;
    use futures_util::FutureExt as _;

    use super::*;

    const TOOL: Exposed = Exposed::Tool("t");

    /// An extractor that turns every request away.
    struct Refusing;

    impl FromRequest for Refusing {
        type Error = actix_web::Error;
        type Future = std::future::Ready<Result<Self, Self::Error>>;

        fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
            ready(Err(actix_web::error::ErrorUnauthorized("no")))
        }
    }

    /// An extractor still waiting (on an issuer, say) when it is dropped.
    struct Waiting;

    impl FromRequest for Waiting {
        type Error = actix_web::Error;
        type Future = std::future::Pending<Result<Self, Self::Error>>;

        fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
            std::future::pending()
        }
    }

    /// Sends a request marked for `TOOL` with `A` as its authenticator to
    /// `TOOL`'s handler, whose other extractor fails first: its `Reached`
    /// is dropped undecided, and so is the request.
    fn cut_short<A: FromRequest + 'static>() -> Held {
        let auth = Authenticator::of::<A>();
        let held = Held::new(TOOL, Some((auth, Access::new(true, &[]))));
        held.routed.set(Some(TOOL));
        let req = TestRequest::default().to_http_request();
        req.extensions_mut().insert(Rc::clone(&held));
        drop(Reached::from_request(&req, &mut Payload::None));
        held
    }

    #[test]
    fn the_runtime_finishes_a_check_the_handler_cut_short() {
        let held = cut_short::<Refusing>();
        let rejection = held.rejection().now_or_never().expect("decided");
        assert_eq!(rejection.map(|r| r.status), Some(StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn a_call_cancelled_mid_check_leaves_no_cycle() {
        let held = cut_short::<Waiting>();
        assert!(held.rejection().now_or_never().is_none(), "still waiting");
        let mark: Weak<Mark> = Rc::downgrade(&held);
        drop(held);
        assert!(
            mark.upgrade().is_none(),
            "the check, its request and the mark are gone"
        );
    }
}
