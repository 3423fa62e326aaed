//! Authentication of `requires_auth` tools with the app's own extractor.
//!
//! The server is given a `FromRequest` type (`.auth::<AuthUser>()`). Before a
//! protected item's handler runs, that extractor runs against the request
//! the handler gets: for a route tool or a resource, the route's own
//! request, inside its scopes and middleware (see `handler::mark`); for a
//! hand-written tool or a prompt, the MCP HTTP request. A rejection answers
//! HTTP 401 (403 when the extractor itself says 403) with a
//! `WWW-Authenticate` challenge — `Bearer` by default, which is
//! what standard MCP clients need to start their authorization flow, or the
//! app's own scheme (`.auth_scheme("ApiKey")`). The handler never runs.
//!
//! Only this authenticator's rejections become HTTP challenges: a 401 or 403
//! from anything else (a handler, another extractor, route middleware) is an
//! ordinary tool error carrying that status and body, as it would be one
//! REST response among others.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A type-erased `FromRequest` check, and the scheme of its challenges.
#[derive(Clone)]
pub(crate) struct Authenticator {
    check: fn(&HttpRequest) -> LocalBoxFuture<'static, Result<(), actix_web::Error>>,
    scheme: Option<String>,
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
            scheme: None,
        }
    }

    /// Challenges with `scheme` (e.g. `ApiKey`) instead of `Bearer`.
    pub(crate) fn with_scheme(mut self, scheme: String) -> Self {
        self.scheme = Some(scheme);
        self
    }

    pub(crate) async fn check(&self, req: &HttpRequest) -> Result<(), AuthRejection> {
        (self.check)(req).await.map_err(|e| {
            let status = e.as_response_error().status_code();
            let forbidden = status == StatusCode::FORBIDDEN;
            match &self.scheme {
                None => AuthRejection::bearer(req, forbidden, &e),
                Some(scheme) => AuthRejection::custom(scheme, forbidden, &e),
            }
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
    /// RFC 6750 challenges.
    fn bearer(req: &HttpRequest, forbidden: bool, error: &actix_web::Error) -> Self {
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
        AuthRejection::with(status, &challenge, detail)
    }

    /// A challenge in the app's own scheme: `ApiKey`, or
    /// `ApiKey error="insufficient_scope"` for a 403.
    fn custom(scheme: &str, forbidden: bool, error: &actix_web::Error) -> Self {
        let (status, challenge) = if forbidden {
            (
                StatusCode::FORBIDDEN,
                format!(r#"{scheme} error="insufficient_scope""#),
            )
        } else {
            (StatusCode::UNAUTHORIZED, scheme.to_owned())
        };
        AuthRejection::with(status, &challenge, error.to_string())
    }

    fn with(status: StatusCode, challenge: &str, detail: String) -> Self {
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
            challenge: HeaderValue::from_str(challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer")),
            message,
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

    fn rejection(auth: &Authenticator, req: &HttpRequest) -> AuthRejection {
        futures_util::FutureExt::now_or_never(auth.check(req))
            .expect("ready extractor")
            .unwrap_err()
    }

    fn deny_with(status: StatusCode) -> Authenticator {
        Authenticator {
            check: if status == StatusCode::FORBIDDEN {
                |_| Box::pin(async { Err(actix_web::error::ErrorForbidden("no")) })
            } else {
                |_| Box::pin(async { Err(actix_web::error::ErrorUnauthorized("bad \"token\"\n")) })
            },
            scheme: None,
        }
    }

    #[test]
    fn challenges_follow_rfc_6750() {
        let bare = TestRequest::default().to_http_request();
        let auth = deny_with(StatusCode::UNAUTHORIZED);
        let r = rejection(&auth, &bare);
        assert_eq!(r.status, 401);
        assert_eq!(r.challenge, "Bearer");

        let with_token = TestRequest::default()
            .insert_header((AUTHORIZATION, "Bearer x"))
            .to_http_request();
        let r = rejection(&auth, &with_token);
        assert_eq!(
            r.challenge,
            r#"Bearer error="invalid_token", error_description="bad token""#
        );

        let r = rejection(&deny_with(StatusCode::FORBIDDEN), &bare);
        assert_eq!(r.status, 403);
        assert_eq!(r.challenge, r#"Bearer error="insufficient_scope""#);
    }

    #[test]
    fn apps_choose_their_own_scheme() {
        let bare = TestRequest::default().to_http_request();
        let auth = deny_with(StatusCode::UNAUTHORIZED).with_scheme("ApiKey".into());
        assert_eq!(rejection(&auth, &bare).challenge, "ApiKey");
        let auth = deny_with(StatusCode::FORBIDDEN).with_scheme("ApiKey".into());
        assert_eq!(
            rejection(&auth, &bare).challenge,
            r#"ApiKey error="insufficient_scope""#
        );
    }
}
