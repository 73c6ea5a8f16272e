import { expect } from "chai";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";

import { loadBlsBackend, type BlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import {
  CertificateCode,
  CertificateVerificationError,
  verifyCertificate,
  type ExpectedCertificateFields,
} from "../../offchain/src/protocol/certificate/verifyCertificate.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import type { Guarantee, GuaranteeRequestV2 } from "../../offchain/src/protocol/guaranteeTypes.ts";

const SK: Hex = "0x2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
const OTHER_SK: Hex = "0x1111111111111111111111111111111111111111111111111111111111111111";
const CORE: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
const REQUEST_DOMAIN = { chainId: 31337, verifyingContract: CORE } as const;
const USER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const RECIPIENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ASSET: Address = "0x0000000000000000000000000000000000a55e75";
const REGISTRY: Address = "0x0000000000000000000000000000000000008004";

function fixture(bls: BlsBackend) {
  const v1: Guarantee = {
    version: 1,
    domain: guaranteeDomain(1, 31337, CORE),
    cycleId: 10n,
    user: USER,
    recipient: RECIPIENT,
    reqId: 2n ** 255n + 7n,
    amount: 1_000n,
    asset: ASSET,
    timestamp: 1_700_000_000n,
  };
  const base: GuaranteeRequestV2 = { ...v1, version: 2, policy: undefined as never };
  const policy = buildValidationPolicy(base, {
    validationRegistry: REGISTRY,
    validationChainId: 31337n,
    validatorAddress: RECIPIENT,
    validatorAgentId: 5n,
    minValidationScore: 80,
    jobHash: keccak256(toHex("job")),
    requiredValidationTag: "quality",
  });
  const v2: Guarantee = { ...v1, version: 2, domain: guaranteeDomain(2, 31337, CORE), policy };
  const sign = (g: Guarantee, sk = SK) => {
    const claims = encodeEnvelope(g);
    return { claims, signature: bls.sign(sk, claims) };
  };
  const expectedOf = (g: Guarantee): ExpectedCertificateFields => ({
    version: g.version,
    user: g.user,
    recipient: g.recipient,
    reqId: g.reqId,
    amount: g.amount,
    asset: g.asset,
    timestamp: g.timestamp,
    ...(g.version === 2 ? { policy: g.policy } : {}),
    cycleId: g.cycleId,
    guaranteeId: guaranteeId(g, REQUEST_DOMAIN),
  });
  return { v1, v2, sign, expectedOf, publicKey: bls.publicKey(SK) };
}

describe("verifyCertificate", function () {
  let bls: BlsBackend;
  let f: ReturnType<typeof fixture>;
  before(async function () {
    bls = await loadBlsBackend("auto");
    f = fixture(bls);
  });

  const codeOf = (run: () => unknown): string => {
    try {
      run();
    } catch (e) {
      expect(e).to.be.instanceOf(CertificateVerificationError);
      return (e as CertificateVerificationError).code;
    }
    throw new Error("expected a CertificateVerificationError");
  };

  it("returns the decoded V1 and V2 guarantees when everything matches", function () {
    for (const g of [f.v1, f.v2]) {
      const out = verifyCertificate(
        {
          certificate: f.sign(g),
          publicKey: f.publicKey,
          domain: g.domain,
          requestDomain: REQUEST_DOMAIN,
          expected: f.expectedOf(g),
        },
        bls,
      );
      expect(encodeEnvelope(out)).to.equal(encodeEnvelope(g));
      expect(out.version).to.equal(g.version);
      expect(out.reqId).to.equal(g.reqId);
    }
  });

  it("accepts addresses and hashes in another case", function () {
    const expected = {
      ...f.expectedOf(f.v1),
      user: USER.toLowerCase() as Address,
      asset: ASSET.toUpperCase().replace("0X", "0x") as Address,
    };
    const out = verifyCertificate(
      {
        certificate: f.sign(f.v1),
        publicKey: f.publicKey,
        domain: f.v1.domain.toUpperCase().replace("0X", "0x") as Hex,
        requestDomain: REQUEST_DOMAIN,
        expected,
      },
      bls,
    );
    expect(out.reqId).to.equal(f.v1.reqId);
  });

  it("refuses malformed claims with CERTIFICATE_MALFORMED", function () {
    const cert = f.sign(f.v1);
    for (const claims of ["0x1234", `${cert.claims}00`, "nothex"] as Hex[]) {
      expect(
        codeOf(() =>
          verifyCertificate(
            {
              certificate: { ...cert, claims },
              publicKey: f.publicKey,
              domain: f.v1.domain,
              requestDomain: REQUEST_DOMAIN,
              expected: f.expectedOf(f.v1),
            },
            bls,
          ),
        ),
      ).to.equal(CertificateCode.MALFORMED);
    }
  });

  it("refuses a signature by another key, over other claims, or garbage with CERTIFICATE_BAD_SIGNATURE", function () {
    const good = f.sign(f.v1);
    const byOther = f.sign(f.v1, OTHER_SK);
    const otherClaims = f.sign({ ...f.v1, amount: 1n });
    for (const signature of [byOther.signature, otherClaims.signature, "0x00" as Hex, `0x${"ff".repeat(96)}` as Hex]) {
      expect(
        codeOf(() =>
          verifyCertificate(
            {
              certificate: { ...good, signature },
              publicKey: f.publicKey,
              domain: f.v1.domain,
              requestDomain: REQUEST_DOMAIN,
              expected: f.expectedOf(f.v1),
            },
            bls,
          ),
        ),
      ).to.equal(CertificateCode.BAD_SIGNATURE);
    }
  });

  it("refuses a validly signed certificate of another domain with CERTIFICATE_DOMAIN_MISMATCH", function () {
    const g = { ...f.v1, domain: guaranteeDomain(1, 1, CORE) };
    expect(
      codeOf(() =>
        verifyCertificate(
          {
            certificate: f.sign(g),
            publicKey: f.publicKey,
            domain: f.v1.domain,
            requestDomain: REQUEST_DOMAIN,
            expected: f.expectedOf(f.v1),
          },
          bls,
        ),
      ),
    ).to.equal(CertificateCode.DOMAIN_MISMATCH);
  });

  const fieldCases: [string, Partial<ExpectedCertificateFields>, string][] = [
    ["version", { version: 2 }, CertificateCode.VERSION_MISMATCH],
    ["user", { user: RECIPIENT }, CertificateCode.USER_MISMATCH],
    ["recipient", { recipient: USER }, CertificateCode.RECIPIENT_MISMATCH],
    ["reqId", { reqId: 1n }, CertificateCode.REQ_ID_MISMATCH],
    ["amount", { amount: 999n }, CertificateCode.AMOUNT_MISMATCH],
    ["asset", { asset: zeroAddress }, CertificateCode.ASSET_MISMATCH],
    ["timestamp", { timestamp: 1n }, CertificateCode.TIMESTAMP_MISMATCH],
    ["cycleId", { cycleId: 11n }, CertificateCode.CYCLE_MISMATCH],
    ["guaranteeId", { guaranteeId: `0x${"ab".repeat(32)}` }, CertificateCode.GUARANTEE_ID_MISMATCH],
  ];
  for (const [field, override, code] of fieldCases) {
    it(`refuses a certificate whose ${field} differs from the signed request with ${code}`, function () {
      expect(
        codeOf(() =>
          verifyCertificate(
            {
              certificate: f.sign(f.v1),
              publicKey: f.publicKey,
              domain: f.v1.domain,
              requestDomain: REQUEST_DOMAIN,
              expected: { ...f.expectedOf(f.v1), ...override },
            },
            bls,
          ),
        ),
      ).to.equal(code);
    });
  }

  it("refuses a V2 certificate whose policy differs in any field, or without an expected policy", function () {
    const g = f.v2 as Extract<Guarantee, { version: 2 }>;
    const variants = [
      { ...g.policy, minValidationScore: 81 },
      { ...g.policy, validatorAgentId: 6n },
      { ...g.policy, requiredValidationTag: "" },
      { ...g.policy, jobHash: keccak256(toHex("other")) },
      undefined,
    ];
    for (const policy of variants) {
      expect(
        codeOf(() =>
          verifyCertificate(
            {
              certificate: f.sign(g),
              publicKey: f.publicKey,
              domain: g.domain,
              requestDomain: REQUEST_DOMAIN,
              expected: { ...f.expectedOf(g), policy },
            },
            bls,
          ),
        ),
      ).to.equal(CertificateCode.POLICY_MISMATCH);
    }
  });
});
