//! Generating the code for one `#[mcp_prompt]`: the fn as written, and a
//! `PromptDef` whose invoker extracts the parameters as a hand-written
//! tool's does (`Arguments<T>` from the prompt's arguments, anything else
//! from the MCP request) and renders the value as messages.
//!
//! ```text
//! #[mcp_prompt(complete(language = languages))]
//! async fn code_review(args: Arguments<Review>, db: web::Data<Db>) -> String { body }
//! ```
//!
//! becomes the fn, unchanged, and
//!
//! ```text
//! inventory::submit!(PromptDef { describe, invoke /* .. cx.prompt(code_review(a0, a1).await) */,
//!                                completions: &[("language", /* languages, wrapped */)], .. });
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ItemFn;
use syn::spanned::Spanned;

use crate::attr::{self, ArgDescription, PromptArgs};
use crate::ctxt::Ctxt;
use crate::expand::{
    self, Completions, Describe, Finish, Handles, Heading, Invoker, Location, Registration, Runtime,
};
use crate::kind::{self, Kind};
use crate::metadata;
use crate::order;
use crate::route;
use crate::signature::{self, Param};

/// The whole expansion; on error, the fn followed by every error.
/// `source_before` reads the source text before the attribute (see `order`).
pub(crate) fn mcp_prompt(
    args: TokenStream,
    item: TokenStream,
    source_before: impl FnOnce() -> Option<String>,
) -> TokenStream {
    let mut func = match expand::item_fn(Kind::Prompt, &item) {
        Ok(func) => func,
        Err(errors) => return errors,
    };
    let mut cx = Ctxt::default();
    if kind::exposed_twice(Kind::Prompt, &func.attrs, &mut cx) {
        return expand::with_errors(item, cx);
    }
    let args = attr::parse::<PromptArgs>(args, &mut cx);
    match route::attribute(&func.attrs) {
        Some(attr) => {
            let path = attr.path().to_token_stream().to_string().replace(' ', "");
            let (message, help) = order::prompt_route(&format!("#[{path}(…)]"));
            cx.error(attr, message, help);
        }
        None => {
            if let Some(before) = source_before()
                && let Some(attr) = order::route_above(&before)
            {
                cx.discard();
                return expand::route_above(Kind::Prompt, attr, func);
            }
        }
    }
    let params = signature::params(Kind::Prompt, &mut func.sig, None, &mut cx);
    let output = signature::output(Kind::Prompt, &func.sig, &mut cx);
    let ident = &func.sig.ident;
    let common = &args.common;
    let name = metadata::name(Kind::Prompt, common.name.as_ref(), ident, &mut cx);
    let description = metadata::description(
        Kind::Prompt,
        common.description.as_ref(),
        &func.attrs,
        ident,
        &mut cx,
    );
    let errors = cx.into_compile_errors();
    if errors.is_some() {
        return quote!(#func #errors);
    }
    let return_span = output.ty.as_ref().map_or(ident.span(), Spanned::span);
    Prompt::new(Checked {
        func,
        args,
        params,
        return_span,
        name,
        // Present: its absence is an error.
        description: description.unwrap_or_default(),
    })
    .into_token_stream()
}

/// What the checks produced, for [`Prompt::new`].
struct Checked {
    func: ItemFn,
    args: PromptArgs,
    params: Vec<Param>,
    return_span: Span,
    name: String,
    description: TokenStream,
}

/// One `#[mcp_prompt]`, ready to print: the fn, then its registration.
struct Prompt {
    func: ItemFn,
    registration: Registration<Definition>,
}

impl Prompt {
    fn new(checked: Checked) -> Prompt {
        let Checked {
            func,
            args,
            params,
            return_span,
            name,
            description,
        } = checked;
        let rt = Runtime::new(args.common.krate.as_ref());
        let ident = func.sig.ident.clone();
        let handles = Handles::new(&rt, params);
        let definition = Definition {
            rt: rt.clone(),
            heading: Heading {
                name,
                title: args.common.title,
                description,
                requires_auth: args.common.requires_auth,
                scopes: args.common.scopes,
                tags: args.common.tags,
            },
            descriptions: args.args,
            describe: Describe {
                rt: rt.clone(),
                handles: handles.clone(),
                output: None,
                errors_of: None,
            },
            invoke: Invoker {
                rt: rt.clone(),
                ident: ident.clone(),
                handles,
                finish: Finish::Prompt,
                return_span,
            },
            completions: Completions {
                rt: rt.clone(),
                entries: args.complete,
            },
            location: Location {
                rt: rt.clone(),
                ident,
            },
        };
        Prompt {
            registration: Registration::new(&rt, expand::cfgs(&func.attrs), definition),
            func,
        }
    }
}

impl ToTokens for Prompt {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.func.to_tokens(tokens);
        self.registration.to_tokens(tokens);
    }
}

/// The `PromptDef` registered for the prompt.
struct Definition {
    rt: Runtime,
    heading: Heading,
    descriptions: Vec<ArgDescription>,
    describe: Describe,
    invoke: Invoker,
    completions: Completions,
    location: Location,
}

impl ToTokens for Definition {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Definition {
            rt,
            heading,
            descriptions,
            describe,
            invoke,
            completions,
            location,
        } = self;
        let descriptions = expand::descriptions(descriptions);
        tokens.extend(quote! {
            #rt::PromptDef {
                #heading
                descriptions: #descriptions,
                describe: #describe,
                invoke: #invoke,
                completions: #completions,
                location: #location,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expand::tests::Expansion;
    use syn::{Expr, Stmt, parse_quote};

    fn expand(args: TokenStream, item: TokenStream) -> Expansion {
        Expansion::new(mcp_prompt(args, item, || None))
    }

    #[test]
    fn a_prompt_is_the_fn_and_a_prompt_def() {
        let out = expand(
            quote!(
                name = "code_review",
                title = "Code review",
                args(code = "The code."),
                requires_auth,
                complete(language = languages)
            ),
            quote! {
                /// Review a piece of code.
                pub async fn review(
                    args: Arguments<Review>,
                    #[mcp(from_request)] q: web::Query<Q>
                ) -> PromptMessages { todo!() }
            },
        );
        let rt = quote!(::mcp_runtime::__private);
        let func: ItemFn = parse_quote! {
            /// Review a piece of code.
            pub async fn review(args: Arguments<Review>, q: web::Query<Q>) -> PromptMessages { todo!() }
        };
        assert_eq!(out.item_fn("review"), &func);
        let handles: Vec<Expr> = vec![
            parse_quote!((&&#rt::Probe::<Arguments<Review>>::new()).kind().handle::<Arguments<Review>>()),
            parse_quote!(#rt::RequestKind.handle::<web::Query<Q>>()),
        ];
        assert_eq!(out.handles(), handles);

        assert_eq!(out.definition().path, parse_quote!(#rt::PromptDef));
        assert_eq!(out.field("name"), parse_quote!("code_review"));
        assert_eq!(
            out.field("title"),
            parse_quote!(::core::option::Option::Some("Code review"))
        );
        assert_eq!(
            out.field("description"),
            parse_quote!("Review a piece of code.")
        );
        assert_eq!(out.field("requires_auth"), parse_quote!(true));
        assert_eq!(
            out.field("descriptions"),
            parse_quote!(&[("code", "The code.")])
        );
        let describe = out.inner_fn("describe");
        let stmts: Vec<Stmt> = parse_quote! {
            let __mcp_h = (
                (&&#rt::Probe::<Arguments<Review>>::new()).kind().handle::<Arguments<Review>>(),
                #rt::RequestKind.handle::<web::Query<Q>>(),
            );
            #rt::Handle::describe(&__mcp_h.0, __mcp_sig);
            #rt::Handle::describe(&__mcp_h.1, __mcp_sig);
        };
        // After the probes' traits.
        assert_eq!(describe.block.stmts[1..], stmts, "no output schema");
        let invoke = out.inner_fn("invoke");
        let Some(Stmt::Expr(Expr::Call(boxed), None)) = invoke.block.stmts.last() else {
            panic!("Box::pin(async move {{ .. }})")
        };
        let Expr::Async(body) = &boxed.args[0] else {
            panic!("async move {{ .. }}")
        };
        assert_eq!(
            body.block.stmts.last().unwrap(),
            &Stmt::Expr(
                parse_quote!(__mcp_cx.prompt(review(__mcp_a0, __mcp_a1).await)),
                None
            )
        );
        let Expr::Reference(completions) = out.field("completions") else {
            panic!("&[..]")
        };
        let Expr::Array(completions) = &*completions.expr else {
            panic!("[..]")
        };
        let Expr::Tuple(language) = &completions.elems[0] else {
            panic!("(name, completer)")
        };
        assert_eq!(language.elems[0], parse_quote!("language"));
    }

    #[test]
    fn every_error_at_once() {
        let out = expand(
            quote!(name = "a b"),
            quote! {
                #[get("/review")]
                fn review<T>(body: web::Bytes, p: web::Path<u64>) {}
            },
        );
        let errors = out.errors();
        let expected = [
            "a prompt is a plain `async fn`, not a route handler\n= help: remove `#[get(…)]`; to \
             serve the same content over REST, call shared code from the prompt and from a \
             separate route handler",
            "`#[mcp_prompt]` requires an `async fn`",
            "a prompt function cannot be generic",
            "`Bytes` reads the raw request body, which `prompts/get` does not have\n= help: the \
             MCP request body is the JSON-RPC message; take `Arguments<T>` for the prompt's \
             arguments",
            "`web::Path` with unnamed values needs a route template to name them\n= help: a \
             prompt has no route: take `Arguments<T>`, with a struct of named fields",
            "a prompt function must return its messages",
            "invalid prompt name `a b`",
            "prompt `review` has no description",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:?}");
        for (error, expected) in errors.iter().zip(expected) {
            assert!(error.starts_with(expected), "{error}");
        }
        out.item_fn("review");
    }

    #[test]
    fn a_route_attribute_above_is_the_only_error() {
        let out = Expansion::new(mcp_prompt(
            quote!(),
            quote!(
                fn review() {}
            ),
            || Some("#[actix_web::get(\"/review\")]\n".to_owned()),
        ));
        let errors = out.errors();
        assert_eq!(
            errors,
            [
                "a prompt is a plain `async fn`, not a route handler\n= help: remove \
              `#[actix_web::get(\"/review\")]`; to serve the same content over REST, call shared \
              code from the prompt and from a separate route handler"
            ]
        );
    }
}
