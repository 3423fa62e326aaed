//! Media types as HTTP writes them: one spelling of "the type without its
//! parameters", for the transport's content negotiation and for results.

use actix_web::http::header::{self, HeaderMap};

/// `type/subtype` of a media type, lower-cased, without parameters.
pub(crate) fn essence(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The essence of a message's `Content-Type` (empty when it has none).
pub(crate) fn of(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(essence)
        .unwrap_or_default()
}
