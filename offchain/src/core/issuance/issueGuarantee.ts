import type { Address, Hex } from "viem";

import { signCertificate, type AsyncCertificateSigner, type SignedCertificate } from "./buildCertificate.ts";
import { canonicalRequest, contentHash } from "./contentHash.ts";
import { GuaranteeStatus, type GuaranteeStore, type StoredGuarantee } from "./guaranteeStore.ts";
import { createGuaranteeRequestHasher } from "../../protocol/createGuaranteeRequestHasher.ts";
import { guaranteeId as deriveGuaranteeId } from "../../protocol/guaranteeId.ts";
import { requestDomainSeparator } from "../../protocol/requestDomainSeparator.ts";
import type { Secp256k1Recovery } from "../../protocol/secp256k1/types.ts";
import { IssuanceCode, IssuanceError } from "./issuanceErrors.ts";
import { validateRequest, type IssuancePolicy } from "./validateRequest.ts";
import { verifyPayerSignature, type HasCode, type IsValidSignature } from "./verifyPayerSignature.ts";

export interface IssuanceDeps {
  policy: IssuancePolicy;
  /** Core4Mica: the EIP-712 verifying contract. */
  core4Mica: Address;
  store: GuaranteeStore;
  /** BLS signing, in thread or in the signing pool's threads. */
  signer: AsyncCertificateSigner;
  isValidSignature: IsValidSignature;
  /** Whether a payer has code (then only ERC-1271 is asked, as the vault does). */
  hasCode: HasCode;
  /** Payer-signature recovery (native libsecp256k1, else viem). */
  recovery: Secp256k1Recovery;
  /** Unix seconds. */
  now: () => bigint;
  /**
   * The operator's issuance switch (services/issuancePause.ts). While it is on, nothing new is signed or locked:
   * ISSUANCE_PAUSED, except a retry of a guarantee already issued with the same content, which gets its stored
   * certificate back (docs/core-api.md, "Issuance pause").
   */
  isPaused?: () => boolean;
}

export interface Certificate extends SignedCertificate {
  guaranteeId: Hex;
  cycleId: bigint;
  status: GuaranteeStatus;
}

export interface IssueResult {
  certificate: Certificate;
  /** False when this call returned an already issued certificate (idempotent retry). */
  created: boolean;
}

export type IssueGuarantee = (request: { version: number }, signature: Hex) => Promise<IssueResult>;

/**
 * Issuance service. Validation, signature check and BLS signing run outside the database transaction;
 * the store then locks and records atomically.
 */
export function createIssuance(deps: IssuanceDeps): IssueGuarantee {
  const payerSignature = {
    digest: createGuaranteeRequestHasher({ chainId: deps.policy.chainId, verifyingContract: deps.core4Mica }),
    recovery: deps.recovery,
    isValidSignature: deps.isValidSignature,
    hasCode: deps.hasCode,
  };
  // The id is keyed by the vault's EIP-712 domain only (docs/protocol.md §2): computed once.
  const separator = requestDomainSeparator({ chainId: deps.policy.chainId, verifyingContract: deps.core4Mica });
  return async (parsed, signature) => {
    const { request, domain, cycleId } = validateRequest(deps.policy, parsed, deps.now());
    const id = deriveGuaranteeId(request, separator);
    const hash = contentHash(request);
    if (deps.isPaused?.()) {
      const stored = await deps.store.get(id);
      if (stored === undefined || stored.contentHash !== hash) {
        throw new IssuanceError(IssuanceCode.ISSUANCE_PAUSED, "issuance is paused by the operator", {
          guaranteeId: id,
        });
      }
      // Only what was issued before the pause, to the signer of the same request: no signing, no lock.
      await verifyPayerSignature(request, signature, payerSignature);
      return { certificate: toCertificate(stored), created: false };
    }
    await verifyPayerSignature(request, signature, payerSignature);

    const certificate = await signCertificate({ ...request, domain, cycleId }, deps.signer);
    const status = request.version === 1 ? GuaranteeStatus.FINALIZED_PAYABLE : GuaranteeStatus.PENDING_VALIDATION;

    const result = await deps.store.issue({
      guaranteeId: id,
      version: request.version,
      domain,
      cycleId,
      user: request.user,
      recipient: request.recipient,
      asset: request.asset,
      reqId: request.reqId,
      amount: request.amount,
      timestamp: request.timestamp,
      status,
      contentHash: hash,
      request: canonicalRequest(request),
      payerSignature: signature,
      certificate,
      validationRegistry: request.version === 2 ? request.policy.validationRegistry : undefined,
      validationRequestHash: request.version === 2 ? request.policy.validationRequestHash : undefined,
    });

    switch (result.outcome) {
      case "ISSUED":
        return { certificate: toCertificate(result.stored), created: true };
      case "EXISTING":
        if (result.stored.contentHash !== hash) {
          throw new IssuanceError(
            IssuanceCode.GUARANTEE_CONFLICT,
            `guarantee ${id} was already issued with other content`,
            { guaranteeId: id },
          );
        }
        return { certificate: toCertificate(result.stored), created: false };
      case "PAYER_SUSPENDED":
        throw new IssuanceError(IssuanceCode.PAYER_SUSPENDED, `payer ${request.user} is suspended`, {
          user: request.user,
        });
      case "INSUFFICIENT_COLLATERAL":
        throw new IssuanceError(
          IssuanceCode.INSUFFICIENT_COLLATERAL,
          `payer ${request.user} has ${result.available} of ${request.asset} available, ${request.amount} requested`,
          {
            user: request.user,
            asset: request.asset,
            requested: request.amount.toString(),
            available: result.available.toString(),
          },
        );
    }
  };
}

export function toCertificate(g: StoredGuarantee): Certificate {
  return { ...g.certificate, guaranteeId: g.guaranteeId, cycleId: g.cycleId, status: g.status };
}
