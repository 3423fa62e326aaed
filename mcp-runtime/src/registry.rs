//! The tools of one binary, collected once from `inventory` into an immutable
//! registry: the name index, each tool's argument plan, and the `tools/list`
//! result serialized once, so requests only look things up.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::arguments::Slot;
use crate::error::{BuildError, Problem};
use crate::invoke::{Invocation, Invoker, Structured};
use crate::schema::{self, Signature};

/// One `#[mcp_tool]`, as registered by the macro. Generated code builds it;
/// its fields are not a stable API.
#[doc(hidden)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    pub hints: Hints,
    pub requires_auth: bool,
    pub route: Option<Route>,
    pub invoke: Invoker,
    pub location: Location,
}

inventory::collect!(ToolDef);

/// Tool annotation hints, explicit or derived from the HTTP method.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

/// The REST route a tool's handler also serves.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub methods: &'static [&'static str],
    pub path: &'static str,
    /// Path parameter names, in template order.
    pub params: &'static [&'static str],
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

/// A tool ready to be called.
pub(crate) struct ToolEntry {
    pub def: &'static ToolDef,
    pub slots: Vec<Option<Slot>>,
    pub required: Vec<String>,
    pub structured: Structured,
}

/// The immutable set of tools a server exposes.
pub(crate) struct Registry {
    tools: Vec<ToolEntry>,
    index: HashMap<&'static str, usize>,
    list_result: Box<RawValue>,
}

impl Registry {
    /// Compiles every tool, reporting every problem at once.
    pub(crate) fn build(
        mut defs: Vec<&'static ToolDef>,
        auth_configured: bool,
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
            match compile(def) {
                Ok((entry, tool)) => {
                    tools.push(entry);
                    listed.push(tool);
                }
                Err(reason) => problems.push(Problem::InvalidTool {
                    tool: def.name,
                    location: def.location,
                    reason,
                }),
            }
        }
        if !problems.is_empty() {
            return Err(BuildError::new(problems));
        }

        #[derive(Serialize)]
        struct ListToolsResult<'a> {
            tools: &'a [Tool],
        }
        let list_result = serde_json::value::to_raw_value(&ListToolsResult { tools: &listed })
            .map_err(|e| BuildError::new(vec![Problem::Serialize(e.to_string())]))?;
        let index = tools
            .iter()
            .enumerate()
            .map(|(i, t)| (t.def.name, i))
            .collect();
        Ok(Registry {
            tools,
            index,
            list_result,
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.index.get(name).map(|&i| &self.tools[i])
    }

    /// The `tools/list` result (every tool, sorted by name).
    pub(crate) fn list_result(&self) -> &RawValue {
        &self.list_result
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &ToolEntry> {
        self.tools.iter()
    }
}

fn compile(def: &'static ToolDef) -> Result<(ToolEntry, Tool), String> {
    let mut signature = Signature::new();
    // Describing never returns a future; the generated code returns early.
    let _ = (def.invoke)(Invocation::Describe(&mut signature));
    let compiled = schema::compile(signature, def.route.map(|r| r.params))?;

    let mut tool = Tool::new(def.name, def.description, Arc::new(compiled.input_schema));
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
    let entry = ToolEntry {
        def,
        slots: compiled.slots,
        required: compiled.required,
        structured,
    };
    Ok((entry, tool))
}
