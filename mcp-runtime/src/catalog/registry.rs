//! The tools, prompts and resources of one binary, collected once from
//! `inventory` into an immutable registry: name (and URI) indexes, each
//! tool's argument plan, each item's listing, so requests only look things
//! up.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rmcp::model::ToolAnnotations;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::catalog::error::{BuildError, ItemKind, Problem, Unexposable};
use crate::catalog::input_schema::{self, Extras, OutputSchema};
use crate::catalog::lists::{Item, List, Listed};
use crate::catalog::prompt::{self, PromptEntry};
use crate::catalog::resource::{self, ResourceEntry};
use crate::handler::arguments::{ArgumentError, Plan, Slot, Source};
use crate::handler::defs::{Defs, Handler, Location, PromptDef, ResourceDef, ToolDef};
use crate::handler::invoke::Invoker;
use crate::handler::signature::{Schemas, Signature};
use crate::policy::auth::{Access, Checks};
use crate::schema::check::Rule;
use crate::schema::portable::{self, SchemaProfile};
use crate::schema::route::Template;
use crate::schema::route::{Exposed, HttpMethod};

/// A tool ready to be called.
pub(crate) struct ToolEntry {
    pub def: &'static ToolDef,
    pub plan: Plan,
    /// Arguments marked `x-mcp-header: Name`, by argument: the stateless
    /// revision has clients repeat them in `Mcp-Param-Name` headers.
    pub header_arguments: BTreeMap<String, String>,
    /// For argument coercion (`arguments::coerce`).
    /// Shared with the listed tool: one copy per tool.
    pub input_schema: Arc<Map<String, Value>>,
    pub structured: Structured,
    pub target: Target,
    /// The arguments that travel in the URL (path segments, query fields),
    /// each with its schema's rule: checked before a request is built, since
    /// the URL's text loses their types.
    pub url_arguments: Vec<(String, Rule)>,
}

impl ToolEntry {
    /// Refuses, naming the argument, a URL-carried argument its schema does
    /// not allow (a `null` included, unless the schema admits it).
    pub(crate) fn check_url_arguments(
        &self,
        args: &Map<String, Value>,
    ) -> Result<(), ArgumentError> {
        for (name, rule) in &self.url_arguments {
            if let Some(value) = args.get(name) {
                rule.check(value)
                    .map_err(|why| ArgumentError::new(name, why.to_string()))?;
            }
        }
        Ok(())
    }
}

/// The rules of the arguments a plan sends in the URL.
fn url_rules(plan: &Plan, input_schema: &Map<String, Value>) -> Vec<(String, Rule)> {
    let empty = Map::new();
    let defs = input_schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let properties = input_schema.get("properties").and_then(Value::as_object);
    let mut names: Vec<&str> = Vec::new();
    for slot in plan.slots.iter().flatten() {
        if !matches!(slot.source, Source::Path | Source::Query) {
            continue;
        }
        match &slot.slot {
            Slot::Fields { fields } => {
                names.extend(fields.iter().map(|(external, _)| external.as_str()))
            }
            Slot::Whole(argument) => names.push(argument),
            Slot::Tuple(arguments) => names.extend(arguments.iter().map(String::as_str)),
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let schema = properties?.get(name)?;
            Some((name.to_owned(), Rule::compile(schema, defs)))
        })
        .collect()
}

/// Where a call goes.
pub(crate) enum Target {
    Route {
        method: HttpMethod,
        template: Template,
        /// The name of the route's locator resource (`locator_name`).
        locator: String,
        /// What the route's handler knows the tool as (a call's mark).
        exposed: Exposed,
    },
    Direct(Invoker),
}

/// Items by name (or URI), to their place in the registry. (Hashed with
/// foldhash: made once at start-up from the server's own names, a map a
/// client's requests only look up in, never add to.)
type Index = HashMap<&'static str, usize, foldhash::fast::RandomState>;

/// The immutable set of tools, prompts and resources a server exposes,
/// compiled once: lookups by name (and URI), and each item's listing.
pub(crate) struct Registry {
    tools: Vec<ToolEntry>,
    tool_index: Index,
    prompts: Vec<PromptEntry>,
    prompt_index: Index,
    resources: Vec<ResourceEntry>,
    resource_index: Index,
    /// Static URIs, for exact lookups.
    uri_index: Index,
    /// Templates, the most specific (most literal characters) first.
    templates: Vec<usize>,
    /// By `List`: tools, prompts, resources, resource templates.
    listed: [Vec<Listed>; 4],
    /// By `List`: whether any of its items asks for authentication.
    protected: [bool; 4],
}

/// Items sorted by `key`, with the groups that share a key reported.
fn unique<T>(
    mut items: Vec<&'static T>,
    key: impl Fn(&T) -> &'static str,
    location: impl Fn(&T) -> Location,
    duplicate: impl Fn(&'static str, Vec<Location>) -> Problem,
    problems: &mut Vec<Problem>,
) -> Vec<&'static T> {
    items.sort_by_key(|t| (key(t), location(t).file, location(t).line));
    let mut out = Vec::with_capacity(items.len());
    for group in items.chunk_by(|a, b| key(a) == key(b)) {
        if group.len() > 1 {
            problems.push(duplicate(
                key(group[0]),
                group.iter().map(|t| location(t)).collect(),
            ));
        } else {
            out.push(group[0]);
        }
    }
    out
}

/// How items are compiled: the schema profile, and whether tool
/// descriptions also describe the responses (for clients that ignore
/// `outputSchema`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub profile: SchemaProfile,
    pub describe_responses: bool,
}

/// An item compiled for the registry: its entry and its listing, or every
/// reason it cannot be exposed.
type Registration<E> = Result<(E, Listed), Vec<Problem>>;

/// One kind of registered item, compiled the same way as the others: its
/// duplicates and missing authenticator reported, then its own checks.
trait Registered: Sync + 'static {
    const KIND: ItemKind;
    type Entry: Send;
    fn name(&self) -> &'static str;
    fn location(&self) -> Location;
    fn access(&self) -> Access;
    fn compile(&'static self, options: Options) -> Registration<Self::Entry>;

    /// Every reason as a problem of this item.
    fn invalid(&self, reasons: Vec<Unexposable>) -> Vec<Problem> {
        reasons
            .into_iter()
            .map(|reason| Problem::Invalid {
                kind: Self::KIND,
                name: self.name(),
                location: self.location(),
                reason: reason.to_string(),
            })
            .collect()
    }
}

impl Registered for ToolDef {
    const KIND: ItemKind = ItemKind::Tool;
    type Entry = ToolEntry;
    fn name(&self) -> &'static str {
        self.name
    }
    fn location(&self) -> Location {
        self.location
    }
    fn access(&self) -> Access {
        self.access()
    }
    fn compile(&'static self, options: Options) -> Registration<ToolEntry> {
        if let Handler::Direct { type_name, .. } = self.handler
            && swallowed_by_a_route_macro(type_name())
        {
            return Err(vec![Problem::AttributeOrder {
                tool: self.name,
                location: self.location,
            }]);
        }
        let (entry, json) = compile(self, options).map_err(|reasons| self.invalid(reasons))?;
        Ok((
            entry,
            Listed {
                name: self.name,
                access: self.access(),
                json,
            },
        ))
    }
}

impl Registered for PromptDef {
    const KIND: ItemKind = ItemKind::Prompt;
    type Entry = PromptEntry;
    fn name(&self) -> &'static str {
        self.name
    }
    fn location(&self) -> Location {
        self.location
    }
    fn access(&self) -> Access {
        self.access()
    }
    fn compile(&'static self, _: Options) -> Registration<PromptEntry> {
        prompt::compile(self).map_err(|reasons| self.invalid(reasons))
    }
}

impl Registered for ResourceDef {
    const KIND: ItemKind = ItemKind::Resource;
    type Entry = ResourceEntry;
    fn name(&self) -> &'static str {
        self.name
    }
    fn location(&self) -> Location {
        self.location
    }
    fn access(&self) -> Access {
        self.access()
    }
    fn compile(&'static self, _: Options) -> Registration<ResourceEntry> {
        resource::compile(self).map_err(|reasons| self.invalid(reasons))
    }
}

/// Compiles every item of one kind whose name is its own, gathering the
/// problems of the others.
fn compile_all<D: Registered>(
    defs: Vec<&'static D>,
    auth: Checks,
    options: Options,
    problems: &mut Vec<Problem>,
) -> Vec<(D::Entry, Listed)> {
    let defs = unique(
        defs,
        |d| d.name(),
        |d| d.location(),
        |name, locations| Problem::DuplicateName {
            kind: D::KIND,
            name,
            locations,
        },
        problems,
    );
    let mut compiled = Vec::with_capacity(defs.len());
    let threads = threads_for(defs.len());
    for (def, done) in defs.iter().zip(compile_each(&defs, options, threads)) {
        let access = def.access();
        if access.auth && auth == Checks::Nothing {
            problems.push(Problem::AuthNotConfigured {
                kind: D::KIND,
                name: def.name(),
                location: def.location(),
            });
        } else if !access.scopes.is_empty() && auth == Checks::Identity {
            problems.push(Problem::ScopesNotCheckable {
                kind: D::KIND,
                name: def.name(),
                location: def.location(),
            });
        }
        match done {
            Ok(done) => compiled.push(done),
            Err(more) => problems.extend(more),
        }
    }
    compiled
}

/// Items a thread compiles at the least before the work is split: a large
/// API's schemas are most of its start-up, a small one's not worth a thread.
const ITEMS_PER_THREAD: usize = 128;

/// The threads `items` are compiled on: one per core, each with at least
/// [`ITEMS_PER_THREAD`] of them.
fn threads_for(items: usize) -> usize {
    let most = items / ITEMS_PER_THREAD;
    if most < 2 {
        // (Without asking for the cores, which reads the process's cgroup
        // files on Linux: most registries are this small.)
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    cores.min(most)
}

/// Each of `defs` compiled, in their order, on `threads` threads; each
/// thread has its own cache of schemas (`Schemas::during`) and the
/// caller's `tracing` subscriber, so a warning goes where it would have
/// gone from the caller's thread.
fn compile_each<D: Registered>(
    defs: &[&'static D],
    options: Options,
    threads: usize,
) -> Vec<Registration<D::Entry>> {
    if threads <= 1 || defs.len() <= 1 {
        return defs.iter().map(|def| def.compile(options)).collect();
    }
    let subscriber = tracing::dispatcher::get_default(Clone::clone);
    std::thread::scope(|scope| {
        let parts: Vec<_> = defs
            .chunks(defs.len().div_ceil(threads))
            .map(|part| {
                let subscriber = subscriber.clone();
                scope.spawn(move || {
                    tracing::dispatcher::with_default(&subscriber, || {
                        Schemas::during(|| part.iter().map(|def| def.compile(options)).collect())
                    })
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|part: std::thread::ScopedJoinHandle<'_, Vec<_>>| {
                part.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

impl Registry {
    /// Compiles every tool, prompt and resource, reporting every problem at
    /// once.
    pub(crate) fn build(
        defs: Defs,
        auth: Checks,
        options: Options,
    ) -> Result<Registry, BuildError> {
        Schemas::during(|| Registry::compile(defs, auth, options))
    }

    fn compile(defs: Defs, auth: Checks, options: Options) -> Result<Registry, BuildError> {
        let mut problems = Vec::new();
        let (tools, listed_tools): (Vec<_>, Vec<_>) =
            compile_all(defs.tools, auth, options, &mut problems)
                .into_iter()
                .unzip();
        let (prompts, listed_prompts): (Vec<_>, Vec<_>) =
            compile_all(defs.prompts, auth, options, &mut problems)
                .into_iter()
                .unzip();
        // Two resources with one URI are as ambiguous as two with one name.
        let resource_defs = unique(
            defs.resources,
            |d| d.uri,
            |d| d.location,
            |uri, locations| Problem::DuplicateUri { uri, locations },
            &mut problems,
        );
        let mut resources = Vec::new();
        let (mut listed_resources, mut listed_templates) = (Vec::new(), Vec::new());
        for (entry, listed) in compile_all(resource_defs, auth, options, &mut problems) {
            if entry.uri.is_static() {
                listed_resources.push(listed);
            } else {
                listed_templates.push(listed);
            }
            resources.push(entry);
        }
        if !problems.is_empty() {
            return Err(BuildError::new(problems));
        }

        let index = |names: &mut dyn Iterator<Item = &'static str>| {
            names.enumerate().map(|(i, n)| (n, i)).collect::<Index>()
        };
        let mut templates: Vec<usize> = (0..resources.len())
            .filter(|&i| !resources[i].uri.is_static())
            .collect();
        templates.sort_by_key(|&i| std::cmp::Reverse(resources[i].uri.literal_len));
        let listed = [
            listed_tools,
            listed_prompts,
            listed_resources,
            listed_templates,
        ];
        Ok(Registry {
            protected: listed
                .each_ref()
                .map(|items| items.iter().any(|l| l.access.auth)),
            tool_index: index(&mut tools.iter().map(|t| t.def.name)),
            prompt_index: index(&mut prompts.iter().map(|p| p.def.name)),
            resource_index: index(&mut resources.iter().map(|r| r.def.name)),
            uri_index: resources
                .iter()
                .enumerate()
                .filter(|(_, r)| r.uri.is_static())
                .map(|(i, r)| (r.def.uri, i))
                .collect(),
            templates,
            listed,
            tools,
            prompts,
            resources,
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.tool_index.get(name).map(|&i| &self.tools[i])
    }

    pub(crate) fn prompt(&self, name: &str) -> Option<&PromptEntry> {
        self.prompt_index.get(name).map(|&i| &self.prompts[i])
    }

    /// The resource `uri` names (a static URI, else the most specific
    /// template it fits) and the values of its variables; `skip` passes
    /// over resources that are turned off.
    pub(crate) fn resource_for(
        &self,
        uri: &str,
        skip: impl Fn(&str) -> bool,
    ) -> Option<(&ResourceEntry, Vec<(String, String)>)> {
        if let Some(&i) = self.uri_index.get(uri)
            && !skip(self.resources[i].def.name)
        {
            return Some((&self.resources[i], Vec::new()));
        }
        self.templates.iter().find_map(|&i| {
            let resource = &self.resources[i];
            if skip(resource.def.name) {
                return None;
            }
            resource.uri.matches(uri).map(|values| (resource, values))
        })
    }

    /// The resource whose URI template is `template`, as written.
    pub(crate) fn resource_template(&self, template: &str) -> Option<&ResourceEntry> {
        self.resources.iter().find(|r| r.def.uri == template)
    }

    /// Whether a tool, prompt or resource has this name.
    pub(crate) fn has(&self, item: Item, name: &str) -> bool {
        match item {
            Item::Tool => self.tool_index.contains_key(name),
            Item::Prompt => self.prompt_index.contains_key(name),
            Item::Resource => self.resource_index.contains_key(name),
        }
    }

    /// Whether any item is served by a route, and so reaches its handler
    /// through the app (which must then be wrapped by `McpServer::app`).
    pub(crate) fn needs_app(&self) -> bool {
        !self.resources.is_empty()
            || self
                .tools
                .iter()
                .any(|t| matches!(t.target, Target::Route { .. }))
    }

    /// Whether any prompts, and any resources, are registered.
    pub(crate) fn has_items(&self) -> Has {
        Has {
            prompts: !self.prompts.is_empty(),
            resources: !self.resources.is_empty(),
        }
    }

    /// Every scope an item names, with `also`, sorted, each once.
    pub(crate) fn scopes(&self, also: &[&'static str]) -> Vec<&'static str> {
        let mut scopes: Vec<&'static str> = self
            .listed
            .iter()
            .flatten()
            .flat_map(|l| l.access.scopes.iter().copied())
            .chain(also.iter().copied())
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }

    /// Whether any item of `list` asks for authentication (turned off or
    /// not): when none does, a request on that list's items needs no
    /// verdict before it runs, nor its parameters read for one.
    pub(crate) fn protects(&self, list: List) -> bool {
        self.protected[list as usize]
    }

    /// Every item of `list`, sorted by name.
    pub(crate) fn listed(&self, list: List) -> &[Listed] {
        &self.listed[list as usize]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &ToolEntry> {
        self.tools.iter()
    }
}

/// Which kinds of items a server has (what its capabilities declare).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Has {
    pub prompts: bool,
    pub resources: bool,
}

/// With `#[get(…)]` *above* `#[mcp_tool]`, actix's macro runs first and
/// nests the fn inside its service's `register` method, so `#[mcp_tool]`
/// sees no route. The nesting shows in the fn's type name.
fn swallowed_by_a_route_macro(type_name: &str) -> bool {
    type_name.contains("HttpServiceFactory") && type_name.contains("::register::")
}

/// A tool as `tools/list` shows it: rmcp's `Tool`, members in its order,
/// written from the compiled parts without building one.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    description: &'a str,
    input_schema: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_schema: Option<&'a OutputSchema>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<ToolAnnotations>,
}

fn compile(
    def: &'static ToolDef,
    options: Options,
) -> Result<(ToolEntry, Box<RawValue>), Vec<Unexposable>> {
    let mut signature = Signature::of(|s| def.describe(s));
    if !def.output_schema {
        signature.output(None);
    }
    let target = match def.handler {
        Handler::Route(route) => Target::Route {
            method: route.methods.first().copied().unwrap_or(HttpMethod::Get),
            template: Template::parse(route.path).map_err(|e| vec![Unexposable::Route(e)])?,
            locator: route.exposed.locator_name(),
            exposed: route.exposed,
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
    let type_errors = signature.errors;
    let mut compiled = input_schema::compile(signature, &extras)?;
    if def.name.len() > crate::catalog::select::MAX_CHANGED_NAME {
        // The spec allows it; names a server changes are held to 64.
        tracing::warn!(
            tool = def.name,
            location = %def.location,
            "mcp-runtime: the tool's name is {} characters; many clients (OpenAI's among \
             them) refuse names over 64: shorten it or `rename` it",
            def.name.len()
        );
    }
    for warning in &compiled.omitted {
        tracing::warn!(tool = def.name, location = %def.location, "mcp-runtime: {warning}");
    }
    if options.profile == SchemaProfile::Portable {
        portable::apply(&mut compiled.input_schema, true);
        compiled.output_schema = compiled
            .output_schema
            .map(|output| output.rewritten(|output| portable::apply(output, false)));
    }

    let input_schema = Arc::new(compiled.input_schema);
    let description = if options.describe_responses {
        // The attribute's `errors(…)` first; the error type's for the rest.
        let errors: Vec<(u16, &str)> = def
            .errors
            .iter()
            .chain(
                type_errors
                    .iter()
                    .filter(|(status, _)| !def.errors.iter().any(|(s, _)| s == status)),
            )
            .copied()
            .collect();
        described(def.description, compiled.output_schema.as_ref(), &errors)
    } else {
        def.description.to_owned()
    };
    let h = def.hints;
    let annotations = ToolAnnotations::from_raw(
        def.title.map(str::to_owned),
        h.read_only,
        h.destructive,
        h.idempotent,
        h.open_world,
    );
    let listed = serde_json::value::to_raw_value(&Listing {
        name: def.name,
        title: def.title,
        description: &description,
        input_schema: &input_schema,
        output_schema: compiled.output_schema.as_ref(),
        annotations: (annotations != ToolAnnotations::default()).then_some(annotations),
    })
    .map_err(|e| vec![Unexposable::Serialize(e)])?;

    let structured = match compiled.output_schema.as_ref().map(|output| output.wrap) {
        None => Structured::No,
        Some(false) => Structured::AsIs,
        Some(true) => Structured::Wrapped,
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
    let url_arguments = url_rules(&compiled.plan, &input_schema);
    let entry = ToolEntry {
        def,
        url_arguments,
        plan: compiled.plan,
        header_arguments,
        input_schema,
        structured,
        target,
    };
    Ok((entry, listed))
}

/// A tool's description with what it returns spelled out, for clients that
/// show the model only descriptions (fastapi_mcp's
/// `describe_full_response_schema` and `describe_all_responses`).
fn described(description: &str, output: Option<&OutputSchema>, errors: &[(u16, &str)]) -> String {
    let mut text = description.trim_end().to_owned();
    match output {
        Some(schema) => {
            let schema = serde_json::to_string(schema).unwrap_or_default();
            text.push_str(&format!(
                "\n\nReturns JSON (also as structured content) matching this schema: {schema}"
            ));
        }
        None => text.push_str("\n\nReturns the response body as text, or an image or other file."),
    }
    text.push_str(
        "\nAn HTTP error (4xx, 5xx) comes back as a tool error (isError) whose text starts \
         with the status line, followed by the response body.",
    );
    for (status, meaning) in errors {
        text.push_str(&format!("\nHTTP {status}: {meaning}"));
    }
    text
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread::ThreadId;

    use serde_json::value::RawValue;
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    use super::*;

    /// An item whose compiling says which thread did it, warns once, and
    /// fails for every seventh.
    struct Numbered(usize);

    impl Registered for Numbered {
        const KIND: ItemKind = ItemKind::Tool;
        type Entry = (usize, ThreadId);
        fn name(&self) -> &'static str {
            "numbered"
        }
        fn location(&self) -> Location {
            Location {
                handler: "numbered",
                file: file!(),
                line: line!(),
                column: 1,
            }
        }
        fn access(&self) -> Access {
            Access::PUBLIC
        }
        fn compile(&'static self, _: Options) -> Registration<Self::Entry> {
            tracing::warn!(item = self.0, "compiled");
            if self.0 % 7 == 3 {
                return Err(vec![Problem::Setting(format!("item {}", self.0))]);
            }
            let listed = Listed {
                name: "numbered",
                access: Access::PUBLIC,
                json: RawValue::from_string(self.0.to_string()).expect("a number"),
            };
            Ok(((self.0, std::thread::current().id()), listed))
        }
    }

    /// Counts the events it is given.
    #[derive(Default)]
    struct Events(AtomicUsize);

    impl Subscriber for Events {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// What a compile gave, without the thread.
    fn outcome(done: &Registration<(usize, ThreadId)>) -> String {
        match done {
            Ok(((n, _), listed)) => format!("{n}: {}", listed.json.get()),
            Err(problems) => problems[0].to_string(),
        }
    }

    #[test]
    fn items_compiled_on_several_threads_come_back_in_order_with_their_warnings() {
        let defs: Vec<&'static Numbered> = (0..40)
            .map(|n| &*Box::leak(Box::new(Numbered(n))))
            .collect();
        let options = Options {
            profile: SchemaProfile::Standard,
            describe_responses: false,
        };
        let events = std::sync::Arc::new(Events::default());
        let (alone, split) = tracing::subscriber::with_default(events.clone(), || {
            (
                compile_each(&defs, options, 1),
                compile_each(&defs, options, 3),
            )
        });
        assert_eq!(
            alone.iter().map(outcome).collect::<Vec<_>>(),
            split.iter().map(outcome).collect::<Vec<_>>()
        );
        assert_eq!(outcome(&split[3]), "item 3");
        let here = std::thread::current().id();
        assert!(alone.iter().flatten().all(|((_, t), _)| *t == here));
        let threads: std::collections::HashSet<ThreadId> =
            split.iter().flatten().map(|((_, t), _)| *t).collect();
        assert_eq!(threads.len(), 3);
        assert!(!threads.contains(&here));
        // Every item warned once in each run, the split one's warnings to
        // the caller's subscriber too.
        assert_eq!(events.0.load(Ordering::Relaxed), 80);
    }
}
