//! Wire transports. Each one decodes messages, applies its own rules
//! (sessions, headers, status codes) and hands every message to the shared
//! `dispatch::Dispatcher`.

pub(crate) mod streamable_http;
