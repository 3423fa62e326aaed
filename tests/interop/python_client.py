"""Drives the example app with the official Python SDK client (PyPI `mcp`).

Usage: python_client.py URL MODE   (MODE: "auto" probes server/discover first, "legacy" does not)
Exits non-zero, with the reason, on any mismatch.
"""

import asyncio
import sys

from mcp import Client
from mcp.shared.exceptions import MCPError

URL, MODE = sys.argv[1], sys.argv[2]
EXPECTED_TOOLS = ["create_item", "delete_item", "get_item", "item_label", "list_items", "quote", "set_price", "stats"]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python client ({MODE}): {what}")


async def main() -> None:
    async with Client(URL, mode=MODE) as client:
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
    print(f"python client ({MODE}): ok")


asyncio.run(main())
