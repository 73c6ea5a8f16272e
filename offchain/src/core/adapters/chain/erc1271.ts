import { encodeFunctionData, parseAbi, type Address, type Hex, type PublicClient } from "viem";

import { FourMicaError } from "../../../protocol/errors.ts";
import type { HasCode, IsValidSignature } from "../../issuance/verifyPayerSignature.ts";

const ERC1271_ABI = parseAbi(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
/** The magic value as the 32-byte word `SignatureChecker` compares the return data's first word with. */
const MAGIC_WORD = `0x1626ba7e${"0".repeat(56)}`;

export interface WalletChecker {
  /** Whether the address has code (cached per address for `codeCacheMs`; concurrent asks share one RPC call). */
  hasCode: HasCode;
  /** ERC-1271 as `SignatureChecker.isValidERC1271SignatureNow`: false for an address without code. */
  isValidSignature: IsValidSignature;
}

export interface WalletCheckerOptions {
  /** How long an address's code answer is reused (default 60 s). A wallet deployed meanwhile is seen after it. */
  codeCacheMs?: number;
  /** Most addresses remembered; the oldest is dropped beyond it (default 10,000). */
  codeCacheSize?: number;
  /** Milliseconds clock (tests). */
  nowMs?: () => number;
}

/**
 * ERC-1271 through a JSON-RPC node. `eth_getCode` answers are cached per address, so that repeated requests naming
 * one payer (a flood of bad signatures included) cost one RPC call per `codeCacheMs`, not one each. A contract is
 * valid when the call succeeds and returns at least 32 bytes whose first word is exactly the magic value (the
 * vault's test: a revert or any other word means invalid). A failing node raises CHAIN_UNAVAILABLE (503), never a
 * signature refusal. Without a chain client no address has code: only EOAs can sign.
 */
export function createWalletChecker(
  client: PublicClient | undefined,
  options: WalletCheckerOptions = {},
): WalletChecker {
  if (!client) return { hasCode: async () => false, isValidSignature: async () => false };
  const ttl = options.codeCacheMs ?? 60_000;
  const maxSize = options.codeCacheSize ?? 10_000;
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<Address, { at: number; hasCode: Promise<boolean> }>();

  const hasCode: HasCode = (address) => {
    const key = address.toLowerCase() as Address;
    const hit = cache.get(key);
    if (hit && nowMs() - hit.at < ttl) return hit.hasCode;
    const answer = client.getCode({ address: key }).then(
      (code) => code !== undefined && code !== "0x",
      (e: unknown) => {
        cache.delete(key); // an outage is not remembered
        throw new FourMicaError("CHAIN_UNAVAILABLE", "cannot read the payer's wallet code", { cause: e });
      },
    );
    cache.delete(key);
    if (cache.size >= maxSize) cache.delete(cache.keys().next().value as Address);
    cache.set(key, { at: nowMs(), hasCode: answer });
    return answer;
  };

  const isValidSignature: IsValidSignature = async (wallet, digest, signature) => {
    if (!(await hasCode(wallet))) return false;
    let data: Hex | undefined;
    try {
      ({ data } = await client.call({
        to: wallet,
        data: encodeFunctionData({ abi: ERC1271_ABI, functionName: "isValidSignature", args: [digest, signature] }),
      }));
    } catch {
      return false; // a revert: not the magic value
    }
    return data !== undefined && data.length >= 66 && data.slice(0, 66).toLowerCase() === MAGIC_WORD;
  };

  return { hasCode, isValidSignature };
}

/** The ERC-1271 check alone (SIWE and lifecycle actions use it): see createWalletChecker. */
export function createErc1271Verifier(client: PublicClient | undefined): IsValidSignature {
  return createWalletChecker(client).isValidSignature;
}
