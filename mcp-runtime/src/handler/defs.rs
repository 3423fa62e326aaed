//! What `#[mcp_tool]`, `#[mcp_prompt]` and `#[mcp_resource]` register:
//! one static definition per item, collected through `inventory`, and where
//! each was written (for start-up errors). Generated code builds them; their
//! fields are not a stable API.

use std::fmt;

use crate::handler::arguments::ArgumentError;
use crate::handler::completion::Completer;
use crate::handler::invoke::{Invoker, Parameters};
use crate::handler::signature::Signature;
use crate::policy::auth::Access;
use crate::protocol::capability::ClientCapability;
use crate::schema::route::Route;

/// One `#[mcp_tool]`, as registered by the macro. Generated code builds it;
/// its fields are not a stable API.
#[doc(hidden)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub hints: Hints,
    pub requires_auth: bool,
    /// `scopes = [...]`: OAuth scopes the caller needs, all of them.
    pub scopes: &'static [&'static str],
    /// `tags = [...]`: what filters select it by.
    pub tags: &'static [&'static str],
    /// `args(name = "description")`: descriptions of arguments.
    pub descriptions: &'static [(&'static str, &'static str)],
    /// `errors(404 = "…")`: what error statuses mean, for descriptions.
    pub errors: &'static [(u16, &'static str)],
    /// `false` with `output_schema = false`: text results only.
    pub output_schema: bool,
    /// `task = "optional" | "required" | "deferred"`: whether it runs as a
    /// task.
    pub task: TaskSupport,
    /// `requires = ["elicitation", …]`: client capabilities it cannot do
    /// without; a client that did not declare one is refused up front
    /// (`-32021`) instead of the handler's questions failing one by one.
    pub requires: &'static [ClientCapability],
    /// Records the handler's parameter and return types, or deserializes
    /// the argument extractors from a call's arguments, discarding them (to
    /// explain a rejected request argument by argument). One fn for both,
    /// so each parameter's type is probed once per tool.
    pub parameters: fn(Parameters<'_>) -> Result<(), ArgumentError>,
    pub handler: Handler,
    pub location: Location,
}

inventory::collect!(ToolDef);

impl ToolDef {
    /// What a caller needs to use it.
    pub(crate) fn access(&self) -> Access {
        Access::new(self.requires_auth, self.scopes)
    }

    /// Records the handler's parameter and return types.
    pub(crate) fn describe(&self, signature: &mut Signature) {
        // Describing has nothing to refuse.
        let _ = (self.parameters)(Parameters::Describe(signature));
    }
}

/// How a tool's handler is reached.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Handler {
    /// Through its REST route, in the app (`McpServer::app`).
    Route(Route),
    /// A hand-written tool without a route: called directly.
    Direct {
        invoke: Invoker,
        /// `type_name` of the handler fn: tells a fn that actix's route
        /// macro swallowed (attributes in the wrong order) from a real
        /// hand-written tool.
        type_name: fn() -> &'static str,
    },
}

/// Whether a tool runs as a task (the `io.modelcontextprotocol/tasks`
/// extension) for a client that opted in.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskSupport {
    /// Always answered in its request.
    #[default]
    Never,
    /// A task when the client opted in, else answered in its request.
    Optional,
    /// Only as a task: a client that did not opt in gets `-32021`.
    Required,
    /// In its request until the handler detaches (`McpContext::detach`),
    /// then a task, when the client opted in.
    Deferred,
}

/// Tool annotation hints, explicit or derived from the HTTP method.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

/// Where a tool, prompt or resource is defined, as reported in start-up
/// errors.
///
/// Displays as `module::handler at src/file.rs:12:10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location {
    /// The handler function's path, e.g. `my_app::items::get_item`.
    pub handler: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the handler's name.
    pub line: u32,
    /// The column of the handler's name.
    pub column: u32,
}

impl Location {
    /// Used by generated code (the struct is `#[non_exhaustive]`).
    #[doc(hidden)]
    pub const fn new(handler: &'static str, file: &'static str, line: u32, column: u32) -> Self {
        Location {
            handler,
            file,
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}:{}:{}",
            self.handler, self.file, self.line, self.column
        )
    }
}

/// Everything the binary registered.
pub(crate) struct Defs {
    pub tools: Vec<&'static ToolDef>,
    pub prompts: Vec<&'static PromptDef>,
    pub resources: Vec<&'static ResourceDef>,
}

impl Defs {
    /// What `#[mcp_tool]`, `#[mcp_prompt]` and `#[mcp_resource]` submitted.
    pub(crate) fn collected() -> Defs {
        Defs {
            tools: inventory::iter::<ToolDef>.into_iter().collect(),
            prompts: inventory::iter::<PromptDef>.into_iter().collect(),
            resources: inventory::iter::<ResourceDef>.into_iter().collect(),
        }
    }
}

/// One `#[mcp_prompt]`, as registered by the macro. Generated code builds
/// it; its fields are not a stable API.
#[doc(hidden)]
pub struct PromptDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub requires_auth: bool,
    /// `scopes = [...]`: OAuth scopes the caller needs, all of them.
    pub scopes: &'static [&'static str],
    /// `tags = [...]`: what filters select it by.
    pub tags: &'static [&'static str],
    /// `args(name = "description")`: descriptions of arguments.
    pub descriptions: &'static [(&'static str, &'static str)],
    /// Records the function's parameters (its [`Arguments`] type is the
    /// prompt's arguments).
    pub describe: fn(&mut Signature),
    /// Runs the function (`CallContext::prompt` renders its value).
    pub invoke: Invoker,
    /// `complete(arg = path::to::fn)`: completion of argument values.
    pub completions: &'static [(&'static str, Completer)],
    pub location: Location,
}

inventory::collect!(PromptDef);

impl PromptDef {
    /// What a caller needs to use it.
    pub(crate) fn access(&self) -> Access {
        Access::new(self.requires_auth, self.scopes)
    }
}

/// One `#[mcp_resource]`, as registered by the macro. Generated code builds
/// it; its fields are not a stable API.
#[doc(hidden)]
pub struct ResourceDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    /// A URI, or a URI template whose variables are the route's segments
    /// (`items://{id}` for `/items/{id}`) and query parameters
    /// (`items://search{?q,limit}`).
    pub uri: &'static str,
    pub mime_type: Option<&'static str>,
    pub requires_auth: bool,
    /// `scopes = [...]`: OAuth scopes the caller needs, all of them.
    pub scopes: &'static [&'static str],
    /// `tags = [...]`: what filters select it by.
    pub tags: &'static [&'static str],
    /// The `GET` route that serves it.
    pub route: Route,
    /// `complete(var = path::to::fn)`: completion of template variables.
    pub completions: &'static [(&'static str, Completer)],
    pub location: Location,
}

inventory::collect!(ResourceDef);

impl ResourceDef {
    /// What a caller needs to read it.
    pub(crate) fn access(&self) -> Access {
        Access::new(self.requires_auth, self.scopes)
    }
}
