//! [`Notifier`]: messages the server sends on its own, outside any request,
//! on each session's standalone stream (the `GET` stream) and the stateless
//! revision's `subscriptions/listen` streams.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::protocol::jsonrpc;
use crate::protocol::log::LogLevel;
use crate::protocol::method::ServerMethod;
use crate::state::relay::Relayed;
use crate::state::subscriptions::Subscribers;

/// Sends server-initiated messages to connected clients. Get one from
/// [`McpServer::notifier`](crate::McpServer::notifier); it is cheap to clone
/// and `Send`, so background tasks can hold it.
///
/// Only clients with a session and an open standalone stream (a `GET` on the
/// endpoint, which most clients open after `initialize`) receive these
/// messages; the spec gives the server no other way to reach them.
///
/// ```
/// # async fn f(mcp: mcp_runtime::McpServer) {
/// use mcp_runtime::LogLevel;
/// let notifier = mcp.notifier();
/// let reached = notifier.log(LogLevel::Warning, "catalog", "prices are stale").await;
/// println!("told {reached} clients");
/// # }
/// ```
#[derive(Clone)]
pub struct Notifier {
    pub(crate) subscribers: Arc<Subscribers>,
}

impl Notifier {
    /// Sends a log message (`notifications/message`) to every client whose
    /// level (set with `logging/setLevel`) lets it through. Returns how many
    /// clients it was sent to.
    pub async fn log(&self, level: LogLevel, logger: &str, data: impl Serialize) -> usize {
        let subscribers = &self.subscribers;
        let Some(store) = &subscribers.sessions else {
            return 0;
        };
        #[derive(Serialize)]
        struct LogMessage<'a> {
            level: LogLevel,
            logger: &'a str,
            data: Value,
        }
        let data = serde_json::to_value(data)
            .unwrap_or_else(|e| Value::String(format!("<unserializable log data: {e}>")));
        let message = LogMessage {
            level,
            logger,
            data,
        };
        let Ok(message) = jsonrpc::outgoing(None, ServerMethod::Log, &message) else {
            return 0;
        };
        let mut reached = 0;
        for session in subscribers.streams.sessions() {
            let wanted = match store.get(&session).await {
                Ok(Some(state)) => state.log_level.is_none_or(|min| level >= min),
                _ => false,
            };
            if wanted && subscribers.streams.notify(&session, &message) {
                reached += 1;
            }
        }
        reached
    }

    /// Tells the clients subscribed to `uri` that it changed
    /// (`notifications/resources/updated`): sessions that called
    /// `resources/subscribe` (on their standalone stream), and
    /// `subscriptions/listen` streams that named it. Returns how many were
    /// told by this process; with several replicas
    /// ([`McpServer::share`](crate::McpServer::share)), the others tell
    /// their own.
    ///
    /// ```
    /// # async fn f(mcp: mcp_runtime::McpServer) {
    /// // After the item changed in the database:
    /// mcp.notifier().resource_updated("items://42").await;
    /// # }
    /// ```
    pub async fn resource_updated(&self, uri: &str) -> usize {
        let reached = self.subscribers.resource_updated(uri).await;
        self.subscribers.relay.send(Relayed::Updated {
            uri: uri.to_owned(),
        });
        reached
    }
}
