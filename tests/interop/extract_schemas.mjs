// Writes the MCP JSON Schemas that the conformance suite 0.2 carries in its
// bundle (it validates every message against them, `wire-schema-valid`) as
// files: OUT_DIR/schema-<version>.json, one per protocol version found.
//
// Usage: node extract_schemas.mjs BUNDLE OUT_DIR
//
// The schemas are object literals in the bundle (`X={$schema:"…2020-12…",
// $defs:{…}}`); each is cut out by matching braces (skipping strings and
// template literals) and evaluated on its own. Its version is told by the
// `LATEST_PROTOCOL_VERSION`-style constants of the definitions it holds:
// `DiscoverResult` means 2026-07-28, `InitializeResult` with
// `CreateTaskResult`… means 2025-11-25, else 2025-06-18.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";

const [bundlePath, outDir] = process.argv.slice(2);
const source = readFileSync(bundlePath, "utf8");
mkdirSync(outDir, { recursive: true });

const marker = "={$schema:`https://json-schema.org/draft/2020-12/schema`,$defs:{Annotations:";
let at = 0;
const found = [];
while ((at = source.indexOf(marker, at)) !== -1) {
  const start = at + 1;
  let depth = 0, i = start, quote = null;
  for (; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "`" || c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) break;
  }
  const schema = Function(`"use strict"; return (${source.slice(start, i + 1)});`)();
  found.push(schema);
  at = i;
}

const version = (schema) => {
  const defs = schema.$defs ?? {};
  if (defs.DiscoverResult) return "2026-07-28";
  if (defs.ElicitRequestURLParams || defs.URLElicitationRequiredError || defs.Icon) return "2025-11-25";
  return "2025-06-18";
};
const written = [];
for (const schema of found) {
  const v = version(schema);
  const path = `${outDir}/schema-${v}.json`;
  writeFileSync(path, JSON.stringify(schema));
  written.push(`${v} (${Object.keys(schema.$defs).length} definitions)`);
}
if (written.length === 0) {
  console.error("no schema found in the bundle");
  process.exit(1);
}
console.log(`schemas: ${written.join(", ")}`);
