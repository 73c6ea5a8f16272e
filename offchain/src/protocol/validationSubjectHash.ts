import { encodeAbiParameters, keccak256, toHex, type Hex } from "viem";

import type { GuaranteeRequestFields } from "./guaranteeTypes.ts";

/** `keccak256("4MICA_VALIDATION_SUBJECT_V1")` */
export const VALIDATION_SUBJECT_TAG: Hex = keccak256(toHex("4MICA_VALIDATION_SUBJECT_V1"));

/** The canonical validation subject of a request (docs/protocol.md §4.3). */
export function validationSubjectHash({
  reqId,
  user,
  recipient,
  amount,
  asset,
  timestamp,
}: GuaranteeRequestFields): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "address" },
        { type: "uint64" },
      ],
      [VALIDATION_SUBJECT_TAG, reqId, user, recipient, amount, asset, timestamp],
    ),
  );
}
