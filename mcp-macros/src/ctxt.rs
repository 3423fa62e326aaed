//! Error accumulation (after serde_derive's `Ctxt`): every check records its
//! errors and carries on, so one expansion reports all of them at once, each
//! spanned on the offending tokens.
//!
//! # Where the `help:` goes
//!
//! rustc prints a help after the code snippet (`= help: …`), but a stable
//! proc macro has no way to attach one: `proc_macro::Diagnostic` (with
//! `span_help`) is nightly-only, and `compile_error!` takes a single message.
//! The alternatives were tried and are worse:
//!
//! * a second `compile_error!` for the help is a second `error:`;
//! * proc-macro2-diagnostics and proc-macro-error fall back, on stable, to
//!   what is done here (the help joined to the message);
//! * routing the error through a trait bound whose
//!   `#[diagnostic::on_unimplemented]` carries the text (as proc-diag does)
//!   does print after the snippet, but only as `= note:`, behind an
//!   `error[E0277]` code, a `help:` naming the internal trait and a "required
//!   by a bound" note; and only once type checking runs, which earlier
//!   errors can prevent.
//!
//! So the help is the message's second line, which rustc prints under the
//! `error:` line, above the snippet. Errors that only the type checker can
//! find (a return type's `web::Json<T>` without `JsonSchema`) do use
//! `on_unimplemented` in the runtime, where rustc's own `help:` lines follow.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects errors; must end in [`into_compile_errors`](Ctxt::into_compile_errors)
/// (or, in tests, `messages`): dropping it unchecked would silently lose
/// them, so that panics, as serde_derive's does.
pub(crate) struct Ctxt {
    errors: Option<Vec<syn::Error>>,
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("a Ctxt was dropped without its errors being checked");
        }
    }
}

impl Ctxt {
    /// Records an error on `tokens`, with a `help:` line.
    pub(crate) fn error(
        &mut self,
        tokens: impl ToTokens,
        message: impl Display,
        help: impl Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, with_help(message, help)));
    }

    /// Records an error at `span`, with a `help:` line.
    pub(crate) fn error_at(&mut self, span: Span, message: impl Display, help: impl Display) {
        self.push(syn::Error::new(span, with_help(message, help)));
    }

    /// Records an error produced by syn's own parsers.
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        self.push(error);
    }

    fn push(&mut self, error: syn::Error) {
        self.errors
            .as_mut()
            .expect("no error is recorded after the check")
            .push(error);
    }

    /// All recorded errors as `compile_error!` invocations, or `None`.
    pub(crate) fn into_compile_errors(mut self) -> Option<TokenStream> {
        let errors = self.errors.take().unwrap_or_default();
        if errors.is_empty() {
            None
        } else {
            Some(errors.iter().map(syn::Error::to_compile_error).collect())
        }
    }

    /// Drops what was recorded, on purpose: another error says all there is
    /// to say (a route attribute above ours hides the route, and what
    /// follows from that would mislead).
    pub(crate) fn discard(mut self) {
        self.errors = None;
    }

    /// The recorded messages, help lines included.
    #[cfg(test)]
    pub(crate) fn messages(mut self) -> Vec<String> {
        let errors = self.errors.take().unwrap_or_default();
        errors.iter().map(ToString::to_string).collect()
    }
}

/// The position of the attribute being expanded (the call site), with the
/// context of `ident`, the fn's name: for errors about the attribute as a
/// whole, without rustc's note that the error comes from a macro.
pub(crate) fn attribute_span(ident: &syn::Ident) -> Span {
    ident.span().located_at(Span::call_site())
}

fn with_help(message: impl Display, help: impl Display) -> String {
    format!("{message}\n= help: {help}")
}
