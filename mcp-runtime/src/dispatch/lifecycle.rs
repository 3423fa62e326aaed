//! The lifecycle methods: `initialize` and `logging/setLevel` (handshake
//! era), `server/discover` (2026-07-28), and the capabilities both declare.

use std::sync::Arc;

use rmcp::model::{
    CacheScope, DiscoverResult, ErrorData, InitializeRequestParams, InitializeResult,
    PromptsCapability, RequestId, ResourcesCapability, ServerCapabilities, TASKS_EXTENSION_ID,
    ToolsCapability,
};
use serde_json::json;
use serde_json::value::RawValue;

use crate::call::server::Exchange;
use crate::call::server::{Outcome, Server};
use crate::handler::defs::TaskSupport;
use crate::policy::limits;
use crate::protocol::jsonrpc;
use crate::protocol::method::RequestMethod;
use crate::protocol::params::SetLevelParams;
use crate::protocol::version::Version;
use crate::state::session::Session;

/// `server/discover`: versions, capabilities, instructions; who we are
/// in `_meta`. The same for every caller, so cacheable by all for as long
/// as the lists are.
pub(super) fn discover(server: &Server) -> DiscoverResult {
    let versions = Version::ALL.iter().map(|v| v.to_rmcp()).collect();
    let mut capabilities = capabilities(server);
    // The tasks extension is the stateless revision's.
    if server
        .catalog
        .registry
        .iter()
        .any(|t| t.def.task != TaskSupport::Never)
    {
        capabilities
            .extensions
            .get_or_insert_default()
            .insert(TASKS_EXTENSION_ID.to_owned(), Default::default());
    }
    let mut result =
        DiscoverResult::new(versions, capabilities).with_server_info(server.identity.info.clone());
    result.instructions = server.identity.instructions.clone();
    result.ttl_ms = server.catalog.lists.ttl_ms();
    result.cache_scope = CacheScope::Public;
    result
}

/// Tools and logging always; prompts, resources and completion when
/// there are any. Every list may change at runtime (`Catalog`).
pub(super) fn capabilities(server: &Server) -> ServerCapabilities {
    let has = server.catalog.registry.has_items();
    let mut capabilities = ServerCapabilities::default();
    let mut tools = ToolsCapability::default();
    tools.list_changed = Some(true);
    capabilities.tools = Some(tools);
    capabilities.logging = Some(Default::default());
    if has.prompts {
        let mut prompts = PromptsCapability::default();
        prompts.list_changed = Some(true);
        capabilities.prompts = Some(prompts);
    }
    if has.resources {
        let mut resources = ResourcesCapability::default();
        resources.subscribe = Some(true);
        resources.list_changed = Some(true);
        capabilities.resources = Some(resources);
    }
    if has.prompts || has.resources {
        capabilities.completions = Some(Default::default());
    }
    capabilities
}

pub(super) fn initialize(server: &Server, id: &RequestId, params: Option<&RawValue>) -> Outcome {
    // What the session would hold — the JSON's bytes, or more once
    // parsed — checked before the parameters are read.
    let limit = server.policy.limits.max_session_bytes;
    let json = params.map_or("", RawValue::get);
    let size = if json.len() > limit {
        json.len()
    } else {
        serde_json::from_str(json)
            .map_or(json.len(), |v| json.len().max(limits::parsed_footprint(&v)))
    };
    if size > limit {
        let e = ErrorData::invalid_params(
            format!(
                "Invalid params for `initialize`: the client information takes {size} \
                 bytes stored, over this server's limit of {limit} bytes"
            ),
            None,
        );
        return Outcome::error(id, &e);
    }
    let client: InitializeRequestParams = match jsonrpc::params(&RequestMethod::Initialize, params)
    {
        Ok(p) => p,
        Err(e) => return Outcome::error(id, &e),
    };
    let version = Version::negotiate(client.protocol_version.as_str());
    let mut result = InitializeResult::new(capabilities(server))
        .with_protocol_version(version.to_rmcp())
        .with_server_info(server.identity.info.clone());
    result.instructions = server.identity.instructions.clone();
    Outcome::Initialized {
        response: jsonrpc::success(id, &result),
        session: Box::new(Session::new(version.as_str(), client)),
    }
}

pub(super) async fn set_log_level(
    server: &Server,
    id: &RequestId,
    SetLevelParams { level }: SetLevelParams,
    x: &Exchange,
) -> Outcome {
    let (Some((session_id, session)), Some(store)) = (&x.session, &server.state.sessions) else {
        let e = ErrorData::invalid_request(
            "`logging/setLevel` needs a session, and this server is stateless",
            None,
        );
        return Outcome::error(id, &e);
    };
    match store
        .update(session_id, Arc::new(session.with_log_level(level)))
        .await
    {
        Ok(_) => Outcome::Response(jsonrpc::success(id, &json!({}))),
        Err(e) => {
            tracing::error!("mcp-runtime: {e}");
            let e = ErrorData::internal_error("the session store is unavailable", None);
            Outcome::error(id, &e)
        }
    }
}
