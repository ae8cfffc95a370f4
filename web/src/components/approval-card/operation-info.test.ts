import { describe, expect, it } from "vitest";
import { fieldSchemaOf, indexOperations, reversibilityOf } from "./operation-info";

// The shape server/src/rest/openapi.ts writes (trimmed from a real /openapi.json).
const doc = {
  openapi: "3.1.0",
  paths: {
    "/api/v1/node_instances/{id}/reboot": {
      post: {
        operationId: "instance.reboot",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  hard: { default: false, description: "Power-cycle.", type: "boolean" },
                  reason: { type: "string", minLength: 1, maxLength: 500 },
                },
                required: [],
              },
            },
          },
        },
        "x-nodepilot-effect": "write",
      },
    },
    "/api/v1/nodes/{id}": {
      delete: {
        operationId: "node.delete",
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          { name: "force", in: "query", required: false, schema: { type: "boolean" } },
        ],
        "x-nodepilot-effect": "destructive",
      },
      patch: {
        operationId: "node.update",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                properties: {
                  public_address: { anyOf: [{ type: "string", maxLength: 253 }, { type: "null" }] },
                  version: { type: "integer", exclusiveMinimum: 0 },
                  mode: { type: "string", enum: ["a", "b"] },
                },
                required: ["version"],
              },
            },
          },
        },
        "x-nodepilot-effect": "sideways",
      },
    },
  },
};

describe("operation info from /openapi.json", () => {
  it("indexes effect, route parameters, inputs and required ones by operationId", () => {
    const index = indexOperations(doc);
    const reboot = index.get("instance.reboot")!;
    expect(reboot).toMatchObject({ effect: "write", pathParams: ["id"], required: ["id"] });
    expect(reboot.fields.hard).toMatchObject({ types: ["boolean"], description: "Power-cycle." });
    expect(reboot.fields.reason).toMatchObject({ types: ["string"], minLength: 1, maxLength: 500 });
    expect(index.get("node.delete")).toMatchObject({ effect: "destructive", pathParams: ["id"] });
    expect(index.get("node.delete")!.fields.force!.types).toEqual(["boolean"]);
    const update = index.get("node.update")!;
    expect(update.effect).toBeNull();
    expect(update.required).toEqual(["version"]);
    expect(update.fields.mode!.enum).toEqual(["a", "b"]);
    expect(indexOperations(null).size).toBe(0);
  });

  it("merges anyOf branches: nullable strings, open schemas", () => {
    expect(fieldSchemaOf({ anyOf: [{ type: "string", maxLength: 9 }, { type: "null" }] })).toMatchObject({
      types: ["string", "null"],
      maxLength: 9,
    });
    expect(fieldSchemaOf({}).types).toEqual([]);
    expect(fieldSchemaOf({ anyOf: [{ type: "integer", minimum: 0 }, {}] }).types).toEqual([]);
    expect(fieldSchemaOf({ const: "x" })).toMatchObject({ types: ["string"], enum: ["x"] });
  });

  it("says reversible only from the effect class, unknown otherwise", () => {
    expect(reversibilityOf("instance.reboot", "write").value).toBe("yes");
    expect(reversibilityOf("node.delete", "destructive")).toMatchObject({ value: "no" });
    expect(reversibilityOf("instance.get", "read").value).toBe("yes");
    expect(reversibilityOf("reboot", null)).toMatchObject({ value: "unknown" });
    expect(reversibilityOf(null, "write").value).toBe("unknown");
  });
});
