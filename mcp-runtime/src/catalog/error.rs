//! Start-up errors: everything wrong with the registered tools, reported at once.

use std::fmt;

use crate::handler::defs::Location;

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
    /// A `requires_auth` tool, but no authenticator was configured with
    /// [`McpServerBuilder::auth`](crate::McpServerBuilder::auth): the server
    /// fails closed rather than serve it unprotected.
    #[non_exhaustive]
    AuthNotConfigured {
        /// A tool, prompt or resource.
        kind: ItemKind,
        /// Its name.
        tool: &'static str,
        /// Where it is defined.
        location: Location,
    },
    /// The tool's types cannot be turned into an MCP tool (e.g. a
    /// `web::Path<(A, B)>` on a route with one parameter).
    #[non_exhaustive]
    InvalidTool {
        /// The tool's name.
        tool: &'static str,
        /// Where it is defined.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// The prompt's types cannot make a prompt (an argument that is not a
    /// scalar, a `complete(...)` naming no argument).
    #[non_exhaustive]
    InvalidPrompt {
        /// The prompt's name.
        prompt: &'static str,
        /// Where it is defined.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// The resource's URI does not fit its route (a segment no variable
    /// fills, a malformed template, a route that does not take GET).
    #[non_exhaustive]
    InvalidResource {
        /// The resource's name.
        resource: &'static str,
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
                tool,
                location,
            } => write!(
                f,
                "{kind} `{tool}` ({location}) has `requires_auth` but the server has no \
                 authenticator\n  help: call `.auth::<YourAuthExtractor>()` on the builder"
            ),
            Problem::InvalidPrompt {
                prompt,
                location,
                reason,
            } => write!(f, "prompt `{prompt}` ({location}): {reason}"),
            Problem::InvalidResource {
                resource,
                location,
                reason,
            } => write!(f, "resource `{resource}` ({location}): {reason}"),
            Problem::InvalidTool {
                tool,
                location,
                reason,
            } => write!(f, "tool `{tool}` ({location}): {reason}"),
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
