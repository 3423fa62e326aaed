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

use serde::Serialize;

use crate::catalog::error::Unexposable;
use crate::catalog::lists::Listed;
use crate::handler::completion::Completer;
use crate::handler::completion::completer;
use crate::handler::defs::ResourceDef;
use crate::schema::route::HttpMethod;
use crate::schema::route::Template;
use crate::schema::uri_template::UriTemplate;

/// A resource ready to be listed and read.
pub(crate) struct ResourceEntry {
    pub def: &'static ResourceDef,
    pub uri: UriTemplate,
    pub route: Template,
    pub locator: String,
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
pub(crate) fn compile(
    def: &'static ResourceDef,
) -> Result<(ResourceEntry, Listed), Vec<Unexposable>> {
    let uri = UriTemplate::parse(def.uri).map_err(|e| vec![Unexposable::UriTemplate(e)])?;
    let route = Template::parse(def.route.path).map_err(|e| vec![Unexposable::Route(e)])?;
    let mut problems = Vec::new();
    if !def.route.methods.contains(&HttpMethod::Get) {
        problems.push(Unexposable::NotGet {
            path: def.route.path,
        });
    }
    let segments = route.names();
    for segment in &segments {
        if !uri.path_vars.iter().any(|v| v == segment) {
            problems.push(Unexposable::SegmentNotInUri {
                segment: (*segment).to_owned(),
                uri: def.uri,
            });
        }
    }
    for var in &uri.path_vars {
        if !segments.contains(&var.as_str()) {
            problems.push(Unexposable::UriVariableNotSegment {
                variable: var.clone(),
                path: def.route.path,
            });
        }
    }
    for var in &uri.query_vars {
        if segments.contains(&var.as_str()) {
            problems.push(Unexposable::QueryVariableIsSegment {
                variable: var.clone(),
            });
        }
    }
    let entry = ResourceEntry {
        def,
        uri,
        route,
        locator: def.route.exposed.locator_name(),
    };
    for (name, _) in def.completions {
        if !entry.has_variable(name) {
            problems.push(Unexposable::CompletionNamesNoVariable {
                name: (*name).to_owned(),
                uri: def.uri,
            });
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
    let json =
        serde_json::value::to_raw_value(&listed).map_err(|e| vec![Unexposable::Serialize(e)])?;
    Ok((
        entry,
        Listed {
            name: def.name,
            access: def.access(),
            json,
        },
    ))
}
