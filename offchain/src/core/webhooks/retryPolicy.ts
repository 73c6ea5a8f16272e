/**
 * When a failed delivery is tried again: exponential backoff with "equal jitter", so that retries of many events
 * after an outage spread out instead of arriving together. Attempt n (1-based) failed: the next one waits
 * uniformly between half and all of min(maxMs, baseMs * 2^(n-1)).
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts after which a delivery is FAILED (the operator can redeliver it). */
  maxAttempts: number;
  /** Age (from creation or redelivery) after which a delivery is FAILED instead of retried. */
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 1_000,
  maxMs: 3_600_000,
  maxAttempts: 12,
  maxAgeMs: 3 * 86_400_000,
};

/** The wait after failed attempt `attempt` (1-based); `random` in [0, 1). */
export function retryDelayMs(policy: Pick<RetryPolicy, "baseMs" | "maxMs">, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(ceiling / 2 + (ceiling / 2) * random);
}
