import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per Core instance, so two in-process instances (tests) never share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "fourmica_" });
  const issuance = new Counter({
    name: "fourmica_issuance_total",
    help: "POST /core/guarantees by outcome (ISSUED, IDEMPOTENT, or the error code)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const issuanceSeconds = new Histogram({
    name: "fourmica_issuance_duration_seconds",
    help: "Issuance latency inside Core, from parsed body to response",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, issuance, issuanceSeconds };
}

export type Metrics = ReturnType<typeof createMetrics>;
