import { parseAbi, type Address, type Hex, type PublicClient } from "viem";

import { FourMicaError } from "../../../protocol/errors.ts";
import type { IsValidSignature } from "../../issuance/verifyPayerSignature.ts";

const ERC1271_ABI = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const MAGIC = "0x1626ba7e";

/**
 * ERC-1271 through a JSON-RPC node: an address without code is never valid; a contract is valid when it returns
 * the magic value (a revert means invalid). A failing node raises CHAIN_UNAVAILABLE (503), not INVALID_SIGNATURE.
 * It uses Core's one chain client (whatever transport that has); without a chain, only EOAs can sign.
 */
export function createErc1271Verifier(client: PublicClient | undefined): IsValidSignature {
  if (!client) return async () => false;
  return async (wallet: Address, digest: Hex, signature: Hex) => {
    let code: Hex | undefined;
    try {
      code = await client.getCode({ address: wallet });
    } catch (e) {
      throw new FourMicaError("CHAIN_UNAVAILABLE", "cannot read the payer's wallet code", { cause: e });
    }
    if (!code || code === "0x") return false;
    try {
      const result = await client.readContract({
        address: wallet,
        abi: ERC1271_ABI,
        functionName: "isValidSignature",
        args: [digest, signature],
      });
      return result.toLowerCase() === MAGIC;
    } catch {
      return false;
    }
  };
}
