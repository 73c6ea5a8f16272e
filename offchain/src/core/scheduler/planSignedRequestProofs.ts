import type { Address, Hex } from "viem";

import { guaranteeId } from "../../protocol/guaranteeId.ts";

/** One V1 request of a debtor as Core stored it (the fields the payer signed, and its signature). */
export interface SignedV1Request {
  recipient: Address;
  reqId: bigint;
  amount: bigint;
  timestamp: bigint;
  signature: Hex;
}

/** Seconds after a cycle's payment deadline inside which a default must be covered by the proven signed amount. */
export const SEIZURE_MARGIN = 3_600n;

/** Requests per `proveSignedRequests` transaction (about 10k gas each: 2M gas per transaction). */
export const PROOF_CHUNK = 200;

/**
 * The guarantee id the contracts derive from what the payer signs (protocol `guaranteeId`, Solidity
 * `GuaranteeIds.idOf`), by which the ClearingHouse orders the default proofs.
 */
export function signedRequestId(
  requestDomainSeparator: Hex,
  user: Address,
  recipient: Address,
  asset: Address,
  reqId: bigint,
): Hex {
  return guaranteeId({ user, recipient, asset, reqId }, requestDomainSeparator);
}

/**
 * The chunks of `proveSignedRequests` calls that prove `requests` of `debtor` in `asset`: ascending guarantee id,
 * each id once, only ids above the prover's on-chain cursor `after` (so an interrupted proof resumes where it
 * stopped), at most `chunkSize` per call.
 */
export function planSignedRequestProofs(
  requests: readonly SignedV1Request[],
  o: { requestDomainSeparator: Hex; debtor: Address; asset: Address; after: Hex; chunkSize?: number },
): SignedV1Request[][] {
  const floor = BigInt(o.after);
  const byId = new Map<bigint, SignedV1Request>();
  for (const r of requests) {
    const id = BigInt(signedRequestId(o.requestDomainSeparator, o.debtor, r.recipient, o.asset, r.reqId));
    if (id > floor && !byId.has(id)) byId.set(id, r);
  }
  const ordered = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  const size = o.chunkSize ?? PROOF_CHUNK;
  const chunks: SignedV1Request[][] = [];
  for (let i = 0; i < ordered.length; i += size) chunks.push(ordered.slice(i, i + size));
  return chunks;
}
