//! What the server allows, independent of any one request's path: size
//! and time limits, authentication, rate limits, and which hosts and
//! origins may reach it.

pub(crate) mod auth;
pub(crate) mod client;
pub(crate) mod limits;
#[cfg(feature = "oauth")]
pub(crate) mod oauth;
pub(crate) mod origin;
pub(crate) mod rate_limit;
pub(crate) mod resource;
