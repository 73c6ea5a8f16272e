import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { createMutex, firstExceeded, sumOf, type PolicyStore, type SpendEntry } from "./policyStore.ts";

interface FileShape {
  version: 1;
  ledgers: Record<string, { id: string; scopes: string[]; amount: string; at: number }[]>;
}

/**
 * A policy store in one JSON file. Every reservation rewrites the file (write to a temporary file, then rename, so
 * a crash leaves the old or the new file, never half of one). Atomic within one process; for several processes
 * sharing budgets use {@link sqlPolicyStore}. `retainSeconds` drops window spends older than that on write
 * (task spends are kept: a task budget has no window).
 */
export function filePolicyStore(path: string, options: { retainSeconds?: number } = {}): PolicyStore {
  const run = createMutex();
  let cache: Map<string, SpendEntry[]> | undefined;

  async function load(): Promise<Map<string, SpendEntry[]>> {
    if (cache) return cache;
    let shape: FileShape;
    try {
      shape = JSON.parse(await readFile(path, "utf8")) as FileShape;
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      shape = { version: 1, ledgers: {} };
    }
    cache = new Map(
      Object.entries(shape.ledgers).map(([id, entries]) => [
        id,
        entries.map((e) => ({ ...e, amount: BigInt(e.amount) })),
      ]),
    );
    return cache;
  }

  async function save(ledgers: Map<string, SpendEntry[]>, now: number): Promise<void> {
    const keepFrom = options.retainSeconds === undefined ? -Infinity : now - options.retainSeconds;
    const shape: FileShape = { version: 1, ledgers: {} };
    for (const [id, entries] of ledgers) {
      shape.ledgers[id] = entries
        .filter((e) => e.at >= keepFrom || e.scopes.some((s) => s.startsWith("task:")))
        .map((e) => ({ ...e, amount: e.amount.toString() }));
    }
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(shape));
    await rename(tmp, path);
  }

  const ledgerOf = (ledgers: Map<string, SpendEntry[]>, policyId: string) => {
    let l = ledgers.get(policyId);
    if (!l) ledgers.set(policyId, (l = []));
    return l;
  };

  return {
    reserve: (input) =>
      run(async () => {
        const ledgers = await load();
        const entries = ledgerOf(ledgers, input.policyId);
        const result = firstExceeded(entries, input);
        if (!result.ok) return result;
        const entry = {
          id: input.reservationId,
          scopes: [...new Set(input.counters.map((c) => c.scope))],
          amount: input.amount,
          at: input.at,
        };
        entries.push(entry);
        try {
          await save(ledgers, input.at);
        } catch (e) {
          entries.pop(); // not persisted: not spent
          throw e;
        }
        return result;
      }),
    release: (policyId, reservationId) =>
      run(async () => {
        const ledgers = await load();
        const entries = ledgerOf(ledgers, policyId);
        const i = entries.findIndex((e) => e.id === reservationId);
        if (i < 0) return;
        const [removed] = entries.splice(i, 1);
        try {
          await save(ledgers, removed!.at);
        } catch (e) {
          entries.splice(i, 0, removed!);
          throw e;
        }
      }),
    spent: (policyId, scope, since) => run(async () => sumOf(ledgerOf(await load(), policyId), scope, since)),
  };
}
