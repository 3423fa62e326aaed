"""Drives the example app with the official Python SDK client (PyPI `mcp`).

Usage: python_client.py TARGET MODE [TRANSPORT]
  MODE: "auto" probes server/discover first, "legacy" does not, "2026-07-28" only speaks that revision.
  TRANSPORT: "http" (default; TARGET is the MCP URL), "sse" (the legacy 2024-11-05 HTTP+SSE
  transport; TARGET is the MCP URL, the stream is at TARGET/sse) or "stdio" (TARGET is the
  items-stdio binary, launched by the client).
Exits non-zero, with the reason, on any mismatch.
"""

import asyncio
import sys

from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.shared.exceptions import MCPError

TARGET, MODE = sys.argv[1], sys.argv[2]
TRANSPORT = sys.argv[3] if len(sys.argv) > 3 else "http"
EXPECTED_TOOLS = [
    "clear_tags", "create_item", "delete_item", "get_item", "item_label", "list_items", "quote",
    "reindex", "set_price", "stats",
]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python client ({TRANSPORT}, {MODE}): {what}")


def server():
    if TRANSPORT == "stdio":
        # No token in the environment: the tools that need one are refused, as over HTTP.
        return StdioServerParameters(command=TARGET, env={})
    if TRANSPORT == "sse":
        return sse_client(TARGET + "/sse")
    return TARGET


async def main() -> None:
    async with Client(server(), mode=MODE) as client:
        tools = await client.list_tools()
        check(sorted(t.name for t in tools.tools) == EXPECTED_TOOLS, f"tools: {[t.name for t in tools.tools]}")

        result = await client.call_tool("list_items", {"category": "toy"})
        check(not result.is_error, f"list_items failed: {result}")
        check(result.structured_content == {"result": [
            {"id": 2, "name": "Kite", "price_cents": 2450, "category": "toy", "tags": ["outdoor", "wind"]}
        ]}, f"list_items structured content: {result.structured_content}")

        result = await client.call_tool("quote", {"body": [{"id": 1, "quantity": 2}]})
        check(result.structured_content == {"total_cents": 2598, "lines": 1}, f"quote: {result.structured_content}")

        result = await client.call_tool("item_label", {"id": 1})
        check(result.content[0].type == "image" and result.content[0].mime_type == "image/png", f"label: {result}")

        result = await client.call_tool("list_items", {"limit": "ten"})
        check(result.is_error and "`limit`" in result.content[0].text, f"bad argument: {result}")

        try:
            await client.call_tool("get_item", {"id": 1})
            check(False, "get_item without a token succeeded")
        except MCPError as e:
            check("missing bearer token" in str(e), f"unexpected auth error: {e}")
    print(f"python client ({TRANSPORT}, {MODE}): ok")


asyncio.run(main())
