//! How a tool call's `arguments` object feeds `web::Path`, `web::Query`,
//! `web::Json` and `web::Form`.
//!
//! At start-up every argument extractor of a tool gets a [`Slot`]: which
//! argument names feed it and under which field names (see `schema` for the
//! naming rules); together they make the tool's [`Plan`]. A route tool's
//! call is turned into a REST request from that plan (`forward`). A
//! hand-written tool (no route) is fed directly: an [`ArgumentsView`]
//! presents exactly an extractor's arguments to serde as if they were its
//! own input, borrowing from the parsed request, so nothing is copied.
//! The same view explains a rejected REST request argument by argument.

use std::fmt;

use actix_web::web;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess};
use serde_json::{Map, Value};

use crate::schema::json::{def_name, resolve};

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
    /// The raw body (`web::Bytes`), base64 in the arguments.
    Bytes,
    /// A multipart form (`actix_multipart::Multipart`), its fields in one
    /// argument.
    Multipart,
}

impl Source {
    /// Suffix used when two sources declare the same field name.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Json => "json",
            Source::Form => "form",
            Source::Bytes => "bytes",
            Source::Multipart => "multipart",
        }
    }

    /// The request body: it keeps plain names in a collision.
    pub(crate) fn is_body(self) -> bool {
        matches!(
            self,
            Source::Json | Source::Form | Source::Bytes | Source::Multipart
        )
    }

    /// The argument that holds a value which is not an object with fields.
    pub(crate) fn whole_value_name(self) -> &'static str {
        match self {
            Source::Query => "query",
            Source::Path | Source::Json | Source::Form | Source::Bytes | Source::Multipart => {
                "body"
            }
        }
    }
}

impl<T> IsArgument for web::Either<web::Json<T>, web::Form<T>> {}

/// REST accepts either body; a tool call sends JSON.
impl<T: DeserializeOwned + JsonSchema> FromArguments for web::Either<web::Json<T>, web::Form<T>> {
    const SOURCE: Source = Source::Json;
    fn schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
    fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError> {
        view.deserialize::<T>()
            .map(|t| web::Either::Left(web::Json(t)))
    }
}

impl IsArgument for web::Bytes {}

/// A raw body (an upload): base64 in the tool's `body` argument (or a link
/// to one of the server's resources, read and put inline before the call),
/// the bytes themselves in the request (`Content-Type:
/// application/octet-stream`).
impl FromArguments for web::Bytes {
    const SOURCE: Source = Source::Bytes;
    fn schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "anyOf": [
                {
                    "type": "string",
                    "contentEncoding": "base64",
                    "contentMediaType": "application/octet-stream",
                    "description": "The request body (a file's content), base64-encoded."
                },
                {
                    "type": "object",
                    "properties": {
                        "uri": {"type": "string", "description": "A resource of this server whose contents are the body."}
                    },
                    "required": ["uri"],
                    "additionalProperties": false
                }
            ]
        })
    }
    fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError> {
        let text = view.deserialize::<String>()?;
        decode_base64(&text)
            .map(web::Bytes::from)
            .map_err(|e| ArgumentError::new(Source::Bytes.whole_value_name(), e))
    }
}

/// `text` as base64 (standard or URL-safe alphabet, padded or not).
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let trimmed = text.trim().trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .or_else(|_| STANDARD.decode(text.trim()))
        .map_err(|e| format!("not base64: {e}"))
}

/// The arguments of a prompt (or of a tool without a route), as one typed
/// value: each field of `T` is an argument, described by its doc comment.
///
/// ```
/// use mcp_runtime::{Arguments, mcp_prompt};
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Review {
///     /// The code to review.
///     code: String,
///     /// The language it is written in.
///     language: Option<String>,
/// }
///
/// /// Review a piece of code.
/// #[mcp_prompt]
/// async fn quick_review(args: Arguments<Review>) -> String {
///     let Review { code, language } = args.into_inner();
///     format!("Review this {} code:\n{code}", language.as_deref().unwrap_or("unknown"))
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arguments<T>(pub T);

impl<T> Arguments<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Arguments<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Arguments<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> IsArgument for Arguments<T> {}

impl<T: DeserializeOwned + JsonSchema> FromArguments for Arguments<T> {
    const SOURCE: Source = Source::Json;
    fn schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
    fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError> {
        view.deserialize::<T>().map(Arguments)
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
    /// A struct (or map): each field is an argument, possibly under another
    /// name.
    Fields {
        /// `(argument name, field name)` pairs.
        fields: Vec<(String, String)>,
    },
    /// The whole value is one argument (a scalar path segment, an array body).
    Whole(String),
    /// A tuple, one argument per element (path segments in template order).
    Tuple(Vec<String>),
}

/// One argument extractor of a tool: which handler parameter, where its
/// value comes from on REST, and how it reads the arguments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArgumentSlot {
    pub param: usize,
    pub source: Source,
    pub slot: Slot,
}

/// How a tool's arguments reach its extractors.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Plan {
    /// One entry per handler parameter; `None` for request extractors.
    pub slots: Vec<Option<ArgumentSlot>>,
    /// Required argument names, checked before anything runs so a client
    /// learns about every missing argument at once.
    pub required: Vec<String>,
    /// Every argument name some extractor reads, sorted.
    pub claimed: Vec<String>,
    /// The parameter that also receives the arguments nobody claims: the
    /// body if it is a struct or map, else the query. There serde decides,
    /// as on REST: a map keeps them, a struct ignores them, a struct with
    /// `#[serde(deny_unknown_fields)]` refuses them. Without one, unknown
    /// arguments are refused (the schema says `additionalProperties: false`).
    pub overflow: Option<usize>,
}

impl Plan {
    /// The first argument no extractor reads, when nothing takes them.
    pub(crate) fn unknown<'a>(&self, args: &'a Map<String, Value>) -> Option<&'a str> {
        if self.overflow.is_some() {
            return None;
        }
        args.keys().map(String::as_str).find(|k| {
            self.claimed
                .binary_search_by(|c| c.as_str().cmp(k))
                .is_err()
        })
    }

    /// Every required argument that is absent.
    pub(crate) fn missing<'a>(&'a self, args: &Map<String, Value>) -> Vec<&'a str> {
        self.required
            .iter()
            .map(String::as_str)
            .filter(|name| !args.contains_key(*name))
            .collect()
    }
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
    /// An error about argument `field` (`""` when no argument is at fault).
    pub(crate) fn new(field: &str, message: impl Into<String>) -> Self {
        ArgumentError {
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: message.into(),
        }
    }

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
    /// The claimed names, when this extractor also takes unclaimed arguments.
    overflow: Option<&'a [String]>,
}

impl<'a> ArgumentsView<'a> {
    pub(crate) fn new(
        args: &'a Map<String, Value>,
        slot: &'a Slot,
        overflow: Option<&'a [String]>,
    ) -> Self {
        ArgumentsView {
            args,
            slot,
            overflow,
        }
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
            Slot::Fields { fields } => serde_path_to_error::deserialize(self).map_err(|e| {
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
            Slot::Fields { fields } => {
                let rest = self.overflow.map(|claimed| {
                    self.args
                        .iter()
                        .filter(move |(k, _)| claimed.binary_search(k).is_err())
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

/// How far arguments are brought to their schema's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coercion {
    /// Python clients send `1.0` for an integer: wherever the input schema
    /// says `integer`, an integral float becomes that integer (when it fits
    /// an `i64`/`u64`).
    IntegralFloats,
    /// Also strings, which is all prompt arguments can be on the wire:
    /// `"5"` for an integer or number, `"true"` for a boolean.
    FromStrings,
}

/// Brings arguments to their schema's types as `how` allows; everything
/// else is left for the extractor to judge.
pub(crate) fn coerce(args: &mut Map<String, Value>, schema: &Map<String, Value>, how: Coercion) {
    // Only a float can become an integer: most calls have none, and finding
    // that out costs a walk of the arguments, not of the schema beside them.
    if how == Coercion::IntegralFloats && !args.values().any(|v| has_float(v, 0)) {
        return;
    }
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let cx = Coerce { defs, how };
    // The root, through its `$ref` if it has one (without copying it into
    // a `Value` to resolve it: this runs on every call).
    let target = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(def_name)
        .and_then(|name| defs.get(name.as_ref()));
    match target {
        Some(target) => cx.fields(args, target, 0),
        None => cx.object_fields(args, schema, 0),
    }
}

/// The largest integer a float holds exactly with every integer below it
/// (2^53, JavaScript's `Number.MAX_SAFE_INTEGER` + 1).
const MAX_SAFE: f64 = 9_007_199_254_740_992.0;

/// Deeper than this, values are left alone (and the extractor's own limits
/// apply): the walk must not be a way to exhaust the stack.
const COERCE_DEPTH: usize = 32;

struct Coerce<'a> {
    defs: &'a Map<String, Value>,
    how: Coercion,
}

impl Coerce<'_> {
    fn fields(&self, map: &mut Map<String, Value>, schema: &Value, depth: usize) {
        if let Some(schema) = resolve(schema, self.defs).as_object() {
            self.object_fields(map, schema, depth);
        }
    }

    fn object_fields(
        &self,
        map: &mut Map<String, Value>,
        schema: &Map<String, Value>,
        depth: usize,
    ) {
        let props = schema.get("properties").and_then(Value::as_object);
        let rest = schema.get("additionalProperties").filter(|a| a.is_object());
        for (name, value) in map.iter_mut() {
            if let Some(field) = props.and_then(|p| p.get(name)).or(rest) {
                self.value(value, field, depth + 1);
            }
        }
    }

    fn value(&self, value: &mut Value, schema: &Value, depth: usize) {
        if depth > COERCE_DEPTH {
            return;
        }
        let schema = resolve(schema, self.defs);
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
                for alternative in alternatives {
                    self.value(value, alternative, depth + 1);
                }
            }
        }
        match value {
            Value::Number(n) if n.is_f64() && allows(schema, "integer") => {
                // Only a float that is certainly the integer the client
                // wrote: beyond 2^53 a float stands for many integers (and
                // JSON integers past `u64`/`i64` arrive as floats), so it is
                // left for the schema check and the extractor to refuse, as
                // REST refuses it.
                if let Some(f) = n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SAFE)
                {
                    *value = if f >= 0.0 {
                        Value::from(f as u64)
                    } else {
                        Value::from(f as i64)
                    };
                }
            }
            Value::String(s) if self.how == Coercion::FromStrings && !allows(schema, "string") => {
                let parsed = if allows(schema, "integer") || allows(schema, "number") {
                    serde_json::from_str::<serde_json::Number>(s.trim())
                        .ok()
                        .map(Value::Number)
                } else if allows(schema, "boolean") {
                    s.trim().parse::<bool>().ok().map(Value::Bool)
                } else {
                    None
                };
                if let Some(parsed) = parsed {
                    *value = parsed;
                    self.value(value, schema, depth + 1);
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    items
                        .iter_mut()
                        .for_each(|v| self.value(v, item, depth + 1));
                }
            }
            Value::Object(map) => self.fields(map, schema, depth),
            _ => {}
        }
    }
}

/// Whether `value` holds a float (one beyond the walk's depth counts, so it
/// is looked at as before).
fn has_float(value: &Value, depth: usize) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        _ if depth > COERCE_DEPTH => true,
        Value::Array(items) => items.iter().any(|v| has_float(v, depth + 1)),
        Value::Object(map) => map.values().any(|v| has_float(v, depth + 1)),
        _ => false,
    }
}

fn allows(schema: &Value, ty: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
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
        };
        let q: Q = ArgumentsView::new(&a, &slot, None).deserialize().unwrap();
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
        };
        let err = ArgumentsView::new(&a, &slot, None)
            .deserialize::<Q>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id__query"));
        assert!(err.message.contains("expected u64"), "{err}");
        assert!(err.to_string().starts_with("invalid argument `id__query`"));

        let a = args(json!({"id__query": 1, "tags": ["a", 3]}));
        let err = ArgumentsView::new(&a, &slot, None)
            .deserialize::<Q>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tags[1]"));
    }

    #[test]
    fn tuples_and_scalars_read_named_arguments() {
        let a = args(json!({"org": "acme", "id": 9}));
        let slot = Slot::Tuple(vec!["org".into(), "id".into()]);
        let v: (String, u32) = ArgumentsView::new(&a, &slot, None).deserialize().unwrap();
        assert_eq!(v, ("acme".into(), 9));

        let bad = args(json!({"org": "acme", "id": -1}));
        let err = ArgumentsView::new(&bad, &slot, None)
            .deserialize::<(String, u32)>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));

        let slot = Slot::Whole("id".into());
        let v: u32 = ArgumentsView::new(&a, &slot, None).deserialize().unwrap();
        assert_eq!(v, 9);
        let err = ArgumentsView::new(&a, &Slot::Whole("org".into()), None)
            .deserialize::<u32>()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("org"));
    }

    #[test]
    fn rest_passes_unclaimed_arguments_to_maps() {
        let a = args(json!({"id": 1, "x": "1", "y": "2"}));
        let slot = Slot::Fields { fields: vec![] };
        let claimed = ["id".to_owned()];
        let m: std::collections::BTreeMap<String, String> =
            ArgumentsView::new(&a, &slot, Some(&claimed))
                .deserialize()
                .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["y"], "2");
    }

    #[test]
    fn integral_floats_become_integers_where_the_schema_says_integer() {
        let schema = json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "ratio": {"type": "number"},
                "maybe": {"type": ["integer", "null"]},
                "ids": {"type": "array", "items": {"type": "integer"}},
                "node": {"$ref": "#/$defs/Node"}
            },
            "$defs": {"Node": {"type": "object", "properties": {"n": {"type": "integer"}}}}
        });
        let mut a = args(json!({
            "id": 1.0, "ratio": 2.0, "maybe": 3.0, "ids": [4.0, 5.5], "node": {"n": 6.0},
            "big": 1e300, "neg": -7.0
        }));
        coerce(
            &mut a,
            schema.as_object().unwrap(),
            Coercion::IntegralFloats,
        );
        assert_eq!(
            Value::Object(a),
            json!({
                "id": 1, "ratio": 2.0, "maybe": 3, "ids": [4, 5.5], "node": {"n": 6},
                "big": 1e300, "neg": -7.0
            })
        );
        let mut a = args(json!({"x": 1e30}));
        let schema = json!({"properties": {"x": {"type": "integer"}}});
        coerce(
            &mut a,
            schema.as_object().unwrap(),
            Coercion::IntegralFloats,
        );
        assert_eq!(
            a["x"],
            json!(1e30),
            "does not fit: left for serde to refuse"
        );
        // JSON integers just past u64/i64 arrive as floats, which saturating
        // casts would turn into u64::MAX and i64::MIN: left as they are.
        for text in [
            "18446744073709551616",
            "-9223372036854775809",
            "9007199254740994.0",
        ] {
            let mut a: Map<String, Value> =
                serde_json::from_str(&format!(r#"{{"x": {text}}}"#)).unwrap();
            coerce(
                &mut a,
                schema.as_object().unwrap(),
                Coercion::IntegralFloats,
            );
            assert!(a["x"].is_f64(), "{text} stays a float: {}", a["x"]);
        }
        let mut a = args(json!({"x": 9007199254740992.0}));
        coerce(
            &mut a,
            schema.as_object().unwrap(),
            Coercion::IntegralFloats,
        );
        assert_eq!(a["x"], json!(9007199254740992_u64), "2^53 is exact");
    }

    #[test]
    fn prompt_strings_become_their_schema_types() {
        let schema = json!({
            "properties": {
                "n": {"type": "integer"},
                "x": {"type": ["number", "null"]},
                "on": {"type": "boolean"},
                "s": {"type": "string"},
                "either": {"type": ["string", "integer"]}
            }
        });
        let mut a = args(json!({
            "n": "5", "x": " 2.5 ", "on": "true", "s": "7", "either": "8", "bad": "z"
        }));
        coerce(&mut a, schema.as_object().unwrap(), Coercion::FromStrings);
        assert_eq!(
            Value::Object(a),
            json!({"n": 5, "x": 2.5, "on": true, "s": "7", "either": "8", "bad": "z"})
        );
        let mut a = args(json!({"n": "five"}));
        coerce(&mut a, schema.as_object().unwrap(), Coercion::FromStrings);
        assert_eq!(a["n"], json!("five"), "left for serde to refuse");
        let mut a = args(json!({"n": "5"}));
        coerce(
            &mut a,
            schema.as_object().unwrap(),
            Coercion::IntegralFloats,
        );
        assert_eq!(a["n"], json!("5"), "tool arguments keep their types");
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
        let c: Color = ArgumentsView::new(&a, &slot, None).deserialize().unwrap();
        assert_eq!(c, Color::Red);
        let none: Option<u8> = ArgumentsView::new(&a, &Slot::Whole("missing".into()), None)
            .deserialize()
            .unwrap();
        assert_eq!(none, None);
    }
}
