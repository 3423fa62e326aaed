//! Error accumulation (after serde_derive's `Ctxt`): every check records its
//! errors and carries on, so one expansion reports all of them at once, each
//! spanned on the offending tokens.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Records an error on `tokens`, with a `help:` line.
    pub(crate) fn error(
        &mut self,
        tokens: impl ToTokens,
        message: impl Display,
        help: impl Display,
    ) {
        self.errors
            .push(syn::Error::new_spanned(tokens, with_help(message, help)));
    }

    /// Records an error at `span`, with a `help:` line.
    pub(crate) fn error_at(&mut self, span: Span, message: impl Display, help: impl Display) {
        self.errors
            .push(syn::Error::new(span, with_help(message, help)));
    }

    /// Records an error produced by syn's own parsers.
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// All recorded errors as `compile_error!` invocations, or `None`.
    pub(crate) fn into_compile_errors(self) -> Option<TokenStream> {
        if self.errors.is_empty() {
            None
        } else {
            Some(
                self.errors
                    .iter()
                    .map(syn::Error::to_compile_error)
                    .collect(),
            )
        }
    }
}

/// `compile_error!` has no structured notes on stable Rust, so the help goes
/// on the message's second line, where rustc prints it under the error.
fn with_help(message: impl Display, help: impl Display) -> String {
    format!("{message}\n= help: {help}")
}
