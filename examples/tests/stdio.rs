//! The stdio example binary as an MCP host runs it: launched with the
//! token in its environment, spoken to in newline-delimited JSON-RPC on
//! stdin, answering on stdout (and nothing else there), exiting when stdin
//! closes. (The transport's behaviours, with the rmcp client, are in
//! `tests/tests/stdio.rs`.)

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

#[test]
fn items_stdio_serves_the_items_app_and_exits_at_the_end_of_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_items-stdio"))
        .env("ITEMS_TOKEN", "demo-token")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("items-stdio starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ask = |message: Value| -> Value {
        writeln!(stdin, "{message}").expect("stdin open");
        let line = stdout.next().expect("an answer").expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"))
    };

    let init = ask(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "host", "version": "1"}}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "items-api");

    let tools = ask(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let mut names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "clear_tags",
            "create_item",
            "delete_item",
            "get_item",
            "item_label",
            "list_items",
            "quote",
            "reindex",
            "set_price",
            "stats"
        ]
    );

    // A `requires_auth` tool, with the token from the environment.
    let item = ask(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "get_item", "arguments": {"id": 2}}}));
    assert_eq!(
        item["result"]["structuredContent"]["name"], "Kite",
        "{item}"
    );
    // A hand-written tool reading the app's `web::Data<Db>`.
    let quote = ask(json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "quote", "arguments": {"body": [{"id": 1, "quantity": 2}]}}}));
    assert_eq!(
        quote["result"]["structuredContent"]["total_cents"], 2598,
        "{quote}"
    );

    drop(stdin);
    let status = child.wait().expect("items-stdio exits");
    assert!(status.success(), "{status}");
    assert!(stdout.next().is_none(), "nothing but answers on stdout");
}
