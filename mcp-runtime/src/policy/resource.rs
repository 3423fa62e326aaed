//! What the server publishes about its own protection (RFC 9728
//! protected-resource metadata), so OAuth clients can find where to get a
//! token for it from a 401 alone.

use actix_web::HttpRequest;
use serde_json::{Value, json};

/// RFC 9728 protected-resource metadata: the authorization servers that
/// issue tokens for this MCP server, and what it is called. Given to
/// [`McpServerBuilder::oauth`](crate::McpServerBuilder::oauth).
///
/// The server then serves the document at
/// `/.well-known/oauth-protected-resource` and at the path-suffixed form
/// for its endpoint (`/.well-known/oauth-protected-resource/mcp`), without
/// credentials and readable cross-origin, and every challenge names it
/// (`WWW-Authenticate: Bearer resource_metadata="…"`). Clients (Claude,
/// VS Code, the official SDKs) read it to start their authorization flow.
///
/// `scopes_supported` defaults to every scope the server's items and
/// endpoint name; `resource` defaults to the endpoint's URL as the request
/// reached it (set it behind a proxy, or when the endpoint is mounted
/// inside another scope).
///
/// ```
/// use mcp_runtime::auth::ProtectedResource;
///
/// let metadata = ProtectedResource::new()
///     .authorization_server("https://login.example.com/realms/items")
///     .resource("https://api.example.com/mcp")
///     .resource_name("Items API");
/// let mcp = mcp_runtime::McpServer::builder().oauth(metadata).build().unwrap();
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ProtectedResource {
    pub(crate) resource: Option<String>,
    authorization_servers: Vec<String>,
    scopes_supported: Option<Vec<String>>,
    resource_name: Option<String>,
    documentation: Option<String>,
    pub(crate) authorization_server_metadata: Option<Value>,
}

/// Where RFC 9728 puts the metadata.
pub(crate) const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";
/// Where RFC 8414 puts an authorization server's.
const AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

impl ProtectedResource {
    /// No authorization server yet: add one with
    /// [`authorization_server`](Self::authorization_server), or serve
    /// your own metadata with
    /// [`authorization_server_metadata`](Self::authorization_server_metadata).
    pub fn new() -> Self {
        Self::default()
    }

    /// An issuer that grants tokens for this server (its URL, as in its
    /// own metadata's `issuer`). May be given several times.
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// The server's URL as clients reach it (the audience its tokens must
    /// name), e.g. `https://api.example.com/mcp`.
    pub fn resource(mut self, url: impl Into<String>) -> Self {
        self.resource = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The scopes to advertise, in place of those the items name.
    pub fn scopes_supported<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes_supported = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// A human-readable name for the server.
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// A page about how to use the server.
    pub fn documentation(mut self, url: impl Into<String>) -> Self {
        self.documentation = Some(url.into());
        self
    }

    /// Serves `metadata` as this host's own RFC 8414 authorization-server
    /// metadata, for setups where the issuer publishes none or clients
    /// must be pointed at endpoints of your choosing; the issuer it names
    /// is then listed as the authorization server. It is served at
    /// `/.well-known/oauth-authorization-server` and, for an issuer with a
    /// path (`https://api.example.com/auth`), at RFC 8414's path-inserted
    /// form (`/.well-known/oauth-authorization-server/auth`), where clients
    /// look. The issuer must be an http(s) URL on this server's origin
    /// (checked against [`resource`](Self::resource) when set):
    /// [`build`](crate::McpServerBuilder::build) refuses others, since
    /// clients would look for the document on the issuer's host. Nothing
    /// is invented: no registration endpoint unless `metadata` has one
    /// (clients use client-ID metadata documents or pre-registration).
    ///
    /// ```
    /// use mcp_runtime::auth::ProtectedResource;
    /// let metadata = ProtectedResource::new()
    ///     .resource("https://api.example.com/mcp")
    ///     .authorization_server_metadata(serde_json::json!({
    ///         "issuer": "https://api.example.com/auth",
    ///         "authorization_endpoint": "https://api.example.com/auth/authorize",
    ///         "token_endpoint": "https://api.example.com/auth/token",
    ///         "code_challenge_methods_supported": ["S256"],
    ///     }));
    /// ```
    pub fn authorization_server_metadata(mut self, metadata: Value) -> Self {
        if let Some(issuer) = metadata.get("issuer").and_then(Value::as_str)
            && !self.authorization_servers.iter().any(|s| s == issuer)
        {
            self.authorization_servers.push(issuer.to_owned());
        }
        self.authorization_server_metadata = Some(metadata);
        self
    }

    /// Where this host serves the custom authorization-server metadata:
    /// the root form, and the path-inserted one for an issuer with a path
    /// (none without custom metadata). `Err` says why its issuer cannot be
    /// served from here.
    pub(crate) fn authorization_server_paths(&self) -> Result<Vec<String>, String> {
        let Some(metadata) = &self.authorization_server_metadata else {
            return Ok(Vec::new());
        };
        let Some(issuer) = metadata.get("issuer").and_then(Value::as_str) else {
            return Err("`authorization_server_metadata` needs an `issuer` (RFC 8414 §2)".into());
        };
        let Some((origin, path)) = split_url(issuer) else {
            return Err(format!(
                "the authorization-server metadata's issuer `{issuer}` is not an http(s) URL \
                 without query or fragment (RFC 8414 §2)"
            ));
        };
        if let Some((ours, _)) = self.resource.as_deref().and_then(split_url)
            && !ours.eq_ignore_ascii_case(origin)
        {
            return Err(format!(
                "the authorization-server metadata's issuer `{issuer}` is not on this server's \
                 origin `{ours}`: clients would look for its metadata at `{origin}`, not here\n  \
                 help: give `authorization_server(\"{issuer}\")` instead when that issuer \
                 publishes its own metadata"
            ));
        }
        let path = path.trim_end_matches('/');
        let mut paths = vec![AUTHORIZATION_SERVER.to_owned()];
        if !path.is_empty() {
            paths.push(format!("{AUTHORIZATION_SERVER}{path}"));
        }
        Ok(paths)
    }

    /// The document for the endpoint at `resource`, advertising `scopes`
    /// unless scopes were set.
    pub(crate) fn document(&self, resource: &str, scopes: &[&str]) -> Value {
        let mut doc = json!({
            "resource": resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
            "scopes_supported": self.scopes_supported.clone()
                .unwrap_or_else(|| scopes.iter().map(|s| (*s).to_owned()).collect()),
        });
        if let Some(name) = &self.resource_name {
            doc["resource_name"] = json!(name);
        }
        if let Some(url) = &self.documentation {
            doc["resource_documentation"] = json!(url);
        }
        doc
    }

    /// The resource URL of the endpoint at `path`, as `req` reached it
    /// (or as configured).
    pub(crate) fn resource_url(&self, req: &HttpRequest, path: &str) -> String {
        match &self.resource {
            Some(url) => url.clone(),
            None => {
                let info = req.connection_info();
                format!(
                    "{}://{}{}",
                    info.scheme(),
                    info.host(),
                    path.trim_end_matches('/')
                )
            }
        }
    }
}

/// The origin (`scheme://authority`) and path of an http(s) URL without
/// query or fragment.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    if url.contains(['?', '#']) {
        return None;
    }
    let authority = rest.find('/').unwrap_or(rest.len());
    if authority == 0 {
        return None;
    }
    Some(url.split_at(url.len() - rest.len() + authority))
}

/// The metadata URL for `resource` (RFC 9728 §3.1: the well-known segment
/// between the origin and the path).
pub(crate) fn metadata_url(resource: &str) -> String {
    let after_scheme = resource.find("://").map_or(0, |i| i + 3);
    let path_start = resource[after_scheme..]
        .find('/')
        .map_or(resource.len(), |i| after_scheme + i);
    let (origin, path) = resource.split_at(path_start);
    format!("{origin}{WELL_KNOWN}{}", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_well_known_segment_goes_between_origin_and_path() {
        assert_eq!(
            metadata_url("https://api.example.com/mcp"),
            "https://api.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            metadata_url("http://h/api/mcp/"),
            "http://h/.well-known/oauth-protected-resource/api/mcp"
        );
    }
}
