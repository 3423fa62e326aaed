//! `subscriptions/listen` (2026-07-28): the stateless revision's stream of
//! list-change and resource-update notifications.

use std::sync::Arc;

use rmcp::model::{ErrorData, RequestId};
use serde_json::json;

use crate::call::server::{Exchange, Outcome, Server};
use crate::policy::client;
use crate::protocol::codes;
use crate::protocol::jsonrpc;
use crate::protocol::method::ServerMethod;
use crate::protocol::params::{ListenParams, SubscriptionFilter};
use crate::state::subscriptions::{NoListener, SUBSCRIPTION_ID};

/// `subscriptions/listen` (2026-07-28): acknowledges with the notifications
/// this server will send, then relays them, tagged with the request's id,
/// until the client closes the stream.
pub(crate) async fn listen(
    d: &Server,
    id: &RequestId,
    ListenParams { notifications }: ListenParams,
    x: &Exchange,
) -> Outcome {
    if !x.outbound.is_open() {
        let e = ErrorData::invalid_request(
            "`subscriptions/listen` answers with a stream: accept `text/event-stream`",
            None,
        );
        return Outcome::refused(id, &e);
    }
    // Each update notice says what changed: as protected as a read.
    for uri in &notifications.resource_subscriptions {
        let access = d.catalog.resource_for(uri).map(|(r, _)| r.def.access());
        if let Some(access) = access.filter(|a| a.auth)
            && let Err(challenge) = d.authenticate(id, x, access).await
        {
            return challenge;
        }
    }
    let has = d.catalog.has_items();
    let honored = SubscriptionFilter {
        tools_list_changed: notifications.tools_list_changed,
        prompts_list_changed: notifications.prompts_list_changed && has.prompts,
        resources_list_changed: notifications.resources_list_changed && has.resources,
        resource_subscriptions: notifications
            .resource_subscriptions
            .into_iter()
            .filter(|uri| d.catalog.resource_for(uri).is_some())
            .collect(),
    };
    let client: Arc<str> = client::key(&x.host, &d.policy.state_key).into();
    let listening = d
        .state
        .subscribers
        .listen(id.clone(), client, honored.clone());
    let (_guard, mut rx) = match listening {
        Ok(listening) => listening,
        Err(refused) => {
            let message = match refused {
                NoListener::Full(max) => {
                    format!("Too Many Requests: this server already has {max} listeners")
                }
                NoListener::Share(max) => {
                    format!("Too Many Requests: this client already has {max} listeners")
                }
            };
            let e = ErrorData::new(codes::TRANSPORT_ERROR, message, None);
            return Outcome::RateLimited {
                response: jsonrpc::failure(Some(id), &e),
                retry_after: std::time::Duration::from_secs(1),
            };
        }
    };
    let ack = json!({ "notifications": honored, "_meta": { SUBSCRIPTION_ID: id } });
    let Ok(ack) = jsonrpc::outgoing(None, ServerMethod::Acknowledged, &ack) else {
        return Outcome::Cancelled;
    };
    if x.outbound.send(ack).await.is_err() {
        return Outcome::Cancelled;
    }
    loop {
        tokio::select! {
            () = x.cancel.cancelled() => return Outcome::Cancelled,
            message = rx.recv() => {
                let Some(message) = message else {
                    return Outcome::Cancelled;
                };
                if x.outbound.send(message).await.is_err() {
                    return Outcome::Cancelled;
                }
            }
        }
    }
}
