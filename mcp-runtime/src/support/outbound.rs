//! The way from a running request to the client: the messages a handler
//! sends before its response (progress, log messages, questions to the
//! client), already serialized, on a bounded channel the transport drains
//! into its own wire form (an SSE stream for Streamable HTTP).

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use actix_web::web::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::support::sync::lock;

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
pub(crate) struct Outbound(Way);

#[derive(Clone, Debug)]
enum Way {
    /// No stream.
    None,
    /// A channel made up front (a connection's, which lasts).
    Open(Sender),
    /// A request's channel, made when the first message is sent: most
    /// requests send none, and a channel costs a call about 1 k
    /// instructions to make and drop (tokio aligns it to a cache line,
    /// off the allocator's fast path).
    Deferred(Arc<Link>),
}

/// Where a deferred channel is made, and its receiver left for the
/// [`Inbox`].
#[derive(Debug, Default)]
struct Link {
    sender: OnceLock<Sender>,
    inbox: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    /// The receiver, made and not yet taken by the inbox.
    receiver: Option<mpsc::Receiver<Queued>>,
    /// The inbox's task, waiting for the channel.
    waker: Option<Waker>,
    /// The inbox is gone (or closed): nothing can be received.
    gone: bool,
}

/// The receiving end of a deferred channel (see [`Outbound::deferred`]):
/// nothing, until the first message is sent.
#[derive(Debug)]
pub(crate) struct Inbox {
    link: Arc<Link>,
    receiver: Option<mpsc::Receiver<Queued>>,
}

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

impl Sender {
    fn channel() -> (Sender, mpsc::Receiver<Queued>) {
        let (tx, rx) = mpsc::channel(CAPACITY);
        let room = Arc::new(Semaphore::new(BYTES));
        (Sender { tx, room }, rx)
    }
}

impl Outbound {
    /// A stream and the receiver the transport drains.
    pub(crate) fn channel() -> (Outbound, mpsc::Receiver<Queued>) {
        let (sender, rx) = Sender::channel();
        (Outbound(Way::Open(sender)), rx)
    }

    /// A stream whose channel is made by the first message sent on it, and
    /// the inbox the transport drains.
    pub(crate) fn deferred() -> (Outbound, Inbox) {
        let link = Arc::new(Link::default());
        let inbox = Inbox {
            link: link.clone(),
            receiver: None,
        };
        (Outbound(Way::Deferred(link)), inbox)
    }

    /// No stream: requests inside a JSON-RPC batch answer with one JSON
    /// array and cannot send anything before it.
    pub(crate) fn none() -> Outbound {
        Outbound(Way::None)
    }

    /// The channel, made now if it is deferred and not made yet; `None` if
    /// there is no stream, or its inbox is gone.
    fn sender(&self) -> Option<&Sender> {
        match &self.0 {
            Way::None => None,
            Way::Open(sender) => Some(sender),
            Way::Deferred(link) => {
                if let Some(sender) = link.sender.get() {
                    return Some(sender);
                }
                let mut waiting = lock(&link.inbox);
                if waiting.gone {
                    return None;
                }
                Some(link.sender.get_or_init(|| {
                    let (sender, rx) = Sender::channel();
                    waiting.receiver = Some(rx);
                    if let Some(waker) = waiting.waker.take() {
                        waker.wake();
                    }
                    sender
                }))
            }
        }
    }

    /// The channel if it is made (a deferred one that is not has room, and
    /// is open while its inbox is there).
    fn made(&self) -> Result<&Sender, bool> {
        match &self.0 {
            Way::None => Err(false),
            Way::Open(sender) => Ok(sender),
            Way::Deferred(link) => link.sender.get().ok_or_else(|| !lock(&link.inbox).gone),
        }
    }

    /// Queues a message, waiting while the channel is full (by count or by
    /// bytes).
    pub(crate) async fn send(&self, message: Vec<u8>) -> Result<(), Closed> {
        let Some(Sender { tx, room }) = self.sender() else {
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
        self.made().map_or(true, |s| {
            s.tx.capacity() > 0 && s.room.available_permits() >= BYTES / 2
        })
    }

    /// Resolves once the channel [has room](Self::has_room) (or is closed).
    pub(crate) async fn room(&self) {
        if let Ok(Sender { tx, room }) = self.made()
            && let Ok(_slot) = tx.reserve().await
        {
            let _bytes = room.acquire_many((BYTES / 2) as u32).await;
        }
    }

    /// Whether messages can reach the client at all.
    pub(crate) fn is_open(&self) -> bool {
        self.made().map_or_else(|open| open, |s| !s.tx.is_closed())
    }
}

impl Inbox {
    /// The receiver, once the channel is made; until then the task is woken
    /// when it is.
    fn receiver(&mut self, cx: Option<&mut Context<'_>>) -> Option<&mut mpsc::Receiver<Queued>> {
        if self.receiver.is_none() {
            let mut waiting = lock(&self.link.inbox);
            self.receiver = waiting.receiver.take();
            if self.receiver.is_none()
                && let Some(cx) = cx
            {
                waiting.waker = Some(cx.waker().clone());
            }
        }
        self.receiver.as_mut()
    }

    /// The next message; pending until the channel is made. (The stream
    /// ends with its call, which the transport watches: the channel's own
    /// sender stays with the inbox, so it never reports every sender gone.)
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Queued>> {
        match self.receiver(Some(cx)) {
            Some(receiver) => receiver.poll_recv(cx),
            None => Poll::Pending,
        }
    }

    /// [`poll_recv`](Self::poll_recv) as a future.
    pub(crate) async fn recv(&mut self) -> Option<Queued> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Whether no message waits.
    pub(crate) fn is_empty(&mut self) -> bool {
        self.receiver(None)
            .is_none_or(|receiver| receiver.is_empty())
    }
}

impl Drop for Inbox {
    /// Later sends fail, as they do on a channel whose receiver is gone
    /// (which it is now, taken or not).
    fn drop(&mut self) {
        let mut waiting = lock(&self.link.inbox);
        waiting.gone = true;
        waiting.receiver = None;
    }
}

/// A serialized message on one line, for wire forms that frame messages by
/// lines (stdio; an SSE `data:` field). Serialized JSON never has a raw line
/// break inside a string (they are escaped), so any it has is whitespace
/// between tokens (a handler's pretty-printed body, embedded as is) and
/// becomes a space.
pub(crate) fn one_line(message: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr2(b'\n', b'\r', message).is_none() {
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
    use super::{Closed, Outbound};

    #[actix_web::test]
    async fn a_deferred_stream_is_made_by_its_first_message() {
        let (outbound, mut inbox) = Outbound::deferred();
        assert!(inbox.is_empty() && outbound.is_open() && outbound.has_room());
        // A receiver already waiting is woken by the first message.
        let sending = outbound.clone();
        let (received, sent) = tokio::join!(inbox.recv(), async move {
            tokio::task::yield_now().await;
            sending.send(b"one".to_vec()).await
        });
        assert_eq!(sent, Ok(()));
        assert_eq!(&*received.expect("a message"), b"one");
        outbound.send(b"two".to_vec()).await.unwrap();
        assert!(!inbox.is_empty());
        assert_eq!(&*inbox.recv().await.expect("a message"), b"two");
        assert!(inbox.is_empty());
    }

    #[actix_web::test]
    async fn a_deferred_stream_without_its_inbox_takes_nothing() {
        // Never made.
        let (outbound, inbox) = Outbound::deferred();
        drop(inbox);
        assert!(!outbound.is_open());
        assert_eq!(outbound.send(b"late".to_vec()).await, Err(Closed));
        // Made, never read: dropping the inbox drops the waiting receiver,
        // so a sender cannot fill a channel nobody reads and wait forever.
        let (outbound, inbox) = Outbound::deferred();
        outbound.send(b"one".to_vec()).await.unwrap();
        drop(inbox);
        assert!(!outbound.is_open());
        assert_eq!(outbound.send(b"two".to_vec()).await, Err(Closed));
    }

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
