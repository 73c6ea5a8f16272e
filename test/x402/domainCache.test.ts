import { assert, expect } from "chai";
import fc from "fast-check";
import { bytesToHex, getAddress, type Address } from "viem";

import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { requestDomainSeparator } from "../../offchain/src/protocol/requestDomainSeparator.ts";
import { domainCacheSizes, guaranteeDomainOf, requestSeparatorOf } from "../../offchain/src/x402/domainCache.ts";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address);
const chainId = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe("x402 domain memo (domainCache)", function () {
  it("answers what a fresh computation does, first call and repeated, lower-case and checksummed", function () {
    fc.assert(
      fc.property(chainId, address, fc.constantFrom(1, 2), (c, a, version) => {
        for (const vault of [a, getAddress(a)]) {
          for (let i = 0; i < 2; i++) {
            assert.equal(
              requestSeparatorOf(c, vault),
              requestDomainSeparator({ chainId: c, verifyingContract: vault }),
            );
            assert.equal(guaranteeDomainOf(version, c, vault), guaranteeDomain(version, c, vault));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keys on every input: another chain, vault or version gives another value", function () {
    const a: Address = "0x00000000000000000000000000000000000000aa";
    const b: Address = "0x00000000000000000000000000000000000000bb";
    const s = requestSeparatorOf(1n, a);
    assert.notEqual(requestSeparatorOf(2n, a), s);
    assert.notEqual(requestSeparatorOf(1n, b), s);
    const d = guaranteeDomainOf(1, 1n, a);
    assert.notEqual(guaranteeDomainOf(2, 1n, a), d);
    assert.notEqual(guaranteeDomainOf(1, 2n, a), d);
    assert.notEqual(guaranteeDomainOf(1, 1n, b), d);
  });

  it("throws for a bad-checksum vault, as the fresh computation does, even once its lower-case form is kept", function () {
    const good = "0x000000000000000000000000000000000000beef" as Address;
    const bad = "0x000000000000000000000000000000000000bEeF" as Address;
    requestSeparatorOf(7n, good);
    guaranteeDomainOf(1, 7n, good);
    for (let i = 0; i < 2; i++) {
      expect(() => requestDomainSeparator({ chainId: 7n, verifyingContract: bad })).to.throw(/is invalid/);
      expect(() => requestSeparatorOf(7n, bad)).to.throw(/is invalid/);
      expect(() => guaranteeDomainOf(1, 7n, bad)).to.throw(/is invalid/);
    }
  });

  it("stays bounded under many vaults (a payment names its vault)", function () {
    for (let i = 0; i < 200; i++) {
      const vault = `0x${i.toString(16).padStart(40, "0")}` as Address;
      requestSeparatorOf(1n, vault);
      guaranteeDomainOf(1, 1n, vault);
    }
    const sizes = domainCacheSizes();
    assert.isAtMost(sizes.separators, 64);
    assert.isAtMost(sizes.domains, 64);
    assert.isAbove(sizes.separators, 0);
  });
});
