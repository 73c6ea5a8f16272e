import { hashStruct, zeroAddress, type Hex } from "viem";

import { guaranteeRequestTypedData } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequest } from "./guaranteeTypes.ts";

/** The EIP-712 struct hash of `request` (Solidity `GuaranteeRequest.hashV1` / `hashV2`); domain-independent. */
export function guaranteeRequestStructHash(request: GuaranteeRequest): Hex {
  // The domain does not enter the struct hash; any value will do.
  const typedData = guaranteeRequestTypedData(request, { chainId: 0n, verifyingContract: zeroAddress });
  return typedData.primaryType === "GuaranteeRequestV1"
    ? hashStruct({ types: typedData.types, primaryType: typedData.primaryType, data: typedData.message })
    : hashStruct({ types: typedData.types, primaryType: typedData.primaryType, data: typedData.message });
}
