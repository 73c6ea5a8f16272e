import { readFileSync } from "node:fs";

import { expect } from "chai";
import type { Address, Hex } from "viem";

import { verifyPayerSignature } from "../../offchain/src/core/issuance/verifyPayerSignature.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { createNativeRecovery, createPureRecovery } from "../../offchain/src/protocol/secp256k1/index.ts";
import { buildPayerSignatureVectors, PAYER_SIGNATURE_VECTORS_PATH } from "../../scripts/vectors/payerSignatures.ts";
import { hasCode } from "../../offchain/src/protocol/errors.ts";

interface Vectors {
  signer: Address;
  digest: Hex;
  cases: Record<string, { signature: Hex; valid: boolean; code: string | null }>;
}

const vectors = JSON.parse(readFileSync(PAYER_SIGNATURE_VECTORS_PATH, "utf8")) as Vectors;

/** Only `user` is read: the digest is the vectors' own. */
const requestOf = (user: Address) => ({ version: 1, user }) as unknown as GuaranteeRequest;

async function outcome(
  signature: Hex,
  deps: Partial<Parameters<typeof verifyPayerSignature>[2]> = {},
): Promise<string | null> {
  try {
    await verifyPayerSignature(requestOf(vectors.signer), signature, {
      digest: () => vectors.digest,
      recovery: createPureRecovery(),
      isValidSignature: async () => false,
      hasCode: async () => false,
      ...deps,
    });
    return null;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe("verifyPayerSignature: the vault's rule (test/vectors/payerSignatures.json)", function () {
  it("the committed vectors are what scripts/vectors/payerSignatures.ts writes", async function () {
    expect(await buildPayerSignatureVectors()).to.deep.equal(vectors);
  });

  for (const recovery of [createPureRecovery(), createNativeRecovery()]) {
    describe(`with the ${recovery.name} recovery, for an EOA payer`, function () {
      for (const [name, c] of Object.entries(vectors.cases)) {
        it(`${c.valid ? "accepts" : "refuses"} ${name}${c.code ? ` (${c.code})` : ""}`, async function () {
          expect(await outcome(c.signature, { recovery })).to.equal(c.code);
        });
      }
    });
  }

  describe("for a payer with code (SignatureChecker asks ERC-1271 only)", function () {
    it("refuses even the payer key's valid ECDSA signature when the wallet does not return the magic value", async function () {
      const asked: Hex[] = [];
      const code = await outcome(vectors.cases.good!.signature, {
        hasCode: async () => true,
        isValidSignature: async (_w, digest, sig) => (asked.push(digest, sig), false),
      });
      expect(code).to.equal("PAYER_SIGNATURE_ERC1271_REJECTED");
      expect(asked).to.deep.equal([vectors.digest, vectors.cases.good!.signature]);
    });

    it("accepts any blob the wallet approves, whatever its ECDSA form (a high-s one included)", async function () {
      expect(
        await outcome(vectors.cases.high_s!.signature, {
          hasCode: async () => true,
          isValidSignature: async () => true,
        }),
      ).to.equal(null);
    });

    it("lets a failing code read propagate (CHAIN_UNAVAILABLE, not a signature refusal)", async function () {
      const { FourMicaError } = await import("../../offchain/src/protocol/errors.ts");
      const code = await outcome(vectors.cases.good!.signature, {
        hasCode: async () => {
          throw new FourMicaError("CHAIN_UNAVAILABLE", "down");
        },
      });
      expect(code).to.equal("CHAIN_UNAVAILABLE");
      expect(hasCode(new FourMicaError("CHAIN_UNAVAILABLE", "x"), "CHAIN_UNAVAILABLE")).to.equal(true);
    });
  });
});
