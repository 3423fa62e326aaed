//! Sessions a replica read from a shared store lately, reused for a short
//! while so a session's every request is not a round trip
//! ([`RedisSessionStore::cached`](crate::store::redis::RedisSessionStore::cached)).
//!
//! A cached session is only as good as the news of its changes: each
//! replica hears every change or end of a session (on the store's
//! invalidation channel) and forgets it. Three rules keep the cache from
//! outliving that news:
//! - nothing is served or kept while the channel is not heard (before it is
//!   subscribed, after it is lost: what was missed is unknown, so all is
//!   forgotten);
//! - a read that started before some news arrived is not kept (the news
//!   may concern it: every piece of news advances an epoch the read
//!   compares);
//! - an entry is served for at most its age, after which the store is read
//!   again (which also keeps the session alive there).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::state::session::Session;
use crate::support::sync::lock;

/// The sessions read lately, and whether the news of their changes is
/// being heard.
pub(crate) struct SessionCache {
    age: Duration,
    capacity: usize,
    entries: Mutex<HashMap<Box<str>, Entry>>,
    /// Advanced by every piece of news (see the module's rules).
    epoch: AtomicU64,
    /// Whether the invalidation channel is subscribed.
    hearing: AtomicBool,
    /// Whether a task is (or is being) started to listen to it.
    listener: AtomicBool,
}

/// A session, and when it was read from the store.
type Entry = (Instant, Arc<Session>);

/// Where a read stood when it started: [`SessionCache::keep`] takes it.
#[derive(Clone, Copy)]
pub(crate) struct Epoch(u64);

impl SessionCache {
    /// Entries served for at most `age`; at most `capacity` kept.
    pub(crate) fn new(age: Duration, capacity: usize) -> Self {
        SessionCache {
            age,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            hearing: AtomicBool::new(false),
            listener: AtomicBool::new(false),
        }
    }

    /// The session `id`, if it was read less than the age ago and the
    /// channel is heard.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        if !self.hearing.load(Ordering::Acquire) {
            return None;
        }
        let entries = lock(&self.entries);
        let (read, session) = entries.get(id)?;
        (read.elapsed() < self.age).then(|| session.clone())
    }

    /// Where a read of the store stands before it starts.
    pub(crate) fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::Acquire))
    }

    /// Keeps what a read that started at `since` found, unless news arrived
    /// meanwhile or the channel is not heard.
    pub(crate) fn keep(&self, id: &str, session: Arc<Session>, since: Epoch) {
        let mut entries = lock(&self.entries);
        // Checked under the lock: news takes it too, so either it comes
        // after this entry (and forgets it) or before the check.
        if !self.hearing.load(Ordering::Acquire) || self.epoch.load(Ordering::Acquire) != since.0 {
            return;
        }
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            entries.retain(|_, (read, _)| read.elapsed() < self.age);
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(id.into(), (Instant::now(), session));
    }

    /// News: the session `id` changed or ended.
    pub(crate) fn forget(&self, id: &str) {
        let mut entries = lock(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.remove(id);
    }

    /// The channel is heard from now on, or no longer: either way what
    /// came before is forgotten.
    pub(crate) fn hearing(&self, heard: bool) {
        let mut entries = lock(&self.entries);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.hearing.store(heard, Ordering::Release);
        entries.clear();
    }

    /// `true` once for whoever is to start the listener; again after
    /// [`listener_ended`](Self::listener_ended).
    pub(crate) fn start_listener(&self) -> bool {
        !self.listener.swap(true, Ordering::AcqRel)
    }

    /// The listener's task ended (its runtime stopped): nothing is heard,
    /// and the next read starts another.
    pub(crate) fn listener_ended(&self) {
        self.hearing(false);
        self.listener.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{ClientCapabilities, Implementation, InitializeRequestParams};

    fn session() -> Arc<Session> {
        let client = InitializeRequestParams::new(
            ClientCapabilities::default(),
            Implementation::new("c", "1"),
        );
        Arc::new(Session::new("2025-11-25", client))
    }

    fn heard(age: Duration, capacity: usize) -> SessionCache {
        let cache = SessionCache::new(age, capacity);
        cache.hearing(true);
        cache
    }

    #[test]
    fn nothing_is_kept_or_served_while_the_channel_is_not_heard() {
        let cache = SessionCache::new(Duration::from_secs(60), 10);
        cache.keep("a", session(), cache.epoch());
        assert!(cache.get("a").is_none());

        cache.hearing(true);
        cache.keep("a", session(), cache.epoch());
        assert!(cache.get("a").is_some());
        cache.hearing(false);
        assert!(cache.get("a").is_none());
        cache.hearing(true);
        assert!(cache.get("a").is_none(), "forgotten while not heard");
    }

    #[test]
    fn a_read_older_than_some_news_is_not_kept() {
        let cache = heard(Duration::from_secs(60), 10);
        let since = cache.epoch();
        cache.forget("a");
        cache.keep("a", session(), since);
        assert!(cache.get("a").is_none());
        cache.keep("a", session(), cache.epoch());
        assert!(cache.get("a").is_some());
        cache.forget("a");
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn entries_are_served_for_their_age_only() {
        let cache = heard(Duration::from_millis(30), 10);
        cache.keep("a", session(), cache.epoch());
        assert!(cache.get("a").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn at_capacity_stale_entries_make_room_and_fresh_ones_stay() {
        let cache = heard(Duration::from_millis(30), 2);
        cache.keep("a", session(), cache.epoch());
        cache.keep("b", session(), cache.epoch());
        cache.keep("c", session(), cache.epoch());
        assert!(cache.get("c").is_none(), "full of fresh entries");
        std::thread::sleep(Duration::from_millis(40));
        cache.keep("c", session(), cache.epoch());
        assert!(cache.get("c").is_some(), "stale ones made room");
        assert_eq!(lock(&cache.entries).len(), 1);
    }

    #[test]
    fn a_listener_is_started_once_until_it_ends() {
        let cache = SessionCache::new(Duration::from_secs(60), 10);
        assert!(cache.start_listener());
        assert!(!cache.start_listener());
        cache.hearing(true);
        cache.keep("a", session(), cache.epoch());
        cache.listener_ended();
        assert!(cache.get("a").is_none());
        assert!(cache.start_listener());
    }
}
