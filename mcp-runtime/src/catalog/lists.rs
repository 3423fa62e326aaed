//! What the server lists (tools, prompts, resources, resource templates):
//! pages serialized once per change (a stateless page is written from the
//! same bytes with the revision's members added), opaque cursors,
//! and [`Catalog`], which turns items off and on at runtime and tells
//! clients their lists changed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rmcp::model::{ErrorData, Implementation};
use serde_json::value::RawValue;

use crate::catalog::prompt::PromptEntry;
use crate::catalog::registry::Registry;
use crate::catalog::registry::{Has, ToolEntry};
use crate::catalog::resource::ResourceEntry;
use crate::policy::auth::Access;
use crate::protocol::stateless::{Caching, Envelope};
use crate::state::subscriptions::Changed;
use crate::support::sync::{lock, read, write};

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

    /// What turns its entries off.
    fn item(self) -> Item {
        match self {
            List::Tools => Item::Tool,
            List::Prompts => Item::Prompt,
            List::Resources | List::ResourceTemplates => Item::Resource,
        }
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
    /// Its name, as replicas tell each other of changes.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Item::Tool => "tool",
            Item::Prompt => "prompt",
            Item::Resource => "resource",
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn parse(name: &str) -> Option<Item> {
        [Item::Tool, Item::Prompt, Item::Resource]
            .into_iter()
            .find(|i| i.as_str() == name)
    }

    pub(crate) fn changed(self) -> Changed {
        match self {
            Item::Tool => Changed::Tools,
            Item::Prompt => Changed::Prompts,
            Item::Resource => Changed::Resources,
        }
    }
}

/// One listed item: its name (what turns it off), what a caller needs to
/// see it in a per-caller list, and its JSON.
pub(crate) struct Listed {
    pub name: &'static str,
    pub access: Access,
    pub json: Box<RawValue>,
}

/// How lists are served: page size and, for 2026-07-28 clients, how long
/// they may cache them. Given to
/// [`McpServerBuilder::lists`](crate::McpServerBuilder::lists).
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::{McpServer, config::ListConfig};
///
/// let mcp = McpServer::builder()
///     .lists(ListConfig::default().page_size(50).ttl(Duration::from_secs(300)))
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct ListConfig {
    pub(crate) page_size: Option<usize>,
    pub(crate) ttl: Duration,
    pub(crate) per_caller: bool,
}

impl Default for ListConfig {
    fn default() -> Self {
        ListConfig {
            page_size: None,
            ttl: Duration::from_secs(60),
            per_caller: false,
        }
    }
}

impl ListConfig {
    /// Splits `tools/list`, `prompts/list`, `resources/list` and
    /// `resources/templates/list` into pages of `items`, each pointing to
    /// the next with an opaque cursor. Default: one page with everything
    /// (clients that do not paginate see every item).
    pub fn page_size(mut self, items: usize) -> Self {
        self.page_size = Some(items);
        self
    }

    /// How long a stateless (2026-07-28) client may cache list results
    /// (`ttlMs`; default 60 s). The lists are the same for every caller
    /// (`cacheScope: public`) unless they are [per caller](Self::per_caller).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Shows each caller only the items it may use (default: everyone sees
    /// every item, and a protected one answers its challenge when used).
    /// The server's authenticator runs on the list request: a protected
    /// item is listed when it accepts the caller and the caller holds the
    /// item's scopes (which needs
    /// [`auth_with_scopes`](crate::McpServerBuilder::auth_with_scopes));
    /// a caller it rejects sees the public items. Such lists are built per
    /// request and say `cacheScope: "private"` to 2026-07-28 clients.
    ///
    /// A route item's authenticator runs, for a call, inside the route's
    /// scopes and middleware; for a list it runs on the MCP request, so
    /// identity that only a route's own middleware establishes does not
    /// count here.
    ///
    /// ```
    /// let lists = mcp_runtime::config::ListConfig::default().per_caller(true);
    /// ```
    pub fn per_caller(mut self, per_caller: bool) -> Self {
        self.per_caller = per_caller;
        self
    }
}

/// The lists as published, rebuilt whenever an item is turned off or on.
pub(crate) struct Lists {
    page_size: Option<usize>,
    ttl_ms: u64,
    /// Whether lists are built per caller (`ListConfig::per_caller`).
    per_caller: bool,
    /// What a stateless (2026-07-28) page adds to the handshake page (see
    /// [`Page::parts`]): for the published lists, and for per-caller ones.
    public_tail: Box<str>,
    private_tail: Box<str>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Serializes changes, so none is lost between snapshot and swap.
    writer: Mutex<()>,
}

/// The pages of every list at one generation.
pub(crate) struct Snapshot {
    generation: u64,
    hidden: HashSet<(Item, String)>,
    /// By `List::index`: each list's pages, as the handshake era sends them.
    pages: [Vec<Box<str>>; 4],
}

/// A page to send: held with its snapshot, so a change meanwhile does not
/// pull it away.
pub(crate) struct Page<'a> {
    snapshot: Arc<Snapshot>,
    list: List,
    index: usize,
    /// The stateless revision's members, for a stateless request.
    tail: Option<&'a str>,
}

impl Page<'_> {
    /// The page's result as JSON text in two pieces, written one after the
    /// other. A stateless page is the handshake page with the revision's
    /// members (`resultType`, caching, `_meta`) written in place of its
    /// closing brace: one copy of each page is kept, not one per era.
    pub(crate) fn parts(&self) -> [&str; 2] {
        let page = &*self.snapshot.pages[self.list.index()][self.index];
        match self.tail {
            Some(tail) => [open(page), tail],
            None => [page, ""],
        }
    }
}

/// A page without its closing brace, for a tail to close it.
fn open(page: &str) -> &str {
    page.strip_suffix('}').unwrap_or(page)
}

impl Lists {
    /// How long a stateless client may cache what is listed.
    pub(crate) fn ttl_ms(&self) -> u64 {
        self.ttl_ms
    }

    pub(crate) fn new(
        registry: &Registry,
        config: &ListConfig,
        server: &Implementation,
    ) -> Result<Lists, serde_json::Error> {
        let ttl_ms = u64::try_from(config.ttl.as_millis()).unwrap_or(u64::MAX);
        let lists = Lists {
            page_size: config.page_size.filter(|&n| n > 0),
            ttl_ms,
            per_caller: config.per_caller,
            public_tail: tail(server, ttl_ms, false)?,
            private_tail: tail(server, ttl_ms, true)?,
            snapshot: RwLock::new(Arc::new(Snapshot {
                generation: 0,
                hidden: HashSet::new(),
                pages: Default::default(),
            })),
            writer: Mutex::new(()),
        };
        let first = lists.build(registry, 0, HashSet::new());
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

    /// Whether `list` is built for each caller: lists are per caller and
    /// it has protected items.
    pub(crate) fn is_per_caller(&self, registry: &Registry, list: List) -> bool {
        self.per_caller && registry.listed(list).iter().any(|l| l.access.auth)
    }

    /// The page a `cursor` (or none: the first) points to.
    pub(crate) fn page(
        &self,
        list: List,
        stateless: bool,
        cursor: Option<&str>,
    ) -> Result<Page<'_>, ErrorData> {
        let snapshot = self.current();
        let count = snapshot.pages[list.index()].len();
        let index = page_index(cursor, snapshot.generation, count)?;
        Ok(Page {
            snapshot,
            list,
            index,
            tail: stateless.then_some(&*self.public_tail),
        })
    }

    /// The page a `cursor` points to of `list` as one caller sees it: the
    /// items `shown` lets through, rendered for this request.
    pub(crate) fn private_page(
        &self,
        registry: &Registry,
        list: List,
        stateless: bool,
        cursor: Option<&str>,
        shown: impl Fn(Access) -> bool,
    ) -> Result<String, ErrorData> {
        let snapshot = self.current();
        let items: Vec<&RawValue> = registry
            .listed(list)
            .iter()
            .filter(|l| {
                !snapshot.hidden.contains(&(list.item(), l.name.to_owned())) && shown(l.access)
            })
            .map(|l| &*l.json)
            .collect();
        let chunks = self.chunks(&items);
        let index = page_index(cursor, snapshot.generation, chunks.len())?;
        let tail = stateless.then_some(&*self.private_tail);
        Ok(render(list, &chunks, index, snapshot.generation, tail))
    }

    /// Turns `name` off (`enabled: false`) or on; `true` if that changed
    /// anything.
    pub(crate) fn set(&self, registry: &Registry, item: Item, name: &str, enabled: bool) -> bool {
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
            let next = self.build(registry, current.generation + 1, hidden);
            *write(&self.snapshot) = Arc::new(next);
        }
        changed
    }

    fn build(
        &self,
        registry: &Registry,
        generation: u64,
        hidden: HashSet<(Item, String)>,
    ) -> Snapshot {
        let mut pages: [Vec<Box<str>>; 4] = Default::default();
        for list in List::ALL {
            let shown: Vec<&RawValue> = registry
                .listed(list)
                .iter()
                .filter(|l| !hidden.contains(&(list.item(), l.name.to_owned())))
                .map(|l| &*l.json)
                .collect();
            let chunks = self.chunks(&shown);
            pages[list.index()] = (0..chunks.len())
                .map(|i| render(list, &chunks, i, generation, None).into_boxed_str())
                .collect();
        }
        Snapshot {
            generation,
            hidden,
            pages,
        }
    }

    /// `items` in pages (one, empty, when there are none).
    fn chunks<'a>(&self, items: &'a [&'a RawValue]) -> Vec<&'a [&'a RawValue]> {
        if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(self.page_size.unwrap_or(usize::MAX)).collect()
        }
    }
}

/// What a stateless page adds to the handshake page: the envelope's
/// members and the closing brace, `,"resultType":…}`.
fn tail(server: &Implementation, ttl_ms: u64, private: bool) -> serde_json::Result<Box<str>> {
    let envelope = Envelope::complete(server, Some(Caching { ttl_ms, private }));
    let members = serde_json::to_string(&envelope)?;
    let members = members.strip_prefix('{').unwrap_or(&members);
    Ok(format!(",{members}").into_boxed_str())
}

/// Page `i` of `chunks`, `{"tools":[…],"nextCursor":"…"}` (or the list's
/// own key), closed by `tail` when given (see [`Page::parts`]). Written by
/// hand at its final size: a long list grown by doubling is copied as many
/// times, and its items are JSON already.
fn render(
    list: List,
    chunks: &[&[&RawValue]],
    i: usize,
    generation: u64,
    tail: Option<&str>,
) -> String {
    let items = chunks[i];
    let next = (i + 1 < chunks.len()).then(|| encode_cursor(generation, i + 1));
    const NEXT: &str = r#","nextCursor":""#;
    let len = r#"{"":[]}"#.len()
        + list.key().len()
        + items.iter().map(|item| item.get().len()).sum::<usize>()
        + items.len().saturating_sub(1)
        + next.as_ref().map_or(0, |next| NEXT.len() + next.len() + 1)
        + tail.map_or(0, |tail| tail.len() - 1);
    let mut page = String::with_capacity(len);
    page.push_str("{\"");
    page.push_str(list.key());
    page.push_str("\":[");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            page.push(',');
        }
        page.push_str(item.get());
    }
    page.push(']');
    // (A cursor is base64url: nothing in it to escape.)
    if let Some(next) = next {
        page.push_str(NEXT);
        page.push_str(&next);
        page.push('"');
    }
    page.push_str(tail.unwrap_or("}"));
    debug_assert_eq!(
        page.len(),
        len,
        "a page is written at the size it was given"
    );
    page
}

/// Which page `cursor` (none: the first) points to, of `count` pages at
/// `generation`.
fn page_index(cursor: Option<&str>, generation: u64, count: usize) -> Result<usize, ErrorData> {
    let Some(cursor) = cursor else {
        return Ok(0);
    };
    let (issued, index) = decode_cursor(cursor)
        .ok_or_else(|| ErrorData::invalid_params(format!("Invalid cursor: {cursor:?}"), None))?;
    if issued != generation || index >= count {
        return Err(ErrorData::invalid_params(
            format!(
                "Invalid cursor: {cursor:?} (the list changed since it was issued; \
                 list again from the start)"
            ),
            None,
        ));
    }
    Ok(index)
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

/// The registry with the lists as published: every lookup a request makes
/// goes through here, so an item turned off cannot be called, read or
/// completed either.
pub(crate) struct Published {
    pub registry: Registry,
    pub lists: Lists,
}

impl Published {
    /// The tool of that name, unless it is turned off.
    pub(crate) fn tool(&self, name: &str) -> Option<&ToolEntry> {
        self.registry
            .get(name)
            .filter(|_| !self.lists.is_hidden(Item::Tool, name))
    }

    /// The prompt of that name, unless it is turned off.
    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptEntry> {
        self.registry
            .prompt(name)
            .filter(|_| !self.lists.is_hidden(Item::Prompt, name))
    }

    /// The resource `uri` names, with its variables' values.
    pub(crate) fn resource_for(
        &self,
        uri: &str,
    ) -> Option<(&ResourceEntry, Vec<(String, String)>)> {
        self.registry
            .resource_for(uri, |name| self.lists.is_hidden(Item::Resource, name))
    }

    /// The resource whose URI template is `template`, unless it is off.
    pub(crate) fn resource_template(&self, template: &str) -> Option<&ResourceEntry> {
        self.registry
            .resource_template(template)
            .filter(|r| !self.lists.is_hidden(Item::Resource, r.def.name))
    }

    /// Which kinds of items this server has.
    pub(crate) fn has_items(&self) -> Has {
        self.registry.has_items()
    }

    /// Whether an item exists and is on.
    pub(crate) fn is_enabled(&self, item: Item, name: &str) -> bool {
        self.registry.has(item, name) && !self.lists.is_hidden(item, name)
    }

    /// Turns an item off or on: `None` if there is no such item, else
    /// whether the lists changed (they are rebuilt when they did).
    pub(crate) fn set(&self, item: Item, name: &str, enabled: bool) -> Option<bool> {
        if !self.registry.has(item, name) {
            return None;
        }
        Some(self.lists.set(&self.registry, item, name, enabled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page as serde would write it: the oracle for `render`.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Shape<'a> {
        tools: &'a [&'a RawValue],
        #[serde(skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
        #[serde(flatten)]
        envelope: Option<Envelope<'a>>,
    }

    #[test]
    fn a_page_is_written_as_serializing_its_shape_would() {
        let items: Vec<Box<RawValue>> = [
            r#"{"name":"a","inputSchema":{"type":"object"}}"#,
            r#"{"name":"b\"q","title":"\u00e9"}"#,
            r#"{"name":"c"}"#,
        ]
        .into_iter()
        .map(|text| RawValue::from_string(text.to_owned()).unwrap())
        .collect();
        let server = Implementation::new("lists-test", "1.2.3");
        for count in 0..=items.len() {
            let shown: Vec<&RawValue> = items[..count].iter().map(|item| &**item).collect();
            for size in [1, 2, usize::MAX] {
                let chunks: Vec<&[&RawValue]> = if shown.is_empty() {
                    vec![&[]]
                } else {
                    shown.chunks(size).collect()
                };
                for i in 0..chunks.len() {
                    for private in [None, Some(false), Some(true)] {
                        let tail = private.map(|p| tail(&server, 60_000, p).unwrap());
                        let written = render(List::Tools, &chunks, i, 7, tail.as_deref());
                        let expected = serde_json::to_string(&Shape {
                            tools: chunks[i],
                            next_cursor: (i + 1 < chunks.len()).then(|| encode_cursor(7, i + 1)),
                            envelope: private.map(|private| {
                                Envelope::complete(
                                    &server,
                                    Some(Caching {
                                        ttl_ms: 60_000,
                                        private,
                                    }),
                                )
                            }),
                        })
                        .unwrap();
                        assert_eq!(
                            written, expected,
                            "{count} items, pages of {size}, page {i}"
                        );
                        // A kept page and a tail make the same bytes.
                        if let Some(tail) = &tail {
                            let kept = render(List::Tools, &chunks, i, 7, None);
                            assert_eq!(format!("{}{tail}", open(&kept)), written);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(&encode_cursor(7, 3)), Some((7, 3)));
        assert_eq!(decode_cursor("not base64!"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("x.y")), None);
    }
}
