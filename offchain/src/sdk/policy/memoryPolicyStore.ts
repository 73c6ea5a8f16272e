import { createMutex, firstExceeded, sumOf, type PolicyStore, type SpendEntry } from "./policyStore.ts";

/** A policy store in memory: for tests and short-lived agents (a restart resets it). */
export function memoryPolicyStore(): PolicyStore {
  const ledgers = new Map<string, SpendEntry[]>();
  const ledger = (policyId: string) => {
    let l = ledgers.get(policyId);
    if (!l) ledgers.set(policyId, (l = []));
    return l;
  };
  const run = createMutex();
  return {
    reserve: (input) =>
      run(() => {
        const entries = ledger(input.policyId);
        const result = firstExceeded(entries, input);
        if (result.ok) {
          entries.push({
            id: input.reservationId,
            scopes: [...new Set(input.counters.map((c) => c.scope))],
            amount: input.amount,
            at: input.at,
          });
        }
        return result;
      }),
    release: (policyId, reservationId) =>
      run(() => {
        const entries = ledger(policyId);
        const i = entries.findIndex((e) => e.id === reservationId);
        if (i >= 0) entries.splice(i, 1);
      }),
    spent: (policyId, scope, since) => run(() => sumOf(ledger(policyId), scope, since)),
  };
}
