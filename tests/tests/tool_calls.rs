//! `tools/call` runs the real handler, in process, with the app's extractors:
//! driven by the rmcp client against the example app on 127.0.0.1.

use actix_web::{HttpMessage, dev::Service as _, web};
use mcp_runtime::mcp_tool;
use mcp_tests::{TestServer, call, call_error, json_body, text};
use serde_json::json;

#[tokio::test]
async fn valid_call_returns_structured_content_and_the_handlers_own_bytes() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let result = call(&client, "get_item", json!({"id": 2})).await;
    assert_ne!(result.is_error, Some(true));
    let expected = json!({
        "id": 2, "name": "Kite", "price_cents": 2450, "category": "toy",
        "tags": ["outdoor", "wind"]
    });
    assert_eq!(result.structured_content, Some(expected.clone()));
    // The text block is the body exactly as the handler serialized it.
    assert_eq!(
        text(&result),
        r#"{"id":2,"name":"Kite","price_cents":2450,"category":"toy","tags":["outdoor","wind"]}"#
    );
}

#[tokio::test]
async fn rest_and_mcp_give_the_same_data() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let http = reqwest::Client::new();
    for (path, tool, arguments) in [
        ("/items/1", "get_item", json!({"id": 1})),
        (
            "/items/3?tags=false",
            "get_item",
            json!({"id": 3, "tags": false}),
        ),
        (
            "/items?category=toy&limit=5",
            "list_items",
            json!({"category": "toy", "limit": 5}),
        ),
        (
            "/items?tag=programming",
            "list_items",
            json!({"tag": "programming"}),
        ),
    ] {
        let rest = json_body(
            http.get(server.url(path))
                .bearer_auth(mcp_examples::items::DEMO_TOKEN),
        )
        .await;
        let mcp = call(&client, tool, arguments).await;
        let structured = mcp.structured_content.expect("structured content");
        // Non-object outputs (the list) are wrapped as {"result": ...}.
        let structured = structured.get("result").cloned().unwrap_or(structured);
        assert_eq!(structured, rest, "{path} vs {tool}");
    }
}

#[tokio::test]
async fn writes_through_mcp_are_visible_over_rest() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let created = call(
        &client,
        "create_item",
        json!({"name": "Drill", "price_cents": 8900, "category": "tool", "tags": ["power"]}),
    )
    .await;
    assert_ne!(created.is_error, Some(true), "{created:?}");
    let id = created.structured_content.unwrap()["id"].as_u64().unwrap();

    let patched = call(&client, "set_price", json!({"id": id, "price_cents": 7900})).await;
    assert_eq!(patched.structured_content.unwrap()["price_cents"], 7900);

    let rest = json_body(reqwest::Client::new().get(server.url("/items?category=tool"))).await;
    assert!(
        rest.as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id && i["price_cents"] == 7900)
    );

    let deleted = call(&client, "delete_item", json!({"id": id})).await;
    assert_ne!(deleted.is_error, Some(true));
    assert_eq!(text(&deleted), "HTTP 204 No Content");
    let gone = reqwest::get(server.url(&format!("/items/{id}")))
        .await
        .unwrap();
    assert_eq!(gone.status(), 401, "REST still requires its own auth");
}

#[tokio::test]
async fn handler_reads_web_data_and_request_headers() {
    let server = TestServer::items();
    let mut headers = std::collections::HashMap::new();
    headers.insert("x-request-id".parse().unwrap(), "req-42".parse().unwrap());
    let config =
        rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig::with_uri(
            server.mcp_url(),
        )
        .custom_headers(headers);
    let client = rmcp::ServiceExt::serve(
        (),
        rmcp::transport::StreamableHttpClientTransport::from_config(config),
    )
    .await
    .unwrap();
    let result = call(&client, "stats", json!({})).await;
    let stats = result.structured_content.unwrap();
    assert_eq!(stats["item_count"], 3, "web::Data<Db> reached the handler");
    assert_eq!(
        stats["request_id"], "req-42",
        "the MCP request's headers reached HttpRequest"
    );
}

#[tokio::test]
async fn wrong_argument_types_name_the_field() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let result = call(&client, "get_item", json!({"id": "two"})).await;
    assert_eq!(result.is_error, Some(true));
    let message = text(&result);
    assert!(message.contains("invalid argument `id`"), "{message}");
    assert!(message.contains("must be an integer"), "{message}");

    let result = call(&client, "list_items", json!({"category": "car"})).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("`category`"), "{result:?}");

    let result = call(
        &client,
        "quote",
        json!({"body": [{"id": 1, "quantity": "many"}]}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("`body[0].quantity`"), "{result:?}");
}

#[tokio::test]
async fn missing_arguments_are_all_listed() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let result = call(&client, "create_item", json!({"name": "x"})).await;
    assert_eq!(result.is_error, Some(true));
    assert_eq!(
        text(&result),
        "Invalid arguments for tool `create_item`: missing required arguments `category`, `price_cents`"
    );
}

#[tokio::test]
async fn unknown_tool_is_a_protocol_error() {
    let server = TestServer::items();
    let client = server.client().await;
    let e = call_error(&client, "no_such_tool", json!({})).await;
    assert_eq!(e.code.0, -32602);
    assert_eq!(e.message, "Unknown tool: no_such_tool");
}

#[tokio::test]
async fn http_errors_become_tool_errors_with_status_and_body() {
    let server = TestServer::items();
    let client = server
        .client_with_token(mcp_examples::items::DEMO_TOKEN)
        .await;
    let result = call(&client, "get_item", json!({"id": 404})).await;
    assert_eq!(result.is_error, Some(true));
    assert_eq!(result.structured_content, None);
    assert_eq!(
        text(&result),
        "HTTP 404 Not Found\n{\"error\":\"item 404 not found\"}"
    );

    let result = call(
        &client,
        "create_item",
        json!({"name": " ", "price_cents": 1, "category": "toy"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).starts_with("HTTP 422 Unprocessable Entity"));
}

#[tokio::test]
async fn images_are_image_content() {
    let server = TestServer::items();
    let client = server.client().await;
    let result = call(&client, "item_label", json!({"id": 1})).await;
    let image = result.content[0].as_image().expect("image content");
    assert_eq!(image.mime_type, "image/png");
    assert!(image.data.starts_with("iVBORw0KGgo"), "base64 PNG");
}

#[tokio::test]
async fn hand_written_tool_with_array_body() {
    let server = TestServer::items();
    let client = server.client().await;
    let result = call(
        &client,
        "quote",
        json!({"body": [{"id": 1, "quantity": 2}, {"id": 3, "quantity": 1}]}),
    )
    .await;
    assert_eq!(
        result.structured_content,
        Some(json!({"total_cents": 1299 * 2 + 3999, "lines": 2}))
    );
}

/// A short beep, as WAV audio.
#[mcp_tool]
async fn beep() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("audio/wav")
        .body(&b"RIFF\x24\x00\x00\x00WAVEfmt "[..])
}

/// Raw bytes that are not text.
#[mcp_tool]
async fn blob() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/octet-stream")
        .body(vec![0u8, 159, 146, 150])
}

#[tokio::test]
async fn audio_and_binary_bodies() {
    let server = TestServer::items();
    let client = server.client().await;
    let result = call(&client, "beep", json!({})).await;
    let audio = result.content[0].as_audio().expect("audio content");
    assert_eq!(audio.mime_type, "audio/wav");
    assert_eq!(audio.data, "UklGRiQAAABXQVZFZm10IA==");

    let result = call(&client, "blob", json!({})).await;
    let resource = result.content[0].as_resource().expect("embedded resource");
    let json = serde_json::to_value(&resource.resource).unwrap();
    assert_eq!(json["blob"], "AJ+Slg==");
    assert_eq!(json["mimeType"], "application/octet-stream");
    assert_eq!(json["uri"], "urn:mcp-runtime:tool:blob:result");
}

/// Set by middleware wrapped around the MCP scope.
#[derive(Clone)]
struct Tenant(&'static str);

/// The worker thread the middleware ran on.
#[derive(Clone)]
struct MiddlewareThread(std::thread::ThreadId);

/// Report the tenant that the middleware resolved, and whether the handler
/// runs on the same worker thread as the middleware that saw the request.
#[mcp_tool]
async fn whoami(tenant: web::ReqData<Tenant>, seen: web::ReqData<MiddlewareThread>) -> String {
    let same = seen.0 == std::thread::current().id();
    format!("tenant={} same_thread={same}", tenant.0)
}

/// Always panics.
#[mcp_tool]
async fn explode(_req: actix_web::HttpRequest) -> String {
    panic!("boom")
}

#[tokio::test]
async fn middleware_around_the_scope_applies_to_tool_calls() {
    let mcp = mcp_examples::items::mcp_server().unwrap();
    let db = mcp_examples::items::Db::seeded();
    let server = TestServer::start_app(move || {
        mcp.app(
            actix_web::App::new()
                .app_data(db.clone())
                .service(mcp.scope("/mcp").wrap_fn(|req, srv| {
                    req.extensions_mut().insert(Tenant("acme"));
                    req.extensions_mut()
                        .insert(MiddlewareThread(std::thread::current().id()));
                    srv.call(req)
                })),
        )
    });
    let client = server.client().await;
    let result = call(&client, "whoami", json!({})).await;
    assert_eq!(text(&result), "tenant=acme same_thread=true");
}

#[tokio::test]
async fn a_panicking_handler_fails_only_its_own_call() {
    let server = TestServer::items();
    let client = server.client().await;
    // The client learns that the call failed, not the panic's message
    // (which goes to the server log with the tool and request id).
    let result = call(&client, "explode", json!({})).await;
    assert_eq!(result.is_error, Some(true));
    assert_eq!(
        text(&result),
        "Tool `explode` failed: internal error (the handler panicked; details are in the server log)"
    );
    // The same session and worker keep serving.
    let result = call(&client, "list_items", json!({})).await;
    assert_ne!(result.is_error, Some(true));
    assert!(result.content[0].as_text().is_some());
}
