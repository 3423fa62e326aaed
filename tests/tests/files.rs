//! Files: a raw-body handler (`web::Bytes`) is a tool whose `body` argument
//! is base64 (its schema says so), sent as the bytes themselves; binary
//! responses come back as today (images as image content, other files as
//! embedded resources).

use actix_web::{App, post, web};
use mcp_tests::{TestServer, call, text};
use serde_json::json;

/// Store a blob; says how many bytes arrived and how they start.
#[mcp_runtime::mcp_tool]
#[post("/blobs")]
async fn store_blob(body: web::Bytes, req: actix_web::HttpRequest) -> String {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    format!(
        "{} bytes ({content_type}): {:?}",
        body.len(),
        String::from_utf8_lossy(&body[..body.len().min(5)])
    )
}

/// Upload files with a note: says what arrived, field by field.
#[mcp_runtime::mcp_tool]
#[post("/uploads")]
async fn upload(mut form: actix_multipart::Multipart) -> Result<String, actix_web::Error> {
    use futures_util::StreamExt as _;
    let mut seen = Vec::new();
    while let Some(field) = form.next().await {
        let mut field = field?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        seen.push(match filename {
            Some(file) => format!(
                "{name}: file {file} ({}, {} bytes)",
                content_type.unwrap_or_default(),
                bytes.len()
            ),
            None => format!("{name}: {}", String::from_utf8_lossy(&bytes)),
        });
    }
    Ok(seen.join("; "))
}

/// A stored document.
#[mcp_runtime::mcp_resource(uri = "docs://{name}")]
#[actix_web::get("/docs/{name}")]
async fn doc(name: web::Path<String>) -> actix_web::HttpResponse {
    match name.as_str() {
        "notes.txt" => actix_web::HttpResponse::Ok()
            .content_type("text/plain")
            .body("some notes"),
        "scan.pdf" => actix_web::HttpResponse::Ok()
            .content_type("application/pdf")
            .body(vec![b'%', b'P', b'D', b'F']),
        _ => actix_web::HttpResponse::NotFound().finish(),
    }
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().expect("builds");
    let db = mcp_examples::items::Db::seeded();
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .app_data(db.clone())
                .configure(mcp_examples::items::routes)
                .service(store_blob)
                .service(upload)
                .service(doc)
                .service(mcp.scope("/mcp")),
        )
    })
}

#[tokio::test]
async fn a_raw_body_is_base64_in_the_arguments() {
    let server = server();
    let client = server.client().await;
    let tools = client.list_all_tools().await.expect("lists");
    let tool = tools
        .iter()
        .find(|t| t.name == "store_blob")
        .expect("listed");
    assert_eq!(
        tool.input_schema["properties"]["body"]["anyOf"][0],
        json!({
            "type": "string",
            "contentEncoding": "base64",
            "contentMediaType": "application/octet-stream",
            "description": "The request body (a file's content), base64-encoded."
        })
    );
    assert_eq!(
        tool.input_schema["properties"]["body"]["anyOf"][1]["required"],
        json!(["uri"])
    );
    assert_eq!(tool.input_schema["required"], json!(["body"]));

    // "hello\0\xff" in base64: binary survives.
    let result = call(&client, "store_blob", json!({"body": "aGVsbG8A/w=="})).await;
    assert_eq!(
        text(&result),
        r#"7 bytes (application/octet-stream): "hello""#
    );
    // URL-safe and unpadded base64 too.
    let result = call(&client, "store_blob", json!({"body": "aGVsbG8A_w"})).await;
    assert!(text(&result).starts_with("7 bytes"), "{}", text(&result));

    // Invalid arguments are tool errors the model can correct.
    let bad = call(&client, "store_blob", json!({"body": "not base64!"})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text(&bad).contains("invalid argument `body`: not base64"),
        "{}",
        text(&bad)
    );
    let missing = call(&client, "store_blob", json!({})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("body"), "{}", text(&missing));
}

#[tokio::test]
async fn the_rest_route_takes_the_raw_body_as_before() {
    let server = server();
    let reply = reqwest::Client::new()
        .post(server.url("/blobs"))
        .header("content-type", "application/pdf")
        .body(vec![b'%', b'P', b'D', b'F', b'-', b'1'])
        .send()
        .await
        .expect("REST");
    assert_eq!(
        reply.text().await.expect("text"),
        r#"6 bytes (application/pdf): "%PDF-""#
    );
}

#[tokio::test]
async fn a_multipart_form_is_its_fields_with_files_in_base64() {
    let server = server();
    let client = server.client().await;
    let tools = client.list_all_tools().await.expect("lists");
    let tool = tools.iter().find(|t| t.name == "upload").expect("listed");
    // The form's fields are the arguments; any name, text or a file.
    let form = &tool.input_schema;
    assert_eq!(
        form["additionalProperties"]["anyOf"][1]["properties"]["content"]["contentEncoding"],
        "base64",
        "{form:?}"
    );

    let result = call(
        &client,
        "upload",
        json!({
            "note": "two files",
            "report": {"filename": "r.pdf", "contentType": "application/pdf", "content": "JVBERi0x"},
            "raw": {"content": "AAEC"}
        }),
    )
    .await;
    assert_eq!(
        text(&result),
        "note: two files; raw: file raw (application/octet-stream, 3 bytes); \
         report: file r.pdf (application/pdf, 6 bytes)"
    );
    let bad = call(&client, "upload", json!({"f": {"filename": "x"}})).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text(&bad).contains("a file needs `content`"),
        "{}",
        text(&bad)
    );
}

#[tokio::test]
async fn a_file_can_be_a_link_to_a_resource_of_the_server() {
    let server = server();
    let client = server.client().await;
    let result = call(
        &client,
        "store_blob",
        json!({"body": {"uri": "docs://notes.txt"}}),
    )
    .await;
    assert_eq!(
        text(&result),
        r#"10 bytes (application/octet-stream): "some ""#
    );
    let result = call(
        &client,
        "upload",
        json!({"scan": {"uri": "docs://scan.pdf"}}),
    )
    .await;
    assert_eq!(
        text(&result),
        "scan: file scan.pdf (application/pdf, 4 bytes)"
    );
    let missing = call(
        &client,
        "store_blob",
        json!({"body": {"uri": "docs://nothing"}}),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    assert!(
        text(&missing).contains("no resource `docs://nothing` on this server"),
        "{}",
        text(&missing)
    );
}

/// Separate deployment: the MCP process builds the same raw body and
/// multipart form and sends them over HTTP to the API.
#[tokio::test]
async fn files_reach_an_upstream_api_as_they_reach_the_app() {
    let api = TestServer::start_app(|| App::new().service(store_blob).service(upload));
    let mcp = mcp_tests::registry()
        .upstream(mcp_runtime::config::Upstream::new(api.url("")))
        .build()
        .expect("builds");
    // Here the routes only give their paths: run here, they would answer 418.
    let front = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(mcp.scope("/mcp"))
                .service(
                    web::scope("")
                        .wrap(actix_web::middleware::from_fn(
                            |_: actix_web::dev::ServiceRequest,
                             _: actix_web::middleware::Next<actix_web::body::BoxBody>| async {
                                Err::<actix_web::dev::ServiceResponse, _>(
                                    actix_web::error::ErrorImATeapot("ran in the MCP process"),
                                )
                            },
                        ))
                        .service(store_blob)
                        .service(upload),
                ),
        )
    });
    let client = front.client().await;
    let result = call(&client, "store_blob", json!({"body": "aGVsbG8A/w=="})).await;
    assert_eq!(
        text(&result),
        r#"7 bytes (application/octet-stream): "hello""#
    );
    let result = call(
        &client,
        "upload",
        json!({"note": "sent on", "raw": {"content": "AAEC"}}),
    )
    .await;
    assert_eq!(
        text(&result),
        "note: sent on; raw: file raw (application/octet-stream, 3 bytes)"
    );
}
