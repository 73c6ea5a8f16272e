import { isAddress, type Hex, type LocalAccount } from "viem";

import { createGuaranteeRequestHasher } from "./createGuaranteeRequestHasher.ts";
import { guaranteeRequestTypedData } from "./guaranteeRequestTypedData.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

/** Digest functions per vault domain, for the private-key path below; bounded (the vault comes from a seller). */
const hashers = new Map<string, (r: GuaranteeRequest) => Hex>();
const MAX_HASHERS = 64;

function hasherFor(domain: GuaranteeRequestDomain): (r: GuaranteeRequest) => Hex {
  const key = `${BigInt(domain.chainId)}:${domain.verifyingContract}`;
  let h = hashers.get(key);
  if (!h) {
    h = createGuaranteeRequestHasher(domain);
    if (hashers.size >= MAX_HASHERS) hashers.clear();
    hashers.set(key, h);
  }
  return h;
}

/** viem's typed-data check of the address fields (checksum included); a request failing it takes viem's path. */
function addressesValid(r: GuaranteeRequest): boolean {
  const ok = isAddress(r.user) && isAddress(r.recipient) && isAddress(r.asset);
  return r.version === 1 ? ok : ok && isAddress(r.policy.validationRegistry) && isAddress(r.policy.validatorAddress);
}

/**
 * The payer's EIP-712 signature over `request` (65 bytes, r ‖ s ‖ v with v in {27, 28}).
 *
 * A viem private-key account (`privateKeyToAccount`: `source: "privateKey"`) signs the EIP-712 digest computed by
 * createGuaranteeRequestHasher (type hashes and domain separator computed once per vault; the same digest as viem's
 * hashTypedData, pinned by test/core/guaranteeRequestHasher.test.ts, with the same range checks, and viem's address check first) through its own
 * `sign({ hash })`: the same key and RFC 6979 nonce, so the same 65 bytes as `signTypedData`, without viem's
 * per-call type derivation (about 0.7 ms of the payer's side of a paid request on the bench machine). Every other
 * account (HD, JSON-RPC, smart wallets, custom signers that may show the typed data) gets the typed data.
 */
export function signGuaranteeRequest(
  account: LocalAccount,
  request: GuaranteeRequest,
  domain: GuaranteeRequestDomain,
): Promise<Hex> {
  if (account.source === "privateKey" && typeof account.sign === "function" && addressesValid(request)) {
    return account.sign({ hash: hasherFor(domain)(request) });
  }
  const typedData = guaranteeRequestTypedData(request, domain);
  // Narrowed per version so that viem's generics check the message against its own types.
  return typedData.primaryType === "GuaranteeRequestV1"
    ? account.signTypedData(typedData)
    : account.signTypedData(typedData);
}
