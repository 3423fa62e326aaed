//! Resources: what `#[mcp_resource]` registers, and reading one (a `GET`
//! on its route, through the app, whose response becomes the contents).

use crate::completion::Completer;
use crate::registry::{Location, Route};

/// One `#[mcp_resource]`, as registered by the macro. Generated code builds
/// it; its fields are not a stable API.
#[doc(hidden)]
pub struct ResourceDef {
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    /// A URI, or a URI template whose variables are the route's segments
    /// (`items://{id}` for `/items/{id}`) and query parameters
    /// (`items://search{?q,limit}`).
    pub uri: &'static str,
    pub mime_type: Option<&'static str>,
    pub requires_auth: bool,
    /// The `GET` route that serves it.
    pub route: Route,
    /// `complete(var = path::to::fn)`: completion of template variables.
    pub completions: &'static [(&'static str, Completer)],
    pub location: Location,
}

inventory::collect!(ResourceDef);
