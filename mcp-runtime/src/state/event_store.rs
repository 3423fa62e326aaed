//! Where the events of resumable SSE streams are kept, so a client whose
//! connection dropped can resume with `Last-Event-ID` and lose nothing.
//!
//! The server numbers each stream's events and writes them to the stream's
//! [`EventLog`]; the connection reading the stream, and any connection that
//! resumes it, read from that log. [`InMemoryEventStore`] is the default:
//! per stream, the latest events within a count and a byte bound
//! ([`McpServerBuilder::stream_buffer`](crate::McpServerBuilder::stream_buffer)).
//! A store of your own can keep more, or account for memory differently.
//!
//! The interface is synchronous: events are written and read while the
//! stream's state is locked, on the path of every message, so a log must
//! not block. A store that persists elsewhere should write behind. Streams
//! belong to the process running their call: with several replicas
//! (`McpServer::share`), a client that resumes on another one reads the
//! stream from there, whatever the store.

use std::collections::VecDeque;
use std::fmt;

use actix_web::web::{Bytes, BytesMut};

/// Opens an [`EventLog`] for each resumable stream; see the module docs.
///
/// ```
/// use mcp_runtime::store::{EventLog, EventStore, EventsGone, InMemoryEventStore};
/// use mcp_runtime::McpServer;
///
/// /// The in-memory store, counting the streams it was asked for.
/// struct Counting(InMemoryEventStore, std::sync::atomic::AtomicU64);
///
/// impl EventStore for Counting {
///     fn open(&self, stream: u64, session: &str) -> Box<dyn EventLog> {
///         self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.0.open(stream, session)
///     }
/// }
///
/// let store = Counting(InMemoryEventStore::new(1024, 4 << 20), Default::default());
/// let mcp = McpServer::from_registry().event_store(store).build().unwrap();
/// ```
pub trait EventStore: Send + Sync + 'static {
    /// A log for the new stream `stream` (an id unique among replicas) of
    /// `session`. The log is dropped when the stream is forgotten.
    fn open(&self, stream: u64, session: &str) -> Box<dyn EventLog>;
}

/// The events of one stream, in order; see [`EventStore`].
pub trait EventLog: Send + 'static {
    /// Keeps event `seq` (numbered from 0, one after another): its bytes on
    /// the wire, `id:` and `data:` lines included. A log may drop its
    /// oldest events to stay within its bounds.
    fn append(&mut self, seq: u64, event: Bytes);

    /// Writes the events from `from` on, oldest first, into `out`, and
    /// returns the number after the last one written (`from` if there was
    /// none). [`EventsGone`] if event `from` was dropped: the client cannot
    /// resume from there, and its stream ends.
    fn read(&self, from: u64, out: &mut BytesMut) -> Result<u64, EventsGone>;
}

/// The events a reader asked for are no longer kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventsGone;

impl fmt::Display for EventsGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the stream's events from there on are no longer kept")
    }
}

impl std::error::Error for EventsGone {}

/// The default [`EventStore`]: each stream keeps its latest events, at most
/// `max_events` of them and `max_bytes` in all (but always the last one).
///
/// ```
/// use actix_web::web::{Bytes, BytesMut};
/// use mcp_runtime::store::{EventStore, EventsGone, InMemoryEventStore};
///
/// let mut log = InMemoryEventStore::new(2, 1 << 20).open(1, "a-session");
/// for seq in 0..3 {
///     log.append(seq, Bytes::from(format!("id: 1-{seq}\ndata: {{}}\n\n")));
/// }
/// let mut out = BytesMut::new();
/// assert_eq!(log.read(1, &mut out), Ok(3));
/// assert!(out.starts_with(b"id: 1-1\n"));
/// assert_eq!(log.read(0, &mut out), Err(EventsGone));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct InMemoryEventStore {
    max_events: usize,
    max_bytes: usize,
}

impl InMemoryEventStore {
    /// Keeps at most `max_events` (at least 1) and `max_bytes` per stream.
    pub fn new(max_events: usize, max_bytes: usize) -> Self {
        InMemoryEventStore {
            max_events: max_events.max(1),
            max_bytes,
        }
    }
}

impl InMemoryEventStore {
    /// The most events a stream keeps.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn max_events(&self) -> usize {
        self.max_events
    }
}

impl EventStore for InMemoryEventStore {
    fn open(&self, _stream: u64, _session: &str) -> Box<dyn EventLog> {
        Box::new(MemoryLog {
            bounds: *self,
            events: VecDeque::new(),
            bytes: 0,
        })
    }
}

struct MemoryLog {
    bounds: InMemoryEventStore,
    /// `(seq, event)`, oldest first.
    events: VecDeque<(u64, Bytes)>,
    bytes: usize,
}

impl EventLog for MemoryLog {
    fn append(&mut self, seq: u64, event: Bytes) {
        self.bytes += event.len();
        self.events.push_back((seq, event));
        while self.events.len() > self.bounds.max_events
            || (self.bytes > self.bounds.max_bytes && self.events.len() > 1)
        {
            if let Some((_, old)) = self.events.pop_front() {
                self.bytes -= old.len();
            }
        }
    }

    fn read(&self, from: u64, out: &mut BytesMut) -> Result<u64, EventsGone> {
        if self.events.front().is_some_and(|(first, _)| *first > from) {
            return Err(EventsGone);
        }
        // Seqs are consecutive: `from` is at a known offset.
        let skip = self
            .events
            .front()
            .map_or(0, |(first, _)| (from - first) as usize);
        // Room made once, not grown (and copied) event by event.
        out.reserve(self.events.iter().skip(skip).map(|(_, e)| e.len()).sum());
        let mut next = from;
        for (seq, event) in self.events.iter().skip(skip) {
            out.extend_from_slice(event);
            next = seq + 1;
        }
        Ok(next)
    }
}
