import { createRequire } from "node:module";

import type { Hex } from "viem";

import { createSameKeyVerifier, type SameKeyItem, type SameKeyVerifier } from "./blsBatch.ts";
import { decodeClaimsBytes, type Claims } from "./decodeClaims.ts";
import { bytesHex, hexBytes } from "./hex.ts";
import { keccak } from "./keccak.ts";
import { guaranteeIdOf, payerDigest, v1Hashes } from "./payerDigest.ts";

/** One guarantee's evidence: the certificate (claims and BLS signature) and the payer's signature, if published. */
export interface EvidenceItem {
  /** Position in the batch, echoed back. */
  index: number;
  claims: string;
  /** The BLS signature: 96-byte compressed G2, or 192-byte uncompressed (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), 0x-hex. */
  blsSignature: string;
  payerSignature?: string;
}

export interface EvidenceContext {
  /** The vault's EIP-712 request domain separator (`Core4Mica.requestDomainSeparator()`). */
  requestDomainSeparator: Hex;
  /** Per version, the key the vault holds as 96-byte uncompressed G1 (x ‖ y), 0x-hex. */
  keys: Record<number, Hex>;
}

/** What ECDSA recovery says about a payer signature, by the vault's rules (OpenZeppelin `ECDSA.tryRecover`). */
export type PayerCheck =
  { kind: "recovered"; address: Hex } | { kind: "refused"; reason: string } | { kind: "missing" };

export interface EvidenceResult {
  index: number;
  /** The decoded claims, or why they do not decode. */
  claims: Claims | string;
  /** The guarantee id recomputed from the claims. */
  guaranteeId?: Hex;
  /** The EIP-712 digest the payer signed, for ERC-1271 payers. */
  digest?: Hex;
  /** `ok`, `bad` (does not verify under the vault's key), `malformed` (not a G2 point in the subgroup), `noKey`. */
  certificate: "ok" | "bad" | "malformed" | "noKey";
  payer: PayerCheck;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}
let secp: NativeSecp256k1 | undefined;
function secp256k1(): NativeSecp256k1 {
  // The N-API binding itself (not the package root, which would silently fall back to JavaScript).
  secp ??= createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  return secp;
}

type Blst = typeof import("@chainsafe/blst");
let blstModule: Blst | undefined;
async function blst(): Promise<Blst> {
  blstModule ??= await import("@chainsafe/blst");
  return blstModule;
}

/**
 * What the vault's `SignatureChecker` would make of `signature` for an EOA payer: the checks of OpenZeppelin's
 * `ECDSA.tryRecover(bytes32, bytes)` in its order (65 bytes, low s, v 27 or 28, r and s in range, a point), then
 * the recovered address.
 */
export function recoverPayer(digest: Uint8Array, signature: string): PayerCheck {
  let sig: Buffer;
  try {
    sig = hexBytes(signature);
  } catch {
    return { kind: "refused", reason: "not hex" };
  }
  if (sig.length !== 65) return { kind: "refused", reason: `${sig.length} bytes, not 65` };
  const r = BigInt(bytesHex(sig.subarray(0, 32)));
  const s = BigInt(bytesHex(sig.subarray(32, 64)));
  const v = sig[64]!;
  if (s > HALF_N) return { kind: "refused", reason: "high s" };
  if (v !== 27 && v !== 28) return { kind: "refused", reason: `v is ${v}` };
  if (r === 0n || r >= N || s === 0n) return { kind: "refused", reason: "r or s out of range" };
  try {
    const pub = secp256k1().ecdsaRecover(sig.subarray(0, 64), v - 27, digest, false);
    return { kind: "recovered", address: bytesHex(keccak(pub.subarray(1)).subarray(12)) };
  } catch {
    return { kind: "refused", reason: "no point recovers" };
  }
}

/** Per key (0x-hex), the same-key verifier of this thread: its table of key multiples is built once. */
const verifiers = new Map<string, SameKeyVerifier | null>();

/**
 * Checks a chunk of guarantees' evidence: decodes each certificate's claims, recomputes its id and the payer's
 * EIP-712 digest (a V1's straight from its envelope's words, {@link v1Hashes}), recovers the payer's signature, and
 * verifies every BLS signature (each subgroup-checked on deserialisation) under the vault's key for its version:
 * all of a version's certificates in one randomized same-key batch check, a failing group bisected down to single
 * `verify` calls so that exactly the bad certificates are named (blsBatch.ts). Runs in the audit's worker threads.
 */
export async function checkEvidence(
  items: readonly EvidenceItem[],
  context: EvidenceContext,
): Promise<EvidenceResult[]> {
  const b = await blst();
  const { PublicKey, Signature } = b;
  const separator = hexBytes(context.requestDomainSeparator);
  const verifierOf = (version: number): SameKeyVerifier | null => {
    const k = context.keys[version];
    if (!k) return null;
    let v = verifiers.get(k);
    if (v === undefined) {
      try {
        v = createSameKeyVerifier(b, PublicKey.fromBytes(hexBytes(k), true));
      } catch {
        v = null;
      }
      verifiers.set(k, v);
    }
    return v;
  };
  const results: EvidenceResult[] = [];
  type Pending = { result: EvidenceResult; item: SameKeyItem };
  const pending = new Map<SameKeyVerifier, Pending[]>();
  for (const item of items) {
    let envelope: Buffer | undefined;
    try {
      envelope = hexBytes(item.claims);
    } catch {
      envelope = undefined;
    }
    const claims = envelope ? decodeClaimsBytes(envelope) : "claims are not hex";
    const result: EvidenceResult = { index: item.index, claims, certificate: "malformed", payer: { kind: "missing" } };
    results.push(result);
    if (typeof claims === "string") continue;
    let digest: Buffer;
    if (claims.version === 1) {
      const h = v1Hashes(envelope!, separator);
      result.guaranteeId = bytesHex(h.guaranteeId);
      digest = h.digest;
    } else {
      result.guaranteeId = guaranteeIdOf(claims, separator);
      digest = payerDigest(claims, separator);
    }
    result.digest = bytesHex(digest);
    if (item.payerSignature !== undefined) result.payer = recoverPayer(digest, item.payerSignature);
    const verifier = verifierOf(claims.version);
    if (!verifier) {
      result.certificate = "noKey";
      continue;
    }
    let sig: InstanceType<typeof Signature>;
    try {
      sig = Signature.fromBytes(hexBytes(item.blsSignature), true, true);
    } catch {
      continue;
    }
    let group = pending.get(verifier);
    if (!group) pending.set(verifier, (group = []));
    group.push({ result, item: { msg: envelope!, sig } });
  }
  for (const [verifier, group] of pending) {
    const ok = verifier.verify(group.map((p) => p.item));
    group.forEach((p, i) => (p.result.certificate = ok[i] ? "ok" : "bad"));
  }
  return results;
}

/** An EIP-2537 G1 point (128 bytes, or the four words of `BLS.G1Point`) as 96-byte uncompressed x ‖ y. */
export function g1Uncompressed(point: { x_a: Hex; x_b: Hex; y_a: Hex; y_b: Hex }): Hex {
  const fp = (a: Hex, b: Hex) => Buffer.concat([hexBytes(a).subarray(16), hexBytes(b)]);
  return bytesHex(Buffer.concat([fp(point.x_a, point.x_b), fp(point.y_a, point.y_b)]));
}

/** An EIP-2537 G2 signature (`BLS.G2Point` words) as 192-byte uncompressed (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0). */
export function g2Uncompressed(p: {
  x_c0_a: Hex;
  x_c0_b: Hex;
  x_c1_a: Hex;
  x_c1_b: Hex;
  y_c0_a: Hex;
  y_c0_b: Hex;
  y_c1_a: Hex;
  y_c1_b: Hex;
}): Hex {
  const fp = (a: Hex, b: Hex) => Buffer.concat([hexBytes(a).subarray(16), hexBytes(b)]);
  return bytesHex(
    Buffer.concat([fp(p.x_c1_a, p.x_c1_b), fp(p.x_c0_a, p.x_c0_b), fp(p.y_c1_a, p.y_c1_b), fp(p.y_c0_a, p.y_c0_b)]),
  );
}
