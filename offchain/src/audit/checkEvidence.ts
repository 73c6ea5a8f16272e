import type { Hex } from "viem";

import { createSameKeyVerifier, type SameKeyItem, type SameKeyVerifier } from "./blsBatch.ts";
import { decodeClaimsBytes, type Claims } from "./decodeClaims.ts";
import { checkKnownKeySignatures, secp256k1, type KnownKeySignature } from "./ecdsaBatch.ts";
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

type Blst = typeof import("@chainsafe/blst");
let blstModule: Blst | undefined;
async function blst(): Promise<Blst> {
  blstModule ??= await import("@chainsafe/blst");
  return blstModule;
}

/**
 * A payer signature's bytes if it has the form the vault's `SignatureChecker` accepts for an EOA payer, the checks of
 * OpenZeppelin's `ECDSA.tryRecover(bytes32, bytes)` in its order (65 bytes, low s, v 27 or 28, r and s in range),
 * else why not.
 */
function payerSignatureForm(signature: string): Buffer | string {
  let sig: Buffer;
  try {
    sig = hexBytes(signature);
  } catch {
    return "not hex";
  }
  if (sig.length !== 65) return `${sig.length} bytes, not 65`;
  const r = BigInt(bytesHex(sig.subarray(0, 32)));
  const s = BigInt(bytesHex(sig.subarray(32, 64)));
  const v = sig[64]!;
  if (s > HALF_N) return "high s";
  if (v !== 27 && v !== 28) return `v is ${v}`;
  if (r === 0n || r >= N || s === 0n) return "r or s out of range";
  return sig;
}

/** The recovery of a well-formed signature, with the key (65-byte uncompressed) when a point recovers. */
function recoverKey(digest: Uint8Array, sig: Buffer): { check: PayerCheck; key?: Uint8Array } {
  try {
    const key = secp256k1().ecdsaRecover(sig.subarray(0, 64), sig[64]! - 27, digest, false);
    return { check: { kind: "recovered", address: bytesHex(keccak(key.subarray(1)).subarray(12)) }, key };
  } catch {
    return { check: { kind: "refused", reason: "no point recovers" } };
  }
}

/**
 * What the vault's `SignatureChecker` would make of `signature` for an EOA payer: the checks of OpenZeppelin's
 * `ECDSA.tryRecover(bytes32, bytes)` in its order (65 bytes, low s, v 27 or 28, r and s in range, a point), then
 * the recovered address.
 */
export function recoverPayer(digest: Uint8Array, signature: string): PayerCheck {
  const sig = payerSignatureForm(signature);
  return typeof sig === "string" ? { kind: "refused", reason: sig } : recoverKey(digest, sig).check;
}

/**
 * Per payer address, the key one of its signatures recovered to in this thread: its later signatures are checked
 * against it in a batch (ecdsaBatch.ts) rather than recovered one by one. A signature recovering to that address
 * proves the key is the payer's (the address is the key's hash).
 */
const payerKeys = new Map<string, Uint8Array>();
const MAX_PAYER_KEYS = 100_000;

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
  const payers: { result: EvidenceResult; user: Hex; check: KnownKeySignature }[] = [];
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
    if (item.payerSignature !== undefined) {
      const sig = payerSignatureForm(item.payerSignature);
      const key = payerKeys.get(claims.user);
      if (typeof sig === "string") result.payer = { kind: "refused", reason: sig };
      else if (key) payers.push({ result, user: claims.user, check: { digest, signature: sig, key } });
      else {
        const recovered = recoverKey(digest, sig);
        result.payer = recovered.check;
        if (recovered.key && recovered.check.kind === "recovered" && recovered.check.address === claims.user) {
          if (payerKeys.size < MAX_PAYER_KEYS) payerKeys.set(claims.user, recovered.key);
        }
      }
    }
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
  const recovers = checkKnownKeySignatures(payers.map((p) => p.check));
  payers.forEach((p, i) => {
    p.result.payer = recovers[i]
      ? { kind: "recovered", address: p.user }
      : recoverPayer(p.check.digest, bytesHex(p.check.signature));
  });
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
