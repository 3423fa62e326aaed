//! [`Catalog`]: the public handle that turns items off and on at runtime.

use std::sync::Arc;

use crate::catalog::lists::{Item, Published};
use crate::state::relay::Relayed;
use crate::state::subscriptions::Subscribers;

/// Turns tools, prompts and resources off and on while the server runs.
/// Get one from [`McpServer::catalog`](crate::McpServer::catalog); it is
/// cheap to clone and `Send`.
///
/// A change publishes new lists at once and tells clients: sessions with a
/// standalone stream get `notifications/…/list_changed`, and so do
/// `subscriptions/listen` streams that opted in. A turned-off item is gone
/// for every purpose: calls, reads and gets answer as for an unknown name.
///
/// ```
/// use actix_web::get;
/// use mcp_runtime::{McpServer, mcp_tool};
///
/// /// Start a maintenance run.
/// #[mcp_tool]
/// #[get("/maintenance")]
/// async fn maintenance() -> &'static str {
///     "started"
/// }
///
/// let mcp = McpServer::from_registry().build().unwrap();
/// let catalog = mcp.catalog();
/// assert!(catalog.disable_tool("maintenance"));
/// assert!(!catalog.is_tool_enabled("maintenance"));
/// assert!(catalog.enable_tool("maintenance"));
/// assert!(!catalog.disable_tool("no_such_tool"));
/// ```
#[derive(Clone)]
pub struct Catalog {
    pub(crate) published: Arc<Published>,
    pub(crate) subscribers: Arc<Subscribers>,
}

impl Catalog {
    /// Turns a tool off; `false` if no tool has that name.
    pub fn disable_tool(&self, name: &str) -> bool {
        self.set(Item::Tool, name, false)
    }

    /// Turns a tool back on; `false` if no tool has that name.
    pub fn enable_tool(&self, name: &str) -> bool {
        self.set(Item::Tool, name, true)
    }

    /// Whether a tool exists and is on.
    pub fn is_tool_enabled(&self, name: &str) -> bool {
        self.is_enabled(Item::Tool, name)
    }

    /// Turns a prompt off; `false` if no prompt has that name.
    pub fn disable_prompt(&self, name: &str) -> bool {
        self.set(Item::Prompt, name, false)
    }

    /// Turns a prompt back on; `false` if no prompt has that name.
    pub fn enable_prompt(&self, name: &str) -> bool {
        self.set(Item::Prompt, name, true)
    }

    /// Whether a prompt exists and is on.
    pub fn is_prompt_enabled(&self, name: &str) -> bool {
        self.is_enabled(Item::Prompt, name)
    }

    /// Turns a resource (or resource template) off, by its name; `false`
    /// if no resource has that name.
    pub fn disable_resource(&self, name: &str) -> bool {
        self.set(Item::Resource, name, false)
    }

    /// Turns a resource back on; `false` if no resource has that name.
    pub fn enable_resource(&self, name: &str) -> bool {
        self.set(Item::Resource, name, true)
    }

    /// Whether a resource exists and is on.
    pub fn is_resource_enabled(&self, name: &str) -> bool {
        self.is_enabled(Item::Resource, name)
    }

    fn is_enabled(&self, item: Item, name: &str) -> bool {
        self.published.is_enabled(item, name)
    }

    fn set(&self, item: Item, name: &str, enabled: bool) -> bool {
        let known = self.apply(item, name, enabled);
        if known {
            self.subscribers.relay.send(Relayed::Catalog {
                item: item.as_str().to_owned(),
                name: name.to_owned(),
                enabled,
            });
        }
        known
    }

    /// Turns the item off or on here, telling this process's clients if
    /// that changed their lists; `false` if there is no such item.
    pub(crate) fn apply(&self, item: Item, name: &str, enabled: bool) -> bool {
        match self.published.set(item, name, enabled) {
            None => false,
            Some(changed) => {
                if changed {
                    self.subscribers.list_changed(item.changed());
                }
                true
            }
        }
    }
}
