// A real OpenID provider (oidc-provider, installed by `scripts/peers oidc`) for the OAuth tests,
// on 127.0.0.1 over plain http. Test-only: it hands out its private signing key.
//
// Run it on Node 22 with the oidc-provider folder named by MCP_PEERS_OIDC_DIR (the script
// resolves the package from there, so it runs from tests/oidc as it is):
//
//   . target/peers/env
//   PORT=0 node tests/oidc/provider.mjs        # prints `OIDC issuer: http://127.0.0.1:PORT`
//
// (Copied next to the folder's node_modules it also runs without MCP_PEERS_OIDC_DIR.)
//
// Env: PORT (0 or unset: any free port), RESOURCE_SCOPES (default `items:read items:write`),
// OIDC_DEBUG=1 to log every OAuth error response (otherwise only server errors, on stderr).
//
// What it serves, at issuer http://127.0.0.1:PORT:
//   /.well-known/openid-configuration      OpenID discovery (scopes_supported: openid,
//   /.well-known/oauth-authorization-server   offline_access and the resource scopes); RFC 8414's
//                                          is the same document
//   /jwks                                  the current signing key (RS256, with its kid)
//   /token                                 client_credentials, authorization_code, refresh_token
//   /auth, /interaction/:uid               authorization code + PKCE with the dev interactions:
//                                          a login form taking any login and password, then a
//                                          consent form granting what was asked
//   /reg                                   open dynamic client registration (RFC 7591)
//   POST /test/rotate                      new RSA key with a new kid, the old one leaves the
//                                          JWKS; answers {"kid": "..."}
//   GET  /test/signing-key                 {"kid": "...", "pem": "<PKCS#8 PEM private key>"}
//
// The pre-registered confidential client `mcp-tests` / `mcp-tests-secret` (client_secret_basic
// or _post) has the client_credentials grant. Any token request naming `resource=` an http(s)
// URL on 127.0.0.1 or localhost (RFC 8707) gets a JWT access token (RS256, typ at+jwt) with
// aud = that resource, iss = the issuer, scope = the requested scopes among RESOURCE_SCOPES
// (space-separated), client_id, sub, jti, iat and exp (300 s). Without `resource` the token is
// opaque (oidc-provider's own, for /me). /token/introspection and /token/revocation exist too.
import { generateKeyPairSync, createPrivateKey, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { default: Provider, errors } = process.env.MCP_PEERS_OIDC_DIR
  ? await import(
      pathToFileURL(
        createRequire(join(process.env.MCP_PEERS_OIDC_DIR, "package.json")).resolve("oidc-provider"),
      ).href
    )
  : await import("oidc-provider");

const RESOURCE_SCOPES = (process.env.RESOURCE_SCOPES || "items:read items:write")
  .split(/\s+/)
  .filter(Boolean);
const TOKEN_TTL = 300;
const DEBUG = !!process.env.OIDC_DEBUG;

// oidc-provider announces its development-only defaults (dev interactions, default account
// lookup, ...) on console.info/warn; they are expected here.
for (const method of ["info", "warn"]) {
  const original = console[method];
  console[method] = (...args) => {
    if (typeof args[0] === "string" && /^(\x1b\[[0-9;]*m)?oidc-provider (NOTICE|WARNING)/.test(args[0])) return;
    original(...args);
  };
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
}

function loopbackResource(indicator) {
  const url = URL.parse(indicator);
  return (
    url !== null &&
    (url.protocol === "http:" || url.protocol === "https:") &&
    ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)
  );
}

function configuration(signingKey) {
  return {
    clients: [
      {
        client_id: "mcp-tests",
        client_secret: "mcp-tests-secret",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        scope: RESOURCE_SCOPES.join(" "),
      },
    ],
    jwks: { keys: [signingKey] },
    // The same cookie keys in every instance, so a flow begun before a rotation finishes after it.
    cookies: { keys: ["mcp-tests-cookie-key"] },
    clientBasedCORS: () => true,
    // The resource scopes are listed here too: dynamic registration refuses a client `scope`
    // naming anything else (MCP clients register with the scope they will ask for), and
    // discovery's scopes_supported then lists them. What a resource's token carries is decided by
    // getResourceServerInfo below. Requests without openid (plain OAuth 2.0) are fine.
    scopes: ["openid", "offline_access", ...RESOURCE_SCOPES],
    // MCP clients register with the scope of the first challenge they meet (`items:read`); a
    // registered client may still ask for any of the resource's scopes later (step-up after a
    // 403 insufficient_scope), as a Keycloak or Auth0 client of the API may.
    extraClientMetadata: {
      properties: ["scope"],
      validator(_ctx, key, value, metadata) {
        if (key === "scope" && value !== undefined) {
          metadata.scope = [...new Set([...value.split(" "), ...RESOURCE_SCOPES])].join(" ");
        }
      },
    },
    responseTypes: ["code"],
    ttl: {
      AccessToken: TOKEN_TTL,
      ClientCredentials: TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
    },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A single resource requested at authorization is the default at the token endpoint,
        // and a code or refresh token is exchanged for the resource it was granted for.
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (!loopbackResource(resourceIndicator)) {
            throw new errors.InvalidTarget("resource must be an http(s) URL on 127.0.0.1 or localhost");
          }
          return {
            scope: RESOURCE_SCOPES.join(" "),
            audience: resourceIndicator,
            accessTokenTTL: TOKEN_TTL,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
  };
}

function newProvider(issuer, signingKey) {
  const provider = new Provider(issuer, configuration(signingKey));
  provider.on("server_error", (_ctx, err) => console.error("oidc server_error:", err));
  if (DEBUG) {
    for (const event of [
      "authorization.error",
      "grant.error",
      "registration_create.error",
      "introspection.error",
      "revocation.error",
      "jwks.error",
      "discovery.error",
    ]) {
      provider.on(event, (...args) => {
        const err = args.find((a) => a instanceof Error);
        console.error(`oidc ${event}:`, err?.message, err?.error_description ?? "");
      });
    }
  }
  return provider;
}

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

let signingKey = newSigningKey();
let provider;
let dispatch;

const server = createServer((req, res) => {
  const path = req.url.split("?")[0];
  if (path === "/test/rotate" && req.method === "POST") {
    // A fresh instance with the same clients and settings and only the new key; the memory
    // adapter (sessions, grants, registered clients) is shared by all instances.
    signingKey = newSigningKey();
    provider = newProvider(issuer, signingKey);
    dispatch = provider.callback();
    return json(res, 200, { kid: signingKey.kid });
  }
  if (path === "/test/signing-key" && req.method === "GET") {
    const pem = createPrivateKey({ key: signingKey, format: "jwk" }).export({ type: "pkcs8", format: "pem" });
    return json(res, 200, { kid: signingKey.kid, pem });
  }
  if (path === "/.well-known/oauth-authorization-server") {
    // RFC 8414: the same metadata as OpenID discovery (the issuer has no path).
    req.url = "/.well-known/openid-configuration";
  }
  return dispatch(req, res);
});

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(Number(process.env.PORT || 0), "127.0.0.1", resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;
provider = newProvider(issuer, signingKey);
dispatch = provider.callback();
console.log(`OIDC issuer: ${issuer}`);

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
