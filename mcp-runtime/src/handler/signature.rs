//! [`Signature`]: what a handler's parameters and return type contribute to
//! its schemas, recorded by generated code at start-up.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};

use crate::handler::arguments::Source;

/// What a handler's parameters and return type contribute to its schemas.
/// Filled in by generated code through the `__private` handles.
#[doc(hidden)]
pub struct Signature {
    pub(crate) input: SchemaGenerator,
    pub(crate) output_generator: SchemaGenerator,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Option<Schema>,
    /// What the handler's error type says its statuses mean.
    pub(crate) errors: &'static [(u16, &'static str)],
}

pub(crate) enum Param {
    /// Extracted from the request: contributes nothing.
    Request,
    Argument {
        source: Source,
        schema: Schema,
    },
}

impl Signature {
    pub(crate) fn new() -> Self {
        Signature {
            input: SchemaSettings::draft2020_12()
                .for_deserialize()
                .into_generator(),
            output_generator: SchemaSettings::draft2020_12()
                .for_serialize()
                .into_generator(),
            params: Vec::new(),
            output: None,
            errors: &[],
        }
    }

    /// Records the next parameter as an argument extractor.
    pub fn argument(&mut self, source: Source, schema: fn(&mut SchemaGenerator) -> Schema) {
        let schema = schema(&mut self.input);
        self.params.push(Param::Argument { source, schema });
    }

    /// Records the next parameter as a request extractor.
    pub fn request(&mut self) {
        self.params.push(Param::Request);
    }

    /// Records the output schema of the return type, if it has one.
    pub fn output(&mut self, schema: Option<fn(&mut SchemaGenerator) -> Schema>) {
        self.output = schema.map(|f| f(&mut self.output_generator));
    }

    /// Records what the handler's error type's statuses mean.
    pub fn errors(&mut self, errors: &'static [(u16, &'static str)]) {
        self.errors = errors;
    }
}
