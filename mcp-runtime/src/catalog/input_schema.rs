//! A tool's `inputSchema` and `outputSchema`, built once at start-up from the
//! schemars schemas of its handler's argument extractors and return type,
//! together with the [`Plan`] that maps arguments back to extractors.
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
//! * **Unknown arguments** go where REST would put unknown fields: into the
//!   body (a struct or map), else the query; serde decides there, so
//!   `#[serde(deny_unknown_fields)]` refuses them exactly as on REST. The
//!   schema says so: `additionalProperties` is that extractor's (`false`
//!   with `deny_unknown_fields`, the value schema for a map, absent for a
//!   plain struct), and `false` when no extractor takes unknown fields.
//! * **What the route accepts.** A string path segment gets `minLength: 1`
//!   (actix never matches an empty segment) or, for `{id:regex}`, the
//!   anchored `pattern`. Query and form fields must be scalars: actix's
//!   `Query` and `Form` cannot parse lists or objects, so such a type is a
//!   start-up error rather than a schema that promises what REST refuses.
//! * Nested and recursive types are `$ref`s into a `$defs` map at the root,
//!   pruned to the definitions actually reachable.
//! * schemars' numeric `format`s (`uint64`, `int32`, `double`, …) are not
//!   JSON Schema vocabulary: validators such as Ajv (used by the TypeScript
//!   SDK, Inspector and mcp-remote) warn on each. They are replaced by the
//!   `minimum`/`maximum` bounds they stand for, 64- and 128-bit types
//!   included.
//!
//! # Output
//!
//! `web::Json<T>` (also inside `Result`) yields `outputSchema`. MCP requires an
//! object there, so a `T` that is not an object (a `Vec`, a number, an
//! `Option`) is wrapped as `{"result": T}`, and so is the structured content.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::Schema;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::catalog::error::Unexposable;
use crate::handler::arguments::{ArgumentSlot, Plan, Slot, Source};
use crate::handler::signature::{Definitions, Param, Signature};
use crate::schema::json::{
    accepts_null, attach_definitions, is_object, is_scalar, reachable_definitions, resolve,
};
use crate::schema::route::{Matcher, Template};

/// Everything the runtime needs from a tool's types.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub input_schema: Map<String, Value>,
    pub plan: Plan,
    pub output_schema: Option<OutputSchema>,
    /// Optional fields left out because REST can never send them (said at
    /// start-up as warnings).
    pub omitted: Vec<Unexposable>,
}

/// What the tool's definition adds to its types.
#[derive(Default)]
pub(crate) struct Extras<'a> {
    /// The route's path template, `None` for a tool without a route.
    pub template: Option<&'a Template>,
    /// `args(name = "description")` from the attribute.
    pub descriptions: &'a [(&'a str, &'a str)],
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
    Fields,
    Whole,
    Tuple,
}

/// One argument extractor, resolved.
struct Extractor<'a> {
    param: usize,
    source: Source,
    schema: &'a Value,
    /// The schema with `$ref`s followed.
    resolved: &'a Value,
}

/// Builds the schemas of one tool, or every reason its types cannot be a
/// tool.
pub(crate) fn compile(
    mut sig: Signature,
    extras: &Extras<'_>,
) -> Result<Compiled, Vec<Unexposable>> {
    let defs = sig.take_input_definitions();
    let extractors: Vec<Extractor<'_>> = sig
        .params
        .iter()
        .enumerate()
        .filter_map(|(param, p)| match p {
            Param::Argument { source, schema } => Some(Extractor {
                param,
                source: *source,
                schema: schema.as_value(),
                resolved: resolve(schema.as_value(), &defs),
            }),
            Param::Request => None,
        })
        .collect();

    let Sources {
        mut problems,
        omitted,
    } = check_sources(&extractors, &defs, extras.template);
    let mut fields = Vec::new();
    let mut shapes: Vec<Option<Shape>> = (0..sig.params.len()).map(|_| None).collect();
    let lone = extractors.len() == 1;
    for e in &extractors {
        match fields_of(e, lone, extras.template, &omitted, &mut fields) {
            Ok(shape) => shapes[e.param] = Some(shape),
            Err(problem) => problems.push(problem),
        }
    }
    if let Err(problem) = rename_collisions(&mut fields) {
        problems.push(problem);
    }
    if let Some(template) = extras.template {
        constrain_path_segments(&mut fields, template, &defs);
    }

    let overflow = overflow_target(&extractors, &shapes);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in &mut fields {
        // (Not read again: the plan takes the fields' names.)
        properties.insert(f.external.clone(), f.schema.take());
        if f.required {
            required.push(f.external.clone());
        }
    }
    for (name, description) in extras.descriptions {
        match properties.get_mut(*name).and_then(Value::as_object_mut) {
            Some(property) => {
                property.insert("description".into(), (*description).into());
            }
            None => problems.push(Unexposable::UnknownDescribed {
                name: (*name).to_owned(),
                arguments: properties.keys().cloned().collect(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut input_schema = Map::new();
    input_schema.insert("type".into(), "object".into());
    input_schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input_schema.insert("required".into(), json!(required));
    }
    if let [lone] = extractors.as_slice()
        && matches!(shapes[lone.param], Some(Shape::Fields))
    {
        // Its fields are the whole input, under their own names: its other
        // keywords (conditions, combinations) still hold.
        for key in KEPT_KEYWORDS {
            if let Some(value) = lone.resolved.get(*key) {
                input_schema.insert((*key).into(), value.clone());
            }
        }
    }
    match overflow {
        None => {
            input_schema.insert("additionalProperties".into(), false.into());
        }
        Some(e) => {
            if let Some(additional) = e.resolved.get("additionalProperties") {
                input_schema.insert("additionalProperties".into(), additional.clone());
            }
        }
    }
    attach_definitions(&mut input_schema, &defs);

    let mut claimed: Vec<String> = fields.iter().map(|f| f.external.clone()).collect();
    claimed.sort();
    let slots = shapes
        .into_iter()
        .enumerate()
        .map(|(param, shape)| {
            let shape = shape?;
            let source = extractors.iter().find(|e| e.param == param)?.source;
            Some(ArgumentSlot {
                param,
                source,
                slot: slot(param, shape, &fields),
            })
        })
        .collect();
    let plan = Plan {
        slots,
        required,
        claimed,
        overflow: overflow.map(|e| e.param),
    };

    let output_schema = sig
        .output
        .take()
        .map(|schema| OutputSchema::typed(schema, sig.take_output_definitions()));
    Ok(Compiled {
        input_schema,
        plan,
        output_schema,
        omitted: omitted
            .into_iter()
            .map(|(_, what, field)| Unexposable::OmittedField { what, field })
            .collect(),
    })
}

/// Keywords of a lone argument type's schema that describe the whole input
/// and so carry over to it (JSON Schema 2020-12: `allOf`, `if`/`then`/`else`…).
const KEPT_KEYWORDS: &[&str] = &[
    "$schema",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "minProperties",
    "maxProperties",
    "propertyNames",
];

/// What `check_sources` found.
struct Sources {
    problems: Vec<Unexposable>,
    /// `(param, extractor, field)` of optional URL-encoded fields REST can
    /// never send (a list, an object): left out of the tool.
    omitted: Vec<(usize, &'static str, String)>,
}

/// Checks what REST can carry: one body, scalar query and form fields,
/// path fields named after the route's segments, every segment taken. An
/// optional query or form field of a type actix can never parse is left
/// out (REST works as long as it is absent); a required one is refused.
fn check_sources(
    extractors: &[Extractor<'_>],
    defs: &Definitions,
    template: Option<&Template>,
) -> Sources {
    let mut problems = Vec::new();
    let mut omitted = Vec::new();
    let bodies = extractors.iter().filter(|e| e.source.is_body()).count();
    if bodies > 1 {
        problems.push(Unexposable::TwoBodies);
    }
    for e in extractors
        .iter()
        .filter(|e| matches!(e.source, Source::Query | Source::Form))
    {
        let what = if e.source == Source::Query {
            "web::Query"
        } else {
            "web::Form"
        };
        if !is_object(e.resolved) {
            problems.push(Unexposable::NotFields { what });
            continue;
        }
        let props = e.resolved.get("properties").and_then(Value::as_object);
        let additional = e
            .resolved
            .get("additionalProperties")
            .filter(|a| a.is_object());
        let values = props
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.as_str(), schema))
            .chain(additional.map(|a| ("(map values)", a)));
        let required = e.resolved.get("required").and_then(Value::as_array);
        let is_required = |name: &str| required.is_some_and(|r| r.iter().any(|n| n == name));
        for (name, schema) in values {
            if is_scalar(resolve(schema, defs), defs) {
                continue;
            }
            if props.is_some_and(|p| p.contains_key(name)) && !is_required(name) {
                omitted.push((e.param, what, name.to_owned()));
            } else {
                problems.push(Unexposable::NotScalarField {
                    what,
                    field: name.to_owned(),
                });
            }
        }
    }
    let Some(template) = template else {
        return Sources { problems, omitted };
    };
    let segments = template.names();
    let mut covered = BTreeSet::new();
    for e in extractors.iter().filter(|e| e.source == Source::Path) {
        match e.resolved.get("properties").and_then(Value::as_object) {
            Some(props) if is_object(e.resolved) => {
                for name in props.keys() {
                    if segments.contains(&name.as_str()) {
                        covered.insert(name.clone());
                    } else {
                        problems.push(Unexposable::PathFieldNotSegment {
                            field: name.clone(),
                            segments: segments.iter().map(|s| s.to_string()).collect(),
                        });
                    }
                }
            }
            _ => covered.extend(segments.iter().map(|s| s.to_string())),
        }
    }
    for segment in segments {
        if !covered.contains(segment) {
            problems.push(Unexposable::SegmentNotArgument {
                segment: segment.to_owned(),
            });
        }
    }
    Sources { problems, omitted }
}

/// Adds an extractor's arguments to `fields` and says how it reads them.
/// `lone`: the extractor is the tool's only one, so an object schema with
/// conditions or combinations (`allOf`, `if`…) is still split into fields:
/// those keywords carry over to the input schema, which it is alone to make.
fn fields_of(
    e: &Extractor<'_>,
    lone: bool,
    template: Option<&Template>,
    omitted: &[(usize, &'static str, String)],
    fields: &mut Vec<Field>,
) -> Result<Shape, Unexposable> {
    let mut push = |name: &str, schema: &Value, required: bool| {
        fields.push(Field {
            param: e.param,
            source: e.source,
            name: name.to_owned(),
            external: name.to_owned(),
            schema: schema.clone(),
            required,
        })
    };
    let combined_object = lone
        && e.resolved.get("type").and_then(Value::as_str) == Some("object")
        && e.resolved.get("properties").is_some()
        && e.resolved.get("$ref").is_none();
    if is_object(e.resolved) || combined_object {
        let required: Vec<&str> = e
            .resolved
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = e.resolved.get("properties").and_then(Value::as_object) {
            let left_out = |name: &str| omitted.iter().any(|(p, _, f)| *p == e.param && f == name);
            for (name, schema) in props.iter().filter(|(name, _)| !left_out(name)) {
                push(name, schema, required.contains(&name.as_str()));
            }
        }
        return Ok(Shape::Fields);
    }
    if e.source != Source::Path {
        push(
            e.source.whole_value_name(),
            e.schema,
            !accepts_null(e.resolved),
        );
        return Ok(Shape::Whole);
    }
    let Some(template) = template else {
        return Err(Unexposable::PathWithoutRoute);
    };
    let names = template.names();
    match e.resolved.get("prefixItems").and_then(Value::as_array) {
        Some(items) if items.len() == names.len() => {
            for (name, schema) in names.iter().zip(items) {
                push(name, schema, true);
            }
            Ok(Shape::Tuple)
        }
        Some(items) => Err(Unexposable::PathArity {
            held: items.len(),
            segments: names.iter().map(|s| s.to_string()).collect(),
        }),
        None if names.len() == 1 => {
            push(names[0], e.schema, true);
            Ok(Shape::Whole)
        }
        None => Err(Unexposable::PathOneValue {
            segments: names.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

/// Says in the schema what the router accepts in each path segment: a
/// default segment is never empty; a `{name:regex}` segment matches its
/// regex (anchored, as actix anchors it).
fn constrain_path_segments(fields: &mut [Field], template: &Template, defs: &Definitions) {
    for f in fields.iter_mut().filter(|f| f.source == Source::Path) {
        let Some(param) = template.params.iter().find(|p| p.name == f.name) else {
            continue;
        };
        // Through `$ref`: a newtype segment (`web::Path<ItemId>`) is a
        // string too, and its reference takes the constraints beside it.
        if resolve(&f.schema, defs).get("type").and_then(Value::as_str) != Some("string") {
            continue;
        }
        let Some(schema) = f.schema.as_object_mut() else {
            continue;
        };
        match param.matcher {
            Matcher::Segment => {
                schema.entry("minLength").or_insert(1.into());
            }
            Matcher::Tail => {}
            Matcher::Custom(_) => {
                schema
                    .entry("pattern")
                    .or_insert(format!("^(?:{})$", param.pattern).into());
            }
        }
    }
}

/// The extractor unknown arguments go to (see `Plan::overflow`).
fn overflow_target<'a, 'b>(
    extractors: &'b [Extractor<'a>],
    shapes: &[Option<Shape>],
) -> Option<&'b Extractor<'a>> {
    let takes_fields = |e: &&Extractor<'_>| matches!(shapes[e.param], Some(Shape::Fields));
    extractors
        .iter()
        .filter(takes_fields)
        .find(|e| e.source.is_body())
        .or_else(|| {
            extractors
                .iter()
                .filter(takes_fields)
                .find(|e| e.source == Source::Query)
        })
}

/// A tool's `outputSchema`. Its listing is its only reader, so it is kept
/// as its type's schema and definitions (shared with the registry build's
/// cache) and written from there: a 1,000-tool API would otherwise copy,
/// write and drop a map for each tool at start-up.
pub(crate) struct OutputSchema {
    /// Whether the type is not an object, and so wrapped as
    /// `{"result": …}`, as its structured content is.
    pub wrap: bool,
    form: Form,
}

enum Form {
    /// The type's schema (its object's members but `title` and `$schema`),
    /// or `{"result": …}` around it, with the definitions it reaches under
    /// `$defs`.
    Typed { schema: Schema, defs: Definitions },
    /// Written out to be rewritten (a schema profile).
    Owned(Map<String, Value>),
}

impl OutputSchema {
    /// The output schema of a type with `schema`, wrapped unless an object.
    fn typed(schema: Schema, defs: Definitions) -> OutputSchema {
        OutputSchema {
            wrap: !is_object(resolve(schema.as_value(), &defs)),
            form: Form::Typed { schema, defs },
        }
    }

    /// The schema as a map of its own.
    pub(crate) fn into_owned(self) -> Map<String, Value> {
        if let Form::Owned(map) = self.form {
            return map;
        }
        // (Writing maps and strings to a `Value` cannot fail.)
        match serde_json::to_value(&self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// The schema written out and changed by `rewrite`.
    pub(crate) fn rewritten(self, rewrite: impl FnOnce(&mut Map<String, Value>)) -> OutputSchema {
        let wrap = self.wrap;
        let mut map = self.into_owned();
        rewrite(&mut map);
        OutputSchema {
            wrap,
            form: Form::Owned(map),
        }
    }
}

impl fmt::Debug for OutputSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for OutputSchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (schema, defs) = match &self.form {
            Form::Owned(map) => return map.serialize(serializer),
            Form::Typed { schema, defs } => (schema.as_value(), defs),
        };
        // Members in the order a map of them would have (sorted by name).
        let mut map = serializer.serialize_map(None)?;
        if self.wrap {
            let reached = reachable_definitions([schema], defs);
            if !reached.is_empty() {
                map.serialize_entry("$defs", &reached)?;
            }
            map.serialize_entry("properties", &BTreeMap::from([("result", schema)]))?;
            map.serialize_entry("required", &["result"])?;
            map.serialize_entry("type", "object")?;
            return map.end();
        }
        let members = resolve(schema, defs).as_object().into_iter().flatten();
        let kept = members.filter(|(key, _)| !matches!(key.as_str(), "title" | "$schema"));
        let reached = reachable_definitions(kept.clone().map(|(_, v)| v), defs);
        let mut defs_written = reached.is_empty();
        for (key, value) in kept {
            if !defs_written && key.as_str() >= "$defs" {
                map.serialize_entry("$defs", &reached)?;
                defs_written = true;
                if key == "$defs" {
                    continue;
                }
            }
            map.serialize_entry(key, value)?;
        }
        if !defs_written {
            map.serialize_entry("$defs", &reached)?;
        }
        map.end()
    }
}

/// Applies the collision rule described in the module docs.
fn rename_collisions(fields: &mut [Field]) -> Result<(), Unexposable> {
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
            return Err(Unexposable::NameCollision {
                name: f.external.clone(),
            });
        }
    }
    Ok(())
}

fn slot(param: usize, shape: Shape, fields: &[Field]) -> Slot {
    let own = fields.iter().filter(|f| f.param == param);
    match shape {
        Shape::Fields => Slot::Fields {
            fields: own.map(|f| (f.external.clone(), f.name.clone())).collect(),
        },
        Shape::Tuple => Slot::Tuple(own.map(|f| f.external.clone()).collect()),
        Shape::Whole => Slot::Whole(own.map(|f| f.external.clone()).next().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::arguments::FromArguments;
    use crate::handler::signature::Schemas;
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

    /// The reasons as the start-up error shows them.
    fn shown(result: Result<Compiled, Vec<Unexposable>>) -> Result<Compiled, Vec<String>> {
        result.map_err(|reasons| reasons.iter().map(ToString::to_string).collect())
    }

    fn compile_route(s: Signature, path: &str) -> Result<Compiled, Vec<String>> {
        let template = Template::parse(path).unwrap();
        shown(compile(
            s,
            &Extras {
                template: Some(&template),
                ..Extras::default()
            },
        ))
    }

    fn compile_plain(s: Signature) -> Result<Compiled, Vec<String>> {
        shown(compile(s, &Extras::default()))
    }

    fn slot(c: &Compiled, param: usize) -> Option<Slot> {
        c.plan.slots[param].as_ref().map(|s| s.slot.clone())
    }

    #[test]
    fn path_tuple_query_and_body_merge_with_collision_suffixes() {
        let mut s = Signature::new();
        sig::<web::Path<(String, u64)>>(&mut s);
        s.request();
        sig::<web::Query<Filter>>(&mut s);
        sig::<web::Json<Patch>>(&mut s);
        let c = compile_route(s, "/orgs/{org}/items/{id}").unwrap();
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
            c.plan.required,
            ["org", "id__path", "id__query", "id", "node"].map(String::from)
        );
        assert_eq!(slot(&c, 1), None);
        assert_eq!(
            slot(&c, 0),
            Some(Slot::Tuple(vec!["org".into(), "id__path".into()]))
        );
        assert_eq!(
            slot(&c, 2),
            Some(Slot::Fields {
                fields: vec![
                    ("id__query".into(), "id".into()),
                    ("limit".into(), "limit".into())
                ],
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
        let c = compile_route(s, "/items/{id}").unwrap();
        assert_eq!(slot(&c, 0), Some(Slot::Whole("id".into())));
        assert_eq!(slot(&c, 1), Some(Slot::Whole("body".into())));
        assert_eq!(c.input_schema["properties"]["body"]["type"], "array");
        assert_eq!(
            c.input_schema["properties"]["body"]["items"]["$ref"],
            "#/$defs/Filter"
        );
        assert_eq!(c.plan.required, ["id", "body"].map(String::from));
    }

    #[test]
    fn optional_body_is_not_required() {
        let mut s = Signature::new();
        sig::<web::Json<Option<Vec<u8>>>>(&mut s);
        let c = compile_plain(s).unwrap();
        assert!(c.plan.required.is_empty());
    }

    #[test]
    fn path_shape_must_match_the_template() {
        let mut s = Signature::new();
        sig::<web::Path<(u32, u32)>>(&mut s);
        let err = compile_route(s, "/items/{id}").unwrap_err();
        assert!(
            err[0].contains("holds 2 values but the route has 1"),
            "{err:?}"
        );

        let mut s = Signature::new();
        sig::<web::Path<u32>>(&mut s);
        assert!(compile_plain(s).unwrap_err()[0].contains("without a route"));
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
            f: i64,
            g: u128,
            when: String,
        }
        let compiled = || {
            let mut s = Signature::new();
            sig::<web::Json<Numbers>>(&mut s);
            compile_plain(s).unwrap()
        };
        // Generated in the signature's own generator, and taken from the
        // registry build's cache (where the formats are replaced once per
        // type): the same schema.
        let c = compiled();
        let cached = Schemas::during(|| {
            compiled();
            compiled()
        });
        assert_eq!(c.input_schema, cached.input_schema);
        let p = &c.input_schema["properties"];
        assert_eq!(
            p["a"],
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
        assert_eq!(
            p["b"],
            json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX})
        );
        assert_eq!(
            p["c"],
            json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})
        );
        assert_eq!(
            p["f"],
            json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})
        );
        assert_eq!(
            p["g"],
            json!({"type": "integer", "minimum": 0, "maximum": u128::MAX as f64})
        );
        assert_eq!(p["d"], json!({"type": "number"}));
        assert_eq!(
            p["e"],
            json!({"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX})
        );
        assert!(!Value::Object(c.input_schema).to_string().contains("format"));

        // A type whose schema is not a reference: the bounds are in the
        // schema itself, cached or not.
        let scalar = || {
            let mut s = Signature::new();
            sig::<web::Json<u64>>(&mut s);
            compile_plain(s).unwrap().input_schema
        };
        let cached = Schemas::during(|| {
            scalar();
            scalar()
        });
        assert_eq!(cached, scalar());
        let body = cached["properties"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(body["maximum"], json!(u64::MAX));
        assert!(body.get("format").is_none());
    }

    #[test]
    fn no_arguments_means_an_empty_closed_object() {
        let mut s = Signature::new();
        s.request();
        let c = compile_plain(s).unwrap();
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
        let c = compile_route(s, "/items/{id}").unwrap();
        assert_eq!(slot(&c, 1), Some(Slot::Fields { fields: vec![] }));
        assert_eq!(
            c.input_schema["additionalProperties"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn output_objects_are_kept_and_others_wrapped() {
        let mut s = Signature::new();
        s.output(Some(|g| g.subschema_for::<Node>()));
        let c = compile_plain(s).unwrap();
        let output = c.output_schema.unwrap();
        assert!(!output.wrap);
        let out = output.into_owned();
        assert_eq!(out["type"], "object");
        assert_eq!(
            out["properties"]["children"]["items"]["$ref"],
            "#/$defs/Node"
        );
        assert!(out["$defs"].get("Node").is_some());

        let mut s = Signature::new();
        s.output(Some(|g| g.subschema_for::<Vec<Filter>>()));
        let c = compile_plain(s).unwrap();
        let output = c.output_schema.unwrap();
        assert!(output.wrap);
        let out = output.into_owned();
        assert_eq!(out["required"], json!(["result"]));
        assert_eq!(out["properties"]["result"]["type"], "array");
        assert!(out["$defs"].get("Filter").is_some());
    }

    /// An object whose members sort on both sides of `$defs`.
    struct Commented;

    impl JsonSchema for Commented {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            "Commented".into()
        }

        fn json_schema(generator: &mut schemars::SchemaGenerator) -> Schema {
            let node = generator.subschema_for::<Node>();
            schemars::json_schema!({
                "$comment": "before `$defs`",
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": "Commented",
                "type": "object",
                "properties": {"node": node},
            })
        }
    }

    #[test]
    fn an_output_schema_is_written_as_a_map_of_its_own_would_be() {
        // A map of its own: the type's schema copied without `title` and
        // `$schema`, or wrapped, with the definitions it reaches attached.
        fn owned(schema: &Value, defs: &Definitions) -> (Map<String, Value>, bool) {
            let resolved = resolve(schema, defs);
            let wrap = !is_object(resolved);
            let mut out = if wrap {
                let mut out = Map::new();
                out.insert("type".into(), "object".into());
                out.insert("properties".into(), json!({ "result": schema }));
                out.insert("required".into(), json!(["result"]));
                out
            } else {
                resolved.as_object().cloned().unwrap_or_default()
            };
            out.remove("title");
            out.remove("$schema");
            attach_definitions(&mut out, defs);
            (out, wrap)
        }
        let outputs: [fn(&mut schemars::SchemaGenerator) -> Schema; 5] = [
            |g| g.subschema_for::<Node>(),
            |g| g.subschema_for::<Vec<Filter>>(),
            |g| g.subschema_for::<Filter>(),
            |g| g.subschema_for::<Commented>(),
            |g| g.subschema_for::<u32>(),
        ];
        for (cached, output) in [false, true]
            .into_iter()
            .flat_map(|c| outputs.map(|o| (c, o)))
        {
            let mut s = if cached {
                Schemas::during(|| Signature::of(|s| s.output(Some(output))))
            } else {
                let mut s = Signature::new();
                s.output(Some(output));
                s
            };
            let schema = s.output.take().unwrap();
            let defs = s.take_output_definitions();
            let (expected, expected_wrap) = owned(schema.as_value(), &defs);
            let typed = OutputSchema::typed(schema, defs);
            assert_eq!(typed.wrap, expected_wrap);
            assert_eq!(
                serde_json::to_string(&typed).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
            assert_eq!(typed.into_owned(), expected);
        }
    }
}
