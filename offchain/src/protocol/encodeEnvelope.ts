import { encodeAbiParameters, type Hex } from "viem";

import { InvalidInputError } from "./errors.ts";
import { envelopeAbi, guaranteeV1Abi, guaranteeV2Abi } from "./guaranteeAbi.ts";
import type { Guarantee } from "./guaranteeTypes.ts";

/** The certificate bytes Core BLS-signs: `abi.encode(uint64 version, bytes inner)` (docs/protocol.md §4.2). */
export function encodeEnvelope(guarantee: Guarantee): Hex {
  try {
    return encodeAbiParameters(envelopeAbi, [BigInt(guarantee.version), encodeInner(guarantee)]);
  } catch (cause) {
    if (cause instanceof InvalidInputError) throw cause;
    throw new InvalidInputError(`Guarantee cannot be encoded: ${(cause as Error).message}`, undefined, cause);
  }
}

function encodeInner(g: Guarantee): Hex {
  const base = {
    domain: g.domain,
    cycleId: g.cycleId,
    version: BigInt(g.version),
    user: g.user,
    recipient: g.recipient,
    reqId: g.reqId,
    amount: g.amount,
    asset: g.asset,
    timestamp: g.timestamp,
  };
  switch (g.version) {
    case 1:
      return encodeAbiParameters(guaranteeV1Abi, [base]);
    case 2:
      return encodeAbiParameters(guaranteeV2Abi, [{ ...base, ...g.policy }]);
    default:
      throw new InvalidInputError(`Guarantee version ${(g as { version: unknown }).version} has no encoding.`);
  }
}
