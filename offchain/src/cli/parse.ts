import { getAddress, isAddress, zeroAddress, type Address } from "viem";

import { usageError } from "./errors.ts";

/** A 32-byte hex string (with or without 0x), as a private key is written: never accepted as an argument. */
const KEY_LIKE = /^(0x)?[0-9a-fA-F]{64}$/;
/** Options that would carry a secret. */
const SECRET_OPTIONS = /^--?(private-?key|priv-?key|secret(-key)?|key|mnemonic|seed|admin-token|token|password)(=|$)/i;

/**
 * Refuses a secret on the command line (shell history, `ps`, CI logs): any argument shaped like a private key and any
 * option named like one. No `4mica` argument is a 32-byte hex value (cycles are numbers, assets are addresses,
 * certificates are files), so nothing legitimate is refused.
 */
export function refuseSecretArguments(argv: readonly string[]): void {
  for (const arg of argv) {
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : arg;
    if (SECRET_OPTIONS.test(arg) || KEY_LIKE.test(value)) {
      throw usageError(
        "SECRET_IN_ARGUMENTS",
        "refusing a key on the command line: set FOURMICA_PRIVATE_KEY (or FOURMICA_ADMIN_TOKEN) in the environment, or use --key-source keystore",
        { argument: SECRET_OPTIONS.test(arg) ? arg.split("=")[0] : "(a 32-byte hex value)" },
      );
    }
  }
}

export interface KnownToken {
  symbol: string;
  address: Address;
  decimals: number;
}

/** `ETH` (the zero address), a token symbol of the deployment, or an address. */
export function parseAsset(input: string, tokens: readonly KnownToken[] = []): Address {
  if (input.toUpperCase() === "ETH") return zeroAddress;
  const bySymbol = tokens.find((t) => t.symbol.toUpperCase() === input.toUpperCase());
  if (bySymbol) return getAddress(bySymbol.address);
  if (isAddress(input, { strict: false })) return getAddress(input);
  throw usageError("INVALID_ASSET", `asset "${input}" is not ETH, a token symbol of the deployment or an address`, {
    asset: input,
    symbols: tokens.map((t) => t.symbol),
  });
}

/** A positive integer amount in the asset's base units (wei, or the token's smallest unit). */
export function parseAmount(input: string): bigint {
  if (!/^[0-9]+$/.test(input) || BigInt(input) === 0n) {
    throw usageError("INVALID_AMOUNT", `amount "${input}" is not a positive integer of base units (wei)`, {
      amount: input,
    });
  }
  return BigInt(input);
}

/** A cycle id: a non-negative integer. */
export function parseCycleId(input: string): bigint {
  if (!/^[0-9]+$/.test(input)) throw usageError("INVALID_CYCLE", `cycle "${input}" is not a non-negative integer`);
  return BigInt(input);
}

/** The display name of an asset. */
export function assetName(asset: Address, tokens: readonly KnownToken[] = []): string {
  if (asset === zeroAddress) return "ETH";
  return tokens.find((t) => t.address.toLowerCase() === asset.toLowerCase())?.symbol ?? asset;
}
