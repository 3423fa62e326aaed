//! Making sure a call reaches the handler it stands for.
//!
//! A call is a request on its route, sent through the app: the router may
//! still choose another handler (a sibling route on the same path whose
//! guard the call satisfies, where the tool's own guard refused it). So the
//! request carries a [`Mark`] naming its target, and every route handler a
//! macro generates takes a hidden first parameter, [`Reached`], that checks
//! it: the target's own handler records that it was reached, and there,
//! inside the route's scopes and middleware, runs the authenticator of a
//! `requires_auth` item (so identity set by a scope's middleware counts);
//! another macro-generated handler refuses to run. After the app answers,
//! the runtime knows whether its handler ran (`Mark::reached`).
//!
//! On plain REST requests there is no mark and `Reached` does nothing.

use std::future::{Future, ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};

use crate::policy::auth::{Access, AuthRejection, Authenticator};
use crate::schema::route::Exposed;
use crate::support::sync::lock;

/// What a forwarded request carries for the handler it is meant for.
pub(crate) struct Mark {
    target: Exposed,
    /// The authenticator of a protected item and what the item asks for,
    /// run where its handler is.
    auth: Option<(Authenticator, Access)>,
    reached: AtomicBool,
    rejection: Mutex<Option<AuthRejection>>,
}

impl Mark {
    pub(crate) fn new(target: Exposed, auth: Option<(Authenticator, Access)>) -> Arc<Mark> {
        Arc::new(Mark {
            target,
            auth,
            reached: AtomicBool::new(false),
            rejection: Mutex::new(None),
        })
    }

    /// Whether the target's handler was reached (its extractors ran).
    pub(crate) fn reached(&self) -> bool {
        self.reached.load(Ordering::SeqCst)
    }

    /// The authenticator's rejection, if it turned the request away.
    pub(crate) fn rejection(&self) -> Option<AuthRejection> {
        lock(&self.rejection).take()
    }
}

/// Which item a generated handler serves. Generated code implements it on
/// a type of its own per handler.
#[doc(hidden)]
pub trait Target: 'static {
    /// The item, as its route's locator names it.
    const EXPOSED: Exposed;
}

/// The hidden first parameter of every macro-generated route handler (see
/// the module docs). Not a public API.
#[doc(hidden)]
pub struct Reached<T>(PhantomData<T>);

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

impl<T: Target> FromRequest for Reached<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(mark) = req.extensions().get::<Arc<Mark>>().cloned() else {
            return Box::pin(ready(Ok(Reached(PhantomData))));
        };
        if mark.target != T::EXPOSED {
            return Box::pin(ready(Err(Refusal::Misrouted.into())));
        }
        mark.reached.store(true, Ordering::SeqCst);
        let Some((auth, access)) = mark.auth.clone() else {
            return Box::pin(ready(Ok(Reached(PhantomData))));
        };
        let req = req.clone();
        Box::pin(async move {
            match auth.check(&req, access).await {
                Ok(()) => Ok(Reached(PhantomData)),
                Err(rejection) => {
                    let status = rejection.status;
                    *lock(&mark.rejection) = Some(rejection);
                    Err(Refusal::Unauthorized(status).into())
                }
            }
        })
    }
}
