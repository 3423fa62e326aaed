//! Sessions and tasks in Redis (feature `redis`), so several replicas
//! behind a load balancer serve the same clients: a session started on one
//! is found on every other, a task created on one is read on any.
//!
//! Keys are `<namespace>:session:<id>` and `<namespace>:task:<id>`, each
//! expiring (a session after its idle timeout, refreshed on use; a task
//! after its time to live); values are JSON, at most 1 MiB. Redis
//! unavailable is a store error, which requests see as 503 (never as an
//! unknown session), and the connection manager reconnects when it returns.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use rmcp::model::{DetailedTask, TaskPayload};

use crate::policy::rate_limit::{RateLimit, RateLimitStore};
use crate::state::session::{Session, SessionStore, SessionStoreError, StoreFuture};
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
    /// use.
    pub fn sessions(&self, idle_timeout: Duration) -> RedisSessionStore {
        RedisSessionStore {
            redis: self.clone(),
            idle_timeout,
        }
    }

    /// Rate-limit budgets (GCRA, one Lua script per check, on Redis's own
    /// clock so replicas agree).
    pub fn rate_limits(&self) -> RedisRateLimitStore {
        RedisRateLimitStore {
            redis: self.clone(),
        }
    }

    /// A task store: each task is kept `ttl` after it was created.
    pub fn tasks(&self, ttl: Duration) -> RedisTaskStore {
        RedisTaskStore {
            redis: self.clone(),
            ttl,
        }
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

    /// Hands every message published on `channel` (by any replica) to
    /// `each`, for as long as the process runs: resubscribes after an
    /// outage, waiting a second between attempts.
    pub(crate) fn subscribe(&self, channel: &str, each: impl Fn(&str) + Send + 'static) {
        let client = self.client.clone();
        let channel = self.key("channel", channel);
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if pubsub.subscribe(&channel).await.is_ok() {
                            let mut messages = pubsub.on_message();
                            while let Some(message) =
                                futures_util::StreamExt::next(&mut messages).await
                            {
                                if let Ok(text) = message.get_payload::<String>() {
                                    each(&text);
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!("mcp-runtime: Redis subscription lost: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
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

/// Sessions in Redis (see [`Redis`]).
pub struct RedisSessionStore {
    redis: Redis,
    idle_timeout: Duration,
}

impl RedisSessionStore {
    fn seconds(&self) -> u64 {
        self.idle_timeout.as_secs().max(1)
    }
}

impl SessionStore for RedisSessionStore {
    fn insert<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let json = encode(&*session)?;
            let mut c = self.redis.connection.clone();
            let _: () = c
                .set_ex(self.redis.key("session", id), json, self.seconds())
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<Session>>> {
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            // Read and keep alive in one round trip.
            let json: Option<String> = c
                .get_ex(
                    self.redis.key("session", id),
                    redis::Expiry::EX(self.seconds()),
                )
                .await
                .map_err(backend)?;
            json.map(|j| serde_json::from_str(&j).map(Arc::new).map_err(backend))
                .transpose()
        })
    }

    fn update<'a>(&'a self, id: &'a str, session: Arc<Session>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let json = encode(&*session)?;
            let mut c = self.redis.connection.clone();
            // Only an existing session (XX): one ended elsewhere stays ended.
            let options = redis::SetOptions::default()
                .conditional_set(redis::ExistenceCheck::XX)
                .with_expiration(redis::SetExpiry::EX(self.seconds()));
            let set: Option<String> = c
                .set_options(self.redis.key("session", id), json, options)
                .await
                .map_err(backend)?;
            Ok(set.is_some())
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            let removed: u64 = c
                .del(self.redis.key("session", id))
                .await
                .map_err(backend)?;
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
const GCRA: &str = r#"
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
"#;

impl RateLimitStore for RedisRateLimitStore {
    fn take<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Duration>, String>> + Send + 'a>> {
        Box::pin(async move {
            let (interval, burst) = limit.interval_and_burst();
            let mut c = self.redis.connection.clone();
            let wait: i64 = redis::Script::new(GCRA)
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
pub struct RedisTaskStore {
    redis: Redis,
    ttl: Duration,
}

/// Moves a task to a new state unless it is finished: `KEYS[1]` the task,
/// `ARGV[1]` its next JSON. 1 if it moved.
const SET_UNLESS_FINISHED: &str = r#"
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local status = cjson.decode(current)['status']
if status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1
"#;

impl TaskStore for RedisTaskStore {
    fn create(&self, task: DetailedTask) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let json = encode(&task)?;
            let mut c = self.redis.connection.clone();
            let key = self.redis.key("task", &task.task.task_id);
            let _: () = c
                .set_ex(key, json, self.ttl.as_secs().max(1))
                .await
                .map_err(backend)?;
            Ok(())
        })
    }

    fn get(&self, task_id: &str) -> StoreFuture<'_, Option<DetailedTask>> {
        let key = self.redis.key("task", task_id);
        Box::pin(async move {
            let mut c = self.redis.connection.clone();
            let json: Option<String> = c.get(key).await.map_err(backend)?;
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
}

impl RedisTaskStore {
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
        let moved: i64 = redis::Script::new(SET_UNLESS_FINISHED)
            .key(&key)
            .arg(next)
            .invoke_async(&mut c)
            .await
            .map_err(backend)?;
        Ok(moved == 1)
    }
}
