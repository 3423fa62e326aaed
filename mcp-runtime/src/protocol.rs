//! Protocol revisions this server speaks, and what differs between them.

use rmcp::model::ProtocolVersion;

/// A handshake-era MCP revision this server can negotiate.
///
/// Ordered oldest first, so comparisons read as "at least this revision".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Version {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
}

impl Version {
    /// Every supported revision, newest first (the order `initialize` prefers).
    pub(crate) const ALL: [Version; 4] = [
        Version::V2025_11_25,
        Version::V2025_06_18,
        Version::V2025_03_26,
        Version::V2024_11_05,
    ];

    /// The revision offered when a client asks for one we do not speak.
    pub(crate) const LATEST: Version = Version::V2025_11_25;

    /// What the Streamable HTTP spec says to assume when a request carries no
    /// `MCP-Protocol-Version` header and nothing else tells the version.
    pub(crate) const ASSUMED_WITHOUT_HEADER: Version = Version::V2025_03_26;

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Version::V2024_11_05 => "2024-11-05",
            Version::V2025_03_26 => "2025-03-26",
            Version::V2025_06_18 => "2025-06-18",
            Version::V2025_11_25 => "2025-11-25",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Version negotiation: echo a supported request, otherwise offer our latest.
    pub(crate) fn negotiate(requested: &str) -> Version {
        Version::parse(requested).unwrap_or(Version::LATEST)
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

    pub(crate) fn to_rmcp(self) -> ProtocolVersion {
        match self {
            Version::V2024_11_05 => ProtocolVersion::V_2024_11_05,
            Version::V2025_03_26 => ProtocolVersion::V_2025_03_26,
            Version::V2025_06_18 => ProtocolVersion::V_2025_06_18,
            Version::V2025_11_25 => ProtocolVersion::V_2025_11_25,
        }
    }

    /// The supported revisions as a JSON array, for error `data`.
    pub(crate) fn supported_json() -> serde_json::Value {
        Version::ALL.iter().map(|v| v.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn negotiation_echoes_supported_and_offers_latest_otherwise() {
        for v in Version::ALL {
            assert_eq!(Version::negotiate(v.as_str()), v);
        }
        assert_eq!(Version::negotiate("2026-07-28"), Version::LATEST);
        assert_eq!(Version::negotiate("1999-01-01"), Version::LATEST);
        assert_eq!(Version::negotiate(""), Version::LATEST);
    }

    #[test]
    fn revision_dependent_rules() {
        assert!(Version::V2025_11_25.argument_errors_in_band());
        assert!(!Version::V2025_06_18.argument_errors_in_band());
        assert!(Version::V2025_03_26.allows_batches());
        assert!(!Version::V2025_06_18.allows_batches());
        assert!(!Version::V2024_11_05.allows_batches());
    }
}
