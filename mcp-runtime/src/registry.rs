//! The tools of one binary, collected once from `inventory` into an immutable
//! registry: the name index, each tool's argument plan, and the `tools/list`
//! result serialized once, so requests only look things up.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use rmcp::model::{Implementation, Tool, ToolAnnotations};
use serde::Serialize;
use serde_json::value::RawValue;

use serde_json::{Map, Value};

use crate::arguments::{ArgumentError, Plan};
use crate::error::{BuildError, Problem};
use crate::forward::Template;
use crate::invoke::{CheckContext, Invoker};
use crate::modern;
use crate::portable::{self, SchemaProfile};
use crate::result::Structured;
use crate::schema::{self, Extras, Signature};

/// One `#[mcp_tool]`, as registered by the macro. Generated code builds it;
/// its fields are not a stable API.
#[doc(hidden)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub hints: Hints,
    pub requires_auth: bool,
    /// `args(name = "description")`: descriptions of arguments.
    pub descriptions: &'static [(&'static str, &'static str)],
    /// `false` with `output_schema = false`: text results only.
    pub output_schema: bool,
    /// Records the handler's parameter and return types.
    pub describe: fn(&mut Signature),
    /// Deserializes the argument extractors from a call's arguments,
    /// discarding them: explains a rejected request argument by argument.
    pub check: fn(CheckContext<'_>) -> Result<(), ArgumentError>,
    pub handler: Handler,
    pub location: Location,
}

inventory::collect!(ToolDef);

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

/// Tool annotation hints, explicit or derived from the HTTP method.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

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
}

/// Where a tool is defined, as reported in start-up errors.
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

/// What the stateless revision's listing adds.
pub(crate) struct Listing<'a> {
    pub server: &'a Implementation,
    /// How long clients may cache the list.
    pub ttl_ms: u64,
}

/// A tool ready to be called.
pub(crate) struct ToolEntry {
    pub def: &'static ToolDef,
    pub plan: Plan,
    /// Arguments marked `x-mcp-header: Name`, by argument: the stateless
    /// revision has clients repeat them in `Mcp-Param-Name` headers.
    pub header_arguments: BTreeMap<String, String>,
    /// For argument coercion (`arguments::coerce_integers`).
    pub input_schema: Map<String, Value>,
    pub structured: Structured,
    pub target: Target,
}

/// Where a call goes.
pub(crate) enum Target {
    Route {
        method: HttpMethod,
        template: Template,
        /// The name of the route's locator resource (`locator_name`).
        locator: String,
    },
    Direct(Invoker),
}

/// What a route is exposed as, by name: its locator (see
/// `__private::register_locator`) is named after it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Exposed {
    Tool(&'static str),
    Resource(&'static str),
}

impl Exposed {
    /// The resource name under which the route's pattern is registered in
    /// the app, so its full path (scope prefixes included) can be looked up.
    pub(crate) fn locator_name(self) -> String {
        match self {
            Exposed::Tool(name) => format!("mcp-runtime:tool:{name}"),
            Exposed::Resource(name) => format!("mcp-runtime:resource:{name}"),
        }
    }
}

/// The immutable set of tools a server exposes.
pub(crate) struct Registry {
    tools: Vec<ToolEntry>,
    index: HashMap<&'static str, usize>,
    list_result: Box<RawValue>,
    /// The same, as the stateless revision lists it (caching hints, result
    /// type, server identity).
    list_result_stateless: Box<RawValue>,
}

impl Registry {
    /// Compiles every tool, reporting every problem at once.
    pub(crate) fn build(
        mut defs: Vec<&'static ToolDef>,
        auth_configured: bool,
        profile: SchemaProfile,
        listing: &Listing<'_>,
    ) -> Result<Registry, BuildError> {
        defs.sort_by_key(|d| (d.name, d.location.file, d.location.line));
        let mut problems = Vec::new();
        let mut tools = Vec::with_capacity(defs.len());
        let mut listed = Vec::with_capacity(defs.len());
        for group in defs.chunk_by(|a, b| a.name == b.name) {
            let def = group[0];
            if group.len() > 1 {
                problems.push(Problem::DuplicateName {
                    name: def.name,
                    locations: group.iter().map(|d| d.location).collect(),
                });
                continue;
            }
            if def.requires_auth && !auth_configured {
                problems.push(Problem::AuthNotConfigured {
                    tool: def.name,
                    location: def.location,
                });
            }
            if let Handler::Direct { type_name, .. } = def.handler
                && swallowed_by_a_route_macro(type_name())
            {
                problems.push(Problem::AttributeOrder {
                    tool: def.name,
                    location: def.location,
                });
                continue;
            }
            match compile(def, profile) {
                Ok((entry, tool)) => {
                    tools.push(entry);
                    listed.push(tool);
                }
                Err(reasons) => {
                    problems.extend(reasons.into_iter().map(|reason| Problem::InvalidTool {
                        tool: def.name,
                        location: def.location,
                        reason,
                    }))
                }
            }
        }
        if !problems.is_empty() {
            return Err(BuildError::new(problems));
        }

        #[derive(Serialize)]
        struct ListToolsResult<'a> {
            tools: &'a [Tool],
        }
        let serialize =
            |e: serde_json::Error| BuildError::new(vec![Problem::Serialize(e.to_string())]);
        let list_result = serde_json::value::to_raw_value(&ListToolsResult { tools: &listed })
            .map_err(serialize)?;
        let mut stateless = Map::new();
        stateless.insert(
            "tools".into(),
            serde_json::to_value(&listed).map_err(serialize)?,
        );
        modern::cacheable(&mut stateless, listing.ttl_ms, false);
        modern::complete(&mut stateless, listing.server);
        let list_result_stateless =
            serde_json::value::to_raw_value(&stateless).map_err(serialize)?;
        let index = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.def.name, i))
            .collect();
        Ok(Registry {
            tools,
            index,
            list_result,
            list_result_stateless,
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// The `tools/list` result (every tool, sorted by name).
    pub(crate) fn list_result(&self) -> &RawValue {
        &self.list_result
    }

    /// The `tools/list` result of the stateless revision.
    pub(crate) fn list_result_stateless(&self) -> &RawValue {
        &self.list_result_stateless
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &ToolEntry> {
        self.tools.iter()
    }
}

/// With `#[get(…)]` *above* `#[mcp_tool]`, actix's macro runs first and
/// nests the fn inside its service's `register` method, so `#[mcp_tool]`
/// sees no route. The nesting shows in the fn's type name.
fn swallowed_by_a_route_macro(type_name: &str) -> bool {
    type_name.contains("HttpServiceFactory") && type_name.contains("::register::")
}

fn compile(
    def: &'static ToolDef,
    profile: SchemaProfile,
) -> Result<(ToolEntry, Tool), Vec<String>> {
    let mut signature = Signature::new();
    (def.describe)(&mut signature);
    if !def.output_schema {
        signature.output(None);
    }
    let target = match def.handler {
        Handler::Route(route) => Target::Route {
            method: route.methods.first().copied().unwrap_or(HttpMethod::Get),
            template: Template::parse(route.path).map_err(|e| vec![e])?,
            locator: Exposed::Tool(def.name).locator_name(),
        },
        Handler::Direct { invoke, .. } => Target::Direct(invoke),
    };
    let extras = Extras {
        template: match &target {
            Target::Route { template, .. } => Some(template),
            Target::Direct(_) => None,
        },
        descriptions: def.descriptions,
    };
    let mut compiled = schema::compile(signature, &extras)?;
    if profile == SchemaProfile::Portable {
        portable::apply(&mut compiled.input_schema, true);
        if let Some(output) = &mut compiled.output_schema {
            portable::apply(output, false);
        }
    }

    let input_schema = compiled.input_schema;
    let mut tool = Tool::new(def.name, def.description, Arc::new(input_schema.clone()));
    if let Some(output) = compiled.output_schema {
        tool = tool.with_raw_output_schema(Arc::new(output));
    }
    let h = def.hints;
    let annotations = ToolAnnotations::from_raw(
        def.title.map(str::to_owned),
        h.read_only,
        h.destructive,
        h.idempotent,
        h.open_world,
    );
    if let Some(title) = def.title {
        tool = tool.with_title(title);
    }
    if annotations != ToolAnnotations::default() {
        tool = tool.with_annotations(annotations);
    }

    let structured = match (tool.output_schema.is_some(), compiled.wrap_output) {
        (false, _) => Structured::No,
        (true, false) => Structured::AsIs,
        (true, true) => Structured::Wrapped,
    };
    let header_arguments = input_schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(argument, schema)| {
            let name = schema.get("x-mcp-header")?.as_str()?;
            Some((argument.clone(), name.to_owned()))
        })
        .collect();
    let entry = ToolEntry {
        def,
        plan: compiled.plan,
        header_arguments,
        input_schema,
        structured,
        target,
    };
    Ok((entry, tool))
}
