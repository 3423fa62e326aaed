//! Every limit the server enforces, with its default. Each has a builder
//! method on [`McpServerBuilder`](crate::McpServerBuilder), and the README's
//! SECURITY section lists them all.
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
//! | `subscriptions/listen` streams, in all | 1 000 | 429 with `Retry-After`, `-32000` |

use std::time::Duration;

/// Sizes and durations the server enforces (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_request_bytes: usize,
    pub body_idle_timeout: Duration,
    pub body_total_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_batch_len: usize,
    pub max_batch_response_bytes: usize,
    pub max_in_flight_per_session: usize,
    pub tool_timeout: Duration,
    pub max_response_bytes: usize,
    pub max_session_bytes: usize,
    pub max_streams_per_session: usize,
    pub answer_timeout: Duration,
    pub max_subscriptions_per_session: usize,
    pub max_listeners: usize,
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
            // One per call in flight, plus the standalone stream.
            max_streams_per_session: 33,
            answer_timeout: Duration::from_secs(120),
            max_subscriptions_per_session: 64,
            max_listeners: 1000,
        }
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
