//! Tasks (the 2026-07-28 `io.modelcontextprotocol/tasks` extension): where
//! a task's state lives ([`TaskStore`], serde types so a shared store can
//! hold them), and, in this process, what stops a running one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rmcp::model::{DetailedTask, Task, TaskPayload, TaskStatus};
use serde_json::{Map, Value};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::state::session::{SessionStoreError, StoreFuture};
use crate::support::sync::lock;

/// Where tasks live: created by a `tools/call` that runs as a task, read by
/// `tasks/get`, finished by the call (or `tasks/cancel`). The in-memory
/// default, [`InMemoryTaskStore`], serves one process; replicas share one
/// (e.g. Redis).
///
/// ```
/// use mcp_runtime::store::{InMemoryTaskStore, TaskStore};
/// let store = InMemoryTaskStore::new(1_000, std::time::Duration::from_secs(3600));
/// # let _: &dyn TaskStore = &store;
/// ```
pub trait TaskStore: Send + Sync + 'static {
    /// How long a task is kept after it was created: advertised to clients
    /// as its `ttlMs`, and a task still running then is cancelled.
    fn ttl(&self) -> Duration;

    /// Stores a new task; refuses (`Full`) when there is no room.
    fn create(&self, task: DetailedTask) -> StoreFuture<'_, ()>;

    /// The task `task_id` names, unless it is unknown or expired.
    fn get(&self, task_id: &str) -> StoreFuture<'_, Option<DetailedTask>>;

    /// Moves the task to `payload` (its status follows), unless it is
    /// already finished (completed, failed or cancelled), unknown or
    /// expired: `true` if it moved.
    fn set(&self, task_id: &str, payload: TaskPayload) -> StoreFuture<'_, bool>;

    /// Sets the task's `statusMessage` (its handler's latest progress or
    /// log), unless it is finished, unknown or expired: `true` if it
    /// changed.
    fn note(&self, task_id: &str, message: String) -> StoreFuture<'_, bool>;

    /// Forgets the task: a `task = "deferred"` call that ended without
    /// detaching was never a task its client heard of, and must not hold
    /// the store's room until its TTL.
    fn remove(&self, task_id: &str) -> StoreFuture<'_, ()>;
}

/// Tasks in this process's memory, at most `capacity` at once, each kept
/// `ttl` after it was created.
pub struct InMemoryTaskStore {
    capacity: usize,
    ttl: Duration,
    tasks: Mutex<HashMap<String, (DetailedTask, Instant)>>,
}

impl InMemoryTaskStore {
    /// At most `capacity` tasks, each kept for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        InMemoryTaskStore {
            capacity,
            ttl,
            tasks: Mutex::new(HashMap::new()),
        }
    }
}

impl Default for InMemoryTaskStore {
    /// 10 000 tasks, an hour each.
    fn default() -> Self {
        InMemoryTaskStore::new(10_000, Duration::from_secs(3600))
    }
}

impl InMemoryTaskStore {
    /// The task `task_id` names, unless it is finished or expired.
    fn unfinished<'a>(
        tasks: &'a mut HashMap<String, (DetailedTask, Instant)>,
        task_id: &str,
    ) -> Option<&'a mut DetailedTask> {
        let now = Instant::now();
        tasks
            .get_mut(task_id)
            .filter(|(task, expires)| *expires > now && !task.status().is_terminal())
            .map(|(task, _)| task)
    }
}

impl TaskStore for InMemoryTaskStore {
    fn ttl(&self) -> Duration {
        self.ttl
    }

    fn create(&self, task: DetailedTask) -> StoreFuture<'_, ()> {
        let mut tasks = lock(&self.tasks);
        let now = Instant::now();
        tasks.retain(|_, (_, expires)| *expires > now);
        let outcome = if tasks.len() >= self.capacity {
            Err(SessionStoreError::Full {
                retry_after: Duration::from_secs(1),
            })
        } else {
            tasks.insert(task.task.task_id.clone(), (task, now + self.ttl));
            Ok(())
        };
        Box::pin(std::future::ready(outcome))
    }

    fn get(&self, task_id: &str) -> StoreFuture<'_, Option<DetailedTask>> {
        let tasks = lock(&self.tasks);
        let found = tasks
            .get(task_id)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(task, _)| task.clone());
        Box::pin(std::future::ready(Ok(found)))
    }

    fn set(&self, task_id: &str, payload: TaskPayload) -> StoreFuture<'_, bool> {
        let mut tasks = lock(&self.tasks);
        let moved = match Self::unfinished(&mut tasks, task_id) {
            Some(task) => {
                let mut next = task.task.clone();
                next.last_updated_at = now();
                *task = DetailedTask::new(next, payload);
                true
            }
            None => false,
        };
        Box::pin(std::future::ready(Ok(moved)))
    }

    fn note(&self, task_id: &str, message: String) -> StoreFuture<'_, bool> {
        let mut tasks = lock(&self.tasks);
        let noted = match Self::unfinished(&mut tasks, task_id) {
            Some(task) => {
                task.task.status_message = Some(message);
                task.task.last_updated_at = now();
                true
            }
            None => false,
        };
        Box::pin(std::future::ready(Ok(noted)))
    }

    fn remove(&self, task_id: &str) -> StoreFuture<'_, ()> {
        lock(&self.tasks).remove(task_id);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A new task's record: `working`, created now.
pub(crate) fn working(task_id: String, ttl_ms: u64, poll_ms: u64) -> DetailedTask {
    let now = now();
    let task = Task::new(task_id, TaskStatus::Working, now.clone(), now)
        .with_ttl_ms(ttl_ms)
        .with_poll_interval_ms(poll_ms);
    DetailedTask::new(task, TaskPayload::Working)
}

/// The tasks running in this process, by id: what cancels each, its
/// outstanding questions and its client; and how many each client runs.
#[derive(Default)]
pub(crate) struct Running(Mutex<RunningTasks>);

#[derive(Default)]
pub(crate) struct RunningTasks {
    tasks: HashMap<String, (CancellationToken, Arc<Questions>, Arc<str>)>,
    per_client: HashMap<Arc<str>, usize>,
}

/// The client runs as many tasks as it may.
#[derive(Debug)]
pub(crate) struct TooManyTasks(pub usize);

impl Running {
    /// Registers a task about to run; a deferred one runs as a task only
    /// once its handler detaches (the receiver hears when).
    pub(crate) fn start(
        &self,
        task_id: &str,
        client: Arc<str>,
        max_per_client: usize,
        store: Arc<dyn TaskStore>,
        deferred: bool,
    ) -> Result<(CancellationToken, Arc<Questions>, oneshot::Receiver<()>), TooManyTasks> {
        let mut running = lock(&self.0);
        let count = running.per_client.entry(client.clone()).or_default();
        if *count >= max_per_client {
            return Err(TooManyTasks(max_per_client));
        }
        *count += 1;
        let token = CancellationToken::new();
        let (tx, rx) = oneshot::channel();
        let questions = Arc::new(Questions {
            task_id: task_id.to_owned(),
            store,
            pending: Mutex::new(Pending::default()),
            detached: std::sync::atomic::AtomicBool::new(!deferred),
            on_detach: Mutex::new(Some(tx)),
        });
        running.tasks.insert(
            task_id.to_owned(),
            (token.clone(), questions.clone(), client),
        );
        Ok((token, questions, rx))
    }

    /// The task ended: it no longer counts for its client.
    pub(crate) fn finish(&self, task_id: &str) {
        let mut running = lock(&self.0);
        let Some((_, _, client)) = running.tasks.remove(task_id) else {
            return;
        };
        if let Some(count) = running.per_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                running.per_client.remove(&client);
            }
        }
    }

    /// Stops the task if it runs here (it finishes as it unwinds); `false`
    /// if it does not.
    pub(crate) fn cancel(&self, task_id: &str) -> bool {
        let running = lock(&self.0);
        let task = running.tasks.get(task_id);
        if let Some((token, _, _)) = task {
            token.cancel();
        }
        task.is_some()
    }

    /// The questions of the task, if it runs here.
    pub(crate) fn questions(&self, task_id: &str) -> Option<Arc<Questions>> {
        lock(&self.0).tasks.get(task_id).map(|(_, q, _)| q.clone())
    }
}

/// A running task's questions to the client (elicitation, sampling,
/// roots): asked by its handler, shown as the task's `inputRequests`
/// (status `input_required`), answered by `tasks/update`.
pub(crate) struct Questions {
    task_id: String,
    store: Arc<dyn TaskStore>,
    pending: Mutex<Pending>,
    /// Whether the call runs as a task yet (a deferred task's does once
    /// its handler detaches), and who waits for that.
    detached: std::sync::atomic::AtomicBool,
    on_detach: Mutex<Option<oneshot::Sender<()>>>,
}

#[derive(Default)]
struct Pending {
    asked: Vec<Asked>,
    counters: HashMap<&'static str, usize>,
}

/// One open question.
struct Asked {
    key: String,
    /// `{method, params}`.
    request: Value,
    /// Whether an answer has the right shape.
    fits: fn(&Value) -> bool,
    /// Who waits for the answer.
    answer: oneshot::Sender<Value>,
}

impl Questions {
    /// Whether the call runs as a task.
    pub(crate) fn is_detached(&self) -> bool {
        self.detached.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The call goes on as a task (once).
    pub(crate) fn detach(&self) {
        self.detached
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(tx) = lock(&self.on_detach).take() {
            let _ = tx.send(());
        }
    }

    /// The next automatic key for `prefix`'s questions: `elicitation-1`, …
    pub(crate) fn next_key(&self, prefix: &'static str) -> String {
        let mut pending = lock(&self.pending);
        let n = pending.counters.entry(prefix).or_default();
        *n += 1;
        format!("{prefix}-{n}")
    }

    /// Asks `request` under `key`; the answer, once `tasks/update` brings
    /// one that `fits` (`None` if the task ends first).
    pub(crate) async fn ask(
        &self,
        key: String,
        request: Value,
        fits: fn(&Value) -> bool,
    ) -> Option<Value> {
        let (tx, rx) = oneshot::channel();
        let outstanding = {
            let mut pending = lock(&self.pending);
            pending.asked.push(Asked {
                key,
                request,
                fits,
                answer: tx,
            });
            outstanding(&pending)
        };
        self.publish(outstanding).await;
        rx.await.ok()
    }

    /// Hands each answer to the question of its key (unknown keys, answers
    /// that do not fit, and already answered ones are ignored).
    pub(crate) async fn answer(&self, responses: &Map<String, Value>) {
        let outstanding = {
            let mut pending = lock(&self.pending);
            let asked = std::mem::take(&mut pending.asked);
            for asked in asked {
                match responses.get(&asked.key).filter(|a| (asked.fits)(a)) {
                    Some(answer) => {
                        let _ = asked.answer.send(answer.clone());
                    }
                    None => pending.asked.push(asked),
                }
            }
            outstanding(&pending)
        };
        self.publish(outstanding).await;
    }

    /// Notes the handler's progress or log as the task's status message.
    pub(crate) async fn note(&self, message: String) {
        if let Err(e) = self.store.note(&self.task_id, message).await {
            tracing::warn!(task = %self.task_id, "mcp-runtime: a task's status message was not stored: {e}");
        }
    }

    /// The task's status after a change of questions: `input_required`
    /// with those still outstanding, else `working`.
    async fn publish(&self, outstanding: Map<String, Value>) {
        let payload = if outstanding.is_empty() {
            TaskPayload::Working
        } else {
            match serde_json::from_value(Value::Object(outstanding)) {
                Ok(input_requests) => TaskPayload::InputRequired { input_requests },
                Err(e) => {
                    tracing::error!("mcp-runtime: a task's questions do not serialize: {e}");
                    return;
                }
            }
        };
        if let Err(e) = self.store.set(&self.task_id, payload).await {
            tracing::error!(task = %self.task_id, "mcp-runtime: a task's questions were not stored: {e}");
        }
    }
}

fn outstanding(pending: &Pending) -> Map<String, Value> {
    pending
        .asked
        .iter()
        .map(|asked| (asked.key.clone(), asked.request.clone()))
        .collect()
}

/// Now, as RFC 3339 in UTC (`2026-07-28T12:00:00.123Z`).
pub(crate) fn now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_662), (2026, 7, 28));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn finished_tasks_stay_finished() {
        let store = InMemoryTaskStore::new(1, Duration::from_secs(60));
        let ready =
            |f: StoreFuture<'_, bool>| futures_util::FutureExt::now_or_never(f).unwrap().unwrap();
        futures_util::FutureExt::now_or_never(store.create(working("t".into(), 1, 1)))
            .unwrap()
            .unwrap();
        assert!(ready(store.set("t", TaskPayload::Cancelled)));
        assert!(!ready(store.set("t", TaskPayload::Working)));
        // Full: a second task is refused, not an old one evicted.
        let second = futures_util::FutureExt::now_or_never(store.create(working("u".into(), 1, 1)));
        assert!(second.unwrap().is_err());
        // Removed: room again.
        futures_util::FutureExt::now_or_never(store.remove("t"))
            .unwrap()
            .unwrap();
        let third = futures_util::FutureExt::now_or_never(store.create(working("u".into(), 1, 1)));
        assert!(third.unwrap().is_ok());
    }

    #[test]
    fn expired_tasks_are_not_changed() {
        let store = InMemoryTaskStore::new(1, Duration::ZERO);
        let ready =
            |f: StoreFuture<'_, bool>| futures_util::FutureExt::now_or_never(f).unwrap().unwrap();
        futures_util::FutureExt::now_or_never(store.create(working("t".into(), 0, 1)))
            .unwrap()
            .unwrap();
        assert!(!ready(store.set("t", TaskPayload::Working)));
        assert!(!ready(store.note("t", "late".into())));
    }
}
