import { bytesToBigInt } from "viem";

/** A fresh 256-bit request id: 32 bytes from the platform's CSPRNG (the payer's guarantee identity). */
export function randomReqId(): bigint {
  return bytesToBigInt(crypto.getRandomValues(new Uint8Array(32)));
}
