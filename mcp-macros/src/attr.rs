//! The arguments of `#[mcp_tool(...)]`.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, Lit, LitBool, LitStr};

use crate::ctxt::Ctxt;

/// `#[mcp_tool(...)]` as written.
#[derive(Default)]
pub(crate) struct ToolArgs {
    pub name: Option<LitStr>,
    pub description: Option<LitStr>,
    pub title: Option<LitStr>,
    pub requires_auth: bool,
    pub read_only: Option<LitBool>,
    pub destructive: Option<LitBool>,
    pub idempotent: Option<LitBool>,
    pub open_world: Option<LitBool>,
    pub krate: Option<syn::Path>,
}

const KNOWN: &[&str] = &[
    "name",
    "description",
    "title",
    "requires_auth",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
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
            "requires_auth" => out.requires_auth = flag(&meta, cx)?.is_some_and(|b| b.value),
            "read_only" => out.read_only = flag(&meta, cx)?,
            "destructive" => out.destructive = flag(&meta, cx)?,
            "idempotent" => out.idempotent = flag(&meta, cx)?,
            "open_world" => out.open_world = flag(&meta, cx)?,
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
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

fn value(meta: &ParseNestedMeta, cx: &mut Ctxt, expected: &str) -> syn::Result<Option<Expr>> {
    if meta.input.peek(syn::Token![=]) {
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
    if !meta.input.peek(syn::Token![=]) {
        if meta.input.peek(syn::token::Paren) {
            let key = key(meta);
            cx.error(
                &meta.path,
                format_args!("`{key}` is a flag and takes no list"),
                format_args!("write `{key}` or `{key} = false`"),
            );
            skip_value(meta)?;
            return Ok(None);
        }
        return Ok(Some(LitBool::new(true, meta.path.segments[0].ident.span())));
    }
    let key = key(meta);
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(Some(b)),
        other => {
            cx.error(
                &other,
                format_args!("`{key}` expects `true` or `false`"),
                format_args!("write `{key}` (same as `{key} = true`) or `{key} = false`"),
            );
            Ok(None)
        }
    }
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
        cx.into_compile_errors()
            .map(|t| {
                let s = t.to_string();
                s.split("compile_error !")
                    .skip(1)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn parses_every_argument() {
        let mut cx = Ctxt::default();
        let a = parse(
            quote!(
                name = "get_item",
                description = "d",
                title = "T",
                requires_auth,
                read_only,
                destructive = false,
                idempotent = true,
                open_world = false,
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
    fn suggests_aliases_and_lists_known_arguments() {
        assert_eq!(suggestion("readOnlyHint"), "did you mean `read_only`?");
        assert_eq!(suggestion("auth"), "did you mean `requires_auth`?");
        assert!(suggestion("zzzzzzzz").starts_with("expected one of: name"));
    }
}
