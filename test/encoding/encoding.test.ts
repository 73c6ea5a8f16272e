import { readFileSync } from "node:fs";

import { expect } from "chai";
import fc from "fast-check";
import {
  encodeAbiParameters,
  getAddress,
  keccak256,
  maxUint256,
  maxUint64,
  toHex,
  zeroHash,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { buildGuaranteeVectors, VECTORS_PATH } from "../../scripts/vectors/guarantees.ts";
import { assertCanonicalPolicy } from "../../offchain/src/protocol/assertCanonicalPolicy.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { decodeEnvelope } from "../../offchain/src/protocol/decodeEnvelope.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { FourMicaError, hasCode } from "../../offchain/src/protocol/errors.ts";
import {
  GuaranteeVersionMismatchError,
  MalformedGuaranteeEnvelopeError,
  UnsupportedGuaranteeVersionError,
} from "../../offchain/src/protocol/guaranteeEncodingErrors.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import { requestDomainSeparator } from "../../offchain/src/protocol/requestDomainSeparator.ts";
import { guaranteeRequestStructHash } from "../../offchain/src/protocol/guaranteeRequestStructHash.ts";
import { guaranteeRequestTypedData } from "../../offchain/src/protocol/guaranteeRequestTypedData.ts";
import type {
  Guarantee,
  GuaranteeRequest,
  GuaranteeRequestV2,
  ValidationPolicy,
} from "../../offchain/src/protocol/guaranteeTypes.ts";
import { hashGuaranteeRequest } from "../../offchain/src/protocol/hashGuaranteeRequest.ts";
import { recoverGuaranteeRequestSigner } from "../../offchain/src/protocol/recoverGuaranteeRequestSigner.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { validationRequestHash } from "../../offchain/src/protocol/validationRequestHash.ts";
import { validationSubjectHash } from "../../offchain/src/protocol/validationSubjectHash.ts";

// ---------------------------------------------------------------------------------------------------- fixtures

interface JsonGuarantee {
  version: 1 | 2;
  user: Address;
  recipient: Address;
  reqId: string;
  amount: string;
  asset: Address;
  timestamp: string;
  domain: Hex;
  cycleId: string;
  policy?: Omit<ValidationPolicy, "validationChainId" | "validatorAgentId"> & {
    validationChainId: string;
    validatorAgentId: string;
  };
}

interface JsonCase {
  description: string;
  payer: { privateKey: Hex; address: Address };
  chainId: string;
  verifyingContract: Address;
  core: Address;
  guarantee: JsonGuarantee;
  structHash: Hex;
  digest: Hex;
  signature: Hex;
  envelope: Hex;
  inner: Hex;
  requestDomainSeparator: Hex;
  guaranteeId: Hex;
}

interface Vectors {
  cases: Record<string, JsonCase>;
  malformed: Record<string, { envelope: Hex; code: string; revertData: Hex }>;
  unsupported: Record<string, { envelope: Hex; code: string }>;
}

function loadVectors(): Vectors {
  return JSON.parse(readFileSync(VECTORS_PATH, "utf8")) as Vectors;
}

function toGuarantee(j: JsonGuarantee): Guarantee {
  const base = {
    user: j.user,
    recipient: j.recipient,
    reqId: BigInt(j.reqId),
    amount: BigInt(j.amount),
    asset: j.asset,
    timestamp: BigInt(j.timestamp),
    domain: j.domain,
    cycleId: BigInt(j.cycleId),
  };
  if (j.version === 1) return { ...base, version: 1 };
  const p = j.policy!;
  return {
    ...base,
    version: 2,
    policy: { ...p, validationChainId: BigInt(p.validationChainId), validatorAgentId: BigInt(p.validatorAgentId) },
  };
}

/** The request a certificate carries (certificate-only fields dropped). */
function toRequest(g: Guarantee): GuaranteeRequest {
  const { domain: _domain, cycleId: _cycleId, ...request } = g;
  return request;
}

function domainOf(c: JsonCase) {
  return { chainId: BigInt(c.chainId), verifyingContract: c.verifyingContract };
}

/** The V1 type string exactly as docs/protocol.md §3 writes it, hashed without viem's typed-data code. */
const V1_TYPE =
  "GuaranteeRequestV1(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp)";
const V2_TYPE =
  "GuaranteeRequestV2(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp," +
  "address validationRegistry,bytes32 validationRequestHash,uint64 validationChainId,address validatorAddress," +
  "uint256 validatorAgentId,uint8 minValidationScore,bytes32 validationSubjectHash,bytes32 jobHash," +
  "string requiredValidationTag)";

function independentStructHash(r: GuaranteeRequest): Hex {
  const head = [
    { type: "address" },
    { type: "address" },
    { type: "uint256" },
    { type: "uint256" },
    { type: "address" },
    { type: "uint64" },
  ] as const;
  const values = [r.user, r.recipient, r.reqId, r.amount, r.asset, r.timestamp] as const;
  if (r.version === 1) {
    return keccak256(encodeAbiParameters([{ type: "bytes32" }, ...head], [keccak256(toHex(V1_TYPE)), ...values]));
  }
  const p = r.policy;
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        ...head,
        { type: "address" },
        { type: "bytes32" },
        { type: "uint64" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint8" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [
        keccak256(toHex(V2_TYPE)),
        ...values,
        p.validationRegistry,
        p.validationRequestHash,
        p.validationChainId,
        p.validatorAddress,
        p.validatorAgentId,
        p.minValidationScore,
        p.validationSubjectHash,
        p.jobHash,
        keccak256(toHex(p.requiredValidationTag)),
      ],
    ),
  );
}

function expectCode(fn: () => unknown, code: string): FourMicaError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FourMicaError);
    expect((e as FourMicaError).code).to.equal(code);
    return e as FourMicaError;
  }
  expect.fail(`expected a FourMicaError with code ${code}`);
}

const vectors = loadVectors();
const caseNames = Object.keys(vectors.cases);

const ADDR = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

function sampleV2(): GuaranteeRequestV2 {
  const base = {
    user: ADDR(0xa11ce),
    recipient: ADDR(0xb0b),
    reqId: 9n,
    amount: 10n ** 18n,
    asset: ADDR(0),
    timestamp: 1_767_225_600n,
  };
  const policy = buildValidationPolicy(base, {
    validationRegistry: ADDR(0x8004),
    validationChainId: 31337n,
    validatorAddress: ADDR(0x7a1),
    validatorAgentId: 5n,
    minValidationScore: 70,
    jobHash: keccak256(toHex("job")),
    requiredValidationTag: "quality",
  });
  return { ...base, version: 2, policy };
}

// ---------------------------------------------------------------------------------------------------- tests

describe("guarantee encodings", function () {
  describe("vectors", function () {
    it("has V1 and V2 cases", function () {
      const versions = caseNames.map((n) => vectors.cases[n]!.guarantee.version);
      expect(versions.filter((v) => v === 1)).to.have.length(4);
      expect(versions.filter((v) => v === 2)).to.have.length(4);
    });

    it("is exactly what scripts/vectors/guarantees.ts generates", async function () {
      expect(await buildGuaranteeVectors()).to.deep.equal(vectors);
    });

    for (const name of caseNames) {
      describe(name, function () {
        const c = vectors.cases[name]!;
        const guarantee = toGuarantee(c.guarantee);
        const request = toRequest(guarantee);

        it("encodeEnvelope gives the vector bytes", function () {
          expect(encodeEnvelope(guarantee)).to.equal(c.envelope);
          expect(c.envelope.endsWith(c.inner.slice(2))).to.equal(true);
        });

        it("decodeEnvelope gives the vector guarantee", function () {
          expect(decodeEnvelope(c.envelope)).to.deep.equal(guarantee);
        });

        it("guaranteeId, requestDomainSeparator and guaranteeDomain match", function () {
          const eip712 = { chainId: BigInt(c.chainId), verifyingContract: c.verifyingContract };
          expect(requestDomainSeparator(eip712)).to.equal(c.requestDomainSeparator);
          expect(guaranteeId(guarantee, eip712)).to.equal(c.guaranteeId);
          expect(guaranteeId(guarantee, c.requestDomainSeparator)).to.equal(c.guaranteeId);
          expect(guaranteeDomain(guarantee.version, BigInt(c.chainId), c.core)).to.equal(guarantee.domain);
        });

        it("struct hash matches viem and the protocol's type string", function () {
          expect(guaranteeRequestStructHash(request)).to.equal(c.structHash);
          expect(independentStructHash(request)).to.equal(c.structHash);
        });

        it("digest, signature and signer match", async function () {
          const domain = domainOf(c);
          expect(hashGuaranteeRequest(request, domain)).to.equal(c.digest);
          const account = privateKeyToAccount(c.payer.privateKey);
          expect(account.address).to.equal(c.payer.address);
          expect(account.address).to.equal(guarantee.user);
          expect(await signGuaranteeRequest(account, request, domain)).to.equal(c.signature);
          expect(await recoverGuaranteeRequestSigner(request, domain, c.signature)).to.equal(guarantee.user);
        });

        if (request.version === 2) {
          it("carries the canonical validation hashes", function () {
            expect(validationSubjectHash(request)).to.equal(request.policy.validationSubjectHash);
            expect(validationRequestHash(request.policy)).to.equal(request.policy.validationRequestHash);
            expect(() => assertCanonicalPolicy(request)).not.to.throw();
            const { validationRequestHash: _r, validationSubjectHash: _s, ...inputs } = request.policy;
            expect(buildValidationPolicy(request, inputs)).to.deep.equal(request.policy);
          });
        }
      });
    }
  });

  describe("guaranteeRequestTypedData", function () {
    it("uses the domain {name: 4Mica, version: 1, chainId, verifyingContract}", function () {
      const td = guaranteeRequestTypedData(sampleV2(), { chainId: 8453, verifyingContract: ADDR(0xc0) });
      expect(td.domain).to.deep.equal({ name: "4Mica", version: "1", chainId: 8453n, verifyingContract: ADDR(0xc0) });
      expect(td.primaryType).to.equal("GuaranteeRequestV2");
    });
  });

  describe("signGuaranteeRequest / recoverGuaranteeRequestSigner", function () {
    const domain = { chainId: 31337n, verifyingContract: ADDR(0xc0) };

    it("round-trips for a fresh key, V1 and V2", async function () {
      const account = privateKeyToAccount(generatePrivateKey());
      const v2 = { ...sampleV2(), user: account.address };
      const v1: GuaranteeRequest = { ...v2, version: 1 };
      for (const request of [v1, v2] as GuaranteeRequest[]) {
        const signature = await signGuaranteeRequest(account, request, domain);
        expect(signature).to.match(/^0x[0-9a-f]{130}$/);
        expect(await recoverGuaranteeRequestSigner(request, domain, signature)).to.equal(account.address);
      }
    });

    it("recovers a different signer when any signed field or the domain is tampered with", async function () {
      const account = privateKeyToAccount(generatePrivateKey());
      const request = { ...sampleV2(), user: account.address };
      const signature = await signGuaranteeRequest(account, request, domain);
      const p = request.policy;
      const tampered: [string, GuaranteeRequest, typeof domain][] = [
        ["recipient", { ...request, recipient: ADDR(0xbad) }, domain],
        ["reqId", { ...request, reqId: request.reqId + 1n }, domain],
        ["amount", { ...request, amount: request.amount + 1n }, domain],
        ["asset", { ...request, asset: ADDR(0xe20) }, domain],
        ["timestamp", { ...request, timestamp: request.timestamp + 1n }, domain],
        ["version", { ...request, version: 1 }, domain],
        ["registry", { ...request, policy: { ...p, validationRegistry: ADDR(1) } }, domain],
        ["requestHash", { ...request, policy: { ...p, validationRequestHash: zeroHash } }, domain],
        ["validationChainId", { ...request, policy: { ...p, validationChainId: 1n } }, domain],
        ["validator", { ...request, policy: { ...p, validatorAddress: ADDR(2) } }, domain],
        ["agentId", { ...request, policy: { ...p, validatorAgentId: 6n } }, domain],
        ["minScore", { ...request, policy: { ...p, minValidationScore: 71 } }, domain],
        ["subjectHash", { ...request, policy: { ...p, validationSubjectHash: zeroHash } }, domain],
        ["jobHash", { ...request, policy: { ...p, jobHash: zeroHash } }, domain],
        ["tag", { ...request, policy: { ...p, requiredValidationTag: "quality " } }, domain],
        ["chainId", request, { ...domain, chainId: 1n }],
        ["verifyingContract", request, { ...domain, verifyingContract: ADDR(0xc1) }],
      ];
      for (const [field, t, d] of tampered) {
        const signer = await recoverGuaranteeRequestSigner(t, d, signature);
        expect(signer, field).not.to.equal(account.address);
      }
    });
  });

  describe("decodeEnvelope", function () {
    for (const [name, m] of Object.entries(vectors.malformed)) {
      it(`throws ${m.code} on the ${name} vector`, function () {
        const e = expectCode(() => decodeEnvelope(m.envelope), m.code);
        const cls =
          m.code === "GUARANTEE_VERSION_MISMATCH" ? GuaranteeVersionMismatchError : MalformedGuaranteeEnvelopeError;
        expect(e).to.be.instanceOf(cls);
      });
    }

    for (const [name, u] of Object.entries(vectors.unsupported)) {
      it(`throws ${u.code} on the ${name} vector`, function () {
        expect(expectCode(() => decodeEnvelope(u.envelope), u.code)).to.be.instanceOf(UnsupportedGuaranteeVersionError);
      });
    }

    it("throws MALFORMED_GUARANTEE_ENVELOPE on non-hex and odd-length strings", function () {
      for (const bad of ["", "0x0", "0xzz", "deadbeef", `0x${"00".repeat(95)}0`]) {
        expectCode(() => decodeEnvelope(bad as Hex), "MALFORMED_GUARANTEE_ENVELOPE");
      }
    });

    it("reports the versions of a mismatch", function () {
      const m = vectors.malformed.v1_version_mismatch!;
      const e = expectCode(() => decodeEnvelope(m.envelope), "GUARANTEE_VERSION_MISMATCH");
      expect(e.details).to.deep.equal({ expected: "1", actual: "2" });
    });

    it("never throws anything but its three codes on arbitrary bytes (property)", function () {
      const codes = ["MALFORMED_GUARANTEE_ENVELOPE", "UNSUPPORTED_GUARANTEE_VERSION", "GUARANTEE_VERSION_MISMATCH"];
      const head = (v: bigint, n: number) =>
        encodeAbiParameters([{ type: "uint64" }, { type: "uint256" }, { type: "uint256" }], [v, 64n, BigInt(n)]);
      const input = fc.oneof(
        fc.uint8Array({ maxLength: 800 }).map((b) => toHex(b)),
        fc
          .tuple(fc.bigInt({ min: 0n, max: 3n }), fc.uint8Array({ maxLength: 800 }))
          .map(([v, b]) => `0x${head(v, b.length).slice(2)}${toHex(b).slice(2)}` as Hex),
      );
      fc.assert(
        fc.property(input, (hex) => {
          try {
            decodeEnvelope(hex);
          } catch (e) {
            return codes.some((c) => hasCode(e, c));
          }
          return true;
        }),
        { seed: 0x4d696361, numRuns: 300 },
      );
    });
  });

  describe("encodeEnvelope", function () {
    it("throws INVALID_INPUT on out-of-range values", function () {
      const g = toGuarantee(vectors.cases.v1_eth!.guarantee);
      expectCode(() => encodeEnvelope({ ...g, reqId: maxUint256 + 1n }), "INVALID_INPUT");
      expectCode(() => encodeEnvelope({ ...g, timestamp: maxUint64 + 1n }), "INVALID_INPUT");
      expectCode(() => encodeEnvelope({ ...g, version: 3 } as unknown as Guarantee), "INVALID_INPUT");
    });

    it("round-trips any guarantee (property)", function () {
      fc.assert(
        fc.property(arbitraryGuarantee(), (g) => {
          expect(decodeEnvelope(encodeEnvelope(g))).to.deep.equal(g);
        }),
        { seed: 0x4d696361, numRuns: 200 },
      );
    });
  });

  describe("guaranteeId", function () {
    const eip712 = { chainId: 31337n, verifyingContract: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3") };

    it("ignores what the payer does not sign as identity (certificate domain, cycle, version, amount, timestamp) but binds user, recipient, asset, reqId and the vault's EIP-712 domain (property)", function () {
      fc.assert(
        fc.property(arbitraryGuarantee(), fc.bigInt({ min: 0n, max: maxUint64 }), (g, x) => {
          const id = guaranteeId(g, eip712);
          const moved: Guarantee = { ...g, cycleId: x, amount: x, timestamp: x, domain: keccak256(g.domain) };
          expect(guaranteeId(moved, eip712)).to.equal(id);
          const otherVersion = { ...g, version: g.version === 1 ? 2 : 1 } as Guarantee;
          expect(guaranteeId(otherVersion, eip712)).to.equal(id);
          expect(guaranteeId({ ...g, reqId: g.reqId ^ 1n }, eip712)).not.to.equal(id);
          if (g.user !== g.recipient) {
            expect(guaranteeId({ ...g, user: g.recipient, recipient: g.user }, eip712)).not.to.equal(id);
          }
          if (g.asset !== g.user) expect(guaranteeId({ ...g, asset: g.user }, eip712)).not.to.equal(id);
          expect(guaranteeId(g, { ...eip712, chainId: eip712.chainId + 1n })).not.to.equal(id);
          expect(guaranteeId(g, { ...eip712, verifyingContract: g.recipient })).not.to.equal(id);
          expect(guaranteeId(g, requestDomainSeparator(eip712))).to.equal(id);
        }),
        { seed: 0x4d696361, numRuns: 100 },
      );
    });
  });

  describe("assertCanonicalPolicy", function () {
    it("throws INVALID_MIN_VALIDATION_SCORE outside 1..100", function () {
      const r = sampleV2();
      for (const score of [0, 101, 255, 1.5, -1]) {
        expectCode(
          () => assertCanonicalPolicy({ ...r, policy: { ...r.policy, minValidationScore: score } }),
          "INVALID_MIN_VALIDATION_SCORE",
        );
      }
      for (const score of [1, 100]) {
        const { validationRequestHash: _r, validationSubjectHash: _s, ...inputs } = r.policy;
        expect(buildValidationPolicy(r, { ...inputs, minValidationScore: score }).minValidationScore).to.equal(score);
      }
    });

    it("throws INVALID_JOB_HASH for a zero job hash", function () {
      const r = sampleV2();
      expectCode(() => assertCanonicalPolicy({ ...r, policy: { ...r.policy, jobHash: zeroHash } }), "INVALID_JOB_HASH");
      const { validationRequestHash: _r, validationSubjectHash: _s, ...inputs } = r.policy;
      expectCode(() => buildValidationPolicy(r, { ...inputs, jobHash: zeroHash }), "INVALID_JOB_HASH");
    });

    it("throws VALIDATION_SUBJECT_HASH_MISMATCH when a base field moved", function () {
      const r = sampleV2();
      const e = expectCode(
        () => assertCanonicalPolicy({ ...r, amount: r.amount + 1n }),
        "VALIDATION_SUBJECT_HASH_MISMATCH",
      );
      expect(e.details).to.deep.equal({
        expected: validationSubjectHash({ ...r, amount: r.amount + 1n }),
        actual: r.policy.validationSubjectHash,
      });
    });

    it("throws VALIDATION_REQUEST_HASH_MISMATCH when a policy field moved", function () {
      const r = sampleV2();
      expectCode(
        () => assertCanonicalPolicy({ ...r, policy: { ...r.policy, requiredValidationTag: "other" } }),
        "VALIDATION_REQUEST_HASH_MISMATCH",
      );
      expectCode(
        () => assertCanonicalPolicy({ ...r, policy: { ...r.policy, validationRequestHash: zeroHash } }),
        "VALIDATION_REQUEST_HASH_MISMATCH",
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------- arbitraries

function arbitraryGuarantee(): fc.Arbitrary<Guarantee> {
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(toHex(b)));
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b));
  const u256 = fc.bigInt({ min: 0n, max: maxUint256 });
  const u64 = fc.bigInt({ min: 0n, max: maxUint64 });
  const base = fc.record({
    user: address,
    recipient: address,
    reqId: u256,
    amount: u256,
    asset: address,
    timestamp: u64,
    domain: bytes32,
    cycleId: u256,
  });
  const policy: fc.Arbitrary<ValidationPolicy> = fc.record({
    validationRegistry: address,
    validationRequestHash: bytes32,
    validationChainId: u64,
    validatorAddress: address,
    validatorAgentId: u256,
    minValidationScore: fc.integer({ min: 0, max: 255 }),
    validationSubjectHash: bytes32,
    jobHash: bytes32,
    requiredValidationTag: fc.string({ unit: "grapheme", maxLength: 80 }),
  });
  return fc.oneof(
    base.map((b): Guarantee => ({ ...b, version: 1 })),
    fc.tuple(base, policy).map(([b, p]): Guarantee => ({ ...b, version: 2, policy: p })),
  );
}
