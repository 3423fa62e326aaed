//! Wire transports. Each one decodes messages, applies its own rules
//! (sessions, headers, status codes), hands every message to the shared
//! `dispatch::Dispatcher`, and turns what comes back — the outcome and the
//! messages sent while a request runs — into its own wire form.

pub(crate) mod batch;
pub(crate) mod connection;
pub(crate) mod legacy_sse;
pub(crate) mod metadata;
pub(crate) mod middleware;
pub(crate) mod mount;
pub(crate) mod stdio;
pub(crate) mod stream;
pub(crate) mod streamable_http;

use actix_web::dev::{AppService, HttpServiceFactory};

/// `service`, with its registration (and the middleware and services that
/// reaches) compiled in this crate: a function whose address is taken is
/// compiled where that happens, and under `share-generics` (on in dev
/// builds) the app's crate then links this copy rather than compiling its
/// own. What the app mounts is built here, so its crate need not compile it.
pub(crate) fn compiled_here<T: HttpServiceFactory>(service: T) -> T {
    std::hint::black_box(T::register as fn(T, &mut AppService));
    service
}
