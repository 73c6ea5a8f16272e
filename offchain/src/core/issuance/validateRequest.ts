import type { Address, Hex } from "viem";

import { cycleAt, deadlinesOf, type ScheduleSegment } from "../../protocol/cycles/cycleSchedule.ts";
import { assertCanonicalPolicy } from "../../protocol/assertCanonicalPolicy.ts";
import type { GuaranteeRequest, GuaranteeRequestV2 } from "../../protocol/guaranteeTypes.ts";
import { IssuanceCode, IssuanceError } from "./issuanceErrors.ts";

export interface IssuancePolicy {
  chainId: bigint;
  /** Versions Core certifies, each with its guarantee domain (protocol.md §2). */
  domains: ReadonlyMap<number, Hex>;
  /** Lowercase registry addresses accepted in V2 policies. */
  trustedRegistries: ReadonlySet<Address>;
  /** Oldest accepted request: now - maxAge. */
  maxAgeSeconds: bigint;
  /** Furthest accepted future skew: now + maxSkew. */
  maxFutureSkewSeconds: bigint;
  /**
   * The ClearingHouse's schedule segments, oldest first: a guarantee's cycle is the one the contract gives its
   * timestamp (Core starts from the configured genesis segment and follows the chain's segments).
   */
  schedule: readonly ScheduleSegment[];
}

export interface ValidatedRequest {
  request: GuaranteeRequest;
  domain: Hex;
  cycleId: bigint;
}

/**
 * Every check of a request that needs no I/O: version, freshness, cycle, V2 policy. Throws IssuanceError.
 * `now` is unix seconds from the injected clock.
 */
export function validateRequest(policy: IssuancePolicy, request: { version: number }, now: bigint): ValidatedRequest {
  const domain = policy.domains.get(request.version);
  if (domain === undefined || (request.version !== 1 && request.version !== 2)) {
    throw new IssuanceError(IssuanceCode.UNSUPPORTED_VERSION, `guarantee version ${request.version} is not accepted`, {
      version: request.version,
      accepted: [...policy.domains.keys()],
    });
  }
  const r = request as GuaranteeRequest;
  if (r.timestamp + policy.maxAgeSeconds < now) {
    throw new IssuanceError(
      IssuanceCode.STALE_TIMESTAMP,
      `timestamp ${r.timestamp} is older than ${policy.maxAgeSeconds} s`,
      {
        timestamp: r.timestamp.toString(),
        now: now.toString(),
      },
    );
  }
  if (r.timestamp > now + policy.maxFutureSkewSeconds) {
    throw new IssuanceError(IssuanceCode.FUTURE_TIMESTAMP, `timestamp ${r.timestamp} is in the future`, {
      timestamp: r.timestamp.toString(),
      now: now.toString(),
    });
  }
  const cycleId = cycleAt(policy.schedule, r.timestamp);
  if (cycleId === undefined) {
    throw new IssuanceError(IssuanceCode.BEFORE_GENESIS, `timestamp ${r.timestamp} is before the cycle genesis`, {
      genesis: policy.schedule[0]?.startTime.toString() ?? null,
    });
  }
  const { end: endsAt } = deadlinesOf(policy.schedule, cycleId);
  if (now >= endsAt) {
    throw new IssuanceError(IssuanceCode.CYCLE_CLOSED, `cycle ${cycleId} of timestamp ${r.timestamp} has closed`, {
      cycleId: cycleId.toString(),
      closedAt: endsAt.toString(),
    });
  }
  if (r.version === 2) checkV2Policy(policy, r);
  return { request: r, domain, cycleId };
}

function checkV2Policy(policy: IssuancePolicy, r: GuaranteeRequestV2): void {
  const p = r.policy;
  if (!policy.trustedRegistries.has(p.validationRegistry)) {
    throw new IssuanceError(IssuanceCode.UNTRUSTED_REGISTRY, `registry ${p.validationRegistry} is not trusted`, {
      validationRegistry: p.validationRegistry,
    });
  }
  if (p.validationChainId !== policy.chainId) {
    throw new IssuanceError(
      IssuanceCode.VALIDATION_CHAIN_MISMATCH,
      `validationChainId ${p.validationChainId} is not ${policy.chainId}`,
      { validationChainId: p.validationChainId.toString(), chainId: policy.chainId.toString() },
    );
  }
  // Raises the encoding module's own stable codes: INVALID_MIN_VALIDATION_SCORE, INVALID_JOB_HASH,
  // VALIDATION_SUBJECT_HASH_MISMATCH, VALIDATION_REQUEST_HASH_MISMATCH.
  assertCanonicalPolicy(r);
}
