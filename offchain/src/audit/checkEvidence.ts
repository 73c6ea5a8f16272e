import { createRequire } from "node:module";

import type { Hex } from "viem";

import { decodeClaims, type Claims } from "./decodeClaims.ts";
import { bytesHex, hexBytes } from "./hex.ts";
import { keccak } from "./keccak.ts";
import { guaranteeIdOf, payerDigest } from "./payerDigest.ts";

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

/** BLS sets verified together; a failing group is re-checked one by one to name the bad certificates. */
const BLS_GROUP = 128;

/**
 * Checks a chunk of guarantees' evidence: decodes each certificate's claims, recomputes its id and the payer's
 * EIP-712 digest, recovers the payer's signature, and verifies every BLS signature under the vault's key for its
 * version with blst's randomized batch check (`verifyMultipleAggregateSignatures`, signatures subgroup-checked),
 * falling back to one `verify` per certificate in a group that fails. Runs in the audit's worker threads.
 */
export async function checkEvidence(
  items: readonly EvidenceItem[],
  context: EvidenceContext,
): Promise<EvidenceResult[]> {
  const { PublicKey, Signature, verify, verifyMultipleAggregateSignatures } = await blst();
  const separator = hexBytes(context.requestDomainSeparator);
  const keys = new Map<number, InstanceType<typeof PublicKey> | null>();
  const keyOf = (version: number) => {
    if (!keys.has(version)) {
      const k = context.keys[version];
      try {
        keys.set(version, k ? PublicKey.fromBytes(hexBytes(k), true) : null);
      } catch {
        keys.set(version, null);
      }
    }
    return keys.get(version) ?? null;
  };
  const results: EvidenceResult[] = [];
  type Pending = {
    result: EvidenceResult;
    msg: Uint8Array;
    pk: InstanceType<typeof PublicKey>;
    sig: InstanceType<typeof Signature>;
  };
  const pending: Pending[] = [];
  for (const item of items) {
    const claims = decodeClaims(item.claims);
    const result: EvidenceResult = { index: item.index, claims, certificate: "malformed", payer: { kind: "missing" } };
    results.push(result);
    if (typeof claims === "string") continue;
    result.guaranteeId = guaranteeIdOf(claims, separator);
    const digest = payerDigest(claims, separator);
    result.digest = bytesHex(digest);
    if (item.payerSignature !== undefined) result.payer = recoverPayer(digest, item.payerSignature);
    const pk = keyOf(claims.version);
    if (!pk) {
      result.certificate = "noKey";
      continue;
    }
    let sig: InstanceType<typeof Signature>;
    try {
      sig = Signature.fromBytes(hexBytes(item.blsSignature), true, true);
    } catch {
      continue;
    }
    pending.push({ result, msg: hexBytes(item.claims), pk, sig });
  }
  for (let at = 0; at < pending.length; at += BLS_GROUP) {
    const group = pending.slice(at, at + BLS_GROUP);
    let ok = false;
    try {
      ok = verifyMultipleAggregateSignatures(group, false, false);
    } catch {
      ok = false;
    }
    for (const p of group) {
      p.result.certificate = ok || verify(p.msg, p.pk, p.sig, false, false) ? "ok" : "bad";
    }
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
