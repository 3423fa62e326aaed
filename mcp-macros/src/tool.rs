//! A tool's annotation hints.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::LitBool;

use crate::attr::ToolArgs;
use crate::ctxt::Ctxt;
use crate::route::HttpMethod;

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
        let mut cx = Ctxt::default();
        let hints = hints(&ToolArgs::default(), methods, &mut cx);
        assert!(cx.into_compile_errors().is_none());
        hints
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
        let mut cx = Ctxt::default();
        let derived = hints(&args, &[HttpMethod::Post], &mut cx);
        assert!(cx.into_compile_errors().is_none());
        assert_eq!(
            derived,
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
}
