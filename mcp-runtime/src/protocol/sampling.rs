//! [`Sample`] and [`Sampled`]: a completion asked of the client's model
//! (`sampling/createMessage`), in the shapes handlers need, so they do not
//! depend on protocol model types (rmcp marks its sampling types deprecated,
//! since the 2026-07-28 revision deprecates sampling; handshake-era clients
//! still offer it).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A completion to ask of the client's model, for
/// [`McpContext::sample`](crate::McpContext::sample).
///
/// ```
/// use mcp_runtime::Sample;
/// let ask = Sample::user("Summarize this ticket: …")
///     .system("You are terse.")
///     .max_tokens(200);
/// ```
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct Sample {
    messages: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_prompt: Option<String>,
    max_tokens: u32,
    /// Kept as the `f64` of the `f32`'s shortest decimal: widened bit for
    /// bit, `0.2f32` would go out as `0.20000000298023224` wherever the
    /// request passes through a `serde_json::Value` (stateless and task
    /// input requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
}

impl Sample {
    /// A conversation starting with the user's `text` (at most 1024 tokens
    /// back, unless [`max_tokens`](Self::max_tokens) says otherwise).
    pub fn user(text: impl Into<String>) -> Self {
        Sample {
            messages: Vec::new(),
            system_prompt: None,
            max_tokens: 1024,
            temperature: None,
        }
        .then_user(text)
    }

    fn message(mut self, role: &str, text: String) -> Self {
        self.messages
            .push(json!({"role": role, "content": {"type": "text", "text": text}}));
        self
    }

    /// Adds a user message.
    pub fn then_user(self, text: impl Into<String>) -> Self {
        self.message("user", text.into())
    }

    /// Adds an assistant message (a prior answer).
    pub fn then_assistant(self, text: impl Into<String>) -> Self {
        self.message("assistant", text.into())
    }

    /// The system prompt.
    pub fn system(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// The most tokens to generate.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// The sampling temperature, sent as written (`0.2` goes out as `0.2`).
    pub fn temperature(mut self, t: f32) -> Self {
        self.temperature = Some(shortest(t));
        self
    }
}

/// `t` as the `f64` of its shortest decimal (`0.2f32` → `0.2`), where
/// `f64::from` would give `0.20000000298023224`.
pub(crate) fn shortest(t: f32) -> f64 {
    // `f32`'s `Display` is its shortest round-tripping decimal.
    t.to_string().parse().unwrap_or(f64::from(t))
}

/// The client model's answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Sampled {
    /// The model that answered.
    pub model: String,
    /// Why generation stopped (`endTurn`, `maxTokens`, …), if said.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The answer's role (`assistant`).
    pub role: String,
    /// The answer's content: a content block (`{"type": "text", …}`) or a
    /// list of them.
    pub content: Value,
}

impl Sampled {
    /// The answer's text: its text blocks, joined.
    pub fn text(&self) -> String {
        let blocks = match &self.content {
            Value::Array(blocks) => blocks.iter().collect(),
            block => vec![block],
        };
        blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_answers_have_the_protocols_shape() {
        let ask = Sample::user("hi")
            .then_assistant("hello")
            .system("s")
            .max_tokens(9)
            .temperature(0.2);
        assert_eq!(
            serde_json::to_value(&ask).unwrap(),
            json!({
                "messages": [
                    {"role": "user", "content": {"type": "text", "text": "hi"}},
                    {"role": "assistant", "content": {"type": "text", "text": "hello"}}
                ],
                "systemPrompt": "s",
                "maxTokens": 9,
                "temperature": 0.2
            })
        );
        let answer: Sampled = serde_json::from_value(json!({
            "model": "m", "role": "assistant", "stopReason": "endTurn",
            "content": [{"type": "text", "text": "a"}, {"type": "image", "data": "", "mimeType": "x"},
                        {"type": "text", "text": "b"}]
        }))
        .unwrap();
        assert_eq!(answer.text(), "a\nb");
        assert_eq!(answer.stop_reason.as_deref(), Some("endTurn"));
    }
}
