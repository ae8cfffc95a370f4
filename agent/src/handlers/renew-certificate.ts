// renew_certificate (domain.md §1.3, autonomy §3.9 cert.rotate): rotate the node's client
// certificate now rather than at 75 % of its lifetime. The key and CSR are made here, on the node,
// and never leave it; the run service owns the rotation (one at a time) and hands it in.
import { z } from "zod";
import { defineHandler, HandlerError } from "./handler.ts";

export interface Renewed {
  certificate_id: string;
  not_after: string;
}

export function renewCertificateHandler(renew: () => Promise<Renewed | null>) {
  return defineHandler({
    command: "renew_certificate",
    payload: z.strictObject({}),
    idempotent: true,
    async run() {
      const renewed = await renew();
      if (!renewed) {
        throw new HandlerError("rotation_failed", "the certificate rotation did not succeed; see the agent log", true);
      }
      return { certificate_id: renewed.certificate_id, not_after: renewed.not_after };
    },
  });
}
