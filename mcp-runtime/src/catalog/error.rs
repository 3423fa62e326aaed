//! Start-up errors: everything wrong with the registered tools, prompts
//! and resources, reported at once ([`BuildError`]), and the reasons an item
//! cannot be exposed ([`Unexposable`]).

use std::fmt;

use crate::handler::defs::Location;
use crate::schema::route::TemplateError;
use crate::schema::uri_template::UriTemplateError;

/// Why [`McpServerBuilder::build`](crate::McpServerBuilder::build) refused to
/// build a server. Lists every problem found, not just the first.
///
/// ```
/// # fn main() {
/// # let server = mcp_runtime::McpServer::from_registry().build();
/// match server {
///     Ok(server) => { /* mount server.scope("/mcp") */ }
///     Err(e) => eprintln!("cannot start: {e}"),
/// }
/// # }
/// ```
pub struct BuildError {
    problems: Vec<Problem>,
}

/// What kind of item a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemKind {
    /// An `#[mcp_tool]`.
    Tool,
    /// An `#[mcp_prompt]`.
    Prompt,
    /// An `#[mcp_resource]`.
    Resource,
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::Tool => "tool",
            ItemKind::Prompt => "prompt",
            ItemKind::Resource => "resource",
        })
    }
}

impl ItemKind {
    fn attribute(self) -> &'static str {
        match self {
            ItemKind::Tool => "mcp_tool",
            ItemKind::Prompt => "mcp_prompt",
            ItemKind::Resource => "mcp_resource",
        }
    }
}

/// One thing wrong with the registered tools or the server's configuration.
#[derive(Debug)]
#[non_exhaustive]
pub enum Problem {
    /// Two or more tools (or prompts, or resources) share a name; every
    /// definition site is listed.
    #[non_exhaustive]
    DuplicateName {
        /// What shares it.
        kind: ItemKind,
        /// The shared name.
        name: &'static str,
        /// Every place it is defined.
        locations: Vec<Location>,
    },
    /// A `requires_auth` item, but no authenticator was configured with
    /// [`McpServerBuilder::auth`](crate::McpServerBuilder::auth): the server
    /// fails closed rather than serve it unprotected.
    #[non_exhaustive]
    AuthNotConfigured {
        /// A tool, prompt or resource.
        kind: ItemKind,
        /// Its name.
        name: &'static str,
        /// Where it is defined.
        location: Location,
    },
    /// An item with `scopes = [...]`, but the authenticator cannot tell a
    /// caller's scopes: configure it with
    /// [`McpServerBuilder::auth_with_scopes`](crate::McpServerBuilder::auth_with_scopes).
    #[non_exhaustive]
    ScopesNotCheckable {
        /// A tool, prompt or resource.
        kind: ItemKind,
        /// Its name.
        name: &'static str,
        /// Where it is defined.
        location: Location,
    },
    /// The item's types cannot make it (a `web::Path<(A, B)>` on a route
    /// with one segment, a prompt argument that is not a scalar, a resource
    /// URI that does not fit its route…).
    #[non_exhaustive]
    Invalid {
        /// A tool, prompt or resource.
        kind: ItemKind,
        /// Its name.
        name: &'static str,
        /// Where it is defined.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// Two resources have the same URI (or URI template).
    #[non_exhaustive]
    DuplicateUri {
        /// The shared URI.
        uri: &'static str,
        /// Every place it is defined.
        locations: Vec<Location>,
    },
    /// The route attribute sits above `#[mcp_tool]`: actix's macro ran first
    /// and hid the route, so the tool would bypass it.
    #[non_exhaustive]
    AttributeOrder {
        /// The tool's name.
        tool: &'static str,
        /// Where it is defined.
        location: Location,
    },
    /// A setting names a tool the registry does not have.
    #[non_exhaustive]
    UnknownTool {
        /// The name given.
        tool: String,
        /// The builder method it was given to.
        setting: &'static str,
    },
    /// Builder settings that cannot work together; says which and why.
    Setting(String),
    /// A list's payload could not be serialized.
    Serialize(String),
}

impl BuildError {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        BuildError { problems }
    }

    /// Every problem found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::DuplicateName {
                kind,
                name,
                locations,
            } => {
                write!(
                    f,
                    "{kind} name `{name}` is defined {} times:",
                    locations.len()
                )?;
                for l in locations {
                    write!(f, "\n    - {l}")?;
                }
                write!(
                    f,
                    "\n  help: give each {kind} a distinct `#[{}(name = \"...\")]`",
                    kind.attribute()
                )
            }
            Problem::DuplicateUri { uri, locations } => {
                write!(
                    f,
                    "resource URI `{uri}` is defined {} times:",
                    locations.len()
                )?;
                for l in locations {
                    write!(f, "\n    - {l}")?;
                }
                write!(f, "\n  help: give each resource its own `uri = \"...\"`")
            }
            Problem::AuthNotConfigured {
                kind,
                name,
                location,
            } => write!(
                f,
                "{kind} `{name}` ({location}) has `requires_auth` but the server has no \
                 authenticator\n  help: call `.auth::<YourAuthExtractor>()` on the builder"
            ),
            Problem::ScopesNotCheckable {
                kind,
                name,
                location,
            } => write!(
                f,
                "{kind} `{name}` ({location}) has `scopes = [...]` but the server's authenticator \
                 cannot tell a caller's scopes\n  help: implement `mcp_runtime::auth::Scopes` for \
                 your auth extractor and call `.auth_with_scopes::<YourAuthExtractor>()`"
            ),
            Problem::Invalid {
                kind,
                name,
                location,
                reason,
            } => write!(f, "{kind} `{name}` ({location}): {reason}"),
            Problem::AttributeOrder { tool, location } => write!(
                f,
                "tool `{tool}` ({location}): the route attribute is above `#[mcp_tool]`, so \
                 actix's macro ran first and the tool cannot see its route\n  help: put \
                 `#[mcp_tool]` first:\n      #[mcp_tool]\n      #[get(\"/path\")]\n      \
                 async fn handler(…)"
            ),
            Problem::UnknownTool { tool, setting } => write!(
                f,
                "`{setting}(\"{tool}\", …)` names a tool this server does not have\n  help: \
                 check the name against `McpServer::tool_names()`"
            ),
            Problem::Setting(why) => f.write_str(why),
            Problem::Serialize(e) => write!(f, "cannot serialize the lists: {e}"),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "cannot build the MCP server: {one}"),
            many => {
                write!(f, "cannot build the MCP server: {} problems", many.len())?;
                for p in many {
                    write!(f, "\n- {p}")?;
                }
                Ok(())
            }
        }
    }
}

/// The same readable list as `Display`: `Debug` is what `main` prints when
/// it returns the error (`fn main() -> Result<(), BuildError>`, or
/// `std::io::Error::other(e)` through `?`).
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

/// Why an item's types cannot make a tool, prompt or resource: the
/// `reason` of [`Problem::Invalid`].
#[derive(Debug)]
pub(crate) enum Unexposable {
    TwoBodies,
    /// `web::Query`/`web::Form` of something without named fields.
    NotFields {
        what: &'static str,
    },
    /// A required list or object field in a URL-encoded extractor.
    NotScalarField {
        what: &'static str,
        field: String,
    },
    /// The same, optional: the tool is exposed without it (a warning).
    OmittedField {
        what: &'static str,
        field: String,
    },
    PathFieldNotSegment {
        field: String,
        segments: Vec<String>,
    },
    SegmentNotArgument {
        segment: String,
    },
    PathWithoutRoute,
    PathArity {
        held: usize,
        segments: Vec<String>,
    },
    PathOneValue {
        segments: Vec<String>,
    },
    NameCollision {
        name: String,
    },
    UnknownDescribed {
        name: String,
        arguments: Vec<String>,
    },
    PromptArgumentNotScalar {
        name: String,
    },
    CompletionNamesNoArgument {
        name: String,
        arguments: Vec<String>,
    },
    CompletionNamesNoVariable {
        name: String,
        uri: &'static str,
    },
    NotGet {
        path: &'static str,
    },
    SegmentNotInUri {
        segment: String,
        uri: &'static str,
    },
    UriVariableNotSegment {
        variable: String,
        path: &'static str,
    },
    QueryVariableIsSegment {
        variable: String,
    },
    Route(TemplateError),
    UriTemplate(UriTemplateError),
    Serialize(serde_json::Error),
}

/// `` `a`, `b` `` or `none`.
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Unexposable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unexposable::TwoBodies => f.write_str(
                "the handler takes more than one request body (`web::Json` and `web::Form`); \
                 a request has one body: take `web::Either<web::Json<T>, web::Form<T>>`",
            ),
            Unexposable::NotFields { what } => write!(
                f,
                "`{what}` needs a struct or map with named fields; actix cannot parse a \
                 URL-encoded string into anything else"
            ),
            Unexposable::NotScalarField { what, field } => write!(
                f,
                "`{what}` field `{field}` is a list or an object, which actix's `{what}` \
                 rejects on every REST request; make it a scalar (e.g. a comma-separated \
                 `String`), or take it in a `web::Json` body"
            ),
            Unexposable::OmittedField { what, field } => write!(
                f,
                "`{what}` field `{field}` is a list or an object, which actix's `{what}` \
                 rejects whenever it is sent; the tool is exposed without it (REST works \
                 while it is absent); make it a scalar (e.g. a comma-separated `String`) \
                 to expose it"
            ),
            Unexposable::PathFieldNotSegment { field, segments } => write!(
                f,
                "`web::Path` field `{field}` is not a segment of the route (it names: {}); \
                 rename the field or the segment",
                listed(segments)
            ),
            Unexposable::SegmentNotArgument { segment } => write!(
                f,
                "route segment `{segment}` is not an argument of the tool, so a call cannot \
                 fill it: take it with `web::Path` (reading it through `req.match_info()` \
                 alone hides it from the tool's schema)"
            ),
            Unexposable::PathWithoutRoute => f.write_str(
                "`web::Path<T>` in a tool without a route attribute needs a struct `T` with \
                 named fields",
            ),
            Unexposable::PathArity { held, segments } => write!(
                f,
                "`web::Path` holds {held} values but the route has {} parameters ({})",
                segments.len(),
                segments.join(", ")
            ),
            Unexposable::PathOneValue { segments } => write!(
                f,
                "`web::Path` holds one value but the route has {} parameters ({}); use a \
                 tuple or a struct",
                segments.len(),
                segments.join(", ")
            ),
            Unexposable::NameCollision { name } => write!(
                f,
                "two arguments are both named `{name}` even after renaming collisions; \
                 rename one of the fields"
            ),
            Unexposable::UnknownDescribed { name, arguments } => write!(
                f,
                "`args({name} = …)` describes `{name}`, which is not an argument of this tool \
                 (its arguments: {})",
                listed(arguments)
            ),
            Unexposable::PromptArgumentNotScalar { name } => write!(
                f,
                "prompt arguments are strings, and `{name}` is not a string, number, boolean \
                 or enum of strings; give it a scalar type"
            ),
            Unexposable::CompletionNamesNoArgument { name, arguments } => write!(
                f,
                "`complete({name} = …)` names no argument of this prompt (it has: {})",
                if arguments.is_empty() {
                    "none".to_owned()
                } else {
                    arguments.join(", ")
                }
            ),
            Unexposable::CompletionNamesNoVariable { name, uri } => {
                write!(
                    f,
                    "`complete({name} = …)` names no variable of the URI `{uri}`"
                )
            }
            Unexposable::NotGet { path } => write!(
                f,
                "resources are read with GET, and the route `{path}` does not take GET"
            ),
            Unexposable::SegmentNotInUri { segment, uri } => write!(
                f,
                "the route segment `{{{segment}}}` is not a variable of the URI `{uri}`, so a \
                 read cannot fill it; add `{{{segment}}}` to the URI"
            ),
            Unexposable::UriVariableNotSegment { variable, path } => write!(
                f,
                "the URI variable `{{{variable}}}` is not a segment of the route `{path}`; name \
                 a route segment, or make it a query parameter with `{{?{variable}}}`"
            ),
            Unexposable::QueryVariableIsSegment { variable } => write!(
                f,
                "`{variable}` is a route segment, so it belongs in the URI's path \
                 (`{{{variable}}}`), not its query (`{{?{variable}}}`)"
            ),
            Unexposable::Route(e) => e.fmt(f),
            Unexposable::UriTemplate(e) => e.fmt(f),
            Unexposable::Serialize(e) => e.fmt(f),
        }
    }
}
