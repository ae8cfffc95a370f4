// Preload (`node --import`) for the MCP conformance suite's CLI, a test-only file: the suite has no
// way to send an Authorization header and /mcp wants a bearer token on every request, so every
// request this process makes through undici — the SDK client's fetch and the suite's raw
// undici.request — gets `Authorization: Bearer $MCP_TOKEN` unless it already carries one.
import { createRequire } from "node:module";

// The suite's own undici, loaded from where the suite loads it: its global dispatcher is the one that
// both its undici.request and Node's fetch use.
const suiteRequire = createRequire(import.meta.resolve("@modelcontextprotocol/conformance/package.json"));
const { Agent, setGlobalDispatcher } = suiteRequire("undici");

const token = process.env.MCP_TOKEN;
if (!token) throw new Error("MCP_TOKEN is not set: the conformance preload needs the bearer token for /mcp");
const authorization = `Bearer ${token}`;
const isAuthorization = (name) => String(name).toLowerCase() === "authorization";

/** undici accepts headers as a flat [name, value, …] array, [name, value] pairs, any iterable of pairs (Headers, Map) or a plain object. */
function withAuth(headers) {
  if (headers == null) return { authorization };
  if (Array.isArray(headers)) {
    if (headers.length === 0 || !Array.isArray(headers[0])) {
      for (let i = 0; i < headers.length; i += 2) if (isAuthorization(headers[i])) return headers;
      return [...headers, "authorization", authorization];
    }
    return headers.some(([name]) => isAuthorization(name)) ? headers : [...headers, ["authorization", authorization]];
  }
  if (typeof headers[Symbol.iterator] === "function") return withAuth([...headers]);
  return Object.keys(headers).some(isAuthorization) ? headers : { ...headers, authorization };
}

setGlobalDispatcher(
  new Agent().compose((dispatch) => (opts, handler) => dispatch({ ...opts, headers: withAuth(opts.headers) }, handler)),
);
