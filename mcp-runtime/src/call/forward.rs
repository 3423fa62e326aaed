//! Turning a tool call into the REST request it stands for: the route's
//! method, its path rendered from the path arguments (checked against the
//! route's own segment patterns), the query string, a JSON or form body,
//! and the headers this module's policy lets through. `app` then sends it
//! through the application (see the module docs there for why).
//!
//! # Header policy
//!
//! A tool's request carries the MCP request's headers — credentials
//! (`Authorization`, `Cookie`, API-key headers), `Accept-Language`,
//! `User-Agent`, `X-Request-Id`, `Forwarded`/`X-Forwarded-*`, `Host`,
//! `Origin` — except those that describe the MCP POST itself or would
//! change what the call means:
//!
//! * hop-by-hop headers (`Connection`, `Keep-Alive`, `TE`, `Trailer`,
//!   `Transfer-Encoding`, `Upgrade`, `Proxy-Authorization`,
//!   `Proxy-Connection`), every header the request's `Connection` names,
//!   and `Expect`;
//! * the MCP POST's body and content negotiation (`Content-Type`,
//!   `Content-Length`, `Content-Encoding`, `Accept`, `Accept-Encoding`):
//!   the tool's request gets its own `Content-Type`/`Content-Length` for the
//!   body it carries, and `Accept: application/json, */*;q=0.5`;
//! * conditional and range headers (`If-Match`, `If-None-Match`,
//!   `If-Modified-Since`, `If-Unmodified-Since`, `If-Range`, `Range`): a
//!   client's cache validators for `/mcp` say nothing about the tool's
//!   resource, and must not turn a call into an empty `304`;
//! * MCP's own headers (`Mcp-Session-Id`, `MCP-Protocol-Version`,
//!   `Last-Event-ID`, `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`).
//!
//! The peer address and HTTP version are those of the MCP request. Request
//! extensions set by middleware around the MCP endpoint are not carried
//! over unless their type is named with `McpServerBuilder::carry_extension`,
//! since the route's own middleware runs again and sets what REST would see.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use actix_http::Request;
use actix_web::dev::Payload;
use actix_web::http::Uri;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpMessage as _, HttpRequest};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value};
use smallvec::SmallVec;

use crate::call::app::AppHandle;
use crate::handler::arguments::{ArgumentError, Plan, Slot, Source, decode_base64};
use crate::schema::route::HttpMethod;
use crate::schema::route::{MARK, Matcher, Segment, Template, unmark};

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path segment's value as actix's router sees it: the router decodes
/// every escape except `%`, `/` and `+`, so a value matches its segment's
/// pattern in exactly this form.
fn router_view(value: &str) -> Cow<'_, str> {
    if !value.contains(['%', '/', '+']) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            '+' => out.push_str("%2B"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A scalar argument as the text of a path segment or query value.
fn scalar_text<'a>(name: &str, value: &'a Value) -> Result<Option<Cow<'a, str>>, ArgumentError> {
    Ok(match value {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Array(_) | Value::Object(_) => {
            return Err(ArgumentError::new(
                name,
                "must be a string, number or boolean (it is sent in the URL)",
            ));
        }
    })
}

/// Checks a path argument against its segment and returns it encoded
/// (borrowed from the argument when it needs no escapes, as most do).
fn segment<'v>(
    param: &Segment,
    argument: &str,
    value: &'v Value,
) -> Result<Cow<'v, str>, ArgumentError> {
    let text = scalar_text(argument, value)?
        .ok_or_else(|| ArgumentError::new(argument, "must not be null (it is a path segment)"))?;
    // A segment whose pattern spans `/` (a tail `{rest}*`, `{path:.*}`)
    // takes the value's slashes as they are, as a REST client writes the
    // path; its pieces are encoded one by one. A piece that is a dot
    // segment would be resolved away by URL rendering, so such a value
    // keeps its slashes escaped.
    if text.contains('/')
        && !text.split('/').any(|piece| piece == "." || piece == "..")
        && param.matches(&router_view(&text).replace("%2F", "/"))
    {
        let pieces: Vec<String> = text
            .split('/')
            .map(|piece| utf8_percent_encode(piece, SEGMENT).to_string())
            .collect();
        return Ok(Cow::Owned(pieces.join("/")));
    }
    if !param.matches(&router_view(&text)) {
        let rule = match param.matcher {
            Matcher::Segment => "must not be empty".to_owned(),
            _ => format!("does not match the route's pattern `{}`", param.pattern),
        };
        return Err(ArgumentError::new(argument, rule));
    }
    Ok(match text {
        Cow::Borrowed(text) => Cow::from(utf8_percent_encode(text, SEGMENT)),
        Cow::Owned(text) => Cow::Owned(utf8_percent_encode(&text, SEGMENT).to_string()),
    })
}

/// How a segment that is a dot segment is written in the path: escaped,
/// so that nothing on the way resolves it (which would take the call to
/// another route), while the router decodes it back to the value.
fn escape_dots(encoded: &str) -> &str {
    match encoded {
        "." => "%2E",
        ".." => "%2E%2E",
        other => other,
    }
}

/// Routes' full paths, scope prefixes included, as the app's resource map
/// renders them, split around their segments: rendered once per route and
/// app (the app's [`AppHandle`](crate::call::app::AppHandle) keeps them),
/// then filled in per call with no URL to build and parse. (Hashed with
/// `foldhash`: the keys are the runtime's own locators.)
#[derive(Default)]
pub(crate) struct Paths(RefCell<HashMap<String, Rc<[Piece]>, foldhash::fast::RandomState>>);

/// A piece of a route's rendered path.
#[derive(Debug, PartialEq)]
enum Piece {
    Literal(Box<str>),
    Segment(Box<str>),
}

impl Piece {
    /// The piece as written in the path, a segment's from `segments`.
    fn text<'p>(&'p self, segments: &'p Segments<'_, '_>) -> Result<&'p str, Unroutable> {
        match self {
            Piece::Literal(text) => Ok(text),
            Piece::Segment(name) => segments
                .get(name)
                .map(escape_dots)
                .ok_or(Unroutable::ScopeSegments),
        }
    }
}

impl Paths {
    /// The path of the route `locator` names, its segments filled in from
    /// `segments` (encoded already).
    fn render(
        &self,
        host: &HttpRequest,
        locator: &str,
        segments: &Segments<'_, '_>,
    ) -> Result<String, Unroutable> {
        let cached = self.0.borrow().get(locator).cloned();
        let template = match cached {
            Some(template) => template,
            None => {
                let template = template(host, locator)?;
                self.0
                    .borrow_mut()
                    .insert(locator.to_owned(), template.clone());
                template
            }
        };
        let mut path = String::with_capacity(64);
        for piece in template.iter() {
            path.push_str(piece.text(segments)?);
        }
        Ok(path)
    }
}

/// Renders `locator`'s path (its pattern marked, see
/// `schema::route::marked`) through the app's resource map, and splits it
/// around the marks.
fn template(host: &HttpRequest, locator: &str) -> Result<Rc<[Piece]>, Unroutable> {
    use actix_web::error::UrlGenerationError;
    // The route's own segments are marks already; a scope's are missing.
    let none: HashMap<&str, &str> = HashMap::new();
    let url = host
        .resource_map()
        .url_for_map(host, locator, &none)
        .map_err(|e| match e {
            UrlGenerationError::ResourceNotFound => Unroutable::NotMounted,
            UrlGenerationError::NotEnoughElements => Unroutable::ScopeSegments,
            other => Unroutable::BadUri(other.to_string()),
        })?;
    Ok(split_marks(url.path()).into())
}

/// `path`'s literal pieces and its marked segments.
fn split_marks(path: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = path;
    while let Some(at) = rest.find(MARK) {
        let after = &rest[at + MARK.len()..];
        let marked = after
            .split_once('~')
            .and_then(|(hex, tail)| Some((unmark(hex)?, tail)));
        let Some((name, tail)) = marked else {
            // Not a mark of ours: literal text.
            pieces.push(Piece::Literal(rest[..at + MARK.len()].into()));
            rest = after;
            continue;
        };
        if at > 0 {
            pieces.push(Piece::Literal(rest[..at].into()));
        }
        pieces.push(Piece::Segment(name.into()));
        rest = tail;
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest.into()));
    }
    pieces
}

/// The arguments an extractor reads, under the names it knows them by
/// (serialized straight from the call's arguments, nothing copied).
struct View<'a> {
    args: &'a Map<String, Value>,
    fields: &'a [(String, String)],
    /// Also the arguments no extractor claims (see `Plan::overflow`).
    overflow: Option<&'a [String]>,
}

impl View<'_> {
    fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        let named = self.fields.iter().filter_map(|(external, internal)| {
            self.args.get(external).map(|v| (internal.as_str(), v))
        });
        let unclaimed = self.overflow.into_iter().flat_map(|claimed| {
            self.args
                .iter()
                .filter(|(k, _)| claimed.binary_search(k).is_err())
                .map(|(k, v)| (k.as_str(), v))
        });
        named.chain(unclaimed)
    }

    fn pairs(&self) -> Result<Vec<(&str, Cow<'_, str>)>, ArgumentError> {
        let mut pairs = Vec::new();
        for (name, value) in self.entries() {
            if let Some(text) = scalar_text(name, value)? {
                pairs.push((name, text));
            }
        }
        Ok(pairs)
    }
}

impl Serialize for View<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.entries() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A route tool's request, before its path prefix is known: its segments
/// are named by the route template (`'t`) and may borrow their values from
/// the arguments (`'v`).
pub(crate) struct Parts<'t, 'v> {
    pub segments: Segments<'t, 'v>,
    pub query: String,
    /// The body and its `Content-Type`.
    pub body: Option<(HeaderValue, Vec<u8>)>,
}

/// Path segment name (the route template's) → encoded value: a route has
/// few, so a list (no table to allocate and hash into on every call), held
/// inline for up to two.
#[derive(Default)]
pub(crate) struct Segments<'t, 'v>(SmallVec<[(&'t str, Cow<'v, str>); 2]>);

impl<'t, 'v> Segments<'t, 'v> {
    fn insert(&mut self, name: &'t str, value: Cow<'v, str>) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, slot)) => *slot = value,
            None => self.0.push((name, value)),
        }
    }

    /// The same segments with their values copied, apart from the
    /// arguments (as the benchmark's stages hold them).
    #[cfg(feature = "bench")]
    pub(crate) fn into_owned(self) -> Segments<'t, 'static> {
        Segments(
            self.0
                .into_iter()
                .map(|(name, value)| (name, Cow::Owned(value.into_owned())))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| &**v)
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Splits a call's arguments into path segments, query string and body.
pub(crate) fn parts<'t, 'v>(
    plan: &Plan,
    template: &'t Template,
    args: &'v Map<String, Value>,
) -> Result<Parts<'t, 'v>, ArgumentError> {
    let mut out = Parts {
        segments: Segments::default(),
        query: String::new(),
        body: None,
    };
    for slot in plan.slots.iter().flatten() {
        let overflow = (plan.overflow == Some(slot.param)).then_some(plan.claimed.as_slice());
        match (slot.source, &slot.slot) {
            (Source::Path, Slot::Tuple(arguments)) => {
                for (argument, param) in arguments.iter().zip(&template.params) {
                    out.add_segment(param, argument, args)?;
                }
            }
            (Source::Path, Slot::Whole(argument)) => {
                if let Some(param) = template.params.first() {
                    out.add_segment(param, argument, args)?;
                }
            }
            (Source::Path, Slot::Fields { fields }) => {
                for (argument, segment_name) in fields {
                    if let Some(param) = template.param(segment_name) {
                        out.add_segment(param, argument, args)?;
                    }
                }
            }
            (Source::Query, Slot::Fields { fields }) => {
                let view = View {
                    args,
                    fields,
                    overflow,
                };
                out.query = urlencoded(&view.pairs()?);
            }
            (Source::Json, Slot::Fields { fields }) => {
                let view = View {
                    args,
                    fields,
                    overflow,
                };
                out.body = Some((JSON, json_bytes(&view)?));
            }
            (Source::Json, Slot::Whole(argument)) => {
                let value = args.get(argument).unwrap_or(&Value::Null);
                out.body = Some((JSON, json_bytes(value)?));
            }
            (Source::Form, Slot::Fields { fields }) => {
                let view = View {
                    args,
                    fields,
                    overflow,
                };
                out.body = Some((
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                    urlencoded(&view.pairs()?).into_bytes(),
                ));
            }
            (Source::Bytes, Slot::Whole(argument)) => {
                let text = args
                    .get(argument)
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let bytes = decode_base64(text).map_err(|e| ArgumentError::new(argument, e))?;
                out.body = Some((HeaderValue::from_static("application/octet-stream"), bytes));
            }
            // The form's fields are the arguments, as a JSON body's are.
            #[cfg(feature = "multipart")]
            (Source::Multipart, Slot::Fields { fields }) => {
                let view = View {
                    args,
                    fields,
                    overflow,
                };
                let form = serde_json::to_value(&view)
                    .map_err(|e| ArgumentError::new("", e.to_string()))?;
                let (content_type, body) = crate::handler::multipart::encode(&form)
                    .map_err(|e| ArgumentError::new("", e))?;
                out.body = Some((content_type, body));
            }
            // The registry refuses every other combination at start-up.
            (source, slot) => {
                return Err(ArgumentError::new(
                    "",
                    format!("mcp-runtime: no mapping for {source:?} {slot:?}"),
                ));
            }
        }
    }
    Ok(out)
}

impl<'t, 'v> Parts<'t, 'v> {
    /// A resource read's request: the URI's variables fill the route's
    /// segments (checked against their patterns) and, for the rest, the
    /// query string.
    pub(crate) fn from_values(
        template: &'t Template,
        values: &[(String, String)],
    ) -> Result<Parts<'t, 'v>, ArgumentError> {
        let mut out = Parts {
            segments: Segments::default(),
            query: String::new(),
            body: None,
        };
        let mut query = Vec::new();
        for (name, value) in values {
            match template.param(name) {
                Some(param) => {
                    let value = Value::String(value.clone());
                    let encoded = segment(param, name, &value)?.into_owned();
                    out.segments.insert(&param.name, Cow::Owned(encoded));
                }
                None => query.push((name.as_str(), value.clone())),
            }
        }
        out.query = urlencoded(&query);
        Ok(out)
    }

    fn add_segment(
        &mut self,
        param: &'t Segment,
        argument: &str,
        args: &'v Map<String, Value>,
    ) -> Result<(), ArgumentError> {
        let value = args.get(argument).unwrap_or(&Value::Null);
        let encoded = segment(param, argument, value)?;
        self.segments.insert(&param.name, encoded);
        Ok(())
    }
}

fn urlencoded(pairs: &[(&str, impl Serialize)]) -> String {
    // Serializing string pairs cannot fail.
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn json_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ArgumentError> {
    serde_json::to_vec(value).map_err(|e| ArgumentError::new("", e.to_string()))
}

/// Why a route tool's request could not be made.
#[derive(Debug)]
pub(crate) enum Unroutable {
    /// The tool's route is not registered in this app (`.service(tool)`).
    NotMounted,
    /// The route sits in a scope with dynamic segments the tool cannot fill.
    ScopeSegments,
    /// The rendered path is not a valid URI.
    BadUri(String),
}

impl std::fmt::Display for Unroutable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unroutable::NotMounted => f.write_str(
                "its REST route is not registered in this app: register the handler with \
                 `.service(handler)`",
            ),
            Unroutable::ScopeSegments => f.write_str(
                "its route sits in a scope whose path has dynamic segments, which the tool \
                 cannot fill",
            ),
            Unroutable::BadUri(e) => write!(f, "the request URI is invalid: {e}"),
        }
    }
}

/// Whether a header of the MCP request reaches the tool's request (see the
/// module docs for those that never do). (A `match`, which compiles to a
/// comparison by length first, rather than a search through a list: every
/// header of every call is asked about.)
pub(crate) fn forwarded(name: &HeaderName) -> bool {
    let name = name.as_str();
    !matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "expect"
            | "content-type"
            | "content-length"
            | "content-encoding"
            | "accept"
            | "accept-encoding"
            | "if-match"
            | "if-none-match"
            | "if-modified-since"
            | "if-unmodified-since"
            | "if-range"
            | "range"
            | "mcp-session-id"
            | "mcp-protocol-version"
            | "last-event-id"
            | "mcp-method"
            | "mcp-name"
    ) && !name.starts_with("mcp-param-")
}

/// What a tool's request sends in `Accept`: tools answer best in JSON.
const ACCEPT: HeaderValue = HeaderValue::from_static("application/json, */*;q=0.5");

/// A tool's request, ready to send: to the app in process ([`request`]),
/// or to the API over HTTP (`call::upstream`).
pub(crate) struct Outgoing {
    pub method: HttpMethod,
    /// Path and query, scope prefixes included.
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Option<Vec<u8>>,
}

/// Builds the tool's request. `locator` is the name under which the
/// runtime registered the route's pattern (see `__private::register_route`),
/// so the full path, scope prefixes included, comes from the app's own
/// resource map.
pub(crate) fn outgoing(
    host: &HttpRequest,
    method: HttpMethod,
    locator: &str,
    parts: Parts<'_, '_>,
) -> Result<Outgoing, Unroutable> {
    let mut target = match host.app_data::<AppHandle>() {
        Some(app) => app.paths().render(host, locator, &parts.segments)?,
        // (Not wrapped by `McpServer::app`: rendered each time.)
        None => Paths::default().render(host, locator, &parts.segments)?,
    };
    if !parts.query.is_empty() {
        target.push('?');
        target.push_str(&parts.query);
    }
    // (From the `String` itself: `parse` would copy it into a new buffer.)
    let uri = Uri::try_from(target).map_err(|e| Unroutable::BadUri(e.to_string()))?;

    let mut headers = forwarded_headers(host);
    headers.insert(header::ACCEPT, ACCEPT);
    let body = parts.body.map(|(content_type, body)| {
        headers.insert(header::CONTENT_TYPE, content_type);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        body
    });
    Ok(Outgoing {
        method,
        uri,
        headers,
        body,
    })
}

/// A follow-up `GET` of `uri` (a path and query on the app) with the
/// call's forwarded headers: where a long-running operation reports on
/// itself (`call::operation`).
pub(crate) fn follow_up(host: &HttpRequest, uri: Uri) -> Outgoing {
    let mut headers = forwarded_headers(host);
    headers.insert(header::ACCEPT, ACCEPT);
    Outgoing {
        method: HttpMethod::Get,
        uri,
        headers,
        body: None,
    }
}

/// The MCP request's headers that a tool's request carries.
fn forwarded_headers(host: &HttpRequest) -> HeaderMap {
    // Headers the MCP request's `Connection` names are hop-by-hop too
    // (RFC 9110 §7.6.1): they were meant for the connection to this server.
    let hop_by_hop: Vec<HeaderName> = host
        .headers()
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect();
    let mut headers = SPARE_HEADERS
        .take()
        .unwrap_or_else(|| HeaderMap::with_capacity(host.headers().len() + 2));
    for (name, value) in host.headers().iter() {
        if forwarded(name) && !hop_by_hop.contains(name) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers
}

/// The tool's request as the app in process receives it.
pub(crate) fn request(host: &HttpRequest, outgoing: Outgoing) -> Request {
    let payload = match outgoing.body {
        Some(body) => Payload::from(body),
        None => Payload::None,
    };
    let mut req = Request::with_payload(payload);
    let head = req.head_mut();
    head.method = outgoing.method.to_actix();
    head.uri = outgoing.uri;
    head.version = host.version();
    let mut pooled = std::mem::replace(&mut head.headers, outgoing.headers);
    pooled.clear();
    SPARE_HEADERS.set(Some(pooled));
    head.peer_addr = host.peer_addr();
    req
}

thread_local! {
    /// An empty header map with room, for the next forwarded request: the
    /// one its request head came with from actix's pool (where the map just
    /// installed goes back when the request ends). So a call neither
    /// allocates a map nor frees one: each is a table of a few KiB.
    static SPARE_HEADERS: Cell<Option<HeaderMap>> = const { Cell::new(None) };
}

/// Copies extension values from the MCP request into the tool's request.
pub(crate) type Carry = fn(&HttpRequest, &Request);

/// A [`Carry`] for one cloneable extension type.
pub(crate) fn carry<T: Clone + 'static>(from: &HttpRequest, to: &Request) {
    if let Some(value) = from.extensions().get::<T>() {
        to.extensions_mut().insert(value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_like_actix() {
        let t = Template::parse("/orgs/{org}/items/{id:\\d+}/{code:[a-z]{3}}/{rest}*").unwrap();
        assert_eq!(t.names(), ["org", "id", "code", "rest"]);
        assert_eq!(t.params[1].pattern, "\\d+");
        assert_eq!(t.params[2].pattern, "[a-z]{3}");
        assert_eq!(t.params[3].pattern, ".*");
        assert!(Template::parse("/x/{id:(}").is_err());
        assert!(Template::parse("/x/{id").is_err());
        assert!(Template::parse("/plain").unwrap().params.is_empty());
    }

    #[test]
    fn segments_are_checked_as_the_router_sees_them_and_encoded() {
        let t = Template::parse("/k/{key}/{code:[a-z]+}/{id:\\d+}/{rest}*").unwrap();
        let seg = |i: usize, v: Value| segment(&t.params[i], "arg", &v).map(Cow::into_owned);
        assert_eq!(seg(0, "a b/c%d".into()).unwrap(), "a%20b%2Fc%25d");
        assert_eq!(seg(0, "é".into()).unwrap(), "%C3%A9");
        assert_eq!(seg(0, 42.into()).unwrap(), "42");
        let e = seg(0, "".into()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("arg"));
        assert!(e.message.contains("empty"), "{e}");
        assert!(seg(1, "abc".into()).is_ok());
        let e = seg(1, "ab1".into()).unwrap_err();
        assert!(e.message.contains("`[a-z]+`"), "{e}");
        assert!(seg(1, "a/b".into()).is_err(), "the router sees %2F");
        assert!(seg(2, 7.into()).is_ok());
        assert!(seg(2, (-7).into()).is_err());
        assert!(seg(3, "".into()).is_ok(), "a tail may be empty");
        assert!(seg(3, "a/b".into()).is_ok());
        assert!(seg(0, Value::Null).is_err());
        assert!(seg(0, serde_json::json!([1])).is_err());
        // Borrowed from the argument when nothing needs escaping.
        let plain = Value::from("abc");
        assert!(matches!(
            segment(&t.params[0], "arg", &plain),
            Ok(Cow::Borrowed("abc"))
        ));
    }

    #[test]
    fn dot_segments_are_written_escaped() {
        assert_eq!(escape_dots(".."), "%2E%2E");
        assert_eq!(escape_dots("."), "%2E");
        assert_eq!(escape_dots("a..b"), "a..b");
    }

    #[test]
    fn rendered_paths_split_around_their_marks() {
        let literal = |s: &str| Piece::Literal(s.into());
        let segment = |s: &str| Piece::Segment(s.into());
        let marked = crate::schema::route::marked("/items/{id:\\d+}/files/{tail}*").unwrap();
        assert_eq!(marked, "/items/~mcp~6964~/files/~mcp~7461696c~");
        assert_eq!(
            split_marks(&format!("/api{marked}")),
            [
                literal("/api/items/"),
                segment("id"),
                literal("/files/"),
                segment("tail")
            ]
        );
        assert_eq!(
            split_marks("/a~mcp~x/~mcp~9~/b"),
            [literal("/a~mcp~"), literal("x/~mcp~"), literal("9~/b")],
            "what is not one of our marks stays literal"
        );
    }

    #[test]
    fn mcp_and_hop_by_hop_headers_stay_behind() {
        for kept in [
            "authorization",
            "cookie",
            "accept-language",
            "x-api-key",
            "host",
            "origin",
        ] {
            assert!(forwarded(&HeaderName::from_static(kept)), "{kept}");
        }
        for dropped in [
            "if-none-match",
            "accept",
            "content-length",
            "mcp-session-id",
            "mcp-param-region",
            "connection",
        ] {
            assert!(!forwarded(&HeaderName::from_static(dropped)), "{dropped}");
        }
    }
}
