//! Server-sent-event streams: a request answered as a stream (the messages
//! its handler sends while it runs, then its response), and each session's
//! standalone stream (messages the server sends outside any request).
//!
//! # Shape
//!
//! A stream is a [`Hub`]: an append-only log of events (an [`EventLog`] from
//! the server's [`EventStore`], in memory and bounded by count and bytes by
//! default) plus at most one consumer, the HTTP response currently reading it.
//! A request's call is driven by a [`Pump`] task spawned on the worker that
//! received the request (handlers are `!Send`, so it stays there); the pump
//! appends the call's messages and its response to the hub. The consumer
//! reads from the hub, so the call does not depend on the connection:
//!
//! * **Resumable streams** (a session, and a client on 2025-03-26 or later)
//!   number their events `<stream>-<seq>`. When the connection drops, the
//!   call keeps running for the orphan grace period (a disconnect is not a
//!   cancellation in the handshake era); a `GET` with `Last-Event-ID`
//!   replays what followed that event and goes on live. If nobody resumes
//!   within the grace period, the call is cancelled. From 2025-11-25 a
//!   priming event (an id, `retry`, empty data) opens the stream, so clients
//!   can resume even before the first message.
//! * **Other streams** (stateless mode) have no ids: closing the connection
//!   cancels the call at once.
//!
//! Backpressure rather than loss: when the consumer falls a full log behind
//! (or there is none), the pump stops taking messages and the handler's
//! next send waits. The hubs are process-local; with several replicas
//! (`McpServer::share`), a client resuming on another replica reads the
//! stream from the one running its call ([`Elsewhere`]), under the same
//! backpressure.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use actix_web::web::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::time::{Interval, MissedTickBehavior, Sleep};
use tokio_util::sync::DropGuard;

use crate::call::server::Outcome;
use crate::state::BySession;
use crate::state::event_store::{EventLog, EventStore, EventsGone, InMemoryEventStore};
use crate::state::subscriptions::Push;
use crate::support::outbound::{Inbox, Queued};
use crate::support::sync::lock;

/// A call whose response has not been decided yet.
pub(crate) type Call = Pin<Box<dyn Future<Output = Outcome>>>;

/// A stream read from another replica, for a client that resumed here.
pub(crate) type RemoteBody = Pin<Box<dyn Stream<Item = Result<Bytes, actix_web::Error>>>>;

/// Where streams that run on other replicas are found
/// (`McpServer::share`).
pub(crate) trait Elsewhere: Send + Sync {
    /// The rest of the stream after `last_event_id`, from the replica
    /// running it, if `session` owns such a stream there.
    fn resume(
        self: Arc<Self>,
        session: Arc<str>,
        last_event_id: String,
    ) -> Pin<Box<dyn Future<Output = Option<RemoteBody>> + Send>>;
}

/// Bounds and timings of streams.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamLimits {
    /// Events a stream keeps for resumption, and the most a reader may
    /// fall behind before the handler waits.
    pub max_events: usize,
    /// Bytes a stream keeps for resumption, and the most a reader may fall
    /// behind before the handler waits.
    pub max_bytes: usize,
    /// How long a call whose stream lost its reader keeps running, waiting
    /// for the client to resume.
    pub orphan_grace: Duration,
    /// How long a finished (or abandoned) stream stays resumable.
    pub retain: Duration,
    /// How many streams are kept for resumption at most, running or not:
    /// past it, the oldest finished ones are forgotten before `retain`.
    pub max_retained: usize,
    /// The `retry` hint of priming events.
    pub retry: Duration,
    /// Interval of keep-alive comments on a quiet stream.
    pub keep_alive: Duration,
    /// Streams a session may have running at once.
    pub max_per_session: usize,
}

/// How answers stream: keep-alives, how long a dropped stream's call waits
/// to be resumed, how much each stream keeps for resumption, and whether
/// every answer is a stream. Given to
/// [`McpServerBuilder::streams`](crate::McpServerBuilder::streams).
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::{McpServer, config::StreamConfig};
///
/// let mcp = McpServer::builder()
///     .streams(StreamConfig::default().keep_alive(Duration::from_secs(5)).buffer(64, 256 << 10))
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct StreamConfig {
    pub(crate) max_events: usize,
    pub(crate) max_bytes: usize,
    pub(crate) orphan_grace: Duration,
    pub(crate) keep_alive: Duration,
    pub(crate) always_stream: bool,
    pub(crate) max_retained: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            max_events: 256,
            max_bytes: 1024 * 1024,
            orphan_grace: Duration::from_secs(30),
            keep_alive: Duration::from_secs(15),
            always_stream: false,
            max_retained: 10_000,
        }
    }
}

impl StreamConfig {
    /// The interval of SSE keep-alive comments on a quiet stream, and how
    /// long a call may stay quiet before its answer turns into a stream
    /// (default 15 s, at least 10 ms): keeps proxies from timing out long
    /// calls.
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval.max(Duration::from_millis(10));
        self
    }

    /// How long a call keeps running after its client's stream dropped,
    /// waiting for the client to resume it with `Last-Event-ID` (default
    /// 30 s); then it is cancelled. Streams stay resumable for a minute
    /// after they end (the latest [`retained`](Self::retained) of them), so
    /// a result produced meanwhile is not lost. (In
    /// stateless mode nothing can resume, and a dropped stream cancels its
    /// call at once.)
    pub fn orphan_grace(mut self, grace: Duration) -> Self {
        self.orphan_grace = grace;
        self
    }

    /// How many events (default 256, at least 1) and bytes (default 1 MiB)
    /// each stream keeps for resumption; a handler that gets this far ahead
    /// of its client (by either) waits for it, so a slow reader loses
    /// neither messages nor the result. A running stream holds at most
    /// `bytes + 64 KiB + 2 × its largest message`. (An
    /// [`event_store`](crate::McpServerBuilder::event_store) of your own
    /// decides what it keeps; the handler still waits at these bounds.)
    pub fn buffer(mut self, events: usize, bytes: usize) -> Self {
        self.max_events = events.max(1);
        self.max_bytes = bytes;
        self
    }

    /// Answers every request that may stream with an SSE stream (when the
    /// client accepts one), instead of JSON unless the call sends something
    /// before its result (default off).
    pub fn always_stream(mut self, always: bool) -> Self {
        self.always_stream = always;
        self
    }

    /// How many streams the server keeps for resumption at most (default
    /// 10,000, at least 1). A stream stays resumable for a minute after it
    /// ends; at a high rate of streamed calls that would be millions, so
    /// past this many the oldest finished streams are forgotten first (a
    /// running one never is). Memory stays bounded at any rate: about 1 KiB
    /// per kept stream with a small result.
    ///
    /// ```
    /// use mcp_runtime::config::StreamConfig;
    ///
    /// let streams = StreamConfig::default().retained(50_000);
    /// ```
    pub fn retained(mut self, streams: usize) -> Self {
        self.max_retained = streams.max(1);
        self
    }

    /// The limits of each stream, for a session allowed `max_per_session`.
    pub(crate) fn limits(&self, max_per_session: usize) -> StreamLimits {
        StreamLimits {
            max_events: self.max_events,
            max_bytes: self.max_bytes,
            orphan_grace: self.orphan_grace,
            retain: Duration::from_secs(60),
            max_retained: self.max_retained,
            retry: Duration::from_secs(1),
            keep_alive: self.keep_alive,
            max_per_session,
        }
    }
}

/// Every stream of one server, shared by its workers.
pub(crate) struct Streams {
    /// (Hashed with foldhash: the server numbers its streams, so no client
    /// chooses the keys.)
    hubs: Mutex<HashMap<u64, Arc<Hub>, foldhash::fast::RandomState>>,
    /// Streams still running, per session.
    open: Mutex<BySession<Arc<AtomicUsize>>>,
    /// Each session's standalone (GET) stream.
    standalone: Mutex<BySession<u64>>,
    /// Streams that may be forgotten at the given time.
    expiry: Mutex<VecDeque<(Instant, u64)>>,
    next_id: AtomicU64,
    /// Keeps the events of resumable streams.
    store: Arc<dyn EventStore>,
    /// Buffers the events of the others, until they are read.
    buffer: InMemoryEventStore,
    pub limits: StreamLimits,
}

/// A session has as many streams open as allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyStreams;

/// One stream.
pub(crate) struct Hub {
    id: u64,
    session: Option<Arc<str>>,
    /// The session's count of running streams, released when this ends.
    running: Option<Arc<AtomicUsize>>,
    streams: Weak<Streams>,
    resumable: bool,
    limits: StreamLimits,
    state: Mutex<HubState>,
}

struct HubState {
    log: Box<dyn EventLog>,
    next_seq: u64,
    finished: bool,
    reader: Reader,
    /// The events appended and not read yet, `(seq, bytes)`: backpressure
    /// counts them by number and by bytes, as the log keeps them, so the
    /// log never drops an event its reader has not had.
    unread: VecDeque<(u64, usize)>,
    unread_bytes: usize,
    /// Wakes the pump when the reader makes room.
    pump: Option<Waker>,
}

impl HubState {
    /// Formats the next event and appends it to the log.
    fn append(&mut self, id: &IdLine, json: &[u8]) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.log.append(seq, event(id, json));
    }

    /// Reads into `out` what the reader has not had yet, marking it read;
    /// `Err` when some of it is no longer kept.
    fn read_unread(&mut self, out: &mut BytesMut) -> Result<(), EventsGone> {
        let next = self.log.read(self.reader.next, out)?;
        self.reader.next = next;
        self.read_up_to(next);
        Ok(())
    }

    /// Forgets the sizes of events the reader has had.
    fn read_up_to(&mut self, next: u64) {
        while let Some(&(seq, bytes)) = self.unread.front() {
            if seq >= next {
                break;
            }
            self.unread.pop_front();
            self.unread_bytes -= bytes;
        }
    }

    /// Whether an event of `bytes` fits beside the unread ones: within the
    /// count and the bytes the log keeps (one event alone always fits).
    fn admits(&self, bytes: usize, limits: &StreamLimits) -> bool {
        self.unread.is_empty()
            || (self.unread.len() < limits.max_events
                && self.unread_bytes + bytes <= limits.max_bytes)
    }
}

struct Reader {
    /// Bumped by each new reader, so a replaced one stops.
    generation: u64,
    attached: bool,
    /// The next seq the reader has not read.
    next: u64,
    waker: Option<Waker>,
    detached_at: Option<Instant>,
}

impl Streams {
    /// Streams keeping their events in `store`, or in memory within
    /// `limits` by default.
    pub(crate) fn new(limits: StreamLimits, store: Option<Arc<dyn EventStore>>) -> Self {
        let buffer = InMemoryEventStore::new(limits.max_events, limits.max_bytes);
        Streams {
            store: store.unwrap_or_else(|| Arc::new(buffer)),
            buffer,
            hubs: Mutex::default(),
            open: Mutex::default(),
            standalone: Mutex::default(),
            expiry: Mutex::default(),
            next_id: AtomicU64::new(first_stream_id()),
            limits,
        }
    }

    /// Opens a stream, unless its session has `max_per_session` running;
    /// resumable ones are registered for `GET` resumption. A stream opened
    /// for a call that is done already (`runs: false`) never runs, and is
    /// not counted.
    pub(crate) fn open(
        self: &Arc<Self>,
        session: Option<Arc<str>>,
        resumable: bool,
        runs: bool,
    ) -> Result<Arc<Hub>, TooManyStreams> {
        self.sweep();
        let running = match &session {
            Some(session) if runs => {
                let mut open = lock(&self.open);
                let count = open.entry(session.clone()).or_default().clone();
                if count.load(Ordering::Relaxed) >= self.limits.max_per_session {
                    return Err(TooManyStreams);
                }
                count.fetch_add(1, Ordering::Relaxed);
                Some(count)
            }
            _ => None,
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let owner = session.as_deref().unwrap_or_default();
        let log = if resumable {
            self.store.open(id, owner)
        } else {
            self.buffer.open(id, owner)
        };
        let hub = Arc::new(Hub {
            id,
            session,
            running,
            streams: Arc::downgrade(self),
            resumable,
            limits: self.limits,
            state: Mutex::new(HubState {
                log,
                next_seq: 0,
                finished: false,
                reader: Reader {
                    generation: 0,
                    attached: false,
                    next: 0,
                    waker: None,
                    detached_at: None,
                },
                unread: VecDeque::new(),
                unread_bytes: 0,
                pump: None,
            }),
        });
        if resumable {
            let kept = {
                let mut hubs = lock(&self.hubs);
                hubs.insert(id, hub.clone());
                hubs.len()
            };
            // Checked again then: kept while it is live.
            self.expire_later(id);
            if kept > self.limits.max_retained {
                self.forget_oldest_finished();
            }
        }
        Ok(hub)
    }

    /// Forgets finished streams, oldest first, until no more than
    /// `max_retained` are kept; a few looked at per call, so each new stream
    /// pays a bounded share. Running ones go to the back of the queue.
    fn forget_oldest_finished(&self) {
        for _ in 0..8 {
            if lock(&self.hubs).len() <= self.limits.max_retained {
                return;
            }
            let Some((_, id)) = lock(&self.expiry).pop_front() else {
                return;
            };
            let hub = lock(&self.hubs).get(&id).cloned();
            let Some(hub) = hub else { continue };
            let finished = {
                let state = hub.state();
                state.finished && !state.reader.attached
            };
            if finished && !hub.is_standalone_of(self) {
                self.forget(&hub);
            } else {
                self.expire_later(id);
            }
        }
    }

    fn expire_later(&self, id: u64) {
        lock(&self.expiry).push_back((Instant::now() + self.limits.retain, id));
    }

    /// Forgets streams that ended (or lost their reader) longer than the
    /// retention ago. Each stream is queued once per retention period, so
    /// this is O(1) amortized.
    fn sweep(&self) {
        let now = Instant::now();
        loop {
            let id = {
                let mut expiry = lock(&self.expiry);
                match expiry.front() {
                    Some((at, _)) if *at <= now => expiry.pop_front().map(|(_, id)| id),
                    _ => None,
                }
            };
            let Some(id) = id else { return };
            let hub = lock(&self.hubs).get(&id).cloned();
            let Some(hub) = hub else { continue };
            let standalone = hub.is_standalone_of(self);
            let state = hub.state();
            let idle_since = if state.reader.attached {
                None
            } else {
                state.reader.detached_at
            };
            let ended = state.finished || standalone;
            drop(state);
            match idle_since {
                Some(since) if ended && now.duration_since(since) >= self.limits.retain => {
                    self.forget(&hub);
                }
                _ => self.expire_later(id),
            }
        }
    }

    fn forget(&self, hub: &Hub) {
        lock(&self.hubs).remove(&hub.id);
        if let Some(session) = &hub.session {
            let mut standalone = lock(&self.standalone);
            if standalone.get(session) == Some(&hub.id) {
                standalone.remove(session);
            }
        }
    }

    /// The stream a `Last-Event-ID` points into, if `session` owns it, and
    /// the seq to read from.
    pub(crate) fn find(&self, session: &Arc<str>, last_event_id: &str) -> Option<(Arc<Hub>, u64)> {
        let (stream, from) = position(last_event_id)?;
        let hub = lock(&self.hubs).get(&stream).cloned()?;
        (hub.session.as_ref() == Some(session)).then_some((hub, from))
    }

    /// The session's standalone stream: a new one, or `None` if one is
    /// being read already (the spec allows one).
    pub(crate) fn standalone(
        self: &Arc<Self>,
        session: &Arc<str>,
    ) -> Result<Option<Arc<Hub>>, TooManyStreams> {
        let id = lock(&self.standalone).get(session).copied();
        if let Some(hub) = id.and_then(|id| lock(&self.hubs).get(&id).cloned()) {
            let attached = hub.state().reader.attached;
            return Ok((!attached).then_some(hub));
        }
        let hub = self.open(Some(session.clone()), true, true)?;
        let mut standalone = lock(&self.standalone);
        if standalone.contains_key(session) {
            // Another request opened one meanwhile: that one is being read.
            drop(standalone);
            self.forget(&hub);
            hub.finish();
            return Ok(None);
        }
        standalone.insert(session.clone(), hub.id);
        Ok(Some(hub))
    }

    /// Ends everything of `session` (it was deleted).
    pub(crate) fn close_session(&self, session: &Arc<str>) {
        let id = lock(&self.standalone).remove(session);
        let hub = id.and_then(|id| lock(&self.hubs).remove(&id));
        if let Some(hub) = hub {
            hub.finish();
        }
    }
}

/// The stream a `Last-Event-ID` (`<stream>-<seq>`) names, and the seq
/// after it.
pub(crate) fn position(last_event_id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = last_event_id.split_once('-')?;
    Some((
        stream.parse().ok()?,
        seq.parse::<u64>().ok()?.checked_add(1)?,
    ))
}

/// The id of a server's first stream: random in the high 32 bits, so that
/// replicas number their streams apart and an event id names one stream
/// among all of them.
fn first_stream_id() -> u64 {
    let mut high = [0u8; 4];
    let high = match getrandom::fill(&mut high) {
        Ok(()) => u32::from_le_bytes(high),
        Err(_) => std::process::id(),
    };
    u64::from(high) << 32 | 1
}

impl Hub {
    fn state(&self) -> MutexGuard<'_, HubState> {
        lock(&self.state)
    }

    fn is_standalone_of(&self, streams: &Streams) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| lock(&streams.standalone).get(s) == Some(&self.id))
    }

    /// Formats and appends one event. Unless `force`d (server notices that
    /// cannot wait, which may push the oldest unread events out), an event
    /// that does not fit beside the unread ones is not appended: `false`,
    /// and `waiting` is woken when the reader makes room.
    fn push(&self, json: &[u8], force: bool, waiting: Option<&Waker>) -> bool {
        let mut state = self.state();
        let seq = state.next_seq;
        // Admission first, on the event's exact length (`one_line` keeps
        // the length), so a message that waits is not formatted each time.
        let id = self.id_line(seq);
        let len = event_len(&id, json);
        if !force && !state.admits(len, &self.limits) {
            if let Some(waker) = waiting {
                state.pump = Some(waker.clone());
            }
            return false;
        }
        state.unread.push_back((seq, len));
        state.unread_bytes += len;
        state.append(&id, json);
        if let Some(waker) = state.reader.waker.take() {
            waker.wake();
        }
        true
    }

    /// The `id:` line of event `seq`, when the stream can be resumed.
    fn id_line(&self, seq: u64) -> IdLine {
        if self.resumable {
            id_line(self.id, seq)
        } else {
            IdLine::new()
        }
    }

    /// Appends the priming event: an id and `retry`, no data.
    pub(crate) fn prime(&self) {
        let mut state = self.state();
        let seq = state.next_seq;
        state.next_seq += 1;
        let mut event = BytesMut::new();
        self.write_prime(seq, &mut event);
        state.log.append(seq, event.freeze());
    }

    /// Writes priming event `seq` into `out` (room made for it once).
    fn write_prime(&self, seq: u64, out: &mut BytesMut) {
        let retry = u64::try_from(self.limits.retry.as_millis()).unwrap_or(u64::MAX);
        let mut digits = itoa::Buffer::new();
        let retry = digits.format(retry);
        let id = id_line(self.id, seq);
        let rest = ["retry: ", retry, "\ndata: \n\n"];
        let len = id.len() + rest.iter().map(|s| s.len()).sum::<usize>();
        debug_assert!(len <= MAX_PRIME_LEN);
        out.reserve(len);
        out.extend_from_slice(&id);
        rest.iter()
            .for_each(|s| out.extend_from_slice(s.as_bytes()));
    }

    fn finish(&self) {
        let mut state = self.state();
        if !state.finished
            && let Some(running) = &self.running
            && running.fetch_sub(1, Ordering::Relaxed) == 1
            && let (Some(session), Some(streams)) = (&self.session, self.streams.upgrade())
        {
            // The session's last running stream: drop its counter.
            let mut open = lock(&streams.open);
            if open
                .get(session)
                .is_some_and(|c| Arc::ptr_eq(c, running) && c.load(Ordering::Relaxed) == 0)
            {
                open.remove(session);
            }
        }
        state.finished = true;
        if let Some(waker) = state.reader.waker.take() {
            waker.wake();
        }
    }

    /// Ends a stream whose call was done before it opened, and reads it
    /// whole, as a reader that reads it and leaves would (it stays for a
    /// client that resumes it): its priming event when `primed`, then its
    /// response (if it has one). Both are written once, into the answer;
    /// the log keeps them as slices of it, not as copies.
    pub(crate) fn end_read(&self, primed: bool, response: Option<&[u8]>) -> Bytes {
        let mut state = self.state();
        let response =
            response.map(|json| (self.id_line(state.next_seq + u64::from(primed)), json));
        let mut whole = BytesMut::with_capacity(
            usize::from(primed) * MAX_PRIME_LEN
                + response
                    .as_ref()
                    .map_or(0, |(id, json)| event_len(id, json)),
        );
        let mut events = smallvec::SmallVec::<[(u64, usize); 2]>::new();
        if primed {
            self.write_prime(state.next_seq, &mut whole);
            events.push((state.next_seq, whole.len()));
            state.next_seq += 1;
        }
        if let Some((id, json)) = response {
            write_event(&mut whole, &id, json);
            events.push((state.next_seq, whole.len()));
            state.next_seq += 1;
        }
        let whole = whole.freeze();
        let mut start = 0;
        for (seq, end) in events {
            state.log.append(seq, whole.slice(start..end));
            start = end;
        }
        state.reader.next = state.next_seq;
        state.reader.detached_at = Some(Instant::now());
        drop(state);
        self.finish();
        whole
    }

    /// Nothing was ever appended (a fresh standalone stream).
    pub(crate) fn is_new(&self) -> bool {
        self.state().next_seq == 0
    }

    /// Starts reading at what comes next.
    pub(crate) fn reader_from_end(self: &Arc<Self>) -> ReaderBody {
        let next = self.state().next_seq;
        self.reader(next)
    }

    /// Starts reading at `from` (the next unread seq), replacing any reader.
    pub(crate) fn reader(self: &Arc<Self>, from: u64) -> ReaderBody {
        let mut state = self.state();
        state.reader.generation += 1;
        state.reader.attached = true;
        state.reader.next = from;
        state.read_up_to(from);
        state.reader.detached_at = None;
        if let Some(waker) = state.reader.waker.take() {
            waker.wake();
        }
        let keep_alive = keep_alive(self.limits.keep_alive);
        ReaderBody {
            hub: self.clone(),
            generation: state.reader.generation,
            keep_alive,
        }
    }

    /// The pump's view: since when the stream has had no reader, if it has
    /// none.
    fn orphaned(&self, cx: &mut Context<'_>) -> Option<Instant> {
        let mut state = self.state();
        if state.reader.attached {
            return None;
        }
        state.pump = Some(cx.waker().clone());
        Some(state.reader.detached_at.unwrap_or_else(Instant::now))
    }
}

/// Ticks every `period` (first after one period) while a stream is quiet:
/// when to send a keep-alive comment.
pub(crate) fn keep_alive(period: Duration) -> Interval {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks
}

/// The response body reading a hub.
pub(crate) struct ReaderBody {
    hub: Arc<Hub>,
    generation: u64,
    keep_alive: Interval,
}

impl Stream for ReaderBody {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let mut state = this.hub.state();
        if state.reader.generation != this.generation {
            return Poll::Ready(None); // another reader took over
        }
        let mut out = BytesMut::new();
        if state.read_unread(&mut out).is_err() {
            // The events it missed are gone: end, so the client sees it.
            return Poll::Ready(None);
        }
        if let Some(pump) = state.pump.take() {
            pump.wake();
        }
        if !out.is_empty() {
            return Poll::Ready(Some(Ok(out.freeze())));
        }
        if state.finished {
            return Poll::Ready(None);
        }
        state.reader.waker = Some(cx.waker().clone());
        drop(state);
        if this.keep_alive.poll_tick(cx).is_ready() {
            return Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n"))));
        }
        Poll::Pending
    }
}

impl Drop for ReaderBody {
    fn drop(&mut self) {
        let mut state = self.hub.state();
        if state.reader.generation == self.generation {
            state.reader.attached = false;
            state.reader.detached_at = Some(Instant::now());
            if let Some(pump) = state.pump.take() {
                pump.wake();
            }
        }
    }
}

/// An event's `id:` line, on the stack (at most 46 bytes).
type IdLine = smallvec::SmallVec<[u8; 48]>;

/// The most bytes a priming event takes: its `id:` line, and `retry:` with
/// a `u64` of milliseconds.
const MAX_PRIME_LEN: usize = 46 + "retry: ".len() + 20 + "\ndata: \n\n".len();

/// `id: <stream>-<seq>\n`, the line naming an event for resumption (without
/// `format!`, which cost a primed stream 1.7 k instructions: a `u128`).
fn id_line(stream: u64, seq: u64) -> IdLine {
    let (mut stream_digits, mut seq_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
    let mut line = IdLine::new();
    line.extend_from_slice(b"id: ");
    line.extend_from_slice(stream_digits.format(stream).as_bytes());
    line.push(b'-');
    line.extend_from_slice(seq_digits.format(seq).as_bytes());
    line.push(b'\n');
    line
}

/// The length of [`event`]'s event.
fn event_len(id: &[u8], json: &[u8]) -> usize {
    id.len() + b"data: ".len() + json.len() + b"\n\n".len()
}

/// One event: its `id:` line (empty on a stream that cannot be resumed),
/// then `json` as its data, on one line.
pub(super) fn event(id: &[u8], json: &[u8]) -> Bytes {
    let mut event = BytesMut::new();
    write_event(&mut event, id, json);
    event.freeze()
}

/// Writes [`event`]'s event at the end of `out` (room made for it once).
fn write_event(out: &mut BytesMut, id: &[u8], json: &[u8]) {
    let len = event_len(id, json);
    out.reserve(len);
    let start = out.len();
    out.extend_from_slice(id);
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(&crate::support::outbound::one_line(json));
    out.extend_from_slice(b"\n\n");
    debug_assert_eq!(out.len() - start, len);
}

/// Drives a call into its hub: messages as they come (while the reader
/// keeps up), then the response, then the end of the stream. Dropping it
/// drops the call and cancels its token.
pub(crate) struct Pump {
    hub: Arc<Hub>,
    call: Option<Call>,
    /// The call's outcome, once it is decided: its response goes last.
    outcome: Option<Outcome>,
    /// A message taken from the call that waits for room in the hub (and
    /// keeps its room in the channel meanwhile).
    held: Option<Queued>,
    messages: Inbox,
    orphan_deadline: Option<Pin<Box<Sleep>>>,
    _cancel_on_drop: DropGuard,
}

impl Pump {
    pub(crate) fn new(
        hub: Arc<Hub>,
        call: Call,
        messages: Inbox,
        cancel_on_drop: DropGuard,
    ) -> Self {
        Pump {
            hub,
            call: Some(call),
            outcome: None,
            held: None,
            messages,
            orphan_deadline: None,
            _cancel_on_drop: cancel_on_drop,
        }
    }

    /// Appends a message that arrived before the pump started.
    pub(crate) fn push(&self, message: &[u8]) {
        self.hub.push(message, true, None);
    }
}

impl Drop for Pump {
    /// A call that ends without its response (cancelled, abandoned) ends
    /// its stream too.
    fn drop(&mut self) {
        self.hub.finish();
    }
}

impl Future for Pump {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if let Some(call) = &mut this.call
            && let Poll::Ready(done) = call.as_mut().poll(cx)
        {
            this.call = None;
            this.outcome = Some(done);
        }
        loop {
            if let Some(since) = this.hub.orphaned(cx) {
                // Without a reader: a stream that cannot be resumed ends its
                // call now; a resumable one waits out the grace period.
                if !this.hub.resumable {
                    return Poll::Ready(());
                }
                let deadline = tokio::time::Instant::from_std(since + this.hub.limits.orphan_grace);
                let sleep = this
                    .orphan_deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.deadline() != deadline {
                    sleep.as_mut().reset(deadline);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    tracing::debug!(stream = this.hub.id, "stream abandoned: call cancelled");
                    return Poll::Ready(());
                }
            } else {
                this.orphan_deadline = None;
            }
            // Backpressure, never loss: a message that does not fit waits
            // (and with it the handler's next send) until the reader reads.
            let next = match this.held.take() {
                Some(message) => Some(message),
                None => match this.messages.poll_recv(cx) {
                    Poll::Ready(message) => message,
                    Poll::Pending => None,
                },
            };
            if let Some(message) = next {
                if !this.hub.push(&message, false, Some(cx.waker())) {
                    this.held = Some(message);
                    return Poll::Pending;
                }
                continue;
            }
            // The call has said everything: its response goes last.
            let Some(outcome) = this.outcome.take() else {
                return Poll::Pending;
            };
            // A cancelled request gets no response.
            let Some(body) = response(outcome) else {
                return Poll::Ready(());
            };
            if !this.hub.push(&body, false, Some(cx.waker())) {
                this.outcome = Some(Outcome::Response(body));
                return Poll::Pending;
            }
            return Poll::Ready(());
        }
    }
}

/// The body an outcome answers with on a stream, if any.
pub(super) fn response(outcome: Outcome) -> Option<Vec<u8>> {
    match outcome {
        Outcome::Response(body)
        | Outcome::Invalid(body)
        | Outcome::Unauthorized { response: body, .. }
        | Outcome::RateLimited { response: body, .. }
        | Outcome::Refused { response: body, .. }
        | Outcome::Initialized { response: body, .. } => Some(body),
        Outcome::Cancelled | Outcome::Accepted => None,
    }
}

impl Push for Streams {
    fn notify(&self, session: &Arc<str>, message: &[u8]) -> bool {
        let id = lock(&self.standalone).get(session).copied();
        let hub = id.and_then(|id| lock(&self.hubs).get(&id).cloned());
        match hub {
            Some(hub) => {
                hub.push(message, true, None);
                true
            }
            None => false,
        }
    }

    fn sessions(&self) -> Vec<Arc<str>> {
        lock(&self.standalone).keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streams(max_retained: usize) -> Arc<Streams> {
        let limits = StreamConfig::default().retained(max_retained).limits(100);
        Arc::new(Streams::new(limits, None))
    }

    /// A resumable stream of `session` that ran, was read to its end and
    /// lost its reader, as a streamed call's does.
    fn finished(streams: &Arc<Streams>, session: &Arc<str>) -> Arc<Hub> {
        let hub = streams
            .open(Some(session.clone()), true, true)
            .expect("opens");
        let reader = hub.reader(0);
        hub.push(b"{}", true, None);
        hub.finish();
        drop(reader);
        hub
    }

    #[test]
    fn events_are_named_stream_then_sequence() {
        assert_eq!(&id_line(7, 3)[..], b"id: 7-3\n");
        assert_eq!(
            &id_line(u64::MAX, 0)[..],
            format!("id: {}-0\n", u64::MAX).as_bytes(),
            "every digit"
        );
        assert_eq!(id_line(u64::MAX, u64::MAX).len(), 46, "the longest");
    }

    #[actix_web::test]
    async fn a_primed_stream_starts_with_its_id_and_retry() {
        let streams = streams(4);
        let hub = streams.open(None, true, true).expect("opens");
        hub.prime();
        hub.push(b"{}", true, None);
        hub.finish();
        let mut body = hub.reader(0);
        let mut events = Vec::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
            events.extend_from_slice(&chunk.expect("a chunk"));
        }
        let text = String::from_utf8(events).unwrap();
        let id = hub.id;
        assert_eq!(
            text,
            format!("id: {id}-0\nretry: 1000\ndata: \n\nid: {id}-1\ndata: {{}}\n\n")
        );
    }

    #[actix_web::test]
    async fn past_the_bound_the_oldest_finished_streams_are_forgotten_first() {
        let streams = streams(3);
        let session: Arc<str> = "s".into();
        let running = streams
            .open(Some(session.clone()), true, true)
            .expect("opens");
        let _reader = running.reader(0);
        let hubs: Vec<Arc<Hub>> = (0..6).map(|_| finished(&streams, &session)).collect();
        assert!(lock(&streams.hubs).len() <= 3, "kept within the bound");
        let resumable = |hub: &Hub| streams.find(&session, &format!("{}-0", hub.id)).is_some();
        // A running stream is never forgotten; the newest finished one is
        // still resumable, the oldest are not.
        assert!(resumable(&running));
        assert!(resumable(&hubs[5]));
        assert!(!resumable(&hubs[0]) && !resumable(&hubs[1]));
    }

    #[test]
    fn a_stream_opened_for_a_done_call_is_not_counted_as_running() {
        let limits = StreamConfig::default().limits(1);
        let streams = Arc::new(Streams::new(limits, None));
        let session: Arc<str> = "s".into();
        let running = streams
            .open(Some(session.clone()), true, true)
            .expect("opens");
        assert!(
            streams.open(Some(session.clone()), true, true).is_err(),
            "one running stream is the session's limit"
        );
        // A done call's stream opens beside it, whole, and can be resumed.
        let done = streams
            .open(Some(session.clone()), true, false)
            .expect("opens");
        let whole = done.end_read(true, Some(b"{}"));
        assert!(whole.ends_with(b"data: {}\n\n"));
        assert!(streams.find(&session, &format!("{}-0", done.id)).is_some());
        // Ending it leaves the running one counted.
        assert!(streams.open(Some(session.clone()), true, true).is_err());
        running.finish();
        assert!(streams.open(Some(session), true, true).is_ok());
    }

    /// What a reader reads of `hub` from event `from` to the stream's end.
    async fn read_from(hub: &Arc<Hub>, from: u64) -> String {
        let mut body = hub.reader(from);
        let mut events = Vec::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
            events.extend_from_slice(&chunk.expect("a chunk"));
        }
        String::from_utf8(events).unwrap()
    }

    #[actix_web::test]
    async fn a_done_calls_stream_is_read_whole_and_kept_event_by_event() {
        let streams = streams(4);
        let session: Arc<str> = "s".into();
        for primed in [true, false] {
            // Its answer is what a reader reads of the same events pushed
            // to a running stream.
            let running = streams
                .open(Some(session.clone()), true, true)
                .expect("opens");
            if primed {
                running.prime();
            }
            running.push(b"{\"a\":\n1}", true, None);
            running.finish();
            let done = streams
                .open(Some(session.clone()), true, false)
                .expect("opens");
            let whole = done.end_read(primed, Some(b"{\"a\":\n1}"));
            let read = read_from(&running, 0).await;
            let renamed = read.replace(&running.id.to_string(), &done.id.to_string());
            assert_eq!(std::str::from_utf8(&whole).unwrap(), renamed);
            // Each event is kept on its own: resumed after the first, the
            // stream gives the rest, then the first again from the start.
            let (hub, from) = streams
                .find(&session, &format!("{}-0", done.id))
                .expect("kept");
            let rest = whole.len() - read_from(&running, 1).await.len();
            assert_eq!(read_from(&hub, from).await.as_bytes(), &whole[rest..]);
            assert_eq!(read_from(&hub, 0).await.as_bytes(), &whole[..]);
        }
    }

    #[test]
    fn a_done_calls_answer_is_whole_though_its_log_keeps_one_event() {
        let limits = StreamConfig::default().buffer(1, 1 << 20).limits(4);
        let streams = Arc::new(Streams::new(limits, None));
        let done = streams.open(Some("s".into()), true, false).expect("opens");
        let whole = done.end_read(true, Some(b"{}"));
        let whole = std::str::from_utf8(&whole).unwrap();
        assert!(
            whole.starts_with(&format!("id: {}-0\nretry: ", done.id))
                && whole.ends_with("data: {}\n\n"),
            "the priming event, then the response: {whole:?}"
        );
    }

    #[actix_web::test]
    async fn within_the_bound_finished_streams_stay_resumable() {
        let streams = streams(10);
        let session: Arc<str> = "s".into();
        let hubs: Vec<Arc<Hub>> = (0..6).map(|_| finished(&streams, &session)).collect();
        for hub in &hubs {
            assert!(streams.find(&session, &format!("{}-0", hub.id)).is_some());
        }
    }
}
