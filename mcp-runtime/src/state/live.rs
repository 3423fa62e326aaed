//! What is alive while requests run, shared by every actix worker of one
//! server: the cancellation token of each call in flight and the requests
//! this server sent to clients (sampling, elicitation) awaiting an answer.
//!
//! A client's `notifications/cancelled`, or its answer to a server request,
//! is a separate HTTP request that may land on any worker, so routing goes
//! through this registry (mutex-guarded maps; `Send` tokens and one-shot
//! channels), while the call itself stays on the worker that started it.
//! Entries are removed by guards when their call ends, so the registry holds
//! only what is in flight. It is process-local: with several replicas, a
//! follow-up that finds nothing here goes to the others through the relay
//! (`state::relay`), and the replica running the call takes it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::model::{ErrorData, RequestId};
use serde_json::value::RawValue;
use smallvec::SmallVec;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::BySession;
use crate::support::sync::lock;

/// A client's answer to a server request: its `result`, or its `error`.
pub(crate) type Answer = Result<Box<RawValue>, ErrorData>;

/// The live state of one server.
#[derive(Default)]
pub(crate) struct Live {
    in_flight: Mutex<InFlightCalls>,
    pending: Mutex<HashMap<RequestId, Pending>>,
    next_request: AtomicU64,
}

#[derive(Default)]
struct InFlightCalls {
    /// Each session's calls in flight, with their tokens: a list, as a
    /// session has few (its limit), so starting and ending a call hashes
    /// its session once; room for one inline, so a session's only call
    /// (the common case) allocates no list.
    sessions: BySession<SmallVec<[(RequestId, CancellationToken); 1]>>,
}

/// The refusal of a request whose id is already in flight in its session.
pub(crate) fn in_use(id: &RequestId) -> String {
    let id = match id {
        RequestId::Number(n) => n.to_string(),
        RequestId::String(s) => format!("{s:?}"),
    };
    format!(
        "Invalid request: a request with id {id} is already in flight in this session; \
         use a new id for each request"
    )
}

/// Why a call was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotStarted {
    /// The session already has as many calls in flight as allowed.
    TooMany,
    /// The session already has a call in flight with this request id: a
    /// cancellation could not tell them apart.
    IdInUse,
}

struct Pending {
    session: Option<Arc<str>>,
    answer: oneshot::Sender<Answer>,
}

impl Live {
    /// Registers a call of `session` so `notifications/cancelled` can reach
    /// it, unless the session has `max` calls in flight already, or one
    /// with the same id; the registration ends when the guard is dropped.
    pub(crate) fn start_call(
        self: &Arc<Self>,
        session: Arc<str>,
        id: RequestId,
        token: CancellationToken,
        max: usize,
    ) -> Result<InFlight, NotStarted> {
        let mut calls = lock(&self.in_flight);
        // (A list just made is empty, and limits are at least 1: neither
        // refusal leaves an empty list behind.)
        let started = calls.sessions.entry(session.clone()).or_default();
        if started.iter().any(|(i, _)| *i == id) {
            return Err(NotStarted::IdInUse);
        }
        if started.len() >= max {
            return Err(NotStarted::TooMany);
        }
        started.push((id.clone(), token));
        Ok(InFlight {
            live: self.clone(),
            key: Some((session, id)),
        })
    }

    /// Cancels `session`'s call `id`, if it is in flight.
    pub(crate) fn cancel(&self, session: &Arc<str>, id: &RequestId) -> bool {
        let calls = lock(&self.in_flight);
        let started = calls.sessions.get(session);
        match started.and_then(|calls| calls.iter().find(|(i, _)| i == id)) {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Allocates an id for a request to the client and registers who waits
    /// for the answer. Ids carry 64 random bits, so no other client can
    /// guess one, and an answer counts only from the session asked.
    pub(crate) fn ask(
        self: &Arc<Self>,
        session: Option<Arc<str>>,
    ) -> (RequestId, oneshot::Receiver<Answer>, AskGuard) {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed);
        let mut salt = [0u8; 8];
        // Without OS randomness the counter alone still identifies the request.
        let _ = getrandom::fill(&mut salt);
        let id = RequestId::String(format!("mcp-{n}-{:016x}", u64::from_le_bytes(salt)).into());
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(
            id.clone(),
            Pending {
                session,
                answer: tx,
            },
        );
        let guard = AskGuard {
            live: self.clone(),
            id: id.clone(),
        };
        (id, rx, guard)
    }

    /// Delivers a client's answer; gives it back if nobody here (from that
    /// session) is waiting for it.
    pub(crate) fn answer(
        &self,
        session: Option<&Arc<str>>,
        id: &RequestId,
        answer: Answer,
    ) -> Result<(), Answer> {
        let mut pending = lock(&self.pending);
        match pending.get(id) {
            Some(p) if p.session.as_ref() == session => {}
            _ => return Err(answer),
        }
        match pending.remove(id) {
            Some(p) => p.answer.send(answer),
            None => Err(answer),
        }
    }

    #[cfg(test)]
    fn sizes(&self) -> (usize, usize) {
        let calls = lock(&self.in_flight);
        (calls.sessions.len(), lock(&self.pending).len())
    }
}

/// Keeps a call registered for cancellation while alive.
pub(crate) struct InFlight {
    live: Arc<Live>,
    key: Option<(Arc<str>, RequestId)>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let Some((session, id)) = self.key.take() else {
            return;
        };
        let mut calls = lock(&self.live.in_flight);
        if let Entry::Occupied(mut started) = calls.sessions.entry(session) {
            let list = started.get_mut();
            if let Some(at) = list.iter().position(|(i, _)| *i == id) {
                list.swap_remove(at);
            }
            if list.is_empty() {
                started.remove();
            }
        }
    }
}

/// Withdraws a request to the client when its asker stops waiting.
pub(crate) struct AskGuard {
    live: Arc<Live>,
    id: RequestId,
}

impl Drop for AskGuard {
    fn drop(&mut self) {
        lock(&self.live.pending).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reaches_the_call_of_that_session_only() {
        let live = Arc::new(Live::default());
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        let token = CancellationToken::new();
        let guard = live
            .start_call(a.clone(), RequestId::Number(1), token.clone(), 2)
            .unwrap();
        let second = live
            .start_call(a.clone(), RequestId::Number(2), token.clone(), 2)
            .unwrap();
        assert_eq!(
            live.start_call(a.clone(), RequestId::Number(3), token.clone(), 2)
                .err(),
            Some(NotStarted::TooMany),
            "at most two in flight"
        );
        assert_eq!(
            live.start_call(a.clone(), RequestId::Number(1), token.clone(), 9)
                .err(),
            Some(NotStarted::IdInUse),
            "an id in flight is not taken twice"
        );
        drop(second);
        assert!(!live.cancel(&b, &RequestId::Number(1)));
        assert!(!token.is_cancelled());
        assert!(live.cancel(&a, &RequestId::Number(1)));
        assert!(token.is_cancelled());
        drop(guard);
        assert_eq!(live.sizes(), (0, 0));
        assert!(!live.cancel(&a, &RequestId::Number(1)));
    }

    #[test]
    fn answers_reach_their_asker_from_the_same_session() {
        let live = Arc::new(Live::default());
        let a: Arc<str> = "a".into();
        let (id, mut rx, guard) = live.ask(Some(a.clone()));
        let raw = || Ok(RawValue::from_string("{}".into()).unwrap());
        assert!(live.answer(Some(&"b".into()), &id, raw()).is_err());
        assert!(live.answer(None, &id, raw()).is_err());
        assert!(live.answer(Some(&a), &id, raw()).is_ok());
        assert_eq!(rx.try_recv().unwrap().unwrap().get(), "{}");
        assert!(live.answer(Some(&a), &id, raw()).is_err(), "answered once");
        drop(guard);

        let (id, _rx, guard) = live.ask(None);
        drop(guard);
        assert!(live.answer(None, &id, raw()).is_err(), "withdrawn");
        assert_eq!(live.sizes(), (0, 0));
    }
}
