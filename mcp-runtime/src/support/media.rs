//! Media types as HTTP writes them: one spelling of "the type without its
//! parameters", for the transport's content negotiation and for results.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderMap};

/// `type/subtype` of a media type, lower-cased, without parameters
/// (borrowed when it is lower-case already, as it nearly always is).
pub(crate) fn essence(value: &str) -> Cow<'_, str> {
    // Already an essence (`application/json`): one pass, no splitting.
    if value
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'+' | b'.'))
    {
        return Cow::Borrowed(value);
    }
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(essence.to_ascii_lowercase())
    } else {
        Cow::Borrowed(essence)
    }
}

/// The essence of a message's `Content-Type` (empty when it has none).
pub(crate) fn of(headers: &HeaderMap) -> Cow<'_, str> {
    // Written as actix's responders write them (`web::Json`, a `String`,
    // `Html`) and as clients send JSON: no scanning, no checking for text.
    const WRITTEN: [(&str, &str); 3] = [
        ("application/json", "application/json"),
        ("text/plain; charset=utf-8", "text/plain"),
        ("text/html; charset=utf-8", "text/html"),
    ];
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Cow::Borrowed("");
    };
    if let Some((_, essence)) = WRITTEN
        .iter()
        .find(|(written, _)| value.as_bytes() == written.as_bytes())
    {
        return Cow::Borrowed(essence);
    }
    value.to_str().map(essence).unwrap_or_default()
}

/// [`of`], kept beyond the headers: the common types need no allocation.
pub(crate) fn of_owned(headers: &HeaderMap) -> Cow<'static, str> {
    const COMMON: [&str; 4] = ["application/json", "text/plain", "text/html", ""];
    let essence = of(headers);
    match COMMON.iter().find(|common| **common == essence) {
        Some(common) => Cow::Borrowed(common),
        None => Cow::Owned(essence.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_essence_is_the_type_lower_cased_without_its_parameters() {
        for (value, essence) in [
            ("application/json", "application/json"),
            ("application/vnd.api+json", "application/vnd.api+json"),
            ("application/json; charset=utf-8", "application/json"),
            ("Application/JSON", "application/json"),
            (" text/plain ;q=1", "text/plain"),
            ("", ""),
        ] {
            assert_eq!(super::essence(value), essence, "{value:?}");
        }
    }

    #[test]
    fn a_common_type_is_kept_without_an_allocation() {
        let mut headers = HeaderMap::new();
        assert!(matches!(of_owned(&headers), Cow::Borrowed("")));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(matches!(
            of_owned(&headers),
            Cow::Borrowed("application/json")
        ));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        assert!(matches!(of_owned(&headers), Cow::Borrowed("text/plain")));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("Text/HTML; charset=utf-8"),
        );
        assert!(matches!(of_owned(&headers), Cow::Borrowed("text/html")));
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("image/PNG"),
        );
        assert!(matches!(of_owned(&headers), Cow::Owned(s) if s == "image/png"));
    }
}
