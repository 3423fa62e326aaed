//! Reading the actix route attribute below `#[mcp_tool]` (`#[get("/p")]`,
//! `#[route("/p", method = "PUT")]`, …): the HTTP methods, the path template
//! and its parameter names.

use proc_macro2::{Ident, Span};
use quote::{ToTokens, TokenStreamExt};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, MetaNameValue, Token};

use crate::ctxt::Ctxt;

/// actix-web's route attributes: one per method, and `#[route]`.
pub(crate) const ROUTE_ATTRS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "query",
    "route",
];

/// A method a tool's route can have: the runtime's `HttpMethod`, variant for
/// variant. Prints as its variant name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Trace,
    Connect,
}

impl HttpMethod {
    /// From an upper-case method name, as actix spells it.
    pub(crate) fn parse(method: &str) -> Option<HttpMethod> {
        Some(match method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            "TRACE" => HttpMethod::Trace,
            "CONNECT" => HttpMethod::Connect,
            _ => return None,
        })
    }
}

impl ToTokens for HttpMethod {
    fn to_tokens(&self, tokens: &mut proc_macro2::TokenStream) {
        tokens.append(Ident::new(&format!("{self:?}"), Span::call_site()));
    }
}

/// The route a handler serves.
pub(crate) struct Route {
    /// Position of the attribute in the fn's attributes.
    pub index: usize,
    pub methods: Vec<HttpMethod>,
    pub path: String,
    /// Path parameter names, in template order.
    pub params: Vec<String>,
}

fn last_segment(attr: &Attribute) -> String {
    attr.path()
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// What the fn's attributes say about its route.
pub(crate) struct Lookup {
    /// The route, if any (a hand-written tool has none).
    pub route: Option<Route>,
    /// A route attribute actix itself will reject (its path is not a string
    /// literal, a method is not upper case, `#[route]` has no method). actix
    /// reports that; this macro stays quiet and registers nothing rather
    /// than add a third error.
    pub unreadable: bool,
}

/// Finds the route attribute.
pub(crate) fn find(attrs: &[Attribute], cx: &mut Ctxt) -> Lookup {
    let mut found: Option<Route> = None;
    let mut unreadable = false;
    // Under `#[routes]`, several method attributes are expected: one error is enough.
    let multi = attrs.iter().any(|a| last_segment(a) == "routes");
    for (index, attr) in attrs.iter().enumerate() {
        let name = last_segment(attr);
        if name == "routes" {
            cx.error(
                attr,
                "`#[mcp_tool]` does not support `#[routes]`",
                "a tool has one route: give each route its own handler, or keep `#[mcp_tool]` on one of them",
            );
            continue;
        }
        if !ROUTE_ATTRS.contains(&name.as_str()) {
            continue;
        }
        let Some((methods, path)) = parse_args(attr, &name) else {
            unreadable = true;
            continue;
        };
        if multi {
            continue;
        }
        if found.is_some() {
            cx.error(
                attr,
                "a handler with `#[mcp_tool]` can have only one route attribute",
                "remove the extra route attribute, or use `#[route(\"/path\", method = \"GET\", method = \"HEAD\")]`",
            );
            continue;
        }
        let Some(methods) = methods
            .iter()
            .map(|(method, span)| supported(method, *span, cx))
            .collect()
        else {
            continue;
        };
        found = Some(Route {
            index,
            methods,
            params: template_params(&path.value()),
            path: path.value(),
        });
    }
    Lookup {
        route: found,
        unreadable,
    }
}

/// A method the runtime can call a route with. actix also accepts custom
/// upper-case methods (and `#[query]`), which a tool call cannot use.
fn supported(method: &str, span: Span, cx: &mut Ctxt) -> Option<HttpMethod> {
    let parsed = HttpMethod::parse(method);
    if parsed.is_none() {
        cx.error_at(
            span,
            format_args!("`#[mcp_tool]` does not support the HTTP method `{method}`"),
            "a tool call uses one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE, \
             CONNECT: give the tool a route with one of them",
        );
    }
    parsed
}

/// Parses `("/path", key = value, …)` of the attribute `name`: the methods
/// (each with its span) and the path. `None` when actix will reject it.
fn parse_args(attr: &Attribute, name: &str) -> Option<(Vec<(String, Span)>, LitStr)> {
    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream| {
        let path: LitStr = input.parse()?;
        let mut methods = Vec::new();
        if input.parse::<Option<Token![,]>>()?.is_some() {
            let rest = Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)?;
            for nv in rest {
                if nv.path.is_ident("method")
                    && let Expr::Lit(ExprLit {
                        lit: Lit::Str(m), ..
                    }) = &nv.value
                {
                    methods.push((m.value(), m.span()));
                }
            }
        }
        Ok((methods, path))
    });
    let (methods, path) = parsed.ok()?;
    let methods = match (name, methods.is_empty()) {
        ("route", _) => methods,
        (_, true) => {
            let span = attr
                .path()
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span());
            vec![(name.to_ascii_uppercase(), span)]
        }
        // actix: "HTTP method forbidden here".
        (_, false) => return None,
    };
    // actix: "HTTP method must be uppercase", "requires at least one `method`".
    let actix_rejects = methods.is_empty()
        || methods
            .iter()
            .any(|(m, _)| m.chars().any(|c| !c.is_ascii_uppercase()));
    (!actix_rejects).then_some((methods, path))
}

/// The dynamic segment names of an actix path template: `{id}`, `{id:\d+}`
/// (a regex may itself contain braces) and the tail `{tail}*` / `{tail:.*}`.
pub(crate) fn template_params(path: &str) -> Vec<String> {
    let mut params = Vec::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        let (mut depth, mut inner) = (1usize, String::new());
        for c in chars.by_ref() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            inner.push(c);
        }
        let name = inner.split(':').next().unwrap_or("").trim();
        if !name.is_empty() {
            params.push(name.to_owned());
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn template_parameter_names() {
        assert_eq!(template_params("/items/{id}"), ["id"]);
        assert_eq!(
            template_params("/orgs/{org}/items/{id:\\d+}"),
            ["org", "id"]
        );
        assert_eq!(template_params("/re/{code:[a-z]{3}}/x"), ["code"]);
        assert_eq!(template_params("/files/{tail}*"), ["tail"]);
        assert!(template_params("/plain").is_empty());
    }

    #[test]
    fn reads_method_and_route_attributes() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = "x"]),
            parse_quote!(#[actix_web::put("/items/{id}", name = "put_item")]),
        ];
        let r = find(&attrs, &mut cx).route.unwrap();
        assert_eq!(
            (r.index, r.methods, r.path.as_str()),
            (1, vec![HttpMethod::Put], "/items/{id}")
        );

        let attrs: Vec<Attribute> =
            vec![parse_quote!(#[route("/x/{a}/{b}", method = "GET", method = "HEAD")])];
        let r = find(&attrs, &mut cx).route.unwrap();
        assert_eq!(r.methods, [HttpMethod::Get, HttpMethod::Head]);
        assert_eq!(r.params, ["a", "b"]);
        assert!(cx.into_compile_errors().is_none());
    }

    #[test]
    fn what_actix_rejects_is_left_to_actix() {
        for attr in [
            parse_quote!(#[get(PATH)]),
            parse_quote!(#[route("/x", method = "get")]),
            parse_quote!(#[route("/x")]),
            parse_quote!(#[get("/x", method = "POST")]),
        ] {
            let mut cx = Ctxt::default();
            let lookup = find(&[attr], &mut cx);
            assert!(lookup.unreadable && lookup.route.is_none());
            assert!(cx.into_compile_errors().is_none(), "actix reports it");
        }
    }

    #[test]
    fn custom_methods_are_refused() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> =
            vec![parse_quote!(#[route("/x", method = "GET", method = "PURGE")])];
        assert!(find(&attrs, &mut cx).route.is_none());
        let attrs: Vec<Attribute> = vec![parse_quote!(#[query("/x")])];
        assert!(find(&attrs, &mut cx).route.is_none());
        let errors = cx.messages();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`#[mcp_tool]` does not support the HTTP method `PURGE`"));
        assert!(errors[1].starts_with("`#[mcp_tool]` does not support the HTTP method `QUERY`"));
    }

    #[test]
    fn rejects_routes_and_two_route_attributes() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![parse_quote!(#[get("/a")]), parse_quote!(#[post("/b")])];
        find(&attrs, &mut cx);
        let errors = cx.messages();
        assert!(errors[0].contains("only one route attribute"), "{errors:?}");

        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[routes]),
            parse_quote!(#[get("/a")]),
            parse_quote!(#[post("/b")]),
        ];
        find(&attrs, &mut cx);
        let errors = cx.messages();
        assert_eq!(errors.len(), 1, "one error is enough: {errors:?}");
        assert!(errors[0].contains("does not support `#[routes]`"));
    }
}
