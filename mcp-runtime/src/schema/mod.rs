//! Pure functions over JSON Schemas and route templates: the one set of
//! schema walkers, route and URI templates, the portable schema profile,
//! and elicitation's restricted schemas. No server state, no requests.

pub(crate) mod check;
pub(crate) mod elicitation;
pub(crate) mod json;
pub(crate) mod portable;
pub(crate) mod route;
pub(crate) mod uri_template;
