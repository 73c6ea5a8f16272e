import type { Balance } from "../db/balanceRepository.ts";
import type { Certificate } from "../../issuance/issueGuarantee.ts";
import type { StoredGuarantee } from "../../issuance/guaranteeStore.ts";

/** JSON shapes of the API: every uint as a decimal string, hex lowercase with 0x. */
export function certificateJson(c: Certificate) {
  return {
    guaranteeId: c.guaranteeId,
    cycleId: c.cycleId.toString(),
    status: c.status,
    claims: c.claims,
    signature: c.signature,
    signatureEip2537: c.signatureEip2537,
  };
}

export function guaranteeJson(g: StoredGuarantee) {
  return {
    guaranteeId: g.guaranteeId,
    version: g.version,
    cycleId: g.cycleId.toString(),
    user: g.user,
    recipient: g.recipient,
    asset: g.asset,
    reqId: g.reqId.toString(),
    amount: g.amount.toString(),
    timestamp: g.timestamp.toString(),
    status: g.status,
    certificate: {
      claims: g.certificate.claims,
      signature: g.certificate.signature,
      signatureEip2537: g.certificate.signatureEip2537,
    },
  };
}

export function balanceJson(b: Balance) {
  return {
    asset: b.asset,
    deposited: b.deposited.toString(),
    locked: b.locked.toString(),
    pendingWithdrawal: b.pendingWithdrawal.toString(),
    available: b.available.toString(),
  };
}
