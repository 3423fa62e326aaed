//! Generating the code for one `#[mcp_tool]`.
//!
//! For a route handler
//!
//! ```text
//! #[mcp_tool] #[get("/items/{id}")] pub async fn get_item(id: web::Path<u64>) -> R { body }
//! ```
//!
//! the output is
//!
//! ```text
//! #[get("/items/{id}", name = "get_item")]          // actix's macro, named as before
//! async fn __mcp_route_get_item(id: web::Path<u64>) -> R { body }
//! pub struct get_item;                                // the service the app registers
//! impl HttpServiceFactory for get_item {
//!     fn register(self, config) {
//!         register(__mcp_route_get_item, config);    // the route, unchanged
//!         register_locator(config, "/items/{id}", "get_item");
//!     }
//! }
//! const _: () = { fn handles() .. fn describe(..) .. fn check(..) ..
//!                 inventory::submit!(ToolDef {..}); };
//! ```
//!
//! The app registers `get_item` exactly as before (`.service(get_item)`),
//! and a tool call is a request on that route (see the runtime's `app`
//! module). The locator names the route's pattern in the app's resource map
//! so the call can find its full path under whatever scope it is mounted.
//! A hand-written tool (no route attribute) is emitted as is, plus an
//! invoker that calls it directly.

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
    let krate = match &tool.args.krate {
        Some(path) => quote!(#path),
        None => quote!(::mcp_runtime),
    };
    let private = quote!(#krate::__private);
    let cfgs: Vec<Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .cloned()
        .collect();

    let items = match tool.route {
        None => quote!(#func),
        Some(route) => {
            let route_attr = named_route(func.attrs.remove(route.index), &ident);
            let (docs, rest): (Vec<Attribute>, Vec<Attribute>) =
                func.attrs.drain(..).partition(|a| a.path().is_ident("doc"));
            let inner = format_ident!("__mcp_route_{}", ident.unraw());
            let vis = std::mem::replace(&mut func.vis, syn::Visibility::Inherited);
            func.sig.ident = inner.clone();
            func.attrs = rest;
            let path = &route.path;
            let name = &tool.name;
            quote! {
                #(#cfgs)*
                #[doc(hidden)]
                #route_attr
                #func

                #(#docs)*
                #(#cfgs)*
                #[allow(non_camel_case_types, missing_docs)]
                #vis struct #ident;

                #(#cfgs)*
                impl #private::HttpServiceFactory for #ident {
                    fn register(self, __mcp_config: &mut #private::AppService) {
                        #private::HttpServiceFactory::register(#inner, __mcp_config);
                        #private::register_locator(__mcp_config, #path, #name);
                    }
                }
            }
        }
    };

    let registration = registration(tool, &ident, &private);
    quote! {
        #items

        #(#cfgs)*
        const _: () = {
            #registration
        };
    }
}

/// The route attribute with `name = "<fn name>"` added when it has none:
/// actix names a resource after its fn, and the fn is renamed, so the
/// resource keeps the name the app may refer to (`url_for`).
fn named_route(mut attr: Attribute, ident: &syn::Ident) -> Attribute {
    if let syn::Meta::List(list) = &mut attr.meta {
        let has_name = list
            .tokens
            .clone()
            .into_iter()
            .any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "name"));
        if !has_name {
            let name = ident.unraw().to_string();
            let tokens = &list.tokens;
            list.tokens = quote!(#tokens, name = #name);
        }
    }
    attr
}

fn registration(tool: &Tool, ident: &syn::Ident, private: &TokenStream) -> TokenStream {
    let types: Vec<&syn::Type> = tool.params.iter().map(|p| &p.ty).collect();
    let handles = tool.params.iter().map(|p| {
        let ty = &p.ty;
        if p.from_request {
            quote_spanned!(ty.span()=> #private::RequestKind.handle::<#ty>())
        } else {
            quote_spanned!(ty.span()=> (&&#private::Probe::<#ty>::new()).kind().handle::<#ty>())
        }
    });
    let positions: Vec<syn::Index> = (0..tool.params.len()).map(syn::Index::from).collect();
    let arg_names: Vec<_> = (0..tool.params.len())
        .map(|i| format_ident!("__mcp_a{}", i))
        .collect();
    let output = match tool.output {
        Output::Type(ty) => quote_spanned!(ty.span()=>
            __mcp_sig.output((&&#private::OutputProbe::<#ty>::new()).output());
        ),
        Output::Opaque => quote!(__mcp_sig.output(::core::option::Option::None);),
    };

    let handler = match tool.route {
        None => {
            let respond_span = match tool.output {
                Output::Type(ty) => ty.span(),
                Output::Opaque => ident.span(),
            };
            let call =
                quote_spanned!(respond_span=> __mcp_cx.respond(#ident(#(#arg_names),*).await));
            quote! {
                #private::Handler::Direct {
                    invoke: {
                        fn __mcp_invoke(
                            __mcp_cx: #private::CallContext<'_>,
                        ) -> #private::ToolFuture<'_> {
                            ::std::boxed::Box::pin(async move {
                                let __mcp_h = __mcp_handles();
                                #(
                                    let #arg_names = match #private::Handle::extract(&__mcp_h.#positions, &__mcp_cx, #positions).await {
                                        ::core::result::Result::Ok(value) => value,
                                        ::core::result::Result::Err(outcome) => return outcome,
                                    };
                                )*
                                #call
                            })
                        }
                        __mcp_invoke
                    },
                    type_name: {
                        fn __mcp_type_name() -> &'static str {
                            ::core::any::type_name_of_val(&#ident)
                        }
                        __mcp_type_name
                    },
                }
            }
        }
        Some(r) => {
            let methods = r.methods.iter().map(|m| {
                let variant = format_ident!("{}", method_variant(m));
                quote!(#private::HttpMethod::#variant)
            });
            let path = &r.path;
            quote!(#private::Handler::Route(#private::Route {
                methods: &[#(#methods),*],
                path: #path,
            }))
        }
    };

    let name = &tool.name;
    let description = &tool.description;
    let title = match &tool.args.title {
        Some(t) => quote!(::core::option::Option::Some(#t)),
        None => quote!(::core::option::Option::None),
    };
    let [read_only, destructive, idempotent, open_world] = tool.hints.map(tool::option_bool);
    let requires_auth = tool.args.requires_auth;
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

        /// Every parameter's handle, made once so a bad type is reported once.
        #[allow(clippy::unused_unit)]
        fn __mcp_handles() -> (#(impl #private::Handle<Value = #types>,)*) {
            (#(#handles,)*)
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
                descriptions: &[],
                output_schema: true,
                describe: {
                    fn __mcp_describe(__mcp_sig: &mut #private::Signature) {
                        let __mcp_h = __mcp_handles();
                        #(#private::Handle::describe(&__mcp_h.#positions, __mcp_sig);)*
                        #output
                    }
                    __mcp_describe
                },
                check: {
                    fn __mcp_check(
                        __mcp_cx: #private::CheckContext<'_>,
                    ) -> ::core::result::Result<(), #private::ArgumentError> {
                        let __mcp_h = __mcp_handles();
                        #(#private::Handle::check(&__mcp_h.#positions, &__mcp_cx, #positions)?;)*
                        ::core::result::Result::Ok(())
                    }
                    __mcp_check
                },
                handler: #handler,
                location: #location,
            }
        }
    }
}

/// `GET` → `Get`, the runtime's `HttpMethod` variant.
fn method_variant(method: &str) -> String {
    let lower = method.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        mcp_tool(args, item).to_string()
    }

    #[test]
    fn route_handlers_become_a_renamed_route_and_the_original_service() {
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
        assert!(out.contains("# [get (\"/items/{id}\" , name = \"get_item\")] async fn __mcp_route_get_item (id : web :: Path < u64 > , q : web :: Query < Q >)"), "{out}");
        assert!(out.contains("# [doc = r\" Fetch one item.\"] # [allow (non_camel_case_types , missing_docs)] pub struct get_item ;"), "{out}");
        assert!(
            out.contains("register_locator (__mcp_config , \"/items/{id}\" , \"get_item\")"),
            "{out}"
        );
        assert!(
            out.contains("RequestKind . handle :: < web :: Query < Q > > ()"),
            "{out}"
        );
        assert!(out.contains("description : \"Fetch one item.\""), "{out}");
        assert!(
            out.contains("methods : & [:: mcp_runtime :: __private :: HttpMethod :: Get]"),
            "{out}"
        );
        assert!(
            out.contains("read_only : :: core :: option :: Option :: Some (true)"),
            "{out}"
        );
        assert!(!out.contains("# [mcp"), "{out}");
    }

    #[test]
    fn a_route_that_names_itself_keeps_its_name() {
        let out = expand(
            quote!(),
            quote! {
                /// Fetch one item.
                #[get("/items/{id}", name = "item")]
                async fn get_item(id: web::Path<u64>) -> String { todo!() }
            },
        );
        assert!(
            out.contains("# [get (\"/items/{id}\" , name = \"item\")]"),
            "{out}"
        );
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
        assert!(out.contains("Handler :: Direct"), "{out}");
        assert!(out.contains("type_name_of_val (& add)"), "{out}");
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
