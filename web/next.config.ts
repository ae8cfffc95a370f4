// The operator UI. It is served by `nodepilot start` (server/src/web-ui/) in the same process as the
// API, which it reaches only over HTTP: the browser through same-origin /api/v1 with the session
// cookie, server components through NODEPILOT_INTERNAL_URL with the caller's cookie forwarded.
import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
};

export default config;
