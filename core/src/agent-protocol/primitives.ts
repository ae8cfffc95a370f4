// Small shared zod types of the agent protocol (spec/agent.md). This subpath is imported by the
// on-node agent, so it must import nothing but zod.
import { z } from "zod";

export const AGENT_API_BASE_PATH = "/agent/v1";
export const AGENT_PROTOCOL_VERSION = 1;

export const ProtoUuid = z.uuid();
export const ProtoTimestamp = z.iso.datetime({ offset: true });
/** An OCI content digest, `sha256:<64 hex>`. */
export const Sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 lowercase hex>");
export const Architecture = z.enum(["amd64", "arm64"]);
export const PemText = z.string().min(1).max(65_536).includes("-----BEGIN ", { message: "must be PEM text" });
export const MountMode = z.enum(["kernel", "fuse", "extracted"]);
export const MountState = z.enum(["mounted", "unmounted", "transitioning"]);
