//! The route attribute written *above* `#[mcp_tool]` (or `#[mcp_resource]`,
//! `#[mcp_prompt]`).
//!
//! actix's macro then runs first and nests the fn inside its service's
//! `register` method, so `#[mcp_tool]` receives exactly what a hand-written
//! tool looks like: the fn without its route (and `#[mcp_prompt]` a plain
//! function, which the route has in fact swallowed). Nothing in those tokens, and
//! nothing else a stable proc macro can ask the compiler, tells the two
//! apart; what it can ask (since Rust 1.88) is where its own attribute is
//! written: `Span::local_file`, `line` and `column`. So for a fn without a
//! route, the attributes written before `#[mcp_tool]` on the same item are
//! read from the source file and searched for a route attribute.
//!
//! The check fires only on a route attribute it reads there, so it cannot
//! reject code that is in the right order. It misses attributes it cannot
//! read: those a macro generates (`#[$route] #[mcp_tool]`), or a call site
//! with no file on disk. The runtime catches those at start-up
//! (`Problem::AttributeOrder`, from the fn's type name).

use std::ops::Range;

use syn::Ident;

use crate::ctxt::{self, Ctxt};
use crate::kind::Kind;
use crate::route::ROUTE_ATTRS;

/// The source text before `#[mcp_tool]`, read from its file; `None` when
/// the call site is not in a Rust file on disk (generated code, doctests,
/// some IDEs).
pub(crate) fn source_before_call_site() -> Option<String> {
    let span = proc_macro::Span::call_site();
    let file = span
        .local_file()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))?;
    let mut text = std::fs::read_to_string(file).ok()?;
    // `line` and `column` count from 1, the column in characters.
    let line_start: usize = text
        .split_inclusive('\n')
        .take(span.line().checked_sub(1)?)
        .map(str::len)
        .sum();
    let column = text[line_start..]
        .char_indices()
        .nth(span.column().checked_sub(1)?)?
        .0;
    text.truncate(line_start + column);
    Some(text)
}

/// The route attribute among the attributes that precede `#[mcp_tool]` on
/// its item, as written; `before` is the source text up to `#[mcp_tool]`.
pub(crate) fn route_above(before: &str) -> Option<&str> {
    let tokens = lex(before);
    // The item's attributes follow whatever precedes the item: the end of
    // another item (`;`, `}`) or the start of the block it is in (`{`).
    let start = tokens
        .iter()
        .rposition(|t| matches!(t.kind, Lexeme::Punct(';' | '{' | '}')))
        .map_or(0, |i| i + 1);
    let attrs = &tokens[start..];
    (0..attrs.len()).find_map(|i| {
        let [hash, open, rest @ ..] = &attrs[i..] else {
            return None;
        };
        if (hash.kind, open.kind) != (Lexeme::Punct('#'), Lexeme::Punct('[')) {
            return None;
        }
        // `#[get(` or `#[actix_web::get(`: the path, then a parenthesis.
        let path = rest
            .iter()
            .take_while(|t| matches!(t.kind, Lexeme::Ident | Lexeme::Punct(':')))
            .count();
        let name = rest[..path]
            .iter()
            .rev()
            .find(|t| t.kind == Lexeme::Ident)?;
        if !ROUTE_ATTRS.contains(&&before[name.range.clone()])
            || rest.get(path)?.kind != Lexeme::Punct('(')
        {
            return None;
        }
        let mut depth = 0usize;
        let close = attrs[i + 1..].iter().find(|t| {
            match t.kind {
                Lexeme::Punct('[') => depth += 1,
                Lexeme::Punct(']') => depth -= 1,
                _ => {}
            }
            depth == 0
        })?;
        Some(&before[hash.range.start..close.range.end])
    })
}

/// Records the error for a route attribute found above the attribute
/// `kind`, on that attribute itself (the call site's position, with the fn
/// name's context, so rustc does not add that the error comes from a
/// macro). A prompt has no route at all.
pub(crate) fn report(kind: Kind, route: &str, ident: &Ident, cx: &mut Ctxt) {
    let route = route
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    let attr = kind.attr();
    let span = ctxt::attribute_span(ident);
    let (message, help) = match kind {
        Kind::Prompt => prompt_route(&route),
        Kind::Tool | Kind::Resource => (
            format!(
                "`{attr}` is below `{route}`: actix's macro runs first and hides the route \
                 from the {}",
                kind.noun()
            ),
            format!(
                "put `{attr}` first:\n    {}\n    {route}\n    async fn {ident}(…)",
                // A resource's `uri` is required.
                if kind == Kind::Resource {
                    "#[mcp_resource(uri = \"…\")]"
                } else {
                    "#[mcp_tool]"
                }
            ),
        ),
    };
    cx.error_at(span, message, help);
}

/// The error and help for a prompt function with the route attribute
/// `route` (as written, or abridged).
pub(crate) fn prompt_route(route: &str) -> (String, String) {
    (
        "a prompt is a plain `async fn`, not a route handler".to_owned(),
        format!(
            "remove `{route}`; to serve the same content over REST, call shared code from the \
             prompt and from a separate route handler"
        ),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexeme {
    Ident,
    Punct(char),
    /// A string, character or byte literal, or a lifetime.
    Literal,
}

struct Token {
    kind: Lexeme,
    range: Range<usize>,
}

/// Just enough of Rust's lexer to tell tokens from comments and literals:
/// line and (nested) block comments, string, raw string, byte and character
/// literals, lifetimes, identifiers (numbers lex as identifiers) and single
/// punctuation characters.
fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let ident_byte = |c: u8| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80;
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(b, i);
                continue;
            }
            b'"' => {
                i = quoted_end(b, i + 1, b'"');
                Lexeme::Literal
            }
            b'\'' => {
                let next = src[i + 1..].chars().next().map_or(0, char::len_utf8);
                if b.get(i + 1) == Some(&b'\\') {
                    i = quoted_end(b, i + 1, b'\'');
                } else if b.get(i + 1 + next) == Some(&b'\'') {
                    i += next + 2;
                } else {
                    i += 1;
                    while i < b.len() && ident_byte(b[i]) {
                        i += 1;
                    }
                }
                Lexeme::Literal
            }
            c if ident_byte(c) => {
                while i < b.len() && ident_byte(b[i]) {
                    i += 1;
                }
                match (&src[start..i], b.get(i)) {
                    ("r" | "br" | "cr", Some(b'"' | b'#')) => match raw_string_end(b, i) {
                        Some(end) => {
                            i = end;
                            Lexeme::Literal
                        }
                        None => Lexeme::Ident,
                    },
                    ("b" | "c", Some(b'"')) => {
                        i = quoted_end(b, i + 1, b'"');
                        Lexeme::Literal
                    }
                    ("b", Some(b'\'')) => {
                        i = quoted_end(b, i + 1, b'\'');
                        Lexeme::Literal
                    }
                    _ => Lexeme::Ident,
                }
            }
            c => {
                i += 1;
                Lexeme::Punct(char::from(c))
            }
        };
        tokens.push(Token {
            kind,
            range: start..i,
        });
    }
    tokens
}

/// The end of a literal whose body starts at `i`, closed by `quote`.
fn quoted_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// The end of `#…#"…"#…#` starting at `i`, or `None` if it is not a raw
/// string (`r#ident`).
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    if b.get(i + hashes) != Some(&b'"') {
        return None;
    }
    let close: Vec<u8> = std::iter::once(b'"')
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    let body = i + hashes + 1;
    Some(
        b[body..]
            .windows(close.len())
            .position(|w| w == close.as_slice())
            .map_or(b.len(), |n| body + n + close.len()),
    )
}

fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'*')) => {
                depth += 1;
                i += 2;
            }
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_route_attribute_above() {
        let src = "use actix_web::get;\n\n/// Lists items.\n#[get(\"/items\")]\n";
        assert_eq!(route_above(src), Some("#[get(\"/items\")]"));

        let src = "mod api {\n    #[actix_web::route(\n        \"/x/{id}\",\n        method = \"GET\"\n    )]\n    #[allow(dead_code)]\n    ";
        assert_eq!(
            route_above(src),
            Some("#[actix_web::route(\n        \"/x/{id}\",\n        method = \"GET\"\n    )]")
        );

        // On one line, after another item; braces inside literals.
        let src =
            "const C: char = '}';\nconst S: &str = r#\"{\"#;\n#[get(\"/{a}\")] #[doc = \"}\"] ";
        assert_eq!(route_above(src), Some("#[get(\"/{a}\")]"));
    }

    #[test]
    fn reads_only_the_item_s_own_attributes() {
        for src in [
            // A previous item, with a trailing comment.
            "#[get(\"/a\")]\nasync fn a() -> &'static str { \"a\" } // done\n\n/// Doc.\n",
            // Lifetimes are not character literals.
            "#[get(\"/a\")]\nfn a<'a>(x: &'a str) -> &'a str { x }\n",
            // Comments and strings that mention a route attribute.
            "// #[get(\"/x\")]\n/* #[get(\"/x\")] /* nested */ */\n#[doc = \"#[get(\\\"/x\\\")]\"]\n",
            // Not a route attribute.
            "#[getter(\"/x\")]\n#[cfg_attr(test, allow(dead_code))]\n",
            // Generated by a macro: not readable here.
            "macro_rules! tool {\n    ($route:meta) => {\n        #[$route]\n        ",
            "",
        ] {
            assert_eq!(route_above(src), None, "{src}");
        }
    }

    #[test]
    fn the_help_shows_the_right_order() {
        let mut cx = Ctxt::default();
        let ident: Ident = syn::parse_quote!(list);
        report(
            Kind::Tool,
            "#[route(\n  \"/x\",\n  method = \"GET\"\n)]",
            &ident,
            &mut cx,
        );
        let message = &cx.messages()[0];
        assert!(
            message.ends_with(
                "put `#[mcp_tool]` first:\n    #[mcp_tool]\n    #[route(\"/x\", method = \"GET\")]\n    async fn list(…)"
            ),
            "{message}"
        );
    }
}
