//! A handler asks the client: `McpContext::sample` (sampling/createMessage)
//! and `McpContext::elicit::<T>()` (elicitation/create, the form built from
//! `T`), answered by the client on the same session, only when it declared
//! the capability; a clear error otherwise, never a hang.

use actix_web::{App, post};
use mcp_runtime::{ClientRequestError, Elicitation, McpContext, Sample, mcp_tool};
use mcp_tests::{Recorder, TestServer, seen, text};
use rmcp::model::CallToolRequestParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Summarize with the client's model.
#[mcp_tool]
#[post("/summarize")]
async fn summarize(ctx: McpContext) -> String {
    match ctx
        .sample(Sample::user("Summarize: …").max_tokens(50))
        .await
    {
        Ok(answer) => format!("{} said: {}", answer.model, answer.text()),
        Err(e) => format!("no sample: {e}"),
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Size {
    Small,
    Large,
}

/// How to ship an order.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Shipping {
    /// Where to.
    address: String,
    size: Size,
    #[serde(default)]
    gift: bool,
}

/// Ship the order, asking the user for the details.
#[mcp_tool]
#[post("/ship")]
async fn ship(ctx: McpContext) -> String {
    match ctx.elicit::<Shipping>("Where should the order go?").await {
        Ok(Elicitation::Accept(s)) => {
            format!("shipping {:?} to {} (gift: {})", s.size, s.address, s.gift)
        }
        Ok(Elicitation::Decline) => "declined".into(),
        Ok(Elicitation::Cancel) => "cancelled".into(),
        Err(e) => format!("cannot ask: {e}"),
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Nested {
    #[allow(dead_code)]
    inner: Shipping,
}

/// Asks with a form the protocol cannot carry.
#[mcp_tool]
#[post("/bad-form")]
async fn bad_form(ctx: McpContext) -> String {
    match ctx.elicit::<Nested>("?").await {
        Err(ClientRequestError::InvalidSchema(why)) => format!("refused: {why}"),
        other => format!("unexpected: {other:?}"),
    }
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(summarize)
                .service(ship)
                .service(bad_form)
                .service(mcp.scope("/mcp")),
        )
    })
}

async fn call_text(
    client: &rmcp::service::RunningService<rmcp::RoleClient, Recorder>,
    tool: &'static str,
) -> String {
    text(
        &client
            .call_tool(CallToolRequestParams::new(tool))
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn sampling_round_trips_through_the_client() {
    let server = server();
    let recorder = Recorder::declaring(json!({"sampling": {}}));
    let sampled = recorder.sampled.clone();
    let client = recorder.connect(server.mcp_url()).await;
    assert_eq!(
        call_text(&client, "summarize").await,
        "test-model said: sampled answer"
    );
    let sampled = seen(&sampled);
    assert_eq!(sampled.len(), 1);
    assert_eq!(sampled[0]["maxTokens"], 50);
}

#[tokio::test]
async fn elicitation_accept_decline_and_cancel() {
    let server = server();
    for (answer, expected) in [
        (
            json!({"action": "accept", "content": {"address": "1 Main St", "size": "large"}}),
            "shipping Large to 1 Main St (gift: false)",
        ),
        (json!({"action": "decline"}), "declined"),
        (json!({"action": "cancel"}), "cancelled"),
    ] {
        let mut recorder = Recorder::declaring(json!({"elicitation": {}}));
        recorder.elicit_answer = answer;
        let elicited = recorder.elicited.clone();
        let client = recorder.connect(server.mcp_url()).await;
        assert_eq!(call_text(&client, "ship").await, expected);
        let request = &seen(&elicited)[0];
        assert_eq!(request["message"], "Where should the order go?");
        assert_eq!(
            request["requestedSchema"]["properties"]["size"],
            json!({"type": "string", "enum": ["small", "large"]})
        );
        assert_eq!(
            request["requestedSchema"]["properties"]["address"]["description"],
            "Where to."
        );
    }
}

#[tokio::test]
async fn an_undeclared_capability_is_an_error_value_not_a_hang() {
    let server = server();
    let client = Recorder::declaring(json!({}))
        .connect(server.mcp_url())
        .await;
    assert_eq!(
        call_text(&client, "summarize").await,
        "no sample: the client did not declare the `sampling` capability"
    );
    assert_eq!(
        call_text(&client, "ship").await,
        "cannot ask: the client did not declare the `elicitation` capability"
    );
}

#[tokio::test]
async fn a_form_outside_the_protocols_subset_is_refused_before_sending() {
    let server = server();
    let recorder = Recorder::declaring(json!({"elicitation": {}}));
    let elicited = recorder.elicited.clone();
    let client = recorder.connect(server.mcp_url()).await;
    let answer = call_text(&client, "bad_form").await;
    assert!(answer.starts_with("refused: field `inner`"), "{answer}");
    assert!(seen(&elicited).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn on_rest_there_is_no_client_to_ask() {
    let server = server();
    let http = reqwest::Client::new();
    let body = http
        .post(server.url("/ship"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        "cannot ask: no MCP client: the handler is serving a plain REST request"
    );
}
