//! Running a tool's real handler and turning its HTTP response into a
//! `CallToolResult`.
//!
//! Generated code (see `mcp-macros`) decides, per parameter and by type, how
//! the value is obtained:
//!
//! * `web::Path`, `web::Query`, `web::Json` and `web::Form` implement
//!   [`IsArgument`] and are rebuilt from the call's arguments;
//! * every other type is run as an actix [`FromRequest`] extractor against the
//!   MCP HTTP request, so `web::Data`, `HttpRequest`, `ReqData` and the app's
//!   own extractors (auth!) behave exactly as on the REST route.
//!
//! The choice uses autoref specialization on a [`Probe`]:
//! `(&&Probe::<T>::new()).kind()` resolves to [`ViaArguments`] when
//! `T: IsArgument` (one fewer auto-deref) and to [`ViaRequest`] otherwise. The
//! `kind` returned then builds a handle whose bound (`FromArguments` or
//! `FromRequest`) is checked exactly once, at the parameter's span.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::body;
use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, web};
use base64::Engine as _;
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::arguments::{ArgumentError, ArgumentsView, FromArguments, IsArgument, Slot, Source};
use crate::schema::Signature;

/// What the generated invoker is asked to do.
#[doc(hidden)]
pub enum Invocation<'a> {
    /// Record the parameters and output type (once, at start-up).
    Describe(&'a mut Signature),
    /// Run the handler.
    Call(CallContext<'a>),
}

#[doc(hidden)]
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolOutcome> + 'a>>;

/// The generated entry point of one tool.
#[doc(hidden)]
pub type Invoker = for<'a> fn(Invocation<'a>) -> Option<ToolFuture<'a>>;

/// How far a call got.
#[doc(hidden)]
pub enum ToolOutcome {
    /// The handler ran and responded.
    Response(HttpResponse),
    /// The arguments do not fit an argument extractor.
    InvalidArguments(ArgumentError),
    /// A request extractor rejected the request (e.g. the app's auth type).
    Rejected(actix_web::Error),
}

/// One tool call, as seen by the generated invoker.
#[doc(hidden)]
pub struct CallContext<'a> {
    pub(crate) request: &'a HttpRequest,
    pub(crate) arguments: &'a Map<String, Value>,
    pub(crate) slots: &'a [Option<Slot>],
}

impl CallContext<'_> {
    /// Renders the handler's return value the way actix would.
    pub fn respond<R: Responder>(&self, out: R) -> ToolOutcome {
        ToolOutcome::Response(out.respond_to(self.request).map_into_boxed_body())
    }
}

/// Selects the class of a parameter type (see the module docs).
#[doc(hidden)]
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

#[doc(hidden)]
pub trait ViaArguments {
    fn kind(&self) -> ArgumentKind;
}

impl<T: IsArgument> ViaArguments for &Probe<T> {
    fn kind(&self) -> ArgumentKind {
        ArgumentKind
    }
}

#[doc(hidden)]
pub trait ViaRequest {
    fn kind(&self) -> RequestKind;
}

impl<T> ViaRequest for Probe<T> {
    fn kind(&self) -> RequestKind {
        RequestKind
    }
}

#[doc(hidden)]
pub struct ArgumentKind;

impl ArgumentKind {
    pub fn handle<T: FromArguments>(self) -> ArgumentHandle<T> {
        ArgumentHandle {
            source: T::SOURCE,
            schema: T::schema,
            build: T::from_arguments,
        }
    }
}

#[doc(hidden)]
pub struct RequestKind;

impl RequestKind {
    pub fn handle<T: FromRequest>(self) -> RequestHandle<T::Future> {
        RequestHandle {
            from_request: T::from_request,
        }
    }
}

/// Builds one argument extractor. Its methods carry no bounds, so a type
/// error is reported once, where the handle is made.
#[doc(hidden)]
pub struct ArgumentHandle<T> {
    source: Source,
    schema: fn(&mut SchemaGenerator) -> Schema,
    build: fn(ArgumentsView<'_>) -> Result<T, ArgumentError>,
}

impl<T> ArgumentHandle<T> {
    pub fn describe(&self, signature: &mut Signature) {
        signature.argument(self.source, self.schema);
    }

    pub async fn extract(&self, cx: &CallContext<'_>, position: usize) -> Result<T, ToolOutcome> {
        let slot = cx
            .slots
            .get(position)
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                // The registry compiled this tool from the same `describe`, so a
                // missing slot is a bug in this crate, reported rather than panicking.
                ToolOutcome::Rejected(actix_web::error::ErrorInternalServerError(
                    "mcp-runtime: no argument slot for this parameter",
                ))
            })?;
        (self.build)(ArgumentsView::new(cx.arguments, slot)).map_err(ToolOutcome::InvalidArguments)
    }
}

/// Runs one request extractor against the MCP HTTP request.
#[doc(hidden)]
pub struct RequestHandle<F> {
    from_request: fn(&HttpRequest, &mut Payload) -> F,
}

impl<F> RequestHandle<F> {
    pub fn describe(&self, signature: &mut Signature) {
        signature.request();
    }
}

impl<F, T, E> RequestHandle<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<actix_web::Error>,
{
    pub async fn extract(&self, cx: &CallContext<'_>, _position: usize) -> Result<T, ToolOutcome> {
        // The MCP body (the JSON-RPC message) is already consumed: request
        // extractors see an empty payload, as they would on a GET.
        (self.from_request)(cx.request, &mut Payload::None)
            .await
            .map_err(|e| ToolOutcome::Rejected(e.into()))
    }
}

/// Return types with an output schema: `web::Json<T>`, also inside `Result`.
#[doc(hidden)]
pub trait HasOutputSchema {
    fn output_schema(generator: &mut SchemaGenerator) -> Schema;
}

impl<T: JsonSchema> HasOutputSchema for web::Json<T> {
    fn output_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

/// Forwards to the wrapped responder's output schema.
macro_rules! forward_output_schema {
    ($($(#[$m:meta])* [$($gen:tt)*] $ty:ty;)*) => {$(
        $(#[$m])*
        impl<$($gen)*> HasOutputSchema for $ty {
            fn output_schema(generator: &mut SchemaGenerator) -> Schema {
                R::output_schema(generator)
            }
        }
    )*};
}

forward_output_schema! {
    [R: HasOutputSchema, E] Result<R, E>;
    /// `(web::Json<T>, StatusCode)`, e.g. a 201 Created.
    [R: HasOutputSchema] (R, actix_web::http::StatusCode);
    /// `web::Json(t).customize().with_status(…)`.
    [R: HasOutputSchema] actix_web::CustomizeResponder<R>;
}

/// Picks the output schema of a return type, if it has one (autoref, as [`Probe`]).
#[doc(hidden)]
pub struct OutputProbe<R>(PhantomData<R>);

impl<R> OutputProbe<R> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        OutputProbe(PhantomData)
    }
}

#[doc(hidden)]
pub type OutputSchemaFn = fn(&mut SchemaGenerator) -> Schema;

#[doc(hidden)]
pub trait ViaOutputSchema {
    fn output(&self) -> Option<OutputSchemaFn>;
}

impl<R: HasOutputSchema> ViaOutputSchema for &OutputProbe<R> {
    fn output(&self) -> Option<OutputSchemaFn> {
        Some(R::output_schema)
    }
}

#[doc(hidden)]
pub trait NoOutputSchema {
    fn output(&self) -> Option<OutputSchemaFn>;
}

impl<R> NoOutputSchema for OutputProbe<R> {
    fn output(&self) -> Option<OutputSchemaFn> {
        None
    }
}

/// How a tool's successful JSON body becomes `structuredContent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Structured {
    /// The tool declares no output schema.
    No,
    /// The body is the structured content.
    AsIs,
    /// The body is wrapped as `{"result": …}` (non-object output types).
    Wrapped,
}

/// Maps the handler's HTTP response to a tool result.
///
/// * Status ≥ 400: `isError: true`, with the status line and the body.
/// * JSON: pretty-printed text, plus `structuredContent` when the tool has an
///   output schema.
/// * `image/*` and `audio/*`: image and audio content (base64).
/// * Other UTF-8 bodies: text; other binary bodies: an embedded blob resource.
pub(crate) async fn call_result(
    response: HttpResponse,
    tool: &str,
    structured: Structured,
    max_bytes: usize,
) -> CallToolResult {
    let status = response.status();
    let mime = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let bytes = match body::to_bytes_limited(response.into_body(), max_bytes).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => return error_text(format!("reading the response of `{tool}` failed: {e}")),
        Err(_) => {
            return error_text(format!(
                "the response of `{tool}` is larger than {max_bytes} bytes"
            ));
        }
    };
    let is_json = mime == "application/json" || mime.ends_with("+json");
    let json = if is_json {
        serde_json::from_slice::<Value>(&bytes).ok()
    } else {
        None
    };
    let text = || match &json {
        Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };

    if status.is_client_error() || status.is_server_error() {
        let mut message = format!("HTTP {status}");
        if !bytes.is_empty() {
            message.push('\n');
            message.push_str(&text());
        }
        return error_text(message);
    }

    let content = if bytes.is_empty() {
        ContentBlock::text(format!("HTTP {status}"))
    } else if json.is_some() || std::str::from_utf8(&bytes).is_ok() && !is_binary_media(&mime) {
        ContentBlock::text(text())
    } else {
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let mime = if mime.is_empty() {
            "application/octet-stream".to_owned()
        } else {
            mime
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
    };
    let mut result = CallToolResult::success(vec![content]);
    result.result_type = None;
    result.structured_content = match (structured, json) {
        (Structured::AsIs, Some(v)) if v.is_object() => Some(v),
        (Structured::Wrapped, Some(v)) => Some(serde_json::json!({ "result": v })),
        _ => None,
    };
    result
}

/// Media types that are binary even when the bytes happen to be valid UTF-8.
fn is_binary_media(mime: &str) -> bool {
    mime.starts_with("image/") || mime.starts_with("audio/") || mime == "application/octet-stream"
}

/// A tool error result carrying one text block.
pub(crate) fn error_text(message: String) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
    result.result_type = None;
    result
}
