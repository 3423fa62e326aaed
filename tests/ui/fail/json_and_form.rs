use actix_web::{post, web};
use mcp_runtime::mcp_tool;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
struct Note {
    text: String,
}

/// Adds a note.
#[mcp_tool]
#[post("/notes")]
async fn add_note(json: web::Json<Note>, form: web::Form<Note>) -> String {
    format!("{}{}", json.text, form.text)
}

fn main() {}
