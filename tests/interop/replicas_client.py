"""The official Python SDK client (PyPI `mcp`, handshake era) against three replicas of the example
behind a round-robin load balancer with no stickiness: every request of its session may land on
another replica, its standalone stream on yet another.

Usage: replicas_client.py BALANCER_MCP_URL
Exits non-zero, with the reason, on any mismatch.
"""

import asyncio
import sys

import httpx2
from mcp import Client, types
from mcp.client.streamable_http import streamable_http_client

URL = sys.argv[1]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"python client through the balancer: {what}")


async def main() -> None:
    asked = []

    async def confirm(context, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})

    progress = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    headers = {"Authorization": "Bearer demo-token"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        transport = streamable_http_client(URL, http_client=http)
        async with Client(transport, mode="legacy", elicitation_callback=confirm) as client:
            tools = await client.list_tools()
            check("clear_tags" in [t.name for t in tools.tools], f"tools: {[t.name for t in tools.tools]}")
            # One session, its requests spread over the replicas.
            for item in (1, 2, 3, 1, 2, 3):
                result = await client.call_tool("get_item", {"id": item})
                check(not result.is_error, f"get_item {item}: {result}")
            # The question is asked by the replica running the call; the answer is POSTed to
            # whichever replica the balancer picks.
            result = await client.call_tool("clear_tags", {})
            check(asked == ["Remove every tag from every item?"], f"asked: {asked}")
            text = result.content[0].text if result.content else ""
            check(text.startswith("cleared the tags"), f"clear_tags: {result}")
            result = await client.call_tool("reindex", {}, progress_callback=on_progress)
            check(not result.is_error, f"reindex: {result}")
            check(progress == [1.0, 2.0, 3.0], f"progress: {progress}")
    print("python client through the balancer: ok")


asyncio.run(main())
