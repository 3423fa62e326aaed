//! Who hears about changes: sessions subscribed to a resource
//! (`resources/subscribe`, handshake era), every session's standalone
//! stream (list changes), and the stateless revision's listeners
//! (`subscriptions/listen`), each with the notifications it opted in to.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rmcp::model::RequestId;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::protocol::jsonrpc;
use crate::protocol::method::ServerMethod;
use crate::protocol::params::SubscriptionFilter;
use crate::state::relay::{Relay, Relayed};
use crate::state::session::SessionStore;
use crate::support::sync::lock;

/// The `_meta` key tagging a listener's notifications with its request id.
pub(crate) const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// Notifications a listener may queue before new ones are dropped (list
/// changes say "list again", so a dropped one loses nothing a later one
/// does not repeat).
const LISTENER_QUEUE: usize = 64;

/// A list whose changes clients can hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Changed {
    Tools,
    Prompts,
    Resources,
}

impl Changed {
    fn method(self) -> ServerMethod {
        match self {
            Changed::Tools => ServerMethod::ToolsChanged,
            Changed::Prompts => ServerMethod::PromptsChanged,
            Changed::Resources => ServerMethod::ResourcesChanged,
        }
    }
}

/// Whether a listener asked for this change.
fn wants(filter: &SubscriptionFilter, changed: Changed) -> bool {
    match changed {
        Changed::Tools => filter.tools_list_changed,
        Changed::Prompts => filter.prompts_list_changed,
        Changed::Resources => filter.resources_list_changed,
    }
}

/// One open `subscriptions/listen` stream.
struct Listener {
    id: RequestId,
    /// Who opened it (see `listen`).
    client: Arc<str>,
    filter: SubscriptionFilter,
    tx: mpsc::Sender<Vec<u8>>,
}

/// Too many subscriptions (per session, or listeners in all).
#[derive(Debug)]
pub(crate) struct Full(pub usize);

/// Why a listener was not opened.
#[derive(Debug, PartialEq)]
pub(crate) enum NoListener {
    /// The server has as many as it allows in all.
    Full(usize),
    /// This client has its share of them.
    Share(usize),
}

/// Delivers a server-initiated message to a session's standalone stream.
/// Implemented by the transports' streams (a layer up), so fan-out here
/// needs no transport.
pub(crate) trait Push: Send + Sync {
    /// Appends `message` to `session`'s standalone stream, if it has one;
    /// `false` otherwise (the message is not sent).
    fn notify(&self, session: &Arc<str>, message: &[u8]) -> bool;
    /// Every session with a standalone stream.
    fn sessions(&self) -> Vec<Arc<str>>;
}

/// Sends change notifications to whoever asked for them.
pub(crate) struct Subscribers {
    pub streams: Arc<dyn Push>,
    /// Reaches standalone streams open on other replicas.
    pub relay: Arc<Relay>,
    pub sessions: Option<Arc<dyn SessionStore>>,
    /// Resource URI → sessions subscribed to it.
    resources: Mutex<HashMap<String, HashSet<Arc<str>>>>,
    /// Subscriptions per session, bounded by `max_per_session`.
    counts: Mutex<HashMap<Arc<str>, usize>>,
    listeners: Mutex<HashMap<u64, Listener>>,
    next_listener: AtomicU64,
    max_per_session: usize,
    max_listeners: usize,
    max_listeners_per_client: usize,
}

impl Subscribers {
    pub(crate) fn new(
        streams: Arc<dyn Push>,
        relay: Arc<Relay>,
        sessions: Option<Arc<dyn SessionStore>>,
        max_per_session: usize,
        (max_listeners, max_listeners_per_client): (usize, usize),
    ) -> Self {
        Subscribers {
            streams,
            relay,
            sessions,
            resources: Mutex::default(),
            counts: Mutex::default(),
            listeners: Mutex::default(),
            next_listener: AtomicU64::new(1),
            max_per_session,
            max_listeners,
            max_listeners_per_client,
        }
    }

    /// Subscribes `session` to updates of `uri` (again is a no-op).
    pub(crate) fn subscribe(&self, session: &Arc<str>, uri: &str) -> Result<(), Full> {
        let mut resources = lock(&self.resources);
        if resources.get(uri).is_some_and(|s| s.contains(session)) {
            return Ok(());
        }
        let mut counts = lock(&self.counts);
        let count = counts.entry(session.clone()).or_default();
        if *count >= self.max_per_session {
            return Err(Full(self.max_per_session));
        }
        *count += 1;
        resources
            .entry(uri.to_owned())
            .or_default()
            .insert(session.clone());
        Ok(())
    }

    pub(crate) fn unsubscribe(&self, session: &Arc<str>, uri: &str) {
        let mut resources = lock(&self.resources);
        let Some(sessions) = resources.get_mut(uri) else {
            return;
        };
        if sessions.remove(session) {
            if sessions.is_empty() {
                resources.remove(uri);
            }
            let mut counts = lock(&self.counts);
            if let Some(count) = counts.get_mut(session) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(session);
                }
            }
        }
    }

    /// Forgets every subscription of a session that ended.
    pub(crate) fn forget(&self, session: &Arc<str>) {
        if lock(&self.counts).remove(session).is_none() {
            return;
        }
        lock(&self.resources).retain(|_, sessions| {
            sessions.remove(session);
            !sessions.is_empty()
        });
    }

    /// Opens a listener for `client` (its credentials' fingerprint, else its
    /// address); its notifications arrive on the receiver until the returned
    /// guard is dropped. One client may hold at most `max_per_client` of the
    /// server's listeners, so it cannot lock everyone else out.
    pub(crate) fn listen(
        self: &Arc<Self>,
        id: RequestId,
        client: Arc<str>,
        filter: SubscriptionFilter,
    ) -> Result<(ListenGuard, mpsc::Receiver<Vec<u8>>), NoListener> {
        let mut listeners = lock(&self.listeners);
        if listeners.len() >= self.max_listeners {
            return Err(NoListener::Full(self.max_listeners));
        }
        let held = listeners.values().filter(|l| l.client == client).count();
        if held >= self.max_listeners_per_client {
            return Err(NoListener::Share(self.max_listeners_per_client));
        }
        let key = self.next_listener.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(LISTENER_QUEUE);
        listeners.insert(
            key,
            Listener {
                id,
                client,
                filter,
                tx,
            },
        );
        let guard = ListenGuard {
            subscribers: self.clone(),
            key,
        };
        Ok((guard, rx))
    }

    /// Tells every session (on its standalone stream) and every listener
    /// that asked that a list changed. Returns how many were told.
    pub(crate) fn list_changed(&self, changed: Changed) -> usize {
        let mut reached = 0;
        if let Ok(message) = jsonrpc::outgoing(None, changed.method(), &json!({})) {
            for session in self.streams.sessions() {
                reached += usize::from(self.streams.notify(&session, &message));
            }
        }
        reached + self.tell_listeners(changed.method(), &Map::new(), |f| wants(f, changed))
    }

    /// Tells the sessions and listeners subscribed to `uri` that it changed.
    /// Subscriptions of sessions that have ended are dropped on the way.
    pub(crate) async fn resource_updated(&self, uri: &str) -> usize {
        let params = {
            let mut params = Map::new();
            params.insert("uri".into(), uri.into());
            params
        };
        let mut reached = 0;
        let sessions: Vec<Arc<str>> = lock(&self.resources)
            .get(uri)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        if let Ok(message) = jsonrpc::outgoing(None, ServerMethod::ResourceUpdated, &params) {
            for session in sessions {
                if self.ended(&session).await {
                    self.forget(&session);
                } else {
                    reached += usize::from(self.notify(&session, &message));
                }
            }
        }
        reached
            + self.tell_listeners(ServerMethod::ResourceUpdated, &params, |f| {
                f.resource_subscriptions.iter().any(|u| u == uri)
            })
    }

    /// Sends `message` to `session`'s standalone stream, here or on the
    /// replica that has it open.
    fn notify(&self, session: &Arc<str>, message: &[u8]) -> bool {
        self.streams.notify(session, message)
            || (self.relay.is_shared()
                && self.relay.send(Relayed::Notify {
                    session: session.clone(),
                    message: String::from_utf8_lossy(message).into_owned(),
                }))
    }

    async fn ended(&self, session: &Arc<str>) -> bool {
        match &self.sessions {
            Some(store) => matches!(store.get(session).await, Ok(None)),
            None => true,
        }
    }

    /// Sends one notification, tagged with each listener's id, to the
    /// listeners `wants` picks. A full queue drops it for that listener.
    fn tell_listeners(
        &self,
        method: ServerMethod,
        params: &Map<String, Value>,
        wants: impl Fn(&SubscriptionFilter) -> bool,
    ) -> usize {
        let listeners = lock(&self.listeners);
        let mut reached = 0;
        for listener in listeners.values().filter(|l| wants(&l.filter)) {
            let mut params = params.clone();
            params.insert("_meta".into(), json!({ SUBSCRIPTION_ID: listener.id }));
            if let Ok(message) = jsonrpc::outgoing(None, method, &params)
                && listener.tx.try_send(message).is_ok()
            {
                reached += 1;
            }
        }
        reached
    }
}

/// Removes a listener when its stream ends.
pub(crate) struct ListenGuard {
    subscribers: Arc<Subscribers>,
    key: u64,
}

impl Drop for ListenGuard {
    fn drop(&mut self) {
        lock(&self.subscribers.listeners).remove(&self.key);
    }
}
