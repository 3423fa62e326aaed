//! The one set of JSON-Schema walkers the runtime uses: `$ref`
//! resolution, object and scalar tests, reference collection, and the
//! rewrites applied to generated schemas. Every walk is bounded in depth.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Whether a (resolved) schema is a string, number, boolean, or a union of
/// those with `null` (an `Option`).
pub(crate) fn is_scalar(schema: &Value, defs: &Map<String, Value>) -> bool {
    const SCALARS: [&str; 5] = ["string", "integer", "number", "boolean", "null"];
    if let Some(alternatives) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        return alternatives
            .iter()
            .all(|a| is_scalar(resolve(a, defs), defs));
    }
    match schema.get("type") {
        Some(Value::String(t)) => SCALARS.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .all(|t| t.as_str().is_some_and(|t| SCALARS.contains(&t))),
        // `const` and `enum` without a type: schemars' unit-variant enums.
        None => schema.get("enum").is_some() || schema.get("const").is_some(),
        Some(_) => false,
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
pub(crate) fn resolve<'a>(mut schema: &'a Value, defs: &'a Map<String, Value>) -> &'a Value {
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
pub(crate) fn def_name(reference: &str) -> Option<String> {
    reference
        .strip_prefix("#/$defs/")
        .map(|n| n.replace("~1", "/").replace("~0", "~"))
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

/// Adds the definitions reachable from `schema` under `$defs`.
pub(crate) fn attach_definitions(schema: &mut Map<String, Value>, mut defs: Map<String, Value>) {
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

pub(crate) fn collect_refs(schema: &Value, out: &mut Vec<String>) {
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
