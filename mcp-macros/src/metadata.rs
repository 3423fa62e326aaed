//! What a tool, resource or prompt is called and how it is described.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta};

use crate::ctxt::Ctxt;
use crate::kind::Kind;

/// The name: `name = "…"` or the fn's name. Tool and prompt names follow
/// the MCP rule for tool names (1–128 characters of `A-Z a-z 0-9 _ - .`);
/// a resource's, which clients show next to its URI, only has to be there.
pub(crate) fn name(kind: Kind, explicit: Option<&LitStr>, ident: &Ident, cx: &mut Ctxt) -> String {
    let noun = kind.noun();
    let (name, span) = match explicit {
        Some(lit) => (lit.value(), lit.span()),
        None => (ident.unraw().to_string(), ident.span()),
    };
    if kind == Kind::Resource {
        if name.is_empty() {
            cx.error_at(
                span,
                "resource name is empty",
                "name it, e.g. `name = \"item\"`, or leave `name` out to use the fn's name",
            );
        }
        return name;
    }
    let help = format!("{noun} names are 1 to 128 characters of A-Z, a-z, 0-9, `_`, `-` and `.`");
    if name.is_empty() {
        cx.error_at(span, format_args!("{noun} name is empty"), help);
    } else if name.chars().count() > 128 {
        cx.error_at(
            span,
            format_args!("{noun} name is {} characters long", name.chars().count()),
            help,
        );
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        cx.error_at(
            span,
            format_args!("invalid {noun} name `{name}`: character {c:?} is not allowed"),
            help,
        );
    }
    name
}

/// A tool's description followed by what its attribute tells agents:
/// `use_when` as "Use when: …", `returns` as "Returns: …" (clients that
/// ignore `outputSchema` and annotations still read the description).
pub(crate) fn with_agent_parts(
    description: TokenStream,
    args: &crate::attr::ToolArgs,
    cx: &mut Ctxt,
) -> TokenStream {
    let mut parts = vec![description];
    let given = [
        (&args.use_when, "use_when", "Use when: "),
        (&args.returns, "returns", "Returns: "),
    ];
    for (lit, key, label) in given {
        let Some(lit) = lit else { continue };
        if lit.value().trim().is_empty() {
            cx.error(
                lit,
                format_args!("`{key}` is empty"),
                "say it in a sentence for the model, or leave the argument out",
            );
        }
        let label = format!("\n\n{label}");
        parts.push(quote!(#label));
        parts.push(quote!(#lit));
    }
    if parts.len() == 1 {
        return parts.remove(0);
    }
    quote!(concat!(#(#parts),*))
}

/// The description: `description = "…"`, else the doc comment, as a string
/// expression; `None` when there is neither. A tool or prompt the model or
/// user cannot read about is a compile error; a resource's description is
/// optional.
pub(crate) fn description(
    kind: Kind,
    explicit: Option<&LitStr>,
    attrs: &[Attribute],
    ident: &Ident,
    cx: &mut Ctxt,
) -> Option<TokenStream> {
    let noun = kind.noun();
    if let Some(lit) = explicit {
        if lit.value().trim().is_empty() {
            let help = match kind {
                Kind::Tool => {
                    "describe what the tool does: models choose tools by their description"
                }
                Kind::Prompt => {
                    "describe what the prompt is for: users choose prompts by their description"
                }
                Kind::Resource => "describe the resource, or leave `description` out",
            };
            cx.error(lit, format_args!("the {noun} description is empty"), help);
        }
        return Some(quote!(#lit));
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
            if !text.is_empty() {
                return Some(quote!(#text));
            }
            if kind != Kind::Resource {
                cx.error(
                    ident,
                    format_args!("{noun} `{}` has no description", ident.unraw()),
                    format_args!(
                        "add a `///` doc comment to the {}, or `description = \"...\"` to `{}`",
                        kind.function(),
                        kind.attr()
                    ),
                );
            }
            None
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
            Some(quote!(::core::concat!(#(#parts),*)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;
    use syn::parse_quote;

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
    fn descriptions_are_required_of_tools_and_prompts_only() {
        let ident: Ident = parse_quote!(item);
        let undocumented: Vec<Attribute> = vec![parse_quote!(#[doc = ""])];
        let mut cx = Ctxt::default();
        for kind in [Kind::Tool, Kind::Resource, Kind::Prompt] {
            assert!(description(kind, None, &undocumented, &ident, &mut cx).is_none());
        }
        let empty: LitStr = parse_quote!(" ");
        description(Kind::Resource, Some(&empty), &[], &ident, &mut cx);
        assert_eq!(
            cx.messages(),
            [
                "tool `item` has no description\n= help: add a `///` doc comment to the handler, \
                 or `description = \"...\"` to `#[mcp_tool]`",
                "prompt `item` has no description\n= help: add a `///` doc comment to the \
                 function, or `description = \"...\"` to `#[mcp_prompt]`",
                "the resource description is empty\n= help: describe the resource, or leave \
                 `description` out",
            ]
        );
    }

    #[test]
    fn names_are_checked() {
        let mut cx = Ctxt::default();
        let ident: Ident = parse_quote!(r#type);
        assert_eq!(name(Kind::Tool, None, &ident, &mut cx), "type");
        let spaced: LitStr = parse_quote!("get item");
        name(Kind::Tool, Some(&spaced), &ident, &mut cx);
        let long = LitStr::new(&"x".repeat(129), Span::call_site());
        name(Kind::Prompt, Some(&long), &ident, &mut cx);
        assert_eq!(
            name(Kind::Resource, Some(&spaced), &ident, &mut cx),
            "get item"
        );
        name(Kind::Resource, Some(&parse_quote!("")), &ident, &mut cx);
        let errors = cx.messages();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("invalid tool name `get item`: character ' ' is not allowed")
        );
        assert!(errors[1].starts_with("prompt name is 129 characters long"));
        assert!(errors[2].starts_with("resource name is empty"));
    }
}
