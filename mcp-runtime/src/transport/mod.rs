//! Wire transports. Each one decodes messages, applies its own rules
//! (sessions, headers, status codes), hands every message to the shared
//! `dispatch::Dispatcher`, and turns what comes back — the outcome and the
//! messages sent while a request runs — into its own wire form.

pub(crate) mod batch;
pub(crate) mod connection;
pub(crate) mod legacy_sse;
pub(crate) mod metadata;
pub(crate) mod mount;
pub(crate) mod stdio;
pub(crate) mod stream;
pub(crate) mod streamable_http;
