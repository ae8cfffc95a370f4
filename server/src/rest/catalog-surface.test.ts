// Walks the catalog: every operator operation has a REST route and an OpenAPI entry with schemas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";
import { openApiPath } from "./openapi.ts";

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await createTestFleet();
});
afterAll(async () => {
  await fleet?.close();
});

const samplePath = (path: string) => path.replace(/:[a-z_]+/g, "01890000-0000-7000-8000-000000000000");

describe("catalog surface", () => {
  it("lists every operator operation in /openapi.json with input and output schemas", async () => {
    const res = await fleet.api("GET", "/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    const operators = fleet.runtime.catalog.operations.filter((op) => op.principal === "operator");
    expect(operators.length).toBeGreaterThan(4);
    const ids = new Set<string>();
    for (const op of operators) {
      const entry = doc.paths[`/api/v1${openApiPath(op.http.path)}`]?.[op.http.method.toLowerCase()];
      expect(entry, `${op.name} missing from openapi`).toBeDefined();
      expect(entry.operationId).toBe(op.name);
      ids.add(entry.operationId);
      const success = entry.responses[String(op.http.status)];
      expect(success?.content?.["application/json"]?.schema, `${op.name} has no response schema`).toBeDefined();
      if (op.http.method === "POST" || op.http.method === "PATCH") {
        expect(entry.requestBody?.content?.["application/json"]?.schema, `${op.name} has no body schema`).toBeDefined();
      }
      expect(entry.responses["400"]).toBeDefined();
      expect(entry["x-nodepilot-scope"]).toBe(op.scope);
    }
    expect(ids.size).toBe(operators.length);
  });

  it("documents every /api/v1 route the app mounts, catalog operation or not", async () => {
    const doc = (await fleet.api("GET", "/openapi.json", { token: null })).body;
    const mounted = fleet.runtime.app.routes
      .filter((r) => r.path.startsWith("/api/v1/") && r.method !== "ALL")
      .map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(mounted).toContain("POST /api/v1/session");
    expect(mounted).toContain("POST /api/v1/conversations/{id}/messages");
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    expect(mounted.filter((r) => !documented.has(r))).toEqual([]);
    expect(doc.paths["/api/v1/session"].post.requestBody.content["application/json"].schema.anyOf).toHaveLength(2);
    expect(doc.components.securitySchemes.session).toMatchObject({ in: "cookie", name: "np_session" });
  });

  it("routes every operator operation (unauthenticated calls get 401, not 404)", async () => {
    for (const op of fleet.runtime.catalog.operations.filter((o) => o.principal === "operator")) {
      const res = await fleet.api(op.http.method, `/api/v1${samplePath(op.http.path)}`, {
        token: null,
        ...(op.http.method === "POST" || op.http.method === "PATCH" ? { body: {} } : {}),
      });
      expect(res.status, `${op.name} ${op.http.method} ${op.http.path}`).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(res.body.code).toBe("unauthenticated");
    }
  });

  it("serves /healthz without a token and a browsable /docs page", async () => {
    const health = await fleet.api("GET", "/healthz", { token: null });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("ok");
    const docs = await fleet.api("GET", "/docs", { token: null });
    expect(docs.status).toBe(200);
    expect(docs.body).toContain("node.create");
    expect(docs.body).toContain("/api/v1/nodes");
  });

  it("answers unknown routes with a problem+json 404", async () => {
    const res = await fleet.api("GET", "/api/v1/no_such_thing");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});
