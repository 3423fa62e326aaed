//! The arguments of `#[mcp_tool(...)]`.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;

/// `#[mcp_tool(...)]` as written.
#[derive(Default)]
pub(crate) struct ToolArgs {
    pub name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub title: Option<LitStr>,
    /// `args(name = "…")`, in the order written.
    pub args: Vec<ArgDescription>,
    pub requires_auth: bool,
    pub read_only: Option<LitBool>,
    pub destructive: Option<LitBool>,
    pub idempotent: Option<LitBool>,
    pub open_world: Option<LitBool>,
    /// `output_schema = false`.
    pub without_output_schema: bool,
    pub krate: Option<syn::Path>,
}

/// One entry of `args(...)`: an argument's name, as the input schema names
/// it, and its description. Names are checked at start-up, where the schema
/// is known (a struct's fields are not visible here).
pub(crate) struct ArgDescription {
    pub name: String,
    pub description: LitStr,
}

const KNOWN: &[&str] = &[
    "name",
    "description",
    "title",
    "args",
    "requires_auth",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "output_schema",
    "crate",
];

pub(crate) fn parse(args: TokenStream, cx: &mut Ctxt) -> ToolArgs {
    let mut out = ToolArgs::default();
    let mut seen = HashSet::new();
    let parser = syn::meta::parser(|meta| {
        let key = key(&meta);
        if KNOWN.contains(&key.as_str()) && !seen.insert(key.clone()) {
            cx.error(
                &meta.path,
                format_args!("duplicate argument `{key}`"),
                format_args!("`{key}` may be given once; remove one of them"),
            );
            return skip_value(&meta);
        }
        match key.as_str() {
            "name" => out.name = string(&meta, cx)?,
            "description" => out.description = string(&meta, cx)?,
            "title" => out.title = string(&meta, cx)?,
            "args" => out.args = arg_descriptions(&meta, cx)?,
            "requires_auth" => out.requires_auth = flag(&meta, cx)?.is_some_and(|b| b.value),
            "read_only" => out.read_only = flag(&meta, cx)?,
            "destructive" => out.destructive = flag(&meta, cx)?,
            "idempotent" => out.idempotent = flag(&meta, cx)?,
            "open_world" => out.open_world = flag(&meta, cx)?,
            "output_schema" => out.without_output_schema = opt_out(&meta, cx)?,
            "crate" => out.krate = crate_path(&meta, cx)?,
            _ => {
                cx.error(
                    &meta.path,
                    format_args!("unknown argument `{key}`"),
                    suggestion(&key),
                );
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.syn_error(e);
    }
    out
}

/// The argument's name as written (`crate`, `name`, `a::b`).
fn key(meta: &ParseNestedMeta) -> String {
    let segments: Vec<String> = meta
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.join("::")
}

/// What to suggest for an unknown argument.
fn suggestion(key: &str) -> String {
    let alias = match key {
        "desc" | "about" | "summary" => Some("description"),
        "auth" | "authenticated" | "require_auth" | "requires_authentication" => {
            Some("requires_auth")
        }
        "readonly" | "read_only_hint" | "readOnlyHint" => Some("read_only"),
        "destructive_hint" | "destructiveHint" => Some("destructive"),
        "idempotent_hint" | "idempotentHint" => Some("idempotent"),
        "open_world_hint" | "openWorldHint" => Some("open_world"),
        "arguments" | "params" | "parameters" | "arg" => Some("args"),
        "outputSchema" | "output" | "structured_output" | "no_output_schema" | "text_only" => {
            Some("output_schema")
        }
        _ => KNOWN.iter().copied().find(|k| edit_distance(k, key) <= 2),
    };
    match alias {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("expected one of: {}", KNOWN.join(", ")),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Consumes `= value` or `(…)` after an argument that is being rejected, so
/// parsing continues with the next one.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

fn value(meta: &ParseNestedMeta, cx: &mut Ctxt, expected: &str) -> syn::Result<Option<Expr>> {
    if meta.input.peek(Token![=]) {
        Ok(Some(meta.value()?.parse()?))
    } else {
        let key = key(meta);
        cx.error(
            &meta.path,
            format_args!("`{key}` needs a value"),
            format_args!("write `{key} = {expected}`"),
        );
        skip_value(meta)?;
        Ok(None)
    }
}

fn string(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<LitStr>> {
    let key = key(meta);
    Ok(match value(meta, cx, "\"...\"")? {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => Some(s),
        Some(other) => {
            cx.error(
                &other,
                format_args!("`{key}` expects a string literal"),
                format_args!("write `{key} = \"...\"`"),
            );
            None
        }
        None => None,
    })
}

/// A flag: `read_only` alone means `true`; `read_only = false` is explicit.
fn flag(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<LitBool>> {
    let key = key(meta);
    boolean(
        meta,
        cx,
        &format!("write `{key}` (same as `{key} = true`) or `{key} = false`"),
    )
}

/// `output_schema = false`, the one value that changes anything: the output
/// schema is on by default (from the `web::Json<T>` the handler returns),
/// and `output_schema = true` would read as a promise for return types that
/// have none.
fn opt_out(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool> {
    let help = "write `output_schema = false` for a tool with text results only";
    Ok(match boolean(meta, cx, help)? {
        Some(b) if b.value => {
            cx.error(
                &b,
                "`output_schema` can only be turned off",
                format_args!(
                    "the output schema is on by default and comes from the `web::Json<T>` the \
                     handler returns; {help}"
                ),
            );
            false
        }
        Some(_) => true,
        None => false,
    })
}

/// `key`, `key = true` or `key = false`, with `help` on a wrong value.
fn boolean(meta: &ParseNestedMeta, cx: &mut Ctxt, help: &str) -> syn::Result<Option<LitBool>> {
    let key = key(meta);
    if !meta.input.peek(Token![=]) {
        if meta.input.peek(syn::token::Paren) {
            cx.error(
                &meta.path,
                format_args!("`{key}` is a flag and takes no list"),
                help,
            );
            skip_value(meta)?;
            return Ok(None);
        }
        return Ok(Some(LitBool::new(true, meta.path.segments[0].ident.span())));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(Some(b)),
        other => {
            cx.error(
                &other,
                format_args!("`{key}` expects `true` or `false`"),
                help,
            );
            Ok(None)
        }
    }
}

/// `args(name = "…", r#type = "…", "page-size" = "…")`: a name is an
/// identifier or, for names that are not (serde renames), a string.
fn arg_descriptions(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Vec<ArgDescription>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            &meta.path,
            "`args` takes a list of argument descriptions",
            "write `args(name = \"...\", other = \"...\")`",
        );
        skip_value(meta)?;
        return Ok(Vec::new());
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let mut out: Vec<ArgDescription> = Vec::new();
    while !content.is_empty() {
        let (name, written, span) = if content.peek(LitStr) {
            let s: LitStr = content.parse()?;
            (s.value(), s.token().to_string(), s.span())
        } else {
            let ident = Ident::parse_any(&content)?;
            (ident.unraw().to_string(), ident.to_string(), ident.span())
        };
        let help = format!("write `args({written} = \"...\")`");
        let value = if content.parse::<Option<Token![=]>>()?.is_some() {
            Some(content.parse::<Expr>()?)
        } else {
            let message = format!("`args({written})` needs a description");
            cx.error_at(span, message, &help);
            None
        };
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
        let description = match value {
            Some(Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            })) => s,
            Some(other) => {
                let message = format!("the description of `{name}` must be a string literal");
                cx.error(&other, message, &help);
                continue;
            }
            None => continue,
        };
        if description.value().trim().is_empty() {
            cx.error(
                &description,
                format_args!("the description of `{name}` is empty"),
                "say what the argument means, or leave it out of `args(...)`",
            );
        } else if out.iter().any(|a| a.name == name) {
            cx.error_at(
                span,
                format_args!("argument `{name}` is described twice"),
                format_args!("keep one description of `{name}`"),
            );
        } else {
            out.push(ArgDescription { name, description });
        }
    }
    Ok(out)
}

/// `crate = path` or `crate = "path"`, for crates that re-export mcp-runtime.
fn crate_path(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<syn::Path>> {
    Ok(match value(meta, cx, "::path::to::mcp_runtime")? {
        Some(Expr::Path(p)) => Some(p.path),
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => match s.parse::<syn::Path>() {
            Ok(p) => Some(p),
            Err(_) => {
                cx.error(
                    &s,
                    "`crate` expects a path",
                    "write `crate = ::my_facade::mcp_runtime`",
                );
                None
            }
        },
        Some(other) => {
            cx.error(
                &other,
                "`crate` expects a path",
                "write `crate = ::my_facade::mcp_runtime`",
            );
            None
        }
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(tokens: TokenStream) -> Vec<String> {
        let mut cx = Ctxt::default();
        parse(tokens, &mut cx);
        cx.messages()
    }

    #[test]
    fn parses_every_argument() {
        let mut cx = Ctxt::default();
        let a = parse(
            quote!(
                name = "get_item",
                description = "d",
                title = "T",
                args(id = "The id.", r#type = "Kind.", "page-size" = "Per page."),
                requires_auth,
                read_only,
                destructive = false,
                idempotent = true,
                open_world = false,
                output_schema = false,
                crate = ::facade::mcp
            ),
            &mut cx,
        );
        assert!(cx.into_compile_errors().is_none());
        assert_eq!(a.name.unwrap().value(), "get_item");
        assert_eq!(a.description.unwrap().value(), "d");
        assert_eq!(a.title.unwrap().value(), "T");
        assert!(a.requires_auth);
        assert!(a.read_only.unwrap().value);
        assert!(!a.destructive.unwrap().value);
        assert!(a.idempotent.unwrap().value);
        assert!(!a.open_world.unwrap().value);
        assert!(a.without_output_schema);
        let args: Vec<(String, String)> = a
            .args
            .iter()
            .map(|d| (d.name.clone(), d.description.value()))
            .collect();
        assert_eq!(
            args,
            [
                ("id", "The id."),
                ("type", "Kind."),
                ("page-size", "Per page.")
            ]
            .map(|(n, d)| (n.to_owned(), d.to_owned()))
        );
        let krate = a.krate.unwrap();
        assert_eq!(
            quote!(#krate).to_string(),
            quote!(::facade::mcp).to_string()
        );
    }

    #[test]
    fn reports_every_error_at_once() {
        let e = errors(quote!(
            nmae = "x",
            name = 5,
            read_only = "yes",
            name = "y",
            bogus(1)
        ));
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(e[0].contains("unknown argument `nmae`") && e[0].contains("did you mean `name`?"));
        assert!(e[1].contains("`name` expects a string literal"));
        assert!(e[2].contains("`read_only` expects `true` or `false`"));
        assert!(e[3].contains("duplicate argument `name`"));
        assert!(e[4].contains("unknown argument `bogus`"));
    }

    #[test]
    fn argument_descriptions_are_checked() {
        let e = errors(quote!(
            args(id = "a", id = "b", q = 5, page, x = "  "),
            args = "y"
        ));
        assert_eq!(e.len(), 5, "{e:?}");
        assert!(
            e[0].starts_with("argument `id` is described twice"),
            "{e:?}"
        );
        assert!(e[1].starts_with("the description of `q` must be a string literal"));
        assert!(e[2].starts_with("`args(page)` needs a description"));
        assert!(e[2].ends_with("write `args(page = \"...\")`"));
        assert!(e[3].starts_with("the description of `x` is empty"));
        assert!(e[4].starts_with("duplicate argument `args`"));
    }

    #[test]
    fn output_schema_can_only_be_turned_off() {
        for tokens in [quote!(output_schema), quote!(output_schema = true)] {
            let e = errors(tokens);
            assert_eq!(e.len(), 1, "{e:?}");
            assert!(e[0].starts_with("`output_schema` can only be turned off"));
        }
        let e = errors(quote!(output_schema = "no"));
        assert!(e[0].starts_with("`output_schema` expects `true` or `false`"));
        assert!(e[0].ends_with("write `output_schema = false` for a tool with text results only"));
    }

    #[test]
    fn suggests_aliases_and_lists_known_arguments() {
        assert_eq!(suggestion("readOnlyHint"), "did you mean `read_only`?");
        assert_eq!(suggestion("auth"), "did you mean `requires_auth`?");
        assert_eq!(suggestion("params"), "did you mean `args`?");
        assert_eq!(suggestion("outputSchema"), "did you mean `output_schema`?");
        assert!(suggestion("zzzzzzzz").starts_with("expected one of: name"));
    }
}
