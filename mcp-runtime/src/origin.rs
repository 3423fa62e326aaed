//! `Origin` validation against DNS rebinding, as the Streamable HTTP
//! transport requires: a browser page on another origin must not be able to
//! drive a server listening on the user's machine.
//!
//! Requests without `Origin` (every non-browser client) pass. With one, it
//! must be a loopback origin or on the configured allow-list; anything else,
//! including the opaque origin `null`, gets 403.

/// Which `Origin` header values are accepted.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginPolicy {
    any: bool,
    allowed: Vec<String>,
}

impl OriginPolicy {
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
    fn allow_list_and_any() {
        let mut p = OriginPolicy::default();
        p.allow("https://App.example.com/");
        assert!(p.permits(Some("https://app.example.com")));
        assert!(!p.permits(Some("https://other.example.com")));
        p.allow_any();
        assert!(p.permits(Some("https://other.example.com")));
    }
}
