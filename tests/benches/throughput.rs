//! Throughput of an MCP tool call next to the same handler called as plain
//! REST, many calls in flight, in one run on one server.
//!
//! The server is the latency benchmark's (`common`: one actix worker, the
//! handler `GET /bench/echo/{word}` as a REST route and as the tool
//! `bench_echo`, MCP at `/mcp` and, answering every call as an SSE stream,
//! at `/mcp-sse`). The load generator keeps `BENCH_CONNS` keep-alive
//! connections busy (default 16), one thread per connection, each sending
//! its next request as soon as the last is answered, for `BENCH_SECS`
//! seconds per row and round (default 2); the rows take turns for
//! `BENCH_ROUNDS` rounds (default 3), and each figure is the median of the
//! rounds. Rows: REST; `tools/call` in a session (JSON, then SSE); the
//! stateless 2026-07-28 `tools/call`; `tools/list` in a session, each
//! list beside a REST response of the same number of bytes (a static
//! body, `GET /bench/bytes/{len}`). Every answer is checked.
//!
//! **Server CPU per call** is the process's CPU time (`getrusage`) minus
//! the load generator's threads' own (`getrusage` per thread), divided by
//! the calls answered, and split into user space (the server's code) and
//! the kernel (sockets, waking the load generator's threads); the load
//! generator's CPU per call is printed too: on a machine this small it
//! shares the CPUs with the server, and when it uses more than the server,
//! it is what limits calls/s. The kernel's share per call grows when the
//! server is the slower side: each answer then wakes a load thread (and its
//! CPU) from idle, which on a VM costs several microseconds; `user × REST`
//! compares the server's own work alone.
//!
//! ```sh
//! cargo bench -p mcp-tests --bench throughput
//! BENCH_PIN=split BENCH_CONNS=32 BENCH_SECS=5 cargo bench -p mcp-tests --bench throughput
//! ```
//!
//! `BENCH_PIN=split` pins the load generator to CPU 0 and the server to
//! CPU 1; `BENCH_ONLY=<text>` keeps REST and the rows whose name contains
//! the text (e.g. to profile one). A measurement, not a test: it exits 0 whatever the numbers, and
//! is skipped when run without `--bench`.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;

/// One row's connections, and what it measured in each round.
struct Row {
    name: &'static str,
    conns: Vec<common::Row>,
    rounds: Vec<Round>,
    latencies: Vec<u32>,
}

/// One round of one row.
struct Round {
    calls: usize,
    seconds: f64,
    server_cpu: Cpu,
    client_cpu: Duration,
}

/// Runs `row` for `secs` seconds, every connection busy.
fn round(row: &mut Row, secs: Duration) {
    let cpu_before = Cpu::process();
    let started = Instant::now();
    let deadline = started + secs;
    let results: Vec<(usize, Vec<u32>, Cpu)> = std::thread::scope(|scope| {
        let workers: Vec<_> = row
            .conns
            .iter_mut()
            .map(|conn| {
                scope.spawn(move || {
                    let cpu = Cpu::thread();
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let (took, reply, id) = conn.send();
                        conn.check(&reply, id);
                        latencies.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
                    }
                    (latencies.len(), latencies, Cpu::thread() - cpu)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a load thread"))
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let process = Cpu::process() - cpu_before;
    let client_cpu: Cpu = results.iter().map(|(_, _, cpu)| *cpu).sum();
    let calls = results.iter().map(|(n, _, _)| n).sum();
    for (_, latencies, _) in results {
        row.latencies.extend(latencies);
    }
    row.rounds.push(Round {
        calls,
        seconds,
        server_cpu: process - client_cpu,
        client_cpu: client_cpu.total(),
    });
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    let at = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    f64::from(sorted[at])
}

/// The rows; the peer's (rmcp's own server at `peer`) when built with the
/// feature `rmcp-peer`.
fn rows(addr: SocketAddr, peer: Option<SocketAddr>, conns: usize) -> Vec<Row> {
    let mut kinds = CALL_ROWS.to_vec();
    // Each list, and beside it a REST response of the list's size: what
    // serving those bytes costs without MCP.
    for (name, many) in [
        ("MCP tools/list, the app's tools", false),
        ("MCP tools/list, 200 tools", true),
    ] {
        let kind = Kind::List { many };
        let (_, reply, _) = common::Row::new(name, kind, addr).send();
        let len = reply.body.len();
        kinds.push((name, kind));
        let rest = format!("REST GET of as many bytes as {name} ({len} B)");
        kinds.push((Box::leak(rest.into_boxed_str()), Kind::Bytes { len }));
    }
    if peer.is_some() {
        kinds.push(("peer: rmcp 3.11 #[tool] tools/call (SSE)", Kind::Peer));
    }
    // `BENCH_ONLY=<text>`: the REST rows and the rows whose name contains it (to
    // profile one row).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    kinds
        .into_iter()
        .filter(|(name, kind)| {
            matches!(kind, Kind::Rest | Kind::RestPost) || name.contains(only.as_str())
        })
        .map(|(name, kind)| Row {
            name,
            conns: (0..conns)
                .map(|_| {
                    let to = match kind {
                        Kind::Peer => peer.expect("the peer runs"),
                        _ => addr,
                    };
                    common::Row::new(name, kind, to)
                })
                .collect(),
            rounds: Vec::new(),
            latencies: Vec::new(),
        })
        .collect()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "throughput: a benchmark; run it with `cargo bench -p mcp-tests --bench throughput`"
        );
        return;
    }
    let conns = env_usize("BENCH_CONNS", 16).max(1);
    let secs = Duration::from_secs(env_usize("BENCH_SECS", 2).max(1) as u64);
    let rounds = env_usize("BENCH_ROUNDS", 3).max(1);
    let pin = Pin::from_env();
    let addr = start_server(true, pin, None);
    #[cfg(feature = "rmcp-peer")]
    let peer = Some(common::peer::start(pin));
    #[cfg(not(feature = "rmcp-peer"))]
    let peer = None;
    if pin != Pin::No {
        pin_to(0);
    }
    let mut rows = rows(addr, peer, conns);
    // Warm-up: a short round of each, not counted.
    for row in &mut rows {
        round(row, Duration::from_millis(300));
        row.rounds.clear();
        row.latencies.clear();
    }
    for _ in 0..rounds {
        for row in &mut rows {
            round(row, secs);
        }
    }

    println!();
    println!(
        "{conns} connections busy per row, {rounds} round(s) of {} s per row taking turns \
         (medians of the rounds), loopback, {}, one server worker",
        secs.as_secs(),
        pin.describe()
    );
    println!(
        "| request | calls/s | p50 µs | p99 µs | server CPU µs/call | of it user | of it kernel | load CPU µs/call | calls/s × REST | CPU × REST | user × REST |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let per_call = |row: &Row, cpu: fn(&Round) -> Duration| {
        median(
            row.rounds
                .iter()
                .map(|r| cpu(r).as_secs_f64() * 1e6 / r.calls.max(1) as f64)
                .collect(),
        )
    };
    let rate = |row: &Row| {
        median(
            row.rounds
                .iter()
                .map(|r| r.calls as f64 / r.seconds)
                .collect(),
        )
    };
    let server = |row: &Row| per_call(row, |r| r.server_cpu.total());
    let user = |row: &Row| per_call(row, |r| r.server_cpu.user);
    let (rest_rate, rest_cpu, rest_user) = (rate(&rows[0]), server(&rows[0]), user(&rows[0]));
    for row in &mut rows {
        row.latencies.sort_unstable();
        let (calls, cpu, user) = (rate(row), server(row), user(row));
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} |",
            row.name,
            calls,
            percentile(&row.latencies, 0.5),
            percentile(&row.latencies, 0.99),
            cpu,
            user,
            per_call(row, |r| r.server_cpu.system),
            per_call(row, |r| r.client_cpu),
            calls / rest_rate,
            cpu / rest_cpu,
            user / rest_user,
        );
    }
}
