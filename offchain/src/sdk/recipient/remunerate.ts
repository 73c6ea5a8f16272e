import type { Address, Hex } from "viem";
import { getChainId } from "viem/actions";

import { aggregateSignatures } from "../../protocol/bls/aggregateSignatures.ts";
import { g2ToEip2537 } from "../../protocol/bls/g2ToEip2537.ts";
import type {
  BlsVerifier,
  CertificateEnvelope,
  ExpectedCertificateFields,
} from "../../protocol/certificate/verifyCertificate.ts";
import { decodeEnvelope } from "../../protocol/decodeEnvelope.ts";
import { guaranteeId } from "../../protocol/guaranteeId.ts";
import type { Guarantee } from "../../protocol/guaranteeTypes.ts";
import { VAULT_ENTRY_POINTS, core4MicaAbi, remunerateAbi } from "../abis.ts";
import { sendContract, type SdkWalletClient } from "../chain.ts";
import { SdkActionError, SdkCode } from "../errors.ts";
import { expectedFromRequest, verifyCertificate } from "./verifyCertificate.ts";

/** The ABI the entry points are sent with: their fragments plus the vault's custom errors, so reverts decode. */
const sendAbi = [...remunerateAbi, ...core4MicaAbi] as const;

export interface RemunerateItem {
  certificate: CertificateEnvelope;
  /** The payer's signature over the request (the vault checks it: a certificate alone never moves collateral). */
  payerSignature: Hex;
  /** What the payer signed; default: the certificate's own fields (then only envelope, key and domain are checked). */
  expected?: ExpectedCertificateFields;
}

export interface RemunerateParameters extends RemunerateItem {
  vault: Address;
  bls?: BlsVerifier;
}

/**
 * Remunerates one certificate directly from the payer's collateral (`Core4Mica.remunerate`): V2 through the
 * validation route once the registry's answer matches the signed policy, V1 through the liveness fallback once its
 * cycle missed its commit. The certificate is verified fully first ({@link verifyCertificate}); a revert is an
 * SdkActionError(TRANSACTION_REVERTED) naming the vault's error (e.g. `Core4MicaRemunerationNotOpen`).
 */
export async function remunerate(
  client: SdkWalletClient,
  { vault, certificate, payerSignature, expected, bls }: RemunerateParameters,
): Promise<{ hash: Hex; guaranteeId: Hex; guarantee: Guarantee }> {
  const guarantee = await verifyItem(client, vault, { certificate, payerSignature, expected }, bls);
  const hash = await sendContract(client, {
    address: vault,
    abi: sendAbi,
    functionName: VAULT_ENTRY_POINTS.single,
    args: [certificate.claims, g2ToEip2537(certificate.signature), payerSignature],
  });
  const requestDomain = { chainId: await getChainId(client), verifyingContract: vault };
  return { hash, guaranteeId: guaranteeId(guarantee, requestDomain), guarantee };
}

/**
 * Remunerates several certificates of one version in one transaction (`Core4Mica.remunerateBatch`) with the G2 sum
 * of their signatures, which the vault checks in one pairing. Each certificate is verified fully first.
 */
export async function remunerateBatch(
  client: SdkWalletClient,
  { vault, items, bls }: { vault: Address; items: readonly RemunerateItem[]; bls?: BlsVerifier },
): Promise<{ hash: Hex; guaranteeIds: Hex[] }> {
  if (items.length === 0)
    throw new SdkActionError(SdkCode.NOT_REMUNERABLE, "remunerateBatch needs at least one certificate");
  const guarantees: Guarantee[] = [];
  for (const item of items) guarantees.push(await verifyItem(client, vault, item, bls));
  const versions = new Set(guarantees.map((g) => g.version));
  if (versions.size !== 1) {
    throw new SdkActionError(
      SdkCode.NOT_REMUNERABLE,
      `a batch holds one guarantee version, not ${[...versions].join(", ")}`,
      {
        versions: [...versions],
      },
    );
  }
  const aggregate = aggregateSignatures(items.map((i) => i.certificate.signature));
  const hash = await sendContract(client, {
    address: vault,
    abi: sendAbi,
    functionName: VAULT_ENTRY_POINTS.batch,
    args: [items.map((i) => i.certificate.claims), g2ToEip2537(aggregate), items.map((i) => i.payerSignature)],
  });
  const requestDomain = { chainId: await getChainId(client), verifyingContract: vault };
  return { hash, guaranteeIds: guarantees.map((g) => guaranteeId(g, requestDomain)) };
}

async function verifyItem(client: SdkWalletClient, vault: Address, item: RemunerateItem, bls?: BlsVerifier) {
  let expected = item.expected;
  if (expected === undefined) {
    let own: Guarantee;
    try {
      own = decodeEnvelope(item.certificate.claims);
    } catch {
      // verifyCertificate reports it with its MALFORMED code.
      return verifyCertificate(client, {
        vault,
        certificate: item.certificate,
        expected: {} as ExpectedCertificateFields,
        ...(bls ? { bls } : {}),
      });
    }
    expected = expectedFromRequest(own);
  }
  return verifyCertificate(client, { vault, certificate: item.certificate, expected, ...(bls ? { bls } : {}) });
}
