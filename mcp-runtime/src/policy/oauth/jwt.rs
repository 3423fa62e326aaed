//! JWT access tokens (RFC 9068 style) checked against the issuer's
//! published keys.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::discovery::{self, DiscoveryError};
use super::{AccessToken, TokenError, TokenValidator, ValidationFuture};
use crate::support::sync::{read, write};

/// Validates JWT access tokens issued for this server: signature by one of
/// the issuer's keys (fetched from its JWKS and cached; a token signed by
/// an unknown key id triggers one refetch, at most once per
/// [`refetch_interval`](Self::refetch_interval), so key rotation just
/// works), an algorithm from the allow-list (asymmetric only; never
/// `none`), `exp` and `nbf` with a small leeway, `iss`, and `aud` naming
/// this resource (RFC 8707), which keeps tokens minted for other services
/// out. Scopes come from `scope` or `scp`.
///
/// ```no_run
/// use mcp_runtime::auth::oauth::{JwtValidator, Validator};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let jwt = JwtValidator::discover(
///     "https://login.example.com/realms/items", // the issuer
///     "https://api.example.com/mcp",            // this server's URL: the audience
/// )
/// .await?;
/// let validator = Validator::new(jwt);
/// # Ok(()) }
/// ```
pub struct JwtValidator {
    issuer: String,
    audience: Vec<String>,
    algorithms: Vec<Algorithm>,
    leeway: Duration,
    jwks_uri: String,
    refetch_interval: Duration,
    max_age: Duration,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    /// One fetch at a time; the others wait and use its keys.
    fetching: tokio::sync::Mutex<()>,
}

struct Keys {
    set: Arc<JwkSet>,
    fetched: Option<Instant>,
    /// When the last fetch failed, if it did: the next waits an interval,
    /// so an issuer that is down is not asked at every token.
    failed: Option<Instant>,
}

/// The asymmetric algorithms accepted by default.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl JwtValidator {
    /// Reads `issuer`'s metadata (OpenID discovery, or RFC 8414) for its
    /// key set, and fetches the keys once. `audience` is this server's URL
    /// as its clients reach it (what the tokens' `aud` must name).
    pub async fn discover(
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Self, DiscoveryError> {
        let issuer = issuer.into();
        let http = http_client();
        let metadata = discovery::discover(&http, &issuer).await?;
        let jwks_uri = metadata
            .jwks_uri
            .ok_or(DiscoveryError::Missing("jwks_uri"))?;
        let mut validator = JwtValidator::new(metadata.issuer, jwks_uri, audience);
        validator.http = http;
        validator
            .refresh()
            .await
            .map_err(|e| DiscoveryError::Unreachable {
                issuer,
                detail: e.to_string(),
            })?;
        Ok(validator)
    }

    /// A validator for `issuer`'s tokens with the keys at `jwks_uri`
    /// (fetched at the first token), for `audience`.
    pub fn new(
        issuer: impl Into<String>,
        jwks_uri: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        JwtValidator {
            issuer: issuer.into(),
            audience: vec![audience.into().trim_end_matches('/').to_owned()],
            algorithms: ALGORITHMS.to_vec(),
            leeway: Duration::from_secs(30),
            jwks_uri: jwks_uri.into(),
            refetch_interval: Duration::from_secs(30),
            max_age: Duration::from_secs(600),
            http: http_client(),
            keys: RwLock::new(Keys {
                set: Arc::new(JwkSet { keys: Vec::new() }),
                fetched: None,
                failed: None,
            }),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// Also accepts tokens for `audience` (e.g. the URL without a trailing
    /// slash and with one, or a logical API identifier).
    #[must_use]
    pub fn also_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// The accepted algorithms (default: RS, PS and ES families and EdDSA).
    /// Symmetric algorithms need a shared secret, not a published key, and
    /// are refused whatever the list says.
    #[must_use]
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms
            .iter()
            .copied()
            .filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
            .collect();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 30 s).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How soon after a fetch a token with an unknown key id may trigger
    /// another (default 30 s), and after a failed fetch any may: rotation
    /// is picked up, and a flood of made-up key ids, or of tokens while
    /// the issuer is down, costs it one request per interval.
    #[must_use]
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How long fetched keys are used before they are fetched again at the
    /// next token (default 10 min), so a key the issuer withdrew stops
    /// working.
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    async fn check(&self, token: &str) -> Result<AccessToken, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| match raw_alg(token) {
            Some(alg) => TokenError::Algorithm(alg),
            None => TokenError::Malformed,
        })?;
        if !self.algorithms.contains(&header.alg) {
            return Err(TokenError::Algorithm(format!("{:?}", header.alg)));
        }
        let jwk = self.key(header.kid.as_deref()).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| TokenError::UnknownKey)?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&self.audience);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::InvalidSignature => TokenError::Signature,
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                    ErrorKind::InvalidIssuer => TokenError::Issuer,
                    ErrorKind::InvalidAudience => TokenError::Audience,
                    ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => {
                        TokenError::Audience
                    }
                    ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => TokenError::Issuer,
                    ErrorKind::InvalidAlgorithm => {
                        TokenError::Algorithm(format!("{:?}", header.alg))
                    }
                    _ => TokenError::Malformed,
                }
            })?;
        Ok(AccessToken::from_claims(data.claims))
    }

    /// The key `kid` names (or the only key, for a token without one),
    /// refetching the set when it is unknown or the keys are old.
    async fn key(&self, kid: Option<&str>) -> Result<Jwk, TokenError> {
        let (found, fetched) = self.lookup(kid);
        let stale = fetched.is_none_or(|at| at.elapsed() >= self.max_age);
        if let Some(jwk) = found.filter(|_| !stale) {
            return Ok(jwk);
        }
        // Old keys are fetched again; an unknown key id triggers a fetch at
        // most once per interval; so does a failed fetch.
        let may_refetch = || {
            let keys = read(&self.keys);
            let recent =
                |at: Option<Instant>| at.is_some_and(|at| at.elapsed() < self.refetch_interval);
            !recent(keys.failed) && (stale || !recent(keys.fetched))
        };
        if may_refetch() {
            let _one = self.fetching.lock().await;
            // Another request may have fetched, or failed to, while this
            // one waited.
            if self.lookup(kid).1 == fetched
                && may_refetch()
                && let Err(e) = self.refresh().await
            {
                tracing::warn!("mcp-runtime: cannot fetch the issuer's keys: {e}");
                write(&self.keys).failed = Some(Instant::now());
            }
        }
        let (found, fetched) = self.lookup(kid);
        match (found, fetched) {
            (Some(jwk), _) => Ok(jwk),
            (None, None) => Err(TokenError::Unavailable(
                "the issuer's keys are unreachable".into(),
            )),
            (None, Some(_)) => Err(TokenError::UnknownKey),
        }
    }

    fn lookup(&self, kid: Option<&str>) -> (Option<Jwk>, Option<Instant>) {
        let keys = read(&self.keys);
        let jwk = match kid {
            Some(kid) => keys.set.find(kid),
            None if keys.set.keys.len() == 1 => keys.set.keys.first(),
            None => None,
        };
        (jwk.cloned(), keys.fetched)
    }

    async fn refresh(&self) -> Result<(), reqwest::Error> {
        let set: JwkSet = self
            .http
            .get(&self.jwks_uri)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        *write(&self.keys) = Keys {
            set: Arc::new(set),
            fetched: Some(Instant::now()),
            failed: None,
        };
        Ok(())
    }
}

impl TokenValidator for JwtValidator {
    fn validate<'a>(&'a self, token: &'a str) -> ValidationFuture<'a> {
        Box::pin(self.check(token))
    }
}

/// The `alg` a token's header names, read without trusting anything else:
/// for the reason of a refusal (`none`, `HS256` …).
fn raw_alg(token: &str) -> Option<String> {
    let header = URL_SAFE_NO_PAD.decode(token.split('.').next()?).ok()?;
    let header: Value = serde_json::from_slice(&header).ok()?;
    header
        .get("alg")?
        .as_str()
        .map(|s| s.chars().take(16).collect())
}

/// The client for the issuer's documents: bounded in time.
pub(super) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}
