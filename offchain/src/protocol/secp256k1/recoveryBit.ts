import { InvalidInputError } from "../errors.ts";

/** The recovery bit of a 65-byte signature's last byte, with viem's rules: 0/1 as is, 27/28 as 0/1, else refused. */
export function recoveryBit(v: number): 0 | 1 {
  if (v === 0 || v === 27) return 0;
  if (v === 1 || v === 28) return 1;
  throw new InvalidInputError(`signature v ${v} is not 0, 1, 27 or 28`);
}
