//! A tool's `inputSchema` and `outputSchema`, built once at start-up from the
//! schemars schemas of its handler's argument extractors and return type.
//!
//! # Input: one object merged from every argument extractor
//!
//! * A `web::Path<T>`, `web::Query<T>`, `web::Json<T>` or `web::Form<T>` whose
//!   `T` is an object with fields contributes each field as a top-level
//!   argument, with its own `required`-ness.
//! * A path tuple or scalar (`web::Path<(u32, String)>`, `web::Path<u64>`)
//!   contributes one required argument per segment, named from the route
//!   template (`/orgs/{org}/items/{id}` gives `org` and `id`).
//! * Any other value (an array or scalar body, an enum) becomes a single
//!   argument named `body` (`query` for a query string).
//! * **Name collisions.** When two extractors declare the same name, the
//!   body's field keeps the plain name and every other one is suffixed with
//!   its source: `id__path`, `id__query`. With no body in the collision, all
//!   of them are suffixed. (FastMCP's rule, so tools read the same.)
//! * Nested and recursive types are `$ref`s into a `$defs` map at the root,
//!   pruned to the definitions actually reachable.
//! * schemars' numeric `format`s (`uint64`, `int32`, `double`, …) are not
//!   JSON Schema vocabulary: validators such as Ajv (used by the TypeScript
//!   SDK, Inspector and mcp-remote) warn on each. They are replaced by the
//!   `minimum`/`maximum` bounds they stand for.
//!
//! # Output
//!
//! `web::Json<T>` (also inside `Result`) yields `outputSchema`. MCP requires an
//! object there, so a `T` that is not an object (a `Vec`, a number, an
//! `Option`) is wrapped as `{"result": T}`, and so is the structured content.

use std::collections::{BTreeMap, BTreeSet};

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::arguments::{Slot, Source};

/// What a handler's parameters and return type contribute to its schemas.
/// Filled in by generated code through the `__private` handles.
#[doc(hidden)]
pub struct Signature {
    input: SchemaGenerator,
    output_generator: SchemaGenerator,
    params: Vec<Param>,
    output: Option<Schema>,
}

enum Param {
    /// Extracted from the MCP HTTP request: contributes nothing.
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
}

/// Everything the runtime needs from a tool's types.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub input_schema: Map<String, Value>,
    /// One entry per handler parameter; `None` for request extractors.
    pub slots: Vec<Option<Slot>>,
    /// Required argument names, checked before any extractor runs so a
    /// client learns about every missing argument at once.
    pub required: Vec<String>,
    pub output_schema: Option<Map<String, Value>>,
    /// Whether structured content is wrapped as `{"result": …}`.
    pub wrap_output: bool,
}

struct Field {
    param: usize,
    source: Source,
    name: String,
    external: String,
    schema: Value,
    required: bool,
}

enum Shape {
    Fields { rest: bool },
    Whole,
    Tuple,
}

/// Builds the schemas of one tool. `template` holds the route's path
/// parameter names, `None` for a tool without a route.
pub(crate) fn compile(mut sig: Signature, template: Option<&[&str]>) -> Result<Compiled, String> {
    let defs = sig.input.take_definitions(true);
    let mut fields = Vec::new();
    let mut shapes = Vec::with_capacity(sig.params.len());
    for (param, p) in sig.params.iter().enumerate() {
        let Param::Argument { source, schema } = p else {
            shapes.push(None);
            continue;
        };
        let (source, schema) = (*source, schema.as_value());
        let resolved = resolve(schema, &defs);
        let mut push = |name: &str, schema: &Value, required: bool| {
            fields.push(Field {
                param,
                source,
                name: name.to_owned(),
                external: name.to_owned(),
                schema: schema.clone(),
                required,
            })
        };
        let shape = if is_object(resolved) {
            let required: Vec<&str> = resolved
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = resolved.get("properties").and_then(Value::as_object) {
                for (name, schema) in props {
                    push(name, schema, required.contains(&name.as_str()));
                }
            }
            let rest = resolved
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Bool(false));
            Shape::Fields { rest }
        } else if source == Source::Path {
            let Some(template) = template else {
                return Err(
                    "`web::Path<T>` in a tool without a route attribute needs a \
                            struct `T` with named fields"
                        .into(),
                );
            };
            match resolved.get("prefixItems").and_then(Value::as_array) {
                Some(items) if items.len() == template.len() => {
                    for (name, schema) in template.iter().zip(items) {
                        push(name, schema, true);
                    }
                    Shape::Tuple
                }
                Some(items) => {
                    return Err(format!(
                        "`web::Path` holds {} values but the route has {} parameters ({})",
                        items.len(),
                        template.len(),
                        template.join(", ")
                    ));
                }
                None if template.len() == 1 => {
                    push(template[0], schema, true);
                    Shape::Whole
                }
                None => {
                    return Err(format!(
                        "`web::Path` holds one value but the route has {} parameters ({}); \
                         use a tuple or a struct",
                        template.len(),
                        template.join(", ")
                    ));
                }
            }
        } else {
            push(source.whole_value_name(), schema, !accepts_null(resolved));
            Shape::Whole
        };
        shapes.push(Some(shape));
    }

    rename_collisions(&mut fields)?;

    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in &fields {
        properties.insert(f.external.clone(), f.schema.clone());
        if f.required {
            required.push(f.external.clone());
        }
    }
    let slots = shapes
        .into_iter()
        .enumerate()
        .map(|(param, shape)| shape.map(|shape| slot(param, shape, &fields)))
        .collect();

    let mut input_schema = Map::new();
    input_schema.insert("type".into(), "object".into());
    let additional = additional_properties(&sig.params, &defs);
    let no_arguments = properties.is_empty() && additional.is_none();
    input_schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input_schema.insert("required".into(), json!(required));
    }
    if let Some(additional) = additional {
        input_schema.insert("additionalProperties".into(), additional);
    } else if no_arguments {
        input_schema.insert("additionalProperties".into(), false.into());
    }
    attach_definitions(&mut input_schema, defs);
    replace_numeric_formats(&mut input_schema);

    let mut wrap_output = false;
    let output_schema = sig.output.take().map(|schema| {
        let defs = sig.output_generator.take_definitions(true);
        let resolved = resolve(schema.as_value(), &defs);
        let mut out = if is_object(resolved) {
            resolved.as_object().cloned().unwrap_or_default()
        } else {
            wrap_output = true;
            let mut out = Map::new();
            out.insert("type".into(), "object".into());
            out.insert("properties".into(), json!({ "result": schema.as_value() }));
            out.insert("required".into(), json!(["result"]));
            out
        };
        out.remove("title");
        out.remove("$schema");
        attach_definitions(&mut out, defs);
        replace_numeric_formats(&mut out);
        out
    });

    Ok(Compiled {
        input_schema,
        slots,
        required,
        output_schema,
        wrap_output,
    })
}

/// Applies the collision rule described in the module docs.
fn rename_collisions(fields: &mut [Field]) -> Result<(), String> {
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in fields.iter().enumerate() {
        by_name.entry(f.name.clone()).or_default().push(i);
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        let keeper = group.iter().copied().find(|&i| fields[i].source.is_body());
        for &i in group.iter().filter(|&&i| Some(i) != keeper) {
            let f = &mut fields[i];
            f.external = format!("{}__{}", f.name, f.source.suffix());
        }
    }
    let mut seen = BTreeSet::new();
    for f in fields.iter() {
        if !seen.insert(f.external.as_str()) {
            return Err(format!(
                "two arguments are both named `{}` even after renaming collisions; \
                 rename one of the fields",
                f.external
            ));
        }
    }
    Ok(())
}

fn slot(param: usize, shape: Shape, fields: &[Field]) -> Slot {
    let own = fields.iter().filter(|f| f.param == param);
    match shape {
        Shape::Fields { rest } => Slot::Fields {
            fields: own.map(|f| (f.external.clone(), f.name.clone())).collect(),
            rest: rest.then(|| {
                fields
                    .iter()
                    .filter(|f| f.param != param)
                    .map(|f| f.external.clone())
                    .collect()
            }),
        },
        Shape::Tuple => Slot::Tuple(own.map(|f| f.external.clone()).collect()),
        Shape::Whole => Slot::Whole(own.map(|f| f.external.clone()).next().unwrap_or_default()),
    }
}

/// The `additionalProperties` of the merged object: that of the extractor
/// taking arbitrary extra arguments (a map, `#[serde(flatten)]`), if any;
/// `true` if several do.
fn additional_properties(params: &[Param], defs: &Map<String, Value>) -> Option<Value> {
    let mut open = params.iter().filter_map(|p| match p {
        Param::Argument { schema, .. } => resolve(schema.as_value(), defs)
            .get("additionalProperties")
            .filter(|a| *a != &Value::Bool(false) && is_object(resolve(schema.as_value(), defs))),
        Param::Request => None,
    });
    let first = open.next()?.clone();
    Some(if open.next().is_some() {
        Value::Bool(true)
    } else {
        first
    })
}

/// Follows `$ref`s into `$defs` (bounded, in case of a self-referencing alias).
fn resolve<'a>(mut schema: &'a Value, defs: &'a Map<String, Value>) -> &'a Value {
    for _ in 0..16 {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(def_name)
            .and_then(|name| defs.get(&name))
        {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// The definition name in a `#/$defs/Name` reference (JSON-pointer unescaped).
fn def_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix("#/$defs/")
        .map(|n| n.replace("~1", "/").replace("~0", "~"))
}

/// An object with fields that can be merged into the tool's arguments.
fn is_object(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && ["oneOf", "anyOf", "allOf", "$ref", "if"]
            .iter()
            .all(|k| schema.get(k).is_none())
}

fn accepts_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => ["anyOf", "oneOf"].iter().any(|k| {
            schema
                .get(k)
                .and_then(Value::as_array)
                .is_some_and(|alts| alts.iter().any(accepts_null))
        }),
    }
}

/// Replaces schemars' numeric `format`s with the bounds they imply (see the
/// module docs). Standard formats (`date-time`, `uuid`, …) are kept.
fn replace_numeric_formats(map: &mut Map<String, Value>) {
    let bounds: Option<(Option<i128>, Option<u128>)> =
        match map.get("format").and_then(Value::as_str) {
            Some("int8") => Some((Some(i8::MIN.into()), Some(i8::MAX as u128))),
            Some("int16") => Some((Some(i16::MIN.into()), Some(i16::MAX as u128))),
            Some("int32") => Some((Some(i32::MIN.into()), Some(i32::MAX as u128))),
            Some("uint8") => Some((Some(0), Some(u8::MAX.into()))),
            Some("uint16") => Some((Some(0), Some(u16::MAX.into()))),
            Some("uint32") => Some((Some(0), Some(u32::MAX.into()))),
            Some("int64" | "int" | "int128" | "float" | "double") => Some((None, None)),
            Some("uint64" | "uint" | "uint128") => Some((Some(0), None)),
            _ => None,
        };
    if let Some((min, max)) = bounds {
        map.remove("format");
        if let Some(min) = min.and_then(|m| i64::try_from(m).ok()) {
            map.entry("minimum").or_insert(min.into());
        }
        if let Some(max) = max.and_then(|m| u64::try_from(m).ok()) {
            map.entry("maximum").or_insert(max.into());
        }
    }
    for value in map.values_mut() {
        for_each_object(value, replace_numeric_formats);
    }
}

/// Applies `f` to every object in `value`, outermost first, through arrays.
fn for_each_object(value: &mut Value, f: fn(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => f(map),
        Value::Array(items) => items.iter_mut().for_each(|v| for_each_object(v, f)),
        _ => {}
    }
}

/// Adds the definitions reachable from `schema` under `$defs`.
fn attach_definitions(schema: &mut Map<String, Value>, mut defs: Map<String, Value>) {
    let mut reachable = BTreeSet::new();
    let mut pending = Vec::new();
    schema.values().for_each(|v| collect_refs(v, &mut pending));
    while let Some(name) = pending.pop() {
        if let Some(def) = defs.get(&name)
            && reachable.insert(name)
        {
            collect_refs(def, &mut pending);
        }
    }
    defs.retain(|name, _| reachable.contains(name));
    if !defs.is_empty() {
        schema.insert("$defs".into(), Value::Object(defs));
    }
}

fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(def_name) {
                out.push(name);
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arguments::FromArguments;
    use actix_web::web;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[allow(dead_code)]
    struct Filter {
        /// Maximum number of results.
        limit: Option<u32>,
        id: String,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[allow(dead_code)]
    struct Node {
        name: String,
        children: Vec<Node>,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Patch {
        id: u64,
        node: Node,
    }

    fn sig<T: FromArguments>(s: &mut Signature) {
        s.argument(T::SOURCE, T::schema);
    }

    #[test]
    fn path_tuple_query_and_body_merge_with_collision_suffixes() {
        let mut s = Signature::new();
        sig::<web::Path<(String, u64)>>(&mut s);
        s.request();
        sig::<web::Query<Filter>>(&mut s);
        sig::<web::Json<Patch>>(&mut s);
        let c = compile(s, Some(&["org", "id"])).unwrap();
        let props = c.input_schema["properties"].as_object().unwrap();
        let names: Vec<&str> = props.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["id", "id__path", "id__query", "limit", "node", "org"]
        );
        assert_eq!(props["id__path"]["type"], "integer");
        assert_eq!(props["id__query"]["type"], "string");
        assert_eq!(props["id"]["type"], "integer");
        assert_eq!(props["limit"]["description"], "Maximum number of results.");
        assert_eq!(
            c.required,
            ["org", "id__path", "id__query", "id", "node"].map(String::from)
        );
        assert_eq!(c.slots[1], None);
        assert_eq!(
            c.slots[0],
            Some(Slot::Tuple(vec!["org".into(), "id__path".into()]))
        );
        assert_eq!(
            c.slots[2],
            Some(Slot::Fields {
                fields: vec![
                    ("id__query".into(), "id".into()),
                    ("limit".into(), "limit".into())
                ],
                rest: None
            })
        );
        // The recursive type stays in $defs, referenced from the body field.
        assert_eq!(props["node"]["$ref"], "#/$defs/Node");
        let defs = c.input_schema["$defs"].as_object().unwrap();
        assert_eq!(defs.keys().collect::<Vec<_>>(), ["Node"]);
        assert_eq!(
            defs["Node"]["properties"]["children"]["items"]["$ref"],
            "#/$defs/Node"
        );
        // Merged structs do not linger in $defs.
        assert!(!defs.contains_key("Patch") && !defs.contains_key("Filter"));
    }

    #[test]
    fn scalar_path_and_array_body() {
        let mut s = Signature::new();
        sig::<web::Path<u64>>(&mut s);
        sig::<web::Json<Vec<Filter>>>(&mut s);
        let c = compile(s, Some(&["id"])).unwrap();
        assert_eq!(c.slots[0], Some(Slot::Whole("id".into())));
        assert_eq!(c.slots[1], Some(Slot::Whole("body".into())));
        assert_eq!(c.input_schema["properties"]["body"]["type"], "array");
        assert_eq!(
            c.input_schema["properties"]["body"]["items"]["$ref"],
            "#/$defs/Filter"
        );
        assert_eq!(c.required, ["id", "body"].map(String::from));
    }

    #[test]
    fn optional_body_is_not_required() {
        let mut s = Signature::new();
        sig::<web::Json<Option<Vec<u8>>>>(&mut s);
        let c = compile(s, None).unwrap();
        assert!(c.required.is_empty());
    }

    #[test]
    fn path_shape_must_match_the_template() {
        let mut s = Signature::new();
        sig::<web::Path<(u32, u32)>>(&mut s);
        let err = compile(s, Some(&["id"])).unwrap_err();
        assert!(err.contains("holds 2 values but the route has 1"), "{err}");

        let mut s = Signature::new();
        sig::<web::Path<u32>>(&mut s);
        assert!(compile(s, None).unwrap_err().contains("without a route"));
    }

    #[test]
    fn numeric_formats_become_bounds() {
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Numbers {
            a: u8,
            b: i32,
            c: u64,
            d: f64,
            e: Option<u32>,
            when: String,
        }
        let mut s = Signature::new();
        sig::<web::Json<Numbers>>(&mut s);
        let c = compile(s, None).unwrap();
        let p = &c.input_schema["properties"];
        assert_eq!(
            p["a"],
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
        assert_eq!(
            p["b"],
            json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX})
        );
        assert_eq!(p["c"], json!({"type": "integer", "minimum": 0}));
        assert_eq!(p["d"], json!({"type": "number"}));
        assert_eq!(
            p["e"],
            json!({"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX})
        );
        assert!(!Value::Object(c.input_schema).to_string().contains("format"));
    }

    #[test]
    fn no_arguments_means_an_empty_closed_object() {
        let mut s = Signature::new();
        s.request();
        let c = compile(s, None).unwrap();
        assert_eq!(
            Value::Object(c.input_schema),
            json!({"type": "object", "properties": {}, "additionalProperties": false})
        );
    }

    #[test]
    fn maps_take_the_unclaimed_arguments() {
        let mut s = Signature::new();
        sig::<web::Path<u32>>(&mut s);
        sig::<web::Query<BTreeMap<String, String>>>(&mut s);
        let c = compile(s, Some(&["id"])).unwrap();
        assert_eq!(
            c.slots[1],
            Some(Slot::Fields {
                fields: vec![],
                rest: Some(vec!["id".into()])
            })
        );
        assert_eq!(
            c.input_schema["additionalProperties"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn output_objects_are_kept_and_others_wrapped() {
        let mut s = Signature::new();
        s.output(Some(|g| g.subschema_for::<Node>()));
        let c = compile(s, None).unwrap();
        let out = c.output_schema.unwrap();
        assert!(!c.wrap_output);
        assert_eq!(out["type"], "object");
        assert_eq!(
            out["properties"]["children"]["items"]["$ref"],
            "#/$defs/Node"
        );
        assert!(out["$defs"].get("Node").is_some());

        let mut s = Signature::new();
        s.output(Some(|g| g.subschema_for::<Vec<Filter>>()));
        let c = compile(s, None).unwrap();
        let out = c.output_schema.unwrap();
        assert!(c.wrap_output);
        assert_eq!(out["required"], json!(["result"]));
        assert_eq!(out["properties"]["result"]["type"], "array");
        assert!(out["$defs"].get("Filter").is_some());
    }
}
