//! The portable schema profile, for clients that handle only the plainest
//! JSON Schema.
//!
//! Several clients choke on `$ref` (they do not resolve `$defs`), and
//! Inspector's `--strict` mode warns on union types such as
//! `["string", "null"]`. The portable profile rewrites each tool's schemas:
//!
//! * every `$ref` is replaced by the definition it points to, except where a
//!   type refers to itself (a tree): those definitions stay in `$defs`,
//!   since they cannot be written out;
//! * in input schemas, an optional argument or field loses `null` from its
//!   type (`["string", "null"]` becomes `"string"`, an `anyOf` with a
//!   `null` branch loses it): a client may leave it out instead, which
//!   serde reads as `None` just the same;
//! * any other type union (in outputs, whose JSON does contain `null`, and
//!   required nullable inputs) becomes `anyOf` branches of one type each:
//!   `{"anyOf": [{"type": "string"}, {"type": "null"}]}`, which
//!   single-type dialects (Gemini's OpenAPI subset) can read.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::schema::json::{MAX_DEPTH, collect_refs, ref_name, walk_objects};

/// Which JSON Schema shape tools are described with.
///
/// ```
/// use mcp_runtime::config::SchemaProfile;
/// use mcp_runtime::McpServer;
/// let server = McpServer::from_registry().schema_profile(SchemaProfile::Portable).build();
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SchemaProfile {
    /// Draft 2020-12 as schemars writes it: `$defs` and `$ref` for named
    /// types, `null` in the types of optional values.
    #[default]
    Standard,
    /// Definitions inlined (except recursive ones) and no `null` in
    /// optional inputs: for clients with limited JSON Schema support.
    Portable,
}

/// Rewrites an input schema (`inputs == true`) or an output schema.
pub(crate) fn apply(schema: &mut Map<String, Value>, inputs: bool) {
    let defs = match schema.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let recursive = recursive_definitions(&defs);
    let mut root = Value::Object(std::mem::take(schema));
    inline(&mut root, &defs, &recursive, 0);
    let mut kept: Map<String, Value> = defs
        .iter()
        .filter(|(name, _)| recursive.contains(*name))
        .map(|(name, def)| (name.clone(), def.clone()))
        .collect();
    for def in kept.values_mut() {
        inline(def, &defs, &recursive, 0);
    }
    if inputs {
        drop_optional_nulls(&mut root);
        kept.values_mut().for_each(drop_optional_nulls);
    }
    walk_objects(&mut root, &mut split_type_union);
    for def in kept.values_mut() {
        walk_objects(def, &mut split_type_union);
    }
    if let Value::Object(map) = root {
        *schema = map;
    }
    if !kept.is_empty() {
        schema.insert("$defs".into(), Value::Object(kept));
    }
}

/// Definitions that refer to themselves, directly or through others.
fn recursive_definitions(defs: &Map<String, Value>) -> BTreeSet<String> {
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, def) in defs {
        let mut refs = Vec::new();
        collect_refs(def, &mut refs);
        edges.insert(name, refs.into_iter().collect());
    }
    defs.keys()
        .filter(|start| {
            let mut seen = BTreeSet::new();
            let mut pending: Vec<&str> = edges[start.as_str()].iter().map(String::as_str).collect();
            while let Some(next) = pending.pop() {
                if next == start.as_str() {
                    return true;
                }
                if seen.insert(next)
                    && let Some(more) = edges.get(next)
                {
                    pending.extend(more.iter().map(String::as_str));
                }
            }
            false
        })
        .cloned()
        .collect()
}

/// Replaces `$ref`s to non-recursive definitions with their content (the
/// reference's own keywords, such as a description, win).
fn inline(
    value: &mut Value,
    defs: &Map<String, Value>,
    recursive: &BTreeSet<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(name) = ref_name(value)
        && !recursive.contains(&name)
        && let Some(Value::Object(def)) = defs.get(&name)
        && let Value::Object(map) = value
    {
        map.remove("$ref");
        for (k, v) in def {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    match value {
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| inline(v, defs, recursive, depth + 1)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| inline(v, defs, recursive, depth + 1)),
        _ => {}
    }
}

/// At every object, optional properties lose `null` from their types.
fn drop_optional_nulls(value: &mut Value) {
    walk_objects(value, &mut |object| {
        let required: BTreeSet<String> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(props)) = object.get_mut("properties") {
            for (name, property) in props.iter_mut() {
                if !required.contains(name) {
                    without_null(property);
                }
            }
        }
    });
}

/// `"type": ["T", "U"]` → `"anyOf": [{"type": "T"}, {"type": "U"}]`.
fn split_type_union(object: &mut Map<String, Value>) {
    let union = matches!(object.get("type"), Some(Value::Array(types)) if types.len() > 1);
    if !union || object.contains_key("anyOf") {
        return;
    }
    if let Some(Value::Array(types)) = object.remove("type") {
        let branches = types
            .into_iter()
            .map(|t| serde_json::json!({ "type": t }))
            .collect();
        object.insert("anyOf".into(), Value::Array(branches));
    }
}

fn is_null_type(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("null")
}

/// `["T", "null"]` → `"T"`; an `anyOf`/`oneOf` with a `null` branch loses it
/// (and collapses when one branch is left); `null` leaves an `enum`.
fn without_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let single = types.remove(0);
            map.insert("type".into(), single);
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get_mut(key) else {
            continue;
        };
        branches.retain(|b| !is_null_type(b));
        if branches.len() == 1
            && let Some(Value::Object(only)) = branches.pop()
        {
            map.remove(key);
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn portable(schema: Value, inputs: bool) -> Value {
        let Value::Object(mut map) = schema else {
            panic!()
        };
        apply(&mut map, inputs);
        Value::Object(map)
    }

    #[test]
    fn definitions_are_inlined_except_recursive_ones() {
        let schema = json!({
            "type": "object",
            "properties": {
                "kind": {"$ref": "#/$defs/Kind", "description": "Which kind."},
                "tree": {"$ref": "#/$defs/Node"}
            },
            "$defs": {
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Node": {"type": "object", "properties": {
                    "kind": {"$ref": "#/$defs/Kind"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
                }}
            }
        });
        assert_eq!(
            portable(schema, true),
            json!({
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["a", "b"], "description": "Which kind."},
                    "tree": {"$ref": "#/$defs/Node"}
                },
                "$defs": {
                    "Node": {"type": "object", "properties": {
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
                    }}
                }
            })
        );
    }

    #[test]
    fn optional_inputs_lose_null_and_outputs_keep_it() {
        let schema = json!({
            "type": "object",
            "properties": {
                "tag": {"type": ["string", "null"]},
                "must": {"type": ["integer", "null"]},
                "kind": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"type": "null"}], "description": "K"},
                "choice": {"enum": ["x", null]}
            },
            "required": ["must"],
            "$defs": {"Kind": {"type": "string", "enum": ["a"]}}
        });
        assert_eq!(
            portable(schema.clone(), true)["properties"],
            json!({
                "tag": {"type": "string"},
                "must": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "kind": {"type": "string", "enum": ["a"], "description": "K"},
                "choice": {"enum": ["x"]}
            })
        );
        assert_eq!(
            portable(schema, false)["properties"]["tag"],
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }
}
