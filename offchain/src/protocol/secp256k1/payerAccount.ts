import { createRequire } from "node:module";

import { bytesToHex, hexToBytes, type Hex, type PrivateKeyAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** The part of the `secp256k1` package's native binding used here (it ships no types). */
interface NativeSecp256k1Sign {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

let native: NativeSecp256k1Sign | null | undefined;
function nativeSign(): NativeSecp256k1Sign | undefined {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1Sign;
    } catch {
      native = null;
    }
  }
  return native ?? undefined;
}

/**
 * viem's `privateKeyToAccount(privateKey)` whose raw-digest `sign({ hash })` runs in libsecp256k1 (the
 * `secp256k1` package's N-API binding) when it loads: RFC 6979 nonces and low-s, so the same 65 bytes as viem's
 * noble signer (test/protocol/signGuaranteeRequest.test.ts pins it), about a tenth of its CPU. signGuaranteeRequest
 * signs a private-key account's EIP-712 digest through `sign`, so a payer built with this signs its guarantee
 * requests natively (about 1 ms of a paid request on the bench machine); everything else (`signTypedData`,
 * `signMessage`, transactions) is viem's. Without the addon it is viem's account unchanged.
 */
export function payerAccount(privateKey: Hex): PrivateKeyAccount {
  const account = privateKeyToAccount(privateKey);
  const lib = nativeSign();
  if (!lib) return account;
  const key = hexToBytes(privateKey);
  return {
    ...account,
    async sign({ hash }) {
      const { signature, recid } = lib.ecdsaSign(hexToBytes(hash), key);
      return `${bytesToHex(signature)}${recid === 0 ? "1b" : "1c"}` as Hex;
    },
  };
}
