//! Authentication of `requires_auth` tools with the app's own extractor.
//!
//! The server is given a `FromRequest` type (`.auth::<AuthUser>()`). Before a
//! protected tool's handler runs, that extractor runs against the MCP HTTP
//! request; a rejection answers HTTP 401 (403 when the extractor itself says
//! 403) with a `WWW-Authenticate: Bearer` challenge, which is what standard
//! MCP clients need to start their authorization flow. The handler never runs.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A type-erased `FromRequest` check.
#[derive(Clone, Copy)]
pub(crate) struct Authenticator {
    check: fn(&HttpRequest) -> LocalBoxFuture<'static, Result<(), actix_web::Error>>,
}

impl Authenticator {
    pub(crate) fn of<A>() -> Self
    where
        A: FromRequest + 'static,
    {
        Authenticator {
            check: |req| {
                let extract = A::from_request(req, &mut Payload::None);
                Box::pin(async move { extract.await.map(drop).map_err(Into::into) })
            },
        }
    }

    pub(crate) async fn check(&self, req: &HttpRequest) -> Result<(), AuthRejection> {
        (self.check)(req).await.map_err(|e| {
            let status = e.as_response_error().status_code();
            AuthRejection::new(req, status == StatusCode::FORBIDDEN, &e)
        })
    }
}

/// A request turned away for its credentials.
#[derive(Debug)]
pub(crate) struct AuthRejection {
    pub status: StatusCode,
    pub challenge: HeaderValue,
    pub message: String,
}

impl AuthRejection {
    fn new(req: &HttpRequest, forbidden: bool, error: &actix_web::Error) -> Self {
        let detail = error.to_string();
        let (status, challenge) = if forbidden {
            (
                StatusCode::FORBIDDEN,
                r#"Bearer error="insufficient_scope""#.to_owned(),
            )
        } else if req.headers().contains_key(AUTHORIZATION) {
            // RFC 6750 §3.1: a presented but rejected token is `invalid_token`;
            // a request without credentials gets a bare challenge.
            let description = quoted_string(&detail);
            (
                StatusCode::UNAUTHORIZED,
                format!(r#"Bearer error="invalid_token", error_description="{description}""#),
            )
        } else {
            (StatusCode::UNAUTHORIZED, "Bearer".to_owned())
        };
        let message = if detail.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("Unauthorized")
                .to_owned()
        } else {
            detail
        };
        AuthRejection {
            status,
            challenge: HeaderValue::from_str(&challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
            message,
        }
    }

    /// Maps a rejection from one of the handler's own extractors: 401 and 403
    /// become auth rejections, anything else is an ordinary tool error.
    pub(crate) fn from_extractor(req: &HttpRequest, error: &actix_web::Error) -> Option<Self> {
        match error.as_response_error().status_code() {
            StatusCode::UNAUTHORIZED => Some(AuthRejection::new(req, false, error)),
            StatusCode::FORBIDDEN => Some(AuthRejection::new(req, true, error)),
            _ => None,
        }
    }
}

/// Keeps the characters allowed in an RFC 9110 quoted-string, minus quotes
/// and backslashes, so a message can never break the header.
fn quoted_string(s: &str) -> String {
    s.chars()
        .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn challenges_follow_rfc_6750() {
        let err = actix_web::error::ErrorUnauthorized("bad \"token\"\n");
        let bare = TestRequest::default().to_http_request();
        let r = AuthRejection::from_extractor(&bare, &err).unwrap();
        assert_eq!(r.status, 401);
        assert_eq!(r.challenge, "Bearer");

        let with_token = TestRequest::default()
            .insert_header((AUTHORIZATION, "Bearer x"))
            .to_http_request();
        let r = AuthRejection::from_extractor(&with_token, &err).unwrap();
        assert_eq!(
            r.challenge,
            r#"Bearer error="invalid_token", error_description="bad token""#
        );

        let forbidden = actix_web::error::ErrorForbidden("no");
        let r = AuthRejection::from_extractor(&bare, &forbidden).unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.challenge, r#"Bearer error="insufficient_scope""#);

        let other = actix_web::error::ErrorNotFound("x");
        assert!(AuthRejection::from_extractor(&bare, &other).is_none());
    }
}
