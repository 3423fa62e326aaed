//! The MCP server apart from the API (feature `upstream`): each call is the
//! same request it would be in process, sent over HTTP to the API at a base
//! URL, and the API's response is read exactly as the app's would be.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use futures_util::StreamExt as _;

use crate::call::forward::Outgoing;

/// Where calls go when the MCP server runs as its own process: the API's
/// base URL, which of the MCP client's headers go along, the credentials
/// of the MCP server itself, and a timeout. Given to
/// [`McpServerBuilder::upstream`](crate::McpServerBuilder::upstream).
///
/// The MCP process mounts the same routes as the API (the same
/// `configure`): their handlers never run there, but their paths, scopes
/// included, are where calls go. By default no credential of the MCP client
/// (`Authorization`, `Cookie`, `Proxy-Authorization`) reaches the API: the
/// server authenticates the client itself (protected items run the
/// authenticator on the MCP request) and calls the API with the headers
/// given here, or forwards the client's own with
/// [`forward_client_header`](Self::forward_client_header). Connections are
/// pooled; HTTP errors of the API are tool errors exactly as in process.
///
/// ```
/// use std::time::Duration;
/// use mcp_runtime::config::Upstream;
///
/// let api = Upstream::new("http://items-api.internal:8080")
///     .header("x-api-key", "mcp-server-key")
///     .timeout(Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Upstream {
    base: String,
    pass: Vec<HeaderName>,
    headers: HeaderMap,
    client: reqwest::Client,
}

/// What never leaves for the API unless named in `pass`.
const CREDENTIALS: [HeaderName; 3] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::PROXY_AUTHORIZATION,
];

impl Upstream {
    /// Calls go to `base_url` (e.g. `http://api:8080`, or with a path
    /// prefix: `https://example.com/api`), with a 30 s timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        Upstream {
            base: base_url.into().trim_end_matches('/').to_owned(),
            pass: Vec::new(),
            headers: HeaderMap::new(),
            client: client(Duration::from_secs(30)),
        }
    }

    /// Forwards the MCP client's `name` header (e.g. `authorization`, when
    /// the API itself should see the client's token).
    ///
    /// # Panics
    ///
    /// If `name` is not a valid header name (a programming error).
    pub fn forward_client_header(mut self, name: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        self.pass.push(name);
        self
    }

    /// Sends `name: value` with every call: the MCP server's own
    /// credentials at the API.
    ///
    /// # Panics
    ///
    /// If `name` or `value` is not valid in a header (a programming error).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a valid header name");
        let value = HeaderValue::from_str(value).expect("a valid header value");
        self.headers.insert(name, value);
        self
    }

    /// How long a call may take to answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client = client(timeout);
        self
    }

    /// Sends the call's request to the API; its response as the app's
    /// would be: a body of known length (up to `max_bytes`) whole, any other
    /// streamed, so limits and streamed progress apply as in process.
    pub(crate) async fn send(
        &self,
        outgoing: Outgoing,
        max_bytes: usize,
    ) -> Result<HttpResponse, String> {
        let url = format!("{}{}", self.base, outgoing.uri);
        let mut headers = outgoing.headers;
        for name in &CREDENTIALS {
            if !self.pass.contains(name) {
                headers.remove(name);
            }
        }
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        // reqwest sets the host and the length of what it sends.
        headers.remove(header::HOST);
        headers.remove(header::CONTENT_LENGTH);
        let method = reqwest::Method::from_bytes(outgoing.method.to_actix().as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let mut request = self.client.request(method, &url);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_bytes());
        }
        if let Some(body) = outgoing.body {
            request = request.body(body);
        }
        let response = request.send().await.map_err(|e| {
            format!(
                "the API at {} did not answer: {}",
                self.base,
                e.without_url()
            )
        })?;
        let status =
            StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut reply = HttpResponse::build(status);
        for (name, value) in response.headers() {
            if !is_hop_by_hop(name.as_str()) {
                reply.append_header((name.as_str(), value.as_bytes()));
            }
        }
        let sized = response
            .content_length()
            .is_some_and(|n| usize::try_from(n).is_ok_and(|n| n <= max_bytes));
        if sized {
            let body = response
                .bytes()
                .await
                .map_err(|e| format!("the API's response broke off: {}", e.without_url()))?;
            return Ok(reply.body(body));
        }
        let body = response
            .bytes_stream()
            .map(|chunk| chunk.map_err(|e| std::io::Error::other(e.without_url())));
        Ok(reply.streaming(body))
    }
}

/// Headers about one connection, not the message.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "content-length"
            | "upgrade"
            | "te"
            | "trailer"
    )
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .build()
        .unwrap_or_default()
}
