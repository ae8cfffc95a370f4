// AI actors' approved calls run as soon as the approval is decided (spec/ui.md §3.4, spec/mcp.md §5):
// the decision's after-commit hook asks for the account, and executeApprovedCalls runs it here, in
// the process that took the decision, rather than on the next tick. One run per account at a time
// (a request while it runs asks for one more pass); a call is claimed atomically before it runs, so
// this, the tick's step and another replica never run it twice.
import { type Catalog, executeApprovedCalls, type Logger, type Services } from "@nodepilot/core";

export interface ApprovedCallRunner {
  /** Run the account's approved, unclaimed calls now (returns at once). */
  request(accountId: string): void;
  /** Wait for the runs in flight (shutdown). */
  idle(): Promise<void>;
}

export function approvedCallRunner(services: Services, catalog: Catalog, logger: Logger): ApprovedCallRunner {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  return {
    request(accountId) {
      if (running.has(accountId)) {
        again.add(accountId);
        return;
      }
      const run = (async () => {
        do {
          again.delete(accountId);
          await executeApprovedCalls(services, catalog, accountId);
        } while (again.has(accountId));
      })()
        .catch((err: unknown) =>
          logger.warn("could not run approved calls now; the next tick runs them", {
            account_id: accountId,
            error: err instanceof Error ? err.message : String(err),
          }),
        )
        .finally(() => running.delete(accountId));
      running.set(accountId, run);
    },
    async idle() {
      await Promise.allSettled([...running.values()]);
    },
  };
}
