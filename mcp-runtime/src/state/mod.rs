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

use std::collections::HashMap;
use std::sync::Arc;

/// A map keyed by the session ids this server made, hashed fast: the ids
/// are random, so no client can choose keys that crowd one bucket (SipHash,
/// the default, cost each call a few hundred instructions per lookup).
pub(crate) type BySession<V> = HashMap<Arc<str>, V, foldhash::fast::RandomState>;
