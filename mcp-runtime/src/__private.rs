//! What `#[mcp_tool]`-generated code refers to. Not a public API: anything
//! here may change in any release.

pub use crate::handler::arguments::{ArgumentError, FromArguments, IsArgument, Source};
pub use crate::handler::completion::{Completer, Completion, CompletionFuture, IntoCompletions};
pub use crate::handler::defs::{
    Handler, Hints, Location, PromptDef, ResourceDef, TaskSupport, ToolDef,
};
pub use crate::handler::invoke::{
    ArgumentHandle, ArgumentKind, CallContext, CheckContext, ErrorsProbe, Handle, Handles,
    HasOutputSchema, IntoPrompt, Invoker, NoDescribedErrors, NoOutputSchema, OutputProbe,
    Parameters, Probe, PromptError, RequestHandle, RequestKind, ToolFuture, ToolOutcome,
    ViaArguments, ViaDescribeErrors, ViaOutputSchema, ViaRequest, parameters,
};
pub use crate::handler::mark::Reached;
pub use crate::handler::signature::Signature;
pub use crate::protocol::capability::ClientCapability;
pub use crate::schema::route::{Exposed, HttpMethod, Route};
pub use actix_web::dev::{AppService, HttpServiceFactory};
pub use actix_web::{Resource, guard};
pub use inventory;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse, fn_service};

use crate::handler::mark::Routed;

/// Registers a macro-generated route: `resource` as actix's route macro
/// would have built it, with a last guard recording which item the router
/// chose (`Routed`, see `handler::mark`), and next to it a locator for
/// `exposed`.
pub fn register_route<T, B>(
    config: &mut AppService,
    resource: Resource<T>,
    path: &'static str,
    exposed: Exposed,
) where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    HttpServiceFactory::register(resource.guard(Routed(exposed)), config);
    register_locator(config, path, exposed);
}

/// Registers a resource that never matches a request but names the route's
/// pattern in the app's resource map, so a call can find the route's full
/// path (scope prefixes included) without renaming the route the app may
/// itself refer to.
fn register_locator(config: &mut AppService, path: &'static str, exposed: Exposed) {
    // Its segments as marks: a static pattern, which the router parses with
    // no regex (a route whose path does not parse is refused at start-up).
    let mut pattern = crate::schema::route::marked(path).unwrap_or_else(|_| path.to_owned());
    // (As a `Resource` would have it.)
    if !pattern.is_empty() && !pattern.starts_with('/') {
        pattern.insert(0, '/');
    }
    let mut locator = actix_web::dev::ResourceDef::new(pattern);
    locator.set_name(exposed.locator_name());
    // Registered as a bare service, not a `Resource`, whose routes, default
    // service and data a 1,000-route app would build a thousand times at
    // each worker's start for a service never called.
    let never: Box<dyn guard::Guard> = Box::new(guard::fn_guard(|_| false));
    config.register_service(locator, Some(vec![never]), fn_service(not_found), None);
}

/// What a locator answers: nothing reaches it (its guard refuses all).
async fn not_found(req: ServiceRequest) -> Result<ServiceResponse, actix_web::Error> {
    Ok(req.into_response(actix_web::HttpResponse::NotFound()))
}

/// The `T` of a `web::Json<T>` written in a tool's return type, whose schema
/// is the tool's `outputSchema`. Generated code names `<T as
/// StructuredOutput>` at `T`'s span, so a `T` without `JsonSchema` is a
/// compile error there rather than a tool that silently has no output
/// schema. rustc shows this message when `T` itself lacks the derive, and
/// its own when a type inside `T` does (`Vec<Item>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `JsonSchema`, so the tool's JSON result has no schema",
    label = "the tool's structured result",
    note = "derive `schemars::JsonSchema` for `{Self}`, or return text only with `#[mcp_tool(output_schema = false)]`"
)]
pub trait StructuredOutput {
    /// The output schema.
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema;
}

impl<T: schemars::JsonSchema> StructuredOutput for T {
    fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.subschema_for::<T>()
    }
}
