//! The way from a running request to the client: the messages a handler
//! sends before its response (progress, log messages, questions to the
//! client), already serialized, on a bounded channel the transport drains
//! into its own wire form (an SSE stream for Streamable HTTP).

use std::borrow::Cow;

use actix_web::web::Bytes;
use tokio::sync::mpsc;

/// How many messages may wait for the client before a sender waits too.
/// Backpressure, not loss: a handler that reports faster than the client
/// reads is slowed down, and nothing is dropped.
pub(crate) const CAPACITY: usize = 64;

/// The sending end of one request's stream.
#[derive(Clone, Debug)]
pub(crate) struct Outbound(Option<mpsc::Sender<Bytes>>);

/// The stream is gone (the client left, or the request has no stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

impl Outbound {
    /// A stream and the receiver the transport drains.
    pub(crate) fn channel() -> (Outbound, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(CAPACITY);
        (Outbound(Some(tx)), rx)
    }

    /// No stream: requests inside a JSON-RPC batch answer with one JSON
    /// array and cannot send anything before it.
    pub(crate) fn none() -> Outbound {
        Outbound(None)
    }

    pub(crate) async fn send(&self, message: Vec<u8>) -> Result<(), Closed> {
        match &self.0 {
            Some(tx) => tx.send(Bytes::from(message)).await.map_err(|_| Closed),
            None => Err(Closed),
        }
    }

    /// Whether messages can reach the client at all.
    pub(crate) fn is_open(&self) -> bool {
        self.0.as_ref().is_some_and(|tx| !tx.is_closed())
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
