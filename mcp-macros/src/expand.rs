//! Generating the code for one `#[mcp_tool]`, and the parts of it that
//! `#[mcp_resource]` and `#[mcp_prompt]` share (see `resource` and `prompt`).
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
//! pub struct get_item;                                // the service the app registers
//! impl HttpServiceFactory for get_item {
//!     fn register(self, config) {
//!         async fn get_item(_: Reached, id: web::Path<u64>) -> R { body }
//!         register_route(                             // the route actix's macro would register
//!             config,
//!             Resource::new("/items/{id}").name("get_item").guard(guard::Get()).to(get_item),
//!             "/items/{id}",
//!             Exposed::Tool("get_item"),
//!         );
//!     }
//! }
//! inventory::submit!(ToolDef { .., parameters, handler, .. });
//! ```
//!
//! The app registers `get_item` exactly as before (`.service(get_item)`),
//! and a tool call is a request on that route (see the runtime's `app`
//! module). `register_route` adds the guard that records which item the
//! router chose and a locator, which names the route's pattern in the app's
//! resource map so the call can find its full path under whatever scope it
//! is mounted.
//! A hand-written tool (no route attribute) is emitted as is, plus an
//! invoker that calls it directly.
//!
//! [`mcp_tool`] runs every check, then builds a [`Tool`]; each part of the
//! output is a type that prints itself (as actix-web-codegen's `Route`), so
//! the parts can be tested one by one, and resources and prompts reuse
//! them: a resource is a route service too, a prompt is invoked as a
//! hand-written tool is.

use std::rc::Rc;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ItemFn, LitStr, Type, Visibility};

use crate::attr::{self, ArgDescription, CompleteWith, ToolArgs};
use crate::ctxt::Ctxt;
use crate::kind::{self, Kind};
use crate::metadata;
use crate::order;
use crate::route::{self, HttpMethod, Route};
use crate::signature::{self, Output, Param};
use crate::tool::{self, Hints};

/// The whole expansion; on error, the item (so the REST route and IDEs keep
/// working) followed by every error. `source_before` reads the source text
/// before the attribute (see `order`).
pub(crate) fn mcp_tool(
    args: TokenStream,
    item: TokenStream,
    source_before: impl FnOnce() -> Option<String>,
) -> TokenStream {
    let mut func = match item_fn(Kind::Tool, &item) {
        Ok(func) => func,
        Err(errors) => return errors,
    };
    let mut cx = Ctxt::default();
    if kind::exposed_twice(Kind::Tool, &func.attrs, &mut cx) {
        return with_errors(item, cx);
    }
    let args = attr::parse::<ToolArgs>(args, &mut cx);
    let route::Lookup { route, unreadable } = route::find(Kind::Tool, &func.attrs, &mut cx);
    let params = signature::params(Kind::Tool, &mut func.sig, route.as_ref(), &mut cx);
    if route.is_none()
        && !unreadable
        && let Some(before) = source_before()
        && let Some(attr) = order::route_above(&before)
    {
        cx.discard();
        return route_above(Kind::Tool, attr, func);
    }
    let output = signature::output(Kind::Tool, &func.sig, &mut cx);
    let common = &args.common;
    let name = metadata::name(Kind::Tool, common.name.as_ref(), &func.sig.ident, &mut cx);
    let description = metadata::description(
        Kind::Tool,
        common.description.as_ref(),
        &func.attrs,
        &func.sig.ident,
        &mut cx,
    );
    let description = description.map(|d| metadata::with_agent_parts(d, &args, &mut cx));
    let methods = route.as_ref().map_or(&[][..], |r| &r.methods);
    let hints = tool::hints(&args, methods, &mut cx);
    let errors = cx.into_compile_errors();
    if errors.is_some() || unreadable {
        return quote!(#func #errors);
    }
    Tool::new(Checked {
        func,
        args,
        route,
        params,
        output,
        name,
        // Present: its absence is an error.
        description: description.unwrap_or_default(),
        hints,
    })
    .into_token_stream()
}

/// A fn whose body is kept as written: the attributes read only the
/// signature, and parsing a handler's body into syntax only to print it back
/// was about a third of their own run time, more for a long body.
struct VerbatimFn(ItemFn);

impl syn::parse::Parse for VerbatimFn {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<VerbatimFn> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body;
        let brace_token = syn::braced!(body in input);
        let block = syn::Block {
            brace_token,
            stmts: vec![syn::Stmt::Item(syn::Item::Verbatim(body.parse()?))],
        };
        Ok(VerbatimFn(ItemFn {
            attrs,
            vis,
            modifiers: syn::FnModifiers::default(),
            sig,
            block: Box::new(block),
        }))
    }
}

/// The item as a fn, or the item and the error that says it is not one.
pub(crate) fn item_fn(kind: Kind, item: &TokenStream) -> Result<ItemFn, TokenStream> {
    syn::parse2(item.clone()).map(|VerbatimFn(func)| func).map_err(|_| {
        let mut cx = Ctxt::default();
        let example = match kind {
            Kind::Tool => {
                "put it above an actix route attribute, e.g. `#[mcp_tool] #[get(\"/items/{id}\")] \
                 async fn get_item(…)`"
            }
            Kind::Resource => {
                "put it above an actix GET route attribute, e.g. \
                 `#[mcp_resource(uri = \"items://{id}\")] #[get(\"/items/{id}\")] async fn get_item(…)`"
            }
            Kind::Prompt => {
                "put it on an `async fn`, e.g. `#[mcp_prompt] async fn review(args: \
                 Arguments<Review>) -> String`"
            }
        };
        let target = match kind {
            Kind::Tool | Kind::Resource => "an `async fn` handler",
            Kind::Prompt => "an `async fn`",
        };
        cx.error_at(
            item_span(item),
            format_args!("`{}` goes on {target}", kind.attr()),
            example,
        );
        with_errors(item.clone(), cx)
    })
}

/// `item` as written, then the errors.
pub(crate) fn with_errors(item: impl ToTokens, cx: Ctxt) -> TokenStream {
    let errors = cx.into_compile_errors();
    quote!(#item #errors)
}

/// The fn and the one error for a route attribute written above the
/// attribute `kind`: other errors would mostly follow from the hidden route
/// and mislead, so any others return once it is fixed.
pub(crate) fn route_above(kind: Kind, attr: &str, func: ItemFn) -> TokenStream {
    let mut cx = Ctxt::default();
    order::report(kind, attr, &func.sig.ident, &mut cx);
    with_errors(func, cx)
}

/// The name of a non-fn item (`struct Item`), for the error that says so.
fn item_span(item: &TokenStream) -> Span {
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
    ident.map_or_else(Span::call_site, |i| i.span())
}

/// The fn's `#[cfg]`s, which every generated item repeats.
pub(crate) fn cfgs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .cloned()
        .collect()
}

/// What the checks produced, for [`Tool::new`].
struct Checked {
    func: ItemFn,
    args: ToolArgs,
    route: Option<Route>,
    params: Vec<Param>,
    output: Output,
    name: String,
    description: TokenStream,
    hints: Hints,
}

/// `<crate>::__private`, where generated code finds the runtime.
///
/// Kept as token trees, not a `TokenStream`: it is printed some twenty times
/// per tool, and trees are appended where the output is being built, while
/// a stream is handed to the compiler and joined there each time (3 % of
/// the macro's run, as the dev profile builds it).
#[derive(Clone)]
pub(crate) struct Runtime(Rc<[TokenTree]>);

impl Runtime {
    /// From `crate = path`, else `::mcp_runtime`.
    pub(crate) fn new(krate: Option<&syn::Path>) -> Runtime {
        let path = match krate {
            Some(path) => quote!(#path::__private),
            None => quote!(::mcp_runtime::__private),
        };
        Runtime(path.into_iter().collect())
    }
}

impl ToTokens for Runtime {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.iter().cloned());
    }
}

/// One `#[mcp_tool]`, ready to print: the handler's items, then its
/// registration.
struct Tool {
    items: Items,
    registration: Registration<Definition>,
}

impl Tool {
    fn new(checked: Checked) -> Tool {
        let Checked {
            func,
            args,
            route,
            params,
            output,
            name,
            description,
            hints,
        } = checked;
        let rt = Runtime::new(args.common.krate.as_ref());
        let cfgs = cfgs(&func.attrs);
        let ident = func.sig.ident.clone();
        let return_span = output.ty.as_ref().map_or(ident.span(), Spanned::span);
        let errors_of = output.ty.clone();
        let output = if args.without_output_schema {
            OutputSchema::Off
        } else {
            match output {
                Output { json: Some(ty), .. } => OutputSchema::Json(rt.clone(), ty),
                Output { ty: Some(ty), .. } => OutputSchema::Probe(rt.clone(), ty),
                Output { ty: None, .. } => OutputSchema::Absent,
            }
        };
        let handles = Handles::new(&rt, params);
        let handler = match &route {
            Some(route) => Handler::Route(RouteDef::new(&rt, route, Exposed::Tool(name.clone()))),
            None => Handler::Direct(Invoker {
                rt: rt.clone(),
                ident: ident.clone(),
                handles: handles.clone(),
                finish: Finish::Respond,
                return_span,
            }),
        };
        let items = match &route {
            Some(route) => Items::Route(RouteService::new(
                func,
                route,
                Exposed::Tool(name.clone()),
                &rt,
                &cfgs,
            )),
            None => Items::Direct(func),
        };
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
            hints,
            descriptions: args.args,
            errors: args.errors,
            task: args.task,
            requires: args.requires,
            describe: Describe {
                rt: rt.clone(),
                handles,
                output: Some(output),
                errors_of,
            },
            handler,
            location: Location {
                rt: rt.clone(),
                ident,
            },
        };
        Tool {
            items,
            registration: Registration::new(&rt, cfgs, definition),
        }
    }
}

impl ToTokens for Tool {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.items.to_tokens(tokens);
        self.registration.to_tokens(tokens);
    }
}

/// `inventory::submit! { definition }`, under the handler's `#[cfg]`s.
pub(crate) struct Registration<D> {
    rt: Runtime,
    cfgs: Vec<Attribute>,
    definition: D,
}

impl<D> Registration<D> {
    pub(crate) fn new(rt: &Runtime, cfgs: Vec<Attribute>, definition: D) -> Registration<D> {
        Registration {
            rt: rt.clone(),
            cfgs,
            definition,
        }
    }
}

impl<D: ToTokens> ToTokens for Registration<D> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Registration {
            rt,
            cfgs,
            definition,
        } = self;
        tokens.extend(quote! {
            #(#cfgs)*
            #rt::inventory::submit! { #definition }
        });
    }
}

/// The probes' traits, imported at the start of each function that probes
/// (inside it, so the registration needs no block of its own: every item
/// generated per handler is one more body for rustc to check).
struct ProbeTraits<'a>(&'a Runtime);

impl ToTokens for ProbeTraits<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let rt = self.0;
        tokens.extend(quote! {
            #[allow(unused_imports)]
            use #rt::{NoDescribedErrors as _, NoOutputSchema as _, ViaArguments as _, ViaDescribeErrors as _, ViaOutputSchema as _, ViaRequest as _};
        });
    }
}

/// The items the handler becomes.
enum Items {
    Route(RouteService),
    /// A hand-written tool: the fn as written.
    Direct(ItemFn),
}

impl ToTokens for Items {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Items::Route(service) => service.to_tokens(tokens),
            Items::Direct(func) => func.to_tokens(tokens),
        }
    }
}

/// What a route is exposed as, by name: the runtime's `Exposed`, which
/// names the route's locator. Prints as the variant.
#[derive(Clone)]
pub(crate) enum Exposed {
    Tool(String),
    Resource(String),
}

impl ToTokens for Exposed {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            // Qualified by the handler's module: two modules' `list` are two
            // routes, even when prefixes expose them under one server.
            Exposed::Tool(name) => {
                quote!(Tool(::core::concat!(::core::module_path!(), "::", #name)))
            }
            Exposed::Resource(name) => {
                quote!(Resource(
                    ::core::concat!(::core::module_path!(), "::", #name)
                ))
            }
        });
    }
}

/// A route handler: under the fn's own name, the service the app registers,
/// whose `register` holds the fn and registers its route as actix's macro
/// would (the same resource, name, method guards, guards and middleware),
/// plus a last guard recording which item the router chose and the route's
/// locator (the runtime's `register_route`). The fn gets a hidden first
/// parameter that checks a call reached it (the runtime's `Reached`, see
/// its module docs).
///
/// Registering the route here, not through actix's `#[get]`, saves a second
/// macro parsing the whole fn and a second service per route: about a
/// third of what a tool added to a clean build's macro time.
pub(crate) struct RouteService {
    rt: Runtime,
    cfgs: Vec<Attribute>,
    /// The fn without its doc comment and route attribute.
    handler: Box<ItemFn>,
    /// The doc comment, moved to the service.
    docs: Vec<Attribute>,
    /// The route attribute's own path (`get`, `actix_web::post`), named in
    /// the output so the app's import of it still counts as used.
    attribute: syn::Path,
    vis: Visibility,
    ident: Ident,
    /// What the route attribute said.
    route: Route,
    exposed: Exposed,
}

impl RouteService {
    pub(crate) fn new(
        mut handler: ItemFn,
        route: &Route,
        exposed: Exposed,
        rt: &Runtime,
        cfgs: &[Attribute],
    ) -> RouteService {
        let ident = handler.sig.ident.clone();
        let attribute = handler.attrs.remove(route.index).path().clone();
        let (docs, attrs): (Vec<Attribute>, Vec<Attribute>) = std::mem::take(&mut handler.attrs)
            .into_iter()
            .partition(|a| a.path().is_ident("doc"));
        handler.attrs = attrs;
        handler
            .sig
            .inputs
            .insert(0, syn::parse_quote!(_: #rt::Reached));
        RouteService {
            rt: rt.clone(),
            cfgs: cfgs.to_vec(),
            vis: std::mem::replace(&mut handler.vis, Visibility::Inherited),
            handler: Box::new(handler),
            docs,
            attribute,
            ident,
            route: route.clone(),
            exposed,
        }
    }
}

impl ToTokens for RouteService {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let RouteService {
            rt,
            cfgs,
            handler,
            docs,
            attribute,
            vis,
            ident,
            route,
            exposed,
        } = self;
        let Route {
            path,
            methods,
            guards,
            wraps,
            ..
        } = route;
        // As actix: the resource is named after the fn unless it says.
        let name = route
            .name
            .as_ref()
            .map_or_else(|| ident.unraw().to_string(), LitStr::value);
        // As actix: one method's guard, or `Any(first).or(second)…`.
        let method_guard = methods.split_first().map(|(first, rest)| match rest {
            [] => quote!(#rt::guard::#first()),
            _ => quote!(#rt::guard::Any(#rt::guard::#first())#(.or(#rt::guard::#rest()))*),
        });
        let method_guard = method_guard.iter();
        tokens.extend(quote! {
            #(#docs)*
            #(#cfgs)*
            #[allow(non_camel_case_types, missing_docs)]
            #vis struct #ident;

            #(#cfgs)*
            impl #rt::HttpServiceFactory for #ident {
                fn register(self, __mcp_config: &mut #rt::AppService) {
                    #[allow(unused_imports)]
                    use #attribute as _;
                    #handler
                    #rt::register_route(
                        __mcp_config,
                        #rt::Resource::new(#path)
                            .name(#name)
                            #(.guard(#method_guard))*
                            #(.guard(#rt::guard::fn_guard(#guards)))*
                            #(.wrap(#wraps))*
                            .to(#ident),
                        #path,
                        #rt::Exposed::#exposed,
                    );
                }
            }
        });
    }
}

/// `#rt::Route { methods, path }`: the route as its attribute writes it.
pub(crate) struct RouteDef {
    rt: Runtime,
    methods: Vec<HttpMethod>,
    path: String,
    exposed: Exposed,
}

impl RouteDef {
    pub(crate) fn new(rt: &Runtime, route: &Route, exposed: Exposed) -> RouteDef {
        RouteDef {
            rt: rt.clone(),
            methods: route.methods.clone(),
            path: route.path.clone(),
            exposed,
        }
    }
}

impl ToTokens for RouteDef {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let RouteDef {
            rt,
            methods,
            path,
            exposed,
        } = self;
        tokens.extend(quote! {
            #rt::Route {
                methods: &[#(#rt::HttpMethod::#methods),*],
                path: #path,
                exposed: #rt::Exposed::#exposed,
            }
        });
    }
}

/// Every parameter's handle: a tool's `parameters` fn hands them to the
/// runtime's `parameters` as a tuple; a prompt's `describe` and an invoker
/// bind them (`let __mcp_h = …;`). A type that cannot be a parameter is
/// reported at its span once, however many of these make its handle (rustc
/// emits an identical diagnostic once).
#[derive(Clone)]
pub(crate) struct Handles {
    rt: Runtime,
    params: Vec<Param>,
}

impl Handles {
    pub(crate) fn new(rt: &Runtime, params: Vec<Param>) -> Handles {
        Handles {
            rt: rt.clone(),
            params,
        }
    }

    /// Tuple indices of the handles.
    fn positions(&self) -> Vec<syn::Index> {
        (0..self.params.len()).map(syn::Index::from).collect()
    }

    /// `(h0, …,)`: the handles as one tuple.
    fn tuple(&self) -> TokenStream {
        let rt = &self.rt;
        let handles = self.params.iter().map(|Param { ty, from_request }| {
            if *from_request {
                quote_spanned!(ty.span()=> #rt::RequestKind.handle::<#ty>())
            } else {
                quote_spanned!(ty.span()=> (&&#rt::Probe::<#ty>::new()).kind().handle::<#ty>())
            }
        });
        quote!((#(#handles,)*))
    }
}

/// `let __mcp_h = (h0, …,);`, for a prompt's `describe` and an invoker.
impl ToTokens for Handles {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        if self.params.is_empty() {
            return;
        }
        let tuple = self.tuple();
        let traits = ProbeTraits(&self.rt);
        tokens.extend(quote! {
            #traits
            let __mcp_h = #tuple;
        });
    }
}

/// `Some("…")` or `None`, for an optional string of a definition.
pub(crate) fn option(value: Option<&impl ToTokens>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// `&[("name", "description"), …]`: `args(...)`.
pub(crate) fn descriptions(descriptions: &[ArgDescription]) -> TokenStream {
    let entries = descriptions
        .iter()
        .map(|ArgDescription { name, description }| quote!((#name, #description)));
    quote!(&[#(#entries),*])
}

/// The fields every definition starts with (the runtime's `ToolDef`,
/// `ResourceDef` and `PromptDef` all have them); prints as those fields.
pub(crate) struct Heading {
    pub name: String,
    pub title: Option<LitStr>,
    /// A string expression; for a resource, an `Option` of one.
    pub description: TokenStream,
    pub requires_auth: bool,
    /// `scopes = [...]`; any implies `requires_auth`.
    pub scopes: Vec<LitStr>,
    /// `tags = [...]`.
    pub tags: Vec<LitStr>,
}

impl ToTokens for Heading {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Heading {
            name,
            title,
            description,
            requires_auth,
            scopes,
            tags,
        } = self;
        let title = option(title.as_ref());
        let requires_auth = *requires_auth || !scopes.is_empty();
        tokens.extend(quote! {
            name: #name,
            title: #title,
            description: #description,
            requires_auth: #requires_auth,
            scopes: &[#(#scopes),*],
            tags: &[#(#tags),*],
        });
    }
}

/// The `ToolDef` registered for the tool.
struct Definition {
    rt: Runtime,
    heading: Heading,
    hints: Hints,
    descriptions: Vec<ArgDescription>,
    errors: Vec<(u16, LitStr)>,
    task: Option<Ident>,
    requires: Vec<Ident>,
    describe: Describe,
    handler: Handler,
    location: Location,
}

impl ToTokens for Definition {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Definition {
            rt,
            heading,
            hints,
            descriptions,
            errors,
            task,
            requires,
            describe,
            handler,
            location,
        } = self;
        let task = task
            .clone()
            .unwrap_or_else(|| Ident::new("Never", Span::call_site()));
        let descriptions = self::descriptions(descriptions);
        let errors = errors.iter().map(|(status, text)| quote!((#status, #text)));
        let output_schema = !matches!(describe.output, Some(OutputSchema::Off));
        let handles = describe.handles.tuple();
        let traits = ProbeTraits(rt);
        let described_errors = describe.errors();
        let output = describe.output.as_ref().map_or_else(
            || quote!(::core::option::Option::None),
            ToTokens::to_token_stream,
        );
        tokens.extend(quote! {
            #rt::ToolDef {
                #heading
                hints: #rt::Hints { #hints },
                descriptions: #descriptions,
                errors: &[#(#errors),*],
                output_schema: #output_schema,
                task: #rt::TaskSupport::#task,
                requires: &[#(#rt::ClientCapability::#requires),*],
                parameters: {
                    fn __mcp_parameters(
                        __mcp_op: #rt::Parameters<'_>,
                    ) -> ::core::result::Result<(), #rt::ArgumentError> {
                        #traits
                        #rt::parameters(__mcp_op, #handles, #described_errors, #output)
                    }
                    __mcp_parameters
                },
                handler: #handler,
                location: #location,
            }
        });
    }
}

/// What a definition describes: the parameters and, for a tool, the
/// output schema and the statuses its error type describes (a prompt prints
/// it as its `describe` fn; a tool hands its parts to `parameters`).
pub(crate) struct Describe {
    pub rt: Runtime,
    pub handles: Handles,
    /// `None` for a prompt, which has no output schema.
    pub output: Option<OutputSchema>,
    /// A tool's nameable return type, probed for the error responses its
    /// error type describes (`DescribeErrors`).
    pub errors_of: Option<Type>,
}

impl Describe {
    /// What the return type's error type says its statuses mean (the
    /// `errors` of `parameters`).
    fn errors(&self) -> TokenStream {
        let rt = &self.rt;
        match &self.errors_of {
            Some(ty) => quote_spanned!(ty.span()=> (&&#rt::ErrorsProbe::<#ty>::new()).errors()),
            None => quote!(&[]),
        }
    }
}

/// A prompt's `describe` fn: its parameters (a prompt has no output
/// schema and no described errors).
impl ToTokens for Describe {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let rt = &self.rt;
        let handles = &self.handles;
        let positions = handles.positions();
        tokens.extend(quote! {
            {
                fn __mcp_describe(__mcp_sig: &mut #rt::Signature) {
                    #handles
                    #(#rt::Handle::describe(&__mcp_h.#positions, __mcp_sig);)*
                }
                __mcp_describe
            }
        });
    }
}

/// Where `describe` gets the tool's output schema from.
pub(crate) enum OutputSchema {
    /// The `T` of a `web::Json<T>` written in the return type: its schema,
    /// named at `T`'s span, so a `T` without `JsonSchema` is a compile error
    /// there (`StructuredOutput`), not a tool that silently has none.
    Json(Runtime, Type),
    /// Any other nameable return type, probed: a type alias may hide a
    /// `web::Json`.
    Probe(Runtime, Type),
    /// `impl Responder`: no type to take a schema from.
    Absent,
    /// `output_schema = false`: text results only.
    Off,
}

impl ToTokens for OutputSchema {
    /// The schema fn, an `Option`.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            OutputSchema::Json(rt, ty) => quote_spanned!(ty.span()=>
                ::core::option::Option::Some(<#ty as #rt::StructuredOutput>::schema)
            ),
            OutputSchema::Probe(rt, ty) => quote_spanned!(ty.span()=>
                (&&#rt::OutputProbe::<#ty>::new()).output()
            ),
            OutputSchema::Absent | OutputSchema::Off => quote!(::core::option::Option::None),
        });
    }
}

/// How a call reaches the handler.
enum Handler {
    /// Through its REST route, in the app.
    Route(RouteDef),
    /// A hand-written tool: called directly.
    Direct(Invoker),
}

impl ToTokens for Handler {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Handler::Route(route) => {
                let rt = &route.rt;
                tokens.extend(quote!(#rt::Handler::Route(#route)));
            }
            Handler::Direct(invoker) => {
                let Invoker { rt, ident, .. } = invoker;
                // The fn's type name tells the runtime whether actix's
                // macro swallowed it.
                tokens.extend(quote! {
                    #rt::Handler::Direct {
                        invoke: #invoker,
                        type_name: {
                            fn __mcp_type_name() -> &'static str {
                                ::core::any::type_name_of_val(&#ident)
                            }
                            __mcp_type_name
                        },
                    }
                });
            }
        }
    }
}

/// The entry point of a hand-written tool or a prompt: extracts every
/// parameter from the call, runs the fn and renders what it returns.
pub(crate) struct Invoker {
    pub rt: Runtime,
    pub ident: Ident,
    pub handles: Handles,
    pub finish: Finish,
    /// Where a value that cannot be rendered is reported: the return type.
    pub return_span: Span,
}

/// How the invoker renders the fn's value.
pub(crate) enum Finish {
    /// As a response, the way actix would (`Responder`).
    Respond,
    /// As a prompt's messages (`IntoPrompt`).
    Prompt,
}

impl ToTokens for Invoker {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Invoker {
            rt,
            ident,
            handles,
            finish,
            return_span: span,
        } = self;
        let positions = handles.positions();
        let args: Vec<Ident> = (0..positions.len())
            .map(|i| format_ident!("__mcp_a{}", i))
            .collect();
        // The whole call at the return type, so that is all rustc points at.
        let mut callee = ident.clone();
        callee.set_span(*span);
        let call = quote_spanned!(*span=> #callee(#(#args),*).await);
        let finish = match finish {
            Finish::Respond => quote_spanned!(*span=> __mcp_cx.respond(#call)),
            Finish::Prompt => quote_spanned!(*span=> __mcp_cx.prompt(#call)),
        };
        tokens.extend(quote! {
            {
                fn __mcp_invoke(
                    __mcp_cx: #rt::CallContext<'_>,
                ) -> #rt::ToolFuture<'_> {
                    ::std::boxed::Box::pin(async move {
                        #handles
                        #(
                            let #args = match #rt::Handle::extract(&__mcp_h.#positions, &__mcp_cx, #positions).await {
                                ::core::result::Result::Ok(value) => value,
                                ::core::result::Result::Err(outcome) => return outcome,
                            };
                        )*
                        #finish
                    })
                }
                __mcp_invoke
            }
        });
    }
}

/// `&[("var", completer), …]`: each `complete(var = path)` function
/// wrapped as a `Completer`. The call and its result are spanned at the
/// path, so a function of the wrong signature or return type
/// (`IntoCompletions`) is reported where it is named.
pub(crate) struct Completions {
    pub rt: Runtime,
    pub entries: Vec<CompleteWith>,
}

impl ToTokens for Completions {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let rt = &self.rt;
        let entries = self
            .entries
            .iter()
            .map(|CompleteWith { name, function, .. }| {
                let complete = quote_spanned!(function.span()=>
                    #rt::IntoCompletions::into_completions(#function(__mcp_c).await)
                );
                quote! {
                    (#name, {
                        fn __mcp_complete(__mcp_c: #rt::Completion) -> #rt::CompletionFuture {
                            ::std::boxed::Box::pin(async move { #complete })
                        }
                        __mcp_complete
                    })
                }
            });
        tokens.extend(quote!(&[#(#entries),*]));
    }
}

/// The fn's path and source position, for start-up errors.
pub(crate) struct Location {
    pub rt: Runtime,
    pub ident: Ident,
}

impl ToTokens for Location {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let Location { rt, ident } = self;
        let fn_name = ident.unraw().to_string();
        tokens.extend(quote_spanned!(ident.span()=>
            #rt::Location::new(
                ::core::concat!(::core::module_path!(), "::", #fn_name),
                ::core::file!(),
                ::core::line!(),
                ::core::column!(),
            )
        ));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use syn::{Expr, ExprStruct, File, Item, ItemImpl, ItemStruct, Stmt, parse_quote};

    /// An expansion, parsed, so tests compare syntax trees, not spacing.
    pub(crate) struct Expansion(pub(crate) File);

    fn expand(args: TokenStream, item: TokenStream) -> Expansion {
        expand_after(None, args, item)
    }

    /// Expands with `source` as the text written before the attribute.
    fn expand_after(source: Option<&str>, args: TokenStream, item: TokenStream) -> Expansion {
        Expansion::new(mcp_tool(args, item, || source.map(str::to_owned)))
    }

    impl Expansion {
        pub(crate) fn new(out: TokenStream) -> Expansion {
            Expansion(syn::parse2(out).expect("the expansion parses"))
        }

        pub(crate) fn item_fn(&self, name: &str) -> &ItemFn {
            self.0
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Fn(f) if f.sig.ident == name => Some(f),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no fn `{name}`"))
        }

        pub(crate) fn item_struct(&self, name: &str) -> &ItemStruct {
            self.0
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Struct(s) if s.ident == name => Some(s),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no struct `{name}`"))
        }

        /// The statements of the service's `register`: the import of the
        /// route attribute, the route's fn, then the call that registers it.
        pub(crate) fn registered(&self) -> (&syn::ItemUse, &ItemFn, &Expr) {
            let syn::ImplItem::Fn(register) = &self.factory().items[0] else {
                panic!("register")
            };
            match &register.block.stmts[..] {
                [
                    Stmt::Item(Item::Use(import)),
                    Stmt::Item(Item::Fn(handler)),
                    Stmt::Expr(call, Some(_)),
                ] => (import, handler, call),
                other => panic!("register holds {}", quote!(#(#other)*)),
            }
        }

        /// The service's `impl HttpServiceFactory`.
        pub(crate) fn factory(&self) -> &ItemImpl {
            self.0
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Impl(i)
                        if i.trait_.as_ref().is_some_and(|(path, _)| {
                            path.segments.last().unwrap().ident == "HttpServiceFactory"
                        }) =>
                    {
                        Some(i)
                    }
                    _ => None,
                })
                .expect("an impl of HttpServiceFactory")
        }

        /// The `inventory::submit!` of the definition.
        pub(crate) fn registration(&self) -> &syn::ItemMacro {
            self.0
                .items
                .iter()
                .find_map(|i| match i {
                    Item::Macro(m) if m.mac.path.segments.last().unwrap().ident == "submit" => {
                        Some(m)
                    }
                    _ => None,
                })
                .expect("`inventory::submit!`")
        }

        /// The handles a tool's `parameters` fn passes (a prompt's
        /// `describe` makes first).
        pub(crate) fn handles(&self) -> Vec<Expr> {
            let def = self.definition();
            let tuple = if def
                .fields
                .iter()
                .any(|f| f.member == syn::parse_quote!(parameters))
            {
                self.parameters()[1].clone()
            } else {
                let describe = self.inner_fn("describe");
                describe
                    .block
                    .stmts
                    .iter()
                    .find_map(|s| match s {
                        Stmt::Local(syn::Local {
                            init: Some(init), ..
                        }) => Some((*init.expr).clone()),
                        _ => None,
                    })
                    .expect("`let __mcp_h = …;`")
            };
            match tuple {
                Expr::Tuple(t) => t.elems.into_iter().collect(),
                other => panic!("{other:?}"),
            }
        }

        /// The arguments a tool's `parameters` fn passes to the runtime's
        /// `parameters`: the request, the handles, the described errors,
        /// the output schema.
        pub(crate) fn parameters(&self) -> Vec<Expr> {
            // The probes' traits, then the call.
            match &self.inner_fn("parameters").block.stmts[..] {
                [Stmt::Item(Item::Use(_)), Stmt::Expr(Expr::Call(call), None)] => {
                    call.args.iter().cloned().collect()
                }
                other => panic!("{other:?}"),
            }
        }

        /// The definition given to `inventory::submit!`.
        pub(crate) fn definition(&self) -> ExprStruct {
            self.registration().mac.parse_body().unwrap()
        }

        pub(crate) fn field(&self, name: &str) -> Expr {
            let def = self.definition();
            let member = syn::Member::Named(format_ident!("{name}"));
            let field = def.fields.iter().find(|f| f.member == member);
            field
                .unwrap_or_else(|| panic!("no field `{name}`"))
                .expr
                .clone()
        }

        /// The fn in a block field of the definition (`parameters`,
        /// `describe`, `invoke`).
        pub(crate) fn inner_fn(&self, field: &str) -> ItemFn {
            match self.field(field) {
                Expr::Block(b) => match &b.block.stmts[0] {
                    Stmt::Item(Item::Fn(f)) => f.clone(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }

        pub(crate) fn errors(&self) -> Vec<String> {
            self.0
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Macro(m)
                        if m.mac.path.is_ident("compile_error")
                            || m.mac.path.segments.last().unwrap().ident == "compile_error" =>
                    {
                        Some(m.mac.parse_body::<LitStr>().unwrap().value())
                    }
                    _ => None,
                })
                .collect()
        }
    }

    /// What the service of `#[get("/items/{id}")] fn get_item` registers,
    /// exposed as `exposed` (a variant of the runtime's `Exposed`).
    pub(crate) fn get_item_route(exposed: TokenStream) -> Expr {
        let rt = quote!(::mcp_runtime::__private);
        parse_quote!(#rt::register_route(
            __mcp_config,
            #rt::Resource::new("/items/{id}")
                .name("get_item")
                .guard(#rt::guard::Get())
                .to(get_item),
            "/items/{id}",
            #rt::Exposed::#exposed,
        ))
    }

    #[test]
    fn route_handlers_become_the_original_service_registering_the_route() {
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
        let rt = quote!(::mcp_runtime::__private);
        let (import, handler, call) = out.registered();
        assert!(
            handler.attrs.is_empty(),
            "the doc comment moves to the service; actix's attribute is read, not kept"
        );
        assert_eq!(handler.sig.ident, "get_item");
        assert_eq!(handler.vis, Visibility::Inherited);
        let inputs: syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]> = parse_quote!(
            _: #rt::Reached, id: web::Path<u64>, q: web::Query<Q>
        );
        assert_eq!(
            handler.sig.inputs, inputs,
            "`#[mcp(..)]` is stripped; the check that a call reached it comes first"
        );
        assert_eq!(
            *call,
            get_item_route(quote!(Tool(::core::concat!(
                ::core::module_path!(),
                "::",
                "get_item"
            )))),
            "the resource actix's `#[get]` builds"
        );
        let expected: syn::ItemUse = parse_quote!(
            #[allow(unused_imports)]
            use get as _;
        );
        assert_eq!(
            *import, expected,
            "the app's import of actix's attribute stays used"
        );

        let service = out.item_struct("get_item");
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = r" Fetch one item."]),
            parse_quote!(#[allow(non_camel_case_types, missing_docs)]),
        ];
        assert_eq!(service.attrs, attrs);
        assert!(matches!(service.vis, Visibility::Public(_)));
        assert_eq!(
            out.factory().trait_.as_ref().unwrap().0,
            parse_quote!(#rt::HttpServiceFactory)
        );

        let handles: Vec<Expr> = vec![
            parse_quote!((&&#rt::Probe::<web::Path<u64>>::new()).kind().handle::<web::Path<u64>>()),
            parse_quote!(#rt::RequestKind.handle::<web::Query<Q>>()),
        ];
        assert_eq!(out.handles(), handles);

        assert_eq!(out.field("name"), parse_quote!("get_item"));
        assert_eq!(out.field("description"), parse_quote!("Fetch one item."));
        assert_eq!(
            out.field("handler"),
            parse_quote!(#rt::Handler::Route(#rt::Route {
                methods: &[#rt::HttpMethod::Get],
                path: "/items/{id}",
                exposed: #rt::Exposed::Tool(::core::concat!(::core::module_path!(), "::", "get_item")),
            }))
        );
        let Expr::Struct(hints) = out.field("hints") else {
            panic!("hints")
        };
        assert_eq!(
            hints.fields[0].expr,
            parse_quote!(::core::option::Option::Some(true))
        );
        assert_eq!(out.field("descriptions"), parse_quote!(&[]));
        assert_eq!(out.field("output_schema"), parse_quote!(true));
        let parameters = out.parameters();
        assert_eq!(
            parameters[3],
            parse_quote!((&&#rt::OutputProbe::<String>::new()).output())
        );
        assert_eq!(
            parameters[2],
            parse_quote!((&&#rt::ErrorsProbe::<String>::new()).errors()),
            "the return type probed for its error type's `DescribeErrors`"
        );
    }

    #[test]
    fn the_route_fn_keeps_its_other_attributes_in_order() {
        let out = expand(
            quote!(),
            quote! {
                /// Fetch one item.
                #[tracing::instrument]
                #[get("/items/{id}", name = "item")]
                #[cfg(feature = "mcp")]
                async fn get_item(id: web::Path<u64>) -> String { todo!() }
            },
        );
        let (_, handler, call) = out.registered();
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[tracing::instrument]),
            parse_quote!(#[cfg(feature = "mcp")]),
        ];
        assert_eq!(handler.attrs, attrs);
        let Expr::Call(call) = call else {
            panic!("a call")
        };
        let rt = quote!(::mcp_runtime::__private);
        assert_eq!(
            call.args[1],
            parse_quote!(#rt::Resource::new("/items/{id}")
                .name("item")
                .guard(#rt::guard::Get())
                .to(get_item)),
            "the resource keeps the name its attribute gives"
        );
        let cfg: Attribute = parse_quote!(#[cfg(feature = "mcp")]);
        assert!(out.item_struct("get_item").attrs.contains(&cfg));
        assert_eq!(out.factory().attrs, std::slice::from_ref(&cfg));
        assert!(
            out.0
                .items
                .iter()
                .any(|i| matches!(i, Item::Macro(m) if m.attrs == [cfg.clone()]))
        );
    }

    #[test]
    fn the_route_is_registered_as_actix_would_with_its_guards_and_middleware() {
        let out = expand(
            quote!(),
            quote! {
                /// Fetch one item.
                #[route(
                    "/items/{id}", method = "GET", method = "HEAD", guard = "crate::desk",
                    wrap = "Logger::default()", guard = "terminal", name = "item"
                )]
                async fn get_item(id: web::Path<u64>) -> String { todo!() }
            },
        );
        let rt = quote!(::mcp_runtime::__private);
        let Expr::Call(call) = out.registered().2 else {
            panic!("a call")
        };
        assert_eq!(
            call.args[1],
            parse_quote!(#rt::Resource::new("/items/{id}")
                .name("item")
                .guard(#rt::guard::Any(#rt::guard::Get()).or(#rt::guard::Head()))
                .guard(#rt::guard::fn_guard(crate::desk))
                .guard(#rt::guard::fn_guard(terminal))
                .wrap(Logger::default())
                .to(get_item)),
            "methods, then the attribute's guards in order, then its middleware"
        );
    }

    #[test]
    fn hand_written_tools_are_emitted_as_is() {
        let func: ItemFn = parse_quote! {
            /// Add two numbers.
            async fn add(args: web::Json<Add>) -> web::Json<u64> { todo!() }
        };
        let out = expand(quote!(crate = ::facade::rt), func.to_token_stream());
        assert_eq!(out.item_fn("add"), &func);
        assert_eq!(
            out.definition().path,
            parse_quote!(::facade::rt::__private::ToolDef)
        );
        let Expr::Struct(handler) = out.field("handler") else {
            panic!("a struct expression")
        };
        assert_eq!(
            handler.path,
            parse_quote!(::facade::rt::__private::Handler::Direct)
        );
        let type_name: Expr = parse_quote!({
            fn __mcp_type_name() -> &'static str {
                ::core::any::type_name_of_val(&add)
            }
            __mcp_type_name
        });
        assert_eq!(handler.fields[1].expr, type_name);
        let Expr::Block(invoke) = &handler.fields[0].expr else {
            panic!("{{ fn __mcp_invoke .. }}")
        };
        let Stmt::Item(Item::Fn(invoke)) = &invoke.block.stmts[0] else {
            panic!("fn __mcp_invoke")
        };
        let Some(Stmt::Expr(Expr::Call(boxed), None)) = invoke.block.stmts.last() else {
            panic!("Box::pin(async move {{ .. }})")
        };
        let Expr::Async(body) = &boxed.args[0] else {
            panic!("async move {{ .. }}")
        };
        assert_eq!(
            body.block.stmts.last().unwrap(),
            &Stmt::Expr(parse_quote!(__mcp_cx.respond(add(__mcp_a0).await)), None)
        );
        let rt = quote!(::facade::rt::__private);
        assert_eq!(
            out.parameters()[3],
            parse_quote!(::core::option::Option::Some(<u64 as #rt::StructuredOutput>::schema))
        );
    }

    #[test]
    fn arguments_descriptions_and_the_output_opt_out() {
        let out = expand(
            quote!(
                args(id = "The id.", "page-size" = "Per page."),
                output_schema = false
            ),
            quote! {
                /// Fetch one item.
                #[get("/items/{id}")]
                async fn get_item(id: web::Path<u64>) -> web::Json<Item> { todo!() }
            },
        );
        assert_eq!(
            out.field("descriptions"),
            parse_quote!(&[("id", "The id."), ("page-size", "Per page.")])
        );
        assert_eq!(out.field("output_schema"), parse_quote!(false));
        assert_eq!(
            out.parameters()[3],
            parse_quote!(::core::option::Option::None)
        );
    }

    #[test]
    fn opaque_return_types_have_no_output_schema() {
        let out = expand(
            quote!(),
            quote! {
                /// Opaque.
                async fn opaque() -> impl Responder { "x" }
            },
        );
        assert_eq!(out.field("output_schema"), parse_quote!(true));
        assert_eq!(
            out.parameters()[3],
            parse_quote!(::core::option::Option::None)
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
        let func: ItemFn = parse_quote! {
            #[get("/")]
            fn index(r: HttpRequest) -> String { todo!() }
        };
        assert_eq!(out.item_fn("index"), &func);
        let errors = out.errors();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("unknown argument `nmae`"));
        assert!(errors[1].starts_with("`#[mcp_tool]` requires an `async fn`"));
        assert!(errors[2].starts_with("tool `index` has no description"));
        assert!(!out.0.items.iter().any(
            |i| matches!(i, Item::Macro(m) if m.mac.path.segments.last().unwrap().ident == "submit")
        ));
    }

    #[test]
    fn a_resource_too_is_the_only_error() {
        let item = quote! {
            #[mcp_runtime::mcp_resource(uri = "items://all")]
            #[get("/items")]
            async fn items() -> String { todo!() }
        };
        let out = expand(quote!(), item.clone());
        assert_eq!(
            out.errors(),
            [
                "`#[mcp_tool]` and `#[mcp_resource]` on one fn: it is a tool or a resource, not \
              both\n= help: expose it once: keep one of the two attributes"
            ]
        );
        assert_eq!(out.item_fn("items"), &syn::parse2::<ItemFn>(item).unwrap());
    }

    #[test]
    fn a_route_attribute_above_is_the_only_error() {
        let item = quote! {
            async fn list(id: web::Path<u64>) -> String { todo!() }
        };
        let out = expand_after(
            Some("/// Lists.\n#[get(\"/items\")]\n"),
            quote!(),
            item.clone(),
        );
        let errors = out.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("`#[mcp_tool]` is below `#[get(\"/items\")]`"),
            "{errors:?}"
        );
        out.item_fn("list");

        // A fn with its route is not looked up.
        let routed = quote! {
            /// Lists.
            #[get("/items/{id}")]
            async fn list(id: web::Path<u64>) -> String { todo!() }
        };
        let out = mcp_tool(quote!(), routed, || panic!("the source is not read"));
        assert!(syn::parse2::<File>(out).is_ok());
    }
}
