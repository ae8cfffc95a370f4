// Sensors #10–#18 (spec/autonomy.md §1.2) in run order: the SDWAN, GitOps, project, package and
// storage sensors, whose subject tables live in store's sdwan/gitops/projects/packages/storage schema.
import { gitopsDrift } from "./gitops-drift.ts";
import { packageDrift } from "./package-drift.ts";
import { projectSlo } from "./project-slo.ts";
import { sdwanBgpSession } from "./sdwan-bgp-session.ts";
import { sdwanCredentialExpiry } from "./sdwan-credential-expiry.ts";
import { sdwanHubUnreachable } from "./sdwan-hub-unreachable.ts";
import { sdwanPeerStale } from "./sdwan-peer-stale.ts";
import { sdwanVipUnreachable } from "./sdwan-vip-unreachable.ts";
import type { Sensor } from "./sensor.ts";
import { storageAssignmentDrift } from "./storage-assignment-drift.ts";

export const sensorsTenToEighteen: readonly Sensor[] = [
  sdwanPeerStale,
  sdwanHubUnreachable,
  sdwanBgpSession,
  sdwanVipUnreachable,
  gitopsDrift,
  projectSlo,
  packageDrift,
  sdwanCredentialExpiry,
  storageAssignmentDrift,
];
