//! The stages of a tool call one at a time, for the project's Criterion
//! benchmarks (`tests/benches/micro.rs`), which cannot reach the crate's
//! internals otherwise. Behind the `bench` feature; not a public API.

use std::sync::Arc;

use actix_http::Request;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use crate::McpServer;
use crate::call::forward::{self, Parts};
use crate::call::result::{self, Mapping};
use crate::call::server::Server;
use crate::catalog::lists::List;
use crate::catalog::registry::{Target, ToolEntry};
use crate::handler::arguments::{Coercion, coerce};
use crate::protocol::jsonrpc::{self, Incoming, Message, Params};
use crate::protocol::params::CallToolParams;
use crate::protocol::stateless;
use rmcp::model::RequestId;

/// One route tool of a built server, for its call's stages.
pub struct Stages {
    server: Arc<Server>,
    tool: &'static str,
}

/// A call's arguments mapped onto its route: path segments, query, body.
pub struct Mapped<'a>(Parts<'a, 'static>);

impl Stages {
    /// The stages of `tool`'s calls; `None` if `mcp` has no route tool so
    /// named.
    pub fn new(mcp: &McpServer, tool: &str) -> Option<Stages> {
        let server = mcp.dispatcher().server().clone();
        let entry = server.catalog.tool(tool)?;
        matches!(entry.target, Target::Route { .. }).then_some(())?;
        let tool = entry.def.name;
        Some(Stages { server, tool })
    }

    fn entry(&self) -> &ToolEntry {
        self.server.catalog.tool(self.tool).expect("found in `new`")
    }

    /// JSON-RPC decoding of a stateless `tools/call` body: the envelope,
    /// the `_meta` check against `headers` (those of the HTTP request), the
    /// call's params. The arguments, if it all reads.
    pub fn decode(
        body: &[u8],
        headers: &actix_web::http::header::HeaderMap,
    ) -> Option<Map<String, Value>> {
        let Ok(Incoming::Single(Message::Request {
            method,
            params: Params::Raw(params),
            ..
        })) = jsonrpc::parse(body)
        else {
            return None;
        };
        let checked = stateless::check(headers, &method, params.as_deref()).ok()?;
        let params: CallToolParams = match checked.call {
            Some(call) => call,
            None => jsonrpc::params(&method, params.as_deref()).ok()?,
        };
        params.arguments
    }

    /// Argument mapping: coercion, the required and unknown arguments, the
    /// route's parts and the URL-carried arguments' schema check.
    pub fn map_arguments(&self, mut args: Map<String, Value>) -> Option<Mapped<'_>> {
        let tool = self.entry();
        coerce(&mut args, &tool.input_schema, Coercion::IntegralFloats);
        if !tool.plan.missing(&args).is_empty() || tool.plan.unknown(&args).is_some() {
            return None;
        }
        let Target::Route { template, .. } = &tool.target else {
            return None;
        };
        let Parts {
            segments,
            query,
            body,
        } = forward::parts(&tool.plan, template, &args).ok()?;
        tool.check_url_arguments(&args).ok()?;
        Some(Mapped(Parts {
            segments: segments.into_owned(),
            query,
            body,
        }))
    }

    /// Building the forwarded request from the MCP request (`host`, inside
    /// the app that `McpServer::app` wraps) and the mapped arguments.
    pub fn forward(&self, host: &HttpRequest, mapped: Mapped<'_>) -> Option<Request> {
        let Target::Route {
            method, locator, ..
        } = &self.entry().target
        else {
            return None;
        };
        let outgoing = forward::outgoing(host, *method, locator, mapped.0).ok()?;
        Some(forward::request(host, outgoing))
    }

    /// Result encoding: the handler's response read into a tool result,
    /// and the JSON-RPC response around it.
    pub async fn encode(&self, response: HttpResponse) -> Vec<u8> {
        let tool = self.entry();
        let mapping = Mapping {
            tool: tool.def.name,
            structured: tool.structured,
            max_bytes: self.server.policy.limits.max_response_bytes,
            scope: None,
        };
        let result = result::from_response(response, &mapping).await;
        jsonrpc::success(&RequestId::Number(1), &result)
    }

    /// The first page of `tools/list` (stateless), as a JSON-RPC response.
    pub fn list(&self) -> Vec<u8> {
        match self.server.catalog.lists.page(List::Tools, true, None) {
            Ok(page) => jsonrpc::success_raw(&RequestId::Number(1), &page.parts()),
            Err(e) => jsonrpc::failure(None, &e),
        }
    }
}
