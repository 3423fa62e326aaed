//! The 2026-07-28 revision on the same endpoint as the handshake era:
//! `server/discover`, per-request `_meta` instead of a session, the headers
//! that must repeat the body, `resultType` and caching hints on results,
//! input-required results for questions to the client (with tamper-proof
//! state), and the errors of the revision with their HTTP statuses.

use actix_web::{App, post, web};
use mcp_runtime::{Elicitation, McpContext, Sample, mcp_tool};
use mcp_tests::TestServer;
use mcp_tests::stateless::{V, meta, send};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct Shout {
    text: String,
    /// Mirrored in the `Mcp-Param-Region` header.
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: Option<String>,
}

/// Shouts a text.
#[mcp_tool]
#[post("/shout")]
async fn shout(body: web::Json<Shout>) -> String {
    match &body.region {
        Some(region) => format!("{} ({region})", body.text.to_uppercase()),
        None => body.text.to_uppercase(),
    }
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
struct Name {
    name: String,
}

/// Greets the user, asking their name, then their mood.
#[mcp_tool]
#[post("/greet")]
async fn greet(ctx: McpContext) -> String {
    let name = match ctx
        .elicit_as::<Name>("user_name", "What is your name?")
        .await
    {
        Ok(Elicitation::Accept(n)) => n.name,
        other => return format!("no name: {other:?}"),
    };
    let mood = match ctx
        .sample_as("mood", Sample::user(format!("How is {name}?")))
        .await
    {
        Ok(answer) => answer.text(),
        Err(e) => return format!("no mood: {e}"),
    };
    format!("Hello, {name} ({mood})")
}

/// Deletes everything, once the user confirms: it cannot do without asking.
#[mcp_tool(requires = ["elicitation"], destructive)]
#[post("/purge")]
async fn purge(ctx: McpContext) -> String {
    match ctx
        .elicit_as::<Name>("confirm", "Your name, to confirm")
        .await
    {
        Ok(Elicitation::Accept(n)) => format!("purged for {}", n.name),
        other => format!("kept: {other:?}"),
    }
}

/// Asks the client's model at a low temperature.
#[mcp_tool]
#[post("/muse")]
async fn muse(ctx: McpContext) -> String {
    let ask = Sample::user("A haiku").temperature(0.2);
    match ctx.sample(ask).await {
        Ok(answer) => answer.text(),
        Err(e) => e.to_string(),
    }
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(shout)
                .service(greet)
                .service(purge)
                .service(muse)
                .service(mcp.scope("/mcp")),
        )
    })
}

#[tokio::test]
async fn discover_describes_the_server_without_a_session() {
    let server = server();
    let reply = send(&server, "server/discover", json!({}), &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("mcp-session-id"), None, "no session, ever");
    let result = &reply.body["result"];
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["supportedVersions"],
        json!([
            "2026-07-28",
            "2025-11-25",
            "2025-06-18",
            "2025-03-26",
            "2024-11-05"
        ])
    );
    assert!(result["capabilities"]["tools"].is_object());
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "mcp-runtime"
    );
    // Required by the 2026-07-28 schema: the same answer for every caller,
    // cacheable as long as the lists are.
    assert_eq!(result["ttlMs"], 60_000);
    assert_eq!(result["cacheScope"], "public");
}

#[tokio::test]
async fn lists_carry_caching_hints_and_calls_their_result_type() {
    let server = server();
    let list = send(&server, "tools/list", json!({}), &[]).await;
    let result = &list.body["result"];
    assert_eq!(result["ttlMs"], 60_000);
    assert_eq!(result["cacheScope"], "public");
    assert_eq!(result["resultType"], "complete");
    let names: Vec<&str> = result["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "a deterministic order");

    let call = send(
        &server,
        "tools/call",
        json!({"name": "shout", "arguments": {"text": "hi"}}),
        &[],
    )
    .await;
    assert_eq!(call.body["result"]["content"][0]["text"], "HI");
    assert_eq!(call.body["result"]["resultType"], "complete");
    assert!(call.body["result"]["_meta"]["io.modelcontextprotocol/serverInfo"].is_object());
}

#[tokio::test]
async fn requests_must_describe_themselves_and_their_headers_repeat_the_body() {
    let server = server();
    // No `_meta`, or an incomplete one: -32602.
    let reply = send(&server, "tools/list", json!({"_meta": {}}), &[]).await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32602)));
    assert_eq!(reply.body["id"], 7);
    // A version we do not speak: -32022 naming what we do.
    let reply = send(
        &server,
        "tools/list",
        json!({"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01",
                         "io.modelcontextprotocol/clientCapabilities": {}}}),
        &[("mcp-protocol-version", "2099-01-01")],
    )
    .await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32022)));
    assert_eq!(reply.body["error"]["data"]["requested"], "2099-01-01");
    // Headers that do not repeat the body: -32020.
    for extra in [
        [("mcp-method", "tools/list")],
        [("mcp-name", "other")],
        [("mcp-protocol-version", "2025-11-25")],
    ] {
        let reply = send(
            &server,
            "tools/call",
            json!({"name": "shout", "arguments": {"text": "a"}}),
            &extra,
        )
        .await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (400, Some(-32020)),
            "{extra:?}"
        );
    }
    // Arguments marked `x-mcp-header` must be mirrored, base64 or literal.
    let args = json!({"name": "shout", "arguments": {"text": "a", "region": "eu"}});
    let reply = send(&server, "tools/call", args.clone(), &[]).await;
    assert_eq!(reply.error_code(), Some(-32020), "header missing");
    let reply = send(
        &server,
        "tools/call",
        args.clone(),
        &[("mcp-param-region", "=?base64?ZXU=?=")],
    )
    .await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "A (eu)");
    let reply = send(&server, "tools/call", args, &[("mcp-param-region", "us")]).await;
    assert_eq!(reply.error_code(), Some(-32020));
}

#[tokio::test]
async fn methods_of_the_handshake_era_are_not_found_here() {
    let server = server();
    for method in [
        "initialize",
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "nope/nope",
    ] {
        let reply = send(&server, method, json!({}), &[]).await;
        assert_eq!(
            (reply.status, reply.error_code()),
            (404, Some(-32601)),
            "{method}"
        );
        assert_eq!(reply.body["id"], 7);
    }
    // Nor is there a stream outside a request.
    let get = reqwest::Client::new()
        .get(server.mcp_url())
        .header("mcp-protocol-version", V)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn questions_become_input_required_results_answered_on_retry() {
    let server = server();
    let caps = json!({"elicitation": {}, "sampling": {}});
    let call = |extra: Value| {
        let mut params = json!({"name": "greet", "arguments": {}, "_meta": meta(caps.clone())});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        params
    };
    // Round 1: the handler asks for the name; the call stops.
    let round1 = send(&server, "tools/call", call(json!({})), &[]).await;
    let result = &round1.body["result"];
    assert_eq!(result["resultType"], "input_required");
    assert_eq!(
        result["inputRequests"]["user_name"]["method"],
        "elicitation/create"
    );
    assert_eq!(
        result["inputRequests"]["user_name"]["params"]["message"],
        "What is your name?"
    );
    let state = result["requestState"].as_str().unwrap().to_owned();
    // Round 2: with the name, it asks the model (the name is remembered in
    // the signed state from now on).
    let round2 = send(
        &server,
        "tools/call",
        call(json!({"inputResponses": {"user_name": {"action": "accept", "content": {"name": "Ann"}}},
                    "requestState": state})),
        &[],
    )
    .await;
    let result = &round2.body["result"];
    assert_eq!(result["resultType"], "input_required");
    assert_eq!(
        result["inputRequests"]["mood"]["method"],
        "sampling/createMessage"
    );
    let state = result["requestState"].as_str().unwrap().to_owned();
    // Round 3: only the new answer is sent; the state brings the name.
    let round3 = send(
        &server,
        "tools/call",
        call(
            json!({"inputResponses": {"mood": {"model": "m", "role": "assistant",
                                                 "content": {"type": "text", "text": "fine"}}},
                    "requestState": state.clone()}),
        ),
        &[],
    )
    .await;
    assert_eq!(
        round3.body["result"]["content"][0]["text"],
        "Hello, Ann (fine)"
    );
    assert_eq!(round3.body["result"]["resultType"], "complete");

    // A tampered state is refused.
    let mut tampered = state;
    tampered.insert(3, 'x');
    let reply = send(
        &server,
        "tools/call",
        call(json!({"inputResponses": {}, "requestState": tampered})),
        &[],
    )
    .await;
    assert_eq!(reply.error_code(), Some(-32602));
}

#[tokio::test]
async fn answers_without_state_count_for_a_tool_that_destroys_nothing() {
    let server = server();
    let caps = json!({"elicitation": {}, "sampling": {}});
    // Brought up front, next to keys nobody asks for (ignored): the name is
    // used, and the call goes on to its next question.
    let answers = json!({"user_name": {"action": "accept", "content": {"name": "Ann"}},
                         "unknown_extra_key": {"action": "accept", "content": {"foo": "bar"}}});
    let reply = send(
        &server,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "_meta": meta(caps.clone()),
               "inputResponses": answers}),
        &[],
    )
    .await;
    let result = &reply.body["result"];
    assert_eq!(result["resultType"], "input_required", "{result}");
    let asked: Vec<&String> = result["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(asked, ["mood"]);
    // A destructive tool takes answers only from a round that asked.
    let answers = json!({"confirm": {"action": "accept", "content": {"name": "Ann"}}});
    let reply = send(
        &server,
        "tools/call",
        json!({"name": "purge", "arguments": {}, "_meta": meta(caps),
               "inputResponses": answers}),
        &[],
    )
    .await;
    assert_eq!(reply.body["result"]["resultType"], "input_required");
}

#[tokio::test]
async fn a_question_the_client_cannot_answer_is_an_error_value_for_the_handler() {
    let server = server();
    // No capabilities: the handler's fallback runs and the call completes.
    let reply = send(
        &server,
        "tools/call",
        json!({"name": "greet", "arguments": {}}),
        &[],
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["result"]["resultType"], "complete");
    assert_eq!(
        reply.body["result"]["content"][0]["text"],
        r#"no name: Err(Unsupported("elicitation"))"#
    );
    // Elicitation but no sampling: the name is asked, the mood falls back.
    let caps = json!({"elicitation": {}});
    let first = send(
        &server,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "_meta": meta(caps.clone())}),
        &[],
    )
    .await;
    let state = first.body["result"]["requestState"].as_str().unwrap();
    let retry = send(
        &server,
        "tools/call",
        json!({"name": "greet", "arguments": {}, "_meta": meta(caps),
               "inputResponses": {"user_name": {"action": "accept", "content": {"name": "Ann"}}},
               "requestState": state}),
        &[],
    )
    .await;
    assert_eq!(
        retry.body["result"]["content"][0]["text"],
        "no mood: the client did not declare the `sampling` capability"
    );
}

#[tokio::test]
async fn a_tool_that_requires_a_capability_is_refused_up_front_without_it() {
    let server = server();
    let reply = send(
        &server,
        "tools/call",
        json!({"name": "purge", "arguments": {}, "_meta": meta(json!({"sampling": {}}))}),
        &[],
    )
    .await;
    assert_eq!((reply.status, reply.error_code()), (400, Some(-32021)));
    assert_eq!(
        reply.body["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {}})
    );
    // Declared: the call goes on and asks.
    let asked = send(
        &server,
        "tools/call",
        json!({"name": "purge", "arguments": {}, "_meta": meta(json!({"elicitation": {}}))}),
        &[],
    )
    .await;
    assert_eq!(asked.body["result"]["resultType"], "input_required");

    // The handshake era: the session's capabilities decide.
    let mut raw = server.raw();
    raw.initialize("2025-11-25").await;
    let reply = raw.call(1, "purge", json!({})).await;
    assert_eq!((reply.status, reply.error_code()), (200, Some(-32021)));
    assert_eq!(
        reply.body["error"]["data"]["requiredCapabilities"],
        json!({"elicitation": {}})
    );
}

#[tokio::test]
async fn the_handshake_era_keeps_working_on_the_same_url() {
    let server = server();
    let mut raw = server.raw();
    let init = raw.initialize("2025-11-25").await;
    assert!(init.header("mcp-session-id").is_some());
    let reply = raw.call(1, "shout", json!({"text": "x"})).await;
    assert_eq!(reply.body["result"]["content"][0]["text"], "X");
    assert_eq!(reply.body["result"].get("resultType"), None);
}

/// The wire's `"temperature"`, as written in `text`.
fn temperature(text: &str) -> &str {
    let at = text.find(r#""temperature":"#).expect("a temperature") + 14;
    let len = text[at..].find([',', '}']).unwrap();
    &text[at..at + len]
}

#[tokio::test]
async fn numbers_go_out_as_written_in_both_eras() {
    let server = server();
    // 2026-07-28: the question is in the input-required result.
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "muse", "arguments": {},
                                 "_meta": meta(json!({"sampling": {}}))}});
    let text = reqwest::Client::new()
        .post(server.mcp_url())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", V)
        .header("mcp-method", "tools/call")
        .header("mcp-name", "muse")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(temperature(&text), "0.2", "{text}");

    // The handshake era: the request on the call's stream.
    let mut raw = server.raw();
    let init = raw
        .post(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {"sampling": {}},
            "clientInfo": {"name": "raw-test", "version": "0"}}}),
        )
        .await;
    raw.session = init.header("mcp-session-id").map(str::to_owned);
    raw.version = Some("2025-11-25".into());
    let mut events = raw
        .post_stream(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                   "params": {"name": "muse", "arguments": {}}}),
            &[],
        )
        .await;
    let asked = loop {
        let event = events.next().await.expect("the sampling request");
        if event.data.contains("sampling/createMessage") {
            break event.data;
        }
    };
    assert_eq!(temperature(&asked), "0.2", "{asked}");
}
