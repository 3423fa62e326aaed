//! A request answered as a stream of server-sent events: the messages its
//! handler sends while it runs (progress, log messages, questions to the
//! client), then its response, then the end of the stream.
//!
//! The stream drives the call: the handler's future is polled inside the
//! response body, on the worker that received the request, so a `!Send`
//! actix handler needs no spawning. If the client goes away, actix drops
//! the body, which drops the call (the handler stops at its next `.await`)
//! and cancels its token (work it spawned can notice). Everything ready at
//! once is written in one chunk, and a comment line keeps idle proxies from
//! closing a long, quiet call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::web::{Bytes, BytesMut};
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};
use tokio_util::sync::DropGuard;

use crate::dispatch::Outcome;

/// A call whose response has not been decided yet.
pub(crate) type Call = Pin<Box<dyn Future<Output = Outcome>>>;

/// The body of a streamed response.
pub(crate) struct SseBody {
    call: Option<Call>,
    messages: mpsc::Receiver<Bytes>,
    /// Already received before the stream started.
    first: Option<Bytes>,
    keep_alive: Interval,
    finished: bool,
    /// Cancels the call's token when the body is dropped early.
    _cancel_on_drop: DropGuard,
}

impl SseBody {
    pub(crate) fn new(
        call: Call,
        messages: mpsc::Receiver<Bytes>,
        first: Option<Bytes>,
        keep_alive: Duration,
        cancel_on_drop: DropGuard,
    ) -> Self {
        let mut keep_alive =
            tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive);
        keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        SseBody {
            call: Some(call),
            messages,
            first,
            keep_alive,
            finished: false,
            _cancel_on_drop: cancel_on_drop,
        }
    }
}

/// One `message` event carrying a JSON-RPC message.
fn event(out: &mut BytesMut, json: &[u8]) {
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
}

impl Stream for SseBody {
    type Item = Result<Bytes, actix_web::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        let mut out = BytesMut::new();
        if let Some(first) = this.first.take() {
            event(&mut out, &first);
        }
        // The call first: it may send messages and must make progress.
        let mut outcome = None;
        if let Some(call) = &mut this.call
            && let Poll::Ready(done) = call.as_mut().poll(cx)
        {
            this.call = None;
            outcome = Some(done);
        }
        // Everything already sent, in order (all of it, once the call is done).
        while let Poll::Ready(Some(message)) = this.messages.poll_recv(cx) {
            event(&mut out, &message);
        }
        if let Some(outcome) = outcome {
            match outcome {
                Outcome::Response(body)
                | Outcome::Invalid(body)
                | Outcome::Unauthorized(_, body) => event(&mut out, &body),
                Outcome::Initialized { response, .. } => event(&mut out, &response),
                // A cancelled request gets no response: the stream just ends.
                Outcome::Cancelled | Outcome::Accepted => {}
            }
            this.finished = true;
        } else if out.is_empty() && this.keep_alive.poll_tick(cx).is_ready() {
            out.extend_from_slice(b": keep-alive\n\n");
        }
        if out.is_empty() {
            return if this.finished {
                Poll::Ready(None)
            } else {
                Poll::Pending
            };
        }
        Poll::Ready(Some(Ok(out.freeze())))
    }
}
