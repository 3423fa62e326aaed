//! The one set of JSON-Schema walkers the runtime uses: `$ref`
//! resolution, object and scalar tests, reference collection, and the
//! rewrites applied to generated schemas. Every walk is bounded in depth.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Deepest nesting any walker here follows; deeper parts of a schema are
/// left as they are (and are not scalars).
pub(crate) const MAX_DEPTH: usize = 64;

/// Where a schema's `#/$defs/…` references are looked up: a `$defs` map,
/// or a tool's definitions kept apart (`handler::signature::Definitions`).
pub(crate) trait Definitions {
    /// The definition named `name`.
    fn definition(&self, name: &str) -> Option<&Value>;
}

impl Definitions for Map<String, Value> {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Whether every value a (resolved) schema accepts is a string, number,
/// boolean or `null`: by its `type` when it has one; otherwise when all the
/// alternatives of its `anyOf` or of its `oneOf` are scalars (a value must
/// match both), or it is an `enum`/`const` (schemars' unit-variant enums).
pub(crate) fn is_scalar(schema: &Value, defs: &(impl Definitions + ?Sized)) -> bool {
    scalar_within(schema, defs, 0)
}

fn scalar_within(schema: &Value, defs: &(impl Definitions + ?Sized), depth: usize) -> bool {
    let scalar = |t: &str| matches!(t, "string" | "number" | "integer" | "boolean" | "null");
    if depth > MAX_DEPTH {
        return false;
    }
    match schema.get("type") {
        Some(Value::String(t)) => scalar(t),
        Some(Value::Array(ts)) => ts.iter().all(|t| t.as_str().is_some_and(scalar)),
        Some(_) => false,
        None => {
            ["anyOf", "oneOf"].iter().any(|k| {
                schema
                    .get(*k)
                    .and_then(Value::as_array)
                    .is_some_and(|alts| {
                        alts.iter()
                            .all(|a| scalar_within(resolve(a, defs), defs, depth + 1))
                    })
            }) || schema.get("enum").is_some()
                || schema.get("const").is_some()
        }
    }
}

/// The string values of an enum schema (`enum`, or `oneOf` of `const`s).
pub(crate) fn enum_values(schema: &Value) -> Option<Vec<String>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(
            values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        );
    }
    let alternatives = schema.get("oneOf").and_then(Value::as_array)?;
    alternatives
        .iter()
        .map(|a| a.get("const").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Follows `$ref`s into `$defs` (bounded, in case of a self-referencing alias).
pub(crate) fn resolve<'a>(
    mut schema: &'a Value,
    defs: &'a (impl Definitions + ?Sized),
) -> &'a Value {
    for _ in 0..16 {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(def_name)
            .and_then(|name| defs.definition(&name))
        {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// The definition name in a `#/$defs/Name` reference (JSON-pointer
/// unescaped; borrowed when it has no escapes, as names nearly never do).
pub(crate) fn def_name(reference: &str) -> Option<Cow<'_, str>> {
    let name = reference.strip_prefix("#/$defs/")?;
    Some(if name.contains('~') {
        Cow::Owned(name.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(name)
    })
}

/// An object with fields that can be merged into the tool's arguments.
pub(crate) fn is_object(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && ["oneOf", "anyOf", "allOf", "$ref", "if"]
            .iter()
            .all(|k| schema.get(k).is_none())
}

pub(crate) fn accepts_null(schema: &Value) -> bool {
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
pub(crate) fn replace_numeric_formats(map: &mut Map<String, Value>) {
    // 128-bit bounds exceed what a JSON number holds exactly: sent as floats.
    let wide = |v: f64| Some(Value::from(v));
    let bounds: Option<(Option<Value>, Option<Value>)> =
        match map.get("format").and_then(Value::as_str) {
            Some("int8") => Some((Some(i8::MIN.into()), Some(i8::MAX.into()))),
            Some("int16") => Some((Some(i16::MIN.into()), Some(i16::MAX.into()))),
            Some("int32") => Some((Some(i32::MIN.into()), Some(i32::MAX.into()))),
            Some("int64" | "int") => Some((Some(i64::MIN.into()), Some(i64::MAX.into()))),
            Some("int128") => Some((wide(i128::MIN as f64), wide(i128::MAX as f64))),
            Some("uint8") => Some((Some(0.into()), Some(u8::MAX.into()))),
            Some("uint16") => Some((Some(0.into()), Some(u16::MAX.into()))),
            Some("uint32") => Some((Some(0.into()), Some(u32::MAX.into()))),
            Some("uint64" | "uint") => Some((Some(0.into()), Some(u64::MAX.into()))),
            Some("uint128") => Some((Some(0.into()), wide(u128::MAX as f64))),
            Some("float" | "double") => Some((None, None)),
            _ => None,
        };
    if let Some((min, max)) = bounds {
        map.remove("format");
        if let Some(min) = min {
            map.entry("minimum").or_insert(min);
        }
        if let Some(max) = max {
            map.entry("maximum").or_insert(max);
        }
    }
    for value in map.values_mut() {
        for_each_object(value, replace_numeric_formats);
    }
}

/// Applies `f` to every object in `value`, outermost first, through arrays.
pub(crate) fn for_each_object(value: &mut Value, f: fn(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => f(map),
        Value::Array(items) => items.iter_mut().for_each(|v| for_each_object(v, f)),
        _ => {}
    }
}

/// Adds the definitions reachable from `schema` under `$defs`: copies of
/// those alone (a tool's signature holds every type its arguments name,
/// most of them flattened into its fields and no longer referred to).
pub(crate) fn attach_definitions(
    schema: &mut Map<String, Value>,
    defs: &(impl Definitions + ?Sized),
) {
    let attached: Map<String, Value> = reachable_definitions(schema.values(), defs)
        .into_iter()
        .map(|(name, def)| (name, def.clone()))
        .collect();
    if !attached.is_empty() {
        schema.insert("$defs".into(), Value::Object(attached));
    }
}

/// The definitions reachable from `values` (a schema's members), by name.
pub(crate) fn reachable_definitions<'v, 'd>(
    values: impl IntoIterator<Item = &'v Value>,
    defs: &'d (impl Definitions + ?Sized),
) -> BTreeMap<String, &'d Value> {
    let mut reached = BTreeMap::new();
    let mut pending = Vec::new();
    values
        .into_iter()
        .for_each(|v| collect_refs(v, &mut pending));
    while let Some(name) = pending.pop() {
        if !reached.contains_key(&name)
            && let Some(def) = defs.definition(&name)
        {
            collect_refs(def, &mut pending);
            reached.insert(name, def);
        }
    }
    reached
}

/// The definition a `{"$ref": "#/$defs/Name"}` object points to.
pub(crate) fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(def_name)
        .map(Cow::into_owned)
}

/// Every definition name referenced anywhere in `schema`.
pub(crate) fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    collect_within(schema, out, 0);
}

fn collect_within(schema: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match schema {
        Value::Object(map) => {
            out.extend(ref_name(schema));
            map.values().for_each(|v| collect_within(v, out, depth + 1));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_within(v, out, depth + 1)),
        _ => {}
    }
}

/// Applies `f` to every object in `value`, outermost first.
pub(crate) fn walk_objects(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    walk_within(value, f, 0);
}

fn walk_within(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>), depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            f(map);
            map.values_mut().for_each(|v| walk_within(v, f, depth + 1));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk_within(v, f, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn only_the_definitions_a_schema_reaches_are_attached() {
        let defs = object(json!({
            "Flattened": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Node": {"type": "object", "properties": {"leaf": {"$ref": "#/$defs/Leaf"}}},
            "Leaf": {"type": "integer"},
        }));
        let mut schema = object(json!({
            "type": "object",
            "properties": {"node": {"$ref": "#/$defs/Node"}},
        }));
        attach_definitions(&mut schema, &defs);
        let attached: Vec<&String> = schema["$defs"].as_object().unwrap().keys().collect();
        assert_eq!(attached, ["Leaf", "Node"]);

        let mut plain = object(json!({"type": "object", "properties": {}}));
        attach_definitions(&mut plain, &defs);
        assert!(!plain.contains_key("$defs"));
    }

    #[test]
    fn definition_names_are_read_from_references() {
        assert!(matches!(
            def_name("#/$defs/Item"),
            Some(Cow::Borrowed("Item"))
        ));
        assert_eq!(def_name("#/$defs/a~1b~0c").as_deref(), Some("a/b~c"));
        assert_eq!(def_name("#/definitions/Item"), None);
    }
}
