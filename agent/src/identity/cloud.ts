// Sources 3–6, cloud metadata services (spec/agent.md §2). All share one link-local base URL
// (injectable for tests). An unreachable service or a 404 means "not this cloud" (absent); any
// other unexpected answer is an error. AWS is IMDSv2 only: without a session token we stop.
import { absent, errorText, failed, found, type IdentitySourceProbe, type SourceOutcome } from "./outcome.ts";
import { parseUserData } from "./parse.ts";
import { DEFAULT_METADATA_BASE_URL, type ProbeResponse, ProbeUnreachable, probe } from "./probe.ts";

type Probe = (
  path: string,
  opts?: { method?: "GET" | "PUT"; headers?: Record<string, string> },
) => Promise<ProbeResponse>;

function cloudSource(
  name: "aws" | "gcp" | "azure" | "digitalocean",
  baseUrl: string,
  run: (get: Probe) => Promise<SourceOutcome>,
): IdentitySourceProbe {
  return {
    name,
    async probe({ signal }) {
      const get: Probe = (p, opts) => probe(new URL(p, baseUrl).toString(), { ...opts, signal });
      try {
        return await run(get);
      } catch (err) {
        if (err instanceof ProbeUnreachable) return absent(`metadata service unreachable: ${err.message}`);
        return failed(errorText(err));
      }
    },
  };
}

function fromUserData(text: string): SourceOutcome {
  const fields = parseUserData(text);
  return fields ? found(fields) : absent("user data holds no Nodepilot identity");
}

export function awsSource(baseUrl = DEFAULT_METADATA_BASE_URL): IdentitySourceProbe {
  return cloudSource("aws", baseUrl, async (get) => {
    const token = await get("/latest/api/token", {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" },
    });
    if (token.status === 404 || token.status === 405) return absent(`no IMDSv2 token endpoint (${token.status})`);
    // Never fall back to IMDSv1: a refused token is an error, not a reason to ask without one.
    if (token.status !== 200) return failed(`IMDSv2 token request answered ${token.status}`);
    const data = await get("/latest/user-data", {
      headers: { "X-aws-ec2-metadata-token": token.body.toString("utf8") },
    });
    if (data.status === 404) return absent("no user data");
    if (data.status !== 200) return failed(`user-data answered ${data.status}`);
    return fromUserData(data.body.toString("utf8"));
  });
}

export function gcpSource(baseUrl = DEFAULT_METADATA_BASE_URL): IdentitySourceProbe {
  return cloudSource("gcp", baseUrl, async (get) => {
    const res = await get("/computeMetadata/v1/instance/attributes/user-data", {
      headers: { "Metadata-Flavor": "Google" },
    });
    if (res.status === 404 && res.headers["metadata-flavor"] !== "Google") return absent("not a GCP metadata server");
    if (res.headers["metadata-flavor"] !== "Google") return failed("response did not echo Metadata-Flavor: Google");
    if (res.status === 404) return absent("no user-data attribute");
    if (res.status !== 200) return failed(`user-data answered ${res.status}`);
    return fromUserData(res.body.toString("utf8"));
  });
}

export function azureSource(baseUrl = DEFAULT_METADATA_BASE_URL): IdentitySourceProbe {
  return cloudSource("azure", baseUrl, async (get) => {
    const res = await get("/metadata/instance/compute/userData?api-version=2021-01-01&format=text", {
      headers: { Metadata: "true" },
    });
    if (res.status === 404) return absent("no Azure instance metadata");
    if (res.status !== 200) return failed(`userData answered ${res.status}`);
    const raw = res.body.toString("utf8").trim();
    if (raw === "") return absent("no user data");
    if (!/^[A-Za-z0-9+/=\s]+$/.test(raw)) return failed("Azure userData is not base64");
    return fromUserData(Buffer.from(raw, "base64").toString("utf8"));
  });
}

export function digitalOceanSource(baseUrl = DEFAULT_METADATA_BASE_URL): IdentitySourceProbe {
  return cloudSource("digitalocean", baseUrl, async (get) => {
    const id = await get("/metadata/v1/id");
    if (id.status === 404) return absent("not a DigitalOcean droplet");
    if (id.status !== 200) return failed(`metadata id answered ${id.status}`);
    const data = await get("/metadata/v1/user-data");
    if (data.status === 404) return absent("no user data");
    if (data.status !== 200) return failed(`user-data answered ${data.status}`);
    return fromUserData(data.body.toString("utf8"));
  });
}
