"""Drives `mcp-remote` (a stdio <-> Streamable HTTP bridge, as Claude Desktop
uses it) with newline-delimited JSON-RPC on its stdin, against the example.

Usage: mcp_remote_drive.py MCP_REMOTE URL
Exits non-zero, with the reason, on any mismatch.
"""

import json
import subprocess
import sys

MCP_REMOTE, URL = sys.argv[1], sys.argv[2]


def fail(what: str) -> None:
    sys.exit(f"mcp-remote: {what}")


proc = subprocess.Popen(
    [MCP_REMOTE, URL, "--transport", "http-only", "--header", "Authorization: Bearer demo-token"],
    stdin=subprocess.PIPE,
    stdout=subprocess.PIPE,
    stderr=subprocess.DEVNULL,
    text=True,
)


def send(message: dict) -> None:
    proc.stdin.write(json.dumps(message) + "\n")
    proc.stdin.flush()


def receive(request_id: int) -> dict:
    for line in proc.stdout:
        message = json.loads(line)
        if message.get("id") == request_id:
            return message
    fail(f"no answer to request {request_id}")


try:
    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "stdio-driver", "version": "1"}}})
    init = receive(1)
    if init.get("result", {}).get("serverInfo", {}).get("name") != "items-api":
        fail(f"initialize: {init}")
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    names = [t["name"] for t in receive(2)["result"]["tools"]]
    if "get_item" not in names:
        fail(f"tools: {names}")
    send({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
          "params": {"name": "get_item", "arguments": {"id": 2}}})
    result = receive(3)["result"]
    if result.get("structuredContent", {}).get("name") != "Kite":
        fail(f"get_item: {result}")
finally:
    proc.kill()
print("mcp-remote (stdio bridge): ok")
