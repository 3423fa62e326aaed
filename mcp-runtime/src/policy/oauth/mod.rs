//! Ready access-token validators (feature `oauth`): a JWT validator that
//! discovers its issuer and caches its keys, and RFC 7662 introspection for
//! opaque tokens, both behind one extractor, [`AccessToken`], usable on REST
//! routes and tools alike.
//!
//! The app registers a [`Validator`] as app data (`McpServerBuilder::bearer`
//! does it, and makes [`AccessToken`] the server's authenticator). A request
//! presents `Authorization: Bearer <token>`; the extractor validates it and
//! gives the handler the token's subject, client and scopes. A rejection is
//! a 401 with its reason in the log (never the token).

mod discovery;
mod introspection;
mod jwt;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde_json::{Map, Value};

pub use discovery::DiscoveryError;
pub use introspection::Introspection;
pub use jwt::JwtValidator;

use crate::policy::auth::{CallerId, Scopes};

/// The future a [`TokenValidator`] returns.
pub type ValidationFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, TokenError>> + Send + 'a>>;

/// Checks an access token: [`JwtValidator`], [`Introspection`], or the
/// app's own (a token service, a database of API tokens).
///
/// ```
/// use mcp_runtime::auth::oauth::{AccessToken, TokenError, TokenValidator, ValidationFuture};
///
/// struct StaticTokens;
///
/// impl TokenValidator for StaticTokens {
///     fn validate<'a>(&'a self, token: &'a str) -> ValidationFuture<'a> {
///         Box::pin(async move {
///             match token {
///                 "let-me-in" => Ok(AccessToken::new("alice", ["items:read"])),
///                 _ => Err(TokenError::Inactive),
///             }
///         })
///     }
/// }
/// ```
pub trait TokenValidator: Send + Sync + 'static {
    /// Validates `token` (without its `Bearer ` prefix).
    fn validate<'a>(&'a self, token: &'a str) -> ValidationFuture<'a>;
}

/// A shared [`TokenValidator`], registered as app data so [`AccessToken`]
/// finds it. Cloning is an `Arc` clone.
///
/// ```
/// # use mcp_runtime::auth::oauth::{AccessToken, TokenError, TokenValidator, ValidationFuture, Validator};
/// # struct StaticTokens;
/// # impl TokenValidator for StaticTokens {
/// #     fn validate<'a>(&'a self, _: &'a str) -> ValidationFuture<'a> { Box::pin(async { Err(TokenError::Inactive) }) }
/// # }
/// let validator = Validator::new(StaticTokens);
/// let app = actix_web::App::new().app_data(validator.clone());
/// ```
#[derive(Clone)]
pub struct Validator(Arc<dyn TokenValidator>);

impl Validator {
    /// Shares `validator`.
    pub fn new(validator: impl TokenValidator) -> Self {
        Validator(Arc::new(validator))
    }

    /// Validates `token`.
    pub async fn validate(&self, token: &str) -> Result<AccessToken, TokenError> {
        self.0.validate(token).await
    }
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Validator")
    }
}

/// A validated access token: who it was issued to and what it grants. An
/// extractor: a handler that takes it runs only for a valid bearer token.
///
/// ```standalone_crate
/// use actix_web::get;
/// use mcp_runtime::{auth::oauth::AccessToken, mcp_tool};
///
/// /// Who am I?
/// #[mcp_tool(scopes = ["profile:read"])]
/// #[get("/me")]
/// async fn me(token: AccessToken) -> String {
///     token.subject().unwrap_or("anonymous").to_owned()
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct AccessToken {
    subject: Option<String>,
    client_id: Option<String>,
    scopes: Vec<String>,
    claims: Map<String, Value>,
}

impl AccessToken {
    /// A token for `subject` granting `scopes` (for custom validators).
    pub fn new<S: Into<String>>(
        subject: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        AccessToken {
            subject: Some(subject.into()),
            scopes: scopes.into_iter().map(Into::into).collect(),
            ..AccessToken::default()
        }
    }

    /// From a token's claims (a JWT's payload, an introspection response):
    /// `sub`, `client_id` (or `azp`), and scopes from `scope` (a
    /// space-separated string) or `scp` (a string or a list).
    pub fn from_claims(claims: Map<String, Value>) -> Self {
        let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
        let scopes = match claims.get("scope").or_else(|| claims.get("scp")) {
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        AccessToken {
            subject: text("sub"),
            client_id: text("client_id").or_else(|| text("azp")),
            scopes,
            claims,
        }
    }

    /// The `sub` claim: the user (or, for client credentials, the client).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The client the token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The scopes it grants.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Every claim, for what the accessors do not cover.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}

impl Scopes for AccessToken {
    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The issuer and subject, else the issuer and client: the same for every
/// token of one caller, so their session survives a refresh or a step-up.
impl CallerId for AccessToken {
    fn caller_id(&self) -> Option<String> {
        let issuer = self.claims.get("iss").and_then(Value::as_str);
        let (claim, who) = match (&self.subject, &self.client_id) {
            (Some(subject), _) => ("sub", subject),
            (None, Some(client)) => ("client_id", client),
            (None, None) => return None,
        };
        // JSON keeps the parts apart whatever they contain.
        Some(serde_json::json!([issuer, claim, who]).to_string())
    }
}

impl FromRequest for AccessToken {
    type Error = TokenError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req).map(str::to_owned);
        let validator = req.app_data::<Validator>().cloned();
        Box::pin(async move {
            let token = token.ok_or(TokenError::Missing)?;
            let Some(validator) = validator else {
                tracing::error!(
                    "mcp-runtime: `AccessToken` needs a `Validator` in the app's data \
                     (`App::app_data(validator)`, or `McpServerBuilder::bearer`)"
                );
                return Err(TokenError::Unavailable("no validator configured".into()));
            };
            validator.validate(&token).await.inspect_err(|e| {
                // The reason, never the token.
                tracing::info!(reason = %e, "mcp-runtime: bearer token rejected");
            })
        })
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme is
/// case-insensitive, RFC 9110 §11.1).
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Why a token was not accepted. Each is a 401 (`invalid_token`, or a bare
/// challenge when there was none).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// No bearer token.
    Missing,
    /// Not a JWT, or not one this validator reads.
    Malformed,
    /// Signed with an algorithm outside the allow-list (`none` never is in).
    Algorithm(String),
    /// Signed by a key the issuer does not publish.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// Past its `exp`.
    Expired,
    /// Before its `nbf`.
    NotYetValid,
    /// Issued by someone else.
    Issuer,
    /// Issued for another resource (RFC 8707 audience).
    Audience,
    /// Introspection says it is not active (revoked, expired, unknown).
    Inactive,
    /// The issuer's keys or introspection endpoint could not be reached.
    Unavailable(String),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Missing => f.write_str("missing bearer token"),
            TokenError::Malformed => f.write_str("the token is malformed"),
            TokenError::Algorithm(alg) => write!(f, "the token's algorithm {alg} is not accepted"),
            TokenError::UnknownKey => f.write_str("the token is signed by an unknown key"),
            TokenError::Signature => f.write_str("the token's signature is invalid"),
            TokenError::Expired => f.write_str("the token has expired"),
            TokenError::NotYetValid => f.write_str("the token is not valid yet"),
            TokenError::Issuer => f.write_str("the token is from another issuer"),
            TokenError::Audience => f.write_str("the token is for another resource"),
            TokenError::Inactive => f.write_str("the token is not active"),
            TokenError::Unavailable(why) => write!(f, "the token could not be checked: {why}"),
        }
    }
}

impl std::error::Error for TokenError {}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    fn error_response(&self) -> HttpResponse {
        let challenge = match self {
            TokenError::Missing => "Bearer".to_owned(),
            other => format!(r#"Bearer error="invalid_token", error_description="{other}""#),
        };
        HttpResponse::Unauthorized()
            .insert_header(("www-authenticate", challenge))
            .body(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use serde_json::json;

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let claims = |v: Value| v.as_object().unwrap().clone();
        let t = AccessToken::from_claims(claims(json!({"sub": "a", "scope": "x  y", "azp": "c"})));
        assert_eq!(t.scopes(), ["x", "y"]);
        assert_eq!((t.subject(), t.client_id()), (Some("a"), Some("c")));
        assert!(t.has_scope("y") && !t.has_scope("z"));
        let t = AccessToken::from_claims(claims(json!({"scp": ["x", 1, "z"]})));
        assert_eq!(t.scopes(), ["x", "z"]);
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let req = |v: &str| {
            TestRequest::default()
                .insert_header((AUTHORIZATION, v))
                .to_http_request()
        };
        assert_eq!(bearer(&req("bearer abc")), Some("abc"));
        assert_eq!(bearer(&req("Bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&req("Basic abc")), None);
        assert_eq!(bearer(&req("Bearer ")), None);
    }
}
