//! `Mcp-Session-Id` sessions: what the server remembers about a client
//! between requests, kept behind [`SessionStore`] so a shared store (e.g.
//! Redis, for several replicas) can replace the in-memory default.
//!
//! Only plain data lives here (a serde type). What is alive while a request
//! runs (cancellation tokens, answers awaited from the client, the standalone
//! stream) lives in process, in the server's `live` registry.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{ClientCapabilities, Implementation, InitializeRequestParams};
use serde::{Deserialize, Serialize};

use super::BySession;
use crate::protocol::log::LogLevel;
use crate::protocol::stateless::Describes;
use crate::protocol::version::Version;
use crate::support::sync::lock;

/// What the server remembers about a session between requests.
///
/// A serde type, so a shared [`SessionStore`] can keep it anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The protocol version negotiated by `initialize`.
    pub protocol_version: String,
    /// The client's `initialize` parameters: its name, version and
    /// capabilities (sampling, elicitation, roots, …).
    pub client: InitializeRequestParams,
    /// The level set with `logging/setLevel`; `None` sends every level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LogLevel>,
    /// A keyed hash of the credentials (`Authorization`) the session is
    /// bound to: those of `initialize`, or the first a later request
    /// presented. Every later request must present the same; a session id
    /// alone is never a credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Who started the session (its credentials' keyed hash, else its
    /// address), so a store can keep one client to its share of the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

impl Session {
    /// A session for a client that negotiated `protocol_version`.
    ///
    /// ```
    /// use mcp_runtime::store::Session;
    /// use mcp_runtime::model::{ClientCapabilities, Implementation, InitializeRequestParams};
    ///
    /// let client = InitializeRequestParams::new(
    ///     ClientCapabilities::default(),
    ///     Implementation::new("inspector", "1.0"),
    /// );
    /// let s = Session::new("2025-11-25", client);
    /// assert_eq!(s.client_info().name, "inspector");
    /// ```
    pub fn new(protocol_version: impl Into<String>, client: InitializeRequestParams) -> Self {
        Session {
            protocol_version: protocol_version.into(),
            client,
            log_level: None,
            credential: None,
            holder: None,
        }
    }

    /// The negotiated revision; `None` if a store returned one this server
    /// does not speak.
    pub(crate) fn version(&self) -> Option<Version> {
        Version::parse(&self.protocol_version)
    }

    /// The client's `clientInfo`.
    pub fn client_info(&self) -> &Implementation {
        &self.client.client_info
    }

    /// The capabilities the client declared.
    pub fn capabilities(&self) -> &ClientCapabilities {
        &self.client.capabilities
    }

    /// The same session bound to `credential` (see the field).
    pub(crate) fn with_credential(&self, credential: Option<String>) -> Session {
        Session {
            credential,
            ..self.clone()
        }
    }

    /// The same session with another log level.
    pub(crate) fn with_log_level(&self, level: LogLevel) -> Session {
        Session {
            log_level: Some(level),
            ..self.clone()
        }
    }
}

impl Describes for Session {
    fn capabilities(&self) -> &ClientCapabilities {
        Session::capabilities(self)
    }

    fn info(&self) -> Option<&Implementation> {
        Some(self.client_info())
    }
}

/// A session store failed or refused. The request gets a spec-shaped error;
/// nothing else is affected.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// The store is at capacity: the new session is refused (503 with
    /// `Retry-After`) rather than evicting a live client.
    Full {
        /// When to try again.
        retry_after: Duration,
    },
    /// The client starting the session holds its share of the store
    /// already, every one of them in use: refused (429 with `Retry-After`)
    /// so one client cannot fill the table.
    Share {
        /// How many sessions one client may hold.
        share: usize,
        /// When to try again.
        retry_after: Duration,
    },
    /// The backend failed (e.g. unreachable).
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for SessionStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionStoreError::Full { retry_after } => write!(
                f,
                "the session store is full (retry in {} s)",
                retry_after.as_secs().max(1)
            ),
            SessionStoreError::Share { share, .. } => write!(
                f,
                "this client holds its share of sessions ({share}), each in use"
            ),
            SessionStoreError::Backend(e) => write!(f, "session store error: {e}"),
        }
    }
}

impl std::error::Error for SessionStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionStoreError::Backend(e) => Some(&**e),
            SessionStoreError::Full { .. } | SessionStoreError::Share { .. } => None,
        }
    }
}

/// The future returned by [`SessionStore`] methods.
pub type StoreFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, SessionStoreError>> + Send + 'a>>;

/// Where sessions live. The server mints the ids (128 random bits); the store
/// keeps them, and decides how long they last and how many it admits.
///
/// ```
/// use std::sync::Arc;
/// use mcp_runtime::store::{InMemorySessionStore, Session, SessionStore};
/// use mcp_runtime::model::{ClientCapabilities, Implementation, InitializeRequestParams};
/// # actix_web::rt::System::new().block_on(async {
/// let store = InMemorySessionStore::default();
/// let client = InitializeRequestParams::new(ClientCapabilities::default(), Implementation::new("c", "1"));
/// store.insert("abc", Arc::new(Session::new("2025-11-25", client))).await.unwrap();
/// assert!(store.get("abc").await.unwrap().is_some());
/// assert!(store.remove("abc").await.unwrap());
/// assert!(store.get("abc").await.unwrap().is_none());
/// # });
/// ```
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session, or refuses it ([`SessionStoreError::Full`]).
    fn insert<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, ()>;
    /// Looks a session up (and marks it as in use); `None` if unknown or expired.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<Session>>>;
    /// Replaces the state of an existing session; `false` if it is gone.
    fn update<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, bool>;
    /// Ends a session; `false` if it did not exist.
    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool>;
}

/// The default store: a bounded map in this process.
///
/// * Sessions idle for longer than the idle timeout (default 1 hour) expire.
/// * At capacity (default 10 000 sessions), expired sessions are reclaimed
///   first, then the oldest session that was never used after its
///   `initialize` (a flood of bare `initialize`s takes its own place, not
///   everyone else's); a client that has used its session is never evicted,
///   and when every session is in use a new one is **refused** (`503` with
///   `Retry-After`), so a flood can neither log anyone out nor lock new
///   clients out for the idle timeout.
/// * One client (its credentials, else its address: [`Session::holder`])
///   holds at most its [share](Self::per_client) of the table (default a
///   tenth): past it, its own oldest unused session makes room, or, with
///   all of its sessions in use, the new one is refused (`429`).
/// * Every operation is O(1) amortized: expiry walks a queue in idle order
///   instead of scanning the map.
///
/// Memory is bounded by `capacity × (per-session state)`, and the server
/// caps the per-session state (see `McpServerBuilder::max_session_bytes`).
pub struct InMemorySessionStore {
    inner: Mutex<Inner>,
    idle_timeout: Duration,
    capacity: usize,
    share: usize,
}

#[derive(Default)]
struct Inner {
    sessions: BySession<Entry>,
    /// Session ids in the order they were last seen by the sweeper. An entry
    /// used since is moved to the back when it reaches the front.
    idle_order: VecDeque<(Instant, Arc<str>)>,
    /// Session ids in the order they were created; those used since (or
    /// gone) are skipped when a slot is needed.
    unused: Unused,
    /// The sessions of each holder: how many, and its own unused ones.
    holders: HashMap<Arc<str>, Holder>,
}

/// Sessions never used after their `initialize`, oldest first; entries of
/// sessions used since (or gone) are skipped, and compacted away.
#[derive(Default)]
struct Unused(VecDeque<Arc<str>>);

#[derive(Default)]
struct Holder {
    count: usize,
    unused: Unused,
}

struct Entry {
    session: Arc<Session>,
    holder: Option<Arc<str>>,
    last_used: Instant,
    /// Whether any request came after `initialize`.
    used: bool,
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        InMemorySessionStore::new(Duration::from_secs(3600), 10_000)
    }
}

impl InMemorySessionStore {
    /// A store with the given idle timeout and maximum number of sessions;
    /// one client may hold a tenth of them (see [`per_client`](Self::per_client)).
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = mcp_runtime::store::InMemorySessionStore::new(Duration::from_secs(600), 1000);
    /// ```
    pub fn new(idle_timeout: Duration, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        InMemorySessionStore {
            inner: Mutex::new(Inner::default()),
            idle_timeout,
            capacity,
            share: (capacity / 10).max(1),
        }
    }

    /// How many sessions one client (its credentials, else its address) may
    /// hold (default a tenth of the capacity, at least 1; at most the
    /// capacity). Clients behind one address without credentials share it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::store::InMemorySessionStore;
    ///
    /// let store = InMemorySessionStore::new(Duration::from_secs(600), 1000).per_client(50);
    /// ```
    #[must_use]
    pub fn per_client(mut self, share: usize) -> Self {
        self.share = share.clamp(1, self.capacity);
        self
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of a
        // plain map; the map itself is still consistent.
        let mut inner = lock(&self.inner);
        f(&mut inner)
    }
}

impl Unused {
    fn push(&mut self, id: Arc<str>, sessions: &BySession<Entry>, bound: usize) {
        // Entries of sessions used or gone since are compacted away when
        // they outnumber the rest: O(1) amortized, within 2 × `bound`.
        if self.0.len() >= 2 * bound {
            self.0
                .retain(|id| sessions.get(id).is_some_and(|e| !e.used));
        }
        self.0.push_back(id);
    }

    /// The oldest session still unused.
    fn pop(&mut self, sessions: &BySession<Entry>) -> Option<Arc<str>> {
        while let Some(id) = self.0.pop_front() {
            if sessions.get(&id).is_some_and(|e| !e.used) {
                return Some(id);
            }
        }
        None
    }
}

impl Inner {
    /// Ends a session, and its holder's count of it.
    fn end(&mut self, id: &str) -> bool {
        let Some(entry) = self.sessions.remove(id) else {
            return false;
        };
        if let Some(holder) = entry.holder
            && let Some(held) = self.holders.get_mut(&holder)
        {
            held.count -= 1;
            if held.count == 0 {
                self.holders.remove(&holder);
            }
        }
        true
    }

    /// Evicts the oldest session never used after its `initialize` (of
    /// `holder`, or of anyone); `false` when every one is in use.
    fn evict_unused(&mut self, holder: Option<&Arc<str>>) -> bool {
        let unused = match holder {
            Some(holder) => match self.holders.get_mut(holder) {
                Some(held) => held.unused.pop(&self.sessions),
                None => None,
            },
            None => self.unused.pop(&self.sessions),
        };
        unused.is_some_and(|id| self.end(&id))
    }

    /// Drops expired sessions from the front of the idle queue. Each queue
    /// entry is visited at most twice per idle period, so this is O(1)
    /// amortized per operation.
    fn sweep(&mut self, now: Instant, idle_timeout: Duration) {
        while let Some((seen, _)) = self.idle_order.front() {
            if now.duration_since(*seen) < idle_timeout {
                return;
            }
            let Some((_, id)) = self.idle_order.pop_front() else {
                return;
            };
            match self.sessions.get(&id) {
                Some(e) if now.duration_since(e.last_used) >= idle_timeout => {
                    self.end(&id);
                }
                // Used since it was queued: queue it again at its last use.
                Some(e) => self.idle_order.push_back((e.last_used, id)),
                None => {}
            }
        }
    }

    /// When a slot can free up at the earliest: when the least recently
    /// queued session expires.
    fn retry_after(&self, now: Instant, idle_timeout: Duration) -> Duration {
        self.idle_order
            .front()
            .map(|(seen, _)| (*seen + idle_timeout).saturating_duration_since(now))
            .unwrap_or(idle_timeout)
    }
}

fn ready<T: Send + 'static>(value: T) -> StoreFuture<'static, T> {
    Box::pin(std::future::ready(Ok(value)))
}

impl SessionStore for InMemorySessionStore {
    fn insert<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, ()> {
        let now = Instant::now();
        let holder: Option<Arc<str>> = session.holder.as_deref().map(Arc::from);
        let admitted = self.with(|inner| {
            inner.sweep(now, self.idle_timeout);
            // (A share of the whole table is the capacity's limit.)
            if let Some(holder) = &holder
                && self.share < self.capacity
                && inner
                    .holders
                    .get(holder)
                    .is_some_and(|h| h.count >= self.share)
                && !inner.evict_unused(Some(holder))
            {
                return Err(SessionStoreError::Share {
                    share: self.share,
                    retry_after: inner.retry_after(now, self.idle_timeout),
                });
            }
            if inner.sessions.len() >= self.capacity && !inner.evict_unused(None) {
                return Err(SessionStoreError::Full {
                    retry_after: inner.retry_after(now, self.idle_timeout),
                });
            }
            let id: Arc<str> = id.into();
            // Ended sessions leave their queue entries behind; compacting when
            // they outnumber the live ones keeps the queue within 2 × capacity
            // at O(1) amortized cost.
            if inner.idle_order.len() >= 2 * self.capacity {
                let Inner {
                    sessions,
                    idle_order,
                    ..
                } = inner;
                idle_order.retain(|(_, id)| sessions.contains_key(id));
            }
            inner.idle_order.push_back((now, id.clone()));
            let Inner {
                sessions,
                unused,
                holders,
                ..
            } = inner;
            unused.push(id.clone(), sessions, self.capacity);
            if let Some(holder) = &holder {
                let held = holders.entry(holder.clone()).or_default();
                held.count += 1;
                held.unused.push(id.clone(), sessions, self.share);
            }
            sessions.insert(
                id,
                Entry {
                    session,
                    holder,
                    last_used: now,
                    used: false,
                },
            );
            Ok(())
        });
        Box::pin(std::future::ready(admitted))
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<Session>>> {
        let now = Instant::now();
        let found = self.with(|inner| match inner.sessions.get_mut(id) {
            Some(e) if now.duration_since(e.last_used) < self.idle_timeout => {
                e.last_used = now;
                e.used = true;
                Some(e.session.clone())
            }
            Some(_) => {
                inner.end(id);
                None
            }
            None => None,
        });
        ready(found)
    }

    fn update<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, bool> {
        let now = Instant::now();
        let updated = self.with(|inner| match inner.sessions.get_mut(id) {
            Some(e) => {
                e.session = session;
                e.last_used = now;
                e.used = true;
                true
            }
            None => false,
        });
        ready(updated)
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        let removed = self.with(|inner| inner.end(id));
        ready(removed)
    }
}

/// A new session id: 128 bits from the OS's CSPRNG, as 32 hex characters
/// (visible ASCII, as the spec requires).
pub(crate) fn new_session_id() -> Result<String, SessionStoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SessionStoreError::Backend(Box::new(e)))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(f: StoreFuture<'_, T>) -> Result<T, SessionStoreError> {
        futures_util::FutureExt::now_or_never(f).expect("in-memory store is synchronous")
    }

    fn session() -> Arc<Session> {
        let client = InitializeRequestParams::new(
            ClientCapabilities::default(),
            Implementation::new("c", "1"),
        );
        Arc::new(Session::new("2025-11-25", client))
    }

    #[test]
    fn at_capacity_new_sessions_are_refused_and_active_ones_kept() {
        let store = InMemorySessionStore::new(Duration::from_secs(60), 2);
        block_on(store.insert("a", session())).unwrap();
        block_on(store.insert("b", session())).unwrap();
        // Both in use after their `initialize`.
        assert!(block_on(store.get("a")).unwrap().is_some());
        assert!(block_on(store.get("b")).unwrap().is_some());
        match block_on(store.insert("c", session())) {
            Err(SessionStoreError::Full { retry_after }) => {
                assert!(retry_after <= Duration::from_secs(60));
            }
            other => panic!("expected Full, got {other:?}"),
        }
        assert!(block_on(store.get("a")).unwrap().is_some());
        assert!(block_on(store.get("b")).unwrap().is_some());
        assert!(block_on(store.remove("a")).unwrap());
        block_on(store.insert("c", session())).unwrap();
    }

    #[test]
    fn sessions_never_used_make_room_oldest_first() {
        let store = InMemorySessionStore::new(Duration::from_secs(3600), 3);
        block_on(store.insert("active", session())).unwrap();
        assert!(block_on(store.get("active")).unwrap().is_some());
        // A flood of bare `initialize`s fills the table...
        block_on(store.insert("flood-1", session())).unwrap();
        block_on(store.insert("flood-2", session())).unwrap();
        // ...and a newcomer takes the oldest unused place, not the active one.
        block_on(store.insert("newcomer", session())).unwrap();
        assert!(block_on(store.get("flood-1")).unwrap().is_none());
        assert!(block_on(store.get("active")).unwrap().is_some());
        assert!(block_on(store.get("newcomer")).unwrap().is_some());
        assert!(block_on(store.get("flood-2")).unwrap().is_some());
        // All in use now: the next is refused.
        assert!(matches!(
            block_on(store.insert("late", session())),
            Err(SessionStoreError::Full { .. })
        ));
    }

    fn held_by(holder: &str) -> Arc<Session> {
        let mut session = (*session()).clone();
        session.holder = Some(holder.into());
        Arc::new(session)
    }

    #[test]
    fn one_client_holds_at_most_its_share() {
        let store = InMemorySessionStore::new(Duration::from_secs(3600), 10).per_client(2);
        block_on(store.insert("a-1", held_by("a"))).unwrap();
        assert!(block_on(store.get("a-1")).unwrap().is_some());
        block_on(store.insert("a-2", held_by("a"))).unwrap();
        // Past its share, the client's own oldest unused session makes room
        // (not anyone else's, not its used one).
        block_on(store.insert("b-1", held_by("b"))).unwrap();
        block_on(store.insert("a-3", held_by("a"))).unwrap();
        assert!(block_on(store.get("a-2")).unwrap().is_none());
        assert!(block_on(store.get("a-1")).unwrap().is_some());
        assert!(block_on(store.get("b-1")).unwrap().is_some());
        assert!(block_on(store.get("a-3")).unwrap().is_some());
        // With both of its sessions in use, the client is refused; others
        // are not, and an ended session gives its place back.
        assert!(matches!(
            block_on(store.insert("a-4", held_by("a"))),
            Err(SessionStoreError::Share { share: 2, .. })
        ));
        block_on(store.insert("b-2", held_by("b"))).unwrap();
        assert!(block_on(store.remove("a-1")).unwrap());
        block_on(store.insert("a-4", held_by("a"))).unwrap();
    }

    #[test]
    fn by_default_one_client_holds_a_tenth() {
        let store = InMemorySessionStore::new(Duration::from_secs(3600), 100);
        for i in 0..10 {
            let id = format!("a-{i}");
            block_on(store.insert(&id, held_by("a"))).unwrap();
            assert!(block_on(store.get(&id)).unwrap().is_some());
        }
        assert!(matches!(
            block_on(store.insert("a-10", held_by("a"))),
            Err(SessionStoreError::Share { share: 10, .. })
        ));
    }

    #[test]
    fn idle_sessions_expire_and_make_room() {
        let store = InMemorySessionStore::new(Duration::from_millis(30), 2);
        block_on(store.insert("a", session())).unwrap();
        block_on(store.insert("b", session())).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        block_on(store.get("a")).unwrap(); // "a" stays active
        std::thread::sleep(Duration::from_millis(20));
        // "b" has been idle for 40 ms: it is reclaimed for "c"; "a" is kept.
        block_on(store.insert("c", session())).unwrap();
        assert!(block_on(store.get("b")).unwrap().is_none());
        assert!(block_on(store.get("a")).unwrap().is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(block_on(store.get("a")).unwrap().is_none());
    }

    #[test]
    fn updates_replace_the_state_of_live_sessions_only() {
        let store = InMemorySessionStore::default();
        block_on(store.insert("a", session())).unwrap();
        let quiet = Arc::new(session().with_log_level(LogLevel::Error));
        assert!(block_on(store.update("a", quiet)).unwrap());
        assert_eq!(
            block_on(store.get("a")).unwrap().unwrap().log_level,
            Some(LogLevel::Error)
        );
        assert!(!block_on(store.update("gone", session())).unwrap());
    }

    #[test]
    fn session_state_round_trips_through_serde() {
        let s = session().with_log_level(LogLevel::Warning);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""logLevel":"warning""#), "{json}");
        assert_eq!(serde_json::from_str::<Session>(&json).unwrap(), s);
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
