import { encodeAbiParameters, keccak256, toHex, type Hex } from "viem";

import type { ValidationPolicy } from "./guaranteeTypes.ts";

/** `keccak256("4MICA_VALIDATION_REQUEST_V2")` */
export const VALIDATION_REQUEST_TAG: Hex = keccak256(toHex("4MICA_VALIDATION_REQUEST_V2"));

/** The canonical ERC-8004 request hash of a policy, over its carried subject hash (docs/protocol.md §4.3). */
export function validationRequestHash(policy: Omit<ValidationPolicy, "validationRequestHash">): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "uint8" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [
        VALIDATION_REQUEST_TAG,
        policy.validationChainId,
        policy.validationRegistry,
        policy.validatorAddress,
        policy.validatorAgentId,
        policy.validationSubjectHash,
        policy.minValidationScore,
        keccak256(toHex(policy.requiredValidationTag)),
        policy.jobHash,
      ],
    ),
  );
}
