//! Opaque access tokens, checked by asking the issuer (RFC 7662).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::discovery::{self, DiscoveryError};
use super::jwt::http_client;
use super::{AccessToken, TokenError, TokenValidator, ValidationFuture};

/// Validates opaque access tokens with the issuer's RFC 7662 introspection
/// endpoint, authenticating as this resource server (client credentials,
/// HTTP Basic): the token must be `active`, unexpired and, when an
/// audience is set, issued for this resource. Each token is one request to
/// the issuer; use [`JwtValidator`](super::JwtValidator) when the issuer can
/// issue JWTs.
///
/// ```
/// use mcp_runtime::auth::oauth::{Introspection, Validator};
///
/// let introspection = Introspection::new(
///     "https://login.example.com/oauth2/introspect",
///     "items-api",      // this server's client id at the issuer
///     "s3cret",
/// )
/// .audience("https://api.example.com/mcp");
/// let validator = Validator::new(introspection);
/// ```
pub struct Introspection {
    endpoint: String,
    client_id: String,
    client_secret: String,
    audience: Option<String>,
    issuer: Option<String>,
    http: reqwest::Client,
}

impl Introspection {
    /// Introspects at `endpoint` as client `client_id`.
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Introspection {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            audience: None,
            issuer: None,
            http: http_client(),
        }
    }

    /// Finds `issuer`'s introspection endpoint in its metadata, and
    /// accepts only tokens whose `iss` (when given) is that issuer.
    pub async fn discover(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self, DiscoveryError> {
        let http = http_client();
        let metadata = discovery::discover(&http, &issuer.into()).await?;
        let endpoint = metadata
            .introspection_endpoint
            .ok_or(DiscoveryError::Missing("introspection_endpoint"))?;
        let mut introspection = Introspection::new(endpoint, client_id, client_secret);
        introspection.issuer = Some(metadata.issuer);
        introspection.http = http;
        Ok(introspection)
    }

    /// Accepts only tokens whose `aud` names `audience` (this server's URL).
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into().trim_end_matches('/').to_owned());
        self
    }

    async fn check(&self, token: &str) -> Result<AccessToken, TokenError> {
        let unavailable = |e: reqwest::Error| TokenError::Unavailable(e.without_url().to_string());
        let claims: Map<String, Value> = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .map_err(unavailable)?
            .error_for_status()
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        if claims.get("active") != Some(&Value::Bool(true)) {
            return Err(TokenError::Inactive);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let time = |key: &str| claims.get(key).and_then(Value::as_u64);
        if time("exp").is_some_and(|exp| exp <= now) {
            return Err(TokenError::Expired);
        }
        if time("nbf").is_some_and(|nbf| nbf > now + 30) {
            return Err(TokenError::NotYetValid);
        }
        if let (Some(issuer), Some(iss)) = (&self.issuer, claims.get("iss").and_then(Value::as_str))
            && iss.trim_end_matches('/') != issuer.trim_end_matches('/')
        {
            return Err(TokenError::Issuer);
        }
        if let Some(audience) = &self.audience {
            let names = |aud: &str| aud.trim_end_matches('/') == audience;
            let ok = match claims.get("aud") {
                Some(Value::String(aud)) => names(aud),
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(names),
                _ => false,
            };
            if !ok {
                return Err(TokenError::Audience);
            }
        }
        Ok(AccessToken::from_claims(claims))
    }
}

impl TokenValidator for Introspection {
    fn validate<'a>(&'a self, token: &'a str) -> ValidationFuture<'a> {
        Box::pin(self.check(token))
    }
}
