//! Who a client is, for its share of what the server holds for everyone
//! (sessions, listener streams): its credentials when it presents some (as
//! a keyed hash, never the credentials themselves), else its address.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::protocol::stateless::StateKey;

/// The client `req` comes from: `credentials:<keyed hash>` or
/// `address:<ip>`.
pub(crate) fn key(req: &HttpRequest, state_key: &StateKey) -> String {
    match req.headers().get(header::AUTHORIZATION) {
        Some(credentials) => format!(
            "credentials:{}",
            state_key.fingerprint(credentials.as_bytes())
        ),
        None => format!(
            "address:{}",
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        ),
    }
}
