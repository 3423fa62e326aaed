//! Rate limits, per client and per tool (GCRA, from the `governor` crate),
//! kept in memory.
//!
//! A client is its IP address: the connection's peer by default, or, behind
//! a reverse proxy that sets it, the first address of `Forwarded` /
//! `X-Forwarded-For` (`McpServerBuilder::rate_limit_forwarded_clients`;
//! only trust it when the proxy overwrites those headers). A client over
//! its limit gets 429 with `Retry-After` before anything is read; a tool
//! over its limit answers its calls with 429 too.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

/// How many requests a client, or calls a tool, may make: a sustained rate
/// and a burst.
///
/// ```
/// use mcp_runtime::config::RateLimit;
/// use mcp_runtime::McpServer;
/// let server = McpServer::from_registry()
///     .rate_limit_per_client(RateLimit::per_second(20).burst(40))
///     .rate_limit_tool("send_email", RateLimit::per_minute(5))
///     .build();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    quota: Quota,
}

fn non_zero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl RateLimit {
    /// `n` per second (at least 1), bursts of `n`.
    pub fn per_second(n: u32) -> Self {
        RateLimit {
            quota: Quota::per_second(non_zero(n)),
        }
    }

    /// `n` per minute (at least 1), bursts of `n`.
    pub fn per_minute(n: u32) -> Self {
        RateLimit {
            quota: Quota::per_minute(non_zero(n)),
        }
    }

    /// Allows bursts of `n` (at least 1) above the sustained rate.
    pub fn burst(self, n: u32) -> Self {
        RateLimit {
            quota: self.quota.allow_burst(non_zero(n)),
        }
    }
}

/// Over a limit: when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited {
    pub retry_after: Duration,
}

/// Checks of a keyed limiter between two cleanups of idle keys.
const CLEANUP_EVERY: u64 = 4096;

/// The configured limits of one server.
#[derive(Default)]
pub(crate) struct RateLimits {
    per_client: Option<DefaultKeyedRateLimiter<IpAddr>>,
    forwarded: bool,
    per_tool: HashMap<String, DefaultDirectRateLimiter>,
    checks: AtomicU64,
}

impl RateLimits {
    pub(crate) fn per_client(&mut self, limit: RateLimit, forwarded: bool) {
        self.per_client = Some(DefaultKeyedRateLimiter::keyed(limit.quota));
        self.forwarded = forwarded;
    }

    pub(crate) fn per_tool(&mut self, tool: &str, limit: RateLimit) {
        self.per_tool.insert(
            tool.to_owned(),
            DefaultDirectRateLimiter::direct(limit.quota),
        );
    }

    /// The tools with a limit, to check their names at start-up.
    pub(crate) fn tools(&self) -> impl Iterator<Item = &str> {
        self.per_tool.keys().map(String::as_str)
    }

    fn client(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.forwarded
            && let Some(ip) = req.connection_info().realip_remote_addr().and_then(|a| {
                a.parse::<std::net::SocketAddr>()
                    .map(|s| s.ip())
                    .ok()
                    .or_else(|| a.parse().ok())
            })
        {
            return Some(ip);
        }
        req.peer_addr().map(|a| a.ip())
    }

    /// Counts one request of `req`'s client.
    pub(crate) fn check_client(&self, req: &HttpRequest) -> Result<(), Limited> {
        let (Some(limiter), Some(client)) = (&self.per_client, self.client(req)) else {
            return Ok(());
        };
        // Idle clients' state is dropped now and then: memory follows the
        // active clients, not every address ever seen.
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&client).map_err(|not_until| Limited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }

    /// Counts one call of `tool`.
    pub(crate) fn check_tool(&self, tool: &str) -> Result<(), Limited> {
        let Some(limiter) = self.per_tool.get(tool) else {
            return Ok(());
        };
        limiter.check().map_err(|not_until| Limited {
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn clients_are_limited_by_address() {
        let mut limits = RateLimits::default();
        limits.per_client(RateLimit::per_minute(2), false);
        let from = |ip: &str| {
            TestRequest::default()
                .peer_addr(format!("{ip}:1000").parse().unwrap())
                .to_http_request()
        };
        assert!(limits.check_client(&from("10.0.0.1")).is_ok());
        assert!(limits.check_client(&from("10.0.0.1")).is_ok());
        let limited = limits.check_client(&from("10.0.0.1")).unwrap_err();
        assert!(limited.retry_after > Duration::from_secs(20));
        assert!(
            limits.check_client(&from("10.0.0.2")).is_ok(),
            "another client"
        );
    }

    #[test]
    fn forwarded_clients_when_asked() {
        let mut limits = RateLimits::default();
        limits.per_client(RateLimit::per_minute(1), true);
        let via_proxy = |ip: &str| {
            TestRequest::default()
                .peer_addr("10.0.0.9:1000".parse().unwrap())
                .insert_header(("x-forwarded-for", ip))
                .to_http_request()
        };
        assert!(limits.check_client(&via_proxy("1.2.3.4")).is_ok());
        assert!(limits.check_client(&via_proxy("5.6.7.8")).is_ok());
        assert!(limits.check_client(&via_proxy("1.2.3.4")).is_err());
    }

    #[test]
    fn tools_are_limited_together() {
        let mut limits = RateLimits::default();
        limits.per_tool("send", RateLimit::per_minute(1));
        assert!(limits.check_tool("send").is_ok());
        assert!(limits.check_tool("send").is_err());
        assert!(limits.check_tool("other").is_ok());
    }
}
