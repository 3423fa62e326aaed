//! The example binaries listen on `$BIND` and print their MCP URL, labelled
//! and then on a line of its own, which scripts, tests and benchmarks rely
//! on.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts an example binary on `BIND=127.0.0.1:0` with `env`; the process
/// and the MCP URL it printed on a line of its own, when it is the URL of
/// its `MCP endpoint:` line too. Its stdout stays open while it runs, as a
/// terminal's would.
fn start(bin: &str, env: &[(&str, &str)]) -> (Child, Option<String>) {
    let mut command = Command::new(bin);
    command
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("the example starts");
    // Read on a thread of its own, so a banner without the line ends the
    // wait after a while instead of hanging on a server that runs on.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // (Kept reading once no one listens: the stdout stays open.)
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut labelled = None;
    let mut url = None;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some(printed) = line.strip_prefix("MCP endpoint: ") {
            labelled = Some(printed.to_owned());
        } else if line.starts_with("http://") && line.ends_with("/mcp") {
            url = Some(line);
            break;
        }
    }
    (child, url.filter(|url| labelled.as_ref() == Some(url)))
}

/// Why a test could not go on when [`start`] found no MCP URL.
const NO_URL_LINE: &str = "no line with the MCP URL alone (after its `MCP endpoint:` line)";

/// Stops what [`start`] started.
fn stop(mut child: Child) {
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn items_api_listens_on_bind_and_prints_its_mcp_url() {
    let (child, url) = start(env!("CARGO_BIN_EXE_items-api"), &[]);
    let result = (|| {
        let url = url.ok_or(NO_URL_LINE)?;
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix("/mcp"))
            .ok_or_else(|| format!("unexpected URL {url}"))?;
        if port == "0" {
            return Err("printed the requested port, not the bound one".to_owned());
        }
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        let reply = http_post(&format!("127.0.0.1:{port}"), "/mcp", body)?;
        if !reply.starts_with("HTTP/1.1 200")
            || !reply.contains("\"protocolVersion\":\"2025-11-25\"")
        {
            return Err(format!("bad initialize reply: {reply}"));
        }
        Ok(())
    })();
    stop(child);
    result.unwrap();
}

/// A minimal HTTP/1.1 POST (the example crate has no HTTP client dependency).
fn http_post(addr: &str, path: &str, body: &str) -> Result<String, String> {
    http_post_with(addr, path, "", body)
}

/// The same, with more header lines (each ending in CRLF).
fn http_post_with(addr: &str, path: &str, headers: &str, body: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("{e} after {} bytes", raw.len()))?;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

/// The composed example: two domains' tools under their prefixes, each
/// call through its own domain's scope.
#[test]
fn shop_api_serves_two_domains_as_one_server() {
    let (child, url) = start(env!("CARGO_BIN_EXE_shop-api"), &[]);
    let result = (|| {
        let url = url.ok_or(NO_URL_LINE)?;
        let addr = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix("/mcp"))
            .ok_or_else(|| format!("unexpected URL {url}"))?;
        let initialize = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        let reply = http_post(addr, "/mcp", initialize)?;
        let instructions = "Inventory and orders of the shop.";
        if !reply.starts_with("HTTP/1.1 200") || !reply.contains(instructions) {
            return Err(format!("bad initialize reply: {reply}"));
        }
        // Stateless (2026-07-28) requests need no session.
        let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;
        let call = |id: u32, name: &str, arguments: &str| {
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{name}","arguments":{arguments},{meta}}}}}"#
            );
            let headers = format!(
                "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: {name}\r\n"
            );
            http_post_with(addr, "/mcp", &headers, &body)
        };
        let created = call(2, "orders_create", r#"{"sku":"saw","quantity":2}"#)?;
        if !created.contains(r#""structuredContent":{"quantity":2,"sku":"saw"}"#)
            && !created.contains(r#""structuredContent":{"sku":"saw","quantity":2}"#)
        {
            return Err(format!("orders_create: {created}"));
        }
        let listed = call(3, "orders_list", "{}")?;
        if !listed.contains(r#"\"sku\":\"saw\""#) {
            return Err(format!("orders_list: {listed}"));
        }
        let stock = call(4, "inventory_get", r#"{"sku":"hammer"}"#)?;
        if !stock.contains(r#""structuredContent":{"result":12}"#) {
            return Err(format!("inventory_get: {stock}"));
        }
        Ok(())
    })();
    stop(child);
    result.unwrap();
}

/// The separate deployment: `items-api` and `items-mcp` side by side, a
/// call on the second answered by the first.
#[test]
fn items_mcp_forwards_calls_to_items_api() {
    let (api, api_url) = start(env!("CARGO_BIN_EXE_items-api"), &[]);
    let api_base = api_url
        .as_deref()
        .and_then(|u| u.strip_suffix("/mcp"))
        .unwrap_or_default()
        .to_owned();
    let (mcp, mcp_url) = start(env!("CARGO_BIN_EXE_items-mcp"), &[("API_URL", &api_base)]);
    let result = (|| {
        let addr = mcp_url
            .as_deref()
            .and_then(|u| u.strip_prefix("http://"))
            .and_then(|u| u.strip_suffix("/mcp"))
            .ok_or(NO_URL_LINE)?;
        let meta = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}"#;
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"get_item","arguments":{{"id":2}},{meta}}}}}"#
        );
        let headers = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: get_item\r\nAuthorization: Bearer demo-token\r\n";
        let reply = http_post_with(addr, "/mcp", headers, &body)?;
        if !reply.contains(r#""name":"Kite""#) {
            return Err(format!("get_item through items-mcp: {reply}"));
        }
        Ok(())
    })();
    stop(api);
    stop(mcp);
    result.unwrap();
}
