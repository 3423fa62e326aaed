//! The `uri` of `#[mcp_resource]`: a URI, or an RFC 6570 level-1 template
//! (`{var}` expansions) with an optional trailing query expansion
//! (`{?a,b}`), checked against the route that serves it. A read is a `GET`
//! on that route, built from the URI: each `{var}` fills the route segment
//! of its name and each query variable a query parameter, so every
//! variable needs a place in the request and every segment a variable.

use syn::LitStr;

use crate::ctxt::Ctxt;
use crate::route::{self, Route};

/// A parsed `uri`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UriTemplate {
    /// The `{var}` expansions, in order.
    pub vars: Vec<String>,
    /// The variables of the trailing `{?a,b}`.
    pub query: Vec<String>,
}

impl UriTemplate {
    /// Every variable: the expansions', then the query's.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().chain(&self.query).map(String::as_str)
    }
}

const SHAPE: &str = "a resource URI template has `{var}` expansions and an optional trailing `{?a,b}` query \
     expansion";

/// Parses the template in `lit`; `None` after an error.
pub(crate) fn parse(lit: &LitStr, cx: &mut Ctxt) -> Option<UriTemplate> {
    let uri = lit.value();
    let mut template = UriTemplate {
        vars: Vec::new(),
        query: Vec::new(),
    };
    let mut ok = true;
    let mut error = |message: String, help: &str| {
        cx.error(lit, message, help);
        ok = false;
    };
    let mut rest = uri.as_str();
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            error(
                format!("unmatched `}}` in the URI template `{uri}`"),
                "a `}` closes a `{var}` expression; percent-encode a literal one as `%7D`",
            );
            rest = &rest[i + 1..];
            continue;
        }
        let Some(len) = rest[i..].find('}') else {
            error(
                format!("unclosed `{{` in the URI template `{uri}`"),
                "close the expression, e.g. `{id}`",
            );
            break;
        };
        let expression = &rest[i..=i + len];
        rest = &rest[i + len + 1..];
        let inner = &expression[1..expression.len() - 1];
        let (query, names) = match inner.strip_prefix('?') {
            Some(names) => (true, names),
            None => (false, inner),
        };
        if let Some(op) = names.chars().next().filter(|c| "+#./;&=,!@|?".contains(*c)) {
            error(
                format!("the URI template operator `{op}` in `{expression}` is not supported"),
                SHAPE,
            );
            continue;
        }
        if query && !rest.is_empty() {
            error(
                format!("the query expansion `{expression}` must end the URI template"),
                "move it to the end of the URI",
            );
        }
        if !query && names.contains(',') {
            error(
                format!("`{expression}` expands several variables in one expression"),
                "give each variable its own expression, e.g. `{a}/{b}`; only the query expansion \
                 lists several: `{?a,b}`",
            );
            continue;
        }
        for name in names.split(',') {
            if name.is_empty() {
                error(
                    format!("empty variable name in `{expression}`"),
                    "name the variable, e.g. `{id}`",
                );
            } else if name.ends_with('*') || name.contains(':') {
                error(
                    format!("the modifier in `{expression}` is not supported"),
                    "write the variable alone, e.g. `{id}`",
                );
            } else if !valid_name(name) {
                error(
                    format!("invalid variable name `{name}` in the URI template"),
                    "a variable name is letters, digits and `_`, with single `.` between them",
                );
            } else if template.variables().any(|v| v == name) {
                error(
                    format!("the variable `{name}` appears twice in the URI template"),
                    "a variable has one value: name each once",
                );
            } else if query {
                template.query.push(name.to_owned());
            } else {
                template.vars.push(name.to_owned());
            }
        }
    }
    ok.then_some(template)
}

/// RFC 6570's `varname`, without percent-encoded characters (a route
/// segment could not be named so).
fn valid_name(name: &str) -> bool {
    let word = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    name.split('.').all(word)
}

/// Checks that the route can serve every URI the template expands to: its
/// segments are the template's `{var}`s (and the `{?…}` list the rest).
pub(crate) fn check_route(template: &UriTemplate, lit: &LitStr, route: &Route, cx: &mut Ctxt) {
    let uri = lit.value();
    let path = &route.path;
    let suggested = || suggest(&uri, template, route);
    if template.variables().next().is_none() && !route.params.is_empty() {
        cx.error(
            lit,
            format_args!("the URI `{uri}` has no variables, but the route `{path}` has segments"),
            format_args!(
                "a read fills the route's segments from the URI: make it a template, e.g. `{}`",
                suggested()
            ),
        );
        return;
    }
    for segment in route.params.iter().filter(|s| !template.vars.contains(s)) {
        cx.error(
            lit,
            format_args!("the route segment `{{{segment}}}` of `{path}` is not a variable of the URI template `{uri}`"),
            format_args!(
                "a read fills the route's segments from the URI's `{{var}}`s: e.g. `{}`",
                suggested()
            ),
        );
    }
    for var in template.vars.iter().filter(|v| !route.params.contains(v)) {
        let segments = if route.params.is_empty() {
            "the route has none".to_owned()
        } else {
            format!("the route has {}", braced(&route.params))
        };
        cx.error(
            lit,
            format_args!("the URI variable `{{{var}}}` is not a segment of the route `{path}`"),
            format_args!(
                "a variable is a route segment or a query parameter: use one of the segments \
                 ({segments}), or list it in the query expansion `{{?{var}}}`"
            ),
        );
    }
}

/// A template for the route: the URI's scheme, the route's path and the
/// template's query variables that are not segments.
fn suggest(uri: &str, template: &UriTemplate, route: &Route) -> String {
    let scheme = uri.find("://").map_or("", |i| &uri[..i + 3]);
    let path = route::plain_template(&route.path);
    let path = if scheme.is_empty() {
        path.as_str()
    } else {
        path.trim_start_matches('/')
    };
    let query: Vec<&str> = template
        .variables()
        .filter(|v| !route.params.iter().any(|p| p == v))
        .collect();
    if query.is_empty() {
        format!("{scheme}{path}")
    } else {
        format!("{scheme}{path}{{?{}}}", query.join(","))
    }
}

/// `{a}, {b}`.
fn braced(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{{{n}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::HttpMethod;
    use proc_macro2::Span;

    fn lit(uri: &str) -> LitStr {
        LitStr::new(uri, Span::call_site())
    }

    fn parsed(uri: &str) -> Result<UriTemplate, Vec<String>> {
        let mut cx = Ctxt::default();
        let template = parse(&lit(uri), &mut cx);
        let messages = cx.messages();
        template.ok_or(messages)
    }

    fn template(vars: &[&str], query: &[&str]) -> UriTemplate {
        let owned = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect();
        UriTemplate {
            vars: owned(vars),
            query: owned(query),
        }
    }

    #[test]
    fn parses_level_one_templates_and_a_query() {
        assert_eq!(parsed("items://all"), Ok(template(&[], &[])));
        assert_eq!(
            parsed("items://{org}/{id}.json"),
            Ok(template(&["org", "id"], &[]))
        );
        assert_eq!(
            parsed("items://search{?q,page_size,v.2}"),
            Ok(template(&[], &["q", "page_size", "v.2"]))
        );
    }

    #[test]
    fn rejects_what_a_read_cannot_expand() {
        let cases = [
            (
                "items://{id",
                "unclosed `{` in the URI template `items://{id`",
            ),
            (
                "items://id}",
                "unmatched `}` in the URI template `items://id}`",
            ),
            ("items://{}", "empty variable name in `{}`"),
            ("items://{?}", "empty variable name in `{?}`"),
            (
                "items://{a-b}",
                "invalid variable name `a-b` in the URI template",
            ),
            (
                "items://{a..b}",
                "invalid variable name `a..b` in the URI template",
            ),
            (
                "items://{+path}",
                "the URI template operator `+` in `{+path}` is not supported",
            ),
            (
                "items://{/a}",
                "the URI template operator `/` in `{/a}` is not supported",
            ),
            ("items://{id*}", "the modifier in `{id*}` is not supported"),
            (
                "items://{id:3}",
                "the modifier in `{id:3}` is not supported",
            ),
            (
                "items://{a,b}",
                "`{a,b}` expands several variables in one expression",
            ),
            (
                "items://{?q}/{id}",
                "the query expansion `{?q}` must end the URI template",
            ),
            (
                "items://{id}/{id}",
                "the variable `id` appears twice in the URI template",
            ),
            (
                "items://{id}{?id}",
                "the variable `id` appears twice in the URI template",
            ),
        ];
        for (uri, message) in cases {
            let errors = parsed(uri).unwrap_err();
            assert_eq!(errors.len(), 1, "{uri}: {errors:?}");
            assert!(errors[0].starts_with(message), "{uri}: {errors:?}");
        }
    }

    fn route(path: &str) -> Route {
        Route {
            index: 0,
            methods: vec![HttpMethod::Get],
            path: path.to_owned(),
            params: route::template_params(path),
            name: None,
            guards: Vec::new(),
            wraps: Vec::new(),
        }
    }

    fn route_errors(uri: &str, path: &str) -> Vec<String> {
        let mut cx = Ctxt::default();
        let template = parse(&lit(uri), &mut cx).unwrap();
        check_route(&template, &lit(uri), &route(path), &mut cx);
        cx.messages()
    }

    #[test]
    fn variables_and_segments_match() {
        assert!(route_errors("items://{org}/{id}", "/orgs/{org}/items/{id:\\d+}").is_empty());
        assert!(route_errors("items://search{?q,limit}", "/items").is_empty());
        assert!(route_errors("items://{id}{?fields}", "/items/{id}").is_empty());
        assert!(route_errors("items://all", "/items").is_empty());
    }

    #[test]
    fn a_static_uri_needs_a_route_without_segments() {
        assert_eq!(
            route_errors("items://all", "/items/{id}"),
            [
                "the URI `items://all` has no variables, but the route `/items/{id}` has segments\n\
                 = help: a read fills the route's segments from the URI: make it a template, e.g. \
                 `items://items/{id}`"
            ]
        );
    }

    #[test]
    fn every_segment_is_a_variable_and_every_variable_has_a_place() {
        assert_eq!(
            route_errors("items://{item}{?q}", "/items/{id}"),
            [
                "the route segment `{id}` of `/items/{id}` is not a variable of the URI template \
                 `items://{item}{?q}`\n\
                 = help: a read fills the route's segments from the URI's `{var}`s: e.g. \
                 `items://items/{id}{?item,q}`",
                "the URI variable `{item}` is not a segment of the route `/items/{id}`\n\
                 = help: a variable is a route segment or a query parameter: use one of the \
                 segments (the route has {id}), or list it in the query expansion `{?item}`",
            ]
        );
        let errors = route_errors("/{id}", "/items");
        assert!(
            errors[0].ends_with("(the route has none), or list it in the query expansion `{?id}`")
        );
        // A segment listed as a query parameter is still not in the path.
        let errors = route_errors("items://x{?id}", "/items/{id}");
        assert!(
            errors[0].starts_with("the route segment `{id}`"),
            "{errors:?}"
        );
        assert!(
            errors[0].ends_with("e.g. `items://items/{id}`"),
            "{errors:?}"
        );
    }
}
