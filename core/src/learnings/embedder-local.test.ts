// The local feature-hashing embedder: deterministic unit vectors whose cosine follows shared tokens.
import { describe, expect, it } from "vitest";
import { cosine } from "./embedder.ts";
import { hashEmbed, localEmbedder } from "./embedder-local.ts";
import { situationText } from "./situation.ts";

const s = (features: Record<string, string | number>, kind = "fleet.module_drift") =>
  situationText({
    kind,
    category: "module.sync",
    severity: "high",
    target_type: "instance",
    module: { name: "nginx", version: 7 },
    features,
  });

describe("localEmbedder", () => {
  it("is deterministic, 256-dimensional and unit length", async () => {
    const e = localEmbedder();
    expect(e.model).toBe("local-hash-256");
    const [a, b] = await e.embed([s({ cpu_pct: 40 }), s({ cpu_pct: 40 })]);
    expect(a).toHaveLength(256);
    expect(a).toEqual(b);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 12);
    expect(hashEmbed("kind=x")).toEqual(hashEmbed("kind=x"));
  });

  it("ranks a one-bucket change above a different situation", () => {
    const base = hashEmbed(s({ cpu_pct: 45, failures: 3, region: "eu" }));
    const near = hashEmbed(s({ cpu_pct: 65, failures: 3, region: "eu" }));
    const far = hashEmbed(
      situationText({ kind: "cert.expiring", category: "cert.rotate", severity: "low", target_type: "certificate" }),
    );
    expect(cosine(base, near)).toBeGreaterThan(0.85);
    expect(cosine(base, near)).toBeLessThan(1);
    expect(cosine(base, far)).toBeLessThan(0.6);
  });
});
