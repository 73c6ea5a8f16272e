import { hexToBytes, isHex, type Hex } from "viem";

import { InvalidInputError } from "../errors.ts";

/** The bytes of a message given as hex or bytes (the signed bytes are exactly these; no hashing, no prefix). */
export function messageBytes(message: Hex | Uint8Array): Uint8Array {
  if (message instanceof Uint8Array) return message;
  if (typeof message !== "string" || !isHex(message, { strict: true }) || message.length % 2 !== 0) {
    throw new InvalidInputError(`BLS message is neither bytes nor even-length hex: ${String(message).slice(0, 20)}`);
  }
  return hexToBytes(message);
}
