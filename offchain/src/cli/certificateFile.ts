import type { Hex } from "viem";
import { z } from "zod";

import { inputError } from "./errors.ts";

const hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "must be 0x-hex");

/**
 * One certificate as a recipient keeps it: the BLS-signed envelope (`claims`), its compressed G2 `signature`, and
 * the payer's EIP-712 `payerSignature` that on-chain remuneration also checks. Other fields (the SDK's and the x402
 * seller's StoredCertificate, Core's answer) are allowed and ignored; `guaranteeId` is checked against the claims
 * when present.
 */
const certificateSchema = z.looseObject({
  claims: hex,
  signature: hex.refine((s) => s.length === 2 + 192, "must be a 96-byte compressed G2 signature"),
  payerSignature: hex,
  guaranteeId: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/)
    .optional(),
});

export interface CertificateItem {
  /** The file it came from (and its index when the file holds a list). */
  source: string;
  claims: Hex;
  signature: Hex;
  payerSignature: Hex;
  guaranteeId?: Hex;
}

/**
 * Parses a certificate file: one certificate object, a list of them, or `{ certificates: [...] }`. Throws
 * INVALID_JSON / INVALID_CERTIFICATE_FILE (exit 3) naming the file and the bad field.
 */
export function parseCertificateFile(text: string, source: string): CertificateItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw inputError("INVALID_JSON", `${source}: not JSON (${(e as Error).message})`, { file: source });
  }
  const list = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === "object" && "certificates" in doc
      ? doc.certificates
      : [doc];
  if (!Array.isArray(list) || list.length === 0) {
    throw inputError("INVALID_CERTIFICATE_FILE", `${source}: holds no certificate`, { file: source });
  }
  return list.map((entry, i) => {
    const where = list.length === 1 ? source : `${source}[${i}]`;
    const parsed = certificateSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw inputError("INVALID_CERTIFICATE_FILE", `${where}: ${issue.path.join(".") || "(root)"} ${issue.message}`, {
        file: where,
        field: issue.path.join("."),
      });
    }
    const c = parsed.data;
    return {
      source: where,
      claims: c.claims.toLowerCase() as Hex,
      signature: c.signature.toLowerCase() as Hex,
      payerSignature: c.payerSignature.toLowerCase() as Hex,
      ...(c.guaranteeId ? { guaranteeId: c.guaranteeId.toLowerCase() as Hex } : {}),
    };
  });
}
