//! Rebuilding `web::Path`, `web::Query`, `web::Json` and `web::Form` from a
//! tool call's `arguments` object.
//!
//! At start-up every argument extractor of a tool gets a [`Slot`]: which
//! argument names feed it and under which field names (see `schema` for the
//! naming rules). At call time an [`ArgumentsView`] presents exactly those
//! arguments to serde as if they were the extractor's own input, borrowing
//! from the parsed request, so nothing is copied or re-encoded.

use std::fmt;

use actix_web::web;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess};
use serde_json::{Map, Value};

/// Stands in for an absent argument, so serde reports "missing" or accepts `None`.
static NULL: Value = Value::Null;

/// Where an argument extractor's value comes from on the REST side. It decides
/// how the extractor's fields are named in the merged input schema.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Path,
    Query,
    Json,
    Form,
}

impl Source {
    /// Suffix used when two sources declare the same field name.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Json => "json",
            Source::Form => "form",
        }
    }

    /// The request body: it keeps plain names in a collision.
    pub(crate) fn is_body(self) -> bool {
        matches!(self, Source::Json | Source::Form)
    }

    /// The argument that holds a value which is not an object with fields.
    pub(crate) fn whole_value_name(self) -> &'static str {
        match self {
            Source::Query => "query",
            Source::Path | Source::Json | Source::Form => "body",
        }
    }
}

/// Marks the extractors whose value comes from the tool's arguments.
///
/// Implemented without bounds so that choosing the class of a parameter
/// depends on the extractor alone: a `web::Json<T>` whose `T` lacks
/// `JsonSchema` is reported as such, instead of silently being treated as a
/// request extractor.
#[doc(hidden)]
pub trait IsArgument {}

/// An extractor rebuilt from MCP tool arguments.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from MCP tool arguments",
    note = "the value inside `web::Path`, `web::Query`, `web::Json` and `web::Form` must implement `serde::Deserialize` and `schemars::JsonSchema`"
)]
pub trait FromArguments: Sized {
    const SOURCE: Source;
    /// The JSON Schema of the extracted value.
    fn schema(generator: &mut SchemaGenerator) -> Schema;
    fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError>;
}

macro_rules! argument_extractor {
    ($($ty:ident => $source:ident, $wrap:expr;)*) => {$(
        impl<T> IsArgument for web::$ty<T> {}

        impl<T: DeserializeOwned + JsonSchema> FromArguments for web::$ty<T> {
            const SOURCE: Source = Source::$source;
            fn schema(generator: &mut SchemaGenerator) -> Schema {
                generator.subschema_for::<T>()
            }
            fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError> {
                view.deserialize::<T>().map($wrap)
            }
        }
    )*};
}

argument_extractor! {
    Path => Path, web::Path::from;
    Query => Query, web::Query;
    Json => Json, web::Json;
    Form => Form, web::Form;
}

/// How one argument extractor reads the arguments object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    /// A struct: each field is an argument, possibly under another name.
    Fields {
        /// `(argument name, field name)` pairs.
        fields: Vec<(String, String)>,
        /// For maps and `#[serde(flatten)]`: also pass every argument that no
        /// other extractor claims; the list holds the claimed names.
        rest: Option<Vec<String>>,
    },
    /// The whole value is one argument (a scalar path segment, an array body).
    Whole(String),
    /// A tuple, one argument per element (path segments in template order).
    Tuple(Vec<String>),
}

/// Arguments that failed to deserialize, named the way the client sent them.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgumentError {
    /// The argument at fault (with a path into it, e.g. `item.tags[0]`), if known.
    pub field: Option<String>,
    /// What is wrong, in serde's words.
    pub message: String,
}

impl ArgumentError {
    pub(crate) fn missing(names: Vec<&str>) -> Self {
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        ArgumentError {
            field: names.first().map(|n| n.to_string()),
            message: format!(
                "missing required argument{} {list}",
                if names.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) if !self.message.contains(&format!("`{field}`")) => {
                write!(f, "invalid argument `{field}`: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ArgumentError {}

/// The part of a call's arguments that belongs to one extractor.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ArgumentsView<'a> {
    args: &'a Map<String, Value>,
    slot: &'a Slot,
}

impl<'a> ArgumentsView<'a> {
    pub(crate) fn new(args: &'a Map<String, Value>, slot: &'a Slot) -> Self {
        ArgumentsView { args, slot }
    }

    /// Deserializes the view into `T`, naming the offending argument on error.
    pub fn deserialize<T: DeserializeOwned>(self) -> Result<T, ArgumentError> {
        match self.slot {
            Slot::Whole(name) => {
                let value = self.args.get(name).unwrap_or(&NULL);
                serde_path_to_error::deserialize(value).map_err(|e| {
                    path_error(e, |path| {
                        Some(match path {
                            None => name.clone(),
                            Some(p) if p.starts_with('[') => format!("{name}{p}"),
                            Some(p) => format!("{name}.{p}"),
                        })
                    })
                })
            }
            Slot::Tuple(names) => serde_path_to_error::deserialize(self).map_err(|e| {
                path_error(e, |path| {
                    let first = path?;
                    Some(match first.strip_prefix('[') {
                        Some(rest) => {
                            let (index, tail) = rest.split_once(']').unwrap_or((rest, ""));
                            let name = index
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| names.get(i))
                                .map_or(index, String::as_str);
                            format!("{name}{tail}")
                        }
                        None => first.to_owned(),
                    })
                })
            }),
            Slot::Fields { fields, .. } => serde_path_to_error::deserialize(self).map_err(|e| {
                path_error(e, |path| {
                    let first = path?;
                    let (head, tail) = first
                        .find(['[', '.'])
                        .map_or((first, ""), |i| first.split_at(i));
                    let external = fields
                        .iter()
                        .find(|(_, internal)| internal == head)
                        .map_or(head, |(external, _)| external.as_str());
                    Some(format!("{external}{tail}"))
                })
            }),
        }
    }
}

/// Turns serde's error into an [`ArgumentError`], with `rename` mapping the
/// path as serde saw it (field names; `None` at the root) back to argument names.
fn path_error(
    e: serde_path_to_error::Error<serde_json::Error>,
    rename: impl FnOnce(Option<&str>) -> Option<String>,
) -> ArgumentError {
    let path = e.path().to_string();
    let field = rename((path != ".").then_some(path.as_str()));
    ArgumentError {
        field,
        message: e.into_inner().to_string(),
    }
}

impl<'de> de::Deserializer<'de> for ArgumentsView<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.slot {
            Slot::Whole(name) => self
                .args
                .get(name)
                .unwrap_or(&NULL)
                .deserialize_any(visitor),
            Slot::Tuple(names) => visitor.visit_seq(TupleAccess {
                args: self.args,
                names: names.iter(),
            }),
            Slot::Fields { fields, rest } => {
                let rest = rest.as_deref().map(|claimed| {
                    self.args
                        .iter()
                        .filter(move |(k, _)| !claimed.iter().any(|c| c == *k))
                });
                visitor.visit_map(FieldsAccess {
                    args: self.args,
                    fields: fields.iter(),
                    rest,
                    value: None,
                })
            }
        }
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.slot {
            Slot::Whole(name) => self
                .args
                .get(name)
                .unwrap_or(&NULL)
                .deserialize_option(visitor),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.slot {
            Slot::Whole(arg) => self
                .args
                .get(arg)
                .unwrap_or(&NULL)
                .deserialize_enum(name, variants, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

struct TupleAccess<'a, I> {
    args: &'a Map<String, Value>,
    names: I,
}

impl<'de, I: Iterator<Item = &'de String>> SeqAccess<'de> for TupleAccess<'de, I> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        match self.names.next() {
            Some(name) => seed
                .deserialize(self.args.get(name).unwrap_or(&NULL))
                .map(Some),
            None => Ok(None),
        }
    }
}

struct FieldsAccess<'a, F, R> {
    args: &'a Map<String, Value>,
    fields: F,
    rest: Option<R>,
    value: Option<&'a Value>,
}

impl<'de, F, R> MapAccess<'de> for FieldsAccess<'de, F, R>
where
    F: Iterator<Item = &'de (String, String)>,
    R: Iterator<Item = (&'de String, &'de Value)>,
{
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        for (external, internal) in self.fields.by_ref() {
            if let Some(value) = self.args.get(external) {
                self.value = Some(value);
                return seed
                    .deserialize(internal.as_str().into_deserializer())
                    .map(Some);
            }
        }
        match self.rest.as_mut().and_then(Iterator::next) {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Q {
        id: u64,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn fields_are_renamed_back_and_others_ignored() {
        let a = args(json!({"id__query": 5, "id": "path-one", "tags": ["a"]}));
        let slot = Slot::Fields {
            fields: vec![
                ("id__query".into(), "id".into()),
                ("tags".into(), "tags".into()),
            ],
            rest: None,
        };
        let q: Q = ArgumentsView::new(&a, &slot).deserialize().unwrap();
        assert_eq!(
            q,
            Q {
                id: 5,
                tags: Some(vec!["a".into()])
            }
        );
    }

    #[test]
    fn errors_name_the_argument_as_sent() {
        let a = args(json!({"id__query": "five", "tags": ["a", 3]}));
        let slot = Slot::Fields {
            fields: vec![
                ("id__query".into(), "id".into()),
                ("tags".into(), "tags".into()),
            ],
            rest: None,
        };
        let err = ArgumentsView::new(&a, &slot)
            .deserialize::<Q>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id__query"));
        assert!(err.message.contains("expected u64"), "{err}");
        assert!(err.to_string().starts_with("invalid argument `id__query`"));

        let a = args(json!({"id__query": 1, "tags": ["a", 3]}));
        let err = ArgumentsView::new(&a, &slot)
            .deserialize::<Q>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tags[1]"));
    }

    #[test]
    fn tuples_and_scalars_read_named_arguments() {
        let a = args(json!({"org": "acme", "id": 9}));
        let slot = Slot::Tuple(vec!["org".into(), "id".into()]);
        let v: (String, u32) = ArgumentsView::new(&a, &slot).deserialize().unwrap();
        assert_eq!(v, ("acme".into(), 9));

        let bad = args(json!({"org": "acme", "id": -1}));
        let err = ArgumentsView::new(&bad, &slot)
            .deserialize::<(String, u32)>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));

        let slot = Slot::Whole("id".into());
        let v: u32 = ArgumentsView::new(&a, &slot).deserialize().unwrap();
        assert_eq!(v, 9);
        let err = ArgumentsView::new(&a, &Slot::Whole("org".into()))
            .deserialize::<u32>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("org"));
    }

    #[test]
    fn rest_passes_unclaimed_arguments_to_maps() {
        let a = args(json!({"id": 1, "x": "1", "y": "2"}));
        let slot = Slot::Fields {
            fields: vec![],
            rest: Some(vec!["id".into()]),
        };
        let m: std::collections::BTreeMap<String, String> =
            ArgumentsView::new(&a, &slot).deserialize().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["y"], "2");
    }

    #[test]
    fn options_and_enums_in_whole_values() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "lowercase")]
        enum Color {
            Red,
        }
        let a = args(json!({"body": "red"}));
        let slot = Slot::Whole("body".into());
        let c: Color = ArgumentsView::new(&a, &slot).deserialize().unwrap();
        assert_eq!(c, Color::Red);
        let none: Option<u8> = ArgumentsView::new(&a, &Slot::Whole("missing".into()))
            .deserialize()
            .unwrap();
        assert_eq!(none, None);
    }
}
