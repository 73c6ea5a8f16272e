import { hashTypedData, type Hex } from "viem";

import { guaranteeRequestTypedData } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

/** The EIP-712 digest the payer signs (what OpenZeppelin's `_hashTypedDataV4` computes in the vault). */
export function hashGuaranteeRequest(request: GuaranteeRequest, domain: GuaranteeRequestDomain): Hex {
  const typedData = guaranteeRequestTypedData(request, domain);
  // Narrowed per version so that viem's generics check the message against its own types.
  return typedData.primaryType === "GuaranteeRequestV1" ? hashTypedData(typedData) : hashTypedData(typedData);
}
