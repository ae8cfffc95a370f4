import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type HttpFixture, startHttpFixture } from "../testing/http-fixture.ts";
import { createTestPki } from "../testing/pki-fixture.ts";
import { awsSource, azureSource, digitalOceanSource, gcpSource } from "./cloud.ts";
import { cmdlineSource } from "./cmdline.ts";
import { filesSource } from "./files.ts";
import { fwCfgSource } from "./fw-cfg.ts";
import type { SourceContext } from "./outcome.ts";

const ID = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";
const ctx = (): SourceContext => ({ signal: AbortSignal.timeout(10_000) });
let caPem = "";
let fixture: HttpFixture | undefined;

beforeAll(async () => {
  caPem = (await createTestPki()).caPem.trim();
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const tmp = () => mkdtemp(path.join(tmpdir(), "np-identity-"));
const jsonUserData = () =>
  JSON.stringify({ instance_id: ID, bootstrap_token: "tok", platform_url: "https://np.test", ca_pem: caPem });
const wanted = () => ({
  status: "found",
  fields: { instance_id: ID, bootstrap_token: "tok", platform_url: "https://np.test", ca_pem: caPem },
});

describe("cmdline source", () => {
  it("reads quoted nodepilot.* values and a base64 CA", async () => {
    const dir = await tmp();
    const file = path.join(dir, "cmdline");
    await writeFile(
      file,
      `ro nodepilot.instance_id=${ID} nodepilot.bootstrap_token="tok" nodepilot.platform_url='https://np.test' nodepilot.ca_pem=${Buffer.from(caPem).toString("base64")}\n`,
    );
    expect(await cmdlineSource(file).probe(ctx())).toEqual(wanted());
  });

  it("is absent when the file or the parameters are missing", async () => {
    const dir = await tmp();
    expect((await cmdlineSource(path.join(dir, "nope")).probe(ctx())).status).toBe("absent");
    await writeFile(path.join(dir, "c"), "ro quiet\n");
    expect((await cmdlineSource(path.join(dir, "c")).probe(ctx())).status).toBe("absent");
  });

  it("fetches ca_pem_url and accepts it only when ca_sha256 matches", async () => {
    fixture = await startHttpFixture((_req, res) => res.end(caPem));
    const good = createHash("sha256").update(caPem).digest("hex");
    const dir = await tmp();
    const file = path.join(dir, "cmdline");
    const base = `nodepilot.instance_id=${ID} nodepilot.platform_url=https://np.test nodepilot.ca_pem_url=${fixture.baseUrl}/ca.pem`;
    await writeFile(file, `${base} nodepilot.ca_sha256=${good}`);
    const ok = await cmdlineSource(file).probe(ctx());
    expect(ok).toMatchObject({ status: "found", fields: { ca_pem: caPem } });
    await writeFile(file, `${base} nodepilot.ca_sha256=${"0".repeat(64)}`);
    const bad = await cmdlineSource(file).probe(ctx());
    expect(bad).toMatchObject({ status: "error" });
    expect(bad.status === "error" && bad.error).toMatch(/expected 0{64}/);
    await writeFile(file, base);
    expect(await cmdlineSource(file).probe(ctx())).toMatchObject({
      status: "error",
      error: expect.stringMatching(/ca_sha256/),
    });
  });
});

describe("fw-cfg source", () => {
  it("reads one raw file per key", async () => {
    const root = await tmp();
    const base = path.join(root, "firmware/qemu_fw_cfg/by_name/opt/org.nodepilot");
    const values = { instance_id: ID, bootstrap_token: "tok", platform_url: "https://np.test", ca_pem: caPem };
    for (const [k, v] of Object.entries(values)) {
      await mkdir(path.join(base, k), { recursive: true });
      await writeFile(path.join(base, k, "raw"), v);
    }
    expect(await fwCfgSource(root).probe(ctx())).toEqual(wanted());
    expect((await fwCfgSource(await tmp()).probe(ctx())).status).toBe("absent");
  });
});

describe("cloud sources", () => {
  it("AWS uses an IMDSv2 session token and never asks without one", async () => {
    fixture = await startHttpFixture((req, res) => {
      if (
        req.method === "PUT" &&
        req.url === "/latest/api/token" &&
        req.headers["x-aws-ec2-metadata-token-ttl-seconds"] === "60"
      ) {
        res.end("SESSION");
      } else if (req.url === "/latest/user-data" && req.headers["x-aws-ec2-metadata-token"] === "SESSION") {
        res.end(jsonUserData());
      } else {
        res.statusCode = 401;
        res.end();
      }
    });
    expect(await awsSource(fixture.baseUrl).probe(ctx())).toEqual(wanted());
    expect(fixture.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "PUT /latest/api/token",
      "GET /latest/user-data",
    ]);
  });

  it("AWS with a refused token is an error and makes no IMDSv1 request", async () => {
    fixture = await startHttpFixture((_req, res) => {
      res.statusCode = 403;
      res.end();
    });
    expect(await awsSource(fixture.baseUrl).probe(ctx())).toEqual({
      status: "error",
      error: "IMDSv2 token request answered 403",
    });
    expect(fixture.requests).toHaveLength(1);
  });

  it("GCP requires the echoed Metadata-Flavor header", async () => {
    let echo = true;
    fixture = await startHttpFixture((req, res) => {
      if (echo) res.setHeader("Metadata-Flavor", "Google");
      expect(req.headers["metadata-flavor"]).toBe("Google");
      res.end(`ID=${ID}\nKEY=tok\nSERVER=https://np.test\nCA_PEM='${caPem}'\n`);
    });
    expect(await gcpSource(fixture.baseUrl).probe(ctx())).toEqual(wanted());
    echo = false;
    expect(await gcpSource(fixture.baseUrl).probe(ctx())).toMatchObject({
      status: "error",
      error: expect.stringMatching(/Metadata-Flavor/),
    });
  });

  it("Azure base64-decodes userData", async () => {
    fixture = await startHttpFixture((req, res) => {
      expect(req.url).toBe("/metadata/instance/compute/userData?api-version=2021-01-01&format=text");
      expect(req.headers.metadata).toBe("true");
      res.end(Buffer.from(jsonUserData()).toString("base64"));
    });
    expect(await azureSource(fixture.baseUrl).probe(ctx())).toEqual(wanted());
  });

  it("DigitalOcean detects via /metadata/v1/id, then reads user data", async () => {
    fixture = await startHttpFixture((req, res) => {
      if (req.url === "/metadata/v1/id") res.end("123456");
      else if (req.url === "/metadata/v1/user-data") res.end(jsonUserData());
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    expect(await digitalOceanSource(fixture.baseUrl).probe(ctx())).toEqual(wanted());
  });

  it("a 404 or an unreachable service is absent, a body over 64 KB is an error", async () => {
    fixture = await startHttpFixture((req, res) => {
      if (req.url === "/metadata/v1/id") {
        res.statusCode = 404;
        res.end();
      } else res.end("x".repeat(70_000));
    });
    expect((await digitalOceanSource(fixture.baseUrl).probe(ctx())).status).toBe("absent");
    expect(await azureSource(fixture.baseUrl).probe(ctx())).toMatchObject({
      status: "error",
      error: expect.stringMatching(/refused/),
    });
    const closed = fixture.baseUrl;
    await fixture.close();
    fixture = undefined;
    expect((await gcpSource(closed).probe(ctx())).status).toBe("absent");
  });

  it("a metadata server that never answers is absent after the 1.5 s probe timeout", async () => {
    fixture = await startHttpFixture(() => {
      /* never answers */
    });
    const started = Date.now();
    const out = await gcpSource(fixture.baseUrl).probe(ctx());
    expect(out.status).toBe("absent");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("files source", () => {
  const cfg = (ca: string) => `# test\nexport ID='${ID}'\nKEY="tok"\nSERVER=https://np.test\n\nCA_PEM_FILE=${ca}\n`;

  it("reads the first existing file, resolving CA_PEM_FILE relative to it", async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, "ca.pem"), caPem);
    const file = path.join(dir, "identity.cfg");
    await writeFile(file, cfg("ca.pem"), { mode: 0o600 });
    const out = await filesSource({ candidates: [path.join(dir, "missing.cfg"), file] }).probe(ctx());
    expect(out).toEqual(wanted());
  });

  it("refuses a token file readable by others", async () => {
    const dir = await tmp();
    const file = path.join(dir, "identity.cfg");
    await writeFile(file, cfg(path.join(dir, "ca.pem")));
    await chmod(file, 0o644);
    expect(await filesSource({ explicitFile: file }).probe(ctx())).toMatchObject({
      status: "error",
      error: expect.stringMatching(/mode 644; it must be 0600/),
    });
  });

  it("refuses a token file owned by another user", async () => {
    const dir = await tmp();
    const file = path.join(dir, "identity.cfg");
    await writeFile(file, cfg("ca.pem"), { mode: 0o600 });
    await writeFile(path.join(dir, "ca.pem"), caPem);
    const me = process.getuid!();
    const out = await filesSource({ explicitFile: file, uid: me + 1 }).probe(ctx());
    // Running as root the file is root-owned and therefore fine; otherwise it is ours, not uid+1's.
    if (me === 0) expect(out.status).toBe("found");
    else expect(out).toMatchObject({ status: "error", error: expect.stringMatching(/owned by uid/) });
  });

  it("accepts a public file without KEY, and a missing explicit file is an error", async () => {
    const dir = await tmp();
    const file = path.join(dir, "identity.cfg");
    await writeFile(path.join(dir, "ca.pem"), caPem);
    await writeFile(file, "SERVER=https://np.test\nCA_PEM_FILE=ca.pem\n", { mode: 0o644 });
    expect(await filesSource({ explicitFile: file }).probe(ctx())).toEqual({
      status: "found",
      fields: { platform_url: "https://np.test", ca_pem: caPem },
    });
    expect((await filesSource({ explicitFile: path.join(dir, "gone") }).probe(ctx())).status).toBe("error");
    expect((await filesSource({ candidates: [path.join(dir, "gone")] }).probe(ctx())).status).toBe("absent");
  });
});
