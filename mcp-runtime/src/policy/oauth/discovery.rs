//! Finding an issuer's endpoints from its metadata: OpenID Connect
//! discovery, then RFC 8414 authorization-server metadata.

use std::fmt;

use serde::Deserialize;

/// What the validators need of an issuer's metadata.
#[derive(Debug, Deserialize)]
pub(crate) struct IssuerMetadata {
    pub issuer: String,
    pub jwks_uri: Option<String>,
    pub introspection_endpoint: Option<String>,
}

/// Why an issuer's metadata could not be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// Neither metadata document could be fetched.
    Unreachable {
        /// The issuer.
        issuer: String,
        /// What went wrong, per URL tried.
        detail: String,
    },
    /// The metadata names another issuer (RFC 8414 §3.3: it must match).
    IssuerMismatch {
        /// The issuer asked for.
        expected: String,
        /// The issuer the metadata names.
        found: String,
    },
    /// The metadata lacks an endpoint the validator needs.
    Missing(&'static str),
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::Unreachable { issuer, detail } => {
                write!(f, "cannot read the metadata of issuer {issuer}: {detail}")
            }
            DiscoveryError::IssuerMismatch { expected, found } => write!(
                f,
                "the metadata of issuer {expected} names another issuer, {found}"
            ),
            DiscoveryError::Missing(what) => write!(f, "the issuer's metadata has no `{what}`"),
        }
    }
}

impl std::error::Error for DiscoveryError {}

/// The metadata of `issuer`: OpenID discovery first, then RFC 8414 (with
/// the well-known segment before the issuer's path).
pub(crate) async fn discover(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<IssuerMetadata, DiscoveryError> {
    let issuer = issuer.trim_end_matches('/');
    let mut detail = Vec::new();
    for url in candidates(issuer) {
        match fetch(http, &url).await {
            Ok(metadata) => {
                if metadata.issuer.trim_end_matches('/') != issuer {
                    return Err(DiscoveryError::IssuerMismatch {
                        expected: issuer.to_owned(),
                        found: metadata.issuer,
                    });
                }
                return Ok(metadata);
            }
            Err(e) => detail.push(format!("{url}: {e}")),
        }
    }
    Err(DiscoveryError::Unreachable {
        issuer: issuer.to_owned(),
        detail: detail.join("; "),
    })
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<IssuerMetadata, reqwest::Error> {
    http.get(url).send().await?.error_for_status()?.json().await
}

fn candidates(issuer: &str) -> [String; 2] {
    let after_scheme = issuer.find("://").map_or(0, |i| i + 3);
    let split = issuer[after_scheme..]
        .find('/')
        .map_or(issuer.len(), |i| after_scheme + i);
    let (origin, path) = issuer.split_at(split);
    [
        format!("{issuer}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_8414_puts_the_well_known_segment_first() {
        assert_eq!(
            candidates("https://login.example.com/realms/items"),
            [
                "https://login.example.com/realms/items/.well-known/openid-configuration",
                "https://login.example.com/.well-known/oauth-authorization-server/realms/items",
            ]
        );
    }
}
