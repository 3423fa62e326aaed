//! Rate limits, per client and per tool (GCRA, from the `governor` crate),
//! kept in memory, or in a store replicas share ([`RateLimitStore`], e.g.
//! Redis).
//!
//! A client is its IP address: the connection's peer by default, or, behind
//! a reverse proxy that sets it, the first address of `Forwarded` /
//! `X-Forwarded-For` (`McpServerBuilder::rate_limit_forwarded_clients`;
//! only trust it when the proxy overwrites those headers). A client over
//! its limit gets 429 with `Retry-After` before anything is read; a tool
//! over its limit answers its calls with 429 too.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
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

impl RateLimit {
    /// The time one request takes of the budget (the sustained rate's
    /// interval), and how many may come at once.
    pub fn interval_and_burst(self) -> (Duration, u32) {
        (
            self.quota.replenish_interval(),
            self.quota.burst_size().get(),
        )
    }
}

/// Where rate-limit budgets live when several replicas share them (each
/// request of a client, each call of a tool, counted once whichever replica
/// serves it). [`store::redis`](crate::store::redis) has one.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Takes one request from `key`'s budget under `limit`: `Ok(None)` when
    /// it fits, `Ok(Some(wait))` when it does not (retry after `wait`),
    /// `Err` when the store cannot say.
    fn take<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Duration>, String>> + Send + 'a>>;
}

/// Why a request may not go on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    /// Over a limit: when to try again.
    Over(Duration),
    /// The shared store cannot say (it is unreachable): refused, to retry.
    Unavailable,
}

impl Limited {
    /// When to try again.
    pub(crate) fn retry_after(self) -> Duration {
        match self {
            Limited::Over(wait) => wait,
            Limited::Unavailable => Duration::from_secs(1),
        }
    }
}

/// Checks of a keyed limiter between two cleanups of idle keys.
const CLEANUP_EVERY: u64 = 4096;

/// The configured limits of one server.
#[derive(Default)]
pub(crate) struct RateLimits {
    per_client: Option<(RateLimit, DefaultKeyedRateLimiter<IpAddr>)>,
    forwarded: bool,
    per_tool: HashMap<String, (RateLimit, DefaultDirectRateLimiter)>,
    checks: AtomicU64,
    /// Budgets shared by replicas, in place of the in-process ones.
    shared: Option<Arc<dyn RateLimitStore>>,
}

impl RateLimits {
    pub(crate) fn per_client(&mut self, limit: RateLimit, forwarded: bool) {
        self.per_client = Some((limit, DefaultKeyedRateLimiter::keyed(limit.quota)));
        self.forwarded = forwarded;
    }

    pub(crate) fn per_tool(&mut self, tool: &str, limit: RateLimit) {
        self.per_tool.insert(
            tool.to_owned(),
            (limit, DefaultDirectRateLimiter::direct(limit.quota)),
        );
    }

    pub(crate) fn shared(&mut self, store: Arc<dyn RateLimitStore>) {
        self.shared = Some(store);
    }

    /// One request of `key` under `limit` in the shared store.
    async fn take_shared(
        store: &dyn RateLimitStore,
        key: &str,
        limit: RateLimit,
    ) -> Result<(), Limited> {
        match store.take(key, limit).await {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(Limited::Over(wait)),
            Err(e) => {
                tracing::warn!("mcp-runtime: the shared rate-limit store failed: {e}");
                Err(Limited::Unavailable)
            }
        }
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
    pub(crate) async fn check_client(&self, req: &HttpRequest) -> Result<(), Limited> {
        let (Some((limit, limiter)), Some(client)) = (&self.per_client, self.client(req)) else {
            return Ok(());
        };
        if let Some(store) = &self.shared {
            return Self::take_shared(&**store, &format!("client:{client}"), *limit).await;
        }
        // Idle clients' state is dropped now and then: memory follows the
        // active clients, not every address ever seen.
        if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&client).map_err(|not_until| {
            Limited::Over(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Counts one call of `tool`.
    pub(crate) async fn check_tool(&self, tool: &str) -> Result<(), Limited> {
        let Some((limit, limiter)) = self.per_tool.get(tool) else {
            return Ok(());
        };
        if let Some(store) = &self.shared {
            return Self::take_shared(&**store, &format!("tool:{tool}"), *limit).await;
        }
        limiter.check().map_err(|not_until| {
            Limited::Over(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    /// The in-process limiters are ready at once.
    fn now<T>(check: impl Future<Output = T>) -> T {
        futures_util::FutureExt::now_or_never(check).expect("ready")
    }

    #[test]
    fn clients_are_limited_by_address() {
        let mut limits = RateLimits::default();
        limits.per_client(RateLimit::per_minute(2), false);
        let from = |ip: &str| {
            TestRequest::default()
                .peer_addr(format!("{ip}:1000").parse().unwrap())
                .to_http_request()
        };
        assert!(now(limits.check_client(&from("10.0.0.1"))).is_ok());
        assert!(now(limits.check_client(&from("10.0.0.1"))).is_ok());
        let limited = now(limits.check_client(&from("10.0.0.1"))).unwrap_err();
        assert!(limited.retry_after() > Duration::from_secs(20));
        assert!(
            now(limits.check_client(&from("10.0.0.2"))).is_ok(),
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
        assert!(now(limits.check_client(&via_proxy("1.2.3.4"))).is_ok());
        assert!(now(limits.check_client(&via_proxy("5.6.7.8"))).is_ok());
        assert!(now(limits.check_client(&via_proxy("1.2.3.4"))).is_err());
    }

    #[test]
    fn tools_are_limited_together() {
        let mut limits = RateLimits::default();
        limits.per_tool("send", RateLimit::per_minute(1));
        assert!(now(limits.check_tool("send")).is_ok());
        assert!(now(limits.check_tool("send")).is_err());
        assert!(now(limits.check_tool("other")).is_ok());
    }
}
