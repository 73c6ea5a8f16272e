import type { TypedDataDefinition } from "viem";

import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

const baseFields = [
  { name: "user", type: "address" },
  { name: "recipient", type: "address" },
  { name: "reqId", type: "uint256" },
  { name: "amount", type: "uint256" },
  { name: "asset", type: "address" },
  { name: "timestamp", type: "uint64" },
] as const;

/** EIP-712 types of a V1 request (docs/protocol.md §3). */
export const guaranteeRequestV1Types = { GuaranteeRequestV1: baseFields } as const;

/** EIP-712 types of a V2 request: the V1 fields, then the validation policy (docs/protocol.md §3). */
export const guaranteeRequestV2Types = {
  GuaranteeRequestV2: [
    ...baseFields,
    { name: "validationRegistry", type: "address" },
    { name: "validationRequestHash", type: "bytes32" },
    { name: "validationChainId", type: "uint64" },
    { name: "validatorAddress", type: "address" },
    { name: "validatorAgentId", type: "uint256" },
    { name: "minValidationScore", type: "uint8" },
    { name: "validationSubjectHash", type: "bytes32" },
    { name: "jobHash", type: "bytes32" },
    { name: "requiredValidationTag", type: "string" },
  ],
} as const;

export type GuaranteeRequestTypedData =
  | TypedDataDefinition<typeof guaranteeRequestV1Types, "GuaranteeRequestV1">
  | TypedDataDefinition<typeof guaranteeRequestV2Types, "GuaranteeRequestV2">;

/** The EIP-712 name of the vault's domain. */
export const GUARANTEE_REQUEST_DOMAIN_NAME = "4Mica";
/** The EIP-712 version of the vault's domain. */
export const GUARANTEE_REQUEST_DOMAIN_VERSION = "1";

/**
 * The typed data the payer signs for `request`, under `{name: "4Mica", version: "1", chainId, verifyingContract}`
 * (the verifying contract is the Core4Mica vault, which binds the signature to one deployment).
 */
export function guaranteeRequestTypedData(
  request: GuaranteeRequest,
  { chainId, verifyingContract }: GuaranteeRequestDomain,
): GuaranteeRequestTypedData {
  const domain = {
    name: GUARANTEE_REQUEST_DOMAIN_NAME,
    version: GUARANTEE_REQUEST_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract,
  };
  const base = {
    user: request.user,
    recipient: request.recipient,
    reqId: request.reqId,
    amount: request.amount,
    asset: request.asset,
    timestamp: request.timestamp,
  };
  if (request.version === 1) {
    return { domain, types: guaranteeRequestV1Types, primaryType: "GuaranteeRequestV1", message: base };
  }
  return {
    domain,
    types: guaranteeRequestV2Types,
    primaryType: "GuaranteeRequestV2",
    message: { ...base, ...request.policy },
  };
}
