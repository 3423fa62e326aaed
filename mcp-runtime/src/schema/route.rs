//! Routes as the macros record them (`HttpMethod`, `Route`) and as actix
//! parses their path templates (`Template`): segment names, patterns and
//! the tail segment, shared by tool calls and resource reads.

use std::fmt;

use actix_web::http::Method;
use regex_lite::Regex;

/// An HTTP method of a route attribute.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Trace,
    Connect,
}

/// The REST route a tool's handler also serves, as written in its attribute
/// (relative to whatever scope the service is registered in).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The route's methods; a tool call uses the first.
    pub methods: &'static [HttpMethod],
    pub path: &'static str,
    /// The item it serves, as its handler and locator know it (whatever
    /// name the server exposes it under).
    pub exposed: Exposed,
}

/// What a route is exposed as: the item's name as its attribute gives it,
/// qualified by the handler's module (`my_app::inventory::list`), so two
/// modules' items of one name stay two routes. Its locator (see
/// `__private::register_route`) is named after it, and a call's mark
/// names it, whatever name the server exposes the item under.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposed {
    Tool(&'static str),
    Resource(&'static str),
}

impl Exposed {
    /// The resource name under which the route's pattern is registered in
    /// the app, so its full path (scope prefixes included) can be looked up.
    pub(crate) fn locator_name(self) -> String {
        match self {
            Exposed::Tool(name) => ["mcp-runtime:tool:", name].concat(),
            Exposed::Resource(name) => ["mcp-runtime:resource:", name].concat(),
        }
    }
}

/// Why a route's path template cannot be parsed (where actix would refuse
/// it too).
#[derive(Debug)]
pub(crate) enum TemplateError {
    /// A `{` without its `}`.
    Unclosed(String),
    /// A segment's regex does not compile.
    Pattern {
        path: String,
        name: String,
        error: regex_lite::Error,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unclosed(path) => write!(f, "the route `{path}` has an unclosed `{{`"),
            TemplateError::Pattern { path, name, error } => write!(
                f,
                "the route `{path}` has an invalid pattern for `{name}`: {error}"
            ),
        }
    }
}

/// A route's path template, parsed as actix parses it.
#[derive(Debug)]
pub(crate) struct Template {
    pub params: Vec<Segment>,
}

/// One dynamic segment: `{name}`, `{name:regex}` or the tail `{name}*`.
#[derive(Debug)]
pub(crate) struct Segment {
    pub name: String,
    /// The segment's own pattern (`[^/]+` by default, `.*` for a tail).
    pub pattern: String,
    pub matcher: Matcher,
}

/// What a segment's value must match. The defaults are checked without a
/// regex engine: every call checks its path arguments.
#[derive(Debug)]
pub(crate) enum Matcher {
    /// `{name}`: one segment, not empty (`[^/]+`).
    Segment,
    /// `{name}*`: anything (`.*`).
    Tail,
    /// `{name:regex}`: the route's own pattern.
    Custom(Regex),
}

impl Segment {
    /// Whether `text` (as the router sees it) matches the segment.
    pub(crate) fn matches(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Segment => !text.is_empty() && !text.contains('/'),
            Matcher::Tail => true,
            Matcher::Custom(regex) => regex.is_match(text),
        }
    }
}

impl Template {
    /// Parses `{name}`, `{name:regex}` (the regex may hold braces) and a
    /// final `{name}*`, like `actix_router::ResourceDef`.
    pub(crate) fn parse(path: &str) -> Result<Template, TemplateError> {
        let mut params = Vec::new();
        for found in scan(path)? {
            let (inner, tail) = (found.inner, found.tail);
            let (name, pattern, matcher) = match inner.split_once(':') {
                Some((name, regex)) => {
                    let matcher = Regex::new(&format!("(?s)^(?:{regex})$")).map_err(|error| {
                        TemplateError::Pattern {
                            path: path.to_owned(),
                            name: name.trim().to_owned(),
                            error,
                        }
                    })?;
                    (name, regex.to_owned(), Matcher::Custom(matcher))
                }
                None if tail => (inner, ".*".to_owned(), Matcher::Tail),
                None => (inner, "[^/]+".to_owned(), Matcher::Segment),
            };
            params.push(Segment {
                name: name.trim().to_owned(),
                pattern,
                matcher,
            });
        }
        Ok(Template { params })
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.params.iter().map(|p| p.name.as_str()).collect()
    }

    pub(crate) fn param(&self, name: &str) -> Option<&Segment> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A segment as written in a route's path.
struct Found<'a> {
    /// Where it starts (`{`) and ends (after `}`, and after a tail's `*`).
    start: usize,
    end: usize,
    /// Between the braces: `name` or `name:regex`.
    inner: &'a str,
    /// A final `{name}*`.
    tail: bool,
}

/// The segments of `path`, in order, found as `actix_router` finds them (a
/// regex may hold braces of its own).
fn scan(path: &str) -> Result<Vec<Found<'_>>, TemplateError> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = path[from..].find('{').map(|i| from + i) {
        let mut depth = 0usize;
        let close = path[start..]
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(start + i);
                        }
                    }
                    _ => {}
                }
                None
            })
            .ok_or_else(|| TemplateError::Unclosed(path.to_owned()))?;
        let tail = &path[close + 1..] == "*";
        let end = close + 1 + usize::from(tail);
        found.push(Found {
            start,
            end,
            inner: &path[start + 1..close],
            tail,
        });
        from = end;
    }
    Ok(found)
}

/// Marks a segment in a route's locator pattern: this, the segment's name
/// in hex, `~`. Unreserved characters only, so the resource map renders the
/// mark as written.
pub(crate) const MARK: &str = "~mcp~";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `path` as a static pattern, each segment replaced by its mark: the
/// locator registered with it costs the router no regex, and rendering it
/// gives the route's full path with the marks where the values go.
pub(crate) fn marked(path: &str) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(path.len() + 16);
    let mut copied = 0;
    for found in scan(path)? {
        out.push_str(&path[copied..found.start]);
        let name = found.inner.split_once(':').map_or(found.inner, |(n, _)| n);
        out.push_str(MARK);
        for byte in name.trim().bytes() {
            out.extend([HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]].map(char::from));
        }
        out.push('~');
        copied = found.end;
    }
    out.push_str(&path[copied..]);
    Ok(out)
}

/// The segment name a mark's hex stands for.
pub(crate) fn unmark(hex: &str) -> Option<String> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

impl HttpMethod {
    pub(crate) fn to_actix(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
            HttpMethod::Head => Method::HEAD,
            HttpMethod::Options => Method::OPTIONS,
            HttpMethod::Trace => Method::TRACE,
            HttpMethod::Connect => Method::CONNECT,
        }
    }
}
