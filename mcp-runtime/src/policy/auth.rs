//! Authentication of protected items with the app's own extractor, their
//! scopes, and the challenges a refused request gets.
//!
//! The server is given a `FromRequest` type (`.auth::<AuthUser>()`, or
//! `.auth_with_scopes::<AuthUser>()` when the type also says which scopes
//! its caller holds, [`Scopes`]). Before a protected item's handler runs,
//! that extractor runs against the request the handler gets: for a route
//! tool or a resource, the route's own request, inside its scopes and
//! middleware (see `handler::mark`); for a hand-written tool, a prompt or a
//! completion, the MCP HTTP request. The handler never runs when it fails:
//!
//! - no credentials: HTTP 401, `WWW-Authenticate: Bearer` with the
//!   protected-resource metadata's URL and the scopes the item needs, which
//!   is what standard MCP clients need to start their authorization flow;
//! - credentials the extractor rejects: 401 `error="invalid_token"`;
//! - a caller without one of the item's scopes (or an extractor that says
//!   403): 403 `error="insufficient_scope"`, naming the scopes (step-up).
//!
//! Apps that authenticate with something else than bearer tokens name their
//! own scheme (`.auth_scheme("ApiKey")`) and, when it is not
//! `Authorization`, the header their credentials come in
//! (`.auth_header("x-api-key")`), which tells a rejected credential from a
//! missing one.
//!
//! A session is bound to its caller: to who they are when the extractor
//! names them ([`CallerId`]), so a refreshed or stepped-up token keeps it;
//! else to the exact credentials presented.
//!
//! Only this authenticator's rejections become HTTP challenges: a 401 or 403
//! from anything else (a handler, another extractor, route middleware) is an
//! ordinary tool error carrying that status and body, as it would be one
//! REST response among others.

use std::fmt::Write as _;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// The scopes an authenticated caller holds: implemented by the app's auth
/// extractor so `scopes = [...]` on `#[mcp_tool]`, `#[mcp_resource]` and
/// `#[mcp_prompt]` can be checked (see
/// [`auth_with_scopes`](crate::McpServerBuilder::auth_with_scopes)).
///
/// ```
/// use mcp_runtime::auth::Scopes;
///
/// struct AuthUser { scopes: Vec<String> }
///
/// impl Scopes for AuthUser {
///     fn has_scope(&self, scope: &str) -> bool {
///         self.scopes.iter().any(|s| s == scope)
///     }
/// }
/// ```
pub trait Scopes {
    /// Whether the caller was granted `scope`.
    fn has_scope(&self, scope: &str) -> bool;
}

/// Who an authenticated caller is, stably across their credentials: the
/// issuer and subject of their tokens, an account id. Implemented by the
/// app's auth extractor (see
/// [`auth_with_caller_id`](crate::McpServerBuilder::auth_with_caller_id)),
/// so a session stays bound to the caller rather than to one token: a
/// client that refreshes its token, or gets one with more scopes after a
/// 403 (step-up), keeps its session; another caller still cannot use it.
///
/// ```
/// use mcp_runtime::auth::CallerId;
///
/// struct AuthUser { issuer: String, subject: String }
///
/// impl CallerId for AuthUser {
///     fn caller_id(&self) -> Option<String> {
///         Some(format!("{} {}", self.issuer, self.subject))
///     }
/// }
/// ```
pub trait CallerId {
    /// The caller's stable identity; `None` when unknown, and the session
    /// is bound to the exact credentials instead.
    fn caller_id(&self) -> Option<String>;
}

/// What an item asks of its caller: credentials, and these scopes (all of
/// them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Access {
    pub auth: bool,
    pub scopes: &'static [&'static str],
}

impl Access {
    pub(crate) const PUBLIC: Access = Access {
        auth: false,
        scopes: &[],
    };

    pub(crate) fn new(requires_auth: bool, scopes: &'static [&'static str]) -> Access {
        Access {
            auth: requires_auth || !scopes.is_empty(),
            scopes,
        }
    }
}

/// What a server's authenticator can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    /// There is none.
    Nothing,
    /// Who the caller is.
    Identity,
    /// Who the caller is and which scopes they hold.
    Scopes,
}

impl Checks {
    pub(crate) fn of(auth: Option<&Authenticator>) -> Checks {
        match auth {
            None => Checks::Nothing,
            Some(a) if a.scoped => Checks::Scopes,
            Some(_) => Checks::Identity,
        }
    }
}

type Extract = fn(&HttpRequest) -> LocalBoxFuture<'static, Result<Caller, actix_web::Error>>;

/// A type-erased `FromRequest` check, and the scheme of its challenges.
/// Cheap to clone (a function pointer and a shared string).
#[derive(Clone)]
pub(crate) struct Authenticator {
    extract: Extract,
    /// Whether the extractor knows the caller's scopes.
    scoped: bool,
    /// Whether it names the caller ([`CallerId`]).
    identifies: bool,
    scheme: Option<Arc<str>>,
    /// Where the credentials come (`Authorization` when `None`).
    header: Option<HeaderName>,
    /// The scopes every request needs (`endpoint_auth`), named in every
    /// challenge beside the item's: a client that steps up to the item's
    /// alone would lose them.
    always: &'static [&'static str],
}

/// Who passed the authenticator: which scopes they hold when the extractor
/// says, and who they are when it names them.
#[derive(Default)]
pub(crate) struct Caller {
    scopes: Option<Box<dyn Scopes>>,
    id: Option<String>,
}

impl Caller {
    /// The scopes of `needed` the caller lacks.
    fn lacks(&self, needed: &'static [&'static str]) -> Vec<&'static str> {
        needed
            .iter()
            .copied()
            .filter(|s| !self.scopes.as_ref().is_some_and(|c| c.has_scope(s)))
            .collect()
    }

    /// Whether the caller may use an item that asks for `access`.
    pub(crate) fn may(&self, access: Access) -> bool {
        self.lacks(access.scopes).is_empty()
    }
}

impl Authenticator {
    pub(crate) fn of<A>() -> Self
    where
        A: FromRequest + 'static,
    {
        Authenticator {
            extract: |req| {
                let extract = A::from_request(req, &mut Payload::None);
                Box::pin(
                    async move { extract.await.map(|_| Caller::default()).map_err(Into::into) },
                )
            },
            scoped: false,
            identifies: false,
            scheme: None,
            header: None,
            always: &[],
        }
    }

    pub(crate) fn with_scopes<A>() -> Self
    where
        A: FromRequest + Scopes + 'static,
    {
        Authenticator {
            extract: |req| {
                let extract = A::from_request(req, &mut Payload::None);
                Box::pin(async move {
                    let caller = extract.await.map_err(Into::into)?;
                    Ok(Caller {
                        scopes: Some(Box::new(caller)),
                        id: None,
                    })
                })
            },
            scoped: true,
            identifies: false,
            scheme: None,
            header: None,
            always: &[],
        }
    }

    pub(crate) fn with_caller_id<A>() -> Self
    where
        A: FromRequest + Scopes + CallerId + 'static,
    {
        Authenticator {
            extract: |req| {
                let extract = A::from_request(req, &mut Payload::None);
                Box::pin(async move {
                    let caller = extract.await.map_err(Into::into)?;
                    Ok(Caller {
                        id: caller.caller_id(),
                        scopes: Some(Box::new(caller)),
                    })
                })
            },
            scoped: true,
            identifies: true,
            scheme: None,
            header: None,
            always: &[],
        }
    }

    /// Challenges with `scheme` (e.g. `ApiKey`) instead of `Bearer`.
    pub(crate) fn with_scheme(mut self, scheme: String) -> Self {
        self.scheme = Some(scheme.into());
        self
    }

    /// Names `scopes`, which every request needs, in every challenge.
    pub(crate) fn with_endpoint_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.always = scopes;
        self
    }

    /// Reads the credentials from `header` instead of `Authorization`.
    pub(crate) fn with_header(mut self, header: HeaderName) -> Self {
        self.header = Some(header);
        self
    }

    /// The credentials `req` presents, raw.
    pub(crate) fn presented<'r>(&self, req: &'r HttpRequest) -> Option<&'r HeaderValue> {
        req.headers()
            .get(self.header.as_ref().unwrap_or(&AUTHORIZATION))
    }

    /// What a session `req` is part of is bound to: the caller's identity
    /// when the extractor names it, else the raw credentials. Credentials
    /// the extractor rejects bind nothing: `Err` is their challenge.
    pub(crate) async fn binding<'r>(
        &self,
        req: &'r HttpRequest,
    ) -> Result<Option<Binding<'r>>, AuthRejection> {
        let presented = self
            .presented(req)
            .map(|v| Binding::Credentials(v.as_bytes()));
        if !self.identifies {
            return Ok(presented);
        }
        match self.caller(req, &[]).await {
            Ok(Caller { id: Some(id), .. }) => Ok(Some(Binding::Caller(id))),
            Err(rejection) if rejection.problem == Problem::InvalidToken => Err(rejection),
            Ok(_) | Err(_) => Ok(presented),
        }
    }

    /// Runs the extractor: who the caller is, or why they were turned away
    /// (`needed` goes into the challenge).
    pub(crate) async fn caller(
        &self,
        req: &HttpRequest,
        needed: &'static [&'static str],
    ) -> Result<Caller, AuthRejection> {
        (self.extract)(req).await.map_err(|e| {
            let status = e.as_response_error().status_code();
            let problem = if status == StatusCode::FORBIDDEN {
                Problem::InsufficientScope
            } else if self.presented(req).is_some() {
                // RFC 6750 §3.1: a presented but rejected token is
                // `invalid_token`; a request without credentials gets a bare
                // challenge.
                Problem::InvalidToken
            } else {
                Problem::Missing
            };
            self.rejection(problem, needed, e.to_string())
        })
    }

    /// Checks the caller against `access`; `Err` is the challenge.
    pub(crate) async fn check(
        &self,
        req: &HttpRequest,
        access: Access,
    ) -> Result<(), AuthRejection> {
        let caller = self.caller(req, access.scopes).await?;
        let lacks = caller.lacks(access.scopes);
        if lacks.is_empty() {
            return Ok(());
        }
        let message = format!("insufficient scope: this needs `{}`", lacks.join(" "));
        Err(self.rejection(Problem::InsufficientScope, access.scopes, message))
    }

    fn rejection(
        &self,
        problem: Problem,
        needed: &'static [&'static str],
        detail: String,
    ) -> AuthRejection {
        let status = match problem {
            Problem::InsufficientScope => StatusCode::FORBIDDEN,
            Problem::Missing | Problem::InvalidToken => StatusCode::UNAUTHORIZED,
        };
        let message = if detail.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("Unauthorized")
                .to_owned()
        } else {
            detail
        };
        let mut scopes = self.always.to_vec();
        scopes.extend(needed.iter().filter(|s| !self.always.contains(s)));
        AuthRejection {
            status,
            problem,
            scopes,
            scheme: self.scheme.clone(),
            message,
        }
    }
}

/// What a session is bound to (see [`Authenticator::binding`]).
pub(crate) enum Binding<'r> {
    /// The caller, as [`CallerId`] names them.
    Caller(String),
    /// The credentials presented, as they are.
    Credentials(&'r [u8]),
}

/// Why a request was turned away, as RFC 6750 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// No credentials: a bare challenge.
    Missing,
    /// Credentials presented and rejected.
    InvalidToken,
    /// Authenticated, without a scope the item needs.
    InsufficientScope,
}

/// A request turned away for its credentials.
#[derive(Debug)]
pub(crate) struct AuthRejection {
    pub status: StatusCode,
    problem: Problem,
    /// The scopes the refused request needs: the endpoint's and the item's.
    scopes: Vec<&'static str>,
    scheme: Option<Arc<str>>,
    pub message: String,
}

impl AuthRejection {
    /// The `WWW-Authenticate` value: RFC 6750's parameters, and RFC 9728's
    /// `resource_metadata` (the URL of the protected-resource metadata)
    /// when the server publishes it.
    pub(crate) fn challenge(&self, resource_metadata: Option<&str>) -> HeaderValue {
        let mut params = Vec::new();
        match self.problem {
            Problem::Missing => {}
            Problem::InvalidToken => params.push(("error", "invalid_token".to_owned())),
            Problem::InsufficientScope => params.push(("error", "insufficient_scope".to_owned())),
        }
        if !self.scopes.is_empty() {
            params.push(("scope", self.scopes.join(" ")));
        }
        if let Some(url) = resource_metadata {
            params.push(("resource_metadata", url.to_owned()));
        }
        if self.problem == Problem::InvalidToken {
            params.push(("error_description", self.message.clone()));
        }
        let scheme = self.scheme.as_deref().unwrap_or("Bearer");
        let mut value = scheme.to_owned();
        for (i, (name, v)) in params.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            let _ = write!(value, r#"{sep}{name}="{}""#, quoted_string(v));
        }
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

/// Keeps the characters allowed in an RFC 9110 quoted-string, minus quotes
/// and backslashes, so a message can never break the header.
fn quoted_string(s: &str) -> String {
    s.chars()
        .filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\')
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    struct Holder(&'static [&'static str]);

    impl Scopes for Holder {
        fn has_scope(&self, scope: &str) -> bool {
            self.0.contains(&scope)
        }
    }

    fn denied(auth: &Authenticator, req: &HttpRequest, access: Access) -> AuthRejection {
        futures_util::FutureExt::now_or_never(auth.check(req, access))
            .expect("ready extractor")
            .unwrap_err()
    }

    fn deny_with(status: StatusCode) -> Authenticator {
        Authenticator {
            extract: if status == StatusCode::FORBIDDEN {
                |_| Box::pin(async { Err(actix_web::error::ErrorForbidden("no")) })
            } else {
                |_| Box::pin(async { Err(actix_web::error::ErrorUnauthorized("bad \"token\"\n")) })
            },
            scoped: false,
            identifies: false,
            scheme: None,
            header: None,
            always: &[],
        }
    }

    /// An authenticator whose callers hold `items:read`.
    fn reader() -> Authenticator {
        Authenticator {
            extract: |_| {
                Box::pin(async {
                    Ok(Caller {
                        scopes: Some(Box::new(Holder(&["items:read"]))),
                        id: None,
                    })
                })
            },
            scoped: true,
            identifies: false,
            scheme: None,
            header: None,
            always: &[],
        }
    }

    const WRITE: Access = Access {
        auth: true,
        scopes: &["items:write"],
    };

    #[test]
    fn challenges_follow_rfc_6750_and_9728() {
        let bare = TestRequest::default().to_http_request();
        let auth = deny_with(StatusCode::UNAUTHORIZED);
        let r = denied(&auth, &bare, Access::new(true, &[]));
        assert_eq!(r.status, 401);
        assert_eq!(r.challenge(None), "Bearer");
        let meta = "http://h/.well-known/oauth-protected-resource/mcp";
        assert_eq!(
            denied(&auth, &bare, WRITE).challenge(Some(meta)),
            r#"Bearer scope="items:write", resource_metadata="http://h/.well-known/oauth-protected-resource/mcp""#
        );

        let with_token = TestRequest::default()
            .insert_header((AUTHORIZATION, "Bearer x"))
            .to_http_request();
        let r = denied(&auth, &with_token, Access::new(true, &[]));
        assert_eq!(
            r.challenge(None),
            r#"Bearer error="invalid_token", error_description="bad token""#
        );

        let r = denied(
            &deny_with(StatusCode::FORBIDDEN),
            &bare,
            Access::new(true, &[]),
        );
        assert_eq!(r.status, 403);
        assert_eq!(r.challenge(None), r#"Bearer error="insufficient_scope""#);
    }

    #[test]
    fn a_caller_without_a_scope_is_asked_to_step_up() {
        let auth = reader();
        let req = TestRequest::default().to_http_request();
        let r = denied(&auth, &req, WRITE);
        assert_eq!(r.status, 403);
        assert_eq!(
            r.challenge(None),
            r#"Bearer error="insufficient_scope", scope="items:write""#
        );
        let read = Access::new(false, &["items:read"]);
        assert!(
            futures_util::FutureExt::now_or_never(auth.check(&req, read))
                .is_some_and(|r| r.is_ok())
        );
    }

    #[test]
    fn challenges_name_the_endpoint_scopes_too() {
        let auth = reader().with_endpoint_scopes(&["items:read"]);
        let req = TestRequest::default().to_http_request();
        // Stepping up to `items:write` alone would lose `items:read`.
        assert_eq!(
            denied(&auth, &req, WRITE).challenge(None),
            r#"Bearer error="insufficient_scope", scope="items:read items:write""#
        );
    }

    #[test]
    fn apps_choose_their_own_scheme() {
        let bare = TestRequest::default().to_http_request();
        let public = Access::new(true, &[]);
        let auth = deny_with(StatusCode::UNAUTHORIZED).with_scheme("ApiKey".into());
        assert_eq!(denied(&auth, &bare, public).challenge(None), "ApiKey");
        let auth = deny_with(StatusCode::FORBIDDEN).with_scheme("ApiKey".into());
        assert_eq!(
            denied(&auth, &bare, public).challenge(None),
            r#"ApiKey error="insufficient_scope""#
        );
    }
}
