// Every operation of the catalog, grouped by resource; each file owns its resource's operations.
import type { AnyOperation } from "../catalog/operation.ts";
import { accountOperations } from "./account.ts";
import { approvalRequestOperations } from "./approval-request.ts";
import { assignmentOperations } from "./assignment.ts";
import { attributionOperations } from "./attribution.ts";
import { autonomySettingsOperations } from "./autonomy-settings.ts";
import { bootstrapTokenOperations } from "./bootstrap-token.ts";
import { categoryBreakerOperations } from "./category-breaker.ts";
import { complianceSnapshotOperations } from "./compliance-snapshot.ts";
import { consentBudgetOperations } from "./consent-budget.ts";
import { unclaimedDeviceOperations } from "./device.ts";
import { driftOperations } from "./drift.ts";
import { eventOperations } from "./event.ts";
import { fleetSummaryOperations } from "./fleet-summary.ts";
import { fleetTickOperations } from "./fleet-tick.ts";
import { instanceOperations } from "./instance.ts";
import { interventionPolicyOperations } from "./intervention-policy.ts";
import { learningOperations } from "./learning.ts";
import { moduleOperations } from "./module.ts";
import { moduleVersionOperations } from "./module-version.ts";
import { nodeOperations } from "./node.ts";
import { platformOperations } from "./platform.ts";
import { poolOperations } from "./pool.ts";
import { providerOperations } from "./provider.ts";
import { sensorConfigOperations } from "./sensor-config.ts";
import { taskOperations } from "./task.ts";
import { templateOperations } from "./template.ts";

export const allOperations: readonly AnyOperation[] = [
  ...nodeOperations,
  ...accountOperations,
  ...eventOperations,
  ...fleetSummaryOperations,
  ...providerOperations,
  ...taskOperations,
  ...poolOperations,
  ...instanceOperations,
  ...platformOperations,
  ...templateOperations,
  ...moduleOperations,
  ...moduleVersionOperations,
  ...assignmentOperations,
  ...bootstrapTokenOperations,
  ...unclaimedDeviceOperations,
  ...autonomySettingsOperations,
  ...interventionPolicyOperations,
  ...approvalRequestOperations,
  ...consentBudgetOperations,
  ...sensorConfigOperations,
  ...fleetTickOperations,
  ...categoryBreakerOperations,
  ...complianceSnapshotOperations,
  ...driftOperations,
  ...attributionOperations,
  ...learningOperations,
] as unknown as AnyOperation[];
