//! The protocol's vocabulary, shared by every layer above: revisions,
//! method names, JSON-RPC framing, error codes, client capabilities, log
//! levels, content, and the stateless revision's `_meta` rules. Nothing
//! here knows about the server's state or actix's routing.

pub(crate) mod capability;
pub(crate) mod codes;
pub(crate) mod content;
pub(crate) mod jsonrpc;
pub(crate) mod log;
pub(crate) mod method;
pub(crate) mod params;
pub(crate) mod sampling;
pub(crate) mod stateless;
pub(crate) mod version;
