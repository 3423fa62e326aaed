// Drives the example app with the official TypeScript SDK client
// (@modelcontextprotocol/sdk, v1). Usage: node ts_client.mjs URL
// Exits non-zero, with the reason, on any mismatch.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const check = (condition, what) => {
  if (!condition) {
    console.error(`ts client: ${what}`);
    process.exit(1);
  }
};

// Ajv warns (on stderr) about schema keywords it does not know; there must be none.
const warnings = [];
const warn = console.warn;
console.warn = (...args) => { warnings.push(args.join(" ")); warn(...args); };

const client = new Client({ name: "interop-ts", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(url, {
  requestInit: { headers: { Authorization: "Bearer demo-token" } },
});
await client.connect(transport);
check(transport.protocolVersion === "2025-11-25", `negotiated ${transport.protocolVersion}`);
check(typeof transport.sessionId === "string" && transport.sessionId.length === 32, "no session id");

const { tools } = await client.listTools();
check(tools.length === 10, `tools: ${tools.map((t) => t.name)}`);
const getItem = tools.find((t) => t.name === "get_item");
check(getItem.annotations.readOnlyHint === true, "get_item is not read-only");

// callTool validates structuredContent against outputSchema with Ajv.
let res = await client.callTool({ name: "get_item", arguments: { id: 1 } });
check(!res.isError && res.structuredContent.name === "Hammer", `get_item: ${JSON.stringify(res)}`);
res = await client.callTool({ name: "create_item", arguments: { name: "Drill", price_cents: 8900, category: "tool" } });
check(!res.isError && res.structuredContent.id === 4, `create_item: ${JSON.stringify(res)}`);
res = await client.callTool({ name: "get_item", arguments: { id: 404 } });
check(res.isError && res.content[0].text.startsWith("HTTP 404 Not Found"), `missing item: ${JSON.stringify(res)}`);
res = await client.callTool({ name: "item_label", arguments: { id: 1 } });
check(res.content[0].type === "image", `label: ${JSON.stringify(res)}`);

check(warnings.length === 0, `schema warnings: ${warnings}`);
await transport.terminateSession();
await client.close();
console.log("ts client: ok");
