//! The scale rows: what an idle session costs in memory, how long a server
//! with 1,000 tools takes to start, and what `#[mcp_tool]` adds to a crate's
//! build. Each is printed beside the same thing without MCP.
//!
//! 1. **Memory per idle session.** This binary starts itself again as the
//!    server (`BENCH_SCALE_ROLE=server`: the latency benchmark's app, with an
//!    in-memory session store room for every session), opens
//!    `BENCH_SESSIONS` sessions (default 10,000: `initialize` then
//!    `notifications/initialized`, over one keep-alive connection) and reads
//!    the server process's resident memory (`VmRSS`) before and after. The
//!    REST line sends as many REST requests first, to show what the same
//!    traffic costs when it leaves nothing behind.
//! 2. **Start-up with 1,000 tools.** A crate with `BENCH_TOOLS` handlers
//!    (default 1,000; a path segment and a JSON body each) is generated under
//!    `target/bench-scale`, once with `#[mcp_tool]` on every handler and MCP
//!    mounted, once as plain REST, and built in release. Each binary is
//!    started 5 times; the time from spawning it to its first answer's last
//!    byte (a `tools/list` listing every tool, or the REST route) is
//!    reported, with the time to the line that says it is listening. The MCP
//!    binary runs twice: with the endpoint mounted before the routes, as the
//!    README advises, and after them (`MOUNT_LAST`).
//! 3. **The macro's build cost.** The same generator with `BENCH_HANDLERS`
//!    handlers (default 200), both variants, in the dev profile: their
//!    dependencies are built first, then each crate alone is built from clean
//!    (`cargo clean -p`, no incremental cache), in turns, `BENCH_BUILD_ROUNDS`
//!    times (default 5); the fastest of each is reported, as the build least
//!    disturbed by the rest of the machine. (The MCP variant also derives
//!    `JsonSchema` on its two argument types, as a user would.)
//!
//! ```sh
//! cargo bench -p mcp-tests --bench scale
//! BENCH_ONLY=memory cargo bench -p mcp-tests --bench scale
//! ```
//!
//! `BENCH_ONLY` is `memory`, `startup` or `build`. The first run builds the
//! generated crates' dependencies twice (dev and release) into
//! `target/bench-scale/target`, a few minutes on two cores. It is a
//! measurement, not a test: it exits 0 whatever the numbers, and is skipped
//! when run without `--bench`.

mod common;

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer};
use common::*;
use mcp_runtime::store::InMemorySessionStore;

fn main() {
    if std::env::var("BENCH_SCALE_ROLE").as_deref() == Ok("server") {
        return serve();
    }
    if !std::env::args().any(|a| a == "--bench") {
        println!("scale: a measurement, skipped without --bench");
        return;
    }
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    if runs("memory") {
        memory();
    }
    if runs("startup") {
        startup();
    }
    if runs("build") {
        build_cost();
    }
}

// --- Memory per idle session -------------------------------------------------

/// The server process of the memory row: the benchmarks' app with room for
/// every session the row opens.
fn serve() {
    let sessions = env_usize("BENCH_SESSIONS", 10_000);
    actix_web::rt::System::new().block_on(async move {
        let store = InMemorySessionStore::new(Duration::from_secs(3600), sessions + 1000)
            .per_client(sessions + 1000);
        let mcp = builder(false)
            .session_store(store)
            .build()
            .expect("registry builds");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let server = HttpServer::new(move || {
            mcp.app(App::new().service(bench_echo).service(mcp.scope("/mcp")))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        println!("{addr}");
        server.await.expect("server runs");
    });
}

fn memory() {
    let sessions = env_usize("BENCH_SESSIONS", 10_000);
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .env("BENCH_SCALE_ROLE", "server")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("the server's address");
    let addr = line.trim().parse().expect("an address");
    let pid = child.id();

    // Warm up: the first sessions and requests allocate what every later
    // one reuses (the worker's buffers, the store's first table).
    let mut warm = Row::new(
        "warm",
        Kind::Handshake {
            sse: false,
            store: Store::Memory,
        },
        addr,
    );
    for _ in 0..200 {
        warm.initialize();
    }
    let mut rest = Row::new("REST", Kind::Rest, addr);
    for _ in 0..200 {
        let (_, reply, id) = rest.send();
        rest.check(&reply, id);
    }
    let before_rest = rss_kib(pid);
    for _ in 0..sessions {
        let (_, reply, id) = rest.send();
        rest.check(&reply, id);
    }
    let after_rest = rss_kib(pid);
    for _ in 0..sessions {
        warm.initialize();
    }
    let after_sessions = rss_kib(pid);
    stop(child);

    println!("\n## Memory per idle session ({sessions} sessions, server process VmRSS)\n");
    println!("| traffic | VmRSS before KiB | after KiB | per request or session |");
    println!("|---|--:|--:|--:|");
    let per = |from: u64, to: u64| (to.saturating_sub(from) as f64 * 1024.0) / sessions as f64;
    println!(
        "| {sessions} REST requests | {before_rest} | {after_rest} | {:.0} B |",
        per(before_rest, after_rest)
    );
    println!(
        "| {sessions} sessions opened and left idle | {after_rest} | {after_sessions} | {:.0} B |",
        per(after_rest, after_sessions)
    );
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn stop(mut child: Child) {
    child.kill().expect("stop the server");
    child.wait().expect("the server ends");
}

// --- Generated crates ---------------------------------------------------------

/// A generated crate: `handlers` handlers, as tools (`mcp`) or plain REST.
struct Generated {
    name: String,
    dir: PathBuf,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

fn scale_dir() -> PathBuf {
    workspace().join("target/bench-scale")
}

impl Generated {
    fn write(handlers: usize, mcp: bool) -> Generated {
        let name = format!("scale-{handlers}-{}", if mcp { "mcp" } else { "rest" });
        let dir = scale_dir().join(&name);
        std::fs::create_dir_all(dir.join("src")).expect("create the crate's folder");
        let root = workspace();
        let manifest = format!(
            r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
mcp-runtime = {{ path = "{runtime}" }}
actix-web = {{ version = "4.18", default-features = false, features = ["macros"] }}
serde = {{ version = "1", features = ["derive"] }}
schemars = "1"
"#,
            runtime = root.join("mcp-runtime").display(),
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        // The workspace's lock: the same versions as every other build.
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
        write_if_changed(&dir.join("src/main.rs"), &source(handlers, mcp));
        Generated { name, dir }
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args(args)
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", scale_dir().join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .stdout(Stdio::null());
        cmd
    }

    fn build(&self, release: bool) -> Duration {
        let mut args = vec!["build", "--quiet"];
        if release {
            args.push("--release");
        }
        let start = Instant::now();
        let status = self.cargo(&args).status().expect("run cargo");
        assert!(status.success(), "cargo build of {} failed", self.name);
        start.elapsed()
    }

    fn clean(&self) {
        let status = self
            .cargo(&["clean", "--quiet", "-p", &self.name])
            .status()
            .expect("run cargo");
        assert!(status.success(), "cargo clean -p {} failed", self.name);
    }

    fn binary(&self, release: bool) -> PathBuf {
        let profile = if release { "release" } else { "debug" };
        scale_dir().join("target").join(profile).join(&self.name)
    }
}

/// Leaves the file (and its modification time) alone when it already says
/// this, so cargo does not rebuild for nothing.
fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write a generated file");
    }
}

/// The crate's `main.rs`: `handlers` handlers, each `POST /things/{id}/opN`
/// with a JSON body; with `mcp`, each is a tool and MCP is mounted at `/mcp`.
/// The binary prints the time from its start to listening, then its URL.
fn source(handlers: usize, mcp: bool) -> String {
    let mut s = String::new();
    let schema = if mcp { ", schemars::JsonSchema" } else { "" };
    writeln!(
        s,
        "use actix_web::{{App, HttpServer, post, web}};\n\
         use serde::{{Deserialize, Serialize}};\n\n\
         #[derive(Deserialize{schema})]\n\
         struct Input {{\n    /// What to call it.\n    name: String,\n    count: Option<u32>,\n}}\n\n\
         #[derive(Serialize{schema})]\n\
         struct Output {{\n    id: u64,\n    op: u32,\n    name: String,\n    count: u32,\n}}\n"
    )
    .unwrap();
    for i in 0..handlers {
        let attr = if mcp {
            "#[mcp_runtime::mcp_tool]\n"
        } else {
            ""
        };
        writeln!(
            s,
            "/// Operation {i} on one thing.\n{attr}#[post(\"/things/{{id}}/op{i}\")]\n\
             async fn op{i}(id: web::Path<u64>, body: web::Json<Input>) -> web::Json<Output> {{\n    \
             let body = body.into_inner();\n    \
             web::Json(Output {{ id: id.into_inner(), op: {i}, name: body.name, count: body.count.unwrap_or(0) }})\n}}\n"
        )
        .unwrap();
    }
    s.push_str("fn routes(cfg: &mut web::ServiceConfig) {\n");
    for i in 0..handlers {
        writeln!(s, "    cfg.service(op{i});").unwrap();
    }
    s.push_str("}\n\n");
    let (build, app) = if mcp {
        (
            "let mcp = mcp_runtime::McpServer::from_registry().build().expect(\"registry builds\");\n        \
             let first = std::env::var_os(\"MOUNT_LAST\").is_none();\n        ",
            "mcp.app(if first {\n                \
             App::new().service(mcp.scope(\"/mcp\")).configure(routes)\n            \
             } else {\n                \
             App::new().configure(routes).service(mcp.scope(\"/mcp\"))\n            \
             })",
        )
    } else {
        ("", "App::new().configure(routes)")
    };
    write!(
        s,
        "fn main() -> std::io::Result<()> {{\n    \
         let start = std::time::Instant::now();\n    \
         actix_web::rt::System::new().block_on(async move {{\n        \
         {build}let listener = std::net::TcpListener::bind(\"127.0.0.1:0\")?;\n        \
         let addr = listener.local_addr()?;\n        \
         let server = HttpServer::new(move || {app})\n            \
         .workers(1)\n            .listen(listener)?\n            .run();\n        \
         println!(\"{{}}\", start.elapsed().as_micros());\n        \
         println!(\"{{addr}}\");\n        \
         server.await\n    }})\n}}\n"
    )
    .unwrap();
    s
}

// --- Start-up with 1,000 tools -----------------------------------------------

fn startup() {
    let tools = env_usize("BENCH_TOOLS", 1000);
    let variants = [
        Generated::write(tools, false),
        Generated::write(tools, true),
    ];
    println!("\n(building the {tools}-handler crates in release…)");
    for v in &variants {
        v.build(true);
    }
    println!("\n## Start-up with {tools} handlers (release, median of 5 starts)\n");
    println!("| binary | to listening ms | to first answer ms |");
    println!("|---|--:|--:|");
    // The MCP binary twice: its endpoint mounted before the routes, as the
    // README advises, and after them (`MOUNT_LAST`), where each MCP request
    // tries every route first.
    let rows = [
        (&variants[0], false, false),
        (&variants[1], true, false),
        (&variants[1], true, true),
    ];
    for (v, mcp, last) in rows {
        let mut listening = Vec::new();
        let mut answered = Vec::new();
        for _ in 0..5 {
            let (l, a) = start_once(&v.binary(true), mcp, last, tools);
            listening.push(l);
            answered.push(a);
        }
        let label = match (mcp, last) {
            (false, _) => format!("{tools} REST handlers: first `POST /things/1/op0`"),
            (true, false) => format!(
                "{tools} tools (`#[mcp_tool]`, MCP at /mcp mounted first): first `tools/list`"
            ),
            (true, true) => {
                format!("{tools} tools, MCP mounted after the {tools} routes: first `tools/list`")
            }
        };
        println!(
            "| {label} | {:.1} | {:.1} |",
            ms(median(&mut listening)),
            ms(median(&mut answered))
        );
    }
}

/// Starts the binary (its endpoint mounted after its routes if `last`),
/// waits for its first answer; returns its own time to listening and the
/// time from spawning it to that answer.
fn start_once(binary: &Path, mcp: bool, last: bool, tools: usize) -> (Duration, Duration) {
    let mut command = Command::new(binary);
    if last {
        command.env("MOUNT_LAST", "1");
    }
    let spawned = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("time to listening");
    let listening = Duration::from_micros(line.trim().parse().expect("microseconds"));
    line.clear();
    out.read_line(&mut line).expect("address");
    let addr = line.trim().parse().expect("an address");
    // Timed to the answer's last byte; checked after (reading a list of
    // 1,000 tools into a `Value` is the client's work, not the server's).
    if mcp {
        let mut row = Row::new("tools/list", Kind::List { many: false }, addr);
        let (_, reply, _) = row.send();
        let answered = spawned.elapsed();
        stop(child);
        let list: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
        let listed = list["result"]["tools"].as_array().map_or(0, Vec::len);
        assert!(listed > 0, "tools listed");
        // One page or more: the first page is what a client waits for.
        assert!(listed <= tools);
        (listening, answered)
    } else {
        let mut conn = Conn::open(addr);
        let reply = conn.exchange(
            "POST",
            "/things/1/op0",
            &[("Content-Type", "application/json")],
            br#"{"name":"x"}"#,
        );
        let answered = spawned.elapsed();
        stop(child);
        assert_eq!(reply.status, 200, "{}", text(&reply.body));
        (listening, answered)
    }
}

// --- The macro's build cost ---------------------------------------------------

fn build_cost() {
    let handlers = env_usize("BENCH_HANDLERS", 200);
    let variants = [
        Generated::write(handlers, false),
        Generated::write(handlers, true),
    ];
    println!("\n(building the {handlers}-handler crates' dependencies…)");
    for v in &variants {
        v.build(false);
    }
    let rounds = env_usize("BENCH_BUILD_ROUNDS", 5).max(1);
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (v, t) in variants.iter().zip(&mut times) {
            v.clean();
            t.push(v.build(false));
        }
    }
    let fastest = |t: &[Duration]| t.iter().min().copied().expect("a build");
    let (rest, mcp) = (fastest(&times[0]), fastest(&times[1]));
    println!(
        "\n## Clean build of a crate with {handlers} handlers (dev profile, dependencies built, fastest of {rounds})\n"
    );
    println!("| crate | build s | × plain |");
    println!("|---|--:|--:|");
    println!(
        "| plain actix handlers | {:.2} | 1.00 |",
        rest.as_secs_f64()
    );
    println!(
        "| the same with `#[mcp_tool]` | {:.2} | {:.2} |",
        mcp.as_secs_f64(),
        mcp.as_secs_f64() / rest.as_secs_f64()
    );
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
