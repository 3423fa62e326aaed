//! The way from a running request to the client: the messages a handler
//! sends before its response (progress, log messages, questions to the
//! client), already serialized, on a bounded channel the transport drains
//! into its own wire form (an SSE stream for Streamable HTTP).

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::Arc;

use actix_web::web::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// How many messages may wait for the client before a sender waits too.
/// Backpressure, not loss: a handler that reports faster than the client
/// reads is slowed down, and nothing is dropped.
pub(crate) const CAPACITY: usize = 64;

/// How many bytes may wait in a channel before a sender waits too; a
/// larger message waits alone. So a channel holds at most
/// `max(BYTES, one message)`.
pub(crate) const BYTES: usize = 64 * 1024;

/// The sending end of one request's stream.
#[derive(Clone, Debug)]
pub(crate) struct Outbound(Option<Sender>);

#[derive(Clone, Debug)]
struct Sender {
    tx: mpsc::Sender<Queued>,
    /// The channel's room in bytes: each message holds its share until the
    /// transport takes it out.
    room: Arc<Semaphore>,
}

/// A message waiting for the client; dropping it gives back its room.
/// Boxed so that a channel's slots are one pointer each: tokio allocates
/// them 32 at a time when the channel is created, for every request that
/// could stream, and a block under 1 KiB stays off glibc's slow path for
/// large requests (`BENCHMARKS.md`).
#[derive(Debug)]
pub(crate) struct Queued(Box<(Bytes, OwnedSemaphorePermit)>);

impl Deref for Queued {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0.0
    }
}

/// The stream is gone (the client left, or the request has no stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

impl Outbound {
    /// A stream and the receiver the transport drains.
    pub(crate) fn channel() -> (Outbound, mpsc::Receiver<Queued>) {
        let (tx, rx) = mpsc::channel(CAPACITY);
        let room = Arc::new(Semaphore::new(BYTES));
        (Outbound(Some(Sender { tx, room })), rx)
    }

    /// No stream: requests inside a JSON-RPC batch answer with one JSON
    /// array and cannot send anything before it.
    pub(crate) fn none() -> Outbound {
        Outbound(None)
    }

    /// Queues a message, waiting while the channel is full (by count or by
    /// bytes).
    pub(crate) async fn send(&self, message: Vec<u8>) -> Result<(), Closed> {
        let Some(Sender { tx, room }) = &self.0 else {
            return Err(Closed);
        };
        let share = message.len().clamp(1, BYTES) as u32;
        let room = room
            .clone()
            .acquire_many_owned(share)
            .await
            .map_err(|_| Closed)?;
        let queued = Queued(Box::new((Bytes::from(message), room)));
        tx.send(queued).await.map_err(|_| Closed)
    }

    /// Whether the channel has room for more (a slot, and half its bytes):
    /// a transport reads its client's next request only then, so a client
    /// that does not read cannot make the server queue answers without end.
    pub(crate) fn has_room(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|s| s.tx.capacity() > 0 && s.room.available_permits() >= BYTES / 2)
    }

    /// Resolves once the channel [has room](Self::has_room) (or is closed).
    pub(crate) async fn room(&self) {
        if let Some(Sender { tx, room }) = &self.0
            && let Ok(_slot) = tx.reserve().await
        {
            let _bytes = room.acquire_many((BYTES / 2) as u32).await;
        }
    }

    /// Whether messages can reach the client at all.
    pub(crate) fn is_open(&self) -> bool {
        self.0.as_ref().is_some_and(|s| !s.tx.is_closed())
    }
}

/// A serialized message on one line, for wire forms that frame messages by
/// lines (stdio; an SSE `data:` field). Serialized JSON never has a raw line
/// break inside a string (they are escaped), so any it has is whitespace
/// between tokens (a handler's pretty-printed body, embedded as is) and
/// becomes a space.
pub(crate) fn one_line(message: &[u8]) -> Cow<'_, [u8]> {
    if !message.iter().any(|b| matches!(b, b'\n' | b'\r')) {
        return Cow::Borrowed(message);
    }
    Cow::Owned(
        message
            .iter()
            .map(|b| if matches!(b, b'\n' | b'\r') { b' ' } else { *b })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_breaks_between_tokens_become_spaces() {
        let pretty = b"{\r\n  \"a\": \"x\\ny\"\n}";
        let line = super::one_line(pretty);
        assert_eq!(&*line, &b"{    \"a\": \"x\\ny\" }"[..]);
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["a"], "x\ny");
        assert!(matches!(
            super::one_line(b"{}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
