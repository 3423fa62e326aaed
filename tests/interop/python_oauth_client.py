"""The official Python SDK client's OAuth flow, end to end, against an OAuth-protected MCP server.

Usage: python_oauth_client.py MCP_URL TOOL_NAME [ARGUMENTS_JSON]

Connects over Streamable HTTP with `mcp.client.auth.OAuthClientProvider` (SDK 2.3.0): on the
server's 401 it discovers the protected resource metadata and the authorization server's
metadata, registers a client dynamically, and runs the authorization code flow with PKCE and
the RFC 8707 `resource`. No browser: the redirect handler drives the authorization server's
pages itself, as tests/oidc/provider.mjs serves them (oidc-provider's dev interactions: a login
form taking any login and password, then a consent form), following redirects with its own
cookie jar until the one to our redirect_uri, whose `code`, `state` and `iss` the callback
handler returns. Nothing listens on the redirect_uri.

Then it lists the tools, calls TOOL_NAME with ARGUMENTS_JSON (default `{}`), and prints the
result. The flow starts at the first request the server challenges (every request when the
whole endpoint is protected, else the protected tool's call). Exits 0 only if the flow
completed and the call returned a non-error result; otherwise exits 1 naming the step that
failed.

Env: MCP_MODE, the client's `mode` ("auto" by default; "legacy" or "2026-07-28").
"""

import asyncio
import json
import os
import socket
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

if len(sys.argv) not in (3, 4):
    sys.exit(__doc__.split("\n\n")[1])
MCP_URL, TOOL = sys.argv[1], sys.argv[2]
ARGUMENTS = json.loads(sys.argv[3]) if len(sys.argv) == 4 else {}
MODE = os.environ.get("MCP_MODE", "auto")
SCOPE = "items:read items:write"

step = "starting"
seen = {"redirected": False, "called_back": False}


def at(name: str) -> None:
    global step
    step = name
    print(f"python oauth client: {name}", flush=True)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REDIRECT_URI = f"http://127.0.0.1:{unused_port()}/callback"


class MemoryStorage:
    """The SDK's `TokenStorage` protocol, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Forms(HTMLParser):
    """Each <form>'s method, action and named <input> values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


redirect_result: AuthorizationCodeResult | None = None


async def redirect_handler(authorization_url: str) -> None:
    """Plays the user at the authorization server: signs in as anyone, then consents."""
    global redirect_result
    seen["redirected"] = True
    at(f"authorizing at {authorization_url.split('?')[0]}")
    async with httpx2.AsyncClient(follow_redirects=False, timeout=30) as http:
        response = await http.get(authorization_url)
        for _ in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.split("?")[0] == REDIRECT_URI:
                    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                    if "error" in query:
                        raise RuntimeError(f"authorization refused: {query}")
                    redirect_result = AuthorizationCodeResult(
                        code=query["code"], state=query.get("state"), iss=query.get("iss")
                    )
                    return
                response = await http.get(location)
                continue
            if response.status_code != 200:
                raise RuntimeError(f"authorization page {response.url}: HTTP {response.status_code}: {response.text[:500]}")
            parser = Forms()
            parser.feed(response.text)
            form = next((f for f in parser.forms if f["method"] == "post"), None)
            if form is None:
                raise RuntimeError(f"no form on {response.url}: {response.text[:500]}")
            fields = dict(form["fields"])
            if fields.get("prompt") == "login" or "login" in fields:
                at("signing in (login form)")
                fields.update(login="mcp-interop-user", password="any")
            else:
                at(f"consenting ({fields.get('prompt', 'form')})")
            response = await http.post(urljoin(str(response.url), form["action"] or str(response.url)), data=fields)
        raise RuntimeError("too many steps at the authorization server")


async def callback_handler() -> AuthorizationCodeResult:
    seen["called_back"] = True
    if redirect_result is None:
        raise RuntimeError("no authorization code came back")
    at("exchanging the authorization code for tokens")
    return redirect_result


async def main() -> None:
    storage = MemoryStorage()
    auth = OAuthClientProvider(
        server_url=MCP_URL,
        client_metadata=OAuthClientMetadata(
            client_name="mcp-interop-python",
            redirect_uris=[REDIRECT_URI],
            scope=SCOPE,
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    at(f"connecting to {MCP_URL} (mode {MODE})")
    async with httpx2.AsyncClient(auth=auth, timeout=httpx2.Timeout(30, read=300)) as http:
        async with Client(streamable_http_client(MCP_URL, http_client=http), mode=MODE) as client:
            # A version-pinned mode sends nothing on connect: the first request may be this one.
            at("listing tools")
            tools = await client.list_tools()
            names = [t.name for t in tools.tools]
            if TOOL not in names:
                raise RuntimeError(f"tool {TOOL!r} not listed: {names}")
            # The server may answer lists to anyone and challenge only the protected
            # tool's call: the flow runs there at the latest.
            at(f"calling {TOOL} {json.dumps(ARGUMENTS)}")
            result = await client.call_tool(TOOL, ARGUMENTS)
            print(result.model_dump_json(by_alias=True, exclude_none=True), flush=True)
            if result.is_error:
                raise RuntimeError(f"{TOOL} returned an error result")
            if not (seen["redirected"] and seen["called_back"] and storage.tokens):
                raise RuntimeError("the server answered without the OAuth flow being run")
            token = storage.tokens
            client_info = storage.client_info
            print(
                f"python oauth client: authorized: client {client_info.client_id if client_info else '?'}, "
                f"token scope {token.scope!r}, expires in {token.expires_in}, "
                f"refresh token: {'yes' if token.refresh_token else 'no'}",
                flush=True,
            )
    print("python oauth client: ok", flush=True)


def explain(error: BaseException) -> str:
    # Errors from inside the client's task groups arrive wrapped in exception groups.
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(explain(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


try:
    asyncio.run(main())
except Exception as error:
    sys.exit(f"python oauth client: failed at step '{step}': {explain(error)}")
