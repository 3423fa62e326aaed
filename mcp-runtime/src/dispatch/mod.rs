//! The JSON-RPC method table, one file per family of methods.
//!
//! [`Dispatcher`] sees one decoded message and the request's [`Exchange`]
//! (the revision in force, the session, the stream back to the client,
//! cancellation, and the request tools run beside) and returns an
//! [`Outcome`]. It knows nothing of status codes or headers; each
//! transport turns outcomes into its own wire form. Handlers take the
//! shared [`Server`] state, never the table. To add a method: name it in
//! `protocol::method`, write its handler here, and route it in
//! [`Dispatcher::handle`] (handshake era) and/or
//! [`Dispatcher::handle_stateless`] (2026-07-28).

mod complete;
mod lifecycle;
mod listen;
mod prompts;
mod resources;
mod tasks;
mod tools;

use std::sync::{Arc, LazyLock};

use actix_web::HttpRequest;
use memchr::memmem;
use rmcp::model::{ErrorData, RequestId};
use serde::de::DeserializeOwned;
use serde_json::json;
use serde_json::value::RawValue;

use crate::call::server::{Exchange, Outcome, Server};
use crate::catalog::lists::{List, Published};
use crate::policy::auth::{Access, AuthRejection};
use crate::protocol::jsonrpc::{self, Message, Params};
use crate::protocol::method::{NotificationMethod, RequestMethod};
use crate::protocol::params::{
    CallToolParams, CancelledParams, CompleteParams, GetPromptParams, ListParams, ListenParams,
    Named, Reference, UriParams,
};
use crate::state::relay::Relayed;
use crate::support::boxed::in_box;

/// The method table: decodes nothing and knows no transport, only which
/// handler serves which method in which revision.
#[derive(Clone)]
pub(crate) struct Dispatcher {
    server: Arc<Server>,
}

impl Dispatcher {
    pub(crate) fn new(server: Arc<Server>) -> Self {
        Dispatcher { server }
    }

    /// The state every handler reads.
    pub(crate) fn server(&self) -> &Arc<Server> {
        &self.server
    }

    pub(crate) async fn handle(&self, message: Message, x: &Exchange) -> Outcome {
        match message {
            Message::Request {
                id,
                method,
                params: Params::Raw(params),
            } => self.request(&id, &method, params.as_deref(), x).await,
            // A `tools/call` read whole with its envelope: only a call has
            // that (and, boxed, as `decoded` boxes it).
            Message::Request {
                id,
                params: Params::Call(call),
                ..
            } => in_box(|| tools::call(&self.server, &id, *call, x)).await,
            Message::Notification { method, params } => {
                self.notification(&method, params.as_deref(), x);
                Outcome::Accepted
            }
            Message::Response { id, outcome } => {
                let session = x.session.as_ref().map(|(id, _)| id);
                let state = &self.server.state;
                // Not asked here: perhaps by a call on another replica.
                if let Err(answer) = state.live.answer(session, &id, outcome)
                    && !state.relay.send(Relayed::Answer {
                        session: session.cloned(),
                        id,
                        answer,
                    })
                {
                    tracing::debug!("an answer from the client matched no pending request");
                }
                Outcome::Accepted
            }
            Message::Invalid { id, error } => {
                Outcome::Invalid(jsonrpc::failure(id.as_ref(), &error))
            }
        }
    }

    /// The stateless revision's method table. The transport has checked the
    /// request (`stateless::check`) and filled in its client and inputs,
    /// and a `tools/call`'s parameters when the check read them
    /// (`Params::Call`).
    pub(crate) async fn handle_stateless(&self, message: Message, x: &Exchange) -> Outcome {
        let (id, method, params) = match message {
            Message::Request { id, method, params } => (id, method, params),
            Message::Notification { .. } => return Outcome::Accepted,
            Message::Response { id, .. } => {
                let e = ErrorData::invalid_request(
                    "Invalid request: a 2026-07-28 server sends no requests, so it takes no responses",
                    None,
                );
                return Outcome::refused(&id, &e);
            }
            Message::Invalid { id, error } => {
                return Outcome::Invalid(jsonrpc::failure(id.as_ref(), &error));
            }
        };
        let params = match params {
            Params::Raw(params) => params,
            Params::Call(call) => {
                debug_assert_eq!(method, RequestMethod::CallTool);
                // Boxed, as `decoded` boxes it.
                return in_box(|| tools::call(&self.server, &id, *call, x)).await;
            }
        };
        let params = params.as_deref();
        match method {
            RequestMethod::Discover => {
                Outcome::Response(jsonrpc::success(&id, &lifecycle::discover(&self.server)))
            }
            RequestMethod::Listen => {
                decoded(&id, &method, params, async |p| {
                    listen::listen(&self.server, &id, p, x).await
                })
                .await
            }
            RequestMethod::TasksGet => {
                decoded(&id, &method, params, async |p| {
                    tasks::get(&self.server, &id, p, x).await
                })
                .await
            }
            RequestMethod::TasksUpdate => {
                decoded(&id, &method, params, async |p| {
                    tasks::update(&self.server, &id, p, x).await
                })
                .await
            }
            RequestMethod::TasksCancel => {
                decoded(&id, &method, params, async |p| {
                    tasks::cancel(&self.server, &id, p, x).await
                })
                .await
            }
            // Gone in this revision (`initialize`, `ping`, `logging/setLevel`,
            // `resources/subscribe`…), or never known.
            RequestMethod::Initialize
            | RequestMethod::Ping
            | RequestMethod::SetLogLevel
            | RequestMethod::Subscribe
            | RequestMethod::Unsubscribe
            // Removed from the tasks extension: `tasks/result`, `tasks/list`.
            | RequestMethod::TasksResult
            | RequestMethod::TasksList
            | RequestMethod::Other(_) => Outcome::refused(&id, &jsonrpc::method_not_found(&method)),
            _ => self.shared(&id, &method, params, x).await,
        }
    }

    /// The methods both revisions have.
    async fn shared(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let has = self.server.catalog.registry.has_items();
        match method {
            RequestMethod::ListTools => self.list(id, method, List::Tools, params, x).await,
            RequestMethod::CallTool => {
                decoded(id, method, params, async |p| {
                    tools::call(&self.server, id, p, x).await
                })
                .await
            }
            RequestMethod::ListPrompts if has.prompts => {
                self.list(id, method, List::Prompts, params, x).await
            }
            RequestMethod::GetPrompt if has.prompts => {
                decoded(id, method, params, async |p| {
                    prompts::get(&self.server, id, p, x).await
                })
                .await
            }
            RequestMethod::ListResources if has.resources => {
                self.list(id, method, List::Resources, params, x).await
            }
            RequestMethod::ListResourceTemplates if has.resources => {
                self.list(id, method, List::ResourceTemplates, params, x)
                    .await
            }
            RequestMethod::ReadResource if has.resources => {
                decoded(id, method, params, async |p| {
                    resources::read(&self.server, id, p, x).await
                })
                .await
            }
            RequestMethod::Complete if has.prompts || has.resources => {
                decoded(id, method, params, async |p| {
                    complete::complete(&self.server, id, p, x).await
                })
                .await
            }
            // Not declared in this server's capabilities: not here.
            _ if x.is_stateless() => Outcome::refused(id, &jsonrpc::method_not_found(method)),
            _ => Outcome::error(id, &jsonrpc::method_not_found(method)),
        }
    }

    /// A page of one of the lists: the published one, or the caller's own
    /// when lists are per caller.
    async fn list(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        list: List,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        // Only `cursor` is read: params that cannot name one are not read
        // (a stateless request's `_meta` would be most of the work).
        static CURSOR: LazyLock<memmem::Finder<'static>> =
            LazyLock::new(|| memmem::Finder::new("cursor"));
        let params: ListParams = match params {
            Some(raw) if jsonrpc::may_name(raw.get().as_bytes(), &CURSOR) => {
                match jsonrpc::params(method, params) {
                    Ok(p) => p,
                    Err(e) => return Outcome::error(id, &e),
                }
            }
            _ => ListParams { cursor: None },
        };
        let server = &self.server;
        let Published { registry, lists } = &*server.catalog;
        let cursor = params.cursor.as_deref();
        let page = match &server.policy.auth {
            Some(auth) if lists.is_per_caller(registry, list) => {
                // A caller the authenticator rejects sees the public items.
                let caller = auth.caller(&x.host, &[]).await.ok();
                let shown =
                    |access: Access| !access.auth || caller.as_ref().is_some_and(|c| c.may(access));
                lists
                    .private_page(registry, list, x.is_stateless(), cursor, shown)
                    .map(|page| jsonrpc::success_raw(id, &[&page]))
            }
            _ => lists
                .page(list, x.is_stateless(), cursor)
                .map(|page| jsonrpc::success_raw(id, &page.parts())),
        };
        match page {
            Ok(response) => Outcome::Response(response),
            Err(e) => Outcome::error(id, &e),
        }
    }

    async fn request(
        &self,
        id: &RequestId,
        method: &RequestMethod,
        params: Option<&RawValue>,
        x: &Exchange,
    ) -> Outcome {
        let has = self.server.catalog.registry.has_items();
        match method {
            RequestMethod::Initialize => lifecycle::initialize(&self.server, id, params),
            RequestMethod::SetLogLevel => {
                decoded(id, method, params, async |p| {
                    lifecycle::set_log_level(&self.server, id, p, x).await
                })
                .await
            }
            RequestMethod::Ping => Outcome::Response(jsonrpc::success(id, &json!({}))),
            RequestMethod::Subscribe if has.resources => {
                decoded(id, method, params, async |p| {
                    resources::subscribe(&self.server, id, p, x, true).await
                })
                .await
            }
            RequestMethod::Unsubscribe if has.resources => {
                decoded(id, method, params, async |p| {
                    resources::subscribe(&self.server, id, p, x, false).await
                })
                .await
            }
            // `server/discover` and `subscriptions/listen` are the stateless
            // revision's: the transport routes them there.
            RequestMethod::Discover | RequestMethod::Listen | RequestMethod::Other(_) => {
                Outcome::error(id, &jsonrpc::method_not_found(method))
            }
            _ => self.shared(id, method, params, x).await,
        }
    }

    /// Whether `req` may send `message`, decided before a transport commits
    /// to an answer it cannot take back (an event stream, for a call still
    /// waiting when first polled): the authenticator's verdict, on the MCP
    /// request, for each protected item the message touches. `Err` is the
    /// challenge the item's handler would give, so every transport answers
    /// the same.
    pub(crate) async fn admits(
        &self,
        req: &HttpRequest,
        message: &Message,
    ) -> Result<(), AuthRejection> {
        let auth = self.server.policy.auth.as_ref();
        let Some(auth) = auth.filter(|_| self.may_refuse(message)) else {
            return Ok(());
        };
        for access in self.accesses(message) {
            if access.auth {
                auth.check(req, access).await?;
            }
        }
        Ok(())
    }

    /// What [`admits`](Self::admits) reads of `message`, kept for after its
    /// call has started (which takes the message): all of it, but of a call
    /// read whole only its tool's name (its arguments were checked when
    /// read).
    pub(crate) fn admission(&self, message: &Message) -> Message {
        match message {
            Message::Request {
                id,
                method,
                params: Params::Call(call),
            } => Message::Request {
                id: id.clone(),
                method: method.clone(),
                params: Params::Call(Box::new(CallToolParams {
                    name: call.name.clone(),
                    arguments: None,
                    meta: None,
                })),
            },
            other => other.clone(),
        }
    }

    /// Whether the authenticator may refuse `message`: one is set, and the
    /// message is a request on a kind of item of which some are protected
    /// (known when the server is built). When it may not, there is no
    /// verdict to wait for, nor parameters to read for one.
    pub(crate) fn may_refuse(&self, message: &Message) -> bool {
        let Message::Request { method, .. } = message else {
            return false;
        };
        let touched: &[List] = match method {
            RequestMethod::CallTool => &[List::Tools],
            RequestMethod::GetPrompt => &[List::Prompts],
            RequestMethod::ReadResource | RequestMethod::Subscribe | RequestMethod::Listen => {
                &[List::Resources, List::ResourceTemplates]
            }
            RequestMethod::Complete => &[List::Prompts, List::Resources, List::ResourceTemplates],
            _ => &[],
        };
        let registry = &self.server.catalog.registry;
        self.server.policy.auth.is_some() && touched.iter().any(|&list| registry.protects(list))
    }

    /// What the items `message` touches ask of its caller. Parameters that
    /// do not decode touch nothing: their handler says why. (Asked only when
    /// [`may_refuse`](Self::may_refuse): a method read here must name its
    /// kinds of items there.)
    fn accesses(&self, message: &Message) -> Vec<Access> {
        let Message::Request { method, params, .. } = message else {
            return Vec::new();
        };
        let catalog = &self.server.catalog;
        let params = match params {
            Params::Raw(params) => params.as_deref(),
            // Its parameters decoded already.
            Params::Call(call) => {
                return catalog
                    .tool(&call.name)
                    .map(|t| t.def.access())
                    .into_iter()
                    .collect();
            }
        };
        let resource = |uri: &str| catalog.resource_for(uri).map(|(r, _)| r.def.access());
        // The name alone finds the item; only a protected one's parameters
        // are decoded in full (an unprotected item asks nothing either way),
        // which spares most calls reading their arguments twice.
        let named = || serde_json::from_str::<Named<'_>>(params.map_or("{}", RawValue::get)).ok();
        let access = match method {
            RequestMethod::CallTool => named()
                .and_then(|p| catalog.tool(&p.name).map(|t| t.def.access()))
                .filter(|a| !a.auth || jsonrpc::params::<CallToolParams>(method, params).is_ok()),
            RequestMethod::GetPrompt => named()
                .and_then(|p| catalog.prompt(&p.name).map(|p| p.def.access()))
                .filter(|a| !a.auth || jsonrpc::params::<GetPromptParams>(method, params).is_ok()),
            RequestMethod::ReadResource | RequestMethod::Subscribe => {
                jsonrpc::params::<UriParams>(method, params)
                    .ok()
                    .and_then(|p| resource(&p.uri))
            }
            RequestMethod::Complete => jsonrpc::params::<CompleteParams>(method, params)
                .ok()
                .and_then(|p| match p.reference {
                    Reference::Prompt { name } => catalog.prompt(&name).map(|p| p.def.access()),
                    Reference::Resource { uri } => {
                        catalog.resource_template(&uri).map(|r| r.def.access())
                    }
                }),
            RequestMethod::Listen => {
                return jsonrpc::params::<ListenParams>(method, params)
                    .map(|p| {
                        let uris = p.notifications.resource_subscriptions;
                        uris.iter().filter_map(|uri| resource(uri)).collect()
                    })
                    .unwrap_or_default();
            }
            _ => None,
        };
        access.into_iter().collect()
    }

    fn notification(&self, method: &NotificationMethod, params: Option<&RawValue>, x: &Exchange) {
        if *method != NotificationMethod::Cancelled {
            tracing::trace!(method = method.as_str(), "notification");
            return;
        }
        let Ok(CancelledParams { request_id }) =
            serde_json::from_str(params.map_or("{}", RawValue::get))
        else {
            return;
        };
        // Ids are the client's own, so only its session can name its calls.
        if let Some((session, _)) = &x.session
            && !self.server.state.live.cancel(session, &request_id)
            && !self.server.state.relay.send(Relayed::Cancel {
                session: session.clone(),
                id: request_id,
            })
        {
            tracing::debug!("cancellation for a request that is not in flight");
        }
    }
}

/// Decodes `params` as the method's own type and runs `handler`, or
/// answers why they are not (`-32602`): every handler's preamble, once.
async fn decoded<P: DeserializeOwned>(
    id: &RequestId,
    method: &RequestMethod,
    params: Option<&RawValue>,
    handler: impl AsyncFnOnce(P) -> Outcome,
) -> Outcome {
    match jsonrpc::params(method, params) {
        // Boxed: each method's future is large (a tool call's is 1.6 KB),
        // and held inline it would be copied at every level above, up to
        // the transport, which is several times its size again; made in its
        // box, so not copied into it either.
        Ok(params) => in_box(|| handler(params)).await,
        Err(e) => Outcome::error(id, &e),
    }
}

/// The error for a name no tool (or prompt) of this server has.
fn unknown(kind: &str, name: &str) -> ErrorData {
    ErrorData::invalid_params(format!("Unknown {kind}: {name}"), None)
}
