//! Prompts: `#[mcp_prompt]` functions listed with their arguments (from an
//! `Arguments<T>` type), rendered by `prompts/get` with the arguments
//! checked and brought to their types, app data and `McpContext` available,
//! errors of the right codes, and questions to the user in both eras.

use actix_web::{App, web};
use mcp_runtime::{Arguments, Elicitation, McpContext, PromptMessages, ToolContent, mcp_prompt};
use mcp_tests::stateless::{meta, send};
use mcp_tests::{Recorder, TestServer};
use rmcp::model::GetPromptRequestParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Language {
    Rust,
    Python,
}

#[derive(Deserialize, JsonSchema)]
struct Review {
    /// The code (its doc comment is replaced by `args(...)`).
    code: String,
    /// The language it is written in.
    language: Language,
    /// At most this many findings.
    max_findings: Option<u32>,
}

/// The house style, from app data.
struct Style(&'static str);

/// Review a piece of code.
#[mcp_prompt(title = "Code review", args(code = "The code under review."))]
async fn code_review(args: Arguments<Review>, style: web::Data<Style>) -> PromptMessages {
    let Review {
        code,
        language,
        max_findings,
    } = args.into_inner();
    let language = match language {
        Language::Rust => "Rust",
        Language::Python => "Python",
    };
    PromptMessages::new()
        .description(format!("A review of {language} code"))
        .user(format!(
            "Review this {language} code in the {} style, listing at most {} findings:\n{code}",
            style.0,
            max_findings.unwrap_or(10)
        ))
        .assistant("I will start with correctness.")
        .user(ToolContent::new().resource_text("file:///main.rs", "text/x-rust", code))
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Name {
    name: String,
}

/// Greets the user by name, asking for it first.
#[mcp_prompt]
async fn greeting(ctx: McpContext) -> Result<String, String> {
    match ctx
        .elicit_as::<Name>("user_name", "What is your name?")
        .await
    {
        Ok(Elicitation::Accept(n)) => Ok(format!("Write a warm greeting for {}.", n.name)),
        Ok(other) => Err(format!("no name: {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Always fails.
#[mcp_prompt]
async fn broken() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("the template store is down"))
}

/// A fixed prompt.
#[mcp_prompt(name = "plain")]
async fn plain_prompt() -> &'static str {
    "Say something nice."
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .app_data(web::Data::new(Style("terse")))
                .service(mcp.scope("/mcp")),
        )
    })
}

fn request(id: i64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn arguments(value: Value) -> Option<Map<String, Value>> {
    value.as_object().cloned()
}

#[tokio::test]
async fn prompts_are_listed_with_their_arguments() {
    let server = server();
    let mut raw = server.raw();
    let init = raw.initialize("2025-11-25").await;
    assert_eq!(
        init.body["result"]["capabilities"]["prompts"],
        json!({"listChanged": true})
    );
    let list = raw.post(request(1, "prompts/list", json!({}))).await;
    assert_eq!(
        list.body["result"],
        json!({"prompts": [
            {"name": "broken", "description": "Always fails."},
            {"name": "code_review", "title": "Code review",
             "description": "Review a piece of code.",
             "arguments": [
                {"name": "code", "description": "The code under review.", "required": true},
                {"name": "language", "description": "The language it is written in.",
                 "required": true},
                {"name": "max_findings", "description": "At most this many findings.",
                 "required": false}
             ]},
            {"name": "greeting", "description": "Greets the user by name, asking for it first."},
            {"name": "plain", "description": "A fixed prompt."}
        ]})
    );
}

#[tokio::test]
async fn get_renders_the_messages_with_arguments_brought_to_their_types() {
    let server = server();
    let client = server.client().await;
    let result = client
        .get_prompt(
            GetPromptRequestParams::new("code_review").with_arguments(
                arguments(json!({"code": "fn main() {}", "language": "rust", "max_findings": "3"}))
                    .unwrap(),
            ),
        )
        .await
        .unwrap();
    let result = serde_json::to_value(&result).unwrap();
    assert_eq!(
        result,
        json!({
            "description": "A review of Rust code",
            "messages": [
                {"role": "user", "content": {"type": "text", "text":
                    "Review this Rust code in the terse style, listing at most 3 findings:\nfn main() {}"}},
                {"role": "assistant", "content": {"type": "text",
                    "text": "I will start with correctness."}},
                {"role": "user", "content": {"type": "resource", "resource": {
                    "uri": "file:///main.rs", "mimeType": "text/x-rust", "text": "fn main() {}"}}}
            ]
        })
    );
    let plain = client
        .get_prompt(GetPromptRequestParams::new("plain"))
        .await
        .unwrap();
    let plain = serde_json::to_value(&plain).unwrap();
    assert_eq!(plain["description"], "A fixed prompt.");
    assert_eq!(
        plain["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Say something nice."}}])
    );
}

#[tokio::test]
async fn bad_requests_get_the_right_errors() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let get = |id, params| request(id, "prompts/get", params);
    for (id, params, code, needle) in [
        (1, json!({"name": "nope"}), -32602, "Unknown prompt: nope"),
        (
            2,
            json!({"name": "code_review", "arguments": {"language": "rust"}}),
            -32602,
            "missing required argument `code`",
        ),
        (
            3,
            json!({"name": "code_review", "arguments": {"code": "x", "language": "cobol"}}),
            -32602,
            "language",
        ),
        (
            4,
            json!({"name": "plain", "arguments": {"extra": "1"}}),
            -32602,
            "unknown argument `extra`",
        ),
        (
            5,
            json!({"name": "code_review", "arguments": {"code": "x", "language": "rust",
                                                        "max_findings": "many"}}),
            -32602,
            "max_findings",
        ),
        (
            6,
            json!({"name": "broken"}),
            -32603,
            "the template store is down",
        ),
        (7, json!({"arguments": {}}), -32602, "name"),
    ] {
        let reply = raw.post(get(id, params)).await;
        assert_eq!(reply.error_code(), Some(code), "{id}: {:?}", reply.body);
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{id}: {message}");
    }
}

#[tokio::test]
async fn prompts_ask_the_user_in_either_era() {
    let server = server();
    // Handshake era: an elicitation request on the call's stream.
    let mut recorder = Recorder::declaring(json!({"elicitation": {}}));
    recorder.elicit_answer = json!({"action": "accept", "content": {"name": "Ada"}});
    let client = recorder.clone().connect(server.mcp_url()).await;
    let result = client
        .get_prompt(GetPromptRequestParams::new("greeting"))
        .await
        .unwrap();
    let result = serde_json::to_value(&result).unwrap();
    assert_eq!(
        result["messages"][0]["content"]["text"],
        "Write a warm greeting for Ada."
    );
    assert_eq!(mcp_tests::seen(&recorder.elicited).len(), 1);

    // Stateless era: an input-required result, then the retry with answers.
    let caps = json!({"elicitation": {}});
    let first = send(
        &server,
        "prompts/get",
        json!({"name": "greeting", "_meta": meta(caps.clone())}),
        &[],
    )
    .await;
    let result = &first.body["result"];
    assert_eq!(result["resultType"], "input_required", "{:?}", first.body);
    assert_eq!(
        result["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    let state = result["requestState"].as_str().unwrap().to_owned();
    let retry = send(
        &server,
        "prompts/get",
        json!({
            "name": "greeting",
            "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Lin"}}},
            "requestState": state,
            "_meta": meta(caps)
        }),
        &[],
    )
    .await;
    let result = &retry.body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["messages"][0]["content"]["text"],
        "Write a warm greeting for Lin."
    );
    // Without the capability the handler gets an error value; this prompt
    // has no fallback and fails with it.
    let failed = send(&server, "prompts/get", json!({"name": "greeting"}), &[]).await;
    assert_eq!(failed.status, 200);
    assert_eq!(failed.error_code(), Some(-32603), "{:?}", failed.body);
    let message = failed.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("the client did not declare the `elicitation` capability"),
        "{message}"
    );
}

#[tokio::test]
async fn stateless_lists_carry_caching_hints() {
    let server = server();
    let list = send(&server, "prompts/list", json!({}), &[]).await;
    let result = &list.body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["cacheScope"], "public");
    assert_eq!(result["ttlMs"], 60_000);
    assert_eq!(result["prompts"].as_array().unwrap().len(), 4);
}
