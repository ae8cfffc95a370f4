// The main listener's routing: the API (Hono) owns /api, /mcp, /healthz, /openapi.json and /docs;
// every other path is the web UI when it is enabled.
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { WebUi } from "./web-ui.ts";

const API_PATH = /^\/(?:api(?:\/|$)|mcp(?:[/?]|$)|healthz(?:[/?]|$)|openapi\.json|docs(?:[/?]|$))/;

export const isApiPath = (url: string) => API_PATH.test(url);

export function mainListener(
  fetch: (req: Request) => Response | Promise<Response>,
  web: WebUi | null,
): (req: IncomingMessage, res: ServerResponse) => void {
  const api = getRequestListener(fetch);
  return (req, res) => {
    if (!web || isApiPath(req.url ?? "/")) void api(req, res);
    else web.handle(req, res);
  };
}
