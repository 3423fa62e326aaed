//! `completion/complete`: suggested values for a prompt argument or a
//! resource template variable, from a function named on the attribute
//! (`complete(arg = path::to::fn)`), or from the argument's `enum`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::HttpRequest;
use rmcp::model::CompletionInfo;
use serde::Serialize;

/// The generated wrapper around a completion function.
#[doc(hidden)]
pub type Completer = fn(Completion) -> CompletionFuture;

#[doc(hidden)]
pub type CompletionFuture = Pin<Box<dyn Future<Output = Completions>>>;

/// One `completion/complete` request, as a completion function sees it.
///
/// ```
/// use actix_web::web;
/// use mcp_runtime::Completion;
///
/// struct Catalog(Vec<String>);
///
/// /// Item names starting with what the user typed so far.
/// async fn item_names(c: Completion) -> Vec<String> {
///     let Some(catalog) = c.app_data::<web::Data<Catalog>>() else {
///         return Vec::new();
///     };
///     catalog.0.iter().filter(|n| n.starts_with(c.value())).cloned().collect()
/// }
/// ```
pub struct Completion {
    pub(crate) argument: String,
    pub(crate) value: String,
    pub(crate) context: BTreeMap<String, String>,
    pub(crate) request: HttpRequest,
}

impl Completion {
    /// The argument (or template variable) being completed.
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// What the user has typed so far.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value of another argument the client already resolved
    /// (`context.arguments`), e.g. the owner when completing a repository.
    pub fn context(&self, argument: &str) -> Option<&str> {
        self.context.get(argument).map(String::as_str)
    }

    /// The MCP HTTP request: its headers and the app's data.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// Shorthand for `request().app_data::<T>()`, e.g. a `web::Data<Db>`.
    pub fn app_data<T: 'static>(&self) -> Option<&T> {
        self.request.app_data::<T>()
    }
}

/// The values a completion function suggests, with the total when more
/// exist than fit in one answer.
///
/// Functions may return this, or a `Vec` of strings: at most 100 values are
/// sent, and `hasMore` says when some were left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct Completions {
    values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    has_more: bool,
}

impl Completions {
    /// These values (the first 100 are sent).
    pub fn new(values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Completions {
            values: values.into_iter().map(Into::into).collect(),
            total: None,
            has_more: false,
        }
    }

    /// How many values match in all, when only some are given.
    pub fn total(mut self, total: u32) -> Self {
        self.total = Some(total);
        self
    }

    /// Say that more values exist than were given.
    pub fn has_more(mut self) -> Self {
        self.has_more = true;
        self
    }

    /// The values as sent: cut to the spec's limit of 100, keeping the
    /// count.
    pub(crate) fn into_info(mut self) -> CompletionInfo {
        let max = CompletionInfo::MAX_VALUES;
        if self.values.len() > max {
            let total = self.values.len();
            self.values.truncate(max);
            self.total = Some(
                self.total
                    .unwrap_or(u32::try_from(total).unwrap_or(u32::MAX)),
            );
            self.has_more = true;
        }
        let mut info = CompletionInfo::default();
        info.values = self.values;
        info.total = self.total;
        info.has_more = self.has_more.then_some(true);
        info
    }
}

/// What a completion function may return: [`Completions`], or a `Vec` of
/// `String` or `&str`.
#[diagnostic::on_unimplemented(
    message = "a completion function cannot return `{Self}`",
    note = "return `Vec<String>` or `mcp_runtime::Completions`"
)]
pub trait IntoCompletions {
    /// The values.
    fn into_completions(self) -> Completions;
}

impl IntoCompletions for Completions {
    fn into_completions(self) -> Completions {
        self
    }
}

impl<S: Into<String>> IntoCompletions for Vec<S> {
    fn into_completions(self) -> Completions {
        Completions::new(self)
    }
}

/// The completer named for `argument` in `complete(...)`.
pub(crate) fn completer(
    completions: &'static [(&'static str, Completer)],
    argument: &str,
) -> Option<Completer> {
    completions
        .iter()
        .find(|(name, _)| *name == argument)
        .map(|(_, f)| *f)
}
