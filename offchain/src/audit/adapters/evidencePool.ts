import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { checkEvidence, type EvidenceContext, type EvidenceItem, type EvidenceResult } from "../checkEvidence.ts";

/** Checks evidence chunks, on worker threads when `workers > 0`. */
export interface EvidenceChecker {
  check(items: EvidenceItem[], context: EvidenceContext): Promise<EvidenceResult[]>;
  close(): Promise<void>;
}

/**
 * A pool of `workers` threads (default: one per core) running {@link checkEvidence}; each `check` goes to the least
 * busy thread. With `workers: 0` the chunk is checked on the calling thread.
 */
export function createEvidencePool(workers = availableParallelism()): EvidenceChecker {
  if (workers <= 0) return { check: checkEvidence, close: async () => {} };
  type Job = { resolve: (r: EvidenceResult[]) => void; reject: (e: Error) => void };
  const threads = Array.from({ length: workers }, () => {
    const worker = new Worker(
      new URL(import.meta.url.endsWith(".ts") ? "./evidenceWorker.ts" : "./evidenceWorker.js", import.meta.url),
    );
    const jobs = new Map<number, Job>();
    worker.on("message", (m: { id: number; results?: EvidenceResult[]; error?: string }) => {
      const job = jobs.get(m.id);
      jobs.delete(m.id);
      if (!job) return;
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.results!);
    });
    worker.on("error", (e) => {
      for (const job of jobs.values()) job.reject(e);
      jobs.clear();
    });
    return { worker, jobs };
  });
  let nextId = 0;
  return {
    check(items, context) {
      const thread = threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        thread.jobs.set(id, { resolve, reject });
        thread.worker.postMessage({ id, items, context });
      });
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
