//! The arguments of `#[mcp_tool(...)]`, `#[mcp_resource(...)]` and
//! `#[mcp_prompt(...)]`: each attribute has its own struct and list of
//! known arguments; the value parsers (strings, flags, lists, `crate`) and
//! the errors for unknown or repeated arguments are shared.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, ExprLit, ExprPath, Ident, Lit, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;

/// The arguments every attribute takes.
#[derive(Default)]
pub(crate) struct Common {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
    pub description: Option<LitStr>,
    pub requires_auth: bool,
    /// `scopes = ["items:write"]`: OAuth scopes a caller needs (implies
    /// `requires_auth`).
    pub scopes: Vec<LitStr>,
    /// `tags = ["billing"]`: what filters select the item by.
    pub tags: Vec<LitStr>,
    pub krate: Option<syn::Path>,
}

/// `#[mcp_tool(...)]` as written.
#[derive(Default)]
pub(crate) struct ToolArgs {
    pub common: Common,
    /// `args(name = "…")`, in the order written.
    pub args: Vec<ArgDescription>,
    pub read_only: Option<LitBool>,
    pub destructive: Option<LitBool>,
    pub idempotent: Option<LitBool>,
    pub open_world: Option<LitBool>,
    /// `output_schema = false`.
    pub without_output_schema: bool,
    /// `errors(404 = "…")`: the error responses, for descriptions.
    pub errors: Vec<(u16, LitStr)>,
    /// `task = "optional" | "required" | "deferred"`.
    pub task: Option<Ident>,
    /// `use_when = "…"`: when an agent should pick this tool, appended to
    /// the description.
    pub use_when: Option<LitStr>,
    /// `returns = "…"`: what it answers, in words, appended after it.
    pub returns: Option<LitStr>,
    /// `requires = ["elicitation"]`: the runtime's `ClientCapability`
    /// variants.
    pub requires: Vec<Ident>,
}

/// `#[mcp_resource(...)]` as written.
#[derive(Default)]
pub(crate) struct ResourceArgs {
    pub common: Common,
    pub uri: Option<LitStr>,
    pub mime_type: Option<LitStr>,
    pub complete: Vec<CompleteWith>,
}

/// `#[mcp_prompt(...)]` as written.
#[derive(Default)]
pub(crate) struct PromptArgs {
    pub common: Common,
    pub args: Vec<ArgDescription>,
    pub complete: Vec<CompleteWith>,
}

/// One entry of `args(...)`: an argument's name, as the input schema names
/// it, and its description. Names are checked at start-up, where the schema
/// is known (a struct's fields are not visible here).
pub(crate) struct ArgDescription {
    pub name: String,
    pub description: LitStr,
}

/// One entry of `complete(...)`: a prompt argument or URI template
/// variable, and the function that suggests its values.
pub(crate) struct CompleteWith {
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    pub function: syn::Path,
}

const TOOL: &[&str] = &[
    "name",
    "errors",
    "task",
    "requires",
    "description",
    "use_when",
    "returns",
    "title",
    "args",
    "requires_auth",
    "scopes",
    "tags",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "output_schema",
    "crate",
];

const RESOURCE: &[&str] = &[
    "uri",
    "name",
    "title",
    "description",
    "mime_type",
    "requires_auth",
    "scopes",
    "tags",
    "complete",
    "crate",
];

const PROMPT: &[&str] = &[
    "name",
    "title",
    "description",
    "args",
    "requires_auth",
    "scopes",
    "tags",
    "complete",
    "crate",
];

/// An attribute's arguments: the keys it knows and how it parses each.
pub(crate) trait Args: Default {
    const KNOWN: &'static [&'static str];

    /// Parses the value of `key` into `self`; `false` for a key the
    /// attribute does not take.
    fn field(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool>;
}

impl Common {
    /// Parses one of the common arguments; `false` for any other key.
    fn field(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool> {
        match key {
            "name" => self.name = string(meta, cx)?,
            "title" => self.title = string(meta, cx)?,
            "description" => self.description = string(meta, cx)?,
            "requires_auth" => self.requires_auth = flag(meta, cx)?.is_some_and(|b| b.value),
            "scopes" => self.scopes = words(meta, cx, &SCOPES)?,
            "tags" => self.tags = words(meta, cx, &TAGS)?,
            "crate" => self.krate = crate_path(meta, cx)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Args for ToolArgs {
    const KNOWN: &'static [&'static str] = TOOL;

    fn field(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool> {
        match key {
            "args" => self.args = arg_descriptions(meta, cx)?,
            "read_only" => self.read_only = flag(meta, cx)?,
            "destructive" => self.destructive = flag(meta, cx)?,
            "idempotent" => self.idempotent = flag(meta, cx)?,
            "open_world" => self.open_world = flag(meta, cx)?,
            "output_schema" => self.without_output_schema = opt_out(meta, cx)?,
            "errors" => self.errors = errors(meta, cx)?,
            "task" => self.task = task(meta, cx)?,
            "use_when" => self.use_when = string(meta, cx)?,
            "returns" => self.returns = string(meta, cx)?,
            "requires" => self.requires = requires(meta, cx)?,
            _ => return self.common.field(key, meta, cx),
        }
        Ok(true)
    }
}

impl Args for ResourceArgs {
    const KNOWN: &'static [&'static str] = RESOURCE;

    fn field(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool> {
        match key {
            "uri" => self.uri = string(meta, cx)?,
            "mime_type" => self.mime_type = string(meta, cx)?,
            "complete" => self.complete = completions(meta, cx)?,
            _ => return self.common.field(key, meta, cx),
        }
        Ok(true)
    }
}

impl Args for PromptArgs {
    const KNOWN: &'static [&'static str] = PROMPT;

    fn field(&mut self, key: &str, meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<bool> {
        match key {
            "args" => self.args = arg_descriptions(meta, cx)?,
            "complete" => self.complete = completions(meta, cx)?,
            _ => return self.common.field(key, meta, cx),
        }
        Ok(true)
    }
}

/// Parses an attribute's arguments, `key = value, key(…), flag, …`,
/// recording every error: a key the attribute does not take is reported
/// with a suggestion, a repeated one is reported and skipped.
pub(crate) fn parse<A: Args>(args: TokenStream, cx: &mut Ctxt) -> A {
    let mut out = A::default();
    let mut seen = HashSet::new();
    let parser = syn::meta::parser(|meta| {
        let key = key(&meta);
        if A::KNOWN.contains(&key.as_str()) && !seen.insert(key.clone()) {
            cx.error(
                &meta.path,
                format_args!("duplicate argument `{key}`"),
                format_args!("`{key}` may be given once; remove one of them"),
            );
            return skip_value(&meta);
        }
        if !out.field(&key, &meta, cx)? {
            cx.error(
                &meta.path,
                format_args!("unknown argument `{key}`"),
                suggestion(&key, A::KNOWN),
            );
            skip_value(&meta)?;
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

/// What to suggest for an unknown argument: a known argument it is an
/// alias or a misspelling of, else the list.
fn suggestion(key: &str, known: &[&str]) -> String {
    let alias = match key {
        "desc" | "about" | "summary" => Some("description"),
        "auth" | "authenticated" | "require_auth" | "requires_authentication" => {
            Some("requires_auth")
        }
        "scope" | "oauth_scopes" | "required_scopes" | "permissions" => Some("scopes"),
        "tag" | "labels" | "categories" | "groups" => Some("tags"),
        "readonly" | "read_only_hint" | "readOnlyHint" => Some("read_only"),
        "destructive_hint" | "destructiveHint" => Some("destructive"),
        "idempotent_hint" | "idempotentHint" => Some("idempotent"),
        "open_world_hint" | "openWorldHint" => Some("open_world"),
        "arguments" | "params" | "parameters" | "arg" => Some("args"),
        "responses" | "error_responses" | "statuses" => Some("errors"),
        "when" | "when_to_use" | "use_for" | "usage" => Some("use_when"),
        "return" | "returns_description" | "output_description" => Some("returns"),
        "tasks" | "task_support" | "long_running" | "async_task" => Some("task"),
        "capabilities" | "needs" | "requires_capabilities" | "client_capabilities" => {
            Some("requires")
        }
        "outputSchema" | "output" | "structured_output" | "no_output_schema" | "text_only" => {
            Some("output_schema")
        }
        "template" | "uri_template" | "uriTemplate" | "url" => Some("uri"),
        "mime" | "mimeType" | "content_type" | "media_type" => Some("mime_type"),
        "completion" | "completions" | "completer" | "autocomplete" => Some("complete"),
        _ => None,
    }
    .filter(|k| known.contains(k))
    .or_else(|| known.iter().copied().find(|k| edit_distance(k, key) <= 2));
    match alias {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("expected one of: {}", known.join(", ")),
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

/// A list of words: `scopes = ["items:read"]`, `tags = ["billing"]`.
struct Words {
    /// The argument.
    key: &'static str,
    /// What one entry is.
    one: &'static str,
    example: &'static str,
    /// Said when the list is empty.
    if_empty: &'static str,
    /// Said when an entry has characters it may not.
    rule: &'static str,
}

const SCOPES: Words = Words {
    key: "scopes",
    one: "scope",
    example: "items:read",
    if_empty: "name at least one scope, or write `requires_auth` for authentication without scopes",
    rule: "a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3); \
           list several scopes as separate strings",
};

const TAGS: Words = Words {
    key: "tags",
    one: "tag",
    example: "billing",
    if_empty: "name at least one tag, or leave `tags` out",
    rule: "a tag is printable ASCII without spaces, quotes or backslashes; list several tags \
           as separate strings",
};

/// Parses `key = ["a", "b"]`: each entry a non-empty string of printable
/// ASCII without spaces, quotes or backslashes, none twice.
fn words(meta: &ParseNestedMeta, cx: &mut Ctxt, words: &Words) -> syn::Result<Vec<LitStr>> {
    let Words {
        key,
        one,
        example,
        if_empty,
        rule,
    } = words;
    let help = format!(r#"write `{key} = ["{example}"]` (one string per {one})"#);
    let Some(value) = value(meta, cx, &format!(r#"["{example}"]"#))? else {
        return Ok(Vec::new());
    };
    let Expr::Array(array) = value else {
        cx.error(
            &value,
            format_args!("`{key}` expects a list of strings"),
            &help,
        );
        return Ok(Vec::new());
    };
    if array.elems.is_empty() {
        cx.error(&array, format_args!("`{key}` is empty"), if_empty);
    }
    let mut out: Vec<LitStr> = Vec::new();
    for element in array.elems {
        let Expr::Lit(ExprLit {
            lit: Lit::Str(word),
            ..
        }) = element
        else {
            cx.error(
                &element,
                format_args!("a {one} must be a string literal"),
                &help,
            );
            continue;
        };
        let text = word.value();
        if text.is_empty() {
            cx.error(&word, format_args!("a {one} cannot be empty"), &help);
        } else if !text
            .chars()
            .all(|c| ('!'..='~').contains(&c) && c != '"' && c != '\\')
        {
            cx.error(&word, format_args!("`{text}` is not a valid {one}"), rule);
        } else if out.iter().any(|s| s.value() == text) {
            cx.error(
                &word,
                format_args!("{one} `{text}` is listed twice"),
                "list it once",
            );
        } else {
            out.push(word);
        }
    }
    Ok(out)
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

/// A list argument: `args(…)` or `complete(…)`, for its messages.
struct List {
    /// What the argument takes.
    takes: &'static str,
    /// What each entry's value is, and how one is written.
    value: &'static str,
    example: &'static str,
}

/// One `name = value` of a list argument, with the help that shows how it
/// is written.
struct Entry {
    name: String,
    span: Span,
    value: Expr,
    help: String,
}

/// Parses `key(name = value, r#type = value, "page-size" = value)`, handing
/// each entry to `each` in the order written: a name is an identifier or,
/// for names that are not (serde renames), a string.
fn list(
    meta: &ParseNestedMeta,
    cx: &mut Ctxt,
    list: &List,
    mut each: impl FnMut(Entry, &mut Ctxt),
) -> syn::Result<()> {
    let key = key(meta);
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            &meta.path,
            format_args!("`{key}` takes {}", list.takes),
            format_args!(
                "write `{key}(name = {ex}, other = {ex})`",
                ex = list.example
            ),
        );
        return skip_value(meta);
    }
    let content;
    syn::parenthesized!(content in meta.input);
    while !content.is_empty() {
        let (name, written, span) = if content.peek(LitStr) {
            let s: LitStr = content.parse()?;
            (s.value(), s.token().to_string(), s.span())
        } else if content.peek(syn::LitInt) {
            let n: syn::LitInt = content.parse()?;
            (n.base10_digits().to_owned(), n.to_string(), n.span())
        } else {
            let ident = Ident::parse_any(&content)?;
            (ident.unraw().to_string(), ident.to_string(), ident.span())
        };
        let help = format!("write `{key}({written} = {})`", list.example);
        let value = if content.parse::<Option<Token![=]>>()?.is_some() {
            Some(content.parse::<Expr>()?)
        } else {
            let message = format!("`{key}({written})` needs {}", list.value);
            cx.error_at(span, message, &help);
            None
        };
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
        if let Some(value) = value {
            each(
                Entry {
                    name,
                    span,
                    value,
                    help,
                },
                cx,
            );
        }
    }
    Ok(())
}

/// `args(name = "…", …)`: argument descriptions.
fn arg_descriptions(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Vec<ArgDescription>> {
    const ARGS: List = List {
        takes: "a list of argument descriptions",
        value: "a description",
        example: "\"...\"",
    };
    let mut out: Vec<ArgDescription> = Vec::new();
    list(
        meta,
        cx,
        &ARGS,
        |Entry {
             name,
             span,
             value,
             help,
         },
         cx| {
            let description = match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => s,
                other => {
                    let message = format!("the description of `{name}` must be a string literal");
                    cx.error(&other, message, &help);
                    return;
                }
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
        },
    )?;
    Ok(out)
}

/// `task = "optional"`, `"required"` or `"deferred"`: the runtime's
/// `TaskSupport` variant.
fn task(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Option<Ident>> {
    let Some(value) = string(meta, cx)? else {
        return Ok(None);
    };
    let variant = match value.value().as_str() {
        "optional" => "Optional",
        "required" => "Required",
        "deferred" => "Deferred",
        other => {
            cx.error(
                &value,
                format_args!("`task = {other:?}` is not a task mode"),
                "write `task = \"optional\"` (a task when the client opts in), \
                 `task = \"required\"` (only as a task) or `task = \"deferred\"` (a task \
                 once the handler calls `ctx.detach()`)",
            );
            return Ok(None);
        }
    };
    Ok(Some(Ident::new(variant, value.span())))
}

const CAPABILITIES: Words = Words {
    key: "requires",
    one: "client capability",
    example: "elicitation",
    if_empty: "name at least one capability, or leave `requires` out",
    rule: "a client capability is `elicitation`, `sampling` or `roots`",
};

/// `requires = ["elicitation", "sampling", "roots"]`: the runtime's
/// `ClientCapability` variants.
fn requires(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Vec<Ident>> {
    let mut out = Vec::new();
    for word in words(meta, cx, &CAPABILITIES)? {
        let variant = match word.value().as_str() {
            "elicitation" => "Elicitation",
            "sampling" => "Sampling",
            "roots" => "Roots",
            other => {
                cx.error(
                    &word,
                    format_args!("`{other}` is not a client capability a tool can require"),
                    suggestion(other, &["elicitation", "sampling", "roots"]),
                );
                continue;
            }
        };
        out.push(Ident::new(variant, word.span()));
    }
    Ok(out)
}

/// `errors(404 = "No such item", …)`: what each error status means, for
/// tool descriptions (`describe_responses`).
fn errors(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Vec<(u16, LitStr)>> {
    const ERRORS: List = List {
        takes: "a list of error statuses and what they mean",
        value: "a description",
        example: "\"...\"",
    };
    let mut out: Vec<(u16, LitStr)> = Vec::new();
    list(
        meta,
        cx,
        &ERRORS,
        |Entry {
             name,
             span,
             value,
             help,
         },
         cx| {
            let status = match name.parse::<u16>() {
                Ok(status) if (400..=599).contains(&status) => status,
                _ => {
                    cx.error_at(
                        span,
                        format_args!("`{name}` is not an HTTP error status"),
                        "name a status from 400 to 599, e.g. `errors(404 = \"No such item\")`",
                    );
                    return;
                }
            };
            let Expr::Lit(ExprLit {
                lit: Lit::Str(description),
                ..
            }) = value
            else {
                cx.error(
                    &value,
                    format_args!("what {status} means must be a string literal"),
                    &help,
                );
                return;
            };
            if out.iter().any(|(s, _)| *s == status) {
                cx.error_at(
                    span,
                    format_args!("{status} is described twice"),
                    "keep one",
                );
            } else {
                out.push((status, description));
            }
        },
    )?;
    Ok(out)
}

/// `complete(name = path::to::fn, …)`: completion functions. Whether each
/// name is an argument or variable is for the caller (or the runtime) to
/// check.
fn completions(meta: &ParseNestedMeta, cx: &mut Ctxt) -> syn::Result<Vec<CompleteWith>> {
    const COMPLETE: List = List {
        takes: "a list of completion functions",
        value: "a completion function",
        example: "path::to::fn",
    };
    let mut out: Vec<CompleteWith> = Vec::new();
    list(
        meta,
        cx,
        &COMPLETE,
        |Entry {
             name,
             span,
             value,
             help,
         },
         cx| {
            let Expr::Path(ExprPath {
                qself: None,
                path: function,
                ..
            }) = value
            else {
                let message = format!("the completion function of `{name}` must be a path");
                cx.error(&value, message, &help);
                return;
            };
            if out.iter().any(|c| c.name == name) {
                cx.error_at(
                    span,
                    format_args!("`{name}` has two completion functions"),
                    format_args!("keep one `complete({name} = ...)`"),
                );
            } else {
                out.push(CompleteWith {
                    name,
                    span,
                    function,
                });
            }
        },
    )?;
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
        parse::<ToolArgs>(tokens, &mut cx);
        cx.messages()
    }

    #[test]
    fn parses_every_argument() {
        let mut cx = Ctxt::default();
        let a = parse::<ToolArgs>(
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
                requires = ["elicitation", "roots"],
                crate = ::facade::mcp
            ),
            &mut cx,
        );
        assert!(cx.into_compile_errors().is_none());
        assert_eq!(a.common.name.unwrap().value(), "get_item");
        assert_eq!(a.common.description.unwrap().value(), "d");
        assert_eq!(a.common.title.unwrap().value(), "T");
        assert!(a.common.requires_auth);
        assert!(a.read_only.unwrap().value);
        assert!(!a.destructive.unwrap().value);
        assert!(a.idempotent.unwrap().value);
        assert!(!a.open_world.unwrap().value);
        assert!(a.without_output_schema);
        let requires: Vec<String> = a.requires.iter().map(Ident::to_string).collect();
        assert_eq!(requires, ["Elicitation", "Roots"]);
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
        let krate = a.common.krate.unwrap();
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
        assert_eq!(
            suggestion("readOnlyHint", TOOL),
            "did you mean `read_only`?"
        );
        assert_eq!(suggestion("auth", TOOL), "did you mean `requires_auth`?");
        assert_eq!(suggestion("params", TOOL), "did you mean `args`?");
        assert_eq!(
            suggestion("outputSchema", TOOL),
            "did you mean `output_schema`?"
        );
        assert!(suggestion("zzzzzzzz", TOOL).starts_with("expected one of: name"));
        assert_eq!(
            suggestion("mimeType", RESOURCE),
            "did you mean `mime_type`?"
        );
        assert_eq!(suggestion("template", RESOURCE), "did you mean `uri`?");
        assert_eq!(
            suggestion("completions", PROMPT),
            "did you mean `complete`?"
        );
        // An alias of an argument the attribute does not take.
        assert_eq!(
            suggestion("readOnlyHint", RESOURCE),
            "expected one of: uri, name, title, description, mime_type, requires_auth, scopes, tags, complete, crate"
        );
    }

    #[test]
    fn parses_resource_and_prompt_arguments() {
        let mut cx = Ctxt::default();
        let r = parse::<ResourceArgs>(
            quote!(
                uri = "items://{id}",
                name = "item",
                title = "Item",
                description = "One item.",
                mime_type = "application/json",
                requires_auth,
                complete(id = crate::ids, "other-id" = ids),
                crate = ::facade::mcp
            ),
            &mut cx,
        );
        let p = parse::<PromptArgs>(
            quote!(
                name = "review",
                args(code = "The code."),
                complete(language = languages)
            ),
            &mut cx,
        );
        assert!(cx.into_compile_errors().is_none());
        assert_eq!(r.uri.unwrap().value(), "items://{id}");
        assert_eq!(r.mime_type.unwrap().value(), "application/json");
        assert!(r.common.requires_auth && r.common.krate.is_some());
        let complete: Vec<(String, syn::Path)> = r
            .complete
            .into_iter()
            .map(|c| (c.name, c.function))
            .collect();
        assert_eq!(
            complete,
            [
                ("id".to_owned(), syn::parse_quote!(crate::ids)),
                ("other-id".to_owned(), syn::parse_quote!(ids)),
            ]
        );
        assert_eq!(p.common.name.unwrap().value(), "review");
        assert_eq!(p.args[0].name, "code");
        assert_eq!(p.complete[0].name, "language");
    }

    #[test]
    fn completion_functions_are_checked() {
        let mut cx = Ctxt::default();
        parse::<PromptArgs>(
            quote!(complete(a = f, a = g, b = "f", c), complete = f, read_only),
            &mut cx,
        );
        let e = cx.messages();
        assert_eq!(e.len(), 5, "{e:?}");
        assert_eq!(
            e[0],
            "`a` has two completion functions\n= help: keep one `complete(a = ...)`"
        );
        assert_eq!(
            e[1],
            "the completion function of `b` must be a path\n= help: write `complete(b = path::to::fn)`"
        );
        assert_eq!(
            e[2],
            "`complete(c)` needs a completion function\n= help: write `complete(c = path::to::fn)`"
        );
        assert!(e[3].starts_with("duplicate argument `complete`"));
        assert!(e[4].starts_with("unknown argument `read_only`"));
    }
}
