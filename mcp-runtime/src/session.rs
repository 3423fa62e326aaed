//! `Mcp-Session-Id` sessions, kept behind [`SessionStore`] so a shared store
//! (e.g. Redis, for several replicas) can replace the in-memory default.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the server remembers about a session between requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Session {
    /// The protocol version negotiated by `initialize`.
    pub protocol_version: String,
    /// The client's `clientInfo.name`.
    pub client_name: String,
    /// The client's `clientInfo.version`.
    pub client_version: String,
}

impl Session {
    /// A session for a client that negotiated `protocol_version`.
    ///
    /// ```
    /// let s = mcp_runtime::Session::new("2025-11-25", "inspector", "1.0");
    /// assert_eq!(s.protocol_version, "2025-11-25");
    /// ```
    pub fn new(
        protocol_version: impl Into<String>,
        client_name: impl Into<String>,
        client_version: impl Into<String>,
    ) -> Self {
        Session {
            protocol_version: protocol_version.into(),
            client_name: client_name.into(),
            client_version: client_version.into(),
        }
    }
}

/// A session store failed (e.g. its backend is unreachable). The request gets
/// a JSON-RPC internal error; nothing else is affected.
#[derive(Debug)]
pub struct SessionStoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl fmt::Display for SessionStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store error: {}", self.0)
    }
}

impl std::error::Error for SessionStoreError {}

/// The future returned by [`SessionStore`] methods.
pub type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, SessionStoreError>> + Send + 'a>>;

/// Where sessions live. The server mints the ids (128 random bits); the store
/// keeps them, and decides how long they last.
///
/// ```
/// use mcp_runtime::{InMemorySessionStore, Session, SessionStore};
/// # actix_web::rt::System::new().block_on(async {
/// let store = InMemorySessionStore::default();
/// store.insert("abc", Session::new("2025-11-25", "client", "1")).await.unwrap();
/// assert!(store.get("abc").await.unwrap().is_some());
/// assert!(store.remove("abc").await.unwrap());
/// assert!(store.get("abc").await.unwrap().is_none());
/// # });
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session.
    fn insert<'a>(&'a self, id: &'a str, session: Session) -> StoreFuture<'a, ()>;
    /// Looks a session up (and marks it as in use); `None` if unknown or expired.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Session>>;
    /// Ends a session; `false` if it did not exist.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
}

/// The default store: a bounded map in this process.
///
/// Sessions idle for longer than the idle timeout (default 1 hour) expire, and
/// at capacity (default 10 000) the least recently used session is evicted,
/// so clients that never send `DELETE` cannot grow memory without bound.
pub struct InMemorySessionStore {
    sessions: Mutex<HashMap<String, Entry>>,
    idle_timeout: Duration,
    capacity: usize,
}

struct Entry {
    session: Session,
    last_used: Instant,
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        InMemorySessionStore::new(Duration::from_secs(3600), 10_000)
    }
}

impl InMemorySessionStore {
    /// A store with the given idle timeout and maximum number of sessions.
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = mcp_runtime::InMemorySessionStore::new(Duration::from_secs(600), 1000);
    /// ```
    pub fn new(idle_timeout: Duration, capacity: usize) -> Self {
        InMemorySessionStore {
            sessions: Mutex::new(HashMap::new()),
            idle_timeout,
            capacity: capacity.max(1),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Entry>) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of a
        // plain map; the map itself is still consistent.
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut map)
    }
}

impl SessionStore for InMemorySessionStore {
    fn insert<'a>(&'a self, id: &'a str, session: Session) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        self.with(|map| {
            if map.len() >= self.capacity {
                map.retain(|_, e| now.duration_since(e.last_used) < self.idle_timeout);
            }
            if map.len() >= self.capacity
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, e)| e.last_used)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
            map.insert(
                id.to_owned(),
                Entry {
                    session,
                    last_used: now,
                },
            );
        });
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Session>> {
        let now = Instant::now();
        let found = self.with(|map| match map.get_mut(id) {
            Some(e) if now.duration_since(e.last_used) < self.idle_timeout => {
                e.last_used = now;
                Some(e.session.clone())
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        });
        Box::pin(std::future::ready(Ok(found)))
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let removed = self.with(|map| map.remove(id).is_some());
        Box::pin(std::future::ready(Ok(removed)))
    }
}

/// A new session id: 128 bits from the OS's CSPRNG, as 32 hex characters
/// (visible ASCII, as the spec requires).
pub(crate) fn new_session_id() -> Result<String, SessionStoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SessionStoreError(Box::new(e)))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(f: StoreFuture<'_, T>) -> T {
        futures_util::FutureExt::now_or_never(f)
            .expect("in-memory store is synchronous")
            .unwrap()
    }

    #[test]
    fn expires_idle_sessions_and_evicts_at_capacity() {
        let s = Session::new("2025-11-25", "c", "1");
        let store = InMemorySessionStore::new(Duration::from_millis(30), 2);
        block_on(store.insert("a", s.clone()));
        block_on(store.insert("b", s.clone()));
        block_on(store.get("a")); // "b" is now the least recently used
        block_on(store.insert("c", s.clone()));
        assert!(block_on(store.get("b")).is_none());
        assert!(block_on(store.get("a")).is_some());
        assert!(block_on(store.get("c")).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(block_on(store.get("a")).is_none());
    }

    #[test]
    fn ids_are_random_visible_ascii() {
        let a = new_session_id().unwrap();
        let b = new_session_id().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
