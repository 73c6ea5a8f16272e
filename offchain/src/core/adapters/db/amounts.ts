import { InvalidInputError } from "../../../protocol/errors.ts";

/** uint256 upper bound: every NUMERIC(78,0) column holds at most this. */
const MAX_UINT256 = (1n << 256n) - 1n;

/** bigint -> decimal text for a NUMERIC(78,0) parameter. */
export function toDbAmount(v: bigint): string {
  if (v < 0n || v > MAX_UINT256) throw new InvalidInputError(`amount ${v} is outside uint256`);
  return v.toString(10);
}

/** NUMERIC text from the driver -> bigint; rejects anything that is not a plain non-negative integer. */
export function fromDbAmount(v: unknown): bigint {
  if (typeof v !== "string" || !/^[0-9]+$/.test(v))
    throw new Error(`database returned a non-integer amount: ${String(v)}`);
  return BigInt(v);
}
