//! The items a server exposes, compiled once at start-up from what the
//! handlers registered: each tool's input schema and argument plan, each
//! prompt's arguments, each resource's URI template against its route, the
//! lists as published (pages, cursors, items turned off), which of the
//! registered items this server exposes and under what names (`select`), and the
//! start-up errors ([`BuildError`](error::BuildError)) when an item cannot
//! be exposed.

pub(crate) mod error;
pub(crate) mod input_schema;
pub(crate) mod lists;
pub(crate) mod prompt;
pub(crate) mod registry;
pub(crate) mod resource;
pub(crate) mod select;
