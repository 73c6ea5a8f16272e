import { domainSeparator, type Hex } from "viem";

import { GUARANTEE_REQUEST_DOMAIN_NAME, GUARANTEE_REQUEST_DOMAIN_VERSION } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequestDomain } from "./guaranteeTypes.ts";

/**
 * The vault's EIP-712 domain separator, `{name: "4Mica", version: "1", chainId, verifyingContract}`: the domain of
 * every payer request (docs/protocol.md §3) and the first input of every guarantee id (§2). Equals
 * `Core4Mica.requestDomainSeparator()`.
 */
export function requestDomainSeparator({ chainId, verifyingContract }: GuaranteeRequestDomain): Hex {
  return domainSeparator({
    domain: {
      name: GUARANTEE_REQUEST_DOMAIN_NAME,
      version: GUARANTEE_REQUEST_DOMAIN_VERSION,
      chainId: BigInt(chainId),
      verifyingContract,
    },
  });
}
