"""Every response and notification of ours, in both eras, against the spec's JSON Schema.

Usage: schema_check.py SCHEMA_DIR MCP_URL

SCHEMA_DIR holds schema-2025-11-25.json and schema-2026-07-28.json, the schemas the
conformance suite 0.2 validates with (cut out of its bundle by extract_schemas.mjs). MCP_URL
is the conformance fixture (examples/conformance). This drives it through a broad set of
requests in the handshake era (2025-11-25, with a session, answers as JSON and as SSE) and
the stateless era (2026-07-28): lists, tool calls of every content kind, tool errors,
progress and log notifications, prompts, resources, completion, input-required results,
tasks, and protocol errors. Each JSON-RPC message the server sends is validated against the
envelope (`JSONRPCResultResponse`, `JSONRPCErrorResponse`, `JSONRPCNotification`) and its
result or notification against the definition for its method. Task results
(`resultType: "task"`, `tasks/*`) are an extension the core schema does not define; as in
the suite, they are checked for their envelope only. Exits 1 listing every violation.
"""

import json
import sys
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_DIR, URL = sys.argv[1], sys.argv[2]
PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion"

RESULT_DEF = {
    "initialize": "InitializeResult",
    "ping": "EmptyResult",
    "logging/setLevel": "EmptyResult",
    "tools/list": "ListToolsResult",
    "tools/call": "CallToolResult",
    "prompts/list": "ListPromptsResult",
    "prompts/get": "GetPromptResult",
    "resources/list": "ListResourcesResult",
    "resources/templates/list": "ListResourceTemplatesResult",
    "resources/read": "ReadResourceResult",
    "completion/complete": "CompleteResult",
    "server/discover": "DiscoverResult",
}
NOTIFICATION_DEF = {
    "notifications/progress": "ProgressNotification",
    "notifications/message": "LoggingMessageNotification",
    "notifications/tools/list_changed": "ToolListChangedNotification",
    "notifications/prompts/list_changed": "PromptListChangedNotification",
    "notifications/resources/list_changed": "ResourceListChangedNotification",
    "notifications/resources/updated": "ResourceUpdatedNotification",
}

validators = {}
for version in ("2025-11-25", "2026-07-28"):
    with open(f"{SCHEMA_DIR}/schema-{version}.json") as f:
        schema = json.load(f)
    resource = Resource.from_contents(schema)
    registry = Registry().with_resource(f"urn:mcp:{version}", resource)
    validators[version] = {
        name: Draft202012Validator(
            {"$ref": f"urn:mcp:{version}#/$defs/{name}"}, registry=registry
        )
        for name in schema["$defs"]
    }

violations = []
checked = 0


def check(version, definition, value, where):
    global checked
    checked += 1
    validator = validators[version].get(definition)
    if validator is None:
        violations.append(f"{where}: the {version} schema has no {definition}")
        return
    for error in validator.iter_errors(value):
        path = "/".join(str(p) for p in error.absolute_path)
        violations.append(f"{where}: {definition} at /{path}: {error.message[:300]}")


def check_message(version, method, message, where):
    if "method" in message:
        check(version, "JSONRPCNotification", message, where)
        definition = NOTIFICATION_DEF.get(message["method"])
        if definition:
            check(version, definition, message, where)
        return
    if "error" in message:
        check(version, "JSONRPCErrorResponse", message, where)
        return
    check(version, "JSONRPCResultResponse", message, where)
    result = message["result"]
    kind = result.get("resultType") if isinstance(result, dict) else None
    if method.startswith("tasks/") or kind == "task":
        return  # the tasks extension: envelope only (the core schema has no task types)
    if kind == "input_required":
        check(version, "InputRequiredResult", result, where)
        return
    definition = RESULT_DEF.get(method)
    if definition:
        check(version, definition, result, where)


def post(body, headers):
    data = json.dumps(body).encode()
    request = urllib.request.Request(URL, data=data, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("accept", "application/json, text/event-stream")
    for k, v in headers.items():
        request.add_header(k, v)
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as e:
        response = e
    text = response.read().decode()
    session = response.headers.get("mcp-session-id")
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        messages = []
        for event in text.split("\n\n"):
            data = "\n".join(
                line[5:].lstrip() for line in event.splitlines() if line.startswith("data:")
            )
            if data:
                messages.append(json.loads(data))
        return messages, session
    return ([json.loads(text)] if text.strip() else []), session


def exchange(version, method, params, headers, tag):
    body = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    messages, session = post(body, headers)
    for i, message in enumerate(messages):
        check_message(version, method, message, f"{version} {tag} [{i}]")
    return messages, session


# The handshake era, with a session; SSE answers where the call talks back.
HANDSHAKE = "2025-11-25"
messages, session = exchange(
    HANDSHAKE,
    "initialize",
    {
        "protocolVersion": HANDSHAKE,
        "capabilities": {"elicitation": {}, "sampling": {}, "roots": {}},
        "clientInfo": {"name": "schema-check", "version": "1"},
    },
    {},
    "initialize",
)
session_headers = {"mcp-session-id": session or "", "mcp-protocol-version": HANDSHAKE}
post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session_headers)
handshake_requests = [
    ("ping", None),
    ("logging/setLevel", {"level": "debug"}),
    ("tools/list", {}),
    ("prompts/list", {}),
    ("resources/list", {}),
    ("resources/templates/list", {}),
    ("resources/read", {"uri": "test://static-text"}),
    ("resources/read", {"uri": "test://static-binary"}),
    ("resources/read", {"uri": "test://template/42/data"}),
    ("resources/read", {"uri": "test://nothing-here"}),
    ("prompts/get", {"name": "test_simple_prompt"}),
    ("prompts/get", {"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": "b"}}),
    ("prompts/get", {"name": "test_prompt_with_embedded_resource", "arguments": {"resourceUri": "test://x"}}),
    ("prompts/get", {"name": "test_prompt_with_image"}),
    ("completion/complete", {"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"}, "argument": {"name": "arg1", "value": ""}}),
    ("tools/call", {"name": "test_simple_text", "arguments": {}}),
    ("tools/call", {"name": "test_image_content", "arguments": {}}),
    ("tools/call", {"name": "test_audio_content", "arguments": {}}),
    ("tools/call", {"name": "test_embedded_resource", "arguments": {}}),
    ("tools/call", {"name": "test_multiple_content_types", "arguments": {}}),
    ("tools/call", {"name": "test_error_handling", "arguments": {}}),
    ("tools/call", {"name": "test_tool_with_logging", "arguments": {}}),
    ("tools/call", {"name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": "p1"}}),
    ("tools/call", {"name": "greet", "arguments": {"name": "schema"}}),
    ("tools/call", {"name": "greet", "arguments": {}}),
    ("tools/call", {"name": "no_such_tool", "arguments": {}}),
    ("no/such/method", {}),
]
for method, params in handshake_requests:
    exchange(HANDSHAKE, method, params, session_headers, method)

# The stateless era: no session, `_meta` on every request, headers repeating the body.
STATELESS = "2026-07-28"


def meta(capabilities):
    return {
        PROTOCOL_VERSION: STATELESS,
        "io.modelcontextprotocol/clientInfo": {"name": "schema-check", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }


stateless_requests = [
    ("server/discover", {}),
    ("tools/list", {}),
    ("prompts/list", {}),
    ("resources/list", {}),
    ("resources/templates/list", {}),
    ("resources/read", {"uri": "test://static-text"}),
    ("resources/read", {"uri": "test://static-binary"}),
    ("resources/read", {"uri": "test://nothing-here"}),
    ("prompts/get", {"name": "test_simple_prompt"}),
    ("prompts/get", {"name": "test_prompt_with_image"}),
    ("completion/complete", {"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"}, "argument": {"name": "arg1", "value": ""}}),
    ("tools/call", {"name": "test_simple_text", "arguments": {}}),
    ("tools/call", {"name": "test_image_content", "arguments": {}}),
    ("tools/call", {"name": "test_embedded_resource", "arguments": {}}),
    ("tools/call", {"name": "test_error_handling", "arguments": {}}),
    ("tools/call", {"name": "test_tool_with_progress", "arguments": {}}),
    ("tools/call", {"name": "test_input_required_result_elicitation", "arguments": {}}),
    ("tools/call", {"name": "test_input_required_result_sampling", "arguments": {}}),
    ("tools/call", {"name": "slow_compute", "arguments": {"seconds": 0.1, "label": "x"}}),
    ("tools/call", {"name": "no_such_tool", "arguments": {}}),
    ("tasks/get", {"taskId": "nope"}),
    ("tasks/list", {}),
]
capabilities = {
    "elicitation": {},
    "sampling": {},
    "roots": {},
    "extensions": {"io.modelcontextprotocol/tasks": {}},
}
for method, params in stateless_requests:
    params = dict(params, _meta=meta(capabilities))
    headers = {"mcp-protocol-version": STATELESS, "mcp-method": method}
    name = params.get("name") or params.get("uri") or params.get("taskId")
    if name and method in ("tools/call", "prompts/get", "resources/read", "tasks/get"):
        headers["mcp-name"] = name
    exchange(STATELESS, method, params, headers, method)
# And errors of the revision: a header mismatch, an unsupported version.
exchange(
    STATELESS,
    "tools/list",
    {"_meta": meta({})},
    {"mcp-protocol-version": STATELESS, "mcp-method": "prompts/list"},
    "header mismatch",
)
exchange(
    STATELESS,
    "tools/list",
    {"_meta": dict(meta({}), **{PROTOCOL_VERSION: "1999-01-01"})},
    {"mcp-protocol-version": "1999-01-01", "mcp-method": "tools/list"},
    "unsupported version",
)

if violations:
    print(f"schema check: {len(violations)} violations in {checked} checks:")
    for v in violations:
        print(f"  - {v}")
    sys.exit(1)
print(f"schema check: {checked} checks, every message valid (2025-11-25 and 2026-07-28)")
