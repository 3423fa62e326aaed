//! What the server remembers between requests: sessions, the events of
//! resumable streams, the calls in flight (with their pending questions to
//! the client), and who listens for which changes. Each store is reached
//! through a trait, so a shared store can replace the in-memory default.

pub(crate) mod event_store;
pub(crate) mod live;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod relay;
pub(crate) mod session;
#[cfg(feature = "redis")]
pub(crate) mod session_cache;
pub(crate) mod subscriptions;
pub(crate) mod tasks;
