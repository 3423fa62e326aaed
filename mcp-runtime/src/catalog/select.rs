//! Choosing what one server exposes from everything registered: filters by
//! name, tag, HTTP method, route path and module; tags given by module; and
//! tool names renamed or prefixed. Applied before anything is compiled, so
//! a filtered-out item is not there at all (not listed, called, read or
//! completed) and cannot collide with another's name.

use actix_web::http::Method;

use crate::catalog::error::{ItemKind, Problem};
use crate::handler::defs::{Defs, Handler, Location, PromptDef, ResourceDef, ToolDef};
use crate::schema::route::Route;

/// Which of the registered tools, prompts and resources a server exposes
/// (default: all of them). Given to
/// [`McpServerBuilder::filter`](crate::McpServerBuilder::filter).
///
/// An item is exposed when it passes the includes and matches no exclude:
///
/// | rules given | an item is exposed when |
/// |---|---|
/// | none | always |
/// | includes only | it matches **every kind** of include given (names, tags, methods, paths, modules), each kind by **any** of its values |
/// | excludes only | it matches no exclude of any kind |
/// | both | it passes the includes **and** matches no exclude (an exclude always wins) |
///
/// So `include_tags(["public"]).include_methods([Method::GET])` is the public
/// GET items, and `include_names(["a"]).exclude_names(["a"])` is nothing.
/// Methods and paths are a route's (as written in its attribute, `*`
/// matching any characters): an item without a route (a hand-written tool,
/// a prompt) never matches them, so a method or path include leaves it out
/// and a method or path exclude keeps it. Modules are the handler's Rust
/// path (`my_app::admin` covers `my_app::admin::delete_user`). Names are
/// the names as written, before [`rename`](crate::McpServerBuilder::rename)
/// and [`prefix`](crate::McpServerBuilder::prefix).
///
/// ```
/// use actix_web::http::Method;
/// use mcp_runtime::config::Filter;
///
/// // The public read-only view: GET items tagged `public`, minus one.
/// let public = Filter::new()
///     .include_tags(["public"])
///     .include_methods([Method::GET])
///     .exclude_names(["internal_stats"]);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Filter {
    include: Rules,
    exclude: Rules,
}

/// One side of a filter: values per kind of rule.
#[derive(Debug, Clone, Default)]
struct Rules {
    names: Vec<String>,
    tags: Vec<String>,
    methods: Vec<Method>,
    paths: Vec<String>,
    modules: Vec<String>,
}

fn strings<S: Into<String>>(values: impl IntoIterator<Item = S>) -> impl Iterator<Item = String> {
    values.into_iter().map(Into::into)
}

impl Filter {
    /// Everything (add rules to narrow it).
    pub fn new() -> Self {
        Filter::default()
    }

    /// Only items with one of these names.
    pub fn include_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.include.names.extend(strings(names));
        self
    }

    /// Not the items with these names.
    pub fn exclude_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.exclude.names.extend(strings(names));
        self
    }

    /// Only items with one of these tags (`tags = [...]`, or
    /// [`tag_module`](crate::McpServerBuilder::tag_module)).
    pub fn include_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.include.tags.extend(strings(tags));
        self
    }

    /// Not the items with any of these tags.
    pub fn exclude_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.exclude.tags.extend(strings(tags));
        self
    }

    /// Only route items whose (first) method is one of these.
    pub fn include_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.include.methods.extend(methods);
        self
    }

    /// Not the route items whose (first) method is one of these.
    pub fn exclude_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.exclude.methods.extend(methods);
        self
    }

    /// Only route items whose path matches one of these patterns
    /// (`/items/*`; `*` matches any characters).
    pub fn include_paths<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.include.paths.extend(strings(patterns));
        self
    }

    /// Not the route items whose path matches one of these patterns.
    pub fn exclude_paths<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.exclude.paths.extend(strings(patterns));
        self
    }

    /// Only items whose handler is in one of these Rust modules.
    pub fn include_modules<S: Into<String>>(
        mut self,
        modules: impl IntoIterator<Item = S>,
    ) -> Self {
        self.include.modules.extend(strings(modules));
        self
    }

    /// Not the items whose handler is in one of these Rust modules.
    pub fn exclude_modules<S: Into<String>>(
        mut self,
        modules: impl IntoIterator<Item = S>,
    ) -> Self {
        self.exclude.modules.extend(strings(modules));
        self
    }

    fn exposes(&self, item: &Candidate<'_>) -> bool {
        self.include.all_match(item) && !self.exclude.any_matches(item)
    }
}

/// What a filter sees of an item.
struct Candidate<'a> {
    name: &'a str,
    tags: Vec<&'a str>,
    route: Option<Route>,
    module: &'a str,
}

impl Rules {
    /// Every kind of rule given matches (by any of its values).
    fn all_match(&self, c: &Candidate<'_>) -> bool {
        self.checks(c).into_iter().all(|(given, hit)| !given || hit)
    }

    /// Some rule matches.
    fn any_matches(&self, c: &Candidate<'_>) -> bool {
        self.checks(c).into_iter().any(|(given, hit)| given && hit)
    }

    /// Per kind of rule: whether any is given, and whether one matches.
    fn checks(&self, c: &Candidate<'_>) -> [(bool, bool); 5] {
        let route = c.route.as_ref();
        [
            (
                !self.names.is_empty(),
                self.names.iter().any(|n| n == c.name),
            ),
            (
                !self.tags.is_empty(),
                self.tags.iter().any(|t| c.tags.contains(&t.as_str())),
            ),
            (
                !self.methods.is_empty(),
                route
                    .and_then(|r| r.methods.first())
                    .is_some_and(|m| self.methods.contains(&m.to_actix())),
            ),
            (
                !self.paths.is_empty(),
                route.is_some_and(|r| self.paths.iter().any(|p| glob(p, r.path))),
            ),
            (
                !self.modules.is_empty(),
                self.modules.iter().any(|m| in_module(c.module, m)),
            ),
        ]
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any characters.
fn glob(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut text) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('*').collect();
    let (last, middle) = parts.split_last().expect("split yields one part at least");
    for part in middle {
        match text.find(part) {
            Some(at) => text = &text[at + part.len()..],
            None => return false,
        }
    }
    text.len() >= last.len() && text.ends_with(last)
}

/// Whether the function at `handler` (`a::b::f`) is in `module` (`a::b`).
fn in_module(handler: &str, module: &str) -> bool {
    let module = module.trim_end_matches("::");
    handler
        .strip_prefix(module)
        .is_some_and(|rest| rest.starts_with("::"))
}

/// Everything that shapes what a server exposes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    pub filter: Filter,
    /// `(module, tag)`: the tag for every item in the module.
    pub module_tags: Vec<(String, String)>,
    /// `(from, to)`: tool renames.
    pub renames: Vec<(String, String)>,
    /// Put before every tool's name.
    pub prefix: Option<String>,
    /// `(module, prefix)`: put before the names of the module's tools.
    pub module_prefixes: Vec<(String, String)>,
    /// GET tools as resources.
    pub route_map: Option<RouteMap>,
}

/// Which `GET` tools also become resources, under which URI scheme, and
/// whether they stay tools. Given to
/// [`McpServerBuilder::route_map`](crate::McpServerBuilder::route_map).
///
/// A tool on `GET /items/{id}` becomes the resource template
/// `items://items/{id}` (scheme `items`; a segment's regex is dropped), named
/// and described as the tool, with its `requires_auth` and scopes; reading
/// `items://items/7` is `GET /items/7` through the app, its response the
/// contents. Query parameters keep their defaults. A tool without path
/// segments becomes a plain resource (`items://stats`).
///
/// ```
/// use mcp_runtime::config::{Filter, RouteMap};
///
/// // Every GET tool tagged `catalog` as a resource only.
/// let map = RouteMap::resources("items")
///     .only(Filter::new().include_tags(["catalog"]))
///     .instead();
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RouteMap {
    scheme: String,
    instead: bool,
    only: Filter,
}

impl RouteMap {
    /// Every `GET` tool also as a resource under `scheme://`.
    pub fn resources(scheme: impl Into<String>) -> Self {
        RouteMap {
            scheme: scheme.into(),
            instead: false,
            only: Filter::new(),
        }
    }

    /// As resources only: the mapped tools are no longer tools.
    pub fn instead(mut self) -> Self {
        self.instead = true;
        self
    }

    /// Only the `GET` tools `filter` selects.
    pub fn only(mut self, filter: Filter) -> Self {
        self.only = filter;
        self
    }

    /// The resource `def` (a GET route tool this map selects) becomes.
    fn resource(
        &self,
        def: &'static ToolDef,
        selection: &Selection,
    ) -> Option<&'static ResourceDef> {
        let Handler::Route(route) = def.handler else {
            return None;
        };
        let get = route.methods.first() == Some(&crate::schema::route::HttpMethod::Get);
        let candidate = selection.candidate(def.name, def.tags, Some(route), def.location);
        if !get || !self.only.exposes(&candidate) {
            return None;
        }
        let uri = format!("{}://{}", self.scheme, without_patterns(route.path));
        // Once per server: the definition lives as long as it does.
        Some(Box::leak(Box::new(ResourceDef {
            name: def.name,
            title: def.title,
            description: Some(def.description),
            uri: Box::leak(uri.into_boxed_str()),
            mime_type: None,
            requires_auth: def.requires_auth,
            scopes: def.scopes,
            tags: def.tags,
            route,
            completions: &[],
            location: def.location,
        })))
    }
}

/// A route path as URI text: without its leading slash, and `{id:\\d+}`
/// (whose regex may hold braces of its own) as `{id}`.
fn without_patterns(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let (mut depth, mut pattern) = (0usize, false);
    for c in path.trim_start_matches('/').chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ':' if depth == 1 && !pattern => {
                pattern = true;
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            pattern = false;
        }
        if !pattern || (depth == 0 && c == '}') {
            out.push(c);
        }
    }
    out
}

/// The longest tool name many clients accept (the spec allows 128; OpenAI
/// and others refuse more than 64). Names this server changes must fit.
pub(crate) const MAX_CHANGED_NAME: usize = 64;

impl Selection {
    /// The items this server exposes, under their final names; problems
    /// for settings that name nothing or make names clients refuse.
    pub(crate) fn apply(&self, defs: Defs, problems: &mut Vec<Problem>) -> Defs {
        let mut tools: Vec<&'static ToolDef> = defs
            .tools
            .into_iter()
            .filter(|d| self.exposes(d.name, d.tags, route_of(d), d.location))
            .collect();
        let mut mapped = Vec::new();
        if let Some(map) = &self.route_map {
            tools.retain(|def| match map.resource(def, self) {
                Some(resource) => {
                    mapped.push(resource);
                    !map.instead
                }
                None => true,
            });
        }
        for (from, _) in &self.renames {
            if !tools.iter().any(|t| t.name == from) {
                problems.push(Problem::UnknownTool {
                    tool: from.clone(),
                    setting: "rename",
                });
            }
        }
        let tools = tools
            .into_iter()
            .map(|def| self.named(def, problems))
            .collect();
        Defs {
            tools,
            prompts: defs
                .prompts
                .into_iter()
                .filter(|d| self.exposes(d.name, d.tags, None, d.location))
                .map(|def| self.named(def, problems))
                .collect(),
            resources: defs
                .resources
                .into_iter()
                .filter(|d| self.exposes(d.name, d.tags, Some(d.route), d.location))
                .chain(mapped)
                .collect(),
        }
    }

    fn exposes(
        &self,
        name: &str,
        tags: &[&'static str],
        route: Option<Route>,
        at: Location,
    ) -> bool {
        self.filter.exposes(&self.candidate(name, tags, route, at))
    }

    /// What filters see of an item: its tags include its module's.
    fn candidate<'a>(
        &'a self,
        name: &'a str,
        tags: &[&'a str],
        route: Option<Route>,
        at: Location,
    ) -> Candidate<'a> {
        let mut all: Vec<&str> = tags.to_vec();
        all.extend(
            self.module_tags
                .iter()
                .filter(|(module, _)| in_module(at.handler, module))
                .map(|(_, tag)| tag.as_str()),
        );
        Candidate {
            name,
            tags: all,
            route,
            module: at.handler,
        }
    }

    /// `def` under its final name: renamed (tools), then prefixed. A
    /// changed name must be one clients accept.
    fn named<D: Named>(&self, def: &'static D, problems: &mut Vec<Problem>) -> &'static D {
        let (name, location) = (def.name(), def.location());
        let renamed = match D::KIND {
            ItemKind::Tool => self
                .renames
                .iter()
                .find(|(from, _)| from == name)
                .map_or(name, |(_, to)| to.as_str()),
            ItemKind::Prompt | ItemKind::Resource => name,
        };
        let module = self
            .module_prefixes
            .iter()
            .filter(|(module, _)| in_module(location.handler, module))
            .max_by_key(|(module, _)| module.len())
            .map_or("", |(_, prefix)| prefix.as_str());
        let global = self.prefix.as_deref().unwrap_or_default();
        let new = format!("{global}{module}{renamed}");
        if new == name {
            return def;
        }
        if let Some(reason) = refused(&new) {
            problems.push(Problem::Invalid {
                kind: D::KIND,
                name,
                location,
                reason: format!("its new name `{new}` {reason}"),
            });
            return def;
        }
        // Once per server: the changed definition lives as long as it does.
        Box::leak(Box::new(def.renamed(Box::leak(new.into_boxed_str()))))
    }
}

/// What clients call by name: tools and prompts (resources are read by URI).
trait Named: Sized + 'static {
    const KIND: ItemKind;
    fn name(&self) -> &'static str;
    fn location(&self) -> Location;
    fn renamed(&self, name: &'static str) -> Self;
}

impl Named for ToolDef {
    const KIND: ItemKind = ItemKind::Tool;
    fn name(&self) -> &'static str {
        self.name
    }
    fn location(&self) -> Location {
        self.location
    }
    fn renamed(&self, name: &'static str) -> Self {
        ToolDef { name, ..*self }
    }
}

impl Named for PromptDef {
    const KIND: ItemKind = ItemKind::Prompt;
    fn name(&self) -> &'static str {
        self.name
    }
    fn location(&self) -> Location {
        self.location
    }
    fn renamed(&self, name: &'static str) -> Self {
        PromptDef { name, ..*self }
    }
}

fn route_of(def: &ToolDef) -> Option<Route> {
    match def.handler {
        Handler::Route(route) => Some(route),
        Handler::Direct { .. } => None,
    }
}

/// Why clients would refuse `name` as a tool name, if they would.
fn refused(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > MAX_CHANGED_NAME {
        return Some(format!(
            "is {} characters long; many clients accept 1 to {MAX_CHANGED_NAME}",
            name.len()
        ));
    }
    let bad: String = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .collect();
    (!bad.is_empty()).then(|| format!("has characters outside `A-Za-z0-9_.-`: {bad:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_characters_at_stars() {
        assert!(glob("/items/*", "/items/{id}"));
        assert!(glob("/items/*", "/items/{id}/parts"));
        assert!(!glob("/items/*", "/orders/1"));
        assert!(glob("*/parts", "/items/{id}/parts"));
        assert!(glob("/a/*/c/*", "/a/b/c/d"));
        assert!(glob("/exact", "/exact") && !glob("/exact", "/exact/"));
        assert!(!glob("/a*b*b", "/ab"));
    }

    #[test]
    fn route_paths_become_uri_text() {
        assert_eq!(without_patterns("/items/{id}"), "items/{id}");
        assert_eq!(
            without_patterns("/items/{id:\\d+}/parts"),
            "items/{id}/parts"
        );
        assert_eq!(without_patterns("/a:b/{x}"), "a:b/{x}");
        assert_eq!(without_patterns("/stats"), "stats");
        assert_eq!(without_patterns("/n/{id:\\d{3}}"), "n/{id}");
    }

    #[test]
    fn modules_are_whole_path_segments() {
        assert!(in_module("app::admin::delete", "app::admin"));
        assert!(in_module("app::admin::delete", "app"));
        assert!(!in_module("app::administration::x", "app::admin"));
    }

    fn candidate<'a>(name: &'a str, tags: Vec<&'a str>) -> Candidate<'a> {
        Candidate {
            name,
            tags,
            route: None,
            module: "app::m::f",
        }
    }

    #[test]
    fn includes_narrow_by_every_kind_and_excludes_win() {
        let f = Filter::new()
            .include_tags(["public"])
            .include_names(["a", "b"]);
        assert!(f.exposes(&candidate("a", vec!["public"])));
        assert!(!f.exposes(&candidate("a", vec![])));
        assert!(!f.exposes(&candidate("c", vec!["public"])));
        let f = f.exclude_names(["a"]);
        assert!(!f.exposes(&candidate("a", vec!["public"])));
        assert!(f.exposes(&candidate("b", vec!["public"])));
        // Route rules never match a route-less item.
        let f = Filter::new().include_methods([Method::GET]);
        assert!(!f.exposes(&candidate("a", vec![])));
        let f = Filter::new().exclude_methods([Method::GET]);
        assert!(f.exposes(&candidate("a", vec![])));
    }

    #[test]
    fn changed_names_must_suit_clients() {
        assert!(refused("inventory_get_item").is_none());
        assert!(refused(&"x".repeat(65)).is_some());
        assert!(refused("has space").is_some());
    }
}
