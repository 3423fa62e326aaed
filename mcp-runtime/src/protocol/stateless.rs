//! The stateless revision (2026-07-28), served beside the handshake era on
//! the same endpoint.
//!
//! A request belongs to it when it says so — its `params._meta` carries
//! `io.modelcontextprotocol/protocolVersion`, its `MCP-Protocol-Version`
//! header names 2026-07-28, or it is the `server/discover` probe — and then
//! it carries everything itself: no `initialize`, no session. This module
//! checks such a request (its `_meta`, and the `Mcp-Method`/`Mcp-Name`
//! headers that must repeat the body), reads the client it describes, and
//! protects the state a multi-round call hands the client (`requestState`,
//! signed with HMAC-SHA256, so a tampered state is refused).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock};

use actix_web::http::header::{AsHeaderName, HeaderMap, HeaderName};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use memchr::memmem;
use rmcp::model::{
    CacheScope, ClientCapabilities, CompleteResult, ErrorCode, ErrorData, GetPromptResult,
    Implementation, MetaObject, ReadResourceResult, RequestId, ResultType,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::log::LogFilter;
use crate::protocol::method::RequestMethod;
use crate::protocol::params::{CallToolParams, RequestMeta};
use crate::protocol::version::VERSION_HEADER;
use crate::protocol::version::Version;

pub(crate) const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub(crate) const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub(crate) const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub(crate) const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

const METHOD_HEADER: HeaderName = HeaderName::from_static("mcp-method");
const NAME_HEADER: HeaderName = HeaderName::from_static("mcp-name");

/// Whether a POSTed message (not a batch) belongs to the stateless revision.
pub(crate) fn is_stateless_request(version_header: Option<&[u8]>, message: &Message) -> bool {
    if version_header.is_some_and(|h| h.trim_ascii() == Version::V2026_07_28.as_str().as_bytes()) {
        return true;
    }
    match message {
        Message::Request {
            method: RequestMethod::Discover,
            ..
        } => true,
        Message::Request {
            params: jsonrpc::Params::Raw(params),
            ..
        }
        | Message::Notification { params, .. } => {
            params.as_deref().is_some_and(|p| names_version(p.get()))
        }
        // (Read whole only when nothing in it may name a version.)
        Message::Request {
            params: jsonrpc::Params::Call(_),
            ..
        } => false,
        _ => false,
    }
}

/// Whether `params` has `_meta` with a protocol version in it.
fn names_version(params: &str) -> bool {
    // Without escapes every key is spelled out as it reads: if the key is
    // nowhere in the text, no `_meta` has it (this spares a handshake-era
    // request a pass over its arguments).
    if !jsonrpc::may_name_version(params.as_bytes()) {
        return false;
    }
    serde_json::from_str::<MetaProbe>(params)
        .ok()
        .is_some_and(|p| p.meta.is_some_and(|m| m.version.is_some()))
}

#[derive(Deserialize)]
struct MetaProbe {
    #[serde(rename = "_meta")]
    meta: Option<MetaProbeFields>,
}

#[derive(Deserialize)]
struct MetaProbeFields {
    /// Only whether it is there (and not `null`): skipped, not built.
    #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
    version: Option<serde::de::IgnoredAny>,
}

/// What a request says about its client: its session's description, or
/// its own `_meta`'s.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    described: Arc<dyn Describes>,
    pub logs: LogFilter,
}

impl Client {
    pub(crate) fn new(described: Arc<dyn Describes>, logs: LogFilter) -> Client {
        Client { described, logs }
    }

    /// The capabilities the client declared.
    pub(crate) fn capabilities(&self) -> &ClientCapabilities {
        self.described.capabilities()
    }

    /// Its `clientInfo`, when it gave one.
    pub(crate) fn info(&self) -> Option<&Implementation> {
        self.described.info()
    }
}

/// Where a client's description is kept: shared with a session, rather
/// than copied for each of its requests.
pub(crate) trait Describes: fmt::Debug + Send + Sync {
    fn capabilities(&self) -> &ClientCapabilities;
    fn info(&self) -> Option<&Implementation>;
}

/// A stateless request's `_meta` description, read into rmcp's types only
/// when something asks (most calls never do: a typed read of the
/// capabilities cost about 6k instructions a call).
#[derive(Debug)]
struct Declared {
    capabilities_json: Box<str>,
    info_json: Option<Box<str>>,
    capabilities: OnceLock<ClientCapabilities>,
    info: OnceLock<Option<Implementation>>,
}

impl Describes for Declared {
    fn capabilities(&self) -> &ClientCapabilities {
        self.capabilities
            .get_or_init(|| serde_json::from_str(&self.capabilities_json).unwrap_or_default())
    }

    fn info(&self) -> Option<&Implementation> {
        self.info
            .get_or_init(|| {
                self.info_json
                    .as_deref()
                    .and_then(|i| serde_json::from_str(i).ok())
            })
            .as_ref()
    }
}

/// A checked stateless request.
pub(crate) struct Checked {
    pub client: Client,
    /// `inputResponses` and `requestState` of a retried call.
    pub inputs: InputResponses,
    /// A `tools/call`'s parameters, read in the same pass as the check,
    /// unless that pass could differ from the method's own read (see
    /// `call_params`): then the method reads them itself. Taken into the
    /// request's message (`jsonrpc::Params::or_read`).
    pub call: Option<CallToolParams>,
}

/// Answers a client brings back to a call that asked for input.
#[derive(Debug, Default, Clone)]
pub(crate) struct InputResponses {
    pub responses: Option<Value>,
    pub state: Option<String>,
    /// Whether the request came with HTTP headers mirroring its
    /// `x-mcp-header` arguments (`Mcp-Param-*`), to check against them: the
    /// mirror belongs to Streamable HTTP, stdio has none.
    pub mirrored: bool,
}

/// Why a stateless request is refused (always HTTP 400).
pub(crate) type Refused = ErrorData;

fn invalid(message: impl Into<String>) -> Refused {
    ErrorData::invalid_params(message.into(), None)
}

fn mismatch(message: impl Into<String>) -> Refused {
    ErrorData::header_mismatch(message.into(), None)
}

/// A header's value, trimmed (HTTP allows surrounding whitespace). Sent
/// twice, it is refused: an intermediary reading the last line would see
/// another name than the server checked.
fn header<N>(headers: &HeaderMap, name: N) -> Result<Option<&str>, Refused>
where
    N: AsHeaderName + fmt::Display + Copy,
{
    let mut values = headers.get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(mismatch(format!(
            "Header mismatch: {name} is sent more than once"
        )));
    }
    Ok(first.and_then(|v| v.to_str().ok()).map(str::trim))
}

/// Checks a stateless request: `_meta` complete, version supported, and the
/// headers repeating the body (`MCP-Protocol-Version`, `Mcp-Method`,
/// `Mcp-Name`).
pub(crate) fn check(
    headers: &HeaderMap,
    method: &RequestMethod,
    params: Option<&RawValue>,
) -> Result<Checked, Refused> {
    read(Some(headers), method, params)
}

/// Checks a stateless request that came without HTTP headers (stdio):
/// `_meta` complete, version supported.
pub(crate) fn check_unframed(
    method: &RequestMethod,
    params: Option<&RawValue>,
) -> Result<Checked, Refused> {
    read(None, method, params)
}

/// Reads a stateless request's `_meta`, checking `headers` against the body
/// when the request came with them.
fn read(
    headers: Option<&HeaderMap>,
    method: &RequestMethod,
    params: Option<&RawValue>,
) -> Result<Checked, Refused> {
    if *method == RequestMethod::CallTool
        && let Some(raw) = params
        && let Some(call) = call_params(raw)
        && let Some(checked) = checked_call(headers, call)
    {
        return checked;
    }
    let params: Params<'_> = match params {
        None => Params::default(),
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|_| invalid("Invalid params: `params` must be an object"))?,
    };
    let named = match ItemKey::of(method) {
        Some(ItemKey::Name) => params.name,
        Some(ItemKey::Uri) => params.uri,
        Some(ItemKey::TaskId) => params.task_id,
        None => None,
    };
    let fields = Fields {
        meta: params.meta,
        input_responses: params.input_responses,
        request_state: params.request_state,
        named: named.and_then(jsonrpc::string),
    };
    let (client, inputs) = checked(headers, method, fields)?;
    Ok(Checked {
        client,
        inputs,
        call: None,
    })
}

/// Checks a `tools/call` whose `params` read as `call`, with the call's
/// parameters (`None` when its name is not a string: the check reads such
/// a call's `params` otherwise).
fn checked_call(
    headers: Option<&HeaderMap>,
    call: CallParams<'_>,
) -> Option<Result<Checked, Refused>> {
    let name = call.name.and_then(jsonrpc::string)?.into_owned();
    let fields = Fields {
        meta: call.meta,
        input_responses: call.input_responses,
        request_state: call.request_state,
        named: Some(Cow::Borrowed(&name)),
    };
    Some(
        checked(headers, &RequestMethod::CallTool, fields).map(|(client, inputs)| Checked {
            client,
            inputs,
            call: Some(CallToolParams {
                name,
                arguments: call.arguments,
                // (Without a progress token: see `call_params`.)
                meta: Some(RequestMeta {
                    progress_token: None,
                }),
            }),
        }),
    )
}

/// A stateless `tools/call` (`headers` said so) read and checked in one
/// pass, as `jsonrpc::parse` then [`check`] would read and check it: its
/// message (its parameters with it, `Params::Call`) and what the check
/// found, or its id and why the check refused it. `None` for any body this
/// pass might read otherwise than they do (see `call_params`,
/// `jsonrpc::read_call`): those are read by them.
pub(crate) fn parse_call(
    body: &[u8],
    headers: &HeaderMap,
) -> Option<Result<(Message, Checked), (RequestId, Refused)>> {
    static METHOD: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(jsonrpc::CALL_METHOD));
    if METHOD.find(body).is_none() || jsonrpc::may_name(body, &PROGRESS_TOKEN) {
        return None;
    }
    let (id, jsonrpc::Object(call)) = jsonrpc::read_call(std::str::from_utf8(body).ok()?)?;
    Some(match checked_call(Some(headers), call)? {
        Ok(mut checked) => {
            // The call's parameters go with its message, where whoever
            // reads a message's parameters finds them.
            let params = jsonrpc::Params::Call(Box::new(checked.call.take()?));
            let method = RequestMethod::CallTool;
            Ok((Message::Request { id, method, params }, checked))
        }
        Err(e) => Err((id, e)),
    })
}

/// `progressToken`, which `call_params` leaves to the method's own read.
static PROGRESS_TOKEN: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("progressToken"));

/// A `tools/call`'s `params` read once, for the check and for the call,
/// when that read gives what the check's and the method's own reads
/// would: arguments that read, and no progress token (its key spelled
/// nowhere, nor any escape that could spell it).
fn call_params(raw: &RawValue) -> Option<CallParams<'_>> {
    if jsonrpc::may_name(raw.get().as_bytes(), &PROGRESS_TOKEN) {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// What the check reads of `params`: `_meta`, a retried call's inputs, and
/// the item the request names (for `Mcp-Name`).
struct Fields<'a> {
    meta: Option<MetaField<'a>>,
    input_responses: Option<&'a RawValue>,
    request_state: Option<&'a RawValue>,
    named: Option<Cow<'a, str>>,
}

/// Checks what a stateless request's `params` say: its client, and what it
/// brings back to a call that asked for input.
fn checked(
    headers: Option<&HeaderMap>,
    method: &RequestMethod,
    fields: Fields<'_>,
) -> Result<(Client, InputResponses), Refused> {
    let meta: Meta<'_> = fields
        .meta
        .and_then(|m| match m {
            MetaField::Object(meta) => Some(meta),
            MetaField::Other => None,
        })
        .ok_or_else(|| {
            invalid(
                "Invalid params: a 2026-07-28 request needs `params._meta` with its protocol \
                 version and client capabilities",
            )
        })?;
    let Some(requested) = meta.version.and_then(jsonrpc::string) else {
        return Err(invalid(format!(
            "Invalid params: `_meta` lacks `{PROTOCOL_VERSION}`"
        )));
    };
    let Some(capabilities) = meta.capabilities.filter(|c| is_object(c)) else {
        return Err(invalid(format!(
            "Invalid params: `_meta` lacks `{CLIENT_CAPABILITIES}`"
        )));
    };
    if let Some(headers) = headers
        && header(headers, &VERSION_HEADER)? != Some(&*requested)
    {
        return Err(mismatch(format!(
            "Header mismatch: MCP-Protocol-Version must repeat `_meta`'s protocol version {requested:?}"
        )));
    }
    if !Version::parse_any(&requested).is_some_and(Version::is_stateless) {
        return Err(ErrorData::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            format!("Unsupported protocol version {requested:?}"),
            Some(json!({ "supported": Version::all_json(), "requested": requested })),
        ));
    }
    if let Some(headers) = headers {
        check_names(headers, method, fields.named.as_deref())?;
    }
    let logs = match meta.log_level {
        None => LogFilter::Off,
        Some(level) => LogFilter::AtLeast(
            serde_json::from_str(level.get())
                .map_err(|_| invalid(format!("Invalid params: bad `{LOG_LEVEL}`")))?,
        ),
    };
    let declared = Declared {
        capabilities_json: capabilities.get().into(),
        info_json: meta.info.map(|i| i.get().into()),
        capabilities: OnceLock::new(),
        info: OnceLock::new(),
    };
    let client = Client::new(Arc::new(declared), logs);
    let inputs = InputResponses {
        responses: fields
            .input_responses
            .and_then(|r| serde_json::from_str(r.get()).ok()),
        state: fields
            .request_state
            .and_then(jsonrpc::string)
            .map(Cow::into_owned),
        mirrored: headers.is_some(),
    };
    Ok((client, inputs))
}

/// Declares a view of a stateless request's `params`: the members the check
/// reads, borrowed from the request, and `$more`; the rest is skipped, not
/// built.
macro_rules! params_view {
    ($(#[$attr:meta])* $name:ident { $($more:tt)* }) => {
        $(#[$attr])*
        #[derive(Default, Deserialize)]
        struct $name<'a> {
            #[serde(rename = "_meta", borrow, default)]
            meta: Option<MetaField<'a>>,
            #[serde(rename = "inputResponses", borrow, default)]
            input_responses: Option<&'a RawValue>,
            #[serde(rename = "requestState", borrow, default)]
            request_state: Option<&'a RawValue>,
            #[serde(borrow, default)]
            name: Option<&'a RawValue>,
            #[serde(borrow, default)]
            uri: Option<&'a RawValue>,
            #[serde(rename = "taskId", borrow, default)]
            task_id: Option<&'a RawValue>,
            $($more)*
        }
    };
}

params_view!(
    /// What the check reads of any request's `params` (the arguments above
    /// all are skipped).
    Params {}
);

params_view!(
    /// A `tools/call`'s `params` read for the check and the call at once.
    #[expect(dead_code, reason = "`uri` and `taskId` are declared so a repeated one fails this read, as it fails the check's")]
    CallParams {
        #[serde(default)]
        arguments: Option<Map<String, Value>>,
    }
);

/// The member naming the item a request is about, which `Mcp-Name` repeats.
#[derive(Clone, Copy)]
enum ItemKey {
    Name,
    Uri,
    TaskId,
}

impl ItemKey {
    fn of(method: &RequestMethod) -> Option<ItemKey> {
        match method {
            RequestMethod::CallTool | RequestMethod::GetPrompt => Some(ItemKey::Name),
            RequestMethod::ReadResource => Some(ItemKey::Uri),
            RequestMethod::TasksGet | RequestMethod::TasksUpdate | RequestMethod::TasksCancel => {
                Some(ItemKey::TaskId)
            }
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            ItemKey::Name => "name",
            ItemKey::Uri => "uri",
            ItemKey::TaskId => "taskId",
        }
    }
}

/// What the check reads of `_meta` (keys as in [`PROTOCOL_VERSION`] and
/// the other constants).
#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow, default)]
    version: Option<&'a RawValue>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities", borrow, default)]
    capabilities: Option<&'a RawValue>,
    #[serde(rename = "io.modelcontextprotocol/clientInfo", borrow, default)]
    info: Option<&'a RawValue>,
    #[serde(rename = "io.modelcontextprotocol/logLevel", borrow, default)]
    log_level: Option<&'a RawValue>,
}

/// `_meta` read in the same pass as the rest of `params`: its members when
/// it is an object; anything else is no `_meta` at all.
enum MetaField<'a> {
    Object(Meta<'a>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for MetaField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MetaField<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`_meta`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                Meta::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(MetaField::Object)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(MetaField::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MetaField::Other)
            }
        }
        d.deserialize_any(Visitor)
    }
}

fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

/// Checks that `Mcp-Method` (and `Mcp-Name`, for requests naming something:
/// `named`, the item the body names) repeat the body.
fn check_names(
    headers: &HeaderMap,
    method: &RequestMethod,
    named: Option<&str>,
) -> Result<(), Refused> {
    if header(headers, &METHOD_HEADER)? != Some(method.as_str()) {
        return Err(mismatch(format!(
            "Header mismatch: Mcp-Method must repeat the request's method {:?}",
            method.as_str()
        )));
    }
    if let Some(field) = ItemKey::of(method)
        && (named.is_none() || header(headers, &NAME_HEADER)? != named)
    {
        return Err(mismatch(format!(
            "Header mismatch: Mcp-Name must repeat the request's `{}`",
            field.key()
        )));
    }
    Ok(())
}

/// The value a tool argument marked `x-mcp-header` must have in its
/// `Mcp-Param-*` header: a literal, or `=?base64?…?=` (strictly padded).
fn param_header_value(raw: &str) -> Result<String, ()> {
    match raw
        .strip_prefix("=?base64?")
        .and_then(|rest| rest.strip_suffix("?="))
    {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(drop)
            .and_then(|bytes| String::from_utf8(bytes).map_err(drop)),
        None => Ok(raw.to_owned()),
    }
}

/// Checks each argument a tool marks with `x-mcp-header: Name` against its
/// `Mcp-Param-Name` header: present whenever the argument is, and equal
/// (numbers compared as numbers).
pub(crate) fn check_param_headers(
    headers: &HeaderMap,
    marked: &BTreeMap<String, String>,
    arguments: &Map<String, Value>,
) -> Result<(), Refused> {
    for (argument, name) in marked {
        let header_name = format!("mcp-param-{}", name.to_ascii_lowercase());
        let sent = header(headers, header_name.as_str())?;
        let value = arguments.get(argument).filter(|v| !v.is_null());
        let matches = match (value, sent) {
            (None, None) => true,
            (None, Some(_)) | (Some(_), None) => false,
            (Some(value), Some(raw)) => match param_header_value(raw) {
                Err(()) => false,
                Ok(text) => match value {
                    Value::String(s) => *s == text,
                    Value::Number(n) => text
                        .parse::<f64>()
                        .ok()
                        .zip(n.as_f64())
                        .is_some_and(|(a, b)| a == b),
                    Value::Bool(b) => text == if *b { "true" } else { "false" },
                    // Objects and lists have no header form.
                    _ => false,
                },
            },
        };
        if !matches {
            return Err(mismatch(format!(
                "Header mismatch: Mcp-Param-{name} must carry argument `{argument}`"
            )));
        }
    }
    Ok(())
}

/// The server's identity, as every stateless result carries it in `_meta`.
pub(crate) fn server_meta(server: &Implementation) -> MetaObject {
    let mut meta = MetaObject::new();
    meta.insert(
        SERVER_INFO.into(),
        serde_json::to_value(server).unwrap_or_default(),
    );
    meta
}

/// Caching hints of list and read results: how long a client may keep
/// them, and whether they may be shared between callers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caching {
    pub ttl_ms: u64,
    pub private: bool,
}

impl Caching {
    pub(crate) fn scope(self) -> CacheScope {
        if self.private {
            CacheScope::Private
        } else {
            CacheScope::Public
        }
    }
}

/// A result of rmcp's model, completed for the revision in force: under the
/// stateless revision (`server` given) its `resultType` and the server's
/// identity in `_meta`; before it, neither (rmcp's constructors set
/// `resultType`, which older clients do not know).
pub(crate) trait Revised {
    fn revise(&mut self, server: Option<&Implementation>);
}

macro_rules! revised {
    ($($result:ty),*) => {$(
        impl Revised for $result {
            fn revise(&mut self, server: Option<&Implementation>) {
                self.result_type = server.map(|_| ResultType::COMPLETE);
                self.meta = server.map(server_meta);
            }
        }
    )*};
}

revised!(GetPromptResult, ReadResourceResult, CompleteResult);

/// The fields a stateless result adds to a body the server serializes
/// itself (list pages, input requests): flattened beside its own.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope<'a> {
    pub result_type: ResultType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_scope: Option<CacheScope>,
    #[serde(rename = "_meta")]
    pub meta: ServerInfoMeta<'a>,
}

/// `_meta` holding only the server's identity, borrowed.
#[derive(Serialize)]
pub(crate) struct ServerInfoMeta<'a> {
    #[serde(rename = "io.modelcontextprotocol/serverInfo")]
    pub server_info: &'a Implementation,
}

impl<'a> Envelope<'a> {
    /// A complete result, cacheable as `caching` says when given.
    pub(crate) fn complete(server: &'a Implementation, caching: Option<Caching>) -> Self {
        Envelope {
            result_type: ResultType::COMPLETE,
            ttl_ms: caching.map(|c| c.ttl_ms),
            cache_scope: caching.map(Caching::scope),
            meta: ServerInfoMeta {
                server_info: server,
            },
        }
    }
}

/// Signs and checks the state a multi-round call hands the client: the
/// answers gathered so far, bound to what they answer (see [`Binding`]) and
/// valid for [`STATE_TTL`], with an HMAC-SHA256 the client cannot forge.
/// Replicas that share the key accept each other's state.
#[derive(Clone)]
pub(crate) struct StateKey([u8; 32]);

/// How long a `requestState` stays good: a person answering a form has
/// time; a token replayed later is refused.
pub(crate) const STATE_TTL: std::time::Duration = std::time::Duration::from_secs(600);

/// The largest `requestState` accepted (what this server issues is far
/// smaller: the answers to a call's questions).
pub(crate) const MAX_STATE_BYTES: usize = 64 * 1024;

/// What a `requestState` is bound to: the item asked for (`tools/call:x`,
/// `prompts/get:x`, `resources/read:uri`), the exact arguments, and who
/// asked (a fingerprint of the request's credentials). Replayed with other
/// arguments or by another caller, it is refused.
pub(crate) struct Binding {
    pub item: String,
    pub arguments: String,
    pub caller: Option<String>,
}

impl Binding {
    pub(crate) fn new(
        key: &StateKey,
        item: String,
        arguments: &Map<String, Value>,
        caller: Option<String>,
    ) -> Binding {
        // A `Map` serializes in key order: the same arguments, the same bytes.
        let arguments = key.fingerprint(&serde_json::to_vec(arguments).unwrap_or_default());
        Binding {
            item,
            arguments,
            caller,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SignedState {
    /// The item the state belongs to.
    t: String,
    /// A fingerprint of the exact arguments.
    h: String,
    /// A fingerprint of the caller's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    /// Good until (Unix seconds).
    e: u64,
    /// The answers so far, by input key.
    a: Map<String, Value>,
}

/// Now, in Unix seconds.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

type HmacSha256 = Hmac<Sha256>;

impl StateKey {
    /// A fresh random key.
    pub(crate) fn random() -> Self {
        let mut key = [0u8; 32];
        // Without OS randomness, state is still bound to this process's start.
        if getrandom::fill(&mut key).is_err() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            key[..16].copy_from_slice(&now.to_le_bytes());
        }
        StateKey(key)
    }

    /// A key from configured bytes (hashed to 32 bytes).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Self {
        use sha2::Digest as _;
        StateKey(Sha256::digest(bytes).into())
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }

    /// A keyed hash of `secret` (credentials a session is bound to): the
    /// same for the same bytes on every replica sharing the key, and
    /// useless to anyone who reads the session store.
    pub(crate) fn fingerprint(&self, secret: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        b64.encode(&self.mac(secret)[..16])
    }

    pub(crate) fn sign(&self, binding: &Binding, answers: &Map<String, Value>) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = serde_json::to_vec(&SignedState {
            t: binding.item.clone(),
            h: binding.arguments.clone(),
            c: binding.caller.clone(),
            e: now() + STATE_TTL.as_secs(),
            a: answers.clone(),
        })
        .unwrap_or_default();
        format!(
            "{}.{}",
            b64.encode(&payload),
            b64.encode(self.mac(&payload))
        )
    }

    /// The answers in `token`, if it is ours, untouched, not expired, and
    /// bound to `binding`.
    pub(crate) fn open(&self, binding: &Binding, token: &str) -> Option<Map<String, Value>> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (payload, tag) = token.split_once('.')?;
        let payload = b64.decode(payload).ok()?;
        let tag = b64.decode(tag).ok()?;
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0).ok()?;
        mac.update(&payload);
        mac.verify_slice(&tag).ok()?;
        let state: SignedState = serde_json::from_slice(&payload).ok()?;
        let bound = state.t == binding.item
            && state.h == binding.arguments
            && state.c == binding.caller
            && state.e >= now();
        bound.then_some(state.a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    fn raw(v: Value) -> Box<RawValue> {
        RawValue::from_string(v.to_string()).unwrap()
    }

    /// The headers of a stateless call of `echo`.
    fn echo_call() -> HeaderMap {
        headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "echo"),
        ])
    }

    fn meta(version: &str) -> Value {
        json!({PROTOCOL_VERSION: version, CLIENT_CAPABILITIES: {"sampling": {}}})
    }

    /// What a stateless body's call is made of, told by a read: its id, and
    /// what the check found (the client, its answers and the parameters),
    /// or why it refused.
    type Told = (RequestId, String);

    /// `jsonrpc::parse`, then `check`.
    fn read_in_two_passes(body: &str, headers: &HeaderMap) -> Option<Told> {
        let Ok(jsonrpc::Incoming::Single(Message::Request {
            id,
            method,
            params: jsonrpc::Params::Raw(params),
        })) = jsonrpc::parse(body.as_bytes())
        else {
            return None;
        };
        Some(match check(headers, &method, params.as_deref()) {
            Ok(c) => (id, format!("{:?} {:?} {:?}", c.client, c.inputs, c.call)),
            Err(e) => (id, format!("{e:?}")),
        })
    }

    /// `parse_call`.
    fn read_in_one_pass(body: &str, headers: &HeaderMap) -> Option<Told> {
        Some(match parse_call(body.as_bytes(), headers)? {
            Ok((message, c)) => {
                let Message::Request {
                    id,
                    method: RequestMethod::CallTool,
                    params: jsonrpc::Params::Call(call),
                } = message
                else {
                    panic!("{body}: read as {message:?}");
                };
                assert!(c.call.is_none(), "the parameters go with the message");
                let call = Some(*call);
                (id, format!("{:?} {:?} {:?}", c.client, c.inputs, call))
            }
            Err((id, e)) => (id, format!("{e:?}")),
        })
    }

    #[test]
    fn a_stateless_call_read_in_one_pass_is_read_and_checked_as_in_two() {
        let meta = meta("2026-07-28").to_string();
        let old = meta.replace("2026-07-28", "2025-11-25");
        let with = |more: &str| meta.replacen('{', &format!("{{{more},"), 1);
        let params = [
            format!(r#"{{"name":"echo","arguments":{{"x":[1,{{"y":null}}]}},"_meta":{meta}}}"#),
            format!(r#"{{"_meta":{meta},"name":"echo"}}"#),
            r#"{"name":"echo","arguments":{"x":1}}"#.to_owned(),
            r#"{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#
                .to_owned(),
            r#"{"name":"echo","_meta":5}"#.to_owned(),
            format!(r#"{{"name":"echo","_meta":{old}}}"#),
            format!(
                r#"{{"name":"echo","_meta":{}}}"#,
                with(r#""io.modelcontextprotocol/logLevel":"debug""#)
            ),
            format!(
                r#"{{"name":"echo","_meta":{}}}"#,
                with(r#""io.modelcontextprotocol/logLevel":"loud""#)
            ),
            format!(
                r#"{{"name":"echo","_meta":{}}}"#,
                with(r#""io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}"#)
            ),
            format!(
                r#"{{"name":"echo","_meta":{meta},"inputResponses":{{"a":{{"action":"accept"}}}},"requestState":"t"}}"#
            ),
            format!(r#"{{"name":"echo","_meta":{meta},"inputResponses":5,"requestState":7}}"#),
            format!(r#"{{"name":5,"_meta":{meta}}}"#),
            format!(r#"{{"name":"echo","name":"echo","_meta":{meta}}}"#),
            format!(r#"{{"name":"echo","_meta":{meta},"uri":"x","taskId":1}}"#),
            format!(r#"{{"name":"echo","_meta":{meta},"arguments":[1]}}"#),
            format!(r#"{{"name":"echo","_meta":{meta},"arguments":{{"s":"a\"b"}}}}"#),
            format!(r#"{{"name":"other","_meta":{meta}}}"#),
        ];
        let all_headers = [
            echo_call(),
            headers(&[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "other"),
            ]),
            headers(&[("mcp-protocol-version", "2026-07-28"), ("mcp-name", "echo")]),
            headers(&[
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "echo"),
                ("mcp-name", "echo"),
            ]),
        ];
        let mut read = 0;
        for headers in &all_headers {
            for params in &params {
                let mut members = [
                    r#""jsonrpc":"2.0""#.to_owned(),
                    r#""id":"q""#.to_owned(),
                    r#""method":"tools/call""#.to_owned(),
                    format!(r#""params":{params}"#),
                ];
                for _ in 0..members.len() {
                    members.rotate_left(1);
                    let body = format!("{{{}}}", members.join(","));
                    if let Some(one) = read_in_one_pass(&body, headers) {
                        let two = read_in_two_passes(&body, headers)
                            .unwrap_or_else(|| panic!("{body}: read in one pass, not in two"));
                        assert_eq!(one, two, "{body}");
                        read += 1;
                    }
                }
            }
        }
        // All but the bodies with a name that is not a string, a member
        // twice, arguments that are not an object, or an escape: in 4
        // orders under 4 sets of headers.
        assert!(read >= 13 * 4 * 4, "{read} read in one pass");
        // A progress token is left to the method's own read (see
        // `call_params`).
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"echo","_meta":{}}}}}"#,
            with(r#""progressToken":"p""#)
        );
        assert!(read_in_one_pass(&body, &echo_call()).is_none());
    }

    #[test]
    fn a_request_is_stateless_when_its_meta_names_a_version() {
        let stateless = |params: Value| {
            let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params});
            let Ok(jsonrpc::Incoming::Single(message)) =
                jsonrpc::parse(body.to_string().as_bytes())
            else {
                panic!("one message")
            };
            is_stateless_request(None, &message)
        };
        assert!(stateless(
            json!({"_meta": {PROTOCOL_VERSION: "2026-07-28"}})
        ));
        assert!(stateless(
            json!({"_meta": {PROTOCOL_VERSION: {"any": "value"}}})
        ));
        assert!(!stateless(json!({"_meta": {PROTOCOL_VERSION: null}})));
        assert!(!stateless(json!({"_meta": {}})));
        assert!(!stateless(json!({})));
        // The key named elsewhere than in `_meta` does not count.
        assert!(!stateless(
            json!({"arguments": {PROTOCOL_VERSION: "2026-07-28"}})
        ));
        // Spelled with escapes, the key is the same key.
        assert!(names_version(
            r#"{"_meta":{"io.modelcontextprotocol\/protocolVersion":"2026-07-28"}}"#
        ));
        assert!(names_version(
            r#"{"_meta":{"io.modelcontextprotocol/protocol\u0056ersion":"2026-07-28"}}"#
        ));
        assert!(!names_version(r#"{"name":"a\"b"}"#));
        // Looked for byte by byte: text in any script before a `/` is fine.
        assert!(!names_version(r#"{"name":"ééééééééééééééééééééé/x"}"#));
    }

    #[test]
    fn a_meta_that_is_not_an_object_is_no_meta() {
        let ok = echo_call();
        let refusal = |meta: Value| {
            let params = raw(json!({"_meta": meta, "name": "echo", "arguments": {"a": [1]}}));
            let e = check(&ok, &RequestMethod::CallTool, Some(&params))
                .err()
                .unwrap();
            (e.code.0, e.message.into_owned())
        };
        for meta in [
            json!(null),
            json!([meta("2026-07-28")]),
            json!("m"),
            json!(7),
            json!(false),
        ] {
            let (code, message) = refusal(meta.clone());
            assert_eq!(code, -32602, "{meta}");
            assert!(
                message.contains("needs `params._meta`"),
                "{meta}: {message}"
            );
        }
        // Read in the same pass, an object's members are there whatever
        // comes after it.
        let params = raw(json!({"_meta": meta("2026-07-28"), "name": "echo", "arguments": {}}));
        assert!(check(&ok, &RequestMethod::CallTool, Some(&params)).is_ok());
    }

    #[test]
    fn the_clients_description_reads_as_it_did_when_asked() {
        let ok = echo_call();
        let meta = json!({
            PROTOCOL_VERSION: "2026-07-28",
            CLIENT_CAPABILITIES: {"sampling": 5},
            "io.modelcontextprotocol/clientInfo": {"name": "c", "version": "1"},
        });
        let params = raw(json!({"name": "echo", "_meta": meta}));
        let checked = check(&ok, &RequestMethod::CallTool, Some(&params)).unwrap();
        assert!(
            checked.client.capabilities().sampling.is_none(),
            "capabilities that do not read as rmcp's type declare nothing"
        );
        assert_eq!(checked.client.info().map(|i| i.name.as_str()), Some("c"));
        let cloned = checked.client.clone();
        assert_eq!(cloned.info().map(|i| i.version.as_str()), Some("1"));
    }

    #[test]
    fn a_calls_params_are_read_with_the_check_unless_its_own_read_differs() {
        let ok = echo_call();
        let call = |params: String| {
            let params = RawValue::from_string(params).unwrap();
            check(&ok, &RequestMethod::CallTool, Some(&params))
                .unwrap()
                .call
        };
        let described = meta("2026-07-28");
        let read = call(format!(
            r#"{{"name": "echo", "arguments": {{"a": 1}}, "_meta": {described}}}"#
        ))
        .expect("read in the check's pass");
        assert_eq!(read.name, "echo");
        assert_eq!(read.arguments, json!({"a": 1}).as_object().cloned());
        assert!(read.meta.is_some_and(|m| m.progress_token.is_none()));
        // Left to the method's own read, which reports what it refuses,
        // reads the progress token, or unescapes.
        let mut with_token = described.clone();
        with_token["progressToken"] = json!(3);
        for params in [
            format!(r#"{{"name": "echo", "arguments": [1], "_meta": {described}}}"#),
            format!(
                r#"{{"name": "echo", "arguments": {{}}, "arguments": {{}}, "_meta": {described}}}"#
            ),
            format!(r#"{{"name": "echo", "_meta": {with_token}}}"#),
            format!(r#"{{"name": "ec\u0068o", "_meta": {described}}}"#),
        ] {
            assert!(call(params.clone()).is_none(), "{params}");
        }
        // Another method's params are never read for a call.
        let list = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
        ]);
        let params = raw(json!({"_meta": meta("2026-07-28")}));
        let checked = check(&list, &RequestMethod::ListTools, Some(&params)).unwrap();
        assert!(checked.call.is_none());
    }

    #[test]
    fn checks_meta_then_headers_in_the_specs_order() {
        let call = RequestMethod::CallTool;
        let ok = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("Mcp-Method", " tools/call "),
            ("mcp-name", "echo"),
        ]);
        let params = raw(json!({"name": "echo", "_meta": meta("2026-07-28")}));
        let checked = check(&ok, &call, Some(&params)).unwrap();
        assert!(checked.client.capabilities().sampling.is_some());
        assert_eq!(checked.client.logs, LogFilter::Off);

        let code = |h: &HeaderMap, p: Value| check(h, &call, Some(&raw(p))).err().unwrap().code.0;
        assert_eq!(code(&ok, json!({"name": "echo"})), -32602);
        assert_eq!(
            code(
                &ok,
                json!({"name": "echo", "_meta": {PROTOCOL_VERSION: "2026-07-28"}})
            ),
            -32602
        );
        // The header disagrees with `_meta`: a mismatch, before the version.
        assert_eq!(
            code(&ok, json!({"name": "echo", "_meta": meta("v9")})),
            -32020
        );
        let v9 = headers(&[("mcp-protocol-version", "v9"), ("mcp-method", "tools/call")]);
        let e = check(
            &v9,
            &call,
            Some(&raw(json!({"name": "e", "_meta": meta("v9")}))),
        )
        .err()
        .unwrap();
        assert_eq!(e.code.0, -32022);
        assert_eq!(e.data.unwrap()["requested"], "v9");
        let wrong_case = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "TOOLS/CALL"),
            ("mcp-name", "echo"),
        ]);
        assert_eq!(
            code(
                &wrong_case,
                json!({"name": "echo", "_meta": meta("2026-07-28")})
            ),
            -32020
        );
        let other_name = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "other"),
        ]);
        assert_eq!(
            code(
                &other_name,
                json!({"name": "echo", "_meta": meta("2026-07-28")})
            ),
            -32020
        );
    }

    #[test]
    fn param_headers_repeat_marked_arguments() {
        let marked: BTreeMap<String, String> = [("region".to_owned(), "Region".to_owned())].into();
        let args = |v: Value| v.as_object().unwrap().clone();
        let check =
            |h: &[(&str, &str)], a: Value| check_param_headers(&headers(h), &marked, &args(a));
        assert!(check(&[("mcp-param-region", "eu")], json!({"region": "eu"})).is_ok());
        assert!(
            check(
                &[("mcp-param-region", "=?base64?ZXU=?=")],
                json!({"region": "eu"})
            )
            .is_ok()
        );
        assert!(
            check(
                &[("mcp-param-region", "=?base64?ZXU?=")],
                json!({"region": "eu"})
            )
            .is_err()
        );
        assert!(
            check(
                &[("mcp-param-region", "=?base64?Z!U=?=")],
                json!({"region": "eu"})
            )
            .is_err()
        );
        assert!(check(&[("mcp-param-region", "ZXU=")], json!({"region": "ZXU="})).is_ok());
        assert!(check(&[], json!({"region": "eu"})).is_err());
        assert!(check(&[], json!({})).is_ok());
        let marked: BTreeMap<String, String> = [("n".to_owned(), "N".to_owned())].into();
        assert!(
            check_param_headers(
                &headers(&[("mcp-param-n", "42.0")]),
                &marked,
                &args(json!({"n": 42}))
            )
            .is_ok()
        );
    }

    #[test]
    fn request_state_is_bound_and_tamper_proof() {
        let key = StateKey::random();
        let answers = json!({"step1": {"action": "accept"}})
            .as_object()
            .unwrap()
            .clone();
        let args = |v: Value| v.as_object().unwrap().clone();
        let bind = |key: &StateKey, item: &str, a: Value, caller: Option<&str>| {
            Binding::new(key, item.into(), &args(a), caller.map(str::to_owned))
        };
        let one = bind(&key, "tools/call:delete", json!({"id": 1}), Some("alice"));
        let token = key.sign(&one, &answers);
        assert_eq!(key.open(&one, &token), Some(answers));
        let two = bind(&key, "tools/call:delete", json!({"id": 2}), Some("alice"));
        assert_eq!(key.open(&two, &token), None, "bound to its exact arguments");
        let other_tool = bind(&key, "tools/call:other", json!({"id": 1}), Some("alice"));
        assert_eq!(key.open(&other_tool, &token), None, "bound to its tool");
        let mallory = bind(&key, "tools/call:delete", json!({"id": 1}), Some("mallory"));
        assert_eq!(key.open(&mallory, &token), None, "bound to its caller");
        let anonymous = bind(&key, "tools/call:delete", json!({"id": 1}), None);
        assert_eq!(key.open(&anonymous, &token), None);
        let mut tampered = token.clone();
        tampered.replace_range(2..3, if &token[2..3] == "A" { "B" } else { "A" });
        assert_eq!(key.open(&one, &tampered), None);
        assert_eq!(StateKey::random().open(&one, &token), None, "another key");
        let shared = StateKey::from_bytes(b"replicas");
        let t = bind(&shared, "t", json!({}), None);
        let token = shared.sign(&t, &Map::new());
        assert!(StateKey::from_bytes(b"replicas").open(&t, &token).is_some());
        // Expired: signed as if issued long ago.
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let stale = serde_json::to_vec(&SignedState {
            t: t.item.clone(),
            h: t.arguments.clone(),
            c: None,
            e: now() - 1,
            a: Map::new(),
        })
        .unwrap();
        let stale = format!("{}.{}", b64.encode(&stale), b64.encode(shared.mac(&stale)));
        assert_eq!(shared.open(&t, &stale), None, "expired");
    }
}
