//! Media types as HTTP writes them: one spelling of "the type without its
//! parameters", for the transport's content negotiation and for results.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderMap};

/// `type/subtype` of a media type, lower-cased, without parameters
/// (borrowed when it is lower-case already, as it nearly always is).
pub(crate) fn essence(value: &str) -> Cow<'_, str> {
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(essence.to_ascii_lowercase())
    } else {
        Cow::Borrowed(essence)
    }
}

/// The essence of a message's `Content-Type` (empty when it has none).
pub(crate) fn of(headers: &HeaderMap) -> Cow<'_, str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(essence)
        .unwrap_or_default()
}
