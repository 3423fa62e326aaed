//! The path of one call: the server's shared state and one request's
//! exchange (`server`), the call as a request on its route (`forward`),
//! through the app (`app`), run under a scope that can be cancelled, time
//! out and ask the client questions (`run`, `context`), and the response
//! turned into a result (`result`), a REST long-running operation followed
//! to its end for a task (`operation`); or, with the MCP server apart from the
//! API, over HTTP to it (`upstream`, feature `upstream`).

pub(crate) mod app;
pub(crate) mod context;
pub(crate) mod forward;
pub(crate) mod operation;
pub(crate) mod result;
pub(crate) mod run;
pub(crate) mod server;
#[cfg(feature = "upstream")]
pub(crate) mod upstream;
