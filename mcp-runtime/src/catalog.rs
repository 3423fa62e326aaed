//! What the server lists (tools, prompts, resources, resource templates):
//! pages serialized once per change in both eras' shapes, opaque cursors,
//! and [`Catalog`], which turns items off and on at runtime and tells
//! clients their lists changed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rmcp::model::{ErrorData, Implementation};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::dispatch::Dispatcher;
use crate::modern;
use crate::registry::Registry;
use crate::subscriptions::Changed;
use crate::sync::{lock, read, write};

/// One of the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum List {
    Tools,
    Prompts,
    Resources,
    ResourceTemplates,
}

impl List {
    const ALL: [List; 4] = [
        List::Tools,
        List::Prompts,
        List::Resources,
        List::ResourceTemplates,
    ];

    /// The result's key for the items.
    fn key(self) -> &'static str {
        match self {
            List::Tools => "tools",
            List::Prompts => "prompts",
            List::Resources => "resources",
            List::ResourceTemplates => "resourceTemplates",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What can be turned off, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Item {
    Tool,
    Prompt,
    Resource,
}

impl Item {
    fn changed(self) -> Changed {
        match self {
            Item::Tool => Changed::Tools,
            Item::Prompt => Changed::Prompts,
            Item::Resource => Changed::Resources,
        }
    }
}

/// One listed item: its name (what turns it off) and its JSON.
pub(crate) struct Listed {
    pub name: &'static str,
    pub json: Box<RawValue>,
}

/// The lists as published, rebuilt whenever an item is turned off or on.
pub(crate) struct Lists {
    page_size: Option<usize>,
    ttl_ms: u64,
    server: Implementation,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Serializes changes, so none is lost between snapshot and swap.
    writer: Mutex<()>,
}

/// The pages of every list at one generation.
pub(crate) struct Snapshot {
    generation: u64,
    hidden: HashSet<(Item, String)>,
    /// By `List::index`.
    pages: [Pages; 4],
}

#[derive(Default)]
struct Pages {
    legacy: Vec<Box<RawValue>>,
    modern: Vec<Box<RawValue>>,
}

/// A page to send: held with its snapshot, so a change meanwhile does not
/// pull it away.
pub(crate) struct Page {
    snapshot: Arc<Snapshot>,
    list: List,
    modern: bool,
    index: usize,
}

impl Page {
    pub(crate) fn get(&self) -> &RawValue {
        let pages = &self.snapshot.pages[self.list.index()];
        let pages = if self.modern {
            &pages.modern
        } else {
            &pages.legacy
        };
        &pages[self.index]
    }
}

impl Lists {
    pub(crate) fn new(
        registry: &Registry,
        page_size: Option<usize>,
        ttl_ms: u64,
        server: Implementation,
    ) -> Result<Lists, serde_json::Error> {
        let lists = Lists {
            page_size: page_size.filter(|&n| n > 0),
            ttl_ms,
            server,
            snapshot: RwLock::new(Arc::new(Snapshot {
                generation: 0,
                hidden: HashSet::new(),
                pages: Default::default(),
            })),
            writer: Mutex::new(()),
        };
        let first = lists.build(registry, 0, HashSet::new())?;
        *write(&lists.snapshot) = Arc::new(first);
        Ok(lists)
    }

    fn current(&self) -> Arc<Snapshot> {
        read(&self.snapshot).clone()
    }

    /// Whether `name` was turned off.
    pub(crate) fn is_hidden(&self, item: Item, name: &str) -> bool {
        let snapshot = self.current();
        !snapshot.hidden.is_empty() && snapshot.hidden.contains(&(item, name.to_owned()))
    }

    /// The page a `cursor` (or none: the first) points to.
    pub(crate) fn page(
        &self,
        list: List,
        modern: bool,
        cursor: Option<&str>,
    ) -> Result<Page, ErrorData> {
        let snapshot = self.current();
        let index = match cursor {
            None => 0,
            Some(cursor) => {
                let (generation, index) = decode_cursor(cursor).ok_or_else(|| {
                    ErrorData::invalid_params(format!("Invalid cursor: {cursor:?}"), None)
                })?;
                let count = snapshot.pages[list.index()].legacy.len();
                if generation != snapshot.generation || index >= count {
                    return Err(ErrorData::invalid_params(
                        format!(
                            "Invalid cursor: {cursor:?} (the list changed since it was issued; \
                             list again from the start)"
                        ),
                        None,
                    ));
                }
                index
            }
        };
        Ok(Page {
            snapshot,
            list,
            modern,
            index,
        })
    }

    /// Turns `name` off (`enabled: false`) or on; `true` if that changed
    /// anything.
    pub(crate) fn set(
        &self,
        registry: &Registry,
        item: Item,
        name: &str,
        enabled: bool,
    ) -> Result<bool, serde_json::Error> {
        let _writer = lock(&self.writer);
        let current = self.current();
        let mut hidden = current.hidden.clone();
        let key = (item, name.to_owned());
        let changed = if enabled {
            hidden.remove(&key)
        } else {
            hidden.insert(key)
        };
        if changed {
            let next = self.build(registry, current.generation + 1, hidden)?;
            *write(&self.snapshot) = Arc::new(next);
        }
        Ok(changed)
    }

    fn build(
        &self,
        registry: &Registry,
        generation: u64,
        hidden: HashSet<(Item, String)>,
    ) -> Result<Snapshot, serde_json::Error> {
        let mut pages: [Pages; 4] = Default::default();
        for list in List::ALL {
            let item = match list {
                List::Tools => Item::Tool,
                List::Prompts => Item::Prompt,
                List::Resources | List::ResourceTemplates => Item::Resource,
            };
            let shown: Vec<&RawValue> = registry
                .listed(list)
                .iter()
                .filter(|l| !hidden.contains(&(item, l.name.to_owned())))
                .map(|l| &*l.json)
                .collect();
            let size = self.page_size.unwrap_or(usize::MAX);
            let chunks: Vec<&[&RawValue]> = if shown.is_empty() {
                vec![&[]]
            } else {
                shown.chunks(size).collect()
            };
            for (i, chunk) in chunks.iter().enumerate() {
                let next = (i + 1 < chunks.len()).then(|| encode_cursor(generation, i + 1));
                let mut result = Map::new();
                result.insert(
                    list.key().into(),
                    Value::Array(
                        chunk
                            .iter()
                            .map(|raw| serde_json::from_str(raw.get()))
                            .collect::<Result<_, _>>()?,
                    ),
                );
                if let Some(next) = next {
                    result.insert("nextCursor".into(), next.into());
                }
                let page = &mut pages[list.index()];
                page.legacy.push(serde_json::value::to_raw_value(&result)?);
                // What is listed does not depend on the caller: `public`.
                modern::cacheable(&mut result, self.ttl_ms, false);
                modern::complete(&mut result, &self.server);
                page.modern.push(serde_json::value::to_raw_value(&result)?);
            }
        }
        Ok(Snapshot {
            generation,
            hidden,
            pages,
        })
    }
}

fn encode_cursor(generation: u64, index: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{generation}.{index}"))
}

fn decode_cursor(cursor: &str) -> Option<(u64, usize)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (generation, index) = text.split_once('.')?;
    Some((generation.parse().ok()?, index.parse().ok()?))
}

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
    pub(crate) dispatcher: Arc<Dispatcher>,
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
        let d = &self.dispatcher;
        d.registry.has(item, name) && !d.lists.is_hidden(item, name)
    }

    fn set(&self, item: Item, name: &str, enabled: bool) -> bool {
        let d = &self.dispatcher;
        if !d.registry.has(item, name) {
            return false;
        }
        match d.lists.set(&d.registry, item, name, enabled) {
            Ok(true) => {
                d.subscribers.list_changed(item.changed());
            }
            Ok(false) => {}
            Err(e) => tracing::error!("mcp-runtime: the lists could not be rebuilt: {e}"),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(7, 3)), Some((7, 3)));
        assert_eq!(decode_cursor("not base64!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("x.y")), None);
    }
}
