//! What `#[mcp_tool]`-generated code refers to. Not a public API: anything
//! here may change in any release.

pub use actix_web::dev::{AppService, HttpServiceFactory};
pub use inventory;

pub use crate::arguments::{ArgumentError, FromArguments, IsArgument, Source};
pub use crate::invoke::{
    ArgumentHandle, ArgumentKind, CallContext, CheckContext, Handle, HasOutputSchema, Invoker,
    NoOutputSchema, OutputProbe, Probe, RequestHandle, RequestKind, ToolFuture, ToolOutcome,
    ViaArguments, ViaOutputSchema, ViaRequest,
};
pub use crate::registry::{Handler, Hints, HttpMethod, Location, Route, ToolDef};
pub use crate::schema::Signature;

/// Registers, next to a tool's route, a resource that never matches a
/// request but names the route's pattern in the app's resource map, so a
/// tool call can find the route's full path (scope prefixes included)
/// without renaming the route the app may itself refer to.
pub fn register_locator(config: &mut AppService, path: &'static str, tool: &'static str) {
    let locator = actix_web::Resource::new(path)
        .name(&crate::registry::locator_name(tool))
        .guard(actix_web::guard::fn_guard(|_| false));
    HttpServiceFactory::register(locator, config);
}
