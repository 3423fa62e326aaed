//! [`Signature`]: what a handler's parameters and return type contribute to
//! its schemas, recorded by generated code at start-up.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::handler::arguments::Source;
use crate::schema::json;

/// What a handler's parameters and return type contribute to its schemas.
/// Filled in by generated code through the `__private` handles.
#[doc(hidden)]
pub struct Signature {
    /// The generators of the schemas not taken from the build's cache, per
    /// side ([`Side`] is the index).
    generators: [SchemaGenerator; 2],
    pub(crate) params: Vec<Param>,
    pub(crate) output: Option<Schema>,
    /// The types taken from the build's cache, per side: their definitions
    /// are read where the cache keeps them, not copied into each tool's.
    shared: [Vec<Rc<Generated>>; 2],
    /// What the handler's error type says its statuses mean.
    pub(crate) errors: &'static [(u16, &'static str)],
    /// Whether schemas come from the build's cache ([`Schemas`]), and
    /// whether two of them named different types alike.
    cached: bool,
    collided: bool,
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
    /// A signature whose schemas come from the build's cache when there is
    /// one (see [`Schemas`]).
    pub(crate) fn new() -> Self {
        Signature {
            generators: [Side::Input.generator(), Side::Output.generator()],
            params: Vec::new(),
            output: None,
            shared: [Vec::new(), Vec::new()],
            errors: &[],
            cached: true,
            collided: false,
        }
    }

    /// The signature `describe` records. When two of its types have one
    /// name, its schemas are generated again in one generator per side,
    /// not taken from the cache: schemars then renames one of the two.
    pub(crate) fn of(describe: impl Fn(&mut Signature)) -> Self {
        let mut signature = Signature::new();
        describe(&mut signature);
        if signature.collided {
            signature = Signature {
                cached: false,
                ..Signature::new()
            };
            describe(&mut signature);
        }
        signature
    }

    /// Records the next parameter as an argument extractor.
    pub fn argument(&mut self, source: Source, schema: fn(&mut SchemaGenerator) -> Schema) {
        let schema = self.generate(Side::Input, schema);
        self.params.push(Param::Argument { source, schema });
    }

    /// Records the next parameter as a request extractor.
    pub fn request(&mut self) {
        self.params.push(Param::Request);
    }

    /// Records the output schema of the return type, if it has one.
    pub fn output(&mut self, schema: Option<fn(&mut SchemaGenerator) -> Schema>) {
        self.output = schema.map(|f| self.generate(Side::Output, f));
    }

    /// `schema` from the build's cache (its definitions shared with this
    /// signature's); generated here when there is no cache.
    fn generate(&mut self, side: Side, schema: fn(&mut SchemaGenerator) -> Schema) -> Schema {
        let cached = self.cached.then(|| Schemas::get(side, schema)).flatten();
        let Some(generated) = cached else {
            return numeric_bounds(schema(&mut self.generators[side as usize]));
        };
        let own = self.generators[side as usize].definitions();
        let shared = &mut self.shared[side as usize];
        self.collided |= generated.definitions.iter().any(|(name, definition)| {
            lookup(own, shared, name).is_some_and(|known| known != definition)
        });
        if !shared.iter().any(|g| Rc::ptr_eq(g, &generated)) {
            shared.push(generated.clone());
        }
        generated.schema.clone()
    }

    /// The definitions `side`'s schemas refer to, taken out of the
    /// signature.
    fn take_definitions(&mut self, side: Side) -> Definitions {
        Definitions {
            own: bounded_definitions(&mut self.generators[side as usize]),
            shared: std::mem::take(&mut self.shared[side as usize]),
        }
    }

    /// The definitions the argument schemas refer to, taken out.
    pub(crate) fn take_input_definitions(&mut self) -> Definitions {
        self.take_definitions(Side::Input)
    }

    /// The definitions the output schema refers to, taken out.
    pub(crate) fn take_output_definitions(&mut self) -> Definitions {
        self.take_definitions(Side::Output)
    }

    /// Records what the handler's error type's statuses mean.
    pub fn errors(&mut self, errors: &'static [(u16, &'static str)]) {
        self.errors = errors;
    }
}

/// `schema` with its numeric `format`s replaced by the bounds they stand
/// for (`json::replace_numeric_formats`), as every schema a signature
/// holds is: once per type in the build's cache, not in each tool's.
fn numeric_bounds(mut schema: Schema) -> Schema {
    if let Some(map) = schema.as_object_mut() {
        json::replace_numeric_formats(map);
    }
    schema
}

/// The definitions `generator` made, transformed as its settings say, with
/// their numeric `format`s replaced (see [`numeric_bounds`]).
fn bounded_definitions(generator: &mut SchemaGenerator) -> Map<String, Value> {
    let mut definitions = generator.take_definitions(true);
    definitions
        .values_mut()
        .for_each(|d| json::for_each_object(d, json::replace_numeric_formats));
    definitions
}

/// Which of a handler's schemas: its arguments' (as deserialized) or its
/// output's (as serialized).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Input = 0,
    Output = 1,
}

impl Side {
    fn generator(self) -> SchemaGenerator {
        let settings = SchemaSettings::draft2020_12();
        match self {
            Side::Input => settings.for_deserialize(),
            Side::Output => settings.for_serialize(),
        }
        .into_generator()
    }
}

/// A signature's definitions on one side: its generator's own, and those
/// of the types it took from the build's cache (shared, not copied: most
/// of them are flattened into a tool's fields and never attached).
pub(crate) struct Definitions {
    own: Map<String, Value>,
    shared: Vec<Rc<Generated>>,
}

impl json::Definitions for Definitions {
    fn definition(&self, name: &str) -> Option<&Value> {
        lookup(&self.own, &self.shared, name)
    }
}

fn lookup<'a>(
    own: &'a Map<String, Value>,
    shared: &'a [Rc<Generated>],
    name: &str,
) -> Option<&'a Value> {
    own.get(name)
        .or_else(|| shared.iter().find_map(|g| g.definitions.get(name)))
}

/// A type's schema and the definitions it refers to, generated alone.
struct Generated {
    schema: Schema,
    definitions: Map<String, Value>,
}

/// The schemas generated during one registry build, by the function that
/// generates them (one per type): an API's handlers mostly share their
/// argument and output types, and schemars would generate each again for
/// every tool (half of a 1,000-tool server's start-up).
pub(crate) struct Schemas;

type Cache = HashMap<(Side, usize), Rc<Generated>>;

thread_local! {
    static CACHE: RefCell<Option<Cache>> = const { RefCell::new(None) };
}

impl Schemas {
    /// Runs `build` with a cache of schemas, dropped when it returns.
    pub(crate) fn during<T>(build: impl FnOnce() -> T) -> T {
        struct Reset(Option<Cache>);
        impl Drop for Reset {
            fn drop(&mut self) {
                CACHE.with(|cache| *cache.borrow_mut() = self.0.take());
            }
        }
        let _reset = Reset(CACHE.with(|cache| cache.borrow_mut().replace(Cache::new())));
        build()
    }

    /// `schema` generated alone (or before), if a build's cache is active.
    fn get(side: Side, schema: fn(&mut SchemaGenerator) -> Schema) -> Option<Rc<Generated>> {
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let cache = cache.as_mut()?;
            let key = (side, schema as usize);
            if let Some(generated) = cache.get(&key) {
                return Some(generated.clone());
            }
            let mut generator = side.generator();
            let schema = numeric_bounds(schema(&mut generator));
            let generated = Rc::new(Generated {
                schema,
                definitions: bounded_definitions(&mut generator),
            });
            cache.insert(key, generated.clone());
            Some(generated)
        })
    }
}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;

    use super::*;

    // Only their schemas are read.
    #[allow(dead_code)]
    mod a {
        #[derive(schemars::JsonSchema)]
        pub struct Item {
            pub name: String,
        }
    }

    #[allow(dead_code)]
    mod b {
        #[derive(schemars::JsonSchema)]
        pub struct Item {
            pub count: u32,
        }
    }

    fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }

    fn first(s: &mut Signature) {
        s.argument(Source::Query, schema::<a::Item>);
        s.output(Some(schema::<a::Item>));
    }

    fn both(s: &mut Signature) {
        s.argument(Source::Query, schema::<a::Item>);
        s.argument(Source::Json, schema::<b::Item>);
    }

    /// The argument schemas and the definitions of a signature.
    fn made(mut s: Signature) -> (Vec<Value>, Map<String, Value>) {
        let schemas = s
            .params
            .iter()
            .filter_map(|p| match p {
                Param::Argument { schema, .. } => Some(schema.as_value().clone()),
                Param::Request => None,
            })
            .collect();
        let definitions = s.take_input_definitions();
        let mut all = definitions.own;
        for generated in definitions.shared {
            for (name, definition) in &generated.definitions {
                all.entry(name.clone())
                    .or_insert_with(|| definition.clone());
            }
        }
        (schemas, all)
    }

    #[test]
    fn schemas_from_the_cache_are_those_one_generator_makes() {
        let mut alone = Signature::new();
        first(&mut alone);
        let cached = Schemas::during(|| {
            Signature::of(first);
            Signature::of(first)
        });
        assert_eq!(cached.output, alone.output);
        assert_eq!(made(cached), made(alone));
    }

    #[test]
    fn two_types_of_one_name_in_one_signature_are_told_apart() {
        let mut alone = Signature::new();
        both(&mut alone);
        let (schemas, definitions) = made(Schemas::during(|| {
            Signature::of(first);
            Signature::of(both)
        }));
        assert_eq!(definitions.len(), 2, "{definitions:?}");
        assert_ne!(schemas[0], schemas[1]);
        assert_eq!((schemas, definitions), made(alone));
    }
}
