//! Checking an argument against its own schema, for the arguments that
//! travel in the URL.
//!
//! A JSON body keeps its types, and the handler's serde refuses what does
//! not fit, as on REST. A path segment or query value is text: `"1"` and
//! `1` render alike, so a call could reach a route with input its schema
//! forbids (and run a destructive handler on it). Such arguments are
//! checked here first, against the keywords a scalar schema uses: `type`,
//! `enum`, `const`, bounds, lengths, `pattern`, and `anyOf`/`oneOf`/`allOf`
//! of those. Rules are compiled once, at start-up.

use std::cmp::Ordering;
use std::fmt;

use regex_lite::Regex;
use serde_json::{Map, Number, Value};

use crate::schema::json::{MAX_DEPTH, resolve};

/// A JSON type as a schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonType {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "null" => JsonType::Null,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }

    fn admits(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::Null, Value::Null)
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::String, Value::String(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Object, Value::Object(_)) => true,
            // Integral floats within 2^53 were made integers before this.
            (JsonType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            _ => false,
        }
    }

    fn article(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "a boolean",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "a list",
            JsonType::Object => "an object",
        }
    }
}

/// One schema, compiled for checking.
#[derive(Debug, Default)]
pub(crate) struct Rule {
    types: Option<Vec<JsonType>>,
    one_of_values: Option<Vec<Value>>,
    constant: Option<Value>,
    minimum: Option<(Number, bool)>,
    maximum: Option<(Number, bool)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<(String, Option<Regex>)>,
    all_of: Vec<Rule>,
    any_of: Vec<Rule>,
    one_of: Vec<Rule>,
}

/// Why a value does not fit its schema.
#[derive(Debug, PartialEq)]
pub(crate) enum Mismatch {
    Type(Vec<JsonType>),
    NotListed(Vec<Value>),
    NotConst(Value),
    Below(Number, bool),
    Above(Number, bool),
    TooShort(u64),
    TooLong(u64),
    Pattern(String),
    NoAlternative,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Type(types) if types == &[JsonType::Null] => f.write_str("must be null"),
            Mismatch::Type(types) => {
                let names: Vec<&str> = types
                    .iter()
                    .filter(|t| **t != JsonType::Null)
                    .map(|t| t.article())
                    .collect();
                write!(f, "must be {}", names.join(" or "))?;
                if !types.contains(&JsonType::Null) {
                    f.write_str(" (not null)")?;
                }
                Ok(())
            }
            Mismatch::NotListed(values) => {
                let values: Vec<String> = values.iter().map(Value::to_string).collect();
                write!(f, "must be one of {}", values.join(", "))
            }
            Mismatch::NotConst(value) => write!(f, "must be {value}"),
            Mismatch::Below(bound, false) => write!(f, "must be at least {bound}"),
            Mismatch::Below(bound, true) => write!(f, "must be greater than {bound}"),
            Mismatch::Above(bound, false) => write!(f, "must be at most {bound}"),
            Mismatch::Above(bound, true) => write!(f, "must be less than {bound}"),
            Mismatch::TooShort(n) => write!(f, "must be at least {n} characters long"),
            Mismatch::TooLong(n) => write!(f, "must be at most {n} characters long"),
            Mismatch::Pattern(p) => write!(f, "must match the pattern `{p}`"),
            Mismatch::NoAlternative => f.write_str("fits none of the forms its schema allows"),
        }
    }
}

impl Rule {
    /// The rule of `schema` (its `$ref`s resolved in `defs`).
    pub(crate) fn compile(schema: &Value, defs: &Map<String, Value>) -> Rule {
        Rule::compile_within(schema, defs, 0)
    }

    fn compile_within(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Rule {
        if depth > MAX_DEPTH {
            return Rule::default();
        }
        let list = |key: &str| -> Vec<Rule> {
            schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|s| Rule::compile_within(s, defs, depth + 1))
                .collect()
        };
        let mut all_of = list("allOf");
        // A `$ref` applies beside the keywords next to it (a path segment's
        // constraints on a newtype's definition).
        if schema.get("$ref").is_some() {
            let target = resolve(schema, defs);
            if !std::ptr::eq(target, schema) {
                all_of.push(Rule::compile_within(target, defs, depth + 1));
            }
        }
        let bound = |key: &str, exclusive: &str| -> Option<(Number, bool)> {
            match (schema.get(exclusive), schema.get(key)) {
                (Some(Value::Number(n)), _) => Some((n.clone(), true)),
                (_, Some(Value::Number(n))) => Some((n.clone(), false)),
                _ => None,
            }
        };
        Rule {
            types: match schema.get("type") {
                Some(Value::String(t)) => JsonType::parse(t).map(|t| vec![t]),
                Some(Value::Array(ts)) => Some(
                    ts.iter()
                        .filter_map(Value::as_str)
                        .filter_map(JsonType::parse)
                        .collect(),
                ),
                _ => None,
            },
            one_of_values: schema.get("enum").and_then(Value::as_array).cloned(),
            constant: schema.get("const").cloned(),
            minimum: bound("minimum", "exclusiveMinimum"),
            maximum: bound("maximum", "exclusiveMaximum"),
            min_length: schema.get("minLength").and_then(Value::as_u64),
            max_length: schema.get("maxLength").and_then(Value::as_u64),
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .map(|p| (p.to_owned(), Regex::new(p).ok())),
            all_of,
            any_of: list("anyOf"),
            one_of: list("oneOf"),
        }
    }

    /// `Ok` when `value` fits, else the first reason it does not.
    pub(crate) fn check(&self, value: &Value) -> Result<(), Mismatch> {
        if let Some(types) = &self.types
            && !types.iter().any(|t| t.admits(value))
        {
            return Err(Mismatch::Type(types.clone()));
        }
        if let Some(values) = &self.one_of_values
            && !values.iter().any(|v| same(v, value))
        {
            return Err(Mismatch::NotListed(values.clone()));
        }
        if let Some(constant) = &self.constant
            && !same(constant, value)
        {
            return Err(Mismatch::NotConst(constant.clone()));
        }
        if let Value::Number(n) = value {
            if let Some((min, exclusive)) = &self.minimum {
                let order = compare(n, min);
                if order == Ordering::Less || (*exclusive && order == Ordering::Equal) {
                    return Err(Mismatch::Below(min.clone(), *exclusive));
                }
            }
            if let Some((max, exclusive)) = &self.maximum {
                let order = compare(n, max);
                if order == Ordering::Greater || (*exclusive && order == Ordering::Equal) {
                    return Err(Mismatch::Above(max.clone(), *exclusive));
                }
            }
        }
        if let Value::String(s) = value {
            let length = s.chars().count() as u64;
            if let Some(min) = self.min_length
                && length < min
            {
                return Err(Mismatch::TooShort(min));
            }
            if let Some(max) = self.max_length
                && length > max
            {
                return Err(Mismatch::TooLong(max));
            }
            // A pattern the regex engine cannot compile is not checked here
            // (the route's own matching still applies).
            if let Some((source, Some(regex))) = &self.pattern
                && !regex.is_match(s)
            {
                return Err(Mismatch::Pattern(source.clone()));
            }
        }
        for rule in &self.all_of {
            rule.check(value)?;
        }
        if !self.any_of.is_empty() && !self.any_of.iter().any(|r| r.check(value).is_ok()) {
            return Err(self.closest(&self.any_of, value));
        }
        if !self.one_of.is_empty()
            && self
                .one_of
                .iter()
                .filter(|r| r.check(value).is_ok())
                .count()
                != 1
        {
            return Err(self.closest(&self.one_of, value));
        }
        Ok(())
    }

    /// The reason to give when no alternative fits: the only one's, when
    /// there is one alternative besides `null`.
    fn closest(&self, alternatives: &[Rule], value: &Value) -> Mismatch {
        let others: Vec<&Rule> = alternatives
            .iter()
            .filter(|r| r.types.as_deref() != Some(&[JsonType::Null]))
            .collect();
        match others.as_slice() {
            [only] => match only.check(value) {
                Err(Mismatch::Type(mut types)) if others.len() < alternatives.len() => {
                    types.push(JsonType::Null);
                    Mismatch::Type(types)
                }
                Err(reason) => reason,
                Ok(()) => Mismatch::NoAlternative,
            },
            _ => Mismatch::NoAlternative,
        }
    }
}

/// JSON equality, with numbers compared by value (`1` and `1.0` alike).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare(x, y) == Ordering::Equal,
        _ => a == b,
    }
}

/// Numbers compared exactly when both are integers, else as floats.
fn compare(a: &Number, b: &Number) -> Ordering {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let (x, y) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(schema: Value) -> Rule {
        let defs = schema
            .get("$defs")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Rule::compile(&schema, &defs)
    }

    fn why(schema: Value, value: Value) -> String {
        rule(schema).check(&value).unwrap_err().to_string()
    }

    #[test]
    fn types_bounds_enums_lengths_and_patterns() {
        let u64_schema =
            json!({"type": "integer", "minimum": 0, "maximum": 18446744073709551615_u64});
        assert!(rule(u64_schema.clone()).check(&json!(1)).is_ok());
        assert_eq!(
            why(u64_schema.clone(), json!("1")),
            "must be an integer (not null)"
        );
        assert_eq!(why(u64_schema.clone(), json!(-1)), "must be at least 0");
        assert_eq!(
            why(u64_schema.clone(), json!(1.5)),
            "must be an integer (not null)"
        );
        assert_eq!(
            why(u64_schema, json!(18446744073709551616.0)),
            "must be an integer (not null)"
        );
        let small = json!({"type": "integer", "exclusiveMaximum": 10});
        assert_eq!(why(small, json!(10)), "must be less than 10");
        let colour = json!({"type": "string", "enum": ["red", "blue"]});
        assert_eq!(
            why(colour, json!("green")),
            r#"must be one of "red", "blue""#
        );
        let code = json!({"type": "string", "minLength": 1, "pattern": "^[a-z]+-[0-9]+$"});
        assert_eq!(
            why(code.clone(), json!("")),
            "must be at least 1 characters long"
        );
        assert_eq!(
            why(code.clone(), json!("AB-1")),
            "must match the pattern `^[a-z]+-[0-9]+$`"
        );
        assert!(rule(code).check(&json!("ab-12")).is_ok());
        assert!(rule(json!({"type": "number"})).check(&json!(1)).is_ok());
    }

    #[test]
    fn options_refs_and_alternatives() {
        let optional = json!({"type": ["boolean", "null"]});
        assert!(rule(optional.clone()).check(&Value::Null).is_ok());
        assert!(
            rule(json!({"type": "boolean"}))
                .check(&Value::Null)
                .is_err()
        );
        assert_eq!(
            why(json!({"type": "boolean"}), Value::Null),
            "must be a boolean (not null)"
        );
        let any_of = json!({
            "anyOf": [{"$ref": "#/$defs/Id"}, {"type": "null"}],
            "$defs": {"Id": {"type": "integer", "minimum": 1}}
        });
        assert!(rule(any_of.clone()).check(&Value::Null).is_ok());
        assert_eq!(why(any_of.clone(), json!(0)), "must be at least 1");
        assert_eq!(why(any_of, json!("x")), "must be an integer");
        let newtype = json!({
            "$ref": "#/$defs/ItemId", "minLength": 1, "pattern": "^[a-z]+$",
            "$defs": {"ItemId": {"type": "string"}}
        });
        assert_eq!(
            why(newtype.clone(), json!(7)),
            "must be a string (not null)"
        );
        assert_eq!(
            why(newtype, json!("")),
            "must be at least 1 characters long"
        );
        let unit_enum = json!({"oneOf": [{"const": "a"}, {"const": "b"}]});
        assert!(rule(unit_enum.clone()).check(&json!("a")).is_ok());
        assert_eq!(
            why(unit_enum, json!("c")),
            "fits none of the forms its schema allows"
        );
    }
}
