import type { Hex, LocalAccount } from "viem";

import { guaranteeRequestTypedData } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

/** The payer's EIP-712 signature over `request` (65 bytes, r ‖ s ‖ v with v in {27, 28}). */
export function signGuaranteeRequest(
  account: LocalAccount,
  request: GuaranteeRequest,
  domain: GuaranteeRequestDomain,
): Promise<Hex> {
  const typedData = guaranteeRequestTypedData(request, domain);
  // Narrowed per version so that viem's generics check the message against its own types.
  return typedData.primaryType === "GuaranteeRequestV1"
    ? account.signTypedData(typedData)
    : account.signTypedData(typedData);
}
