//! Generating the code for one `#[mcp_resource]`: the route handler becomes
//! a route service, as a route tool's does, and registers a `ResourceDef`.
//!
//! ```text
//! #[mcp_resource(uri = "items://{id}", complete(id = item_ids))]
//! #[get("/items/{id}")] pub async fn get_item(id: web::Path<u64>) -> R { body }
//! ```
//!
//! becomes
//!
//! ```text
//! pub struct get_item;        // registers the route and the locator `Exposed::Resource("get_item")`
//! inventory::submit!(ResourceDef {
//!     uri: "items://{id}", route: Route { methods: &[Get], path: "/items/{id}" },
//!     completions: &[("id", /* item_ids, wrapped */)], ..
//! });
//! ```
//!
//! A read is a `GET` on the route built from the URI (see `uri`), so the
//! handler's parameters are not analysed: actix extracts them as on REST.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{ItemFn, LitStr};

use crate::attr::{self, CompleteWith, ResourceArgs};
use crate::ctxt::{self, Ctxt};
use crate::expand::{
    self, Completions, Exposed, Heading, Location, Registration, RouteDef, RouteService, Runtime,
};
use crate::kind::{self, Kind};
use crate::metadata;
use crate::order;
use crate::route::{self, HttpMethod, Route};
use crate::uri::{self, UriTemplate};

/// The whole expansion; on error, the item followed by every error.
/// `source_before` reads the source text before the attribute (see `order`).
pub(crate) fn mcp_resource(
    args: TokenStream,
    item: TokenStream,
    source_before: impl FnOnce() -> Option<String>,
) -> TokenStream {
    let func = match expand::item_fn(Kind::Resource, &item) {
        Ok(func) => func,
        Err(errors) => return errors,
    };
    let mut cx = Ctxt::default();
    if kind::exposed_twice(Kind::Resource, &func.attrs, &mut cx) {
        return expand::with_errors(item, cx);
    }
    let args = attr::parse::<ResourceArgs>(args, &mut cx);
    let route::Lookup { route, unreadable } = route::find(Kind::Resource, &func.attrs, &mut cx);
    if route.is_none()
        && !unreadable
        && let Some(before) = source_before()
        && let Some(attr) = order::route_above(&before)
    {
        cx.discard();
        return expand::route_above(Kind::Resource, attr, func);
    }
    let ident = &func.sig.ident;
    let name = metadata::name(Kind::Resource, args.common.name.as_ref(), ident, &mut cx);
    let description = metadata::description(
        Kind::Resource,
        args.common.description.as_ref(),
        &func.attrs,
        ident,
        &mut cx,
    );
    let template = args.uri.as_ref().and_then(|uri| uri::parse(uri, &mut cx));
    if args.uri.is_none() {
        cx.error_at(
            ctxt::attribute_span(ident),
            "`#[mcp_resource]` needs a `uri`",
            "write `uri = \"items://{id}\"`: a URI, or a template whose variables are the \
             route's segments (and `{?a,b}` its query parameters)",
        );
    }
    match &route {
        Some(route) => {
            check_get(route, &func, &mut cx);
            if let (Some(template), Some(uri)) = (&template, &args.uri) {
                uri::check_route(template, uri, route, &mut cx);
            }
        }
        None if route::attribute(&func.attrs).is_none() => cx.error(
            ident,
            format_args!("resource `{ident}` has no route"),
            format_args!(
                "a resource is read with a GET on its route: put `#[mcp_resource(…)]` above \
                 one, e.g.\n    #[mcp_resource(uri = \"items://{{id}}\")]\n    \
                 #[get(\"/items/{{id}}\")]\n    async fn {ident}(…)"
            ),
        ),
        // Reported by `route::find`, or by actix.
        None => {}
    }
    if let Some(mime_type) = &args.mime_type {
        check_mime_type(mime_type, &mut cx);
    }
    if let (Some(template), Some(uri)) = (&template, &args.uri) {
        check_completions(&args.complete, template, uri, &mut cx);
    }
    let errors = cx.into_compile_errors();
    match (route, args.uri) {
        (Some(route), Some(uri)) if errors.is_none() && !unreadable => Resource::new(Checked {
            func,
            route,
            uri,
            name,
            description,
            mime_type: args.mime_type,
            title: args.common.title,
            requires_auth: args.common.requires_auth,
            scopes: args.common.scopes,
            tags: args.common.tags,
            complete: args.complete,
            krate: args.common.krate,
        })
        .into_token_stream(),
        _ => quote!(#func #errors),
    }
}

/// A read is a `GET`.
fn check_get(route: &Route, func: &ItemFn, cx: &mut Ctxt) {
    if route.methods.contains(&HttpMethod::Get) {
        return;
    }
    let methods: Vec<String> = route
        .methods
        .iter()
        .map(|m| format!("{m:?}").to_uppercase())
        .collect();
    cx.error(
        &func.attrs[route.index],
        format_args!(
            "a resource is read with GET, but its route is {}",
            methods.join(", ")
        ),
        "serve the resource from a `#[get(\"…\")]` route; expose other methods as tools with \
         `#[mcp_tool]`",
    );
}

/// `type/subtype`, parameters allowed.
fn check_mime_type(lit: &LitStr, cx: &mut Ctxt) {
    let value = lit.value();
    let essence = value.split(';').next().unwrap_or_default().trim();
    let valid = essence.split_once('/').is_some_and(|(t, s)| {
        let token = |p: &str| !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || c == '/');
        token(t) && token(s)
    });
    if !valid {
        cx.error(
            lit,
            format_args!("`{value}` is not a MIME type"),
            "write `type/subtype`, e.g. `mime_type = \"application/json\"`",
        );
    }
}

/// Each `complete(var = …)` names a variable of the template.
fn check_completions(
    complete: &[CompleteWith],
    template: &UriTemplate,
    uri: &LitStr,
    cx: &mut Ctxt,
) {
    let variables: Vec<&str> = template.variables().collect();
    for c in complete
        .iter()
        .filter(|c| !variables.contains(&c.name.as_str()))
    {
        let help = if variables.is_empty() {
            "the URI has no variables to complete: remove this completion".to_owned()
        } else {
            format!(
                "complete one of its variables: {}",
                variables
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        cx.error_at(
            c.span,
            format_args!(
                "`{}` is not a variable of the URI template `{}`",
                c.name,
                uri.value()
            ),
            help,
        );
    }
}

/// What the checks produced, for [`Resource::new`].
struct Checked {
    func: ItemFn,
    route: Route,
    uri: LitStr,
    name: String,
    description: Option<TokenStream>,
    mime_type: Option<LitStr>,
    title: Option<LitStr>,
    requires_auth: bool,
    scopes: Vec<LitStr>,
    tags: Vec<LitStr>,
    complete: Vec<CompleteWith>,
    krate: Option<syn::Path>,
}

/// One `#[mcp_resource]`, ready to print: the route service, then the
/// registration.
struct Resource {
    service: RouteService,
    registration: Registration<Definition>,
}

impl Resource {
    fn new(checked: Checked) -> Resource {
        let Checked {
            func,
            route,
            uri,
            name,
            description,
            mime_type,
            title,
            requires_auth,
            scopes,
            tags,
            complete,
            krate,
        } = checked;
        let rt = Runtime::new(krate.as_ref());
        let cfgs = expand::cfgs(&func.attrs);
        let location = Location {
            rt: rt.clone(),
            ident: func.sig.ident.clone(),
        };
        let definition = Definition {
            rt: rt.clone(),
            heading: Heading {
                name: name.clone(),
                title,
                description: expand::option(description.as_ref()),
                requires_auth,
                scopes,
                tags,
            },
            uri,
            mime_type,
            route: RouteDef::new(&rt, &route, Exposed::Resource(name.clone())),
            completions: Completions {
                rt: rt.clone(),
                entries: complete,
            },
            location,
        };
        Resource {
            service: RouteService::new(func, &route, Exposed::Resource(name), &rt, &cfgs),
            registration: Registration::new(&rt, cfgs, definition),
        }
    }
}

impl ToTokens for Resource {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.service.to_tokens(tokens);
        self.registration.to_tokens(tokens);
    }
}

/// The `ResourceDef` registered for the resource.
struct Definition {
    rt: Runtime,
    heading: Heading,
    uri: LitStr,
    mime_type: Option<LitStr>,
    route: RouteDef,
    completions: Completions,
    location: Location,
}

impl ToTokens for Definition {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Definition {
            rt,
            heading,
            uri,
            mime_type,
            route,
            completions,
            location,
        } = self;
        let mime_type = expand::option(mime_type.as_ref());
        tokens.extend(quote! {
            #rt::ResourceDef {
                #heading
                uri: #uri,
                mime_type: #mime_type,
                route: #route,
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
    use syn::{Expr, parse_quote};

    fn expand(args: TokenStream, item: TokenStream) -> Expansion {
        Expansion::new(mcp_resource(args, item, || None))
    }

    #[test]
    fn a_resource_is_a_route_service_and_a_resource_def() {
        let out = expand(
            quote!(
                uri = "items://{id}",
                name = "item",
                title = "Item",
                mime_type = "application/json",
                requires_auth,
                complete(id = crate::ids::item_ids)
            ),
            quote! {
                /// One item, as JSON.
                #[get("/items/{id}")]
                pub async fn get_item(id: web::Path<u64>) -> web::Json<Item> { todo!() }
            },
        );
        let rt = quote!(::mcp_runtime::__private);
        out.item_struct("get_item");
        let (_, handler, call) = out.registered();
        assert_eq!(handler.sig.ident, "get_item");
        assert_eq!(
            *call,
            expand::tests::get_item_route(quote!(Resource(::core::concat!(
                ::core::module_path!(),
                "::",
                "item"
            ))))
        );

        assert_eq!(out.definition().path, parse_quote!(#rt::ResourceDef));
        let some = |e: Expr| -> Expr { parse_quote!(::core::option::Option::Some(#e)) };
        assert_eq!(out.field("name"), parse_quote!("item"));
        assert_eq!(out.field("title"), some(parse_quote!("Item")));
        assert_eq!(
            out.field("description"),
            some(parse_quote!("One item, as JSON."))
        );
        assert_eq!(out.field("uri"), parse_quote!("items://{id}"));
        assert_eq!(
            out.field("mime_type"),
            some(parse_quote!("application/json"))
        );
        assert_eq!(out.field("requires_auth"), parse_quote!(true));
        assert_eq!(
            out.field("route"),
            parse_quote!(#rt::Route {
                methods: &[#rt::HttpMethod::Get],
                path: "/items/{id}",
                exposed: #rt::Exposed::Resource(::core::concat!(::core::module_path!(), "::", "item")),
            })
        );
        assert_eq!(
            out.field("completions"),
            parse_quote!(&[("id", {
                fn __mcp_complete(__mcp_c: #rt::Completion) -> #rt::CompletionFuture {
                    ::std::boxed::Box::pin(async move {
                        #rt::IntoCompletions::into_completions(crate::ids::item_ids(__mcp_c).await)
                    })
                }
                __mcp_complete
            })])
        );
        // Nothing to extract: the read is a request on the route.
        assert!(
            !out.registration()
                .to_token_stream()
                .to_string()
                .contains("Probe")
        );
    }

    #[test]
    fn optional_metadata_is_none() {
        let out = expand(
            quote!(uri = "items://all", crate = ::facade::rt),
            quote! {
                #[route("/items", method = "GET", method = "HEAD")]
                async fn all_items() -> String { todo!() }
            },
        );
        let none: Expr = parse_quote!(::core::option::Option::None);
        assert_eq!(out.field("name"), parse_quote!("all_items"));
        for field in ["title", "description", "mime_type"] {
            assert_eq!(out.field(field), none, "{field}");
        }
        assert_eq!(out.field("requires_auth"), parse_quote!(false));
        assert_eq!(out.field("completions"), parse_quote!(&[]));
        assert_eq!(
            out.field("route"),
            parse_quote!(::facade::rt::__private::Route {
                methods: &[
                    ::facade::rt::__private::HttpMethod::Get,
                    ::facade::rt::__private::HttpMethod::Head
                ],
                path: "/items",
                exposed: ::facade::rt::__private::Exposed::Resource(::core::concat!(
                    ::core::module_path!(),
                    "::",
                    "all_items"
                )),
            })
        );
    }

    #[test]
    fn every_error_at_once_and_the_item_kept() {
        let item = quote! {
            #[post("/items/{id}")]
            async fn create(id: web::Path<u64>) -> String { todo!() }
        };
        let out = expand(
            quote!(mime_type = "json", complete(id = ids), nmae = "x"),
            item.clone(),
        );
        let errors = out.errors();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].starts_with("unknown argument `nmae`"));
        assert!(errors[1].starts_with("`#[mcp_resource]` needs a `uri`"));
        assert!(errors[2].starts_with("a resource is read with GET, but its route is POST"));
        assert!(errors[3].starts_with("`json` is not a MIME type"));
        assert_eq!(out.item_fn("create"), &syn::parse2::<ItemFn>(item).unwrap());

        let out = expand(
            quote!(uri = "items://{id}", complete(id = ids, q = qs)),
            quote! {
                async fn get_item() -> String { todo!() }
            },
        );
        let errors = out.errors();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("resource `get_item` has no route"));
        assert!(errors[0].ends_with(
            "e.g.\n    #[mcp_resource(uri = \"items://{id}\")]\n    #[get(\"/items/{id}\")]\n    async fn get_item(…)"
        ));
        assert_eq!(
            errors[1],
            "`q` is not a variable of the URI template `items://{id}`\n= help: complete one of \
             its variables: `id`"
        );
    }

    #[test]
    fn a_route_attribute_above_is_the_only_error() {
        let out = Expansion::new(mcp_resource(
            quote!(),
            quote!(
                async fn get_item() -> String {
                    todo!()
                }
            ),
            || Some("#[get(\"/items\")]\n".to_owned()),
        ));
        let errors = out.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with(
            "`#[mcp_resource]` is below `#[get(\"/items\")]`: actix's macro runs first and hides \
             the route from the resource"
        ));
    }

    #[test]
    fn a_tool_too_is_the_only_error() {
        let item = quote! {
            #[mcp_tool]
            #[get("/items")]
            async fn items() -> String { todo!() }
        };
        let out = expand(quote!(bogus), item.clone());
        let errors = out.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with(
            "`#[mcp_resource]` and `#[mcp_tool]` on one fn: it is a resource or a tool, not both"
        ));
        assert_eq!(out.item_fn("items"), &syn::parse2::<ItemFn>(item).unwrap());
    }
}
