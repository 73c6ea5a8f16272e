import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, getAddress, isAddress, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";

import { guaranteeRequestTypedData } from "../../offchain/src/protocol/guaranteeRequestTypedData.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { payerAccount } from "../../offchain/src/protocol/secp256k1/payerAccount.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const key = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((b) => b.some((x) => x !== 0) && b[0]! < 0xff)
  .map((b) => bytesToHex(b));
const base = fc.record({
  recipient: address,
  reqId: uint(256),
  amount: uint(256),
  asset: address,
  timestamp: uint(64),
});
const v1 = base.map((b) => ({ version: 1 as const, ...b }));
const v2 = fc
  .record({
    b: base,
    policy: fc.record({
      validationRegistry: address,
      validationRequestHash: bytes32,
      validationChainId: uint(64),
      validatorAddress: address,
      validatorAgentId: uint(256),
      minValidationScore: fc.integer({ min: 0, max: 255 }),
      validationSubjectHash: bytes32,
      jobHash: bytes32,
      requiredValidationTag: fc.string({ maxLength: 40, unit: "grapheme" }),
    }),
  })
  .map(({ b, policy }) => ({ version: 2 as const, ...b, policy }));
const domain = fc.record({ chainId: uint(64), verifyingContract: address });

/** The typed-data signature of the same key, through viem's signTypedData (what every other account gets). */
function typedDataOnly(privateKey: Hex) {
  const inner = privateKeyToAccount(privateKey);
  const calls = { typedData: 0 };
  const account = toAccount({
    address: inner.address,
    signMessage: (a) => inner.signMessage(a),
    signTransaction: (t) => inner.signTransaction(t),
    signTypedData: (t) => {
      calls.typedData++;
      return inner.signTypedData(t as never);
    },
  });
  return { account, calls };
}

describe("signGuaranteeRequest", function () {
  it("signs the same 65 bytes on the private-key path as viem's signTypedData, V1 and V2, any domain", async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(key, fc.oneof(v1, v2), domain, async (k, r, d) => {
        const fast = privateKeyToAccount(k);
        const { account: slow, calls } = typedDataOnly(k);
        const request = { ...r, user: fast.address } as GuaranteeRequest;
        const a = await signGuaranteeRequest(fast, request, d);
        const b = await signGuaranteeRequest(slow, request, d);
        assert.equal(calls.typedData, 1, "the custom account signs the typed data");
        assert.equal(a, b);
        const signer = await recoverTypedDataAddress({
          ...guaranteeRequestTypedData(request, d),
          signature: a,
        } as never);
        assert.equal(signer, fast.address);
      }),
      { numRuns: 40 },
    );
  });

  it("payerAccount (libsecp256k1) signs the same 65 bytes as viem's account, digests and guarantee requests", async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(key, bytes32, fc.oneof(v1, v2), domain, async (k, hash, r, d) => {
        const viemAccount = privateKeyToAccount(k);
        const nativeAccount = payerAccount(k);
        assert.equal(nativeAccount.address, viemAccount.address);
        assert.equal(nativeAccount.source, "privateKey");
        assert.equal(await nativeAccount.sign({ hash }), await viemAccount.sign({ hash }));
        const request = { ...r, user: viemAccount.address } as GuaranteeRequest;
        const { account: slow } = typedDataOnly(k);
        assert.equal(
          await signGuaranteeRequest(nativeAccount, request, d),
          await signGuaranteeRequest(slow, request, d),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("leaves a bad-checksum address to viem's typed-data check, which refuses it as before", async function () {
    const account = privateKeyToAccount(`0x${"11".repeat(32)}`);
    const good = getAddress("0x000000000000000000000000000000000000beef");
    // The checksummed form with the case of its first letter flipped: still hex, no longer its own checksum.
    const i = good.search(/[a-fA-F]/);
    const c = good[i]!;
    const bad =
      `${good.slice(0, i)}${c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()}${good.slice(i + 1)}` as Address;
    assert.isFalse(isAddress(bad), `${bad} should fail viem's checksum check`);
    const request: GuaranteeRequest = {
      version: 1,
      user: account.address,
      recipient: bad,
      reqId: 1n,
      amount: 1n,
      asset: good,
      timestamp: 1n,
    };
    let thrown: unknown;
    try {
      await signGuaranteeRequest(account, request, { chainId: 1n, verifyingContract: good });
    } catch (e) {
      thrown = e;
    }
    expect(String(thrown)).to.match(/Address .* is invalid/);
  });
});
