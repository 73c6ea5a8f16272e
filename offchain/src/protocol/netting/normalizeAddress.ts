import type { Address } from "viem";

import { NettingInputError } from "./errors.ts";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * Lower-cases an address after a shape check, so that the same account in different cases is one participant
 * (upstream keyed participants by the address string as given). No checksum check or checksumming: this runs
 * per guarantee, and EIP-55 costs a keccak; callers checksum at their API boundary.
 */
export function normalizeAddress(value: string, field: string): Address {
  if (typeof value !== "string" || !ADDRESS.test(value)) {
    throw new NettingInputError(`${field} ${JSON.stringify(value)} is not an address`);
  }
  return value.toLowerCase() as Address;
}
