// Configuration picks the embedder: a base URL means the remote endpoint, none the local one.
import { describe, expect, it } from "vitest";
import { chooseEmbedder } from "./choose-embedder.ts";

describe("chooseEmbedder", () => {
  it("uses the local embedder without OPENAI_BASE_URL", () => {
    const e = chooseEmbedder({
      NODEPILOT_EMBEDDING_MODEL: "text-embedding-3-small",
      NODEPILOT_EMBEDDING_DIMENSIONS: 1536,
    });
    expect([e.model, e.dimensions]).toEqual(["local-hash-256", 256]);
  });
  it("uses the configured remote model and dimension with OPENAI_BASE_URL", () => {
    const e = chooseEmbedder({
      OPENAI_BASE_URL: "http://127.0.0.1:1/v1",
      NODEPILOT_EMBEDDING_MODEL: "nomic-embed-text",
      NODEPILOT_EMBEDDING_DIMENSIONS: 768,
    });
    expect([e.model, e.dimensions]).toEqual(["nomic-embed-text", 768]);
  });
});
