//! The official MCP conformance suite's fixture server, written the way a
//! user writes tools: actix handlers with `#[mcp_tool]`, talking back
//! through `McpContext` — no hand-rolled JSON-RPC. Every tool is also a REST
//! route under `/fixtures`.
//!
//! ```text
//! BIND=127.0.0.1:3001 cargo run -p mcp-conformance-fixture
//! npx @modelcontextprotocol/conformance server --url http://127.0.0.1:3001/mcp
//! ```

use std::io::Write as _;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use mcp_runtime::{
    Arguments, Catalog, Completion, Elicitation, LogLevel, McpContext, McpServer, PromptMessages,
    Sample, ToolContent, mcp_prompt, mcp_resource, mcp_tool,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A silent WAV: a RIFF header and no samples.
const WAV: &[u8] = &[
    b'R', b'I', b'F', b'F', 36, 0, 0, 0, b'W', b'A', b'V', b'E', b'f', b'm', b't', b' ', 16, 0, 0,
    0, 1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 0x01, 0, 2, 0, 16, 0, b'd', b'a', b't', b'a', 0,
    0, 0, 0,
];

/// Returns a plain text answer.
#[mcp_tool(name = "test_simple_text")]
#[post("/fixtures/simple-text")]
async fn simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns an image.
#[mcp_tool(name = "test_image_content")]
#[post("/fixtures/image")]
async fn image() -> HttpResponse {
    HttpResponse::Ok().content_type("image/png").body(PNG)
}

/// Returns audio.
#[mcp_tool(name = "test_audio_content")]
#[post("/fixtures/audio")]
async fn audio() -> HttpResponse {
    HttpResponse::Ok().content_type("audio/wav").body(WAV)
}

/// Returns an embedded resource.
#[mcp_tool(name = "test_embedded_resource")]
#[post("/fixtures/embedded-resource")]
async fn embedded_resource() -> ToolContent {
    ToolContent::new().resource_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Returns text, an image and an embedded resource.
#[mcp_tool(name = "test_multiple_content_types")]
#[post("/fixtures/multiple-content-types")]
async fn multiple_content_types() -> ToolContent {
    ToolContent::new()
        .text("Multiple content types test:")
        .image(PNG, "image/png")
        .resource_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        )
}

/// Logs three messages while it works.
#[mcp_tool(name = "test_tool_with_logging")]
#[post("/fixtures/logging")]
async fn with_logging(ctx: McpContext) -> &'static str {
    for step in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ] {
        ctx.log(LogLevel::Info, step).await;
        tokio_sleep(Duration::from_millis(20)).await;
    }
    "Tool with logging executed successfully"
}

/// Always fails.
#[mcp_tool(name = "test_error_handling")]
#[post("/fixtures/error")]
async fn error_handling() -> HttpResponse {
    HttpResponse::InternalServerError().body("This tool intentionally returns an error for testing")
}

/// Reports progress three times.
#[mcp_tool(name = "test_tool_with_progress")]
#[post("/fixtures/progress")]
async fn with_progress(ctx: McpContext) -> &'static str {
    for done in [0.0, 50.0, 100.0] {
        ctx.progress(done, Some(100.0), Some("working")).await;
        tokio_sleep(Duration::from_millis(20)).await;
    }
    "Progress test completed"
}

#[derive(Deserialize, JsonSchema)]
struct Prompt {
    /// The prompt to send to the client's model.
    prompt: String,
}

/// Asks the client's model.
#[mcp_tool(name = "test_sampling")]
#[post("/fixtures/sampling")]
async fn sampling(prompt: web::Json<Prompt>, ctx: McpContext) -> HttpResponse {
    match ctx
        .sample(Sample::user(prompt.into_inner().prompt).max_tokens(100))
        .await
    {
        Ok(answer) => HttpResponse::Ok().body(format!("LLM response: {}", answer.text())),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

#[derive(Deserialize, JsonSchema)]
struct Message {
    /// What to ask the user.
    message: String,
}

/// Who the user is.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct UserInfo {
    /// The user's name.
    username: String,
    /// The user's email address.
    #[schemars(email)]
    email: String,
}

/// Renders an elicitation's answer.
fn answered<T: Serialize>(
    answer: Result<Elicitation<T>, mcp_runtime::ClientRequestError>,
) -> HttpResponse {
    match answer {
        Ok(Elicitation::Accept(content)) => HttpResponse::Ok().body(format!(
            "User response: action=accept, content={}",
            serde_json::to_string(&content).unwrap_or_default()
        )),
        Ok(Elicitation::Decline) => HttpResponse::Ok().body("User response: action=decline"),
        Ok(Elicitation::Cancel) => HttpResponse::Ok().body("User response: action=cancel"),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

/// Asks the user who they are.
#[mcp_tool(name = "test_elicitation")]
#[post("/fixtures/elicitation")]
async fn elicitation(message: web::Json<Message>, ctx: McpContext) -> HttpResponse {
    answered(ctx.elicit::<UserInfo>(&message.message).await)
}

#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    #[default]
    Active,
    Inactive,
    Pending,
}

fn john_doe() -> String {
    "John Doe".into()
}
fn thirty() -> u32 {
    30
}
fn high_score() -> f64 {
    95.5
}
fn yes() -> bool {
    true
}

/// A form whose every field has a default (SEP-1034).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct WithDefaults {
    /// Name.
    #[serde(default = "john_doe")]
    name: String,
    /// Age.
    #[serde(default = "thirty")]
    age: u32,
    /// Score.
    #[serde(default = "high_score")]
    score: f64,
    /// Status.
    #[serde(default)]
    status: Status,
    /// Verified.
    #[serde(default = "yes")]
    verified: bool,
}

/// Asks with a form whose fields have defaults.
#[mcp_tool(name = "test_elicitation_sep1034_defaults")]
#[post("/fixtures/elicitation-defaults")]
async fn elicitation_defaults(ctx: McpContext) -> HttpResponse {
    answered(
        ctx.elicit::<WithDefaults>("Please review and update the form fields with defaults")
            .await,
    )
}

/// A single choice without titles.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Plain {
    Option1,
    Option2,
    Option3,
}

/// A single choice with titles (`oneOf` of `const`s).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
enum Titled {
    #[serde(rename = "value1")]
    #[schemars(title = "First Option")]
    First,
    #[serde(rename = "value2")]
    #[schemars(title = "Second Option")]
    Second,
    #[serde(rename = "value3")]
    #[schemars(title = "Third Option")]
    Third,
}

/// A single choice titled the legacy way (`enumNames`).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(extend("enumNames" = ["Option One", "Option Two", "Option Three"]))]
enum Legacy {
    Opt1,
    Opt2,
    Opt3,
}

/// Every enum shape of SEP-1330.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct EnumShapes {
    /// Untitled single-select.
    untitled_single: Plain,
    /// Titled single-select.
    titled_single: Titled,
    /// Legacy titled single-select.
    legacy_enum: Legacy,
    /// Untitled multi-select.
    untitled_multi: Vec<Plain>,
    /// Titled multi-select.
    titled_multi: Vec<Titled>,
}

/// Asks with every enum shape.
#[mcp_tool(name = "test_elicitation_sep1330_enums")]
#[post("/fixtures/elicitation-enums")]
async fn elicitation_enums(ctx: McpContext) -> HttpResponse {
    answered(
        ctx.elicit::<EnumShapes>("Please select options from the enum fields")
            .await,
    )
}

// The stateless revision's fixtures (2026-07-28): questions become
// input-required results, answered when the client retries.

/// Asks the client's model, which a client without `sampling` cannot answer:
/// such a client is refused up front (`-32021`, the `server-stateless`
/// scenario).
#[mcp_tool(name = "test_missing_capability", requires = ["sampling"])]
#[post("/fixtures/missing-capability")]
async fn missing_capability(ctx: McpContext) -> HttpResponse {
    match ctx.sample(Sample::user("Anyone there?")).await {
        Ok(answer) => HttpResponse::Ok().body(answer.text()),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct NameOnly {
    name: String,
}

/// Asks the user for their name while streaming.
#[mcp_tool(name = "test_streaming_elicitation")]
#[post("/fixtures/streaming-elicitation")]
async fn streaming_elicitation(ctx: McpContext) -> HttpResponse {
    ctx.progress(0.0, Some(1.0), Some("asking")).await;
    answered(ctx.elicit::<NameOnly>("What is your name?").await)
}

/// Logs, which only a client that asked for a log level hears.
#[mcp_tool(name = "test_logging_tool")]
#[post("/fixtures/logging-tool")]
async fn logging_tool(ctx: McpContext) -> &'static str {
    for step in ["started", "working", "done"] {
        ctx.log(LogLevel::Info, step).await;
    }
    "Logging tool finished"
}

/// Greets the user by the name they give.
#[mcp_tool(name = "test_input_required_result_elicitation")]
#[post("/fixtures/irr-elicitation")]
async fn irr_elicitation(ctx: McpContext) -> HttpResponse {
    match ctx
        .elicit_as::<NameOnly>("user_name", "What is your name?")
        .await
    {
        Ok(Elicitation::Accept(user)) => HttpResponse::Ok().body(format!("Hello, {}!", user.name)),
        other => HttpResponse::Ok().body(format!("No name: {other:?}")),
    }
}

/// Asks the client's model a question.
#[mcp_tool(name = "test_input_required_result_sampling")]
#[post("/fixtures/irr-sampling")]
async fn irr_sampling(ctx: McpContext) -> HttpResponse {
    let question = Sample::user("What is the capital of France?").max_tokens(100);
    match ctx.sample_as("capital_question", question).await {
        Ok(answer) => HttpResponse::Ok().body(format!("The model said: {}", answer.text())),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

/// Lists the client's roots.
#[mcp_tool(name = "test_input_required_result_list_roots")]
#[post("/fixtures/irr-list-roots")]
async fn irr_list_roots(ctx: McpContext) -> HttpResponse {
    match ctx.list_roots_as("client_roots").await {
        Ok(roots) => HttpResponse::Ok().body(format!(
            "Roots: {}",
            serde_json::to_string(&roots).unwrap_or_default()
        )),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Confirm {
    ok: bool,
}

/// Asks for a confirmation; the server's state carries the call across rounds.
#[mcp_tool(name = "test_input_required_result_request_state")]
#[post("/fixtures/irr-request-state")]
async fn irr_request_state(ctx: McpContext) -> HttpResponse {
    match ctx.elicit_as::<Confirm>("confirm", "Please confirm").await {
        Ok(Elicitation::Accept(Confirm { ok: true })) => {
            HttpResponse::Ok().body("state-ok: confirmed")
        }
        other => HttpResponse::Ok().body(format!("state-ok: not confirmed ({other:?})")),
    }
}

/// Asks for a confirmation whose state must not be tampered with.
#[mcp_tool(name = "test_input_required_result_tampered_state")]
#[post("/fixtures/irr-tampered-state")]
async fn irr_tampered_state(ctx: McpContext) -> HttpResponse {
    answered(ctx.elicit_as::<Confirm>("confirm", "Please confirm").await)
}

/// Asks three questions at once.
#[mcp_tool(name = "test_input_required_result_multiple_inputs")]
#[post("/fixtures/irr-multiple-inputs")]
async fn irr_multiple_inputs(ctx: McpContext) -> HttpResponse {
    let (name, greeting, roots) = futures_util::join!(
        ctx.elicit_as::<NameOnly>("user_name", "What is your name?"),
        ctx.sample_as(
            "greeting",
            Sample::user("Generate a greeting").max_tokens(50)
        ),
        ctx.list_roots_as("client_roots"),
    );
    let name = match name {
        Ok(Elicitation::Accept(n)) => n.name,
        _ => "stranger".into(),
    };
    let greeting = greeting.map(|g| g.text()).unwrap_or_default();
    let roots = roots.map(|r| r.len()).unwrap_or_default();
    HttpResponse::Ok().body(format!("{greeting} {name} ({roots} roots)"))
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Color {
    color: String,
}

/// Asks two questions, one round each.
#[mcp_tool(name = "test_input_required_result_multi_round")]
#[post("/fixtures/irr-multi-round")]
async fn irr_multi_round(ctx: McpContext) -> HttpResponse {
    let Ok(Elicitation::Accept(name)) = ctx
        .elicit_as::<NameOnly>("step1", "Step 1: What is your name?")
        .await
    else {
        return HttpResponse::Ok().body("no name");
    };
    let Ok(Elicitation::Accept(color)) = ctx
        .elicit_as::<Color>("step2", "Step 2: What is your favorite color?")
        .await
    else {
        return HttpResponse::Ok().body("no color");
    };
    HttpResponse::Ok().body(format!("{} likes {}", name.name, color.color))
}

/// Asks only what the client can answer.
#[mcp_tool(name = "test_input_required_result_capabilities")]
#[post("/fixtures/irr-capabilities")]
async fn irr_capabilities(ctx: McpContext) -> HttpResponse {
    let capabilities = ctx.client_capabilities().cloned().unwrap_or_default();
    let mut asked = Vec::new();
    if capabilities.sampling.is_some() {
        let answer = ctx
            .sample_as(
                "greeting",
                Sample::user("Generate a greeting").max_tokens(50),
            )
            .await;
        asked.push(answer.map(|a| a.text()).unwrap_or_default());
    }
    if capabilities.elicitation.is_some()
        && let Ok(Elicitation::Accept(n)) = ctx
            .elicit_as::<NameOnly>("user_name", "What is your name?")
            .await
    {
        asked.push(n.name);
    }
    HttpResponse::Ok().body(format!("answers: {asked:?}"))
}

#[derive(Deserialize, JsonSchema)]
struct Regional {
    /// The text to echo.
    text: String,
    /// The region, mirrored in the `Mcp-Param-Region` header.
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
}

/// Echoes a text for a region (the region travels in a header too).
#[mcp_tool(name = "test_custom_headers")]
#[post("/fixtures/custom-headers")]
async fn custom_headers(body: web::Json<Regional>) -> String {
    format!("{} ({})", body.text, body.region)
}

/// Announces a change of the tool list (the fixture's `test_toggled` tool
/// is turned off or back on).
#[mcp_tool(name = "test_trigger_tool_change")]
#[post("/fixtures/trigger-tool-change")]
async fn trigger_tool_change(catalog: web::Data<Catalog>) -> &'static str {
    let name = "test_toggled";
    if catalog.is_tool_enabled(name) {
        catalog.disable_tool(name);
    } else {
        catalog.enable_tool(name);
    }
    "tool list changed"
}

/// Announces a change of the prompt list.
#[mcp_tool(name = "test_trigger_prompt_change")]
#[post("/fixtures/trigger-prompt-change")]
async fn trigger_prompt_change(catalog: web::Data<Catalog>) -> &'static str {
    let name = "test_toggled_prompt";
    if catalog.is_prompt_enabled(name) {
        catalog.disable_prompt(name);
    } else {
        catalog.enable_prompt(name);
    }
    "prompt list changed"
}

/// A tool the triggers turn off and on.
#[mcp_tool(name = "test_toggled")]
#[post("/fixtures/toggled")]
async fn toggled() -> &'static str {
    "still here"
}

/// A prompt the triggers turn off and on.
#[mcp_prompt(name = "test_toggled_prompt")]
async fn toggled_prompt() -> &'static str {
    "still here"
}

/// A static text resource.
#[mcp_resource(
    uri = "test://static-text",
    name = "static_text",
    mime_type = "text/plain"
)]
#[get("/fixtures/static-text")]
async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (a PNG).
#[mcp_resource(
    uri = "test://static-binary",
    name = "static_binary",
    mime_type = "image/png"
)]
#[get("/fixtures/static-binary")]
async fn static_binary() -> HttpResponse {
    HttpResponse::Ok().content_type("image/png").body(PNG)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateData {
    id: String,
    template_test: bool,
    data: String,
}

/// Data for one id.
#[mcp_resource(uri = "test://template/{id}/data", name = "template_data", mime_type = "application/json", complete(id = template_ids))]
#[get("/fixtures/template/{id}/data")]
async fn template_data(id: web::Path<String>) -> web::Json<TemplateData> {
    let id = id.into_inner();
    web::Json(TemplateData {
        data: format!("Data for ID: {id}"),
        id,
        template_test: true,
    })
}

async fn template_ids(c: Completion) -> Vec<String> {
    ["123", "124", "200"]
        .into_iter()
        .filter(|id| id.starts_with(c.value()))
        .map(String::from)
        .collect()
}

/// A resource clients subscribe to.
#[mcp_resource(
    uri = "test://watched-resource",
    name = "watched_resource",
    mime_type = "text/plain"
)]
#[get("/fixtures/watched-resource")]
async fn watched_resource() -> &'static str {
    "Watched resource content."
}

/// A simple prompt.
#[mcp_prompt(name = "test_simple_prompt")]
async fn simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

#[derive(Deserialize, JsonSchema)]
struct TwoArguments {
    /// The first argument.
    arg1: String,
    /// The second argument.
    arg2: String,
}

/// A prompt with two required arguments.
#[mcp_prompt(name = "test_prompt_with_arguments", complete(arg1 = arg1_values))]
async fn prompt_with_arguments(args: Arguments<TwoArguments>) -> String {
    format!(
        "Prompt with arguments: arg1='{}', arg2='{}'",
        args.arg1, args.arg2
    )
}

async fn arg1_values(c: Completion) -> Vec<String> {
    ["testValue1", "testValue2", "other"]
        .into_iter()
        .filter(|v| v.starts_with(c.value()))
        .map(String::from)
        .collect()
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct ResourceUri {
    /// The resource to embed.
    resource_uri: String,
}

/// A prompt embedding a resource.
#[mcp_prompt(name = "test_prompt_with_embedded_resource")]
async fn prompt_with_embedded_resource(args: Arguments<ResourceUri>) -> PromptMessages {
    PromptMessages::new()
        .user(ToolContent::new().resource_text(
            &args.resource_uri,
            "text/plain",
            "Embedded resource content for testing.",
        ))
        .user("Please process the embedded resource above.")
}

/// A prompt with an image.
#[mcp_prompt(name = "test_prompt_with_image")]
async fn prompt_with_image() -> PromptMessages {
    PromptMessages::new()
        .user(ToolContent::new().image(PNG, "image/png"))
        .user("Please analyze the image above.")
}

#[derive(Deserialize, JsonSchema)]
struct PromptContext {
    context: String,
}

/// A prompt that asks the user for context first.
#[mcp_prompt(name = "test_input_required_result_prompt")]
async fn irr_prompt(ctx: McpContext) -> Result<String, String> {
    match ctx
        .elicit_as::<PromptContext>("user_context", "What context should the prompt use?")
        .await
    {
        Ok(Elicitation::Accept(answer)) => Ok(format!("Use this context: {}", answer.context)),
        Ok(_) => Err("no context given".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Deserialize)]
#[allow(dead_code)] // Read by serde; the tool only reports the contact method.
struct Address {
    street: Option<String>,
    city: Option<String>,
}

/// A schema written by hand (`$anchor`), named `address` in `$defs`.
impl JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "address".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Read by serde; the tool only reports the contact method.
struct Contact {
    name: Option<String>,
    address: Option<Address>,
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// JSON Schema 2020-12 conditions and combinations, which the tool's input
/// schema keeps.
impl JsonSchema for Contact {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Contact".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let address = generator.subschema_for::<Address>();
        schemars::json_schema!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "address": address,
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"}
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false
        })
    }
}

/// Tool with JSON Schema 2020-12 features
#[mcp_tool(name = "json_schema_2020_12_tool")]
#[post("/fixtures/json-schema")]
async fn json_schema_tool(contact: web::Json<Contact>) -> String {
    format!(
        "contact by {}",
        contact.contact_method.as_deref().unwrap_or("email")
    )
}

/// Sleeps on the worker's runtime (actix runs on tokio).
async fn tokio_sleep(duration: Duration) {
    actix_web::rt::time::sleep(duration).await;
}

/// Who to greet.
#[derive(Deserialize, JsonSchema)]
struct Greeting {
    /// A name.
    name: String,
}

/// Greets someone, at once (never a task).
#[mcp_tool]
#[post("/fixtures/greet")]
async fn greet(who: web::Json<Greeting>) -> String {
    format!("Hello, {}!", who.name)
}

/// How long to compute, and a label for the result.
#[derive(Deserialize, JsonSchema)]
struct Compute {
    /// Seconds to take.
    seconds: f64,
    /// A label, echoed.
    #[serde(default)]
    label: String,
}

/// Computes for a while: a task when the client opts in.
#[mcp_tool(task = "optional")]
#[post("/fixtures/slow-compute")]
async fn slow_compute(compute: web::Json<Compute>) -> String {
    let seconds = compute.seconds.clamp(0.0, 300.0);
    actix_web::rt::time::sleep(Duration::from_secs_f64(seconds)).await;
    format!("computed {} in {seconds} s", compute.label)
}

/// A job that fails as a tool (HTTP 500) after a second: only as a task.
#[mcp_tool(task = "required")]
#[post("/fixtures/failing-job")]
async fn failing_job() -> HttpResponse {
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    HttpResponse::InternalServerError().body("the job failed")
}

/// A job that cannot finish at all (it panics): the task fails with a
/// JSON-RPC error.
#[mcp_tool(task = "optional")]
#[post("/fixtures/protocol-error-job")]
async fn protocol_error_job() -> &'static str {
    panic!("the job broke down")
}

/// The file to delete.
#[derive(Deserialize, JsonSchema)]
struct Deletion {
    /// Its name.
    filename: String,
}

/// A yes or no.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Confirmation {
    /// Whether to go ahead.
    confirm: bool,
}

/// Deletes a file after asking the user: as a task, the question is the
/// task's input request.
#[mcp_tool(task = "optional")]
#[post("/fixtures/confirm-delete")]
async fn confirm_delete(deletion: web::Json<Deletion>, ctx: McpContext) -> HttpResponse {
    let question = format!("Delete {}?", deletion.filename);
    match ctx.elicit::<Confirmation>(&question).await {
        Ok(Elicitation::Accept(Confirmation { confirm: true })) => {
            HttpResponse::Ok().body(format!("deleted {}", deletion.filename))
        }
        Ok(_) => HttpResponse::Ok().body(format!("kept {}", deletion.filename)),
        Err(e) => HttpResponse::BadGateway().body(e.to_string()),
    }
}

/// One part of `multi_input`'s answers.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
struct Part {
    /// A name for the part.
    #[serde(default)]
    name: Option<String>,
    /// Whether it is confirmed.
    #[serde(default)]
    confirm: Option<bool>,
}

/// Asks two questions at once: as a task, both are its input requests,
/// each answered on its own.
#[mcp_tool(task = "optional")]
#[post("/fixtures/multi-input")]
async fn multi_input(ctx: McpContext) -> HttpResponse {
    let (first, second) = futures_util::join!(
        ctx.elicit::<Part>("The first part?"),
        ctx.elicit::<Part>("The second part?")
    );
    let name = |answer: Result<Elicitation<Part>, mcp_runtime::ClientRequestError>| match answer {
        Ok(Elicitation::Accept(part)) => part.name.unwrap_or_default(),
        _ => "none".to_owned(),
    };
    HttpResponse::Ok().body(format!("parts: {}, {}", name(first), name(second)))
}

/// Someone's name.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
struct Named {
    /// The name.
    #[serde(default)]
    name: String,
}

/// Asks who is there in its request (a multi-round call), then goes on as
/// a task.
#[mcp_tool(name = "test_tool_with_task", task = "deferred")]
#[post("/fixtures/tool-with-task")]
async fn tool_with_task(ctx: McpContext) -> HttpResponse {
    let name = match ctx.elicit::<Named>("Who is there?").await {
        Ok(Elicitation::Accept(Named { name })) => name,
        Ok(_) => "nobody".to_owned(),
        Err(e) => return HttpResponse::BadGateway().body(e.to_string()),
    };
    ctx.detach();
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    HttpResponse::Ok().body(format!("Hello, {name}, from a task"))
}

fn fixtures(cfg: &mut web::ServiceConfig) {
    cfg.service(simple_text)
        .service(image)
        .service(audio)
        .service(embedded_resource)
        .service(multiple_content_types)
        .service(with_logging)
        .service(error_handling)
        .service(with_progress)
        .service(sampling)
        .service(elicitation)
        .service(elicitation_defaults)
        .service(elicitation_enums)
        .service(missing_capability)
        .service(streaming_elicitation)
        .service(logging_tool)
        .service(irr_elicitation)
        .service(irr_sampling)
        .service(irr_list_roots)
        .service(irr_request_state)
        .service(irr_tampered_state)
        .service(irr_multiple_inputs)
        .service(irr_multi_round)
        .service(irr_capabilities)
        .service(custom_headers)
        .service(trigger_tool_change)
        .service(trigger_prompt_change)
        .service(toggled)
        .service(static_text)
        .service(static_binary)
        .service(template_data)
        .service(watched_resource)
        .service(json_schema_tool)
        .service(greet)
        .service(slow_compute)
        .service(failing_job)
        .service(protocol_error_job)
        .service(confirm_delete)
        .service(multi_input)
        .service(tool_with_task);
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mcp = McpServer::from_registry()
        .name("mcp-runtime-conformance")
        .build()
        .map_err(std::io::Error::other)?;
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let server = HttpServer::new(move || {
        mcp.app(
            App::new()
                .app_data(web::Data::new(mcp.catalog()))
                .configure(fixtures)
                .service(mcp.scope("/mcp")),
        )
    })
    .workers(2)
    .tcp_nodelay(true)
    .bind(bind)?;
    let mut banner = String::new();
    for addr in server.addrs() {
        banner += &format!("MCP endpoint: http://{addr}/mcp\n");
    }
    // Last, each MCP URL on a line of its own, for scripts.
    for addr in server.addrs() {
        banner += &format!("http://{addr}/mcp\n");
    }
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
