import { keccak256, toHex, type Hex } from "viem";

import { BLS12_381_R } from "../../offchain/src/protocol/bls/index.ts";

/**
 * Development-only operator BLS secret key, derived from a public label so anyone can reproduce it.
 * NEVER use it on a chain with value: anyone can certify with it. scripts/deploy.ts refuses it off the dev chains.
 */
export const DEV_BLS_SECRET_KEY: Hex = toHex(
  BigInt(keccak256(toHex("4mica development operator BLS key"))) % BLS12_381_R,
  {
    size: 32,
  },
);

/** Networks on which the development defaults (key, mock tokens, mock registries) are allowed. */
export const DEV_NETWORKS = new Set(["hardhat", "localhost", "default"]);
