//! Log severities and which of them a call may send.

use serde::{Deserialize, Serialize};

/// Log severities (RFC 5424), from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

/// Which log messages a call may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFilter {
    /// Every level (a handshake-era session that set none).
    All,
    /// This level and above.
    AtLeast(LogLevel),
    /// None (a stateless request that asked for none).
    Off,
}

impl LogFilter {
    pub(crate) fn admits(self, level: LogLevel) -> bool {
        match self {
            LogFilter::All => true,
            LogFilter::AtLeast(min) => level >= min,
            LogFilter::Off => false,
        }
    }
}
