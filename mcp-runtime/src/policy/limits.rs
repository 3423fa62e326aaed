//! Every limit the server enforces, with its default: [`Limits`], given to
//! [`McpServerBuilder::limits`](crate::McpServerBuilder::limits). The
//! README's SECURITY section lists them all.
//!
//! The defaults bound what one client can make the server hold or do:
//!
//! | limit | default | refused with |
//! |---|---|---|
//! | request body | 4 MiB | 413, `-32600` |
//! | request body, idle between chunks / in total | 10 s / 30 s | 408, `-32000` |
//! | request headers, in total | 16 KiB | 431, `-32000` |
//! | JSON-RPC batch (2025-03-26 only): messages / response bytes | 32 / 16 MiB | 400 `-32600` / the rest answered `-32000` |
//! | calls in flight per session | 32 | 429 with `Retry-After`, `-32000` |
//! | a handler's running time | 300 s | a tool error (`isError`) |
//! | a handler's response body | 16 MiB | a tool error |
//! | client information stored per session (as parsed) | 16 KiB | `-32602` on `initialize` |
//! | sessions (in-memory store) | 10 000 | 503 with `Retry-After` |
//! | open streams per session | 33 (calls in flight + 1) | 429, `-32000` |
//! | events kept per stream / bytes | 256 / 1 MiB | the handler waits (backpressure) |
//! | waiting for a client's answer (sampling, elicitation) | 120 s | an error value in the handler |
//! | resource subscriptions per session | 64 | `-32600` on `resources/subscribe` |
//! | `subscriptions/listen` streams, in all / per client | 1 000 / 100 | 429 with `Retry-After`, `-32000` |

use std::time::Duration;

/// Sizes and durations the server enforces, each with a safe default;
/// change the ones you need, as with actix's `JsonConfig`.
///
/// | setting | default | over it |
/// |---|---|---|
/// | [`max_request_size`](Self::max_request_size) | 4 MiB | 413 |
/// | [`body_timeouts`](Self::body_timeouts) | 10 s idle, 30 s in all | 408 |
/// | [`max_header_size`](Self::max_header_size) | 16 KiB | 431 |
/// | [`batch_limits`](Self::batch_limits) | 32 messages, 16 MiB of replies | 400 / `-32000` per reply |
/// | [`max_in_flight`](Self::max_in_flight) | 32 calls per session | 429 with `Retry-After` |
/// | [`tool_timeout`](Self::tool_timeout) | 300 s | a tool error |
/// | [`max_response_size`](Self::max_response_size) | 16 MiB per handler response | a tool error |
/// | [`max_session_size`](Self::max_session_size) | 16 KiB of client information | `-32602` on `initialize` |
/// | [`answer_timeout`](Self::answer_timeout) | 120 s for a client's answer | an error value in the handler |
/// | [`listeners`](Self::listeners) | 1 000 listen streams, 100 per client | 429 with `Retry-After` |
/// | [`max_tasks_per_client`](Self::max_tasks_per_client) | 100 running tasks per client | `-32000` on the call that would start one |
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::{McpServer, config::Limits};
///
/// let mcp = McpServer::builder()
///     .limits(
///         Limits::default()
///             .max_request_size(1 << 20)
///             .tool_timeout(Duration::from_secs(30)),
///     )
///     .build()
///     .unwrap();
/// ```
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Limits {
    pub(crate) max_request_bytes: usize,
    pub(crate) body_idle_timeout: Duration,
    pub(crate) body_total_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_batch_len: usize,
    pub(crate) max_batch_response_bytes: usize,
    pub(crate) max_in_flight_per_session: usize,
    pub(crate) tool_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_session_bytes: usize,
    pub(crate) answer_timeout: Duration,
    pub(crate) max_subscriptions_per_session: usize,
    pub(crate) max_listeners: usize,
    pub(crate) max_listeners_per_client: usize,
    pub(crate) max_tasks_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 4 * 1024 * 1024,
            body_idle_timeout: Duration::from_secs(10),
            body_total_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            max_batch_len: 32,
            max_batch_response_bytes: 16 * 1024 * 1024,
            max_in_flight_per_session: 32,
            tool_timeout: Duration::from_secs(300),
            max_response_bytes: 16 * 1024 * 1024,
            max_session_bytes: 16 * 1024,
            answer_timeout: Duration::from_secs(120),
            max_subscriptions_per_session: 64,
            max_listeners: 1000,
            max_listeners_per_client: 100,
            max_tasks_per_client: 100,
        }
    }
}

impl Limits {
    /// Largest accepted request body (default 4 MiB); larger ones get 413.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// How long a request body may stall between chunks, and take in all,
    /// before the request is answered 408 (defaults 10 s and 30 s): a client
    /// that stops sending cannot hold a connection (or shutdown) forever.
    pub fn body_timeouts(mut self, idle: Duration, total: Duration) -> Self {
        self.body_idle_timeout = idle;
        self.body_total_timeout = total;
        self
    }

    /// Largest request headers, all together (default 16 KiB); larger ones
    /// get 431.
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// Most messages in a JSON-RPC batch (default 32; batches exist only in
    /// protocol 2025-03-26), and most bytes of its combined response
    /// (default 16 MiB): requests past that answer with an error instead.
    pub fn batch_limits(mut self, messages: usize, response_bytes: usize) -> Self {
        self.max_batch_len = messages.max(1);
        self.max_batch_response_bytes = response_bytes;
        self
    }

    /// Most calls a session may have in flight at once (default 32); more
    /// get 429 with `Retry-After`. A session may hold one stream per call in
    /// flight, plus its standalone stream.
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.max_in_flight_per_session = calls.max(1);
        self
    }

    /// Longest a handler may run (default 300 s): then it is stopped and the
    /// call answers with a tool error saying so.
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = timeout;
        self
    }

    /// Largest handler response turned into a tool result (default 16 MiB);
    /// larger ones become a tool error.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Largest client information (`initialize` parameters) a session may
    /// store (default 16 KiB), counted as the memory it takes once parsed
    /// (at least its JSON bytes: many tiny members take far more than their
    /// text); larger `initialize`s are refused with `-32602`.
    pub fn max_session_size(mut self, bytes: usize) -> Self {
        self.max_session_bytes = bytes;
        self
    }

    /// How long a handler waits for the client to answer a sampling or
    /// elicitation request (default 120 s).
    pub fn answer_timeout(mut self, timeout: Duration) -> Self {
        self.answer_timeout = timeout;
        self
    }

    /// Most `subscriptions/listen` streams open at once (2026-07-28;
    /// default 1 000), and most of them one client may hold (default 100; a
    /// client is its credentials, else its address), so one client cannot
    /// lock everyone else out. Past either, 429 with `Retry-After`.
    pub fn listeners(mut self, in_all: usize, per_client: usize) -> Self {
        self.max_listeners = in_all;
        self.max_listeners_per_client = per_client.max(1);
        self
    }

    /// Most tasks one client may have running at once in this process
    /// (default 100; a client is its credentials, else its address), so one
    /// client cannot fill the server with work; past it, the call that
    /// would start one is refused (`-32000`). The task store's capacity
    /// bounds all of them together.
    pub fn max_tasks_per_client(mut self, tasks: usize) -> Self {
        self.max_tasks_per_client = tasks.max(1);
        self
    }

    /// Streams a session may have open at once: one per call in flight,
    /// plus the standalone stream.
    pub(crate) fn max_streams_per_session(&self) -> usize {
        self.max_in_flight_per_session + 1
    }
}

/// An upper estimate of the heap a JSON value takes once parsed, which is
/// what a session keeps of the client's `initialize` parameters: a value
/// made of many tiny members (`{"k1":{},"k2":{},…}`) takes ten times its
/// JSON bytes in maps, strings and allocator overhead, so the JSON length
/// alone would not bound a session's memory.
pub(crate) fn parsed_footprint(value: &serde_json::Value) -> usize {
    use serde_json::Value;
    /// One value slot (`serde_json::Value` or a typed field in its place).
    const SLOT: usize = 32;
    /// A map entry's share of its node, beside its key and value.
    const ENTRY: usize = 32;
    /// What an allocation of `n` bytes takes: malloc's header and rounding.
    fn heap(n: usize) -> usize {
        if n == 0 { 0 } else { n.div_ceil(16) * 16 + 16 }
    }
    SLOT + match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        Value::String(s) => heap(s.len()),
        Value::Array(items) => {
            heap(items.len() * SLOT) + items.iter().map(parsed_footprint).sum::<usize>()
        }
        Value::Object(members) => members
            .iter()
            .map(|(k, v)| ENTRY + SLOT + heap(k.len()) + parsed_footprint(v))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parsed_footprint;

    #[test]
    fn many_tiny_members_cost_more_than_their_json() {
        let small = json!({"name": "client", "version": "1.0"});
        assert!(
            parsed_footprint(&small) < 400,
            "{}",
            parsed_footprint(&small)
        );
        let tiny: serde_json::Map<_, _> = (0..1000).map(|i| (format!("k{i}"), json!({}))).collect();
        let tiny = serde_json::Value::Object(tiny);
        let json_len = tiny.to_string().len();
        assert!(parsed_footprint(&tiny) > 10 * json_len, "{json_len}");
    }
}
