//! Every `#[mcp_prompt]` argument and return type: `PromptMessages`,
//! `String`, `&'static str`, `Vec<PromptMessage>` and `Result`s of them;
//! `Arguments<T>` next to request extractors (`web::Data`, `HttpRequest`,
//! `McpContext`, `#[mcp(from_request)]`); completion functions returning
//! `Vec<String>` and `Completions`; `crate = ..` and `cfg`.

mod facade {
    pub use mcp_runtime as rt;
}

use std::fmt;

use actix_web::{HttpRequest, web};
use mcp_runtime::__private::{PromptDef, inventory};
use mcp_runtime::model::{PromptMessage, Role};
use mcp_runtime::{
    Arguments, Completion, Completions, McpContext, PromptMessages, ToolContent, mcp_prompt,
};
use schemars::JsonSchema;
use serde::Deserialize;

struct Db;

#[derive(Deserialize, JsonSchema)]
struct Review {
    /// The code to review.
    code: String,
    /// The language it is written in.
    language: Option<String>,
}

async fn languages(c: Completion) -> Completions {
    let all = ["rust", "ruby", "python"];
    Completions::new(all.into_iter().filter(|l| l.starts_with(c.value())))
}

mod complete {
    pub async fn styles(_: mcp_runtime::Completion) -> Vec<String> {
        vec!["terse".to_owned(), "thorough".to_owned()]
    }
}

/// Review a piece of code.
#[mcp_prompt(
    name = "code_review",
    title = "Code review",
    args(code = "The code, verbatim.", "style" = "How thorough."),
    requires_auth,
    complete(language = languages, style = complete::styles)
)]
async fn code_review(
    args: Arguments<Review>,
    _db: web::Data<Db>,
    cx: McpContext,
    req: HttpRequest,
) -> PromptMessages {
    let _ = (cx, req.path());
    let Review { code, language } = args.into_inner();
    PromptMessages::new()
        .description("A review")
        .user(format!(
            "Review this {}:",
            language.as_deref().unwrap_or("code")
        ))
        .user(ToolContent::new().text(code))
        .assistant("Reading it now.")
}

#[derive(Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// Greet someone.
#[mcp_prompt]
async fn greet(args: Arguments<Name>) -> String {
    format!("Say hello to {}.", args.name)
}

#[mcp_prompt(description = "A fixed text.")]
async fn fixed() -> &'static str {
    "Summarize the conversation so far."
}

/// Messages built by hand.
#[mcp_prompt(crate = crate::facade::rt)]
async fn by_hand() -> Vec<PromptMessage> {
    vec![PromptMessage::new_text(Role::User, "Hi")]
}

struct NotFound;

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no such snippet")
    }
}

#[derive(Deserialize)]
struct Q {
    id: Option<u64>,
}

/// A stored snippet, or an error the client sees.
#[mcp_prompt]
async fn snippet(#[mcp(from_request)] q: web::Query<Q>) -> Result<PromptMessages, NotFound> {
    match q.id {
        Some(id) => Ok(PromptMessages::new().user(format!("Snippet {id}"))),
        None => Err(NotFound),
    }
}

/// Text, or an error.
#[mcp_prompt]
async fn r#type() -> Result<String, String> {
    Ok("type".to_owned())
}

/// Compiled out.
#[cfg(any())]
#[mcp_prompt]
async fn gone() -> String {
    String::new()
}

fn main() {
    let mut prompts: Vec<_> = inventory::iter::<PromptDef>
        .into_iter()
        .map(|p| {
            let completions: Vec<&str> = p.completions.iter().map(|(name, _)| *name).collect();
            (p.name, p.title, p.description, p.requires_auth, completions)
        })
        .collect();
    prompts.sort();
    assert_eq!(
        prompts,
        [
            ("by_hand", None, "Messages built by hand.", false, vec![]),
            (
                "code_review",
                Some("Code review"),
                "Review a piece of code.",
                true,
                vec!["language", "style"],
            ),
            ("fixed", None, "A fixed text.", false, vec![]),
            ("greet", None, "Greet someone.", false, vec![]),
            (
                "snippet",
                None,
                "A stored snippet, or an error the client sees.",
                false,
                vec![]
            ),
            ("type", None, "Text, or an error.", false, vec![]),
        ]
    );
}
