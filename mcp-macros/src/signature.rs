//! Checking a handler's signature: what each parameter is, and what it returns.
//!
//! The class of a parameter (tool argument or request extractor) is decided
//! by the compiler from its type, in generated code. These checks only catch
//! shapes that can never work, with a better message than a trait error.

use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Signature, Type, TypePath};

use crate::ctxt::Ctxt;
use crate::kind::Kind;
use crate::route::Route;

/// One handler parameter.
#[derive(Clone)]
pub(crate) struct Param {
    pub ty: Type,
    /// `#[mcp(from_request)]`: run as a request extractor whatever its type.
    pub from_request: bool,
}

/// What the handler returns.
pub(crate) struct Output {
    /// The return type, unless it cannot be named (`impl Responder`).
    pub ty: Option<Type>,
    /// The `T` of the `web::Json<T>` written in it: the tool's output schema.
    pub json: Option<Type>,
}

/// Checks the signature of a tool handler or prompt function and collects
/// its parameters. Strips the `#[mcp(...)]` parameter attributes, which
/// only this crate understands.
pub(crate) fn params(
    kind: Kind,
    sig: &mut Signature,
    route: Option<&Route>,
    cx: &mut Ctxt,
) -> Vec<Param> {
    let (noun, handler) = (kind.noun(), kind.handler());
    if sig.asyncness.is_none() {
        cx.error(
            sig.fn_token,
            format_args!("`{}` requires an `async fn`", kind.attr()),
            format_args!("write `async fn {}(…)`", sig.ident),
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error(
            &sig.generics,
            format_args!("a {handler} cannot be generic"),
            format_args!(
                "{noun} schemas are built from concrete types: write one non-generic {} per type",
                kind.function()
            ),
        );
    }
    let mut params = Vec::new();
    // The first parameter that reads the request body.
    let mut body = None;
    for input in sig.inputs.iter_mut() {
        let pat = match input {
            FnArg::Receiver(receiver) => {
                cx.error(
                    &*receiver,
                    format_args!("a {handler} cannot take `self`"),
                    "make it a free `async fn`; share state with `web::Data<T>`",
                );
                continue;
            }
            FnArg::Typed(pat) => pat,
        };
        let mut from_request = false;
        let mut keep = Vec::new();
        for attr in pat.attrs.drain(..) {
            if !attr.path().is_ident("mcp") {
                keep.push(attr);
                continue;
            }
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("from_request") {
                    from_request = true;
                } else {
                    cx.error(
                        &meta.path,
                        "unknown parameter option",
                        "the only parameter option is `#[mcp(from_request)]`",
                    );
                }
                Ok(())
            });
            if let Err(e) = parsed {
                cx.syn_error(e);
            }
        }
        pat.attrs = keep;
        if !from_request {
            check_type(kind, &pat.ty, route, cx);
        }
        if let Some(kind) = body_kind(&pat.ty) {
            match body {
                None => body = Some(kind),
                Some(first) => second_body(first, kind, &pat.ty, cx),
            }
        }
        params.push(Param {
            ty: (*pat.ty).clone(),
            from_request,
        });
    }
    params
}

/// The last segment of a path type and its generic arguments.
fn last_segment(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    let seg = path.segments.last()?;
    let args = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((seg.ident.to_string(), args))
}

const ARGUMENT_EXTRACTORS: &[&str] = &["Path", "Query", "Json", "Form"];
/// Body extractors a call cannot fill (`web::Bytes` and `Multipart` it
/// can, from base64 and form fields; a prompt has no body at all).
const BODY_EXTRACTORS: &[&str] = &["Payload", "BytesMut", "String"];
const FILLED_BODIES: &[&str] = &["Bytes", "Multipart"];
const SCALARS: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "bool", "char", "String", "Uuid",
];

fn check_type(kind: Kind, ty: &Type, route: Option<&Route>, cx: &mut Ctxt) {
    let noun = kind.noun();
    match ty {
        Type::ImplTrait(_) => cx.error(
            ty,
            "`impl Trait` parameters are not supported",
            "name the extractor type, e.g. `web::Json<CreateItem>`",
        ),
        Type::Reference(_) => cx.error(
            ty,
            format_args!("a {noun} parameter must be an owned extractor, not a reference"),
            "take the extractor by value, e.g. `req: HttpRequest`",
        ),
        _ => {}
    }
    let Some((name, args)) = last_segment(ty) else {
        return;
    };
    if BODY_EXTRACTORS.contains(&name.as_str())
        || (kind == Kind::Prompt && FILLED_BODIES.contains(&name.as_str()))
    {
        let (call, take) = match kind {
            Kind::Prompt => (
                "`prompts/get`",
                "take `Arguments<T>` for the prompt's arguments",
            ),
            _ => (
                "a tool call",
                "take `web::Json<T>` (or `web::Form<T>`) so the body becomes tool arguments, \
                 `web::Bytes` for a raw body or `Multipart` for a form (base64 files in the \
                 arguments)",
            ),
        };
        cx.error(
            ty,
            format_args!("`{name}` reads the raw request body, which {call} does not have"),
            format_args!("the MCP request body is the JSON-RPC message; {take}"),
        );
    }
    if matches!(name.as_str(), "Option" | "Result")
        && let Some(inner) = args.first()
        && let Some((inner_name, _)) = last_segment(inner)
        && ARGUMENT_EXTRACTORS.contains(&inner_name.as_str())
    {
        cx.error(
            ty,
            format_args!("`{name}<{inner_name}<…>>` is not supported for {noun} arguments"),
            format_args!(
                "make the fields of the value optional instead, e.g. `{inner_name}<Params>` \
                 with `Option<…>` fields"
            ),
        );
    }
    if name == "Path"
        && let Some(inner) = args.first()
    {
        check_path(kind, inner, route, cx);
    }
}

/// Which body extractor `ty` is, if any.
fn body_kind(ty: &Type) -> Option<&'static str> {
    let (name, args) = last_segment(ty)?;
    let is_body = |t: &&Type| last_segment(t).is_some_and(|(n, _)| n == "Json" || n == "Form");
    match name.as_str() {
        "Json" => Some("web::Json"),
        "Form" => Some("web::Form"),
        "Bytes" => Some("web::Bytes"),
        "Multipart" => Some("Multipart"),
        "Either" if args.iter().any(is_body) => Some("web::Either"),
        _ => None,
    }
}

/// A request has one body, which the first body extractor consumes.
fn second_body(first: &str, kind: &str, ty: &Type, cx: &mut Ctxt) {
    // `web::Json` and `web::Form`, in either order.
    let help = if first != kind && ![first, kind].contains(&"web::Either") {
        "a request has one body: take `web::Either<web::Json<T>, web::Form<T>>` to accept JSON or a form"
    } else {
        "a request has one body: take one extractor whose type holds every field"
    };
    cx.error(
        ty,
        format_args!("`{kind}` reads the request body, which `{first}` already reads"),
        help,
    );
}

/// `web::Path<(A, B)>` and `web::Path<u64>` take their names from the route
/// template, so their arity must match it.
fn check_path(kind: Kind, inner: &Type, route: Option<&Route>, cx: &mut Ctxt) {
    let count = match inner {
        Type::Tuple(t) => t.elems.len(),
        _ if last_segment(inner).is_some_and(|(n, _)| SCALARS.contains(&n.as_str())) => 1,
        _ => return,
    };
    match route {
        None => cx.error(
            inner,
            "`web::Path` with unnamed values needs a route template to name them",
            match kind {
                Kind::Prompt => {
                    "a prompt has no route: take `Arguments<T>`, with a struct of named fields"
                }
                _ => {
                    "add the route attribute below `#[mcp_tool]` (e.g. `#[get(\"/items/{id}\")]`), \
                     or use a struct with named fields"
                }
            },
        ),
        Some(route) if route.params.len() != count => cx.error(
            inner,
            format_args!(
                "`web::Path` holds {count} value{} but the route has {} parameter{}",
                if count == 1 { "" } else { "s" },
                route.params.len(),
                if route.params.len() == 1 { "" } else { "s" },
            ),
            format_args!(
                "the route `{}` names: {}",
                route.path,
                if route.params.is_empty() {
                    "nothing".to_owned()
                } else {
                    route.params.join(", ")
                }
            ),
        ),
        Some(_) => {}
    }
}

/// The return type, or an error when there is none.
pub(crate) fn output(kind: Kind, sig: &Signature, cx: &mut Ctxt) -> Output {
    let ty = match &sig.output {
        ReturnType::Default => {
            let (message, help) = match kind {
                Kind::Prompt => (
                    "a prompt function must return its messages",
                    "return `PromptMessages`, a `String` (one user message), \
                     `Vec<PromptMessage>`, or a `Result` of one of them",
                ),
                _ => (
                    "a tool handler must return a response",
                    "return a `Responder`, e.g. `web::Json<T>`, `String` or `HttpResponse`",
                ),
            };
            cx.error_at(sig.paren_token.span.close(), message, help);
            None
        }
        ReturnType::Type(_, ty) if contains_impl(ty) => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    Output {
        json: ty.and_then(json_content).cloned(),
        ty: ty.cloned(),
    }
}

/// The `T` of `web::Json<T>`, also inside the responders whose output
/// schema the runtime forwards (`HasOutputSchema`): `Result<_, E>`,
/// `(_, StatusCode)`, `CustomizeResponder<_>`. A `web::Json` hidden behind a
/// type alias is not seen here; the runtime still finds its schema, if any.
fn json_content(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Paren(t) => json_content(&t.elem),
        Type::Group(t) => json_content(&t.elem),
        Type::Tuple(t)
            if t.elems.len() == 2
                && last_segment(&t.elems[1]).is_some_and(|(n, _)| n == "StatusCode") =>
        {
            json_content(&t.elems[0])
        }
        _ => {
            let (name, args) = last_segment(ty)?;
            match name.as_str() {
                "Json" => args.first().copied(),
                "Result" | "CustomizeResponder" => json_content(args.first()?),
                _ => None,
            }
        }
    }
}

fn contains_impl(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    syn::visit::visit_type(&mut f, ty);
    f.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn json(ty: Type) -> Option<Type> {
        json_content(&ty).cloned()
    }

    #[test]
    fn finds_the_json_content_of_a_return_type() {
        let item: Type = parse_quote!(Item);
        assert_eq!(json(parse_quote!(web::Json<Item>)), Some(item.clone()));
        assert_eq!(
            json(parse_quote!(Result<Json<Item>, ApiError>)),
            Some(item.clone())
        );
        assert_eq!(
            json(parse_quote!(actix_web::Result<web::Json<Item>>)),
            Some(item.clone())
        );
        assert_eq!(
            json(parse_quote!((web::Json<Item>, StatusCode))),
            Some(item.clone())
        );
        assert_eq!(
            json(parse_quote!(Result<CustomizeResponder<web::Json<Item>>, E>)),
            Some(item)
        );
        assert_eq!(
            json(parse_quote!(web::Json<Vec<Item>>)),
            Some(parse_quote!(Vec<Item>))
        );
        assert_eq!(json(parse_quote!(String)), None);
        assert_eq!(
            json(parse_quote!(Option<web::Json<Item>>)),
            None,
            "not forwarded"
        );
        assert_eq!(json(parse_quote!((web::Json<Item>, HeaderMap))), None);
    }

    fn params_errors(sig: Signature) -> Vec<String> {
        let mut sig = sig;
        let mut cx = Ctxt::default();
        params(Kind::Tool, &mut sig, None, &mut cx);
        cx.messages()
    }

    #[test]
    fn a_handler_reads_one_body() {
        let e = params_errors(parse_quote!(async fn f(a: web::Json<A>, b: web::Form<A>)));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("`web::Form` reads the request body, which `web::Json` already reads")
        );
        assert!(e[0].contains("`web::Either<web::Json<T>, web::Form<T>>`"));

        let e = params_errors(parse_quote!(async fn f(a: Json<A>, b: Json<B>, c: web::Form<C>)));
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("take one extractor whose type holds every field"));

        let ok = params_errors(parse_quote!(
            async fn f(a: web::Either<web::Json<A>, web::Form<A>>, q: web::Query<Q>)
        ));
        assert!(ok.is_empty(), "{ok:?}");
    }
}
