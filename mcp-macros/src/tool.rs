//! A tool's metadata: name, description and annotation hints.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitBool, Meta};

use crate::attr::ToolArgs;
use crate::ctxt::Ctxt;
use crate::route::HttpMethod;

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

/// The tool's annotation hints, field for field the runtime's `Hints`;
/// prints as that struct's fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

impl ToTokens for Hints {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let field = |v: Option<bool>| match v {
            Some(b) => quote!(::core::option::Option::Some(#b)),
            None => quote!(::core::option::Option::None),
        };
        let read_only = field(self.read_only);
        let destructive = field(self.destructive);
        let idempotent = field(self.idempotent);
        let open_world = field(self.open_world);
        tokens.extend(quote! {
            read_only: #read_only,
            destructive: #destructive,
            idempotent: #idempotent,
            open_world: #open_world,
        });
    }
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
pub(crate) fn hints(args: &ToolArgs, methods: &[HttpMethod], cx: &mut Ctxt) -> Hints {
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
    let derived = derived_hints(methods);
    let explicit = |b: &Option<LitBool>| b.as_ref().map(|b| b.value);
    let read_only = explicit(&args.read_only).or(derived.read_only);
    // destructive/idempotent only mean something for tools that write.
    let (destructive, idempotent) = if read_only == Some(true) {
        (explicit(&args.destructive), explicit(&args.idempotent))
    } else {
        (
            explicit(&args.destructive).or(derived.destructive),
            explicit(&args.idempotent).or(derived.idempotent),
        )
    };
    Hints {
        read_only,
        destructive,
        idempotent,
        open_world: explicit(&args.open_world),
    }
}

/// What the methods agree on (the table above); nothing without a route.
fn derived_hints(methods: &[HttpMethod]) -> Hints {
    let one = |method: &HttpMethod| {
        let (read_only, destructive, idempotent) = match method {
            HttpMethod::Get | HttpMethod::Head | HttpMethod::Options => (Some(true), None, None),
            HttpMethod::Post => (Some(false), Some(false), Some(false)),
            HttpMethod::Put | HttpMethod::Delete => (Some(false), Some(true), Some(true)),
            HttpMethod::Patch => (Some(false), Some(true), Some(false)),
            HttpMethod::Trace | HttpMethod::Connect => (None, None, None),
        };
        Hints {
            read_only,
            destructive,
            idempotent,
            open_world: None,
        }
    };
    let agree = |a: Option<bool>, b: Option<bool>| if a == b { a } else { None };
    let mut all = methods.iter().map(one);
    let first = all.next().unwrap_or_default();
    all.fold(first, |acc, h| Hints {
        read_only: agree(acc.read_only, h.read_only),
        destructive: agree(acc.destructive, h.destructive),
        idempotent: agree(acc.idempotent, h.idempotent),
        open_world: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    fn hint(read_only: Option<bool>, destructive: Option<bool>, idempotent: Option<bool>) -> Hints {
        Hints {
            read_only,
            destructive,
            idempotent,
            open_world: None,
        }
    }

    fn derived(methods: &[HttpMethod]) -> Hints {
        hints(&ToolArgs::default(), methods, &mut Ctxt::default())
    }

    #[test]
    fn hints_follow_the_method() {
        use HttpMethod::*;
        let (t, f) = (Some(true), Some(false));
        assert_eq!(derived(&[Get]), hint(t, None, None));
        assert_eq!(derived(&[Post]), hint(f, f, f));
        assert_eq!(derived(&[Put]), hint(f, t, t));
        assert_eq!(derived(&[Patch]), hint(f, t, f));
        assert_eq!(derived(&[Delete]), hint(f, t, t));
        assert_eq!(derived(&[Get, Head]), hint(t, None, None));
        assert_eq!(derived(&[Put, Delete]), hint(f, t, t));
        assert_eq!(derived(&[Get, Post]), Hints::default());
        assert_eq!(derived(&[Trace]), Hints::default());
        assert_eq!(derived(&[]), Hints::default());
    }

    #[test]
    fn explicit_hints_win() {
        let args = ToolArgs {
            read_only: Some(LitBool::new(true, Span::call_site())),
            open_world: Some(LitBool::new(false, Span::call_site())),
            ..ToolArgs::default()
        };
        assert_eq!(
            hints(&args, &[HttpMethod::Post], &mut Ctxt::default()),
            Hints {
                open_world: Some(false),
                ..hint(Some(true), None, None)
            }
        );
    }

    #[test]
    fn hints_print_as_the_runtime_struct_fields() {
        let tokens = hint(Some(true), None, None).into_token_stream();
        let hints: syn::ExprStruct = syn::parse_quote!(Hints { #tokens });
        let fields: Vec<(String, syn::Expr)> = hints
            .fields
            .iter()
            .map(|f| (f.member.to_token_stream().to_string(), f.expr.clone()))
            .collect();
        let none: syn::Expr = syn::parse_quote!(::core::option::Option::None);
        assert_eq!(
            fields,
            [
                (
                    "read_only",
                    syn::parse_quote!(::core::option::Option::Some(true))
                ),
                ("destructive", none.clone()),
                ("idempotent", none.clone()),
                ("open_world", none),
            ]
            .map(|(name, expr)| (name.to_owned(), expr))
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
        let errors = cx.messages();
        assert!(
            errors[0].contains("character ' ' is not allowed"),
            "{errors:?}"
        );
        assert!(errors[1].contains("129 characters long"), "{errors:?}");
    }
}
