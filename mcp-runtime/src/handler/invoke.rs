//! What generated code calls to describe a handler's parameters, check a
//! call's arguments against them, and run a hand-written tool (one without
//! a route; route tools run through the app, see `app`).
//!
//! Generated code (see `mcp-macros`) decides, per parameter and by type, how
//! the value is obtained:
//!
//! * `web::Path`, `web::Query`, `web::Json` and `web::Form` implement
//!   [`IsArgument`] and come from the call's arguments;
//! * every other type is an actix [`FromRequest`] extractor, run against
//!   the request (for a route tool: the tool's own REST request; for a
//!   hand-written tool: the MCP request), so `web::Data`, `HttpRequest`,
//!   `ReqData` and the app's own extractors (auth!) behave as on REST.
//!
//! The choice uses autoref specialization on a [`Probe`]:
//! `(&&Probe::<T>::new()).kind()` resolves to [`ViaArguments`] when
//! `T: IsArgument` (one fewer auto-deref) and to [`ViaRequest`] otherwise. The
//! `kind` returned then builds a handle whose bound (`FromArguments` or
//! `FromRequest`) is checked exactly once, at the parameter's span.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, web};
use rmcp::model::PromptMessage;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::handler::arguments::{
    ArgumentError, ArgumentsView, FromArguments, IsArgument, Plan, Source,
};
use crate::handler::signature::Signature;
use crate::protocol::content::PromptMessages;

#[doc(hidden)]
pub type ToolFuture<'a> = Pin<Box<dyn Future<Output = ToolOutcome> + 'a>>;

/// The generated entry point of a hand-written tool.
#[doc(hidden)]
pub type Invoker = for<'a> fn(CallContext<'a>) -> ToolFuture<'a>;

/// How far a direct call got.
#[doc(hidden)]
pub enum ToolOutcome {
    /// The handler ran and responded, or an extractor's rejection did.
    Response(HttpResponse),
    /// A prompt function returned its messages, or an error to show.
    Prompt(Result<PromptMessages, PromptError>),
    /// The arguments do not fit an argument extractor.
    InvalidArguments(ArgumentError),
}

/// One direct call, as seen by the generated invoker.
#[doc(hidden)]
pub struct CallContext<'a> {
    pub(crate) request: &'a HttpRequest,
    pub(crate) arguments: &'a Map<String, Value>,
    pub(crate) plan: &'a Plan,
}

impl CallContext<'_> {
    /// Renders the handler's return value the way actix would.
    pub fn respond<R: Responder>(&self, out: R) -> ToolOutcome {
        ToolOutcome::Response(out.respond_to(self.request).map_into_boxed_body())
    }

    /// Renders a prompt function's return value.
    pub fn prompt<R: IntoPrompt>(&self, out: R) -> ToolOutcome {
        ToolOutcome::Prompt(out.into_prompt())
    }

    fn view(&self, position: usize) -> Result<ArgumentsView<'_>, ArgumentError> {
        view(self.arguments, self.plan, position)
    }
}

/// A call's arguments, for checking them against the argument extractors.
#[doc(hidden)]
pub struct CheckContext<'a> {
    pub(crate) arguments: &'a Map<String, Value>,
    pub(crate) plan: &'a Plan,
}

/// What a tool's generated `parameters` fn is asked to do.
#[doc(hidden)]
pub enum Parameters<'a> {
    /// Record each parameter and the output in the signature.
    Describe(&'a mut Signature),
    /// Check a call's arguments against the argument extractors.
    Check(CheckContext<'a>),
}

/// The body of every tool's generated `parameters` fn, which only makes the
/// handles and probes the return type. Generic over the handles' tuple, so
/// tools whose parameters have the same types share one compiled copy.
#[doc(hidden)]
pub fn parameters<H: Handles>(
    op: Parameters<'_>,
    handles: H,
    errors: &'static [(u16, &'static str)],
    output: Option<OutputSchemaFn>,
) -> Result<(), ArgumentError> {
    match op {
        Parameters::Describe(signature) => {
            handles.describe(signature);
            signature.errors(errors);
            signature.output(output);
            Ok(())
        }
        Parameters::Check(cx) => handles.check(&cx),
    }
}

/// A tuple of [`Handle`]s, one per parameter in order.
#[doc(hidden)]
pub trait Handles {
    /// Records every parameter in the signature.
    fn describe(&self, signature: &mut Signature);
    /// Checks the call's arguments for every parameter.
    fn check(&self, cx: &CheckContext<'_>) -> Result<(), ArgumentError>;
}

macro_rules! handles {
    ($($h:ident $i:tt),*) => {
        impl<$($h: Handle),*> Handles for ($($h,)*) {
            #[allow(unused_variables)]
            fn describe(&self, signature: &mut Signature) {
                $(self.$i.describe(signature);)*
            }

            #[allow(unused_variables)]
            fn check(&self, cx: &CheckContext<'_>) -> Result<(), ArgumentError> {
                $(self.$i.check(cx, $i)?;)*
                Ok(())
            }
        }
    };
}

// As many as actix extracts (`FromRequest` for tuples of up to 16).
handles!();
handles!(A 0);
handles!(A 0, B 1);
handles!(A 0, B 1, C 2);
handles!(A 0, B 1, C 2, D 3);
handles!(A 0, B 1, C 2, D 3, E 4);
handles!(A 0, B 1, C 2, D 3, E 4, F 5);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
handles!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

fn view<'a>(
    arguments: &'a Map<String, Value>,
    plan: &'a Plan,
    position: usize,
) -> Result<ArgumentsView<'a>, ArgumentError> {
    let slot = plan
        .slots
        .get(position)
        .and_then(Option::as_ref)
        // The registry compiled this tool from the same `describe`, so a
        // missing slot is a bug in this crate, reported rather than panicking.
        .ok_or_else(|| {
            ArgumentError::new("", "mcp-runtime: no argument slot for this parameter")
        })?;
    let overflow = (plan.overflow == Some(position)).then_some(plan.claimed.as_slice());
    Ok(ArgumentsView::new(arguments, &slot.slot, overflow))
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

/// What generated code does with one handler parameter. Generated code
/// makes every handle at the start of each function that uses them (`let
/// __mcp_h = (…);`); a type that cannot be a parameter is reported at the
/// parameter's span, once (rustc emits an identical diagnostic once).
#[doc(hidden)]
pub trait Handle {
    /// The parameter's type.
    type Value;
    /// Records the parameter in the tool's signature.
    fn describe(&self, signature: &mut Signature);
    /// Checks the call's arguments for this parameter (request extractors
    /// have none).
    fn check(&self, cx: &CheckContext<'_>, position: usize) -> Result<(), ArgumentError>;
    /// Builds the parameter for a direct call.
    fn extract<'a>(
        &'a self,
        cx: &'a CallContext<'a>,
        position: usize,
    ) -> impl Future<Output = Result<Self::Value, ToolOutcome>> + 'a;
}

/// Builds one argument extractor. Its methods carry no bounds, so a type
/// error is reported once, where the handle is made.
#[doc(hidden)]
pub struct ArgumentHandle<T> {
    source: Source,
    schema: fn(&mut SchemaGenerator) -> Schema,
    build: fn(ArgumentsView<'_>) -> Result<T, ArgumentError>,
}

impl<T> Handle for ArgumentHandle<T> {
    type Value = T;

    fn describe(&self, signature: &mut Signature) {
        signature.argument(self.source, self.schema);
    }

    fn check(&self, cx: &CheckContext<'_>, position: usize) -> Result<(), ArgumentError> {
        (self.build)(view(cx.arguments, cx.plan, position)?).map(drop)
    }

    async fn extract<'a>(
        &'a self,
        cx: &'a CallContext<'a>,
        position: usize,
    ) -> Result<T, ToolOutcome> {
        let view = cx.view(position).map_err(ToolOutcome::InvalidArguments)?;
        (self.build)(view).map_err(ToolOutcome::InvalidArguments)
    }
}

/// Runs one request extractor.
#[doc(hidden)]
pub struct RequestHandle<F> {
    from_request: fn(&HttpRequest, &mut Payload) -> F,
}

impl<F, T, E> Handle for RequestHandle<F>
where
    F: Future<Output = Result<T, E>>,
    T: 'static,
    E: Into<actix_web::Error> + 'static,
{
    type Value = T;

    fn describe(&self, signature: &mut Signature) {
        signature.request();
    }

    fn check(&self, _: &CheckContext<'_>, _position: usize) -> Result<(), ArgumentError> {
        Ok(())
    }

    async fn extract<'a>(
        &'a self,
        cx: &'a CallContext<'a>,
        _position: usize,
    ) -> Result<T, ToolOutcome> {
        // The MCP body (the JSON-RPC message) is already consumed: request
        // extractors see an empty payload, as they would on a GET. A
        // rejection is the extractor's own HTTP error response, as on REST.
        (self.from_request)(cx.request, &mut Payload::None)
            .await
            .map_err(|e| ToolOutcome::Response(e.into().error_response()))
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

/// What an error type's HTTP statuses mean, for the descriptions of the
/// tools that return it: with
/// [`McpServerBuilder::describe_responses`](crate::McpServerBuilder::describe_responses),
/// each tool whose handler returns `Result<_, E>` lists `E`'s statuses (after
/// any its attribute's `errors(…)` gives, which win for the same status), for
/// clients that show the model only descriptions.
///
/// ```
/// use actix_web::{HttpResponse, ResponseError, http::StatusCode};
///
/// #[derive(Debug)]
/// enum ApiError {
///     NotFound,
///     Invalid(String),
/// }
/// # impl std::fmt::Display for ApiError {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
/// # }
/// impl ResponseError for ApiError {
///     fn status_code(&self) -> StatusCode {
///         match self {
///             ApiError::NotFound => StatusCode::NOT_FOUND,
///             ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
///         }
///     }
/// }
///
/// impl mcp_runtime::DescribeErrors for ApiError {
///     const ERRORS: &'static [(u16, &'static str)] = &[
///         (404, "No such item."),
///         (422, "The request was invalid; the body says why."),
///     ];
/// }
/// ```
pub trait DescribeErrors {
    /// Each status the type answers with, and what it means.
    const ERRORS: &'static [(u16, &'static str)];
}

/// Picks the error responses of a return type `Result<_, E>` whose `E`
/// describes them (autoref, as [`Probe`]).
#[doc(hidden)]
pub struct ErrorsProbe<R>(PhantomData<R>);

impl<R> ErrorsProbe<R> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        ErrorsProbe(PhantomData)
    }
}

#[doc(hidden)]
pub trait ViaDescribeErrors {
    fn errors(&self) -> &'static [(u16, &'static str)];
}

impl<T, E: DescribeErrors> ViaDescribeErrors for &ErrorsProbe<Result<T, E>> {
    fn errors(&self) -> &'static [(u16, &'static str)] {
        E::ERRORS
    }
}

#[doc(hidden)]
pub trait NoDescribedErrors {
    fn errors(&self) -> &'static [(u16, &'static str)];
}

impl<R> NoDescribedErrors for ErrorsProbe<R> {
    fn errors(&self) -> &'static [(u16, &'static str)] {
        &[]
    }
}

/// The error a prompt function returned, as the client is shown it.
#[derive(Debug)]
pub struct PromptError(String);

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a prompt function may return. Implemented for [`PromptMessages`],
/// `String`, `&'static str`, `Vec<PromptMessage>`, and `Result`s of them
/// whose error is `Display`.
#[diagnostic::on_unimplemented(
    message = "a prompt cannot return `{Self}`",
    note = "return `PromptMessages`, a `String` (one user message), `Vec<PromptMessage>`, or a `Result` of one of them"
)]
pub trait IntoPrompt {
    /// The messages, or why there are none (an error the client sees).
    fn into_prompt(self) -> Result<PromptMessages, PromptError>;
}

impl IntoPrompt for PromptMessages {
    fn into_prompt(self) -> Result<PromptMessages, PromptError> {
        Ok(self)
    }
}

impl IntoPrompt for String {
    fn into_prompt(self) -> Result<PromptMessages, PromptError> {
        Ok(PromptMessages::new().user(self))
    }
}

impl IntoPrompt for &'static str {
    fn into_prompt(self) -> Result<PromptMessages, PromptError> {
        Ok(PromptMessages::new().user(self))
    }
}

impl IntoPrompt for Vec<PromptMessage> {
    fn into_prompt(self) -> Result<PromptMessages, PromptError> {
        Ok(PromptMessages {
            description: None,
            messages: self,
        })
    }
}

impl<T: IntoPrompt, E: fmt::Display> IntoPrompt for Result<T, E> {
    fn into_prompt(self) -> Result<PromptMessages, PromptError> {
        self.map_err(|e| PromptError(e.to_string()))?.into_prompt()
    }
}
