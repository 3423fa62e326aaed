//! Resources: what `#[mcp_resource]` registers, and reading one: a `GET` on
//! its route, through the app, whose response becomes the contents.
//!
//! | response | `resources/read` |
//! |---|---|
//! | 2xx text (JSON, `text/*`, other UTF-8) | `contents[0].text`, `mimeType` from `Content-Type` |
//! | 2xx binary (`image/*`, `audio/*`, octet-stream, non-UTF-8) | `contents[0].blob` (base64) |
//! | 404, or a URI that fits no resource | not found: `-32602` (2026-07-28), `-32002` before, `data.uri` |
//! | other 4xx | `-32602` with the status and body |
//! | 5xx | `-32603` with the status |
//!
//! Under the stateless revision, `Cache-Control` sets the caching hints:
//! `max-age` the `ttlMs`, `private`/`no-store` (or a protected resource, or
//! a caller with credentials) a `private` scope.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use base64::Engine as _;
use rmcp::model::{ErrorCode, ErrorData, RequestId};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::catalog::Listed;
use crate::completion::Completer;
use crate::dispatch::{Dispatcher, Exchange, Outcome};
use crate::forward::{Parts, Template};
use crate::jsonrpc;
use crate::method::RequestMethod;
use crate::modern;
use crate::prompt::completer;
use crate::protocol::Version;
use crate::registry::{Exposed, HttpMethod, Location, Route};
use crate::result::{self, Mapping, Structured};
use crate::run::{self, Ended};
use crate::uri_template::UriTemplate;

/// One `#[mcp_resource]`, as registered by the macro. Generated code builds
/// it; its fields are not a stable API.
#[doc(hidden)]
pub struct ResourceDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    /// A URI, or a URI template whose variables are the route's segments
    /// (`items://{id}` for `/items/{id}`) and query parameters
    /// (`items://search{?q,limit}`).
    pub uri: &'static str,
    pub mime_type: Option<&'static str>,
    pub requires_auth: bool,
    /// The `GET` route that serves it.
    pub route: Route,
    /// `complete(var = path::to::fn)`: completion of template variables.
    pub completions: &'static [(&'static str, Completer)],
    pub location: Location,
}

inventory::collect!(ResourceDef);

/// `resources/read`'s not-found code before 2026-07-28.
const RESOURCE_NOT_FOUND: ErrorCode = ErrorCode(-32002);

/// A resource ready to be listed and read.
pub(crate) struct ResourceEntry {
    pub def: &'static ResourceDef,
    pub uri: UriTemplate,
    route: Template,
    locator: String,
}

impl ResourceEntry {
    /// The function that completes `variable`, if the resource names one.
    pub(crate) fn completer(&self, variable: &str) -> Option<Completer> {
        completer(self.def.completions, variable)
    }

    pub(crate) fn has_variable(&self, name: &str) -> bool {
        self.uri
            .path_vars
            .iter()
            .chain(&self.uri.query_vars)
            .any(|v| v == name)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedResource<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_template: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mime_type: Option<&'a str>,
}

/// Compiles a resource: its URI template against its route, whose every
/// segment a variable must fill.
pub(crate) fn compile(def: &'static ResourceDef) -> Result<(ResourceEntry, Listed), Vec<String>> {
    let uri = UriTemplate::parse(def.uri).map_err(|e| vec![e])?;
    let route = Template::parse(def.route.path).map_err(|e| vec![e])?;
    let mut problems = Vec::new();
    if !def.route.methods.contains(&HttpMethod::Get) {
        problems.push(format!(
            "resources are read with GET, and the route `{}` does not take GET",
            def.route.path
        ));
    }
    let segments = route.names();
    for segment in &segments {
        if !uri.path_vars.iter().any(|v| v == segment) {
            problems.push(format!(
                "the route segment `{{{segment}}}` is not a variable of the URI `{}`, so a read \
                 cannot fill it; add `{{{segment}}}` to the URI",
                def.uri
            ));
        }
    }
    for var in &uri.path_vars {
        if !segments.contains(&var.as_str()) {
            problems.push(format!(
                "the URI variable `{{{var}}}` is not a segment of the route `{}`; name a route \
                 segment, or make it a query parameter with `{{?{var}}}`",
                def.route.path
            ));
        }
    }
    for var in &uri.query_vars {
        if segments.contains(&var.as_str()) {
            problems.push(format!(
                "`{var}` is a route segment, so it belongs in the URI's path (`{{{var}}}`), not \
                 its query (`{{?{var}}}`)"
            ));
        }
    }
    let entry = ResourceEntry {
        def,
        uri,
        route,
        locator: Exposed::Resource(def.name).locator_name(),
    };
    for (name, _) in def.completions {
        if !entry.has_variable(name) {
            problems.push(format!(
                "`complete({name} = …)` names no variable of the URI `{}`",
                def.uri
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let is_static = entry.uri.is_static();
    let listed = ListedResource {
        uri: is_static.then_some(def.uri),
        uri_template: (!is_static).then_some(def.uri),
        name: def.name,
        title: def.title,
        description: def.description,
        mime_type: def.mime_type,
    };
    let json = serde_json::value::to_raw_value(&listed).map_err(|e| vec![e.to_string()])?;
    Ok((
        entry,
        Listed {
            name: def.name,
            json,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct UriParams {
    pub uri: String,
}

/// The not-found error of the revision in force.
pub(crate) fn not_found(x: &Exchange, id: &RequestId, uri: &str) -> Outcome {
    let code = if x.version >= Version::V2026_07_28 {
        ErrorCode::INVALID_PARAMS
    } else {
        RESOURCE_NOT_FOUND
    };
    let e = ErrorData::new(
        code,
        format!("Resource not found: {uri}"),
        Some(json!({ "uri": uri })),
    );
    Outcome::error(id, &e)
}

/// `resources/read`.
pub(crate) async fn read(
    d: &Dispatcher,
    id: &RequestId,
    params: Option<&RawValue>,
    x: &Exchange,
) -> Outcome {
    let UriParams { uri } = match jsonrpc::params(&RequestMethod::ReadResource, params) {
        Ok(p) => p,
        Err(e) => return Outcome::error(id, &e),
    };
    let Some((resource, values)) = d.resource_for(&uri) else {
        return not_found(x, id, &uri);
    };
    if resource.def.requires_auth
        && let Err(outcome) = d.authenticate(id, x).await
    {
        return outcome;
    }
    // A value the route's pattern refuses names nothing the route serves.
    let Ok(parts) = Parts::from_values(&resource.route, &values) else {
        return not_found(x, id, &uri);
    };
    let owner = format!("resources/read:{uri}");
    let inputs = match run::answers(d, x, &owner) {
        Ok(inputs) => inputs,
        Err(e) => return Outcome::error(id, &e),
    };
    let name = resource.def.name;
    let scope = run::scope(d, x, id, name, None, inputs);
    let sent = run::through_app(d, x, &scope, HttpMethod::Get, &resource.locator, parts);
    let failed = |message: String| {
        let e = ErrorData::internal_error(format!("Reading `{uri}` failed: {message}"), None);
        Outcome::error(id, &e)
    };
    let response = match run::guarded(d, &scope, sent).await {
        None => return Outcome::Cancelled,
        Some(Ended::Stopped) => return run::stopped(d, id, &owner, &scope),
        Some(Ended::Failed(message) | Ended::Done(Err(message))) => return failed(message),
        Some(Ended::Done(Ok(response))) => response,
    };
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return not_found(x, id, &uri);
    }
    let cache = Caching::of(
        response.headers(),
        resource.def.requires_auth || x.host.headers().contains_key(header::AUTHORIZATION),
    );
    let mime = result::media_type(response.headers());
    let mapping = Mapping {
        tool: name,
        structured: Structured::No,
        max_bytes: d.limits.max_response_bytes,
        scope: Some(&scope),
    };
    let body = match result::read_body(response, &mapping).await {
        Ok(body) => body,
        Err(message) => return failed(message),
    };
    if !status.is_success() {
        let message = format!("Reading `{uri}` failed: HTTP {status}");
        let detail = String::from_utf8_lossy(&body).into_owned();
        let data = Some(json!({ "uri": uri, "status": status.as_u16(), "body": detail }));
        let code = if status.is_client_error() {
            ErrorCode::INVALID_PARAMS
        } else {
            ErrorCode::INTERNAL_ERROR
        };
        return Outcome::error(id, &ErrorData::new(code, message, data));
    }
    let mime = Some(mime)
        .filter(|m| !m.is_empty())
        .or_else(|| resource.def.mime_type.map(str::to_owned));
    let mut contents = Map::new();
    contents.insert("uri".into(), uri.clone().into());
    let text = mime
        .as_deref()
        .is_none_or(|m| !result::is_binary_media(m))
        .then(|| std::str::from_utf8(&body).ok())
        .flatten();
    match text {
        Some(text) => {
            contents.insert(
                "mimeType".into(),
                mime.as_deref().unwrap_or("text/plain").into(),
            );
            contents.insert("text".into(), text.into());
        }
        None => {
            let mime = mime.as_deref().unwrap_or("application/octet-stream");
            contents.insert("mimeType".into(), mime.into());
            let blob = base64::engine::general_purpose::STANDARD.encode(&body);
            contents.insert("blob".into(), blob.into());
        }
    }
    let mut result = Map::new();
    result.insert(
        "contents".into(),
        Value::Array(vec![Value::Object(contents)]),
    );
    if x.version >= Version::V2026_07_28 {
        modern::cacheable(&mut result, cache.ttl_ms, cache.private);
    }
    d.reply(x, id, result)
}

/// A read's caching hints, from the response's `Cache-Control`.
struct Caching {
    ttl_ms: u64,
    private: bool,
}

impl Caching {
    fn of(headers: &HeaderMap, protected: bool) -> Caching {
        let directives: Vec<String> = headers
            .get_all(header::CACHE_CONTROL)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|d| d.trim().to_ascii_lowercase())
            .collect();
        let has = |name: &str| directives.iter().any(|d| d == name);
        let max_age = directives
            .iter()
            .filter_map(|d| d.strip_prefix("max-age="))
            .find_map(|s| s.trim_matches('"').parse::<u64>().ok());
        let uncached = has("no-store") || has("no-cache");
        Caching {
            ttl_ms: if uncached {
                0
            } else {
                max_age.unwrap_or(0).saturating_mul(1000)
            },
            private: protected || has("private") || has("no-store"),
        }
    }
}

/// `resources/subscribe`: updates of `uri` will reach this session's
/// standalone stream (see `Notifier::resource_updated`).
pub(crate) fn subscribe(
    d: &Dispatcher,
    id: &RequestId,
    params: Option<&RawValue>,
    x: &Exchange,
    on: bool,
) -> Outcome {
    let method = if on {
        RequestMethod::Subscribe
    } else {
        RequestMethod::Unsubscribe
    };
    let UriParams { uri } = match jsonrpc::params(&method, params) {
        Ok(p) => p,
        Err(e) => return Outcome::error(id, &e),
    };
    let Some((session, _)) = &x.session else {
        let e = ErrorData::invalid_request(
            format!(
                "`{}` needs a session, and this server is stateless",
                method.as_str()
            ),
            None,
        );
        return Outcome::error(id, &e);
    };
    if !on {
        d.subscribers.unsubscribe(session, &uri);
    } else if d.resource_for(&uri).is_none() {
        return not_found(x, id, &uri);
    } else if let Err(full) = d.subscribers.subscribe(session, &uri) {
        let e = ErrorData::invalid_request(
            format!("This session already has {} resource subscriptions", full.0),
            None,
        );
        return Outcome::error(id, &e);
    }
    Outcome::Response(jsonrpc::success(id, &json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn caching(value: &str, protected: bool) -> (u64, bool) {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_str(value).unwrap());
        let c = Caching::of(&headers, protected);
        (c.ttl_ms, c.private)
    }

    #[test]
    fn cache_control_sets_the_hints() {
        assert_eq!(caching("max-age=60", false), (60_000, false));
        assert_eq!(caching("public, max-age=\"5\"", false), (5_000, false));
        assert_eq!(caching("private, max-age=60", false), (60_000, true));
        assert_eq!(caching("no-store", false), (0, true));
        assert_eq!(caching("no-cache, max-age=60", false), (0, false));
        assert_eq!(caching("max-age=60", true), (60_000, true));
        assert_eq!(caching("", false), (0, false));
    }
}
