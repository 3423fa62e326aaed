// Drives the example app with the TypeScript SDK v2 client package
// (@modelcontextprotocol/client). Usage: node ts_client_v2.mjs URL
// Exits non-zero, with the reason, on any mismatch.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const url = new URL(process.argv[2]);
const check = (condition, what) => {
  if (!condition) {
    console.error(`ts client v2: ${what}`);
    process.exit(1);
  }
};

const client = new Client({ name: "interop-ts-v2", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(url, {
  requestInit: { headers: { Authorization: "Bearer demo-token" } },
});
await client.connect(transport);

const { tools } = await client.listTools();
check(tools.some((t) => t.name === "get_item"), `tools: ${tools.map((t) => t.name)}`);
let res = await client.callTool({ name: "get_item", arguments: { id: 1 } });
check(!res.isError && res.structuredContent.name === "Hammer", `get_item: ${JSON.stringify(res)}`);
res = await client.callTool({ name: "list_items", arguments: { category: "toy" } });
check(!res.isError && res.structuredContent.result.length === 1, `list_items: ${JSON.stringify(res)}`);
await client.close();
console.log("ts client v2: ok");
