//! `Origin` and `Host` validation against DNS rebinding, as the Streamable
//! HTTP transport requires: a browser page on another origin must not be
//! able to drive a server listening on the user's machine, even through a
//! host name that resolves to it.
//!
//! * `Origin`: requests without one (every non-browser client) pass. With
//!   one, it must be a loopback origin or on the allow-list; anything else,
//!   including the opaque origin `null` and a request with several `Origin`
//!   headers, gets 403.
//! * `Host`: must be a loopback name (`localhost`, `127.0.0.1`, `[::1]`,
//!   any port) or on the allow-list, else 403. Deployments reached by a
//!   real name (behind a reverse proxy, say) list it with
//!   `McpServerBuilder::allow_host`, as the proxy forwards it.

/// Which `Origin` and `Host` header values are accepted.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginPolicy {
    any: bool,
    allowed: Vec<String>,
    any_host: bool,
    hosts: Vec<String>,
}

impl OriginPolicy {
    pub(crate) fn allow_host(&mut self, host: &str) {
        self.hosts.push(host.trim().to_ascii_lowercase());
    }

    pub(crate) fn allow_any_host(&mut self) {
        self.any_host = true;
    }

    /// Whether a request for `host` (the `Host` header, `None` if absent:
    /// not a browser) is served.
    pub(crate) fn permits_host(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return true };
        let host = host.trim().to_ascii_lowercase();
        if self.any_host || is_loopback_host(&host) {
            return true;
        }
        let name = strip_port(&host);
        self.hosts
            .iter()
            .any(|allowed| *allowed == host || allowed == name)
    }

    pub(crate) fn allow(&mut self, origin: &str) {
        self.allowed.push(normalize(origin));
    }

    pub(crate) fn allow_any(&mut self) {
        self.any = true;
    }

    pub(crate) fn permits(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        if self.any || is_loopback(origin) {
            return true;
        }
        let origin = normalize(origin);
        self.allowed.contains(&origin)
    }
}

fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// `host` without its `:port`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(name, _)| name)
}

/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, any port.
fn is_loopback_host(host: &str) -> bool {
    let name = strip_port(host);
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `http(s)://localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, any port.
fn is_loopback(origin: &str) -> bool {
    let origin = origin.to_ascii_lowercase();
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    if authority.contains(['/', '@', '?', '#']) {
        return false;
    }
    let host = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end)
                if authority[end + 1..].is_empty() || authority[end + 1..].starts_with(':') =>
            {
                &authority[..=end]
            }
            _ => return false,
        }
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_absent_origins_pass_by_default() {
        let p = OriginPolicy::default();
        for ok in [
            None,
            Some("http://localhost"),
            Some("http://localhost:6274"),
            Some("https://127.0.0.1:8080"),
            Some("http://[::1]:3000"),
            Some("http://app.localhost"),
        ] {
            assert!(p.permits(ok), "{ok:?}");
        }
        for bad in [
            "http://evil.example.com",
            "null",
            "http://localhost.evil.com",
            "http://127.0.0.1.evil.com",
            "http://localhost@evil.com",
            "file://localhost",
            "http://[::1].evil",
        ] {
            assert!(!p.permits(Some(bad)), "{bad}");
        }
    }

    #[test]
    fn hosts_must_be_loopback_or_allowed() {
        let mut p = OriginPolicy::default();
        for ok in [
            None,
            Some("localhost"),
            Some("localhost:8080"),
            Some("127.0.0.1:3000"),
            Some("[::1]:80"),
            Some("app.localhost"),
        ] {
            assert!(p.permits_host(ok), "{ok:?}");
        }
        for bad in [
            "evil.example.com",
            "127.0.0.1.evil.com:80",
            "api.example.com",
        ] {
            assert!(!p.permits_host(Some(bad)), "{bad}");
        }
        p.allow_host("API.example.com");
        assert!(p.permits_host(Some("api.example.com")));
        assert!(p.permits_host(Some("api.example.com:443")));
        p.allow_host("other.example.com:8443");
        assert!(p.permits_host(Some("other.example.com:8443")));
        assert!(!p.permits_host(Some("other.example.com:9000")));
        p.allow_any_host();
        assert!(p.permits_host(Some("evil.example.com")));
    }

    #[test]
    fn allow_list_and_any() {
        let mut p = OriginPolicy::default();
        p.allow("https://App.example.com/");
        assert!(p.permits(Some("https://app.example.com")));
        assert!(!p.permits(Some("https://other.example.com")));
        p.allow_any();
        assert!(p.permits(Some("https://other.example.com")));
    }
}
