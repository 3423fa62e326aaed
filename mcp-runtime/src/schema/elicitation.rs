//! The form schema of an elicitation, from a Rust type.
//!
//! MCP restricts `requestedSchema` to a flat object whose properties are
//! primitives: strings (optionally with a `format` of email, uri, date or
//! date-time), numbers, integers, booleans, single-select enums (`enum`, or
//! titled `oneOf` of `const`s) and multi-select arrays of such enums. This
//! module turns a type's schemars schema into that shape (inlining enum
//! definitions, dropping `null` from optional fields, turning schemars'
//! numeric formats into bounds) or says, naming the field, why it cannot.

use std::fmt;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::schema::json::replace_numeric_formats;

/// Why a type cannot be an elicitation form.
#[derive(Debug)]
pub(crate) enum Unelicitable {
    NotAStruct,
    NoFields,
    Field(String, FieldFlaw),
}

/// Why one field cannot be a form field.
#[derive(Debug)]
pub(crate) enum FieldFlaw {
    Unsupported,
    Keywords(String),
    UntypedList,
    ListOfValues,
    Type(String),
    Types,
    Nested,
    Choices,
}

impl fmt::Display for Unelicitable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unelicitable::NotAStruct => f.write_str("the type must be a struct with named fields"),
            Unelicitable::NoFields => f.write_str("the struct has no fields"),
            Unelicitable::Field(name, flaw) => write!(f, "field `{name}`: {flaw}"),
        }
    }
}

impl fmt::Display for FieldFlaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldFlaw::Unsupported => f.write_str("unsupported schema"),
            FieldFlaw::Keywords(ty) => write!(f, "unsupported keywords for a {ty}"),
            FieldFlaw::UntypedList => f.write_str("a list must say what its items are"),
            FieldFlaw::ListOfValues => {
                f.write_str("a list is allowed only of enum choices (multi-select)")
            }
            FieldFlaw::Type(ty) => write!(
                f,
                "a form field must be a string, number, integer, boolean, enum or list of enum \
                 choices, not {ty}"
            ),
            FieldFlaw::Types => f.write_str("a field must have exactly one type"),
            FieldFlaw::Nested => f.write_str("nested structures are not allowed in a form"),
            FieldFlaw::Choices => f.write_str("choices must be string constants"),
        }
    }
}

/// The `requestedSchema` for `T`, or why `T` cannot be a form.
pub(crate) fn schema_for<T: JsonSchema>() -> Result<Value, Unelicitable> {
    let mut settings = SchemaSettings::draft2020_12().for_deserialize();
    settings.inline_subschemas = true;
    let schema = settings.into_generator().into_root_schema_for::<T>();
    restrict(schema.to_value())
}

fn restrict(root: Value) -> Result<Value, Unelicitable> {
    let Value::Object(mut root) = root else {
        return Err(Unelicitable::NotAStruct);
    };
    if root.get("type").and_then(Value::as_str) != Some("object") {
        return Err(Unelicitable::NotAStruct);
    }
    let Some(Value::Object(props)) = root.remove("properties") else {
        return Err(Unelicitable::NoFields);
    };
    let mut properties = Map::new();
    for (name, schema) in props {
        let field = primitive(schema).map_err(|why| Unelicitable::Field(name.clone(), why))?;
        properties.insert(name, field);
    }
    let mut out = Map::new();
    out.insert("type".into(), "object".into());
    out.insert("properties".into(), Value::Object(properties));
    if let Some(required) = root.remove("required") {
        out.insert("required".into(), required);
    }
    Ok(Value::Object(out))
}

/// Keywords a primitive form field may carry, besides its `type`.
const FIELD_KEYWORDS: &[&str] = &[
    "title",
    "description",
    "default",
    "minLength",
    "maxLength",
    "format",
    "minimum",
    "maximum",
    "enum",
    "enumNames",
    "oneOf",
    "anyOf",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
];

const FORMATS: &[&str] = &["email", "uri", "date", "date-time"];

fn primitive(schema: Value) -> Result<Value, FieldFlaw> {
    let Value::Object(mut field) = schema else {
        return Err(FieldFlaw::Unsupported);
    };
    replace_numeric_formats(&mut field);
    let ty = single_type(&mut field)?;
    field.retain(|k, _| k == "type" || FIELD_KEYWORDS.contains(&k.as_str()));
    match ty.as_str() {
        "string" => {
            if let Some(format) = field.get("format").and_then(Value::as_str)
                && !FORMATS.contains(&format)
            {
                // A format clients do not render is dropped, not fatal.
                field.remove("format");
            }
            if field.contains_key("oneOf") || field.contains_key("anyOf") {
                titled_choices(&mut field)?;
            }
            Ok(Value::Object(field))
        }
        "number" | "integer" | "boolean" => {
            if field.contains_key("items") || field.contains_key("oneOf") {
                return Err(FieldFlaw::Keywords(ty.clone()));
            }
            Ok(Value::Object(field))
        }
        "array" => {
            let Some(Value::Object(mut items)) = field.remove("items") else {
                return Err(FieldFlaw::UntypedList);
            };
            let item_type = single_type(&mut items)?;
            if item_type != "string"
                || !(items.contains_key("enum")
                    || items.contains_key("anyOf")
                    || items.contains_key("oneOf"))
            {
                return Err(FieldFlaw::ListOfValues);
            }
            items.retain(|k, _| k == "type" || FIELD_KEYWORDS.contains(&k.as_str()));
            if items.contains_key("oneOf") || items.contains_key("anyOf") {
                titled_choices(&mut items)?;
                // Multi-select uses `anyOf` for titled choices.
                if let Some(choices) = items.remove("oneOf") {
                    items.insert("anyOf".into(), choices);
                }
            }
            field.insert("items".into(), Value::Object(items));
            Ok(Value::Object(field))
        }
        other => Err(FieldFlaw::Type(other.to_owned())),
    }
}

/// The one JSON type of a field; `["T", "null"]` (an `Option`) counts as `T`.
fn single_type(field: &mut Map<String, Value>) -> Result<String, FieldFlaw> {
    if field.get("type").is_none()
        && let Some(choices) = field.get("oneOf").or_else(|| field.get("anyOf"))
        && choices.as_array().is_some_and(|c| {
            c.iter()
                .all(|c| c.get("const").is_some_and(Value::is_string))
        })
    {
        field.insert("type".into(), "string".into());
    }
    let ty = match field.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            match non_null.as_slice() {
                [t] => t.to_string(),
                _ => return Err(FieldFlaw::Types),
            }
        }
        _ => return Err(FieldFlaw::Nested),
    };
    field.insert("type".into(), Value::String(ty.clone()));
    if let Some(Value::Array(values)) = field.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    Ok(ty)
}

/// Checks that `oneOf`/`anyOf` lists `{"const": …, "title"?: …}` choices,
/// keeping only those keys.
fn titled_choices(field: &mut Map<String, Value>) -> Result<(), FieldFlaw> {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(choices)) = field.get_mut(key) else {
            continue;
        };
        choices.retain(|c| c.get("type").and_then(Value::as_str) != Some("null"));
        for choice in choices.iter_mut() {
            let Value::Object(c) = choice else {
                return Err(FieldFlaw::Choices);
            };
            if !c.get("const").is_some_and(Value::is_string) {
                return Err(FieldFlaw::Choices);
            }
            c.retain(|k, _| matches!(k.as_str(), "const" | "title" | "description"));
            if let Some(description) = c.remove("description")
                && !c.contains_key("title")
            {
                c.insert("title".into(), description);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Status {
        Active,
        Inactive,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[allow(dead_code)]
    enum Color {
        #[schemars(title = "Red!")]
        #[serde(rename = "r")]
        Red,
        #[schemars(title = "Green!")]
        #[serde(rename = "g")]
        Green,
    }

    #[derive(Deserialize, Serialize, JsonSchema)]
    #[allow(dead_code)]
    struct Form {
        /// Your name.
        name: String,
        age: u8,
        #[serde(default)]
        score: f64,
        verified: Option<bool>,
        status: Status,
        color: Color,
        tags: Vec<Status>,
    }

    #[test]
    fn flat_structs_become_forms() {
        let s = schema_for::<Form>().unwrap();
        let p = &s["properties"];
        assert_eq!(s["type"], "object");
        assert_eq!(
            p["name"],
            json!({"type": "string", "description": "Your name."})
        );
        assert_eq!(
            p["age"],
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
        assert_eq!(p["score"], json!({"type": "number", "default": 0.0}));
        assert_eq!(p["verified"], json!({"type": "boolean"}));
        assert_eq!(
            p["status"],
            json!({"type": "string", "enum": ["active", "inactive"]})
        );
        assert_eq!(
            p["color"],
            json!({"type": "string", "oneOf": [
                {"const": "r", "title": "Red!"}, {"const": "g", "title": "Green!"}
            ]})
        );
        assert_eq!(
            p["tags"],
            json!({"type": "array", "items": {"type": "string", "enum": ["active", "inactive"]}})
        );
        let required: Vec<&str> = s["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(!required.contains(&"verified") && !required.contains(&"score"));
        assert!(required.contains(&"name"));
    }

    #[test]
    fn nested_and_non_struct_types_are_refused_with_the_field_named() {
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Inner {
            a: u8,
        }
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Nested {
            inner: Inner,
        }
        #[derive(Deserialize, JsonSchema)]
        #[allow(dead_code)]
        struct Lists {
            names: Vec<String>,
        }
        let e = schema_for::<Nested>().unwrap_err();
        assert!(e.to_string().starts_with("field `inner`"), "{e}");
        let e = schema_for::<Lists>().unwrap_err();
        assert!(
            e.to_string().contains("field `names`") && e.to_string().contains("enum choices"),
            "{e}"
        );
        assert!(schema_for::<u32>().is_err());
        assert!(schema_for::<Vec<Form>>().is_err());
    }
}
