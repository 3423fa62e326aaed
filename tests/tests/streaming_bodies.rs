//! A handler that streams its body (`HttpResponse::streaming`, server-sent
//! events) has each chunk relayed to the client as a progress notification
//! while it runs, in order, with the assembled body as the result.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, get};
use futures_util::stream;
use mcp_runtime::mcp_tool;
use mcp_tests::{Recorder, TestServer, seen, text};
use rmcp::model::CallToolRequestParams;
use serde_json::json;

fn chunks(
    parts: &'static [&'static str],
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    stream::unfold(0, move |i| async move {
        let part = parts.get(i)?;
        tokio::time::sleep(Duration::from_millis(5)).await;
        Some((Ok(Bytes::from_static(part.as_bytes())), i + 1))
    })
}

/// Write a poem, line by line.
#[mcp_tool]
#[get("/poem")]
async fn poem() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .streaming(chunks(&[
            "roses are red\n",
            "violets are blue\n",
            "actix is fast\n",
        ]))
}

/// Follow a build's log as server-sent events.
#[mcp_tool]
#[get("/build/events")]
async fn build_events() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(chunks(&[
            "data: compiling\n\n",
            "data: linking\n\n",
            "data: done\n\n",
        ]))
}

fn server() -> TestServer {
    let mcp = mcp_tests::registry().build().unwrap();
    TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(poem)
                .service(build_events)
                .service(mcp.scope("/mcp")),
        )
    })
}

#[tokio::test]
async fn each_chunk_arrives_as_progress_in_order_then_the_whole_body() {
    let server = server();
    let recorder = Recorder::declaring(json!({}));
    let progress = recorder.progress.clone();
    let client = recorder.connect(server.mcp_url()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("poem"))
        .await
        .unwrap();
    assert_eq!(
        text(&result),
        "roses are red\nviolets are blue\nactix is fast\n"
    );
    let relayed: Vec<(f64, String)> = seen(&progress)
        .into_iter()
        .map(|p| (p.progress, p.message.unwrap_or_default()))
        .collect();
    assert_eq!(
        relayed,
        [
            (1.0, "roses are red\n".to_owned()),
            (2.0, "violets are blue\n".to_owned()),
            (3.0, "actix is fast\n".to_owned())
        ]
    );
}

#[tokio::test]
async fn server_sent_events_are_relayed_as_their_data() {
    let server = server();
    let recorder = Recorder::declaring(json!({}));
    let progress = recorder.progress.clone();
    let client = recorder.connect(server.mcp_url()).await;
    let result = client
        .call_tool(CallToolRequestParams::new("build_events"))
        .await
        .unwrap();
    assert_eq!(
        text(&result),
        "data: compiling\n\ndata: linking\n\ndata: done\n\n"
    );
    let messages: Vec<String> = seen(&progress)
        .into_iter()
        .map(|p| p.message.unwrap_or_default())
        .collect();
    assert_eq!(messages, ["compiling", "linking", "done"]);
}

#[tokio::test]
async fn on_rest_the_body_streams_as_before() {
    let server = server();
    let body = reqwest::get(server.url("/poem"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "roses are red\nviolets are blue\nactix is fast\n");
}
