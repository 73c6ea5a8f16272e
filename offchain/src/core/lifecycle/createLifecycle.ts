import type { Address, Hex } from "viem";

import { LifecycleCode, LifecycleError } from "./lifecycleErrors.ts";
import type { ActionDomain, ActionScheme } from "./lifecycleMessages.ts";
import { planCancel, planDispute, planExpiry, planPromotion } from "./lifecycleRules.ts";
import type { LifecycleGuarantee, LifecycleStore } from "./lifecycleStore.ts";
import { validationOutcome, type ValidationStatus } from "./validationOutcome.ts";
import { verifyActionSignature, type IsValidSignature } from "./verifyActionSignature.ts";
import { hasCode } from "../../protocol/errors.ts";

/** Registry port: `getValidationStatus(requestHash)` on `registry`; undefined when it reverts (unknown request). */
export type ReadValidationStatus = (registry: Address, requestHash: Hex) => Promise<ValidationStatus | undefined>;

export interface LifecycleDeps {
  store: LifecycleStore;
  domain: ActionDomain;
  isValidSignature: IsValidSignature;
  readValidationStatus: ReadValidationStatus;
  /** The vault's current `guaranteeExpiry()` in seconds. */
  readGuaranteeExpiry: () => Promise<bigint>;
  /** Chain time, unix seconds. */
  now: () => bigint;
  /** Page size of the jobs (default 200). */
  batchSize?: number;
}

export interface Lifecycle {
  /** Payer-signed: PENDING_VALIDATION -> DISPUTED. Returns the guarantee after the change. */
  dispute(guaranteeId: Hex, signature: Hex, scheme?: ActionScheme): Promise<LifecycleGuarantee>;
  /**
   * Recipient-signed: PENDING_VALIDATION | FINALIZED_PAYABLE -> CANCELLED, out of netting at once. The lock stays
   * until the release rule allows it (lockReleasable.ts): the cycle's commit event (V1), redemption or expiry.
   */
  cancel(guaranteeId: Hex, signature: Hex, scheme?: ActionScheme): Promise<LifecycleGuarantee>;
  /** One pass over PENDING_VALIDATION guarantees; promotes those whose registry answer matches. */
  promoteValidated(): Promise<{ checked: number; promoted: number }>;
  /**
   * One pass over lock-holding, not netted guarantees past their expiry (cancelled ones included): locks released
   * by the rule; EXPIRED (a CANCELLED one keeps its status).
   */
  expireLocks(): Promise<{ expired: number }>;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const batch = deps.batchSize ?? 200;

  async function load(guaranteeId: Hex): Promise<LifecycleGuarantee> {
    const g = await deps.store.get(guaranteeId);
    if (!g) {
      throw new LifecycleError(LifecycleCode.GUARANTEE_NOT_FOUND, `no guarantee ${guaranteeId}`, { guaranteeId });
    }
    return g;
  }

  async function act(
    action: "dispute" | "cancel",
    guaranteeId: Hex,
    signature: Hex,
    scheme: ActionScheme,
  ): Promise<LifecycleGuarantee> {
    const g = await load(guaranteeId);
    const signer = action === "dispute" ? g.user : g.recipient;
    await verifyActionSignature(action, g.guaranteeId, signer, signature, scheme, deps.domain, deps.isValidSignature);
    // The signature is checked once; the state is re-read if a concurrent writer moved it first.
    for (let attempt = 0; ; attempt++) {
      const current = attempt === 0 ? g : await load(guaranteeId);
      const plan = action === "dispute" ? planDispute(current) : planCancel(current);
      try {
        await deps.store.apply(plan);
        return await load(guaranteeId);
      } catch (e) {
        if (!hasCode(e, LifecycleCode.STALE_STATE) || attempt >= 2) throw e;
      }
    }
  }

  return {
    dispute: (id, signature, scheme = "eip712") => act("dispute", id, signature, scheme),
    cancel: (id, signature, scheme = "eip712") => act("cancel", id, signature, scheme),

    async promoteValidated() {
      let checked = 0;
      let promoted = 0;
      let after: { timestamp: bigint; guaranteeId: Hex } | undefined;
      for (;;) {
        const page = await deps.store.listPendingValidation(batch, after);
        for (const p of page) {
          checked++;
          const status = await deps.readValidationStatus(p.registry, p.requestHash);
          if (!validationOutcome(p.policy, status).match) continue;
          try {
            await deps.store.apply(planPromotion(p.guarantee, `${p.registry}:${p.requestHash}`));
            promoted++;
          } catch (e) {
            // Disputed, cancelled or redeemed meanwhile: nothing to promote.
            if (!hasCode(e, LifecycleCode.STALE_STATE)) throw e;
          }
        }
        if (page.length < batch) return { checked, promoted };
        const last = page[page.length - 1]!.guarantee;
        after = { timestamp: last.timestamp, guaranteeId: last.guaranteeId };
      }
    },

    async expireLocks() {
      const expiry = await deps.readGuaranteeExpiry();
      const now = deps.now();
      let expired = 0;
      for (;;) {
        const page = await deps.store.listExpiryCandidates(now - expiry, batch);
        let progressed = 0;
        for (const g of page) {
          const plan = planExpiry(g, g.timestamp, expiry, now);
          if (plan.length === 0) continue;
          try {
            await deps.store.apply(plan);
            expired++;
            progressed++;
          } catch (e) {
            if (!hasCode(e, LifecycleCode.STALE_STATE)) throw e;
          }
        }
        // Candidates leave the list once expired; stop on a short page or when a page changed nothing.
        if (page.length < batch || progressed === 0) return { expired };
      }
    },
  };
}
