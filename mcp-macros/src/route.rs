//! Reading the actix route attribute below `#[mcp_tool]` (`#[get("/p")]`,
//! `#[route("/p", method = "PUT")]`, …): the HTTP methods, the path template
//! and its parameter names.

use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, MetaNameValue, Token};

use crate::ctxt::Ctxt;

/// actix-web's single-method route attributes.
const METHOD_ATTRS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect",
];

/// The route a handler serves.
pub(crate) struct Route {
    /// Position of the attribute in the fn's attributes.
    pub index: usize,
    /// Upper-case HTTP methods.
    pub methods: Vec<String>,
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
    /// literal). actix reports that; this macro stays quiet and registers
    /// nothing rather than add a third error.
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
        let route = if METHOD_ATTRS.contains(&name.as_str()) {
            parse_args(attr).map(|(_, path)| (vec![name.to_uppercase()], path))
        } else if name == "route" {
            parse_args(attr)
        } else {
            continue;
        };
        let Some((methods, path)) = route else {
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

/// Parses `("/path", key = value, …)`, collecting `method = "…"` values.
fn parse_args(attr: &Attribute) -> Option<(Vec<String>, LitStr)> {
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
                    methods.push(m.value().to_uppercase());
                }
            }
        }
        Ok((methods, path))
    });
    parsed.ok()
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
            (1, vec!["PUT".into()], "/items/{id}")
        );

        let attrs: Vec<Attribute> =
            vec![parse_quote!(#[route("/x/{a}/{b}", method = "get", method = "HEAD")])];
        let r = find(&attrs, &mut cx).route.unwrap();
        assert_eq!(r.methods, ["GET", "HEAD"]);
        assert_eq!(r.params, ["a", "b"]);
        assert!(cx.into_compile_errors().is_none());
    }

    #[test]
    fn an_unreadable_route_is_left_to_actix() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![parse_quote!(#[get(PATH)])];
        let lookup = find(&attrs, &mut cx);
        assert!(lookup.unreadable && lookup.route.is_none());
        assert!(cx.into_compile_errors().is_none(), "actix reports it");
    }

    #[test]
    fn rejects_routes_and_two_route_attributes() {
        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![parse_quote!(#[get("/a")]), parse_quote!(#[post("/b")])];
        find(&attrs, &mut cx);
        let errors = cx.into_compile_errors().unwrap().to_string();
        assert!(errors.contains("only one route attribute"), "{errors}");

        let mut cx = Ctxt::default();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[routes]),
            parse_quote!(#[get("/a")]),
            parse_quote!(#[post("/b")]),
        ];
        find(&attrs, &mut cx);
        let errors = cx.into_compile_errors().unwrap().to_string();
        assert!(errors.contains("does not support `#[routes]`"), "{errors}");
        assert!(
            !errors.contains("only one route attribute"),
            "one error is enough: {errors}"
        );
    }
}
