//! A tool's metadata: name, description and annotation hints.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitBool, Meta};

use crate::attr::ToolArgs;
use crate::ctxt::Ctxt;
use crate::route::Route;

/// The tool name: `name = "…"` or the fn's name, checked against the MCP rule
/// (1–128 characters of `A-Z a-z 0-9 _ - .`).
pub(crate) fn name(args: &ToolArgs, ident: &Ident, cx: &mut Ctxt) -> String {
    let (name, span) = match &args.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (ident.unraw().to_string(), ident.span()),
    };
    let help = "tool names are 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`";
    if name.is_empty() {
        cx.error_at(span, "tool name is empty", help);
    } else if name.chars().count() > 128 {
        cx.error_at(
            span,
            format_args!("tool name is {} characters long", name.chars().count()),
            help,
        );
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        cx.error_at(
            span,
            format_args!("invalid tool name `{name}`: character {c:?} is not allowed"),
            help,
        );
    }
    name
}

/// The description: `description = "…"`, else the doc comment. A tool the
/// model cannot read about is a compile error.
pub(crate) fn description(
    args: &ToolArgs,
    attrs: &[Attribute],
    ident: &Ident,
    cx: &mut Ctxt,
) -> TokenStream {
    if let Some(lit) = &args.description {
        if lit.value().trim().is_empty() {
            cx.error(
                lit,
                "the tool description is empty",
                "describe what the tool does: models choose tools by their description",
            );
        }
        return quote!(#lit);
    }
    let docs: Vec<&Expr> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => Some(&nv.value),
            _ => None,
        })
        .collect();
    let literal: Option<Vec<String>> = docs
        .iter()
        .map(|e| match e {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        })
        .collect();
    match literal {
        Some(lines) => {
            let text = doc_text(&lines);
            if text.is_empty() {
                cx.error(
                    ident,
                    format_args!("tool `{}` has no description", ident.unraw()),
                    "add a `///` doc comment to the handler, or `description = \"...\"` to `#[mcp_tool]`",
                );
            }
            quote!(#text)
        }
        // `#[doc = include_str!(…)]` and the like: joined at compile time.
        None => {
            let mut parts = Vec::new();
            for (i, doc) in docs.iter().enumerate() {
                if i > 0 {
                    parts.push(quote!("\n"));
                }
                parts.push(quote!(#doc));
            }
            quote!(::core::concat!(#(#parts),*))
        }
    }
}

/// Doc comment lines as text: one leading space dropped per line (the one
/// after `///`), blank lines at either end removed.
fn doc_text(lines: &[String]) -> String {
    let text = lines
        .iter()
        .flat_map(|l| l.split('\n'))
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    text.trim_matches('\n').trim().to_owned()
}

/// Annotation hints: explicit arguments win; otherwise derived from the HTTP
/// method(s) of the route.
///
/// | method            | readOnly | destructive | idempotent |
/// |-------------------|----------|-------------|------------|
/// | GET, HEAD, OPTIONS| true     | –           | –          |
/// | POST              | false    | false       | false      |
/// | PUT               | false    | true        | true       |
/// | PATCH             | false    | true        | false      |
/// | DELETE            | false    | true        | true       |
///
/// PUT and PATCH overwrite existing state, which MCP counts as destructive
/// ("false: the tool performs only additive updates"). With several methods,
/// a hint holds only if it holds for all of them.
pub(crate) fn hints(args: &ToolArgs, route: Option<&Route>, cx: &mut Ctxt) -> [Option<bool>; 4] {
    let derived = |f: &dyn Fn(&str) -> Option<bool>| -> Option<bool> {
        let methods = &route?.methods;
        let values: Vec<Option<bool>> = methods.iter().map(|m| f(m)).collect();
        let first = *values.first()?;
        values
            .iter()
            .all(|v| *v == first)
            .then_some(first)
            .flatten()
    };
    let safe = |m: &str| matches!(m, "GET" | "HEAD" | "OPTIONS");
    let known = |m: &str| safe(m) || matches!(m, "POST" | "PUT" | "PATCH" | "DELETE");
    let read_only = derived(&|m| known(m).then(|| safe(m)));
    let destructive = derived(&|m| match m {
        "POST" => Some(false),
        "PUT" | "PATCH" | "DELETE" => Some(true),
        _ => None,
    });
    let idempotent = derived(&|m| match m {
        "PUT" | "DELETE" => Some(true),
        "POST" | "PATCH" => Some(false),
        _ => None,
    });
    let explicit = |b: &Option<LitBool>| b.as_ref().map(|b| b.value);
    if let (Some(ro), Some(d)) = (&args.read_only, &args.destructive)
        && ro.value
        && d.value
    {
        cx.error(
            d,
            "a read-only tool cannot be destructive",
            "remove `destructive`, or set `read_only = false`",
        );
    }
    let read_only = explicit(&args.read_only).or(read_only);
    // destructive/idempotent only mean something for tools that write.
    let (destructive, idempotent) = if read_only == Some(true) {
        (explicit(&args.destructive), explicit(&args.idempotent))
    } else {
        (
            explicit(&args.destructive).or(destructive),
            explicit(&args.idempotent).or(idempotent),
        )
    };
    [
        read_only,
        destructive,
        idempotent,
        explicit(&args.open_world),
    ]
}

/// `Some(true)`/`None` tokens for an optional bool.
pub(crate) fn option_bool(v: Option<bool>) -> TokenStream {
    match v {
        Some(b) => quote!(::core::option::Option::Some(#b)),
        None => quote!(::core::option::Option::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::template_params;
    use proc_macro2::Span;

    fn route(methods: &[&str]) -> Route {
        Route {
            index: 0,
            methods: methods.iter().map(|m| m.to_string()).collect(),
            path: "/x/{id}".into(),
            params: template_params("/x/{id}"),
        }
    }

    fn derived(methods: &[&str]) -> [Option<bool>; 4] {
        hints(
            &ToolArgs::default(),
            Some(&route(methods)),
            &mut Ctxt::default(),
        )
    }

    #[test]
    fn hints_follow_the_method() {
        assert_eq!(derived(&["GET"]), [Some(true), None, None, None]);
        assert_eq!(
            derived(&["POST"]),
            [Some(false), Some(false), Some(false), None]
        );
        assert_eq!(
            derived(&["PUT"]),
            [Some(false), Some(true), Some(true), None]
        );
        assert_eq!(
            derived(&["PATCH"]),
            [Some(false), Some(true), Some(false), None]
        );
        assert_eq!(
            derived(&["DELETE"]),
            [Some(false), Some(true), Some(true), None]
        );
        assert_eq!(derived(&["GET", "HEAD"]), [Some(true), None, None, None]);
        assert_eq!(derived(&["GET", "POST"]), [None; 4]);
        assert_eq!(
            hints(&ToolArgs::default(), None, &mut Ctxt::default()),
            [None; 4]
        );
    }

    #[test]
    fn explicit_hints_win() {
        let args = ToolArgs {
            read_only: Some(LitBool::new(true, Span::call_site())),
            open_world: Some(LitBool::new(false, Span::call_site())),
            ..ToolArgs::default()
        };
        assert_eq!(
            hints(&args, Some(&route(&["POST"])), &mut Ctxt::default()),
            [Some(true), None, None, Some(false)]
        );
    }

    #[test]
    fn doc_comments_become_descriptions() {
        let lines = [
            " Fetch one item.".to_owned(),
            "".into(),
            "   Indented.".into(),
        ];
        assert_eq!(doc_text(&lines), "Fetch one item.\n\n  Indented.");
        assert_eq!(doc_text(&["".to_owned()]), "");
    }

    #[test]
    fn names_are_checked() {
        let mut cx = Ctxt::default();
        let ident: Ident = syn::parse_quote!(r#type);
        assert_eq!(name(&ToolArgs::default(), &ident, &mut cx), "type");
        let args = ToolArgs {
            name: Some(syn::parse_quote!("get item")),
            ..ToolArgs::default()
        };
        name(&args, &ident, &mut cx);
        let args = ToolArgs {
            name: Some(syn::LitStr::new(&"x".repeat(129), Span::call_site())),
            ..ToolArgs::default()
        };
        name(&args, &ident, &mut cx);
        let errors = cx.into_compile_errors().unwrap().to_string();
        assert!(errors.contains("character ' ' is not allowed"), "{errors}");
        assert!(errors.contains("129 characters long"), "{errors}");
    }
}
