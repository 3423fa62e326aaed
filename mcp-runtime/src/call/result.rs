//! A handler's HTTP response as a tool result (`CallToolResult`).
//!
//! | response | result |
//! |---|---|
//! | 2xx JSON | the body as text; `structuredContent` when the tool declares an `outputSchema` |
//! | 2xx `image/*`, `audio/*` | image or audio content (base64) |
//! | 2xx other text | text; other binary bodies an embedded blob resource |
//! | [`ToolContent`] | its content blocks as given |
//! | 3xx | not followed: `HTTP 302 Found` and the `Location` to look at |
//! | 4xx, 5xx | `isError: true`, with the status line and the body |
//! | empty body | `HTTP 204 No Content` |
//!
//! A status other than 200, and the headers a client may need (`Location`,
//! `Content-Location`, `ETag`, `Last-Modified`, `Retry-After`), are visible
//! twice: as a text block after the body, for the model, and as
//! `_meta["dev.mcp-runtime/http"] = {"status": 201, "headers": {…}}`, for
//! programs.
//!
//! The body is carried byte for byte: the JSON text is the handler's own
//! bytes, and `structuredContent` embeds them unparsed, so nothing is lost
//! to a re-parse (very deep JSON included). A body that arrives in chunks
//! (`HttpResponse::streaming`, server-sent events) is relayed chunk by chunk
//! as progress notifications while the call runs, then returned whole.

use std::fmt;
use std::pin::pin;
use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::web::{Bytes, BytesMut};
use base64::Engine as _;
use rmcp::model::{ContentBlock, ResourceContents};
use serde::Serialize;
use serde::ser::SerializeMap as _;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::call::context::CallScope;
use crate::catalog::registry::Structured;
use crate::protocol::content::Blocks;
use crate::protocol::stateless;
use crate::support::media;

/// The `_meta` key under which the HTTP status and headers travel.
pub(crate) const HTTP_META: &str = "dev.mcp-runtime/http";

/// Response headers a client may need, shown with the result.
const VISIBLE_HEADERS: &[HeaderName] = &[
    header::LOCATION,
    header::CONTENT_LOCATION,
    header::ETAG,
    header::LAST_MODIFIED,
    header::RETRY_AFTER,
];

/// A `CallToolResult` on the wire. `structuredContent` is raw JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ToolResult {
    #[serde(serialize_with = "blocks")]
    pub content: Vec<ContentBlock>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    #[serde(rename = "_meta", skip_serializing_if = "ResultMeta::is_empty")]
    pub meta: ResultMeta,
    /// `complete`, under the stateless revision.
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    pub result_type: Option<&'static str>,
}

/// A result's content blocks, a plain text block (nearly every result's)
/// written directly: as rmcp writes it, without going through serde's
/// internally tagged enum machinery (half of the block's cost).
fn blocks<S: serde::Serializer>(blocks: &[ContentBlock], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(blocks.iter().map(|block| match block {
        ContentBlock::Text(t) if t.meta.is_none() && t.annotations.is_none() => {
            Block::Text(TextBlock {
                r#type: "text",
                text: &t.text,
            })
        }
        other => Block::Other(other),
    }))
}

#[derive(Serialize)]
#[serde(untagged)]
enum Block<'a> {
    Text(TextBlock<'a>),
    Other(&'a ContentBlock),
}

#[derive(Serialize)]
struct TextBlock<'a> {
    r#type: &'static str,
    text: &'a str,
}

impl ToolResult {
    /// A tool error carrying one text block.
    pub(crate) fn error(message: impl Into<String>) -> Self {
        ToolResult {
            content: vec![ContentBlock::text(message)],
            structured_content: None,
            is_error: true,
            meta: ResultMeta::default(),
            result_type: None,
        }
    }
}

/// A result's `_meta`: what the response's status and headers say, and,
/// under the stateless revision, the server's identity.
#[derive(Debug, Default)]
pub(crate) struct ResultMeta {
    /// Under [`HTTP_META`].
    pub http: Option<Value>,
    /// Under `io.modelcontextprotocol/serverInfo`: serialized once, when
    /// the server is built, and written as it is.
    pub server_info: Option<Arc<RawValue>>,
}

impl ResultMeta {
    fn is_empty(&self) -> bool {
        self.http.is_none() && self.server_info.is_none()
    }
}

impl Serialize for ResultMeta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if let Some(http) = &self.http {
            map.serialize_entry(HTTP_META, http)?;
        }
        if let Some(info) = &self.server_info {
            map.serialize_entry(stateless::SERVER_INFO, &**info)?;
        }
        map.end()
    }
}

/// What the mapping needs to know about the call.
pub(crate) struct Mapping<'a> {
    pub tool: &'static str,
    pub structured: Structured,
    pub max_bytes: usize,
    /// The call's scope, to relay streamed chunks as progress.
    pub scope: Option<&'a CallScope>,
}

/// Maps the handler's HTTP response to a tool result.
pub(crate) async fn from_response(mut response: HttpResponse, cx: &Mapping<'_>) -> ToolResult {
    let status = response.status();
    let blocks = response.extensions_mut().remove::<Blocks>();
    let mime = media::of_owned(response.headers());
    let http = http_meta(status, response.headers());
    let body = match read_body(response, cx).await {
        Ok(body) => body,
        Err(e) => return ToolResult::error(e.to_string()),
    };
    let mut result = match blocks {
        Some(Blocks(content)) if status.is_success() => ToolResult {
            content,
            structured_content: None,
            is_error: false,
            meta: ResultMeta::default(),
            result_type: None,
        },
        _ => body_result(status, &mime, body, cx),
    };
    match http {
        Some((summary, meta)) => {
            result.content.push(ContentBlock::text(summary));
            result.meta.http = Some(meta);
        }
        None if result.content.is_empty() => {
            result
                .content
                .push(ContentBlock::text(format!("HTTP {status}")));
        }
        None => {}
    }
    result
}

fn body_result(status: StatusCode, mime: &str, body: Bytes, cx: &Mapping<'_>) -> ToolResult {
    let is_json = mime == "application/json" || mime.ends_with("+json");
    if status.is_client_error() || status.is_server_error() {
        let mut message = format!("HTTP {status}");
        if !body.is_empty() {
            message.push('\n');
            message.push_str(&String::from_utf8_lossy(&body));
        }
        return ToolResult::error(message);
    }
    if body.is_empty() {
        // The status line, added by `from_response`, is all there is.
        return ToolResult {
            content: Vec::new(),
            structured_content: None,
            is_error: false,
            meta: ResultMeta::default(),
            result_type: None,
        };
    }
    let text = (!is_binary_media(mime))
        .then(|| std::str::from_utf8(&body).ok())
        .flatten();
    let structured = match (status.is_success(), is_json, text) {
        (true, true, Some(text)) => match structured(text, cx.structured) {
            Ok(s) => s,
            Err(problem) => {
                return ToolResult::error(format!(
                    "the response of `{}` does not match its output schema: {problem}",
                    cx.tool
                ));
            }
        },
        _ => None,
    };
    let content = match text {
        Some(text) => ContentBlock::text(text),
        None => binary(cx.tool, mime, &body),
    };
    ToolResult {
        content: vec![content],
        structured_content: structured,
        is_error: false,
        meta: ResultMeta::default(),
        result_type: None,
    }
}

/// Why a handler's body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body stream failed (its error, as the body type reports it).
    Read { tool: &'static str, error: String },
    /// Over `max_response_size`.
    TooLarge { tool: &'static str, max: usize },
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Read { tool, error } => {
                write!(f, "reading the response of `{tool}` failed: {error}")
            }
            BodyError::TooLarge { tool, max } => {
                write!(f, "the response of `{tool}` is larger than {max} bytes")
            }
        }
    }
}

/// Why a JSON body cannot be a tool's structured content.
#[derive(Debug)]
enum Unstructured {
    NotJson(serde_json::Error),
    NotAnObject,
}

impl fmt::Display for Unstructured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unstructured::NotJson(e) => write!(f, "it is not valid JSON ({e})"),
            Unstructured::NotAnObject => f.write_str("it is not a JSON object"),
        }
    }
}

/// The structured content for a JSON body, embedded as is.
fn structured(text: &str, mode: Structured) -> Result<Option<Box<RawValue>>, Unstructured> {
    let json = || -> Result<Box<RawValue>, Unstructured> {
        // Validates without building a tree, so depth costs nothing.
        serde_json::from_str::<&RawValue>(text)
            .map(RawValue::to_owned)
            .map_err(Unstructured::NotJson)
    };
    match mode {
        Structured::No => Ok(None),
        Structured::AsIs => {
            let raw = json()?;
            if !raw.get().starts_with('{') {
                return Err(Unstructured::NotAnObject);
            }
            Ok(Some(raw))
        }
        Structured::Wrapped => {
            let raw = json()?;
            let wrapped = format!(r#"{{"result":{}}}"#, raw.get());
            RawValue::from_string(wrapped)
                .map(Some)
                .map_err(Unstructured::NotJson)
        }
    }
}

fn binary(tool: &str, mime: &str, body: &[u8]) -> ContentBlock {
    let data = base64::engine::general_purpose::STANDARD.encode(body);
    let mime = if mime.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        mime.to_owned()
    };
    if mime.starts_with("image/") {
        ContentBlock::image(data, mime)
    } else if mime.starts_with("audio/") {
        ContentBlock::audio(data, mime)
    } else {
        ContentBlock::resource(ResourceContents::BlobResourceContents {
            uri: format!("urn:mcp-runtime:tool:{tool}:result"),
            mime_type: Some(mime),
            blob: data,
            meta: None,
        })
    }
}

/// The status and visible headers, when there is something to show: as
/// text for the model and as JSON for `_meta`.
fn http_meta(status: StatusCode, headers: &HeaderMap) -> Option<(String, Value)> {
    // Most answers show nothing: a plain 200 with none of the headers
    // (found among the response's few headers, not looked up one by one).
    if status == StatusCode::OK && !headers.keys().any(|k| VISIBLE_HEADERS.contains(k)) {
        return None;
    }
    let shown: Vec<(&HeaderName, String)> = VISIBLE_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?;
            Some((name, String::from_utf8_lossy(value.as_bytes()).into_owned()))
        })
        .collect();
    // Errors already state their status; a plain 200 says nothing new.
    let noteworthy_status =
        status != StatusCode::OK && !status.is_client_error() && !status.is_server_error();
    if shown.is_empty() && !noteworthy_status {
        return None;
    }
    let mut text = format!("HTTP {status}");
    let mut header_map = Map::new();
    for (name, value) in shown {
        text.push_str(&format!("\n{}: {value}", canonical(name)));
        header_map.insert(name.as_str().to_owned(), value.into());
    }
    if status.is_redirection() {
        text.push_str("\n(redirect not followed)");
    }
    let meta = serde_json::json!({ "status": status.as_u16(), "headers": header_map });
    Some((text, meta))
}

/// `Content-Location` rather than `content-location`, for readers.
fn canonical(name: &HeaderName) -> String {
    name.as_str()
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
        .replace("Etag", "ETag")
}

/// Media types that are binary even when the bytes happen to be valid UTF-8.
pub(crate) fn is_binary_media(mime: &str) -> bool {
    mime.starts_with("image/") || mime.starts_with("audio/") || mime == "application/octet-stream"
}

/// Reads the whole body (at most `max_bytes`), relaying each chunk of a
/// streamed body as a progress notification.
pub(crate) async fn read_body(
    response: HttpResponse,
    cx: &Mapping<'_>,
) -> Result<Bytes, BodyError> {
    let (head, body) = response.into_parts();
    match body.try_into_bytes() {
        // A body held whole (as a handler's `String`, `Json` or bytes are)
        // is taken as it is.
        Ok(bytes) if bytes.len() > cx.max_bytes => Err(BodyError::TooLarge {
            tool: cx.tool,
            max: cx.max_bytes,
        }),
        Ok(bytes) => Ok(bytes),
        // Boxed: a stream's reading (and relaying) is most of this future,
        // and held inline it would make every call's future larger.
        Err(body) => Box::pin(read_stream(&head, body, cx)).await,
    }
}

/// Reads a streamed body (see [`read_body`]).
async fn read_stream(
    head: &HttpResponse<()>,
    body: BoxBody,
    cx: &Mapping<'_>,
) -> Result<Bytes, BodyError> {
    let is_sse = media::of(head.headers()) == "text/event-stream";
    let streamed = matches!(body.size(), BodySize::Stream);
    let mut body = pin!(body);
    let mut out = BytesMut::new();
    let mut chunks = 0u32;
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let chunk = chunk.map_err(|e| BodyError::Read {
            tool: cx.tool,
            error: e.to_string(),
        })?;
        if out.len() + chunk.len() > cx.max_bytes {
            return Err(BodyError::TooLarge {
                tool: cx.tool,
                max: cx.max_bytes,
            });
        }
        out.extend_from_slice(&chunk);
        if streamed && let Some(scope) = cx.scope {
            chunks += 1;
            let text = String::from_utf8_lossy(&chunk);
            let message = if is_sse {
                sse_data(&text)
            } else {
                text.into_owned()
            };
            scope.progress(f64::from(chunks), None, Some(message)).await;
        }
    }
    Ok(out.freeze())
}

/// The `data:` lines of server-sent events, joined: what a reader of the
/// stream would see.
fn sse_data(chunk: &str) -> String {
    let data: Vec<&str> = chunk
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect();
    if data.is_empty() {
        chunk.to_owned()
    } else {
        data.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::Responder as _;

    use crate::protocol::content::ToolContent;

    #[test]
    fn content_blocks_are_written_as_rmcp_writes_them() {
        let mut annotations = rmcp::model::Annotations::default();
        annotations.priority = Some(0.5);
        let annotated =
            ContentBlock::Text(rmcp::model::TextContent::new("hi").with_annotations(annotations));
        for content in [
            vec![ContentBlock::text("a \"quoted\"\nline é")],
            vec![ContentBlock::text(""), annotated],
            vec![
                ContentBlock::image("aGk=", "image/png"),
                ContentBlock::text("x"),
            ],
        ] {
            let ours = serde_json::to_value(ToolResult {
                content: content.clone(),
                structured_content: None,
                is_error: false,
                meta: ResultMeta::default(),
                result_type: None,
            })
            .unwrap();
            let rmcp = serde_json::to_value(&content).unwrap();
            assert_eq!(ours["content"], rmcp);
        }
        let text = ToolResult::error("no");
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            r#"{"content":[{"type":"text","text":"no"}],"isError":true}"#
        );
    }

    fn mapping(structured: Structured) -> Mapping<'static> {
        Mapping {
            tool: "t",
            structured,
            max_bytes: 1 << 20,
            scope: None,
        }
    }

    async fn map(response: HttpResponse, structured: Structured) -> Value {
        let result = from_response(response, &mapping(structured)).await;
        serde_json::to_value(&result).unwrap()
    }

    #[actix_web::test]
    async fn a_body_over_the_limit_is_refused_whole_or_streamed() {
        let cx = Mapping {
            max_bytes: 4,
            ..mapping(Structured::AsIs)
        };
        let chunks = || {
            let chunk =
                |text: &'static str| Ok::<_, actix_web::Error>(Bytes::from_static(text.as_bytes()));
            futures_util::stream::iter([chunk("abc"), chunk("de")])
        };
        for (response, over) in [
            (HttpResponse::Ok().body("abcd"), false),
            (HttpResponse::Ok().body("abcde"), true),
            (HttpResponse::Ok().streaming(chunks()), true),
        ] {
            let read = read_body(response, &cx).await;
            assert_eq!(
                matches!(read, Err(BodyError::TooLarge { max: 4, .. })),
                over,
                "{read:?}"
            );
        }
        let whole = read_body(HttpResponse::Ok().body("abcd"), &cx).await;
        assert_eq!(whole.unwrap(), "abcd");
    }

    #[actix_web::test]
    async fn json_bodies_are_carried_byte_for_byte() {
        let body = r#"{"b": 1,  "a": [true]}"#;
        let r = map(
            HttpResponse::Ok()
                .content_type("application/json")
                .body(body),
            Structured::AsIs,
        )
        .await;
        assert_eq!(r["content"][0]["text"], body);
        assert_eq!(
            r["structuredContent"],
            serde_json::json!({"b": 1, "a": [true]})
        );
        let r = map(
            HttpResponse::Ok()
                .content_type("application/json")
                .body("[1]"),
            Structured::Wrapped,
        )
        .await;
        assert_eq!(r["structuredContent"], serde_json::json!({"result": [1]}));
    }

    #[actix_web::test]
    async fn deep_json_keeps_its_structured_content() {
        let depth = 200;
        let body = format!(r#"{{"a":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
        let response = HttpResponse::Ok()
            .content_type("application/json")
            .body(body.clone());
        let result = from_response(response, &mapping(Structured::AsIs)).await;
        assert_eq!(result.structured_content.unwrap().get(), body);
    }

    #[actix_web::test]
    async fn redirects_and_created_show_their_location() {
        let r = map(
            HttpResponse::Found()
                .insert_header(("location", "/items/9"))
                .finish(),
            Structured::No,
        )
        .await;
        assert_ne!(r["isError"], true);
        let text: Vec<&str> = r["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["text"].as_str().unwrap())
            .collect();
        assert!(
            text.iter().any(|t| t.contains("Location: /items/9")),
            "{text:?}"
        );
        assert_eq!(r["_meta"][HTTP_META]["status"], 302);
        assert_eq!(r["_meta"][HTTP_META]["headers"]["location"], "/items/9");

        let r = map(
            HttpResponse::Created()
                .insert_header(("location", "/items/4"))
                .insert_header(("etag", "\"v1\""))
                .content_type("application/json")
                .body(r#"{"id":4}"#),
            Structured::AsIs,
        )
        .await;
        assert_eq!(r["structuredContent"]["id"], 4);
        assert_eq!(r["content"][0]["text"], r#"{"id":4}"#);
        assert_eq!(
            r["content"][1]["text"],
            "HTTP 201 Created\nLocation: /items/4\nETag: \"v1\""
        );
    }

    #[actix_web::test]
    async fn errors_carry_status_and_body() {
        let r = map(
            HttpResponse::NotFound().body("no such item"),
            Structured::AsIs,
        )
        .await;
        assert_eq!(r["isError"], true);
        assert_eq!(r["content"][0]["text"], "HTTP 404 Not Found\nno such item");
    }

    #[actix_web::test]
    async fn content_blocks_pass_through_and_render_on_rest() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let response = ToolContent::new()
            .text("hi")
            .image([1u8, 2], "image/png")
            .respond_to(&req);
        let r = map(response, Structured::No).await;
        assert_eq!(r["content"][0]["text"], "hi");
        assert_eq!(r["content"][1]["type"], "image");
        assert_eq!(r["content"][1]["data"], "AQI=");
    }

    #[test]
    fn sse_chunks_read_as_their_data() {
        assert_eq!(sse_data("data: a\ndata: b\n\n"), "a\nb");
        assert_eq!(sse_data("plain"), "plain");
    }
}
