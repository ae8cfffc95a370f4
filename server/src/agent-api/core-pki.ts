// Binds the agent listener's PKI port to core's PKI and enrollment modules, the runtime's database
// and its secret box.
import {
  enrollInstance,
  ensureAgentServerTls,
  rotateCertificate,
  type Services,
  verifyClientCertificate,
} from "@nodepilot/core";
import type { AgentPki } from "./pki-port.ts";

export function corePki(services: Services): AgentPki {
  const db = services.database.db;
  return {
    serverTls: (hostnames, now) => ensureAgentServerTls(db, services.secrets, { hostnames, now }),
    verifyClient: (certDer, now) => verifyClientCertificate(db, certDer, now),
    enroll: (args, requestId) =>
      enrollInstance(
        db,
        { source: "agent", correlationId: requestId },
        {
          secrets: services.secrets,
          bootstrapToken: args.bootstrapToken,
          csrPem: args.csrPem,
          identity: args.identity,
          sourceIp: args.sourceIp,
          now: args.now,
        },
      ),
    rotate: (args, origin) => rotateCertificate(db, origin, { secrets: services.secrets, ...args }),
  };
}
