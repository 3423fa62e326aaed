//! Reading the actix route attribute below `#[mcp_tool]` or
//! `#[mcp_resource]` (`#[get("/p")]`, `#[route("/p", method = "PUT")]`, …):
//! the HTTP methods, the path template and its parameter names, and the
//! rest of what actix's macro would read from it (`name`, `guard`, `wrap`),
//! since the route is registered here rather than by actix's macro.

use proc_macro2::{Ident, Span};
use quote::{ToTokens, TokenStreamExt};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, MetaNameValue, Path, Token};

use crate::ctxt::Ctxt;
use crate::kind::Kind;

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
#[derive(Clone)]
pub(crate) struct Route {
    /// Position of the attribute in the fn's attributes.
    pub index: usize,
    pub methods: Vec<HttpMethod>,
    pub path: String,
    /// Path parameter names, in template order.
    pub params: Vec<String>,
    /// `name = "…"`: the resource's name, when not the fn's.
    pub name: Option<LitStr>,
    /// Each `guard = "path"`, in order.
    pub guards: Vec<Path>,
    /// Each `wrap = "expr"`, in order.
    pub wraps: Vec<Expr>,
}

/// What a route attribute says, as actix's macro reads it.
struct Args {
    path: LitStr,
    /// Each method with its span.
    methods: Vec<(String, Span)>,
    name: Option<LitStr>,
    guards: Vec<Path>,
    wraps: Vec<Expr>,
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

/// The first route attribute (`#[routes]` included), if any.
pub(crate) fn attribute(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().find(|a| {
        let name = last_segment(a);
        name == "routes" || ROUTE_ATTRS.contains(&name.as_str())
    })
}

/// Finds the route attribute of a tool or resource handler.
pub(crate) fn find(kind: Kind, attrs: &[Attribute], cx: &mut Ctxt) -> Lookup {
    let (attr_name, noun) = (kind.attr(), kind.noun());
    let mut found: Option<Route> = None;
    let mut unreadable = false;
    // Under `#[routes]`, several method attributes are expected: one error is enough.
    let multi = attrs.iter().any(|a| last_segment(a) == "routes");
    for (index, attr) in attrs.iter().enumerate() {
        let name = last_segment(attr);
        if name == "routes" {
            cx.error(
                attr,
                format_args!("`{attr_name}` does not support `#[routes]`"),
                format_args!(
                    "a {noun} has one route: give each route its own handler, or keep \
                     `{attr_name}` on one of them"
                ),
            );
            continue;
        }
        if !ROUTE_ATTRS.contains(&name.as_str()) {
            continue;
        }
        let Some(args) = parse_args(attr, &name) else {
            unreadable = true;
            continue;
        };
        if multi {
            continue;
        }
        if found.is_some() {
            cx.error(
                attr,
                format_args!("a handler with `{attr_name}` can have only one route attribute"),
                "remove the extra route attribute, or use `#[route(\"/path\", method = \"GET\", method = \"HEAD\")]`",
            );
            continue;
        }
        let Some(methods) = args
            .methods
            .iter()
            .map(|(method, span)| supported(kind, method, *span, cx))
            .collect()
        else {
            continue;
        };
        let path = args.path.value();
        found = Some(Route {
            index,
            methods,
            params: template_params(&path),
            path,
            name: args.name,
            guards: args.guards,
            wraps: args.wraps,
        });
    }
    Lookup {
        route: found,
        unreadable,
    }
}

/// A method the runtime can call a route with. actix also accepts custom
/// upper-case methods (and `#[query]`), which a tool call cannot use.
fn supported(kind: Kind, method: &str, span: Span, cx: &mut Ctxt) -> Option<HttpMethod> {
    let parsed = HttpMethod::parse(method);
    if parsed.is_none() {
        cx.error_at(
            span,
            format_args!(
                "`{}` does not support the HTTP method `{method}`",
                kind.attr()
            ),
            match kind {
                Kind::Resource => {
                    "a resource is read with GET: serve it from a `#[get(\"…\")]` route"
                }
                _ => {
                    "a tool call uses one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE, \
                     CONNECT: give the tool a route with one of them"
                }
            },
        );
    }
    parsed
}

/// Parses `("/path", key = value, …)` of the attribute `name` as
/// actix-web-codegen does. `None` for anything actix's macro rejects (an
/// unknown key, a value that is not a string literal or does not parse, a
/// method given twice or in lower case, `#[route]` without one, a method on
/// `#[get]`): the attribute is then left for actix to report.
fn parse_args(attr: &Attribute, name: &str) -> Option<Args> {
    let mut args = attr
        .parse_args_with(|input: syn::parse::ParseStream| {
            let path: LitStr = input.parse()?;
            let mut args = Args {
                path,
                methods: Vec::new(),
                name: None,
                guards: Vec::new(),
                wraps: Vec::new(),
            };
            if input.parse::<Option<Token![,]>>()?.is_none() {
                return Ok(Some(args));
            }
            for nv in Punctuated::<MetaNameValue, Token![,]>::parse_terminated(input)? {
                let Expr::Lit(ExprLit {
                    lit: Lit::Str(value),
                    ..
                }) = nv.value
                else {
                    return Ok(None);
                };
                let Some(key) = nv.path.get_ident() else {
                    return Ok(None);
                };
                match key.to_string().as_str() {
                    "method" => args.methods.push((value.value(), value.span())),
                    "name" => args.name = Some(value),
                    "guard" => args.guards.push(value.parse()?),
                    "wrap" => args.wraps.push(value.parse()?),
                    _ => return Ok(None),
                }
            }
            Ok(Some(args))
        })
        .ok()??;
    match (name, args.methods.is_empty()) {
        ("route", _) => {}
        (_, true) => {
            let span = attr
                .path()
                .segments
                .last()
                .map_or_else(Span::call_site, |s| s.ident.span());
            args.methods = vec![(name.to_ascii_uppercase(), span)];
        }
        // actix: "HTTP method forbidden here".
        (_, false) => return None,
    }
    // actix: "HTTP method must be uppercase", "requires at least one
    // `method`", "HTTP method defined more than once".
    let twice = args
        .methods
        .iter()
        .enumerate()
        .any(|(i, (m, _))| args.methods[..i].iter().any(|(n, _)| n == m));
    let actix_rejects = args.methods.is_empty()
        || twice
        || args
            .methods
            .iter()
            .any(|(m, _)| m.chars().any(|c| !c.is_ascii_uppercase()));
    (!actix_rejects).then_some(args)
}

/// The dynamic segment names of an actix path template: `{id}`, `{id:\d+}`
/// (a regex may itself contain braces) and the tail `{tail}*` / `{tail:.*}`.
pub(crate) fn template_params(path: &str) -> Vec<String> {
    pieces(path)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Segment(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// The path with each dynamic segment written `{name}` (no regex, no tail
/// marker): the shape of a URI template for it.
pub(crate) fn plain_template(path: &str) -> String {
    let mut out = String::new();
    for (i, piece) in pieces(path).into_iter().enumerate() {
        match piece {
            Piece::Segment(name) => out.push_str(&format!("{{{name}}}")),
            // Text after a segment: its tail marker dropped.
            Piece::Text(text) if i > 0 => out.push_str(text.strip_prefix('*').unwrap_or(&text)),
            Piece::Text(text) => out.push_str(&text),
        }
    }
    out
}

enum Piece {
    Text(String),
    /// A dynamic segment's name.
    Segment(String),
}

/// The path as text and segments, alternating, text first and last.
fn pieces(path: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '{' {
            text.push(c);
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
            pieces.push(Piece::Text(std::mem::take(&mut text)));
            pieces.push(Piece::Segment(name.to_owned()));
        }
    }
    pieces.push(Piece::Text(text));
    pieces
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
    fn plain_templates() {
        assert_eq!(
            plain_template("/orgs/{org}/items/{id:\\d+}.json"),
            "/orgs/{org}/items/{id}.json"
        );
        assert_eq!(plain_template("/re/{code:[a-z]{3}}/x"), "/re/{code}/x");
        assert_eq!(plain_template("/files/{tail}*"), "/files/{tail}");
        assert_eq!(plain_template("/plain"), "/plain");
    }

    #[test]
    fn reads_method_and_route_attributes() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = "x"]),
            parse_quote!(#[actix_web::put("/items/{id}", name = "put_item")]),
        ];
        let r = find(Kind::Tool, &attrs, &mut cx).route.unwrap();
        assert_eq!(
            (r.index, r.methods, r.path.as_str()),
            (1, vec![HttpMethod::Put], "/items/{id}")
        );

        assert_eq!(r.name.unwrap().value(), "put_item");

        let attrs: Vec<Attribute> = vec![parse_quote!(#[route(
            "/x/{a}/{b}", method = "GET", guard = "crate::guards::ok", method = "HEAD",
            wrap = "Logger::new(\"%r\")", guard = "other"
        )])];
        let r = find(Kind::Tool, &attrs, &mut cx).route.unwrap();
        assert_eq!(r.methods, [HttpMethod::Get, HttpMethod::Head]);
        assert_eq!(r.params, ["a", "b"]);
        assert!(r.name.is_none());
        let guards: Vec<Path> = vec![parse_quote!(crate::guards::ok), parse_quote!(other)];
        assert_eq!(r.guards, guards);
        let wraps: Vec<Expr> = vec![parse_quote!(Logger::new("%r"))];
        assert_eq!(r.wraps, wraps);
        assert!(cx.into_compile_errors().is_none());
    }

    #[test]
    fn what_actix_rejects_is_left_to_actix() {
        for attr in [
            parse_quote!(#[get(PATH)]),
            parse_quote!(#[route("/x", method = "get")]),
            parse_quote!(#[route("/x")]),
            parse_quote!(#[get("/x", method = "POST")]),
            parse_quote!(#[route("/x", method = "GET", method = "GET")]),
            parse_quote!(#[get("/x", nmae = "x")]),
            parse_quote!(#[get("/x", name = x)]),
            parse_quote!(#[get("/x", guard = "not a path")]),
            parse_quote!(#[get("/x", wrap = "1 +")]),
        ] {
            let mut cx = Ctxt::default();
            let lookup = find(Kind::Tool, &[attr], &mut cx);
            assert!(lookup.unreadable && lookup.route.is_none());
            assert!(cx.into_compile_errors().is_none(), "actix reports it");
        }
    }

    #[test]
    fn custom_methods_are_refused() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> =
            vec![parse_quote!(#[route("/x", method = "GET", method = "PURGE")])];
        assert!(find(Kind::Tool, &attrs, &mut cx).route.is_none());
        let attrs: Vec<Attribute> = vec![parse_quote!(#[query("/x")])];
        assert!(find(Kind::Tool, &attrs, &mut cx).route.is_none());
        let errors = cx.messages();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("`#[mcp_tool]` does not support the HTTP method `PURGE`"));
        assert!(errors[1].starts_with("`#[mcp_tool]` does not support the HTTP method `QUERY`"));
    }

    #[test]
    fn rejects_routes_and_two_route_attributes() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![parse_quote!(#[get("/a")]), parse_quote!(#[post("/b")])];
        find(Kind::Tool, &attrs, &mut cx);
        let errors = cx.messages();
        assert!(errors[0].contains("only one route attribute"), "{errors:?}");

        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[routes]),
            parse_quote!(#[get("/a")]),
            parse_quote!(#[post("/b")]),
        ];
        find(Kind::Tool, &attrs, &mut cx);
        let errors = cx.messages();
        assert_eq!(errors.len(), 1, "one error is enough: {errors:?}");
        assert!(errors[0].contains("does not support `#[routes]`"));
    }
}
