import { recoverAddress, type Address, type Hex } from "viem";

import { hashNetDebitSettlement, type NetDebitSettlementInput } from "../../protocol/netDebitSettlement.ts";
import { ecdsaSignatureRefusal } from "../../protocol/secp256k1/ecdsaSignatureRefusal.ts";
import { SettlementCode, SettlementError } from "./settlementErrors.ts";

/** ERC-1271 port: whether `wallet.isValidSignature(digest, signature)` returns the magic value (false without code). */
export type IsValidSignature = (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;

/**
 * Checks `signature` as the ClearingHouse will, in its order (`ClearingHouse._isSettlementSigned`): first an ECDSA
 * signature OpenZeppelin's `ECDSA.tryRecoverCalldata` takes (65 bytes, low s, v 27/28) that recovers the debtor,
 * whether or not the debtor has code (so an EIP-7702 delegated EOA's own key counts); else, for a debtor with code,
 * its ERC-1271 answer (`isValidSignature` is false without code). Throws SETTLEMENT_SIGNATURE_INVALID otherwise;
 * returns the digest.
 */
export async function verifySettlementSignature(
  input: NetDebitSettlementInput,
  signature: Hex,
  isValidSignature: IsValidSignature,
): Promise<Hex> {
  const digest = hashNetDebitSettlement(input);
  if (ecdsaSignatureRefusal(signature) === undefined) {
    try {
      const recovered = await recoverAddress({ hash: digest, signature });
      if (recovered.toLowerCase() === input.debtor.toLowerCase()) return digest;
    } catch {
      // No point recovers: a contract wallet may still accept the bytes.
    }
  }
  if (await isValidSignature(input.debtor, digest, signature)) return digest;
  throw new SettlementError(
    SettlementCode.SIGNATURE_INVALID,
    `signature is not ${input.debtor}'s authorization to settle ${input.amount} of cycle ${input.cycleId} from collateral`,
    {
      cycleId: input.cycleId.toString(),
      asset: input.asset,
      debtor: input.debtor,
      amount: input.amount.toString(),
      digest,
    },
  );
}
