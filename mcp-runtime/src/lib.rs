//! Serve an actix-web API as a [Model Context Protocol](https://modelcontextprotocol.io)
//! server by annotating its handlers.
//!
//! ```standalone_crate
//! use actix_web::{App, get, web};
//! use mcp_runtime::{McpServer, mcp_tool};
//!
//! /// Greet someone by name.
//! #[mcp_tool]
//! #[get("/hello/{name}")]
//! async fn hello(name: web::Path<String>) -> String {
//!     format!("Hello, {name}!")
//! }
//!
//! // Once, before `HttpServer::new`: start-up problems are reported here.
//! let mcp = McpServer::builder().name("greeter").endpoint("/mcp").build().unwrap();
//! assert_eq!(mcp.tool_names().collect::<Vec<_>>(), ["hello"]);
//!
//! // In each worker: the app, wrapped so tool calls go through their
//! // routes, with the MCP endpoint mounted at `/mcp` beside them.
//! let app = mcp.app(App::new().service(hello));
//! # let _ = actix_web::test::init_service(app);
//! ```
//!
//! The tool `hello` takes `{"name": "…"}` (named from the route template).
//! A call becomes a request on `GET /hello/{name}`, sent through the app in
//! process: the handler runs behind the same router, guards, middleware and
//! extractor configuration as the REST request. See [`mcp_tool`] for the
//! attribute and how parameters, results and errors map, [`McpServer`] for
//! the server, and [`McpContext`] for progress, logging, cancellation,
//! sampling and elicitation from inside a handler.
//!
//! # How the crate is laid out
//!
//! Everyday items are at the crate root; settings are in [`config`],
//! stores in [`store`], errors in [`error`], and what integrations need
//! (the App wrapper, the stdio server) in [`dev`].
//!
//! One module per layer; each uses only the layers below it (see
//! `ARCHITECTURE.md` for how a request flows through them):
//!
//! | layer | module | holds |
//! |---|---|---|
//! | 7 | `server` | the facade: [`McpServer`], [`McpServerBuilder`], [`Catalog`], [`Notifier`] |
//! | 6 | `transport` | Streamable HTTP, legacy HTTP+SSE, [`Stdio`](dev::Stdio), resumable streams |
//! | 5 | `dispatch` | the method table, one file per family of methods |
//! | 4 | `call` | one call: the shared state, the call as a request through the app ([`McpApp`](dev::McpApp)), its scope ([`McpContext`]), its result |
//! | 3 | `catalog` | items compiled at start-up, the published lists, [`BuildError`] |
//! | 2 | `state` | sessions ([`SessionStore`](store::SessionStore)), events ([`EventStore`](store::EventStore)), calls in flight, subscriptions |
//! | 2 | `handler` | what generated code uses: definitions, [`Arguments`], [`Completion`] |
//! | 1 | `schema` | JSON-Schema walkers, route and URI templates, [`SchemaProfile`](config::SchemaProfile) |
//! | 0 | `protocol`, `policy`, `support` | vocabulary ([`LogLevel`], [`ToolContent`], [`PromptMessages`]), limits, auth, [`RateLimit`](config::RateLimit), origins; locks and channels |

#![warn(missing_docs)]

mod call;
mod catalog;
mod dispatch;
mod handler;
mod policy;
mod protocol;
mod schema;
mod server;
mod state;
mod support;
mod transport;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "bench")]
#[doc(hidden)]
pub mod __bench;

pub use call::context::{ClientRequestError, Elicitation, McpContext};
pub use catalog::error::BuildError;
pub use handler::arguments::Arguments;
pub use handler::completion::{Completion, Completions};
pub use handler::invoke::DescribeErrors;
/// Exposes an `async fn` as an MCP prompt.
///
/// Put it on a plain `async fn`, not a route: `prompts/get` calls it with
/// the prompt's arguments, and what it returns becomes the prompt's
/// messages. The prompt is registered for [`McpServer::from_registry`].
///
/// # Arguments
///
/// | argument | default | meaning |
/// |---|---|---|
/// | `name = "…"` | the fn name | 1–128 characters of `A-Za-z0-9_.-` |
/// | `description = "…"` | the doc comment | required one way or the other |
/// | `title = "…"` | none | display title |
/// | `scopes = ["a", "b"]` | none | OAuth scopes the caller needs (implies `requires_auth`); 403 `insufficient_scope` without |
/// | `tags = ["a", "b"]` | none | labels for [`Filter`](crate::config::Filter)s |
/// | `args(code = "…", "page-size" = "…")` | field docs | argument descriptions, by argument name (an identifier or a string); a name the prompt does not have is a start-up error |
/// | `requires_auth` | off | authenticate with [`McpServerBuilder::auth`] first |
/// | `complete(language = path::to::fn, …)` | none | completion of argument values, as for [`mcp_resource`]; a name the prompt does not have is a start-up error |
/// | `crate = path` | `::mcp_runtime` | path to this crate, for re-exporting crates |
///
/// # Parameters
///
/// * [`Arguments<T>`] carries the prompt's arguments: each field of `T`
///   (`Deserialize` and `JsonSchema`) is an argument, described by its doc
///   comment, required unless it is an `Option`.
/// * Any other [`FromRequest`](actix_web::FromRequest) type runs against the
///   MCP HTTP request: `web::Data<T>`, `HttpRequest`, [`McpContext`], the
///   app's own extractors. `#[mcp(from_request)]` on a parameter forces this.
///
/// # Results
///
/// [`PromptMessages`]; a `String` or `&'static str` (one user message); a
/// `Vec<PromptMessage>` ([`model::PromptMessage`]); or a `Result` of one of
/// them whose error is `Display`, which the client is shown as the error.
///
/// # Example
///
/// ```
/// use actix_web::web;
/// use mcp_runtime::{Arguments, Completion, PromptMessages, mcp_prompt};
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// struct StyleGuide(String);
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Review {
///     /// The code to review.
///     code: String,
///     /// The language it is written in.
///     language: Option<String>,
/// }
///
/// async fn languages(c: Completion) -> Vec<&'static str> {
///     let known = ["python", "rust", "typescript"];
///     known.into_iter().filter(|l| l.starts_with(c.value())).collect()
/// }
///
/// /// Review a piece of code.
/// #[mcp_prompt(title = "Code review", complete(language = languages))]
/// async fn code_review(args: Arguments<Review>, guide: web::Data<StyleGuide>) -> PromptMessages {
///     let Review { code, language } = args.into_inner();
///     PromptMessages::new()
///         .user(format!("Our style guide:\n{}", guide.0))
///         .user(format!("Review this {} code:\n{code}", language.as_deref().unwrap_or("")))
/// }
/// ```
///
/// # Compile-time checks
///
/// Misuse is a compile error on the offending tokens, with a `help:` line,
/// and every error is reported at once: unknown, duplicate or mistyped
/// arguments, invalid prompt names, a missing description, a non-`async` or
/// generic fn, `self`, references and raw-body extractors among the
/// parameters, a missing return type, a route attribute on the fn (above or
/// below `#[mcp_prompt]`), and `#[mcp_tool]` on the same fn. A return type
/// that cannot be messages is a type error at the return type.
pub use mcp_runtime_macros::mcp_prompt;
/// Exposes an actix-web GET handler as an MCP resource.
///
/// Put it **above** the actix route attribute (`#[get]`, or `#[route]` with
/// `method = "GET"`). The REST service keeps its name and works as before;
/// the resource is registered for [`McpServer::from_registry`]. A read is a
/// `GET` on that route, sent through the app in process (as a tool call
/// is): the URI's variables fill the route's segments and query
/// parameters, and the response becomes the resource's contents.
///
/// # Arguments
///
/// | argument | default | meaning |
/// |---|---|---|
/// | `uri = "…"` | required | a URI (`items://all`) for a route without segments, or an RFC 6570 level-1 template: each `{var}` is the route segment of that name (`items://{id}` for `/items/{id}`), and a trailing `{?a,b}` lists query parameters (`items://search{?q,limit}`) |
/// | `name = "…"` | the fn name | the resource's name |
/// | `title = "…"` | none | display title |
/// | `description = "…"` | the doc comment | optional |
/// | `mime_type = "…"` | none | the contents' MIME type (`type/subtype`) |
/// | `requires_auth` | off | authenticate with [`McpServerBuilder::auth`] first |
/// | `scopes = ["a", "b"]` | none | OAuth scopes the caller needs (implies `requires_auth`) |
/// | `tags = ["a", "b"]` | none | labels for [`Filter`](crate::config::Filter)s |
/// | `complete(id = path::to::fn, …)` | none | completion of template variables (see below) |
/// | `crate = path` | `::mcp_runtime` | path to this crate, for re-exporting crates |
///
/// # Parameters
///
/// Any actix extractors: the handler runs as on REST, for the `GET` request
/// built from the URI, so `web::Path`, `web::Query`, `web::Data`,
/// `HttpRequest` and the app's own extractors work unchanged. Nothing is
/// derived from them: the URI template says what a read provides.
///
/// # Completion functions
///
/// `complete(var = f)` names an `async fn f(c: Completion)` returning
/// `Vec<String>`, `Vec<&str>` or [`Completions`]: the values suggested for
/// the variable `var`, given what the user typed ([`Completion::value`]).
///
/// # Example
///
/// ```
/// use actix_web::{App, get, web};
/// use mcp_runtime::{Completion, McpServer, mcp_resource};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Item {
///     id: u64,
/// }
///
/// /// The ids that start with what was typed.
/// async fn item_ids(c: Completion) -> Vec<String> {
///     (1..=20).map(|id: u64| id.to_string()).filter(|id| id.starts_with(c.value())).collect()
/// }
///
/// /// One item, as JSON.
/// #[mcp_resource(
///     uri = "items://{id}",
///     title = "Item",
///     mime_type = "application/json",
///     complete(id = item_ids)
/// )]
/// #[get("/items/{id}")]
/// async fn get_item(id: web::Path<u64>) -> web::Json<Item> {
///     web::Json(Item { id: *id })
/// }
///
/// let mcp = McpServer::from_registry().build().unwrap();
/// let app = mcp.app(App::new().service(get_item).service(mcp.scope("/mcp")));
/// ```
///
/// # Compile-time checks
///
/// Misuse is a compile error on the offending tokens, with a `help:` line,
/// and every error is reported at once: unknown, duplicate or mistyped
/// arguments (`complete(...)` included), a missing `uri`, a malformed
/// template (an unclosed or unmatched brace, an empty, invalid or repeated
/// variable name, operators and modifiers other than the trailing
/// `{?a,b}`), a route segment that is not a `{var}` of the template, a
/// `{var}` that is not a route segment, a URI without variables for a
/// route with segments, `complete(...)` naming no variable, an invalid
/// `mime_type`, a handler without a route or whose route is not `GET`, the
/// route attribute written above `#[mcp_resource]`, and `#[mcp_tool]` on
/// the same fn. A completion function of the wrong signature or return type
/// is a type error at its path.
pub use mcp_runtime_macros::mcp_resource;
/// Exposes an actix-web handler as an MCP tool.
///
/// Put it **above** the actix route attribute (`#[get]`, `#[post]`, `#[put]`,
/// `#[patch]`, `#[delete]`, `#[head]`, `#[route]`), or on a plain `async fn`
/// for a tool that is not a REST route. The REST service keeps its name and
/// works as before; the tool is registered for [`McpServer::from_registry`].
///
/// # Arguments
///
/// | argument | default | meaning |
/// |---|---|---|
/// | `name = "…"` | the fn name | 1–128 characters of `A-Za-z0-9_.-` |
/// | `description = "…"` | the doc comment | required one way or the other |
/// | `title = "…"` | none | display title |
/// | `use_when = "…"`, `returns = "…"` | none | for agents: appended to the description as "Use when: …" and "Returns: …" |
/// | `args(id = "…", "page-size" = "…")` | field docs | argument descriptions in the `inputSchema`, by argument name (an identifier or a string); a name the tool does not have is a start-up error |
/// | `requires_auth` | off | authenticate with [`McpServerBuilder::auth`] first |
/// | `scopes = ["a", "b"]` | none | also require these OAuth scopes (implies `requires_auth`) |
/// | `tags = ["a", "b"]` | none | labels for the server's filters |
/// | `errors(404 = "…")` | none | what error statuses mean, for [`McpServerBuilder::describe_responses`] (beside those of the error type's [`DescribeErrors`]) |
/// | `read_only`, `destructive`, `idempotent`, `open_world` | from the HTTP method | annotation hints (`= false` to clear) |
/// | `output_schema = false` | on, from `web::Json<T>` | no `outputSchema`: text results only (the only value: the schema cannot be turned on for a type that has none) |
/// | `task = "optional"`, `"required"`, `"deferred"` | none | runs as a task (2026-07-28 tasks extension) for a client that opted in; `required`: only as a task (`-32021` otherwise); `deferred`: once the handler calls [`McpContext::detach`] |
/// | `requires = ["elicitation", "sampling", "roots"]` | none | client capabilities the tool cannot do without: a client that did not declare one is refused up front (`-32021`, in either era) instead of the handler's questions failing with [`ClientRequestError::Unsupported`] |
/// | `crate = path` | `::mcp_runtime` | path to this crate, for re-exporting crates |
///
/// ```
/// use actix_web::post;
/// use mcp_runtime::{Elicitation, McpContext, mcp_tool};
/// # #[derive(serde::Deserialize, schemars::JsonSchema)] struct Confirm { yes: bool }
///
/// /// Delete every item, once the user confirms.
/// #[mcp_tool(requires = ["elicitation"])]
/// #[post("/purge")]
/// async fn purge(ctx: McpContext) -> &'static str {
///     match ctx.elicit::<Confirm>("Delete every item?").await {
///         Ok(Elicitation::Accept(Confirm { yes: true })) => "purged",
///         _ => "kept",
///     }
/// }
/// ```
///
/// # Parameters
///
/// * `web::Path<T>`, `web::Query<T>`, `web::Json<T>`, `web::Form<T>` are
///   rebuilt from the call's arguments; `T` implements `Deserialize` and
///   `JsonSchema`. Their schemas merge into one `inputSchema` (tuple and
///   scalar paths are named from the route template; a non-object body is
///   the `body` argument; clashing names are suffixed `__path`, `__query`).
/// * Any other [`FromRequest`](actix_web::FromRequest) type runs against the
///   MCP HTTP request: `HttpRequest`, `web::Data<T>`, `web::ReqData<T>`, the
///   app's own extractors. `#[mcp(from_request)]` on a parameter forces this.
///
/// # Results
///
/// The handler's response becomes the tool result: `web::Json<T>` gives an
/// `outputSchema` and `structuredContent` (also inside `Result`,
/// `(…, StatusCode)` and `CustomizeResponder`, where `T` must implement
/// `JsonSchema` unless `output_schema = false`); image and audio bodies
/// become image and audio content; a status of 400 or more is
/// `isError: true`.
///
/// # Example
///
/// ```
/// use actix_web::{App, HttpRequest, post, web};
/// use mcp_runtime::{McpServer, mcp_tool};
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, JsonSchema)]
/// struct NewNote {
///     /// The note's text.
///     text: String,
/// }
///
/// #[derive(Serialize, JsonSchema)]
/// struct Note {
///     id: u64,
///     text: String,
/// }
///
/// /// Add a note to a notebook.
/// #[mcp_tool(name = "add_note", title = "Add note")]
/// #[post("/notebooks/{notebook}/notes")]
/// async fn add_note(
///     notebook: web::Path<u64>,
///     note: web::Json<NewNote>,
///     req: HttpRequest,
/// ) -> web::Json<Note> {
///     let _caller = req.headers().get("user-agent");
///     web::Json(Note { id: *notebook, text: note.into_inner().text })
/// }
///
/// let mcp = McpServer::builder().endpoint("/mcp").build().unwrap();
/// // Wrapped, so a call on `add_note` goes through its route.
/// let app = mcp.app(App::new().service(add_note));
/// ```
///
/// # Compile-time checks
///
/// Misuse is a compile error on the offending tokens, with a `help:` line,
/// and every error is reported at once: unknown, duplicate or mistyped
/// arguments (`args(...)` included), invalid tool names, a missing
/// description, a non-`async` or generic fn, `self`, raw-body extractors
/// (`String`, `web::Bytes`, `web::Payload`), `Option<web::Json<…>>`, two
/// body extractors (`web::Json` and `web::Form`), a tuple `web::Path` whose
/// arity does not match the route template, a route method other than the
/// standard ones, a returned `web::Json<T>` whose `T` lacks `JsonSchema`,
/// and the route attribute written above `#[mcp_tool]`.
///
/// What only the types or the expanded code reveal is checked by
/// [`McpServerBuilder::build`] instead, with the tool's location: `web::Path`
/// fields that are not route segments, a route segment no argument fills,
/// list-valued `web::Query`/`web::Form` fields, `args(...)` names the tool
/// does not have, two bodies behind type aliases, and the attribute order
/// when a macro generated the attributes.
pub use mcp_runtime_macros::mcp_tool;
pub use protocol::content::{MessageContent, PromptMessages, ToolContent};
pub use protocol::log::LogLevel;
pub use protocol::sampling::{Sample, Sampled};
pub use server::catalog::Catalog;
pub use server::notifier::Notifier;
pub use server::{McpServer, McpServerBuilder};

/// How the server is configured beyond its identity: limits, streams,
/// lists, rate limits and the schema profile, each a value with safe
/// defaults given to [`McpServerBuilder`].
pub mod config {
    #[cfg(feature = "upstream")]
    pub use crate::call::upstream::Upstream;
    pub use crate::catalog::lists::ListConfig;
    pub use crate::catalog::select::{Filter, RouteMap};
    pub use crate::policy::limits::Limits;
    pub use crate::policy::rate_limit::RateLimit;
    pub use crate::schema::portable::SchemaProfile;
    pub use crate::transport::stream::StreamConfig;
}

/// Who may use what: the [`Scopes`](auth::Scopes) an app's auth extractor
/// grants, and the protected-resource metadata that lets OAuth clients find
/// where to get a token ([`ProtectedResource`](auth::ProtectedResource)).
/// See the README's "Authentication" section.
pub mod auth {
    pub use crate::policy::auth::{CallerId, Scopes};
    pub use crate::policy::resource::ProtectedResource;

    /// Ready access-token validators (feature `oauth`).
    #[cfg(feature = "oauth")]
    pub mod oauth {
        pub use crate::policy::oauth::{
            AccessToken, DiscoveryError, Introspection, JwtValidator, TokenError, TokenValidator,
            ValidationFuture, Validator,
        };
    }
}

/// Where sessions and the events of resumable streams are kept: the traits
/// a shared store implements, and the in-memory defaults.
pub mod store {
    pub use crate::policy::rate_limit::RateLimitStore;
    pub use crate::state::event_store::{EventLog, EventStore, EventsGone, InMemoryEventStore};
    pub use crate::state::session::{
        InMemorySessionStore, Session, SessionStore, SessionStoreError, StoreFuture,
    };
    pub use crate::state::tasks::{InMemoryTaskStore, TaskStore};

    /// Sessions, tasks, rate limits and stream events in Redis, shared by
    /// replicas (feature `redis`).
    #[cfg(feature = "redis")]
    pub mod redis {
        pub use crate::state::redis::{
            Redis, RedisEventStore, RedisRateLimitStore, RedisSessionStore, RedisTaskStore,
        };
    }
}

/// The errors the crate reports: at start-up ([`BuildError`] and its
/// [`Problem`](error::Problem)s), to a handler asking its client
/// ([`ClientRequestError`]), and about arguments.
pub mod error {
    pub use crate::call::context::ClientRequestError;
    pub use crate::catalog::error::{BuildError, ItemKind, Problem};
    pub use crate::handler::arguments::ArgumentError;
    pub use crate::handler::defs::Location;
}

/// What integrations need beyond the everyday API: the App wrapper tool
/// calls go through, its service, and the stdio server.
pub mod dev {
    pub use crate::call::app::{AppFactory, AppServiceFactory, McpApp, McpAppService};
    pub use crate::transport::stdio::Stdio;
}

/// The JSON Schema generator used for tool schemas, re-exported so generated
/// code and users agree on one version.
pub use schemars;

/// The MCP protocol types (rmcp's model), for users who build results or
/// inspect messages by hand.
pub use rmcp::model;
