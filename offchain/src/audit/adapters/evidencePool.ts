import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { checkEvidence, type EvidenceContext, type EvidenceItem, type EvidenceResult } from "../checkEvidence.ts";

/** Checks evidence chunks, on worker threads when `workers > 0`. */
export interface EvidenceChecker {
  check(items: EvidenceItem[], context: EvidenceContext): Promise<EvidenceResult[]>;
  close(): Promise<void>;
}

/** Chunks a thread holds at once (one running, one waiting); the rest wait in the pool for the first thread free. */
const IN_FLIGHT = 2;

/**
 * A pool of `workers` threads (default: one per core) running {@link checkEvidence}; each `check` goes to a thread
 * holding fewer than {@link IN_FLIGHT} chunks, else waits for the first one to finish (so that the threads finish
 * together, rather than one being handed half the chunks up front). With `workers: 0` the chunk is checked on the
 * calling thread.
 */
export function createEvidencePool(workers = availableParallelism()): EvidenceChecker {
  if (workers <= 0) return { check: checkEvidence, close: async () => {} };
  type Job = {
    id: number;
    items: EvidenceItem[];
    context: EvidenceContext;
    resolve: (r: EvidenceResult[]) => void;
    reject: (e: Error) => void;
  };
  type Thread = { worker: Worker; jobs: Map<number, Job> };
  const waiting: Job[] = [];
  const send = (thread: Thread, job: Job) => {
    thread.jobs.set(job.id, job);
    thread.worker.postMessage({ id: job.id, items: job.items, context: job.context });
  };
  const threads: Thread[] = Array.from({ length: workers }, () => {
    const worker = new Worker(
      new URL(import.meta.url.endsWith(".ts") ? "./evidenceWorker.ts" : "./evidenceWorker.js", import.meta.url),
    );
    const thread: Thread = { worker, jobs: new Map() };
    worker.on("message", (m: { id: number; results?: EvidenceResult[]; error?: string }) => {
      const job = thread.jobs.get(m.id);
      thread.jobs.delete(m.id);
      const next = waiting.shift();
      if (next) send(thread, next);
      if (!job) return;
      if (m.error !== undefined) job.reject(new Error(m.error));
      else job.resolve(m.results!);
    });
    worker.on("error", (e) => {
      for (const job of thread.jobs.values()) job.reject(e);
      thread.jobs.clear();
      for (const job of waiting.splice(0)) job.reject(e);
    });
    return thread;
  });
  let nextId = 0;
  return {
    check(items, context) {
      return new Promise((resolve, reject) => {
        const job: Job = { id: nextId++, items, context, resolve, reject };
        const thread = threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
        if (thread.jobs.size < IN_FLIGHT) send(thread, job);
        else waiting.push(job);
      });
    },
    async close() {
      for (const job of waiting.splice(0)) job.reject(new Error("evidence pool closed"));
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
