#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod arguments;
mod auth;
mod dispatch;
mod error;
mod invoke;
mod jsonrpc;
mod origin;
mod protocol;
mod registry;
mod schema;
mod server;
mod session;
mod transport;

#[doc(hidden)]
pub mod __private;

pub use arguments::ArgumentError;
pub use error::{BuildError, Problem};
pub use mcp_macros::mcp_tool;
pub use registry::Location;
pub use server::{McpServer, McpServerBuilder};
pub use session::{InMemorySessionStore, Session, SessionStore, SessionStoreError, StoreFuture};

/// The JSON Schema generator used for tool schemas, re-exported so generated
/// code and users agree on one version.
pub use schemars;

/// The registration mechanism behind `#[mcp_tool]`, re-exported for
/// generated code.
#[doc(hidden)]
pub use inventory;

/// The MCP protocol types (rmcp's model), for users who build results or
/// inspect messages by hand.
pub use rmcp::model;
