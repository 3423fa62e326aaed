//! The JSON-RPC error codes MCP's transports use that rmcp's `ErrorCode`
//! does not name. Every other code is rmcp's (`ErrorCode::HEADER_MISMATCH`,
//! `RESOURCE_NOT_FOUND`, `MISSING_REQUIRED_CLIENT_CAPABILITY`, …), so there
//! is one spelling of each.

use rmcp::model::ErrorCode;

/// A transport-level refusal (bad request, too many requests), as the
/// official SDKs send it: `-32000`, the first implementation-defined code.
pub(crate) const TRANSPORT_ERROR: ErrorCode = ErrorCode(-32000);

/// An unknown or expired `Mcp-Session-Id`, as the official SDKs send it.
pub(crate) const SESSION_NOT_FOUND: ErrorCode = ErrorCode(-32001);
