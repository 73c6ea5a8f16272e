import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, hexToBigInt, numberToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";

import {
  createNativeRecovery,
  createPureRecovery,
  loadSecp256k1Recovery,
  Secp256k1UnavailableError,
  type Secp256k1Recovery,
} from "../../offchain/src/protocol/secp256k1/index.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const privateKey = fc.bigInt({ min: 1n, max: N - 1n }).map((k) => numberToHex(k, { size: 32 }));
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));

/** Recovery outcome as a comparable value: the address, or "throws". */
async function outcome(r: Secp256k1Recovery, d: Hex, s: Hex): Promise<Address | "throws"> {
  try {
    return await r.recoverAddress(d, s);
  } catch {
    return "throws";
  }
}

/** The same signature with s -> n - s and the parity flipped: recovers the same key (ECDSA malleability). */
function malleate(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = hexToBigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  const flipped = v === 27 ? 28 : v === 28 ? 27 : v ^ 1;
  return `0x${r}${(N - s).toString(16).padStart(64, "0")}${flipped.toString(16).padStart(2, "0")}` as Hex;
}

/** v rewritten from 27/28 to 0/1. */
function yParityForm(signature: Hex): Hex {
  const v = Number.parseInt(signature.slice(130), 16);
  return `${signature.slice(0, 130)}${(v - 27).toString(16).padStart(2, "0")}` as Hex;
}

describe("secp256k1 recovery (offchain/src/protocol/secp256k1)", function () {
  const native = createNativeRecovery();
  const pure = createPureRecovery();

  it("loads the native addon here", function () {
    expect(native.name).to.equal("native");
    expect(loadSecp256k1Recovery().name).to.equal("native");
  });

  it("falls back to viem's recovery when the addon does not load", function () {
    const missing = (): Secp256k1Recovery => {
      throw new Secp256k1UnavailableError("no addon");
    };
    expect(loadSecp256k1Recovery(missing).name).to.equal("pure");
  });

  it("native and pure recover the signer's lowercase address, with v as 27/28, 0/1 or malleated", async function () {
    await fc.assert(
      fc.asyncProperty(privateKey, digest, async (key, hash) => {
        const address = privateKeyToAccount(key).address.toLowerCase();
        const signature = await sign({ hash, privateKey: key, to: "hex" });
        for (const s of [signature, yParityForm(signature), malleate(signature)]) {
          expect(await native.recoverAddress(hash, s)).to.equal(address);
          expect(await pure.recoverAddress(hash, s)).to.equal(address);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("native and pure agree on any 65 bytes: the same address or both refuse", async function () {
    const v = fc.constantFrom(0, 1, 2, 26, 27, 28, 29, 255);
    const word = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b).slice(2)),
      fc.constantFrom(0n, 1n, N - 1n, N, N + 1n, (1n << 256n) - 1n).map((x) => x.toString(16).padStart(64, "0")),
    );
    await fc.assert(
      fc.asyncProperty(digest, word, word, v, async (hash, r, s, vv) => {
        const signature = `0x${r}${s}${vv.toString(16).padStart(2, "0")}` as Hex;
        expect(await outcome(native, hash, signature)).to.equal(await outcome(pure, hash, signature));
      }),
      { numRuns: 150 },
    );
  });

  it("refuses v outside 0, 1, 27, 28 and a zero r", async function () {
    const key = numberToHex(7n, { size: 32 });
    const hash = numberToHex(1n, { size: 32 });
    const signature = await sign({ hash, privateKey: key, to: "hex" });
    for (const r of [native, pure]) {
      assert.equal(await outcome(r, hash, `${signature.slice(0, 130)}1d` as Hex), "throws", r.name);
      assert.equal(await outcome(r, hash, `0x${"00".repeat(32)}${signature.slice(66)}` as Hex), "throws", r.name);
    }
  });
});
