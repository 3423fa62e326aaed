//! Protocol revisions this server speaks, what differs between them, and the
//! one place that decides which revision a request is served under.

use actix_web::http::header::HeaderName;
use rmcp::model::ProtocolVersion;

/// The header that names the revision a request follows.
pub(crate) const VERSION_HEADER: HeaderName = HeaderName::from_static("mcp-protocol-version");

/// An MCP revision this server can speak.
///
/// Ordered oldest first, so comparisons read as "at least this revision".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Version {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    /// The stateless revision: no `initialize`, no session; each request
    /// carries the version, client info and capabilities in its `_meta`.
    V2026_07_28,
}

impl Version {
    /// Every revision, newest first (what `server/discover` lists).
    pub(crate) const ALL: [Version; 5] = [
        Version::V2026_07_28,
        Version::V2025_11_25,
        Version::V2025_06_18,
        Version::V2025_03_26,
        Version::V2024_11_05,
    ];

    /// Every revision negotiable with `initialize`, newest first (the order
    /// `initialize` prefers).
    pub(crate) const HANDSHAKE: [Version; 4] = [
        Version::V2025_11_25,
        Version::V2025_06_18,
        Version::V2025_03_26,
        Version::V2024_11_05,
    ];

    /// The revision offered when a client asks for one we do not speak.
    pub(crate) const LATEST_HANDSHAKE: Version = Version::V2025_11_25;

    /// What the Streamable HTTP spec says to assume when a request carries no
    /// `MCP-Protocol-Version` header and nothing else tells the version.
    pub(crate) const ASSUMED_WITHOUT_HEADER: Version = Version::V2025_03_26;

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Version::V2024_11_05 => "2024-11-05",
            Version::V2025_03_26 => "2025-03-26",
            Version::V2025_06_18 => "2025-06-18",
            Version::V2025_11_25 => "2025-11-25",
            Version::V2026_07_28 => "2026-07-28",
        }
    }

    /// A revision of the handshake era (negotiable with `initialize`).
    pub(crate) fn parse(s: &str) -> Option<Version> {
        Version::HANDSHAKE.into_iter().find(|v| v.as_str() == s)
    }

    /// Any revision, stateless ones included.
    pub(crate) fn parse_any(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether requests carry their own state (2026-07-28 on).
    pub(crate) fn is_stateless(self) -> bool {
        self >= Version::V2026_07_28
    }

    /// Version negotiation: echo a supported request, otherwise offer our latest.
    pub(crate) fn negotiate(requested: &str) -> Version {
        Version::parse(requested).unwrap_or(Version::LATEST_HANDSHAKE)
    }

    /// Since 2025-11-25 (SEP-1303), argument validation failures are tool
    /// execution errors (`isError: true`) so the model can correct itself;
    /// earlier revisions list them as JSON-RPC protocol errors (`-32602`).
    pub(crate) fn argument_errors_in_band(self) -> bool {
        self >= Version::V2025_11_25
    }

    /// JSON-RPC batches exist only in 2025-03-26 (added there, removed in 2025-06-18).
    pub(crate) fn allows_batches(self) -> bool {
        self == Version::V2025_03_26
    }

    /// SSE priming events (an event id with empty data, before anything
    /// else) arrived with 2025-11-25 (SEP-1699); older clients may choke on
    /// an event without JSON.
    pub(crate) fn primes_streams(self) -> bool {
        self >= Version::V2025_11_25
    }

    pub(crate) fn to_rmcp(self) -> ProtocolVersion {
        match self {
            Version::V2024_11_05 => ProtocolVersion::V_2024_11_05,
            Version::V2025_03_26 => ProtocolVersion::V_2025_03_26,
            Version::V2025_06_18 => ProtocolVersion::V_2025_06_18,
            Version::V2025_11_25 => ProtocolVersion::V_2025_11_25,
            Version::V2026_07_28 => ProtocolVersion::V_2026_07_28,
        }
    }

    /// Every revision as a JSON array (for `server/discover` and `-32022`).
    pub(crate) fn all_json() -> serde_json::Value {
        Version::ALL.iter().map(|v| v.as_str()).collect()
    }

    /// The supported revisions, comma-separated, for error messages.
    pub(crate) fn supported_list() -> String {
        Version::HANDSHAKE.map(Version::as_str).join(", ")
    }
}

/// Why a request's revision could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionError {
    /// The `MCP-Protocol-Version` header names a revision we do not speak.
    Unsupported(String),
}

impl std::fmt::Display for VersionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionError::Unsupported(v) => write!(
                f,
                "Bad Request: unsupported MCP-Protocol-Version {v:?} (supported: {})",
                Version::supported_list()
            ),
        }
    }
}

/// Decides the revision a request is served under: the session's negotiated
/// version when there is a session (a header must name a supported revision,
/// but never changes the session's: clients such as the conformance suite
/// send an older one on some requests), else the `MCP-Protocol-Version`
/// header, else the spec's assumption.
pub(crate) fn resolve(
    header: Option<&[u8]>,
    session: Option<Version>,
) -> Result<Version, VersionError> {
    let header = header
        .map(|raw| {
            std::str::from_utf8(raw)
                .ok()
                .and_then(Version::parse)
                .ok_or_else(|| VersionError::Unsupported(String::from_utf8_lossy(raw).into()))
        })
        .transpose()?;
    match (header, session) {
        (_, Some(session)) => Ok(session),
        (Some(header), None) => Ok(header),
        (None, None) => Ok(Version::ASSUMED_WITHOUT_HEADER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_echoes_supported_and_offers_latest_otherwise() {
        for v in Version::HANDSHAKE {
            assert_eq!(Version::negotiate(v.as_str()), v);
        }
        assert_eq!(Version::negotiate("2026-07-28"), Version::LATEST_HANDSHAKE);
        assert_eq!(Version::negotiate("1999-01-01"), Version::LATEST_HANDSHAKE);
        assert_eq!(Version::negotiate(""), Version::LATEST_HANDSHAKE);
    }

    #[test]
    fn revision_dependent_rules() {
        assert!(Version::V2025_11_25.argument_errors_in_band());
        assert!(!Version::V2025_06_18.argument_errors_in_band());
        assert!(Version::V2025_03_26.allows_batches());
        assert!(!Version::V2025_06_18.allows_batches());
        assert!(!Version::V2024_11_05.allows_batches());
    }

    #[test]
    fn the_session_decides_and_a_header_cannot_change_it() {
        let s = Some(Version::V2025_06_18);
        assert_eq!(resolve(None, s), Ok(Version::V2025_06_18));
        assert_eq!(resolve(Some(b"2025-06-18"), s), Ok(Version::V2025_06_18));
        assert_eq!(resolve(Some(b"2025-11-25"), s), Ok(Version::V2025_06_18));
        assert_eq!(resolve(Some(b"2025-11-25"), None), Ok(Version::V2025_11_25));
        assert_eq!(resolve(None, None), Ok(Version::ASSUMED_WITHOUT_HEADER));
        assert!(matches!(
            resolve(Some(b"2099-01-01"), None),
            Err(VersionError::Unsupported(_))
        ));
        assert!(matches!(
            resolve(Some(b"\xff"), s),
            Err(VersionError::Unsupported(_))
        ));
    }
}
