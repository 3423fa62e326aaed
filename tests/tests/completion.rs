//! `completion/complete`: values from the function named on the attribute
//! (with the other arguments as context and the app's data at hand), enum
//! members by prefix where no function is named, the spec's 100-value cap,
//! and errors for references that name nothing.

use actix_web::{App, get, web};
use mcp_runtime::{Arguments, Completion, Completions, mcp_prompt, mcp_resource};
use mcp_tests::TestServer;
use mcp_tests::stateless::send;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Class {
    Economy,
    Business,
    First,
}

#[derive(Deserialize, JsonSchema)]
struct Trip {
    country: String,
    city: String,
    class: Class,
    notes: Option<String>,
}

/// The cities the app knows, from app data.
struct Atlas(Vec<(&'static str, &'static str)>);

/// Plan a trip.
#[mcp_prompt(complete(country = countries, city = cities))]
async fn plan_trip(args: Arguments<Trip>) -> String {
    let Trip {
        country,
        city,
        class,
        notes,
    } = args.into_inner();
    let class = match class {
        Class::Economy => "economy",
        Class::Business => "business",
        Class::First => "first",
    };
    format!(
        "Plan a trip to {city}, {country}, in {class}. {}",
        notes.unwrap_or_default()
    )
}

async fn countries(c: Completion) -> Vec<String> {
    let atlas = c.app_data::<web::Data<Atlas>>().expect("app data");
    let mut all: Vec<String> = atlas
        .0
        .iter()
        .map(|(country, _)| (*country).to_owned())
        .filter(|country| country.starts_with(c.value()))
        .collect();
    all.dedup();
    all
}

/// Cities of the country chosen already.
async fn cities(c: Completion) -> Completions {
    let atlas = c.app_data::<web::Data<Atlas>>().expect("app data");
    let country = c.context("country").unwrap_or_default();
    let matching: Vec<&str> = atlas
        .0
        .iter()
        .filter(|(k, city)| *k == country && city.starts_with(c.value()))
        .map(|(_, city)| *city)
        .collect();
    let total = matching.len() as u32;
    Completions::new(matching.into_iter().take(1)).total(total)
}

/// A page of a very long list.
#[mcp_resource(uri = "numbers://{n}", complete(n = numbers))]
#[get("/numbers/{n}")]
async fn number(n: web::Path<u32>) -> String {
    n.to_string()
}

async fn numbers(c: Completion) -> Vec<String> {
    (0..150)
        .map(|n| n.to_string())
        .filter(|n| n.starts_with(c.value()))
        .collect()
}

/// A static resource: no variables to complete.
#[mcp_resource(uri = "numbers://zero")]
#[get("/zero")]
async fn zero() -> &'static str {
    "0"
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        let atlas = Atlas(vec![
            ("France", "Paris"),
            ("France", "Lyon"),
            ("France", "Lille"),
            ("Finland", "Helsinki"),
        ]);
        mcp.app(
            App::new()
                .app_data(web::Data::new(atlas))
                .service(number)
                .service(zero)
                .service(mcp.scope("/mcp")),
        )
    })
}

fn complete(reference: Value, argument: &str, value: &str, context: Option<Value>) -> Value {
    let mut params = json!({"ref": reference, "argument": {"name": argument, "value": value}});
    if let Some(context) = context {
        params["context"] = json!({ "arguments": context });
    }
    json!({"jsonrpc": "2.0", "id": 1, "method": "completion/complete", "params": params})
}

fn prompt(name: &str) -> Value {
    json!({"type": "ref/prompt", "name": name})
}

fn template(uri: &str) -> Value {
    json!({"type": "ref/resource", "uri": uri})
}

#[tokio::test]
async fn named_functions_complete_with_context_and_app_data() {
    let server = server();
    let mut raw = server.raw();
    let init = raw.initialize("2025-11-25").await;
    assert_eq!(
        init.body["result"]["capabilities"]["completions"],
        json!({})
    );

    let reply = raw
        .post(complete(prompt("plan_trip"), "country", "F", None))
        .await;
    assert_eq!(
        reply.body["result"],
        json!({"completion": {"values": ["France", "Finland"]}})
    );
    let reply = raw
        .post(complete(
            prompt("plan_trip"),
            "city",
            "L",
            Some(json!({"country": "France"})),
        ))
        .await;
    assert_eq!(
        reply.body["result"],
        json!({"completion": {"values": ["Lyon"], "total": 2}})
    );
    // Resource template variables too, cut to 100 values.
    let reply = raw
        .post(complete(template("numbers://{n}"), "n", "", None))
        .await;
    let completion = &reply.body["result"]["completion"];
    assert_eq!(completion["values"].as_array().unwrap().len(), 100);
    assert_eq!(completion["total"], 150);
    assert_eq!(completion["hasMore"], true);
    let reply = raw
        .post(complete(template("numbers://{n}"), "n", "14", None))
        .await;
    assert_eq!(
        reply.body["result"]["completion"]["values"],
        json!([
            "14", "140", "141", "142", "143", "144", "145", "146", "147", "148", "149"
        ])
    );
}

#[tokio::test]
async fn enums_complete_by_prefix_and_free_text_does_not() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw
        .post(complete(prompt("plan_trip"), "class", "", None))
        .await;
    assert_eq!(
        reply.body["result"]["completion"]["values"],
        json!(["economy", "business", "first"])
    );
    let reply = raw
        .post(complete(prompt("plan_trip"), "class", "B", None))
        .await;
    assert_eq!(
        reply.body["result"]["completion"]["values"],
        json!(["business"])
    );
    let reply = raw
        .post(complete(prompt("plan_trip"), "notes", "x", None))
        .await;
    assert_eq!(reply.body["result"], json!({"completion": {"values": []}}));
}

#[tokio::test]
async fn references_to_nothing_are_invalid_params() {
    let server = server();
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    for (request, needle) in [
        (
            complete(prompt("nope"), "x", "", None),
            "Unknown prompt: nope",
        ),
        (
            complete(prompt("plan_trip"), "nope", "", None),
            "has no argument `nope`",
        ),
        (
            complete(template("numbers://{x}"), "x", "", None),
            "Unknown resource template",
        ),
        (
            complete(template("numbers://zero"), "n", "", None),
            "has no variable `n`",
        ),
        (
            json!({"jsonrpc": "2.0", "id": 1, "method": "completion/complete",
                   "params": {"ref": {"type": "ref/tool", "name": "x"},
                              "argument": {"name": "a", "value": ""}}}),
            "Invalid params",
        ),
    ] {
        let reply = raw.post(request).await;
        assert_eq!(reply.error_code(), Some(-32602), "{:?}", reply.body);
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
    }
}

#[tokio::test]
async fn the_stateless_revision_completes_too() {
    let server = server();
    let reply = send(
        &server,
        "completion/complete",
        json!({"ref": prompt("plan_trip"), "argument": {"name": "class", "value": "f"}}),
        &[],
    )
    .await;
    let result = &reply.body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(result["completion"]["values"], json!(["first"]));
}
