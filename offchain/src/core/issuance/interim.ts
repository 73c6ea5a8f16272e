/**
 * INTERIM ADAPTER, deleted when branches `enc` and `bls` land on main: stand-ins with the names those branches
 * export (offchain/src/core/* and offchain/src/core/bls), so that issuance compiles and runs meanwhile.
 * Nothing here is the reference implementation; the shared vectors pin the real one.
 */
import { SecretKey, Signature, PublicKey, verify } from "@chainsafe/blst";
import {
  encodeAbiParameters,
  hashTypedData,
  keccak256,
  recoverTypedDataAddress,
  toBytes,
  toHex,
  type Address,
  type Hex,
} from "viem";

import { FourMicaError } from "../errors.ts";

export interface GuaranteeRequestV1 {
  version: 1;
  user: Address;
  recipient: Address;
  reqId: bigint;
  amount: bigint;
  asset: Address;
  timestamp: bigint;
}

export interface ValidationPolicy {
  validationRegistry: Address;
  validationRequestHash: Hex;
  validationChainId: bigint;
  validatorAddress: Address;
  validatorAgentId: bigint;
  minValidationScore: number;
  validationSubjectHash: Hex;
  jobHash: Hex;
  requiredValidationTag: string;
}

export interface GuaranteeRequestV2 extends Omit<GuaranteeRequestV1, "version">, ValidationPolicy {
  version: 2;
}

export type GuaranteeRequest = GuaranteeRequestV1 | GuaranteeRequestV2;

/** The certificate claims: the request plus Core's domain and cycle id. */
export type GuaranteeClaims = GuaranteeRequest & { domain: Hex; cycleId: bigint };

export interface Eip712Domain {
  chainId: bigint;
  verifyingContract: Address;
}

const V1_FIELDS = [
  { name: "user", type: "address" },
  { name: "recipient", type: "address" },
  { name: "reqId", type: "uint256" },
  { name: "amount", type: "uint256" },
  { name: "asset", type: "address" },
  { name: "timestamp", type: "uint64" },
] as const;
const V2_FIELDS = [
  ...V1_FIELDS,
  { name: "validationRegistry", type: "address" },
  { name: "validationRequestHash", type: "bytes32" },
  { name: "validationChainId", type: "uint64" },
  { name: "validatorAddress", type: "address" },
  { name: "validatorAgentId", type: "uint256" },
  { name: "minValidationScore", type: "uint8" },
  { name: "validationSubjectHash", type: "bytes32" },
  { name: "jobHash", type: "bytes32" },
  { name: "requiredValidationTag", type: "string" },
] as const;

export function guaranteeRequestTypedData(request: GuaranteeRequest, domain: Eip712Domain) {
  const d = { name: "4Mica", version: "1", chainId: domain.chainId, verifyingContract: domain.verifyingContract };
  const { version: _v, ...message } = request;
  return request.version === 1
    ? { domain: d, types: { GuaranteeRequestV1: V1_FIELDS }, primaryType: "GuaranteeRequestV1" as const, message }
    : { domain: d, types: { GuaranteeRequestV2: V2_FIELDS }, primaryType: "GuaranteeRequestV2" as const, message };
}

export function guaranteeRequestDigest(request: GuaranteeRequest, domain: Eip712Domain): Hex {
  return hashTypedData(guaranteeRequestTypedData(request, domain) as Parameters<typeof hashTypedData>[0]);
}

export async function recoverGuaranteeRequestSigner(
  request: GuaranteeRequest,
  signature: Hex,
  domain: Eip712Domain,
): Promise<Address> {
  return recoverTypedDataAddress({
    ...(guaranteeRequestTypedData(request, domain) as Parameters<typeof hashTypedData>[0]),
    signature,
  });
}

export function guaranteeDomain(version: number, chainId: bigint, core4Mica: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "uint256" }, { type: "address" }],
      [`4MICA_CORE_GUARANTEE_V${version}`, chainId, core4Mica],
    ),
  );
}

export function guaranteeId(g: {
  domain: Hex;
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
  version: number;
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "address" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint64" },
      ],
      [g.domain, g.user, g.recipient, g.asset, g.reqId, BigInt(g.version)],
    ),
  );
}

const BASE = [
  { name: "domain", type: "bytes32" },
  { name: "cycleId", type: "uint256" },
  { name: "version", type: "uint64" },
  { name: "user", type: "address" },
  { name: "recipient", type: "address" },
  { name: "reqId", type: "uint256" },
  { name: "amount", type: "uint256" },
  { name: "asset", type: "address" },
  { name: "timestamp", type: "uint64" },
] as const;

export function encodeEnvelope(c: GuaranteeClaims): Hex {
  const base = [c.domain, c.cycleId, BigInt(c.version), c.user, c.recipient, c.reqId, c.amount, c.asset, c.timestamp];
  const inner =
    c.version === 1
      ? encodeAbiParameters([{ type: "tuple", components: BASE }], [
          Object.fromEntries(BASE.map((f, i) => [f.name, base[i]])),
        ] as never)
      : encodeAbiParameters([{ type: "tuple", components: [...BASE, ...V2_FIELDS.slice(6)] }], [
          { ...c, version: BigInt(c.version), minValidationScore: c.minValidationScore },
        ] as never);
  return encodeAbiParameters([{ type: "uint64" }, { type: "bytes" }], [BigInt(c.version), inner]);
}

export function validationSubjectHash(r: GuaranteeRequestV2): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "address" },
        { type: "uint64" },
      ],
      [keccak256(toHex("4MICA_VALIDATION_SUBJECT_V1")), r.reqId, r.user, r.recipient, r.amount, r.asset, r.timestamp],
    ),
  );
}

export function validationRequestHash(r: GuaranteeRequestV2): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "bytes32" },
        { type: "uint8" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [
        keccak256(toHex("4MICA_VALIDATION_REQUEST_V2")),
        r.validationChainId,
        r.validationRegistry,
        r.validatorAddress,
        r.validatorAgentId,
        r.validationSubjectHash,
        r.minValidationScore,
        keccak256(toHex(r.requiredValidationTag)),
        r.jobHash,
      ],
    ),
  );
}

export function assertCanonicalPolicy(r: GuaranteeRequestV2): void {
  const bad = (message: string) => new FourMicaError("INVALID_VALIDATION_POLICY", message);
  if (r.minValidationScore < 1 || r.minValidationScore > 100)
    throw bad(`minValidationScore ${r.minValidationScore} is outside 1..100`);
  if (/^0x0{64}$/.test(r.jobHash)) throw bad("jobHash is zero");
  if (validationSubjectHash(r).toLowerCase() !== r.validationSubjectHash.toLowerCase())
    throw bad(`validationSubjectHash ${r.validationSubjectHash} is not canonical`);
  if (validationRequestHash(r).toLowerCase() !== r.validationRequestHash.toLowerCase())
    throw bad(`validationRequestHash ${r.validationRequestHash} is not canonical`);
}

export interface BlsBackend {
  readonly name: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export async function loadBlsBackend(_mode: "auto" | "native" | "pure", secretKey: Hex): Promise<BlsBackend> {
  const sk = SecretKey.fromBytes(toBytes(secretKey));
  const pk = sk.toPublicKey();
  return {
    name: "native",
    publicKey: pk.toBytes(true),
    sign: (m) => sk.sign(m).toBytes(true),
    verify: (m, s) => verify(m, pk, Signature.fromBytes(s, true, true)),
  };
}

/** 48-byte big-endian Fp -> two bytes32 words of the 64-byte EIP-2537 encoding. */
function fpWords(fp: Uint8Array): [Hex, Hex] {
  const padded = new Uint8Array(64);
  padded.set(fp, 16);
  return [toHex(padded.slice(0, 32)), toHex(padded.slice(32))];
}

export function g2SignatureToEip2537(compressed: Uint8Array): Hex[] {
  const u = Signature.fromBytes(compressed).toBytes(false); // x.c1 | x.c0 | y.c1 | y.c0 (48 B each)
  const part = (i: number) => u.slice(i * 48, (i + 1) * 48);
  return [...fpWords(part(1)), ...fpWords(part(0)), ...fpWords(part(3)), ...fpWords(part(2))];
}

export function g1PublicKeyToEip2537(compressed: Uint8Array): Hex[] {
  const u = PublicKey.fromBytes(compressed).toBytes(false); // x | y
  return [...fpWords(u.slice(0, 48)), ...fpWords(u.slice(48))];
}
