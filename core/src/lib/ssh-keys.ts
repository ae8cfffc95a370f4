// SSH key pairs for nodes (client key and host key): generated on node create, private halves sealed
// at rest, fingerprints in OpenSSH's `SHA256:<b64>` form (spec/domain.md §1.2).
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";

export type SshKeyType = "ed25519" | "rsa2048";

export interface SshKeyPair {
  privatePem: string;
  publicKey: string;
  fingerprint: string;
}

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function mpint(b64url: string): Buffer {
  let b = Buffer.from(b64url, "base64url");
  if (b.length > 0 && (b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

function wireFormat(type: SshKeyType, pub: KeyObject): { name: string; blob: Buffer } {
  const jwk = pub.export({ format: "jwk" });
  if (type === "ed25519") {
    const name = "ssh-ed25519";
    return {
      name,
      blob: Buffer.concat([sshString(Buffer.from(name)), sshString(Buffer.from(jwk.x as string, "base64url"))]),
    };
  }
  const name = "ssh-rsa";
  return { name, blob: Buffer.concat([sshString(Buffer.from(name)), mpint(jwk.e as string), mpint(jwk.n as string)]) };
}

export function generateSshKeyPair(type: SshKeyType, comment: string): SshKeyPair {
  const { publicKey, privateKey } =
    type === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const { name, blob } = wireFormat(type, publicKey);
  return {
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKey: `${name} ${blob.toString("base64")} ${comment}`,
    fingerprint: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`,
  };
}
