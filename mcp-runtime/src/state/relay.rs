//! What one replica hands to the others, when several serve the same
//! clients (`McpServer::share`): a client's follow-up lands on whichever
//! replica the load balancer picks, while the call it concerns runs on one.
//!
//! Each message is broadcast (Redis pub/sub, feature `redis`), and every
//! other replica applies it to what runs there: the one waiting for the
//! answer takes it, the one running the call cancels it, every one tells
//! its own streams about a change. A replica never handles its own
//! messages: it did its part before sending. Delivery is at most once and
//! unordered between senders; a replica that is down misses what is sent
//! meanwhile (what it ran is gone with it).

use std::sync::{Arc, OnceLock};

use rmcp::model::RequestId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::state::live::Answer;

/// A message between replicas.
// Externally tagged, and no `flatten` around it: both would buffer the
// answer's `RawValue`, which it cannot be read from.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Relayed {
    /// A client's answer to a question asked by a call running elsewhere.
    Answer {
        session: Option<Arc<str>>,
        id: RequestId,
        answer: Answer,
    },
    /// `notifications/cancelled` for a call running elsewhere.
    Cancel { session: Arc<str>, id: RequestId },
    /// `tasks/update` for a task running elsewhere.
    TaskAnswers {
        task: String,
        responses: Map<String, Value>,
    },
    /// `tasks/cancel` for a task running elsewhere.
    TaskCancel { task: String },
    /// A session was deleted: end its streams and subscriptions.
    Ended { session: Arc<str> },
    /// A message for a session's standalone stream, open elsewhere.
    Notify { session: Arc<str>, message: String },
    /// A resource changed: tell its subscribers.
    Updated { uri: String },
    /// A client resumes, on the sender, a stream that is not there: the
    /// replica running it forwards it on the `reader`'s channel.
    Resume {
        session: Arc<str>,
        last_event_id: String,
        reader: String,
    },
    /// A remote reader's client has taken the stream's pieces up to
    /// `upto` (and the reader is still there).
    Read { reader: String, upto: u64 },
    /// A remote reader's client left.
    Detach { reader: String },
    /// A catalog item was turned off or on.
    Catalog {
        item: String,
        name: String,
        enabled: bool,
    },
}

/// Sends a message, as JSON, to the other replicas.
pub(crate) type Sender = Box<dyn Fn(&Relayed, String) + Send + Sync>;

/// This replica's end of the relay: unconnected (one process) until
/// `McpServer::share` connects it.
pub(crate) struct Relay {
    sender: OnceLock<Sender>,
    /// Tags this replica's messages, so it skips them when they come back.
    origin: u64,
}

/// A message as broadcast: who sent it, and what.
#[derive(Serialize, Deserialize)]
struct Envelope<M> {
    from: u64,
    message: M,
}

impl Default for Relay {
    fn default() -> Self {
        let mut origin = [0u8; 8];
        let origin = match getrandom::fill(&mut origin) {
            Ok(()) => u64::from_le_bytes(origin),
            // Without OS randomness: the start time and the process id.
            Err(_) => {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |t| t.as_nanos() as u64)
                    ^ u64::from(std::process::id())
            }
        };
        Relay {
            sender: OnceLock::new(),
            origin,
        }
    }
}

impl Relay {
    /// Connects the relay; `false` if it was connected already.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn connect(&self, sender: Sender) -> bool {
        self.sender.set(sender).is_ok()
    }

    /// Whether other replicas may hold what this one lacks.
    pub(crate) fn is_shared(&self) -> bool {
        self.sender.get().is_some()
    }

    /// Hands `message` to the other replicas; `false` when there are none.
    pub(crate) fn send(&self, message: Relayed) -> bool {
        let Some(sender) = self.sender.get() else {
            return false;
        };
        let envelope = Envelope {
            from: self.origin,
            message,
        };
        match serde_json::to_string(&envelope) {
            Ok(json) => {
                sender(&envelope.message, json);
                true
            }
            Err(e) => {
                tracing::warn!("mcp-runtime: a message for other replicas was not encoded: {e}");
                false
            }
        }
    }

    /// The message in `text`, if another replica sent it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn receive(&self, text: &str) -> Option<Relayed> {
        match serde_json::from_str::<Envelope<Relayed>>(text) {
            Ok(envelope) if envelope.from != self.origin => Some(envelope.message),
            Ok(_) => None,
            Err(e) => {
                tracing::debug!("mcp-runtime: an unreadable message from another replica: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;
    use std::sync::Mutex;

    #[test]
    fn messages_reach_other_replicas_and_not_their_sender() {
        let (a, b) = (Relay::default(), Relay::default());
        assert!(!a.send(Relayed::TaskCancel { task: "t".into() }));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let out = sent.clone();
        assert!(a.connect(Box::new(move |_, json| out.lock().unwrap().push(json))));
        assert!(a.send(Relayed::Answer {
            session: Some("s".into()),
            id: RequestId::String("mcp-1".into()),
            answer: Ok(RawValue::from_string("{\"ok\":true}".into()).unwrap()),
        }));
        let json = sent.lock().unwrap().pop().unwrap();
        assert!(a.receive(&json).is_none(), "a replica skips its own");
        match b.receive(&json) {
            Some(Relayed::Answer {
                session,
                id,
                answer: Ok(result),
            }) => {
                assert_eq!(session.as_deref(), Some("s"));
                assert_eq!(id, RequestId::String("mcp-1".into()));
                assert_eq!(result.get(), "{\"ok\":true}");
            }
            other => panic!("{other:?}"),
        }
        assert!(b.receive("not json").is_none());
    }
}
