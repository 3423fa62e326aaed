//! Multipart forms (feature `multipart`): an `actix_multipart::Multipart`
//! handler is a tool whose arguments are the form's fields — text, or a
//! file as `{filename, contentType, content}` with the content in base64 —
//! sent as `multipart/form-data`, as a browser would.

use std::fmt::Write as _;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use schemars::{Schema, SchemaGenerator};
use serde_json::Value;

use crate::handler::arguments::{
    ArgumentError, ArgumentsView, FromArguments, IsArgument, Source, decode_base64,
};

impl IsArgument for actix_multipart::Multipart {}

impl FromArguments for actix_multipart::Multipart {
    const SOURCE: Source = Source::Multipart;

    fn schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "The form's fields, by name: a text value, or a file.",
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "description": "A text field."},
                    {
                        "type": "object",
                        "description": "A file: `content` (base64) or `uri`.",
                        "properties": {
                            "filename": {"type": "string", "description": "Default: the field's name."},
                            "contentType": {"type": "string", "description": "Default: application/octet-stream."},
                            "content": {"type": "string", "contentEncoding": "base64", "description": "The file's bytes, base64-encoded."},
                            "uri": {"type": "string", "description": "Instead of `content`: a resource of this server whose contents are the file."}
                        },
                        "additionalProperties": false
                    }
                ]
            }
        })
    }

    fn from_arguments(view: ArgumentsView<'_>) -> Result<Self, ArgumentError> {
        let form = view.deserialize::<Value>()?;
        let (content_type, body) = encode(&form).map_err(|e| ArgumentError::new("", e))?;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type);
        let stream = futures_util::stream::once(async move { Ok(Bytes::from(body)) });
        Ok(actix_multipart::Multipart::new(&headers, stream))
    }
}

/// The `multipart/form-data` body for `form`, and its `Content-Type`.
pub(crate) fn encode(form: &Value) -> Result<(HeaderValue, Vec<u8>), String> {
    let Some(fields) = form.as_object() else {
        return Err("expected an object of form fields".to_owned());
    };
    let boundary = boundary();
    let mut body = Vec::new();
    for (name, value) in fields {
        let name = quoted(name)?;
        let mut head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"");
        let content = match value {
            Value::String(text) => {
                head.push_str("\r\n\r\n");
                text.as_bytes().to_vec()
            }
            Value::Object(file) => {
                let text = |key: &str| file.get(key).and_then(Value::as_str);
                // A file part always names a file (a browser's does).
                let filename = text("filename").unwrap_or(&name);
                let _ = write!(head, "; filename=\"{}\"", quoted(filename)?);
                let content_type = text("contentType").unwrap_or("application/octet-stream");
                if content_type.contains(['\r', '\n']) {
                    return Err(format!("field `{name}`: a content type is one line"));
                }
                let _ = write!(head, "\r\nContent-Type: {content_type}\r\n\r\n");
                let Some(content) = text("content") else {
                    return Err(format!(
                        "field `{name}`: a file needs `content` (base64) or `uri` (a resource)"
                    ));
                };
                decode_base64(content).map_err(|e| format!("field `{name}`: {e}"))?
            }
            _ => {
                return Err(format!(
                    "field `{name}`: expected text or a file {{filename, contentType, content}}"
                ));
            }
        };
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
        .map_err(|e| e.to_string())?;
    Ok((content_type, body))
}

/// A field name or file name inside a quoted header parameter.
fn quoted(text: &str) -> Result<String, String> {
    if text.contains(['\r', '\n']) {
        return Err(format!("{text:?}: names are one line"));
    }
    Ok(text.replace('"', "%22"))
}

/// A boundary no content is likely to contain.
fn boundary() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    let mut out = String::from("mcp-runtime-");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_and_files_become_parts() {
        let (content_type, body) = encode(&json!({
            "note": "hi",
            "doc": {"filename": "a.txt", "contentType": "text/plain", "content": "eA=="}
        }))
        .unwrap();
        let content_type = content_type.to_str().unwrap();
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("Content-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"));
        assert!(
            body.contains(
                "name=\"doc\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nx\r\n"
            )
        );
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
        assert!(encode(&json!({"f": 3})).is_err());
        assert!(encode(&json!({"f": {"filename": "x"}})).is_err());
        assert!(encode(&json!({"a\r\nb": "x"})).is_err());
    }
}
