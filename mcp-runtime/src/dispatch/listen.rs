//! `subscriptions/listen` (2026-07-28): the stateless revision's stream of
//! list-change and resource-update notifications.

use std::sync::Arc;

use actix_web::http::header;
use rmcp::model::{ErrorData, RequestId};
use serde_json::json;

use crate::call::server::{Exchange, Outcome, Server};
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
    let protected = notifications.resource_subscriptions.iter().any(|uri| {
        d.catalog
            .resource_for(uri)
            .is_some_and(|(r, _)| r.def.requires_auth)
    });
    if protected && let Err(challenge) = d.authenticate(id, x).await {
        return challenge;
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
    // A client is its credentials when it has some, else its address.
    let client: Arc<str> = match x.host.headers().get(header::AUTHORIZATION) {
        Some(credentials) => format!(
            "credentials:{}",
            d.policy.state_key.fingerprint(credentials.as_bytes())
        )
        .into(),
        None => format!(
            "address:{}",
            x.host
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        )
        .into(),
    };
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
