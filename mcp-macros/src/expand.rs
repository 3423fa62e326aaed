//! Generating the code for one `#[mcp_tool]`.
//!
//! For a route handler
//!
//! ```text
//! #[mcp_tool] #[get("/items/{id}")] async fn get_item(id: web::Path<u64>) -> R { body }
//! ```
//!
//! the output is
//!
//! ```text
//! async fn __mcp_handler_get_item(id: web::Path<u64>) -> R { body }      // the body, once
//! #[get("/items/{id}")]                                                  // actix's macro, unchanged
//! async fn get_item(a0: web::Path<u64>) -> R { __mcp_handler_get_item(a0).await }
//! const _: () = { fn invoke(..) {..}  inventory::submit!(ToolDef {..}); };
//! ```
//!
//! actix's route macro turns `get_item` into a service struct and hides the
//! function inside it; keeping the body in a sibling function lets both the
//! REST route and the tool call the same code, and `.service(get_item)` is
//! untouched. A hand-written tool (no route attribute) is emitted as is.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, ItemFn};

use crate::attr;
use crate::ctxt::Ctxt;
use crate::route::{self, Route};
use crate::signature::{self, Output, Param};
use crate::tool;

/// The whole expansion; on error, the item (so the REST route and IDEs keep
/// working) followed by every error.
pub(crate) fn mcp_tool(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let mut cx = Ctxt::default();
            cx.error_at(
                item_span(&item),
                "`#[mcp_tool]` goes on an `async fn` handler",
                "put it above an actix route attribute, e.g. `#[mcp_tool] #[get(\"/items/{id}\")] async fn get_item(…)`",
            );
            let errors = cx.into_compile_errors();
            return quote!(#item #errors);
        }
    };
    let mut cx = Ctxt::default();
    let args = attr::parse(args, &mut cx);
    let route::Lookup { route, unreadable } = route::find(&func.attrs, &mut cx);
    let params = signature::params(&mut func.sig, route.as_ref(), &mut cx);
    let output = signature::output(&func.sig, &mut cx);
    let name = tool::name(&args, &func.sig.ident, &mut cx);
    let description = tool::description(&args, &func.attrs, &func.sig.ident, &mut cx);
    let hints = tool::hints(&args, route.as_ref(), &mut cx);
    let errors = cx.into_compile_errors();
    if errors.is_some() || unreadable {
        return quote!(#func #errors);
    }
    let tool = Tool {
        args: &args,
        name,
        description,
        hints,
        route: route.as_ref(),
        params: &params,
        output: &output,
    };
    generate(func, &tool)
}

/// The name of a non-fn item (`struct Item`), for the error that says so.
fn item_span(item: &TokenStream) -> proc_macro2::Span {
    let ident = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(i)) => Some(i.ident),
        Ok(syn::Item::Enum(i)) => Some(i.ident),
        Ok(syn::Item::Const(i)) => Some(i.ident),
        Ok(syn::Item::Static(i)) => Some(i.ident),
        Ok(syn::Item::Trait(i)) => Some(i.ident),
        Ok(syn::Item::Mod(i)) => Some(i.ident),
        Ok(syn::Item::Type(i)) => Some(i.ident),
        _ => None,
    };
    ident.map_or_else(proc_macro2::Span::call_site, |i| i.span())
}

struct Tool<'a> {
    args: &'a attr::ToolArgs,
    name: String,
    description: TokenStream,
    hints: [Option<bool>; 4],
    route: Option<&'a Route>,
    params: &'a [Param],
    output: &'a Output,
}

fn generate(mut func: ItemFn, tool: &Tool) -> TokenStream {
    let ident = func.sig.ident.clone();
    let cfgs: Vec<Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .cloned()
        .collect();

    // A route handler keeps its body in a hidden sibling and gets a forwarding
    // wrapper under the route attribute.
    let (items, handler) = match tool.route {
        None => (quote!(#func), quote!(#ident)),
        Some(route) => {
            let route_attr = func.attrs.remove(route.index);
            let (docs, rest): (Vec<Attribute>, Vec<Attribute>) =
                func.attrs.drain(..).partition(|a| a.path().is_ident("doc"));
            let inner = format_ident!("__mcp_handler_{}", ident.unraw());
            let mut wrapper = func.sig.clone();
            let mut forwarded = Vec::new();
            for (i, input) in wrapper.inputs.iter_mut().enumerate() {
                if let syn::FnArg::Typed(pat) = input {
                    let arg = format_ident!("__mcp_arg{}", i);
                    pat.attrs.clear();
                    *pat.pat = syn::parse_quote!(#arg);
                    forwarded.push(arg);
                }
            }
            let vis = func.vis.clone();
            func.sig.ident = inner.clone();
            func.attrs = rest;
            func.vis = syn::Visibility::Inherited;
            let items = quote! {
                #[doc(hidden)]
                #func

                #(#docs)*
                #(#cfgs)*
                #route_attr
                #vis #wrapper {
                    #inner(#(#forwarded),*).await
                }
            };
            (items, quote!(#inner))
        }
    };

    let registration = registration(tool, &ident, &handler);
    quote! {
        #items

        #(#cfgs)*
        const _: () = {
            #registration
        };
    }
}

fn registration(tool: &Tool, ident: &syn::Ident, handler: &TokenStream) -> TokenStream {
    let krate = match &tool.args.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_runtime),
    };
    let private = quote!(#krate::__private);

    let handles = tool.params.iter().enumerate().map(|(i, p)| {
        let ty = &p.ty;
        let h = format_ident!("__mcp_h{}", i);
        if p.from_request {
            quote_spanned!(ty.span()=> let #h = #private::RequestKind.handle::<#ty>();)
        } else {
            quote_spanned!(ty.span()=> let #h = (&&#private::Probe::<#ty>::new()).kind().handle::<#ty>();)
        }
    });
    let handle_names: Vec<_> = (0..tool.params.len())
        .map(|i| format_ident!("__mcp_h{}", i))
        .collect();
    let arg_names: Vec<_> = (0..tool.params.len())
        .map(|i| format_ident!("__mcp_a{}", i))
        .collect();
    let positions = 0..tool.params.len();
    let output = match tool.output {
        Output::Type(ty) => quote_spanned!(ty.span()=>
            __mcp_sig.output((&&#private::OutputProbe::<#ty>::new()).output());
        ),
        Output::Opaque => quote!(__mcp_sig.output(::core::option::Option::None);),
    };
    let respond_span = match tool.output {
        Output::Type(ty) => ty.span(),
        Output::Opaque => ident.span(),
    };
    let call = quote_spanned!(respond_span=> __mcp_cx.respond(#handler(#(#arg_names),*).await));

    let name = &tool.name;
    let description = &tool.description;
    let title = match &tool.args.title {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    };
    let [read_only, destructive, idempotent, open_world] = tool.hints.map(tool::option_bool);
    let requires_auth = tool.args.requires_auth;
    let route = match tool.route {
        Some(r) => {
            let (methods, path, params) = (&r.methods, &r.path, &r.params);
            quote!(::core::option::Option::Some(#private::Route {
                methods: &[#(#methods),*],
                path: #path,
                params: &[#(#params),*],
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let fn_name = ident.unraw().to_string();
    let location = quote_spanned!(ident.span()=>
        #private::Location::new(
            ::core::concat!(::core::module_path!(), "::", #fn_name),
            ::core::file!(),
            ::core::line!(),
            ::core::column!(),
        )
    );

    quote! {
        #[allow(unused_imports)]
        use #private::{NoOutputSchema as _, ViaArguments as _, ViaOutputSchema as _, ViaRequest as _};

        fn __mcp_invoke(
            __mcp_invocation: #private::Invocation<'_>,
        ) -> ::core::option::Option<#private::ToolFuture<'_>> {
            #(#handles)*
            let __mcp_cx = match __mcp_invocation {
                #private::Invocation::Describe(__mcp_sig) => {
                    #(#handle_names.describe(__mcp_sig);)*
                    #output
                    return ::core::option::Option::None;
                }
                #private::Invocation::Call(__mcp_cx) => __mcp_cx,
            };
            ::core::option::Option::Some(::std::boxed::Box::pin(async move {
                #(
                    let #arg_names = match #handle_names.extract(&__mcp_cx, #positions).await {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(outcome) => return outcome,
                    };
                )*
                #call
            }))
        }

        #private::inventory::submit! {
            #private::ToolDef {
                name: #name,
                title: #title,
                description: #description,
                hints: #private::Hints {
                    read_only: #read_only,
                    destructive: #destructive,
                    idempotent: #idempotent,
                    open_world: #open_world,
                },
                requires_auth: #requires_auth,
                route: #route,
                invoke: __mcp_invoke,
                location: #location,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        mcp_tool(args, item).to_string()
    }

    #[test]
    fn route_handlers_keep_one_body_behind_the_route_attribute() {
        let out = expand(
            quote!(name = "get_item"),
            quote! {
                /// Fetch one item.
                #[get("/items/{id}")]
                pub async fn get_item(id: web::Path<u64>, #[mcp(from_request)] q: web::Query<Q>) -> String {
                    todo!()
                }
            },
        );
        assert!(out.contains("async fn __mcp_handler_get_item (id : web :: Path < u64 > , q : web :: Query < Q >)"), "{out}");
        assert!(out.contains("# [get (\"/items/{id}\")] pub async fn get_item (__mcp_arg0 : web :: Path < u64 > , __mcp_arg1 : web :: Query < Q >)"), "{out}");
        assert!(
            out.contains("__mcp_handler_get_item (__mcp_arg0 , __mcp_arg1) . await"),
            "{out}"
        );
        assert!(
            out.contains("RequestKind . handle :: < web :: Query < Q > > ()"),
            "{out}"
        );
        assert!(out.contains("description : \"Fetch one item.\""), "{out}");
        assert!(out.contains("methods : & [\"GET\"]"), "{out}");
        assert!(
            out.contains("read_only : :: core :: option :: Option :: Some (true)"),
            "{out}"
        );
        assert!(!out.contains("# [mcp"), "{out}");
    }

    #[test]
    fn hand_written_tools_are_emitted_as_is() {
        let out = expand(
            quote!(crate = ::facade::rt),
            quote! {
                /// Add two numbers.
                async fn add(args: web::Json<Add>) -> web::Json<u64> { todo!() }
            },
        );
        assert!(
            out.starts_with("# [doc = r\" Add two numbers.\"] async fn add"),
            "{out}"
        );
        assert!(
            out.contains(":: facade :: rt :: __private :: ToolDef"),
            "{out}"
        );
        assert!(
            out.contains("route : :: core :: option :: Option :: None"),
            "{out}"
        );
        assert!(
            out.contains("OutputProbe :: < web :: Json < u64 > >"),
            "{out}"
        );
    }

    #[test]
    fn errors_keep_the_item() {
        let out = expand(
            quote!(nmae = "x"),
            quote! {
                #[get("/")]
                fn index(#[mcp(from_request)] r: HttpRequest) -> String { todo!() }
            },
        );
        assert!(
            out.starts_with("# [get (\"/\")] fn index (r : HttpRequest)"),
            "{out}"
        );
        assert!(out.contains("unknown argument `nmae`"));
        assert!(out.contains("requires an `async fn`"));
        assert!(out.contains("has no description"));
        assert!(!out.contains("ToolDef"));
    }
}
