import { recoverTypedDataAddress, type Address, type Hex } from "viem";

import { guaranteeRequestTypedData } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

/**
 * The ECDSA signer of `signature` over `request`. Compare it with `request.user`; smart-contract wallets
 * (ERC-1271) are checked by a chain adapter, not here.
 */
export function recoverGuaranteeRequestSigner(
  request: GuaranteeRequest,
  domain: GuaranteeRequestDomain,
  signature: Hex,
): Promise<Address> {
  const typedData = guaranteeRequestTypedData(request, domain);
  // Narrowed per version so that viem's generics check the message against its own types.
  return typedData.primaryType === "GuaranteeRequestV1"
    ? recoverTypedDataAddress({ ...typedData, signature })
    : recoverTypedDataAddress({ ...typedData, signature });
}
