//! The parameters of every request and notification the server reads, in
//! one place: each handler receives its own type, decoded by the dispatcher
//! (which answers `-32602` when they do not decode).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rmcp::model::{ProgressToken, RequestId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::log::LogLevel;

/// `tools/call`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CallToolParams {
    pub name: String,
    #[serde(default)]
    pub arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta", default)]
    pub meta: Option<RequestMeta>,
}

/// `tools/call` or `prompts/get` read for the item's name only (the rest
/// is skipped, not built).
#[derive(Deserialize)]
pub(crate) struct Named<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

/// The `_meta` of a request, as far as the server reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestMeta {
    pub progress_token: Option<ProgressToken>,
}

/// `prompts/get`.
#[derive(Deserialize)]
pub(crate) struct GetPromptParams {
    pub name: String,
    #[serde(default)]
    pub arguments: Option<Map<String, Value>>,
}

/// `resources/read`, `resources/subscribe`, `resources/unsubscribe`.
#[derive(Deserialize)]
pub(crate) struct UriParams {
    pub uri: String,
}

/// `completion/complete`.
#[derive(Deserialize)]
pub(crate) struct CompleteParams {
    #[serde(rename = "ref")]
    pub reference: Reference,
    pub argument: ArgumentValue,
    #[serde(default)]
    pub context: Option<CompletionContext>,
}

/// What a completion is for.
#[derive(Deserialize)]
#[serde(tag = "type")]
pub(crate) enum Reference {
    #[serde(rename = "ref/prompt")]
    Prompt { name: String },
    #[serde(rename = "ref/resource")]
    Resource { uri: String },
}

/// The argument being completed, and what the user typed.
#[derive(Deserialize)]
pub(crate) struct ArgumentValue {
    pub name: String,
    pub value: String,
}

/// The values of the other arguments, already chosen.
#[derive(Deserialize)]
pub(crate) struct CompletionContext {
    #[serde(default)]
    pub arguments: BTreeMap<String, String>,
}

/// `logging/setLevel`.
#[derive(Deserialize)]
pub(crate) struct SetLevelParams {
    pub level: LogLevel,
}

/// `tasks/get`, `tasks/update` and `tasks/cancel` (the tasks extension).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaskIdParams {
    pub task_id: String,
}

/// `tasks/update`: answers to a task's questions, by key.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateTaskParams {
    pub task_id: String,
    #[serde(default)]
    pub input_responses: serde_json::Map<String, serde_json::Value>,
}

/// `tools/list` and the other lists.
#[derive(Deserialize)]
pub(crate) struct ListParams {
    pub cursor: Option<String>,
}

/// `subscriptions/listen` (2026-07-28).
#[derive(Deserialize)]
pub(crate) struct ListenParams {
    pub notifications: SubscriptionFilter,
}

/// Which notifications a `subscriptions/listen` stream carries (the spec's
/// `SubscriptionFilter`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionFilter {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tools_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prompts_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resources_list_changed: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_subscriptions: Vec<String>,
}

/// `notifications/cancelled`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelledParams {
    pub request_id: RequestId,
}
