//! JSON-RPC 2.0 framing: reading one message or a batch from a body, writing
//! responses, errors, and the server's own requests and notifications.
//!
//! The envelope is parsed by hand (rather than into rmcp's typed message enum)
//! so each failure gets its precise code: `-32700` for bytes that are not
//! JSON, `-32600` for JSON that is not a JSON-RPC message, and `-32602` later,
//! per method, for bad `params`. `params` and a client response's `result`
//! stay raw until whoever routes them claims them, but for a `tools/call`
//! read whole in one pass (`Params::Call`, see [`parse_call_first`]).

use std::borrow::Cow;
use std::fmt;

use rmcp::model::{ErrorCode, ErrorData, RequestId};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::protocol::method::{NotificationMethod, RequestMethod, ServerMethod};
use crate::protocol::params::CallToolParams;
use crate::protocol::stateless::PROTOCOL_VERSION;

/// One decoded JSON-RPC message from a client.
#[derive(Debug, Clone)]
pub(crate) enum Message {
    Request {
        id: RequestId,
        method: RequestMethod,
        params: Params,
    },
    Notification {
        method: NotificationMethod,
        params: Option<Box<RawValue>>,
    },
    /// A client's answer to a request this server sent (sampling,
    /// elicitation): routed to whoever is waiting for it.
    Response {
        id: RequestId,
        outcome: Result<Box<RawValue>, ErrorData>,
    },
    /// Well-formed JSON that is not a valid JSON-RPC message.
    Invalid {
        id: Option<RequestId>,
        error: ErrorData,
    },
}

impl Message {
    /// The id of a request (the one kind of message that is answered).
    pub(crate) fn request_id(&self) -> Option<&RequestId> {
        match self {
            Message::Request { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// A request's `params`: raw until the method's handler claims them, or a
/// `tools/call`'s, read with its envelope (see [`parse_call`]).
#[derive(Debug, Clone)]
pub(crate) enum Params {
    Raw(Option<Box<RawValue>>),
    Call(Box<CallToolParams>),
}

impl Params {
    /// The raw `params` a stateless request's check reads. A `tools/call`
    /// read whole has none: the check refuses it (one is never stateless,
    /// see [`parse_call`]).
    pub(crate) fn raw_for_check(&self) -> Option<&RawValue> {
        match self {
            Params::Raw(params) => params.as_deref(),
            Params::Call(_) => None,
        }
    }

    /// These parameters, or the call's when a read gave them whole (a
    /// stateless request's check reads a `tools/call`'s).
    pub(crate) fn or_read(self, call: Option<CallToolParams>) -> Params {
        call.map_or(self, |call| Params::Call(Box::new(call)))
    }
}

/// A POST body: one message or a (2025-03-26 only) batch.
#[derive(Debug)]
pub(crate) enum Incoming {
    Single(Message),
    Batch(Vec<Message>),
}

/// Deserializes a field that is present (even as `null`) into `Some`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Like [`present`], keeping the value raw.
fn present_raw<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

/// The members of a message, each kept raw (but `id`) so that one of the
/// wrong type does not hide the others: the error still carries the id.
/// (`jsonrpc` and `method` borrowed from the body: read once, not kept.)
/// `P` is how `params` is read: raw, or a `tools/call`'s typed (see
/// [`parse_call`]; the same members either way, so that a body one reads
/// the other reads too).
#[derive(Deserialize)]
struct Envelope<'a, P = Box<RawValue>> {
    #[serde(default, borrow)]
    jsonrpc: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, borrow)]
    method: Option<&'a RawValue>,
    #[serde(default = "Option::default")]
    params: Option<P>,
    #[serde(default, deserialize_with = "present_raw")]
    result: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "present_raw")]
    error: Option<Box<RawValue>>,
}

/// Parses a POST body. `Err` is a parse error (`-32700`) for the whole body.
pub(crate) fn parse(body: &[u8]) -> Result<Incoming, ErrorData> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let items: Vec<Box<RawValue>> = serde_json::from_slice(body).map_err(parse_error)?;
        return Ok(Incoming::Batch(
            items.iter().map(|raw| decode(raw.get())).collect(),
        ));
    }
    // One pass for the common case: UTF-8 text with an object that reads
    // as an envelope is valid JSON (serde checks what it skips). Otherwise
    // the syntax is checked on its own, so a syntax error is -32700 even
    // when the shape is also wrong, and a shape error is not one.
    if first == Some(&b'{')
        && let Ok(text) = std::str::from_utf8(body)
        && let Ok(envelope) = serde_json::from_str::<Envelope>(text)
    {
        return Ok(Incoming::Single(message(envelope)));
    }
    let raw: &RawValue = serde_json::from_slice(body).map_err(parse_error)?;
    Ok(Incoming::Single(decode(raw.get())))
}

/// Parses a body of a request that can say it is stateless only in its own
/// `_meta` (none came with an `MCP-Protocol-Version` naming that
/// revision): a `tools/call` in one pass when [`parse_call`] reads it,
/// anything else as [`parse`] does.
pub(crate) fn parse_call_first(body: &[u8]) -> Result<Incoming, ErrorData> {
    match parse_call(body) {
        Some(call) => Ok(Incoming::Single(call)),
        None => parse(body),
    }
}

/// A handshake-era `tools/call` read in one pass, its `params` typed with
/// the envelope: `None` for any other body, which [`parse`] reads (then
/// its `params` raw, and read again by the method's handler). `None` too
/// for any body this pass would not read as `parse` and the handler would,
/// so every failure is still told as they tell it: one that does not read
/// here, a `params` that is not an object, and one that may name a
/// protocol version in a `_meta` (a stateless request, whose check reads
/// `params` raw).
fn parse_call(body: &[u8]) -> Option<Message> {
    // The method spelled out, found in the pass for the version's key.
    let mut call = false;
    let may_be_stateless = slashes_may_name_version(body, |i| {
        call |= i >= 6 && body[i - 6..].starts_with(CALL_METHOD);
    });
    if !call || may_be_stateless {
        return None;
    }
    let (id, Object(call)) = read_call(std::str::from_utf8(body).ok()?)?;
    Some(Message::Request {
        id,
        method: RequestMethod::CallTool,
        params: Params::Call(Box::new(call)),
    })
}

/// `tools/call` as a body spells it when it has no escape.
pub(crate) const CALL_METHOD: &[u8] = br#""tools/call""#;

/// A `tools/call` request read in one pass, its `params` as `P`: its id and
/// params, where [`parse`] would read a request, `tools/call`, with that id
/// (the same members, read as `Envelope` reads them, so a body this read
/// takes `parse` takes too). `None` for anything else, or for `params` that
/// do not read as `P`.
pub(crate) fn read_call<'a, P: Deserialize<'a>>(text: &'a str) -> Option<(RequestId, P)> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let env: Envelope<'a, P> = serde_json::from_str(text).ok()?;
    let id = request_id(&env.id?)?;
    let version = env.jsonrpc.and_then(string);
    let method = env.method.and_then(string);
    if version.as_deref() != Some("2.0") || method.as_deref() != Some("tools/call") {
        return None;
    }
    Some((id, env.params?))
}

/// Whether `text` may hold the key of a request's protocol version:
/// spelled out, or with an escape that could spell one of its characters
/// (`\u…`, `\/`; the others spell none of its letters, `.` or `/`).
pub(crate) fn may_name_version(text: &[u8]) -> bool {
    slashes_may_name_version(text, |_| {})
}

/// [`may_name_version`], showing `other` every `/` that is not the key's
/// until it knows (so other words with a `/` are found in the same pass).
fn slashes_may_name_version(text: &[u8], mut other: impl FnMut(usize)) -> bool {
    // Found by its one `/`, which little else has, in the pass that looks
    // for escapes: cheaper than a substring search. (Where the key's `/`
    // is, found when compiled.)
    const SLASH: usize = {
        let key = PROTOCOL_VERSION.as_bytes();
        let mut i = 0;
        while key[i] != b'/' {
            i += 1;
        }
        i
    };
    memchr::memchr2_iter(b'/', b'\\', text).any(|i| {
        if text[i] == b'\\' {
            matches!(text.get(i + 1), Some(b'u' | b'/'))
        } else if i >= SLASH && text[i - SLASH..].starts_with(PROTOCOL_VERSION.as_bytes()) {
            true
        } else {
            other(i);
            false
        }
    })
}

/// `params` read as `P` from an object only (serde would also read a
/// struct from an array of its fields, where `parse` refuses one).
pub(crate) struct Object<P>(pub P);

impl<'de, P: Deserialize<'de>> Deserialize<'de> for Object<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<P>(std::marker::PhantomData<P>);
        impl<'de, P: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<P> {
            type Value = Object<P>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Object<P>, A::Error> {
                P::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        d.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

fn parse_error(e: serde_json::Error) -> ErrorData {
    ErrorData::parse_error(format!("Parse error: {e}"), None)
}

fn invalid(id: Option<RequestId>, message: impl Into<String>) -> Message {
    Message::Invalid {
        id,
        error: ErrorData::invalid_request(message.into(), None),
    }
}

/// Decodes one syntactically valid JSON value into a message.
fn decode(json: &str) -> Message {
    // Only an object is a message (serde would also read a struct from an
    // array of its fields in order).
    if !json.trim_start().starts_with('{') {
        return invalid(None, "Invalid request: a message must be a JSON object");
    }
    match serde_json::from_str(json) {
        Ok(envelope) => message(envelope),
        Err(e) => invalid(None, format!("Invalid request: {e}")),
    }
}

/// The message an object's members make.
fn message(env: Envelope<'_>) -> Message {
    let id = match env.id {
        None => None,
        Some(v) => match request_id(&v) {
            Some(id) => Some(id),
            None => return invalid(None, "Invalid request: `id` must be a string or an integer"),
        },
    };
    let version = env.jsonrpc.and_then(string);
    if version.as_deref() != Some("2.0") {
        return invalid(id, "Invalid request: `jsonrpc` must be \"2.0\"");
    }
    let method = match env.method {
        None => None,
        Some(raw) => match string(raw) {
            Some(method) => Some(method),
            None => return invalid(id, "Invalid request: `method` must be a string"),
        },
    };
    // MCP's messages take their parameters by name (`null` is as absent).
    if method.is_some()
        && let Some(params) = &env.params
        && !params.get().trim_start().starts_with('{')
    {
        return invalid(id, "Invalid request: `params` must be an object");
    }
    match (method, id) {
        (Some(method), Some(id)) => Message::Request {
            id,
            method: RequestMethod::parse(&method),
            params: Params::Raw(env.params),
        },
        (Some(method), None) => Message::Notification {
            method: NotificationMethod::parse(&method),
            params: env.params,
        },
        (None, Some(id)) => match (env.result, env.error) {
            (Some(result), None) => Message::Response {
                id,
                outcome: Ok(result),
            },
            (None, Some(error)) => match serde_json::from_str::<ErrorData>(error.get()) {
                Ok(error) => Message::Response {
                    id,
                    outcome: Err(error),
                },
                Err(e) => invalid(Some(id), format!("Invalid response: bad `error`: {e}")),
            },
            (Some(_), Some(_)) => invalid(
                Some(id),
                "Invalid response: it has both `result` and `error`",
            ),
            (None, None) => invalid(Some(id), "Invalid request: missing `method`"),
        },
        (None, None) => invalid(None, "Invalid request: missing `method`"),
    }
}

/// The string a raw value is, if it is one: borrowed unless it has escapes.
pub(crate) fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    // Checked by the parser already, a string without escapes is the text
    // between its quotes: read without parsing it again.
    if let Some(text) = raw
        .get()
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        && !text.contains('\\')
    {
        return Some(Cow::Borrowed(text));
    }
    match serde_json::from_str::<&str>(raw.get()) {
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => serde_json::from_str::<String>(raw.get())
            .ok()
            .map(Cow::Owned),
    }
}

fn request_id(v: &Value) -> Option<RequestId> {
    match v {
        Value::String(s) => Some(RequestId::String(s.as_str().into())),
        Value::Number(n) => n.as_i64().map(RequestId::Number),
        _ => None,
    }
}

/// An error response. `id` is serialized even when unknown (`"id": null`),
/// as JSON-RPC requires; clients match errors to requests by it.
#[derive(Serialize)]
struct Failure<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RequestId>,
    error: &'a ErrorData,
}

#[derive(Serialize)]
struct Outgoing<'a, P: ?Sized> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RequestId>,
    method: &'a str,
    params: &'a P,
}

/// Serializes a success response (into room for a small result at once,
/// rather than growing from nothing a few bytes at a time).
pub(crate) fn success<T: Serialize + ?Sized>(id: &RequestId, result: &T) -> Vec<u8> {
    success_with(id, 256, |out| serde_json::to_writer(out, result))
}

/// A success response around a result serialized beforehand (a list's
/// page), given as pieces of JSON text that make it when written one after
/// the other: copied once into a buffer of its final size, where
/// serializing it as a value would grow the buffer, and copy it, several
/// times.
pub(crate) fn success_raw(id: &RequestId, result: &[&str]) -> Vec<u8> {
    let len = result.iter().map(|part| part.len()).sum::<usize>();
    success_with(id, len + 64, |out| {
        for part in result {
            out.extend_from_slice(part.as_bytes());
        }
        Ok(())
    })
}

/// `{"jsonrpc":"2.0","id":…,"result":…}` with what `result` writes: the
/// envelope's fixed parts written as bytes (serialized, each of its member
/// names and `"2.0"` would be escaped on every response).
fn success_with(
    id: &RequestId,
    capacity: usize,
    result: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    let written = serde_json::to_writer(&mut out, id).and_then(|()| {
        out.extend_from_slice(br#","result":"#);
        result(&mut out)
    });
    match written {
        Ok(()) => {
            out.push(b'}');
            out
        }
        Err(e) => internal_error(id, &e),
    }
}

fn internal_error(id: &RequestId, e: &serde_json::Error) -> Vec<u8> {
    failure(
        Some(id),
        &ErrorData::internal_error(format!("failed to serialize the result: {e}"), None),
    )
}

/// Serializes an error response; `id` is `None` only when the request's id
/// could not be read.
pub(crate) fn failure(id: Option<&RequestId>, error: &ErrorData) -> Vec<u8> {
    // `ErrorData` holds only strings, numbers and a `Value`: serialization cannot fail.
    serde_json::to_vec(&Failure {
        jsonrpc: "2.0",
        id,
        error,
    })
    .unwrap_or_default()
}

/// Serializes a notification (no `id`) or a request (with `id`) the server
/// sends to a client.
pub(crate) fn outgoing<P: Serialize + ?Sized>(
    id: Option<&RequestId>,
    method: ServerMethod,
    params: &P,
) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Outgoing {
        jsonrpc: "2.0",
        id,
        method: method.as_str(),
        params,
    })
}

/// Deserializes a method's `params`, mapping failures to `-32602`.
pub(crate) fn params<T: serde::de::DeserializeOwned>(
    method: &RequestMethod,
    params: Option<&RawValue>,
) -> Result<T, ErrorData> {
    let json = params.map_or("{}", RawValue::get);
    serde_json::from_str(json).map_err(|e| {
        ErrorData::invalid_params(
            format!("Invalid params for `{}`: {e}", method.as_str()),
            None,
        )
    })
}

/// Whether JSON `text` may have the member `key` (a finder of its name):
/// spelled out, or behind an escape. When not, a read for that member alone
/// can be skipped: it would find nothing.
///
/// (Searchers are made once, in statics: making one costs more than a
/// search.)
pub(crate) fn may_name(text: &[u8], key: &memchr::memmem::Finder<'_>) -> bool {
    memchr::memchr(b'\\', text).is_some() || key.find(text).is_some()
}

/// `-32601` for a method this server does not implement.
pub(crate) fn method_not_found(method: &RequestMethod) -> ErrorData {
    let method = method.as_str();
    ErrorData::new(
        ErrorCode::METHOD_NOT_FOUND,
        format!("Method not found: {method}"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `parse`, then the method's own read of `params`, make of a
    /// handshake-era `tools/call`: its id and parameters (`None` for
    /// anything else, or anything either refuses).
    fn read_in_two_passes(body: &str) -> Option<(RequestId, CallToolParams)> {
        let Ok(Incoming::Single(message)) = parse(body.as_bytes()) else {
            return None;
        };
        if crate::protocol::stateless::is_stateless_request(None, &message) {
            return None;
        }
        let Message::Request {
            id,
            method: method @ RequestMethod::CallTool,
            params: Params::Raw(raw),
        } = message
        else {
            return None;
        };
        params::<CallToolParams>(&method, raw.as_deref())
            .ok()
            .map(|call| (id, call))
    }

    /// Whether `parse_call` reads `body` as the two passes do, or leaves it
    /// to them; `true` when it read it.
    fn agrees(body: &str) -> bool {
        let Some(message) = parse_call(body.as_bytes()) else {
            return false;
        };
        let Message::Request {
            id,
            method: RequestMethod::CallTool,
            params: Params::Call(call),
        } = message
        else {
            panic!("{body}: read as {message:?}");
        };
        let (old_id, old) = read_in_two_passes(body)
            .unwrap_or_else(|| panic!("{body}: read in one pass, refused in two"));
        assert_eq!(id, old_id, "{body}");
        assert_eq!(format!("{call:?}"), format!("{old:?}"), "{body}");
        true
    }

    #[test]
    fn a_call_read_in_one_pass_is_read_as_in_two() {
        let ids = [
            r#""id":1"#,
            r#""id":"a\"b""#,
            r#""id":1.0"#,
            r#""id":null"#,
            r#""id":-9223372036854775808"#,
            r#""id":18446744073709551615"#,
        ];
        let versions = [r#""jsonrpc":"2.0""#, r#""jsonrpc":"2.1""#, r#""jsonrpc":2"#];
        let methods = [
            r#""method":"tools/call""#,
            r#""method":"tools/list""#,
            r#""method":"tools\/call""#,
            r#""method":null"#,
        ];
        let params = [
            r#""params":{"name":"t","arguments":{"a":[1,{"b":null}],"c":"d\ne"}}"#,
            r#""params":{"name":"t"}"#,
            r#""params":{"name":"t","arguments":null,"x":[]}"#,
            r#""params":{"name":"t","_meta":{"progressToken":"p"}}"#,
            r#""params":{"name":"t","_meta":{"progressToken":7,"other":{}}}"#,
            r#""params":{"name":"t","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#,
            r#""params":{"name":"t","_meta":5}"#,
            r#""params":["t"]"#,
            r#""params":null"#,
            r#""params":"t""#,
            r#""params":{"name":1}"#,
            r#""params":{"arguments":{}}"#,
            r#""params":{"name":"t","arguments":[]}"#,
            r#""params":{"name":"t","name":"u"}"#,
        ];
        let extras = [
            "",
            r#""result":{}"#,
            r#""error":null"#,
            r#""x":{"y":[true]}"#,
        ];
        let mut read = 0;
        for id in ids {
            for version in versions {
                for method in methods {
                    for params in params {
                        for extra in extras {
                            let mut members: Vec<&str> = [version, id, method, params, extra]
                                .into_iter()
                                .filter(|m| !m.is_empty())
                                .collect();
                            for turn in 0..members.len() {
                                members.rotate_left(1);
                                let body = format!("{{{}}}", members.join(","));
                                read += usize::from(agrees(&body));
                                // A member left out, or sent twice.
                                let without = format!("{{{}}}", members[1..].join(","));
                                read += usize::from(agrees(&without));
                                let twice = format!("{{{},{}}}", members.join(","), members[turn]);
                                read += usize::from(agrees(&twice));
                            }
                        }
                    }
                }
            }
        }
        // Each well-formed call was read in one pass, in every order (32
        // calls in 5 orders at least).
        assert!(read >= 160, "{read} read in one pass");
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"w":"hi"}}}"#,
            r#" {"params":{"name":"t"},"method":"tools/call","id":"x","jsonrpc":"2.0"}"#,
        ] {
            assert!(agrees(body), "{body}");
        }
        // Not JSON, or not all of it; a batch; a notification.
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}} x"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t""#,
            r#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}]"#,
            r#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"t"}}"#,
        ] {
            assert!(parse_call(body.as_bytes()).is_none(), "{body}");
        }
        // A version named in `_meta`, however its key is spelled: a
        // stateless request, left to the two passes.
        for key in [
            r#"io.modelcontextprotocol/protocolVersion"#,
            r#"io.modelcontextprotocol\/protocolVersion"#,
            r#"io.modelcontextprotocol\u002fprotocolVersion"#,
            r#"\u0069o.modelcontextprotocol/protocolVersion"#,
        ] {
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t","arguments":{{"s":"a\"\n\\"}},"_meta":{{"{key}":"2026-07-28"}}}}}}"#
            );
            assert!(parse_call(body.as_bytes()).is_none(), "{body}");
            let Ok(Incoming::Single(message)) = parse(body.as_bytes()) else {
                panic!("{body}");
            };
            assert!(
                crate::protocol::stateless::is_stateless_request(None, &message),
                "{body}"
            );
        }
        // Nested past serde_json's limit: refused by both reads alike.
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t","arguments":{{"a":{}1{}}}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(parse_call(deep.as_bytes()).is_none() && read_in_two_passes(&deep).is_none());
    }

    #[test]
    fn a_success_is_written_as_serializing_its_envelope_would() {
        #[derive(Serialize)]
        struct Success<'a, T: ?Sized> {
            jsonrpc: &'static str,
            id: &'a RequestId,
            result: &'a T,
        }
        let ids = [
            RequestId::Number(7),
            RequestId::Number(-1),
            RequestId::String("a \"quoted\" \u{e9}\n id".into()),
        ];
        let results = [
            serde_json::json!({"content": [{"type": "text", "text": "hi"}]}),
            serde_json::json!("text"),
            serde_json::json!(null),
            serde_json::json!([1, {"b": [true]}]),
        ];
        for id in &ids {
            for result in &results {
                let expected = serde_json::to_vec(&Success {
                    jsonrpc: "2.0",
                    id,
                    result,
                })
                .unwrap();
                assert_eq!(success(id, result), expected);
                let text = result.to_string();
                let (head, tail) = text.split_at(text.len() / 2);
                assert_eq!(success_raw(id, &[head, tail]), expected);
            }
        }
    }

    #[test]
    fn params_that_cannot_name_a_member_are_told_apart() {
        let cursor = memchr::memmem::Finder::new("cursor");
        let may = |text: &str| may_name(text.as_bytes(), &cursor);
        assert!(may(r#"{"cursor":"p2"}"#));
        assert!(may(r#"{"c\u0075rsor":"p2"}"#), "an escape may spell it");
        assert!(
            may(r#"{"_meta":{"note":"cursor"}}"#),
            "a value that spells it: read, to be sure"
        );
        assert!(!may(
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#
        ));
        assert!(!may("{}"));
    }

    fn single(body: &str) -> Message {
        match parse(body.as_bytes()).expect("valid JSON") {
            Incoming::Single(m) => m,
            Incoming::Batch(_) => panic!("expected a single message"),
        }
    }

    #[test]
    fn escaped_strings_read_as_their_text() {
        // `jsonrpc` and `method` are read borrowed; one with an escape is
        // read all the same.
        match single(r#"{"jsonrpc":"2\u002e0","id":1,"method":"tools\/list"}"#) {
            Message::Request { id, method, .. } => {
                assert_eq!(id, RequestId::Number(1));
                assert_eq!(method, RequestMethod::ListTools);
            }
            other => panic!("expected a request, got {other:?}"),
        }
        assert!(matches!(
            string(RawValue::from_string("\"a\"".into()).unwrap().as_ref()),
            Some(Cow::Borrowed("a"))
        ));
        assert_eq!(
            string(RawValue::from_string("5".into()).unwrap().as_ref()),
            None
        );
        let raw = |text: &str| RawValue::from_string(text.into()).unwrap();
        assert_eq!(string(&raw(r#""a\tb""#)).as_deref(), Some("a\tb"));
        assert_eq!(string(&raw(r#""\"""#)).as_deref(), Some("\""));
        assert_eq!(string(&raw(r#""""#)).as_deref(), Some(""));
        assert_eq!(string(&raw("null")), None);
    }

    fn invalid_code(m: Message) -> (Option<RequestId>, i32) {
        match m {
            Message::Invalid { id, error } => (id, error.code.0),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn decodes_requests_notifications_and_responses_with_their_payloads() {
        match single(r#"{"jsonrpc":"2.0","id":7,"method":"ping","params":{"a":1}}"#) {
            Message::Request {
                id,
                method,
                params: Params::Raw(params),
            } => {
                assert_eq!(id, RequestId::Number(7));
                assert_eq!(method, RequestMethod::Ping);
                assert_eq!(params.unwrap().get(), r#"{"a":1}"#);
            }
            other => panic!("{other:?}"),
        }
        match single(
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#,
        ) {
            Message::Notification { method, params } => {
                assert_eq!(method, NotificationMethod::Cancelled);
                assert_eq!(params.unwrap().get(), r#"{"requestId":3}"#);
            }
            other => panic!("{other:?}"),
        }
        match single(r#"{"jsonrpc":"2.0","id":"x","result":{"action":"accept"}}"#) {
            Message::Response { id, outcome } => {
                assert_eq!(id, RequestId::String("x".into()));
                assert_eq!(outcome.unwrap().get(), r#"{"action":"accept"}"#);
            }
            other => panic!("{other:?}"),
        }
        match single(r#"{"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no"}}"#) {
            Message::Response { outcome, .. } => assert_eq!(outcome.unwrap_err().message, "no"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_parse_errors() {
        assert_eq!(parse(b"{not json").unwrap_err().code.0, -32700);
        assert_eq!(parse(b"").unwrap_err().code.0, -32700);
        assert_eq!(parse(b"[1,").unwrap_err().code.0, -32700);
    }

    #[test]
    fn shape_errors_are_invalid_requests() {
        assert_eq!(invalid_code(single("42")), (None, -32600));
        assert_eq!(
            invalid_code(single(r#"{"id":1,"method":"ping"}"#)).1,
            -32600
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)),
            (Some(RequestId::Number(1)), -32600)
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#)),
            (None, -32600)
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#)),
            (None, -32600)
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","method":5}"#)),
            (None, -32600)
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","id":3}"#)),
            (Some(RequestId::Number(3)), -32600)
        );
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","id":3,"result":1,"error":{}}"#)),
            (Some(RequestId::Number(3)), -32600)
        );
    }

    #[test]
    fn the_id_survives_other_members_of_the_wrong_type() {
        for body in [
            r#"{"jsonrpc":2.0,"id":5,"method":"ping"}"#,
            r#"{"jsonrpc":{},"id":5,"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":5}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":["ping"]}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":"\ud800"}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":"ping","params":[]}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":"ping","params":"x"}"#,
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":true}"#,
        ] {
            assert_eq!(
                invalid_code(single(body)),
                (Some(RequestId::Number(5)), -32600),
                "{body}"
            );
        }
        assert_eq!(
            invalid_code(single(r#"{"jsonrpc":"2.0","method":"x","params":1}"#)),
            (None, -32600)
        );
        // `null` params are absent params; a `null` result is a result.
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":5,"method":"ping","params":null}"#),
            Message::Request {
                params: Params::Raw(None),
                ..
            }
        ));
        match single(r#"{"jsonrpc":"2.0","id":5,"result":null}"#) {
            Message::Response { outcome, .. } => assert_eq!(outcome.unwrap().get(), "null"),
            other => panic!("{other:?}"),
        }
        // A struct is not read from an array of its members.
        match parse(br#"[["2.0", 1, "ping"]]"#).unwrap() {
            Incoming::Batch(items) => assert_eq!(
                invalid_code(items.into_iter().next().unwrap()),
                (None, -32600)
            ),
            Incoming::Single(_) => panic!("expected a batch"),
        }
    }

    #[test]
    fn batches_decode_each_element() {
        match parse(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, 5]"#).unwrap() {
            Incoming::Batch(items) => {
                assert!(matches!(items[0], Message::Request { .. }));
                assert!(matches!(items[1], Message::Invalid { .. }));
            }
            Incoming::Single(_) => panic!("expected a batch"),
        }
    }

    #[test]
    fn writes_spec_shaped_envelopes() {
        let ok = success(&RequestId::Number(1), &serde_json::json!({}));
        assert_eq!(ok, br#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        let err = failure(None, &method_not_found(&RequestMethod::parse("x/y")));
        assert_eq!(
            String::from_utf8(err).unwrap(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found: x/y"}}"#
        );
        let note = outgoing(
            None,
            ServerMethod::Log,
            &serde_json::json!({"level": "info"}),
        );
        assert_eq!(
            note.unwrap(),
            br#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info"}}"#
        );
    }
}
