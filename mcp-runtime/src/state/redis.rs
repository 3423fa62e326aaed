//! Sessions, tasks, rate limits and stream events in Redis (feature
//! `redis`), so several replicas behind a load balancer serve the same
//! clients: a session started on one is found on every other, a task
//! created on one is read on any, a budget is spent once across all, and a
//! stream's events outlive the replica that sent them.
//!
//! Keys start with the namespace (`<namespace>:session:<id>`,
//! `<namespace>:task:<id>`, …), and each expires (a session after its idle
//! timeout, refreshed on use; a task after its time to live; a stream's
//! events some time after the last); values are JSON, at most 1 MiB. Redis
//! unavailable is a store error, which requests see as 503 (never as an
//! unknown session), and the connection manager reconnects when it returns.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, OnceLock, Weak};

use actix_web::web::{Bytes, BytesMut};
use std::time::Duration;
use tokio::sync::mpsc;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use rmcp::model::{DetailedTask, TaskPayload};

use crate::policy::rate_limit::{RateLimit, RateLimitStore};
use crate::state::event_store::{EventLog, EventStore, EventsGone, InMemoryEventStore};
use crate::state::session::{Session, SessionStore, SessionStoreError, StoreFuture};
use crate::state::session_cache::SessionCache;
use crate::state::tasks::{TaskStore, now};

/// The largest value either store writes (a session is small; a task's
/// result is bounded by the response limit in practice).
const MAX_VALUE: usize = 1 << 20;

/// A Redis connection shared by the stores, and the namespace of their
/// keys.
///
/// ```no_run
/// use std::time::Duration;
/// use mcp_runtime::store::redis::Redis;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = Redis::connect("redis://127.0.0.1:6379/0", "items-api").await?;
/// let mcp = mcp_runtime::McpServer::builder()
///     .session_store(redis.sessions(Duration::from_secs(3600)))
///     .task_store(redis.tasks(Duration::from_secs(3600)))
///     .request_state_key(b"the same secret on every replica")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    connection: ConnectionManager,
    namespace: Arc<str>,
}

impl Redis {
    /// Connects to `url` (`redis://host:port/db`); keys start with
    /// `namespace`. The connection is re-established after an outage.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Redis {
            client,
            connection,
            namespace: namespace.into(),
        })
    }

    /// A session store: each session expires `idle_timeout` after its last
    /// use. Like the in-memory store it holds at most 10,000 sessions, a
    /// tenth of them per client, counted across replicas (see
    /// [`RedisSessionStore::capacity`]).
    pub fn sessions(&self, idle_timeout: Duration) -> RedisSessionStore {
        RedisSessionStore {
            redis: self.clone(),
            idle_timeout,
            capacity: 10_000,
            share: 1_000,
            cache_age: None,
            cache: OnceLock::new(),
        }
    }

    /// Rate-limit budgets (GCRA, one Lua script per check, on Redis's own
    /// clock so replicas agree).
    pub fn rate_limits(&self) -> RedisRateLimitStore {
        RedisRateLimitStore {
            redis: self.clone(),
        }
    }

    /// A task store: each task is kept `ttl` after it was created. A
    /// running task is leased to the replica running it (see
    /// [`RedisTaskStore::lease`]).
    pub fn tasks(&self, ttl: Duration) -> RedisTaskStore {
        RedisTaskStore {
            redis: self.clone(),
            ttl,
            lease: Duration::from_secs(10),
        }
    }

    /// An event store: each resumable stream's events stay in memory
    /// (within `max_events` and `max_bytes`, as the in-memory store keeps
    /// them) and are copied to Redis behind the stream, kept there
    /// `retain` after the last one. So a stream whose replica stopped can
    /// still be resumed on another, up to where that replica got (see
    /// [`RedisEventStore`]).
    pub fn events(&self, max_events: usize, max_bytes: usize, retain: Duration) -> RedisEventStore {
        RedisEventStore {
            redis: self.clone(),
            memory: InMemoryEventStore::new(max_events, max_bytes),
            retain,
            writer: OnceLock::new(),
        }
    }

    /// The events of `session`'s stream `stream` from `from` on, as kept
    /// by a [`RedisEventStore`]; `None` if it kept none for that session.
    pub(crate) async fn replay(
        &self,
        stream: u64,
        session: &str,
        from: u64,
    ) -> Result<Option<Vec<Bytes>>, redis::RedisError> {
        let mut c = self.connection.clone();
        let key = self.key("events", &stream.to_string());
        let owner: Option<String> = c.get(format!("{key}:session")).await?;
        if owner.as_deref() != Some(session) {
            return Ok(None);
        }
        let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
            .arg(&key)
            .arg(format!("0-{}", from + 1))
            .arg("+")
            .query_async(&mut c)
            .await?;
        Ok(Some(
            entries
                .into_iter()
                .flat_map(|(_, fields)| fields.into_iter().map(|(_, event)| Bytes::from(event)))
                .collect(),
        ))
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.namespace)
    }

    /// Publishes `message` on the namespace's `channel`.
    pub(crate) async fn publish(
        &self,
        channel: &str,
        message: String,
    ) -> Result<(), redis::RedisError> {
        let mut c = self.connection.clone();
        c.publish(self.key("channel", channel), message).await
    }

    /// Keeps `field` of the namespace's hash `name` as `on` or off, for
    /// replicas that start later.
    pub(crate) async fn remember(
        &self,
        name: &str,
        field: &str,
        on: bool,
    ) -> Result<(), redis::RedisError> {
        let mut c = self.connection.clone();
        c.hset(self.key("state", name), field, u8::from(on)).await
    }

    /// Every field of the hash `name` that [`remember`](Self::remember) kept.
    pub(crate) async fn recall(
        &self,
        name: &str,
    ) -> Result<Vec<(String, bool)>, redis::RedisError> {
        let mut c = self.connection.clone();
        let fields: Vec<(String, u8)> = c.hgetall(self.key("state", name)).await?;
        Ok(fields.into_iter().map(|(f, on)| (f, on == 1)).collect())
    }

    /// The messages published on `channel` from now on, on a connection of
    /// their own that closes when the stream is dropped.
    pub(crate) async fn listen(
        &self,
        channel: &str,
    ) -> Result<impl futures_util::Stream<Item = String> + Send + use<>, redis::RedisError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.key("channel", channel)).await?;
        Ok(futures_util::StreamExt::filter_map(
            pubsub.into_on_message(),
            |message| async move { message.get_payload::<String>().ok() },
        ))
    }

    /// Tells `each` what is heard on `channel`: that it is subscribed,
    /// every message published on it (by any replica), and that it was
    /// lost (then resubscribes, waiting a second between attempts), until
    /// `each` breaks or the process ends.
    pub(crate) fn subscribe(
        &self,
        channel: &str,
        mut each: impl FnMut(Heard<'_>) -> ControlFlow<()> + Send + 'static,
    ) {
        let client = self.client.clone();
        let channel = self.key("channel", channel);
        tokio::spawn(async move {
            // `ControlFlow`'s `?` ends the task when `each` breaks.
            let listening = async move {
                loop {
                    match client.get_async_pubsub().await {
                        Ok(mut pubsub) => {
                            if pubsub.subscribe(&channel).await.is_ok() {
                                each(Heard::Subscribed)?;
                                let mut messages = pubsub.on_message();
                                while let Some(message) =
                                    futures_util::StreamExt::next(&mut messages).await
                                {
                                    if let Ok(text) = message.get_payload::<String>() {
                                        each(Heard::Message(&text))?;
                                    }
                                }
                            }
                        }
                        Err(e) => tracing::warn!("mcp-runtime: Redis subscription lost: {e}"),
                    }
                    each(Heard::Lost)?;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            };
            let _: ControlFlow<()> = listening.await;
        });
    }
}

/// What a [`Redis::subscribe`] listener hears.
pub(crate) enum Heard<'a> {
    /// The channel is subscribed: messages from now on arrive.
    Subscribed,
    /// A message published on it.
    Message(&'a str),
    /// The subscription was lost: messages may have been missed.
    Lost,
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> SessionStoreError {
    SessionStoreError::Backend(Box::new(e))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, SessionStoreError> {
    let json = serde_json::to_string(value).map_err(backend)?;
    if json.len() > MAX_VALUE {
        return Err(SessionStoreError::Backend(
            format!(
                "a value of {} bytes is over the store's {MAX_VALUE}",
                json.len()
            )
            .into(),
        ));
    }
    Ok(json)
}

/// Sessions in Redis (see [`Redis`]), within a bound in all and per client
/// that every replica counts against: past it a new session is refused
/// (503, or 429 for a client over its share) rather than evicting a live
/// one. Each request reads its session from Redis, a round trip, unless
/// the replica keeps the sessions it read lately ([`cached`](Self::cached)).
pub struct RedisSessionStore {
    redis: Redis,
    idle_timeout: Duration,
    capacity: usize,
    share: usize,
    /// How long a session read here is reused ([`cached`](Self::cached)).
    cache_age: Option<Duration>,
    /// Made on first use, from the settings then.
    cache: OnceLock<Arc<SessionCache>>,
}

/// The channel on which every change or end of a session is published
/// (its id), for replicas' caches.
const SESSION_NEWS: &str = "sessions";

/// The cache's listener: ends with the store, and when its task ends
/// another is started by the next read.
struct Listener(Weak<SessionCache>);

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(cache) = self.0.upgrade() {
            cache.listener_ended();
        }
    }
}

/// Admits and stores a new session. `KEYS`: the session, the set of all
/// sessions, the set of its holder's (each scored by when it expires, in
/// ms); `ARGV`: its JSON, the idle timeout (s), its id, the capacity, the
/// share. 0 stored, 1 full, 2 over the share.
static INSERT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 1 end
if KEYS[3] ~= KEYS[2] then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then return 2 end
  redis.call('ZADD', KEYS[3], expires, ARGV[3])
  redis.call('PEXPIREAT', KEYS[3], expires)
end
redis.call('ZADD', KEYS[2], expires, ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 0
"#,
    )
});

/// Reads a session and keeps it alive, in its key and in the counts.
/// `KEYS`: the session, the set of all; `ARGV`: the idle timeout (s), its
/// id, the prefix of holders' sets. Its JSON, or nil.
static TOUCH: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local json = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if not json then return false end
local t = redis.call('TIME')
local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1]) * 1000
redis.call('ZADD', KEYS[2], 'XX', expires, ARGV[2])
local ok, session = pcall(cjson.decode, json)
if ok and type(session) == 'table' and type(session.holder) == 'string' then
  local holder = ARGV[3] .. session.holder
  if redis.call('ZADD', holder, 'XX', 'CH', expires, ARGV[2]) > 0 then
    redis.call('PEXPIREAT', holder, expires)
  end
end
return json
"#,
    )
});

/// Ends a session, and its place in the counts, and says so on the news
/// channel. `KEYS`: the session, the set of all; `ARGV`: its id, the prefix
/// of holders' sets, the news channel. 1 if it existed.
static REMOVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local json = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[1])
if not json then return 0 end
local ok, session = pcall(cjson.decode, json)
if ok and type(session) == 'table' and type(session.holder) == 'string' then
  redis.call('ZREM', ARGV[2] .. session.holder, ARGV[1])
end
return redis.call('DEL', KEYS[1])
"#,
    )
});

/// Replaces an existing session (one ended elsewhere stays ended), keeps
/// it alive, and says so on the news channel. `KEYS`: the session; `ARGV`:
/// its JSON, the idle timeout (s), the news channel, its id. 1 if it
/// existed.
static UPDATE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
if not redis.call('SET', KEYS[1], ARGV[1], 'XX', 'EX', ARGV[2]) then return 0 end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
"#,
    )
});

impl RedisSessionStore {
    /// At most `sessions` in all (default 10,000): past it a new session is
    /// refused with 503 and `Retry-After`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let redis = mcp_runtime::store::redis::Redis::connect("redis://127.0.0.1/0", "items").await?;
    /// let store = redis.sessions(Duration::from_secs(3600)).capacity(50_000).per_client(100);
    /// # Ok(()) }
    /// ```
    pub fn capacity(mut self, sessions: usize) -> Self {
        self.capacity = sessions;
        self
    }

    /// At most `share` sessions per client (its credentials, else its
    /// address: [`Session::holder`]; default 1,000): past it a new one is
    /// refused with 429 and `Retry-After`.
    pub fn per_client(mut self, share: usize) -> Self {
        self.share = share;
        self
    }

    /// Reuses a session this replica read less than `age` ago (at most
    /// half the idle timeout) rather than reading it from Redis on each of
    /// its requests, which costs a round trip each; by default every
    /// request reads it.
    ///
    /// Every change or end of a session (`logging/setLevel`, credentials
    /// bound, `DELETE`) is published on Redis, and each replica forgets the
    /// session when it hears of it: another replica serves a session ended
    /// here only until that news (a pub/sub message) arrives, not for
    /// `age`. A replica that is not subscribed (before
    /// the subscription is confirmed, or after it is lost, as in an outage)
    /// caches nothing and reads every request's session from Redis, so an
    /// outage is still a `503` once the replica notices the subscription is
    /// gone (at once when Redis closes the connection; a Redis that hangs
    /// with the connection open is not noticed, but then no replica can
    /// change or end a session either, and cached ones are served for at
    /// most `age`). At most as many sessions as the store's
    /// [capacity](Self::capacity) are kept.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let redis = mcp_runtime::store::redis::Redis::connect("redis://127.0.0.1/0", "items").await?;
    /// let store = redis.sessions(Duration::from_secs(3600)).cached(Duration::from_secs(5));
    /// # Ok(()) }
    /// ```
    pub fn cached(mut self, age: Duration) -> Self {
        self.cache_age = Some(age.min(self.idle_timeout / 2));
        self
    }

    /// The cache, made and its listener started on first use (in the
    /// runtime serving requests); `None` when not asked for.
    fn cache(&self) -> Option<&Arc<SessionCache>> {
        let age = self.cache_age?;
        let cache = self
            .cache
            .get_or_init(|| Arc::new(SessionCache::new(age, self.capacity)));
        if cache.start_listener() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let listener = Listener(Arc::downgrade(cache));
                self.redis.subscribe(SESSION_NEWS, move |heard| {
                    let Some(cache) = listener.0.upgrade() else {
                        return ControlFlow::Break(());
                    };
                    match heard {
                        Heard::Subscribed => cache.hearing(true),
                        Heard::Message(id) => cache.forget(id),
                        Heard::Lost => cache.hearing(false),
                    }
                    ControlFlow::Continue(())
                });
            } else {
                cache.listener_ended();
            }
        }
        Some(cache)
    }

    fn seconds(&self) -> u64 {
        self.idle_timeout.as_secs().max(1)
    }

    fn all(&self) -> String {
        self.redis.key("sessions", "all")
    }
}

impl SessionStore for RedisSessionStore {
    fn insert<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let json = encode(&*session)?;
            // A new id, which no replica has changed yet: cached from the
            // start, as a client's next request often comes here.
            let cache = self.cache().map(|c| (c, c.epoch()));
            let mut c = self.redis.connection.clone();
            let all = self.all();
            let holder = match &session.holder {
                Some(holder) => self.redis.key("sessions:holder", holder),
                None => all.clone(),
            };
            let verdict: i64 = INSERT
                .key(self.redis.key("session", id))
                .key(&all)
                .key(holder)
                .arg(json)
                .arg(self.seconds())
                .arg(id)
                .arg(self.capacity)
                .arg(self.share)
                .invoke_async(&mut c)
                .await
                .map_err(backend)?;
            // A slot frees when a session ends or idles out: soon, or not.
            let retry_after = Duration::from_secs(30);
            match verdict {
                0 => {
                    if let Some((cache, since)) = cache {
                        cache.keep(id, session, since);
                    }
                    Ok(())
                }
                1 => Err(SessionStoreError::Full { retry_after }),
                _ => Err(SessionStoreError::Share {
                    share: self.share,
                    retry_after,
                }),
            }
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<Session>>> {
        Box::pin(async move {
            let cache = self.cache();
            if let Some(session) = cache.and_then(|c| c.get(id)) {
                return Ok(Some(session));
            }
            let cache = cache.map(|c| (c, c.epoch()));
            let mut c = self.redis.connection.clone();
            // Read and keep alive in one round trip.
            let json: Option<String> = TOUCH
                .key(self.redis.key("session", id))
                .key(self.all())
                .arg(self.seconds())
                .arg(id)
                .arg(self.redis.key("sessions:holder", ""))
                .invoke_async(&mut c)
                .await
                .map_err(backend)?;
            let session = json
                .map(|j| {
                    serde_json::from_str::<Session>(&j)
                        .map(Arc::new)
                        .map_err(backend)
                })
                .transpose()?;
            if let (Some((cache, since)), Some(session)) = (cache, &session) {
                cache.keep(id, session.clone(), since);
            }
            Ok(session)
        })
    }

    fn update<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let json = encode(&*session)?;
            let mut c = self.redis.connection.clone();
            let updated: i64 = UPDATE
                .key(self.redis.key("session", id))
                .arg(json)
                .arg(self.seconds())
                .arg(self.redis.key("channel", SESSION_NEWS))
                .arg(id)
                .invoke_async(&mut c)
                .await
                .map_err(backend)?;
            if let Some(cache) = self.cache() {
                cache.forget(id);
            }
            Ok(updated > 0)
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            let removed: i64 = REMOVE
                .key(self.redis.key("session", id))
                .key(self.all())
                .arg(id)
                .arg(self.redis.key("sessions:holder", ""))
                .arg(self.redis.key("channel", SESSION_NEWS))
                .invoke_async(&mut c)
                .await
                .map_err(backend)?;
            if let Some(cache) = self.cache() {
                cache.forget(id);
            }
            Ok(removed > 0)
        })
    }
}

/// Rate-limit budgets in Redis (see [`Redis::rate_limits`]).
pub struct RedisRateLimitStore {
    redis: Redis,
}

/// GCRA: `KEYS[1]` the budget's theoretical arrival time (µs), `ARGV[1]` the
/// interval one request takes (µs), `ARGV[2]` the burst. 0 when the request
/// fits, else how long to wait (µs).
static GCRA: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat - tolerance
if now < allowed_at then return allowed_at - now end
local next_tat = tat + interval
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return 0
"#,
    )
});

impl RateLimitStore for RedisRateLimitStore {
    fn take<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Duration>, String>> + Send + 'a>> {
        Box::pin(async move {
            let (interval, burst) = limit.interval_and_burst();
            let mut c = self.redis.connection.clone();
            let wait: i64 = GCRA
                .key(self.redis.key("rate", key))
                .arg(u64::try_from(interval.as_micros()).unwrap_or(u64::MAX))
                .arg(burst)
                .invoke_async(&mut c)
                .await
                .map_err(|e| e.to_string())?;
            Ok((wait > 0).then(|| Duration::from_micros(wait.unsigned_abs())))
        })
    }
}

/// Tasks in Redis (see [`Redis`]).
///
/// The replica that creates a task renews a lease on it while it runs. A
/// task still `working` (or `input_required`) whose lease lapsed lost its
/// replica (stopped, or cut off from Redis): whoever reads it next marks it
/// `failed`, so its client learns so instead of polling until the task
/// expires.
pub struct RedisTaskStore {
    redis: Redis,
    ttl: Duration,
    lease: Duration,
}

/// Reads a task, and whether it lost its replica: `KEYS[1]` the task,
/// `KEYS[2]` its lease. `{json, 1}` if it is unfinished and unleased.
static GET_TASK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local json = redis.call('GET', KEYS[1])
if not json then return false end
local status = cjson.decode(json)['status']
local unfinished = status == 'working' or status == 'input_required'
if unfinished and redis.call('EXISTS', KEYS[2]) == 0 then return {json, 1} end
return {json, 0}
"#,
    )
});

/// Renews a running task's lease: `KEYS[1]` the task, `KEYS[2]` its lease,
/// `ARGV[1]` the lease (ms). 0 once the task is finished or gone (the
/// lease is dropped then), else 1.
static RENEW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local json = redis.call('GET', KEYS[1])
local status = json and cjson.decode(json)['status']
if status == 'working' or status == 'input_required' then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[1])
  return 1
end
redis.call('DEL', KEYS[2])
return 0
"#,
    )
});

/// Moves a task to a new state unless it is finished: `KEYS[1]` the task,
/// `ARGV[1]` its next JSON. 1 if it moved.
static SET_UNLESS_FINISHED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local status = cjson.decode(current)['status']
if status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1
"#,
    )
});

impl TaskStore for RedisTaskStore {
    fn ttl(&self) -> Duration {
        self.ttl
    }

    fn create(&self, task: DetailedTask) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let json = encode(&task)?;
            let mut c = self.redis.connection.clone();
            let id = &task.task.task_id;
            let (key, lease) = (self.redis.key("task", id), self.redis.key("task-lease", id));
            let lease_ms = u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX);
            let _: () = redis::pipe()
                .set_ex(&key, json, self.ttl.as_secs().max(1))
                .ignore()
                .pset_ex(&lease, 1, lease_ms)
                .ignore()
                .query_async(&mut c)
                .await
                .map_err(backend)?;
            // Renewed while it runs here (a third of the lease apart, so one
            // lost renewal is not a lapse); the renewer ends with it, or
            // with this process.
            let period = self.lease / 3;
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(period).await;
                    let renewed: Result<i64, _> = RENEW
                        .key(&key)
                        .key(&lease)
                        .arg(lease_ms)
                        .invoke_async(&mut c)
                        .await;
                    if matches!(renewed, Ok(0)) {
                        return;
                    }
                }
            });
            Ok(())
        })
    }

    fn get(&self, task_id: &str) -> StoreFuture<'_, Option<DetailedTask>> {
        let key = self.redis.key("task", task_id);
        let lease = self.redis.key("task-lease", task_id);
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            let found: Option<(String, i64)> = GET_TASK
                .key(&key)
                .key(&lease)
                .invoke_async(&mut c)
                .await
                .map_err(backend)?;
            let Some((json, orphaned)) = found else {
                return Ok(None);
            };
            let task: DetailedTask = serde_json::from_str(&json).map_err(backend)?;
            if orphaned == 0 {
                return Ok(Some(task));
            }
            let error = serde_json::json!({
                "code": rmcp::model::ErrorCode::INTERNAL_ERROR.0,
                "message": "the server running this task stopped before it finished",
            });
            let error = error.as_object().cloned().unwrap_or_default();
            self.change(key.clone(), |task| {
                let mut next = task.task;
                next.last_updated_at = now();
                DetailedTask::new(next, TaskPayload::Failed { error })
            })
            .await?;
            // As it is now (failed, or finished meanwhile).
            let json: Option<String> = c.get(&key).await.map_err(backend)?;
            json.map(|j| serde_json::from_str(&j).map_err(backend))
                .transpose()
        })
    }

    fn set(&self, task_id: &str, payload: TaskPayload) -> StoreFuture<'_, bool> {
        let key = self.redis.key("task", task_id);
        Box::pin(self.change(key, move |task| {
            let mut next = task.task;
            next.last_updated_at = now();
            DetailedTask::new(next, payload)
        }))
    }

    fn note(&self, task_id: &str, message: String) -> StoreFuture<'_, bool> {
        let key = self.redis.key("task", task_id);
        Box::pin(self.change(key, move |mut task| {
            task.task.status_message = Some(message);
            task.task.last_updated_at = now();
            task
        }))
    }

    fn remove(&self, task_id: &str) -> StoreFuture<'_, ()> {
        let (key, lease) = (
            self.redis.key("task", task_id),
            self.redis.key("task-lease", task_id),
        );
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            let _: () = c.del(&[key, lease]).await.map_err(backend)?;
            Ok(())
        })
    }
}

impl RedisTaskStore {
    /// How long a running task stays leased to its replica without a
    /// renewal (default 10 s; renewed every third of it): past it, a task
    /// not finished is failed.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let redis = mcp_runtime::store::redis::Redis::connect("redis://127.0.0.1/0", "items").await?;
    /// let tasks = redis.tasks(Duration::from_secs(3600)).lease(Duration::from_secs(30));
    /// # Ok(()) }
    /// ```
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// Replaces the task at `key` with `change` of it, unless it is
    /// finished (checked again in Redis, atomically): `true` if it changed.
    async fn change(
        &self,
        key: String,
        change: impl FnOnce(DetailedTask) -> DetailedTask,
    ) -> Result<bool, SessionStoreError> {
        let mut c = self.redis.connection.clone();
        let json: Option<String> = c.get(&key).await.map_err(backend)?;
        let Some(json) = json else {
            return Ok(false);
        };
        let current: DetailedTask = serde_json::from_str(&json).map_err(backend)?;
        let next = encode(&change(current))?;
        let moved: i64 = SET_UNLESS_FINISHED
            .key(&key)
            .arg(next)
            .invoke_async(&mut c)
            .await
            .map_err(backend)?;
        Ok(moved == 1)
    }
}

/// An entry of a Redis stream: its id, and its fields (one, the event).
type StreamEntry = (String, Vec<(String, Vec<u8>)>);

/// Resumable streams' events, in memory and copied to Redis (see
/// [`Redis::events`]).
///
/// The copy is written behind the stream (a stream never waits for
/// Redis): at most 4,096 events wait to be written, and past that, or
/// while Redis is down, events are kept in memory only. Each stream is a
/// Redis stream trimmed to about `max_events`, with the session that owns
/// it, both expiring `retain` after the last event.
pub struct RedisEventStore {
    redis: Redis,
    memory: InMemoryEventStore,
    retain: Duration,
    writer: OnceLock<mpsc::Sender<Backup>>,
}

/// What the writer copies to Redis.
enum Backup {
    Owner { stream: u64, session: String },
    Event { stream: u64, seq: u64, event: Bytes },
}

impl RedisEventStore {
    /// The writer's queue, started on first use (inside the runtime).
    fn writer(&self) -> &mpsc::Sender<Backup> {
        self.writer.get_or_init(|| {
            let (tx, mut rx) = mpsc::channel::<Backup>(4096);
            let redis = self.redis.clone();
            let (retain_ms, max_events) = (
                u64::try_from(self.retain.as_millis()).unwrap_or(u64::MAX),
                self.memory.max_events(),
            );
            tokio::spawn(async move {
                let mut batch = Vec::new();
                while rx.recv_many(&mut batch, 64).await > 0 {
                    let mut pipe = redis::pipe();
                    for copy in batch.drain(..) {
                        let (stream, owner) = match &copy {
                            Backup::Owner { stream, .. } | Backup::Event { stream, .. } => {
                                let key = redis.key("events", &stream.to_string());
                                (key.clone(), format!("{key}:session"))
                            }
                        };
                        match copy {
                            Backup::Owner { session, .. } => {
                                pipe.cmd("SET")
                                    .arg(&owner)
                                    .arg(session)
                                    .arg("PX")
                                    .arg(retain_ms)
                                    .ignore();
                            }
                            Backup::Event { seq, event, .. } => {
                                pipe.cmd("XADD")
                                    .arg(&stream)
                                    .arg("MAXLEN")
                                    .arg("~")
                                    .arg(max_events)
                                    .arg(format!("0-{}", seq + 1))
                                    .arg("e")
                                    .arg(event.as_ref())
                                    .ignore();
                                pipe.pexpire(&stream, retain_ms as i64).ignore();
                                pipe.pexpire(&owner, retain_ms as i64).ignore();
                            }
                        }
                    }
                    let mut c = redis.connection.clone();
                    if let Err(e) = pipe.query_async::<()>(&mut c).await {
                        tracing::warn!("mcp-runtime: stream events were not copied to Redis: {e}");
                    }
                }
            });
            tx
        })
    }
}

impl EventStore for RedisEventStore {
    fn open(&self, stream: u64, session: &str) -> Box<dyn EventLog> {
        let writer = self.writer().clone();
        let _ = writer.try_send(Backup::Owner {
            stream,
            session: session.to_owned(),
        });
        Box::new(CopiedLog {
            memory: self.memory.open(stream, session),
            stream,
            writer,
        })
    }
}

/// A stream's events in memory, copied to Redis as they come.
struct CopiedLog {
    memory: Box<dyn EventLog>,
    stream: u64,
    writer: mpsc::Sender<Backup>,
}

impl EventLog for CopiedLog {
    fn append(&mut self, seq: u64, event: Bytes) {
        let copy = Backup::Event {
            stream: self.stream,
            seq,
            event: event.clone(),
        };
        if self.writer.try_send(copy).is_err() {
            tracing::debug!("mcp-runtime: an event was kept in memory only (Redis behind)");
        }
        self.memory.append(seq, event);
    }

    fn read(&self, from: u64, out: &mut BytesMut) -> Result<u64, EventsGone> {
        self.memory.read(from, out)
    }
}
