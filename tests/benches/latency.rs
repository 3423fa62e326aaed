//! Latency and CPU cost of an MCP tool call next to the same handler called
//! as plain REST, in one run on one server.
//!
//! One actix `HttpServer` (one worker, on its own thread and actix system)
//! serves a tiny handler, `GET /bench/echo/{word}`, both as a REST route and
//! as the MCP tool `bench_echo`; MCP is mounted twice, at `/mcp` (answers in
//! JSON when it can) and at `/mcp-sse` (built with `always_stream`, so every
//! call is answered as an SSE stream). The client, on the main thread, sends
//! raw HTTP/1.1 over one keep-alive TCP connection per row (`TCP_NODELAY`),
//! one request in flight, and times each request from its first byte
//! written to the last byte of its response read (for SSE, the terminating
//! chunk of the stream). Rows:
//!
//! 1. `REST GET /bench/echo/hi`: plain actix, the baseline;
//! 2. `tools/call` in a 2025-11-25 session, answered in JSON;
//! 3. the same answered as an SSE stream (a priming event, then the result);
//! 4. and 5. `tools/call` in the stateless 2026-07-28 revision (no session,
//!    `_meta` and the `Mcp-Method`/`Mcp-Name` headers), JSON and SSE;
//! 6. row 2 with its session in Redis (`store::redis`, mounted at
//!    `/mcp-redis`: a `redis-server` on loopback, which `scripts/peers redis`
//!    unpacks; its own CPU is not counted), and 7. the same with the
//!    session cached in the replica (`RedisSessionStore::cached`, at
//!    `/mcp-redis-cached`). `BENCH_REDIS=0` leaves both out.
//!
//! Each row is warmed up (`BENCH_WARMUP` requests, default 500), then
//! `BENCH_N` requests (default 5000) of each are timed, the rows taking
//! turns in batches of 100 so that a change in the machine's load over the
//! run weighs on every row alike. Every response is checked (status 200,
//! the tool result is `hi`, SSE answers primed where the revision says so);
//! a wrong one panics.
//!
//! **CPU per request** is the server's: client and server share this
//! process, so it is the process's CPU time (`getrusage(RUSAGE_SELF)`, user +
//! system) minus the client thread's own (`getrusage(RUSAGE_THREAD)`), over
//! the timed requests. It covers every server thread (the worker, and the
//! acceptor and system threads, idle here) and the kernel's work charged to
//! them, not the client's; it is printed whole and split into user space
//! (the server's own code) and the kernel (sockets, waking the client), with
//! `user × REST` comparing the server's own work alone.
//!
//! ```sh
//! cargo bench -p mcp-tests --bench latency
//! BENCH_N=20000 BENCH_PIN=split cargo bench -p mcp-tests --bench latency
//! ```
//!
//! `BENCH_PIN=split` pins the client thread to CPU 0 and the server's
//! threads to CPU 1, `BENCH_PIN=same` all of them to CPU 0; by default the
//! scheduler places them, and on a small machine results then differ from
//! run to run with where it puts them (a wake-up across CPUs costs more).
//!
//! The server is configured as the README and the examples say, with
//! `HttpServer::tcp_nodelay(true)`. `BENCH_SERVER_NODELAY=0` leaves actix's
//! default (Nagle's algorithm on): these rows' answers each leave in one
//! write (a call done by the time its response is returned, JSON or SSE),
//! so they read the same; a stream that stays open is written event by
//! event, where Nagle's algorithm would hold an event back for the
//! client's delayed ACK of the one before.
//!
//! It is a measurement, not a test: it exits 0 whatever the numbers, and is
//! skipped (it prints why) when run without `--bench`, e.g. by
//! `cargo test --all-targets`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mcp_tests::redis::RedisServer;

struct Measured {
    name: &'static str,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    per_second: f64,
    server_cpu: Cpu,
    client_cpu: Duration,
}

/// What a row has measured so far.
#[derive(Default)]
struct Totals {
    latencies: Vec<Duration>,
    wall: Duration,
    server_cpu: Cpu,
    client_cpu: Duration,
}

/// Times `count` requests of `row` into `totals`.
fn batch(row: &mut Row, count: usize, totals: &mut Totals) {
    let mut replies = Vec::with_capacity(count);
    let (process0, client0) = (Cpu::process(), Cpu::thread());
    let start = Instant::now();
    for _ in 0..count {
        let (latency, reply, id) = row.send();
        totals.latencies.push(latency);
        replies.push((reply, id));
    }
    let wall = start.elapsed();
    let (process1, client1) = (Cpu::process(), Cpu::thread());
    // Checked after the clocks stopped, so parsing costs nothing measured.
    for (reply, id) in &replies {
        row.check(reply, *id);
    }
    let client = client1 - client0;
    totals.wall += wall;
    totals.client_cpu += client.total();
    totals.server_cpu = totals.server_cpu + (process1 - process0 - client);
}

/// Warms every row up, then times `n` requests of each, in rounds of
/// `BATCH` per row in turn, so that a change in the machine's load (or
/// clock) over the run weighs on every row alike.
fn measure(mut rows: Vec<Row>, warmup: usize, n: usize) -> Vec<Measured> {
    const BATCH: usize = 100;
    for row in &mut rows {
        for _ in 0..warmup {
            let (_, reply, id) = row.send();
            row.check(&reply, id);
        }
    }
    let mut totals: Vec<Totals> = rows.iter().map(|_| Totals::default()).collect();
    let mut done = 0;
    let mut round = 0;
    while done < n {
        let count = BATCH.min(n - done);
        for k in 0..rows.len() {
            // Each round starts with another row.
            let i = (round + k) % rows.len();
            batch(&mut rows[i], count, &mut totals[i]);
        }
        done += count;
        round += 1;
    }
    rows.iter()
        .zip(totals)
        .map(|(row, mut t)| {
            t.latencies.sort();
            let at = |q: usize| t.latencies[(n * q / 100).min(n - 1)];
            Measured {
                name: row.name,
                p50: at(50),
                p90: at(90),
                p99: at(99),
                per_second: n as f64 / t.wall.as_secs_f64(),
                server_cpu: Cpu {
                    user: t.server_cpu.user / n as u32,
                    system: t.server_cpu.system / n as u32,
                },
                client_cpu: t.client_cpu / n as u32,
            }
        })
        .collect()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("latency: a benchmark; run it with `cargo bench -p mcp-tests --bench latency`");
        return;
    }
    let n = env_usize("BENCH_N", 5000).max(1);
    let warmup = env_usize("BENCH_WARMUP", 500);
    let nodelay = std::env::var_os("BENCH_SERVER_NODELAY").is_none_or(|v| v != "0");
    let pin = Pin::from_env();
    let redis = std::env::var_os("BENCH_REDIS")
        .is_none_or(|v| v != "0")
        .then(RedisServer::start);
    let addr = start_server(nodelay, pin, redis.as_ref().map(RedisServer::url));
    if pin != Pin::No {
        pin_to(0);
    }
    let mut rows = CALL_ROWS.to_vec();
    rows.push((
        "MCP tools/call 2026-07-28 (stateless), SSE answer",
        Kind::Stateless { sse: true },
    ));
    if redis.is_some() {
        rows.push((
            "MCP tools/call, JSON answer, session in Redis",
            Kind::Handshake {
                sse: false,
                store: Store::Redis,
            },
        ));
        rows.push((
            "MCP tools/call, JSON answer, session in Redis, cached",
            Kind::Handshake {
                sse: false,
                store: Store::RedisCached,
            },
        ));
    }
    let rows = rows
        .into_iter()
        .map(|(name, kind)| Row::new(name, kind, addr))
        .collect();
    let results = measure(rows, warmup, n);

    println!();
    println!(
        "{n} sequential requests per row after {warmup} warm-up, rows interleaved in batches \
         of 100, one keep-alive connection per row, loopback, {}; server TCP_NODELAY: {}",
        pin.describe(),
        if nodelay {
            "on (`HttpServer::tcp_nodelay(true)`)"
        } else {
            "off (actix's default)"
        }
    );
    println!(
        "CPU µs/req: the server's (process CPU minus the client thread's), and of it in user \
         space (the server's own code) and in the kernel (sockets, wake-ups)."
    );
    println!();
    println!(
        "| request | p50 µs | p90 µs | p99 µs | req/s | CPU µs/req | of it user | of it kernel \
         | p50 × REST | CPU × REST | user × REST |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rest = &results[0];
    for m in &results {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2} |",
            m.name,
            micros(m.p50),
            micros(m.p90),
            micros(m.p99),
            m.per_second,
            micros(m.server_cpu.total()),
            micros(m.server_cpu.user),
            micros(m.server_cpu.system),
            micros(m.p50) / micros(rest.p50),
            micros(m.server_cpu.total()) / micros(rest.server_cpu.total()),
            micros(m.server_cpu.user) / micros(rest.server_cpu.user),
        );
    }
    println!();
    for m in &results {
        println!("client CPU µs/req, {}: {:.1}", m.name, micros(m.client_cpu));
    }
    // (Found by its name: the rows before it have changed over time.)
    let sse = results
        .iter()
        .find(|m| m.name == "MCP tools/call, SSE answer")
        .expect("the session's SSE row");
    println!();
    println!(
        "SSE tools/call p50: {:.1} µs (sub-millisecond: {})",
        micros(sse.p50),
        if sse.p50 < Duration::from_millis(1) {
            "yes"
        } else {
            "no"
        }
    );
}
