//! Tools and prompts that compile but cannot work fail `McpServer::build()`: the
//! start-up checks see what the macro cannot (field names inside types,
//! type aliases, code a macro generates), and report every problem at once,
//! each with its tool and source location. This file is its own binary with
//! its own registry, so its broken tools reach no other test. It mounts none
//! of their routes, so rustc counts the types only their handlers read as
//! dead code, as for any unmounted route (`allow(dead_code)` below).

use actix_web::{HttpRequest, get, post, web};
use mcp_runtime::error::{ItemKind, Problem};
use mcp_runtime::{Arguments, BuildError, Completion, McpServer, mcp_prompt, mcp_tool};
use schemars::JsonSchema;
use serde::Deserialize;

const FILE: &str = "tests/tests/startup_checks.rs";

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct ItemPath {
    item_id: u64,
}

/// Fetches an item, with a path struct whose field the route does not name.
#[mcp_tool]
#[get("/items/{id}")]
async fn path_fields(path: web::Path<ItemPath>) -> String {
    path.item_id.to_string()
}

/// Shows a user's avatar, reading the user only through `match_info`.
#[mcp_tool]
#[get("/users/{user}/avatar")]
async fn hidden_segment(req: HttpRequest) -> String {
    req.match_info().query("user").to_owned()
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Search {
    tags: Vec<String>,
}

/// Searches by tags, in a query string actix cannot parse lists from.
#[mcp_tool]
#[get("/search")]
async fn list_query(query: web::Query<Search>) -> String {
    query.tags.join(",")
}

/// Fetches a thing, describing an argument it does not have.
#[mcp_tool(args(id = "The thing's id.", colour = "Its colour."))]
#[get("/things/{id}")]
async fn described(id: web::Path<u64>) -> String {
    id.to_string()
}

#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Note {
    text: String,
}

type JsonNote = web::Json<Note>;
type FormNote = web::Form<Note>;

/// Adds a note from two bodies, hidden from the macro behind aliases.
#[mcp_tool]
#[post("/notes")]
async fn two_bodies(json: JsonNote, form: FormNote) -> String {
    format!("{}{}", json.text, form.text)
}

/// Writes the route attribute above `#[mcp_tool]`, as generated code might:
/// the macro cannot read `#[$route]` in the source, the runtime still
/// tells from the fn's type name.
macro_rules! reversed_tool {
    ($route:meta) => {
        /// Lists things, with its attributes in the wrong order.
        #[$route]
        #[mcp_tool]
        async fn reversed() -> &'static str {
            "reversed"
        }
    };
}

reversed_tool!(get("/reversed"));

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Brief {
    topic: String,
    /// Prompt arguments are strings on the wire: a list cannot be one.
    sections: Vec<String>,
}

/// Writes a brief.
#[mcp_prompt(complete(topics = topics))]
async fn brief(args: Arguments<Brief>) -> String {
    args.topic.clone()
}

async fn topics(_: Completion) -> Vec<String> {
    Vec::new()
}

fn build_error() -> BuildError {
    McpServer::from_registry()
        .build()
        .err()
        .expect("the broken tools are refused")
}

/// The reasons given for `tool`, and the error's text.
fn reasons(tool: &str) -> (Vec<String>, String) {
    let err = build_error();
    let reasons = err
        .problems()
        .iter()
        .filter_map(|p| match p {
            Problem::Invalid {
                kind: ItemKind::Tool,
                name,
                reason,
                ..
            } if *name == tool => Some(reason.clone()),
            _ => None,
        })
        .collect();
    (reasons, err.to_string())
}

#[test]
fn path_struct_fields_must_be_the_route_segments() {
    let (reasons, message) = reasons("path_fields");
    assert_eq!(
        reasons,
        [
            "`web::Path` field `item_id` is not a segment of the route (it names: `id`); \
             rename the field or the segment",
            "route segment `id` is not an argument of the tool, so a call cannot fill it: \
             take it with `web::Path` (reading it through `req.match_info()` alone hides it \
             from the tool's schema)",
        ]
    );
    assert!(
        message.contains(&format!(
            "- tool `path_fields` (startup_checks::path_fields at {FILE}:26:10): \
             `web::Path` field `item_id` is not a segment"
        )),
        "{message}"
    );
}

#[test]
fn a_route_segment_no_extractor_takes_is_refused() {
    let (reasons, _) = reasons("hidden_segment");
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].starts_with("route segment `user` is not an argument of the tool"),
        "{reasons:?}"
    );
}

#[test]
fn query_fields_must_be_scalars() {
    let (reasons, _) = reasons("list_query");
    assert_eq!(
        reasons,
        [
            "`web::Query` field `tags` is a list or an object, which actix's `web::Query` \
             rejects on every REST request; make it a scalar (e.g. a comma-separated \
             `String`), or take it in a `web::Json` body"
        ]
    );
}

#[test]
fn argument_descriptions_must_name_arguments() {
    let (reasons, _) = reasons("described");
    assert_eq!(
        reasons,
        [
            "`args(colour = …)` describes `colour`, which is not an argument of this tool \
             (its arguments: `id`)"
        ]
    );
}

#[test]
fn two_bodies_behind_type_aliases_are_refused() {
    let (reasons, _) = reasons("two_bodies");
    assert_eq!(
        reasons,
        [
            "the handler takes more than one request body (`web::Json` and `web::Form`); \
             a request has one body: take `web::Either<web::Json<T>, web::Form<T>>`"
        ]
    );
}

#[test]
fn a_route_attribute_above_mcp_tool_is_refused_with_the_right_order() {
    let err = build_error();
    assert!(
        err.problems().iter().any(|p| matches!(
            p,
            Problem::AttributeOrder { tool: "reversed", location, .. }
                if location.handler == "startup_checks::reversed" && location.file == FILE
        )),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains(
            "the route attribute is above `#[mcp_tool]`, so actix's macro ran first and the \
             tool cannot see its route\n  help: put `#[mcp_tool]` first:\n      #[mcp_tool]\n      \
             #[get(\"/path\")]\n      async fn handler(…)"
        ),
        "{message}"
    );
}

#[test]
fn prompt_arguments_must_be_scalars_and_completions_must_name_one() {
    let err = build_error();
    let reasons: Vec<&str> = err
        .problems()
        .iter()
        .filter_map(|p| match p {
            Problem::Invalid {
                kind: ItemKind::Prompt,
                name: "brief",
                reason,
                ..
            } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "prompt arguments are strings, and `sections` is not a string, number, boolean \
             or enum of strings; give it a scalar type",
            "`complete(topics = …)` names no argument of this prompt (it has: topic)",
        ]
    );
    assert!(
        err.to_string()
            .contains("- prompt `brief` (startup_checks::brief at "),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = build_error();
    assert_eq!(err.problems().len(), 9, "{err}");
    assert!(
        err.to_string()
            .starts_with("cannot build the MCP server: 9 problems\n- tool `"),
        "{err}"
    );
}
