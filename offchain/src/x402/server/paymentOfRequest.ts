import type { Address, Hex } from "viem";

import { guaranteeId } from "../../protocol/guaranteeId.ts";
import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { requestSeparatorOf } from "../domainCache.ts";
import { chainIdOfNetwork, CREDIT_SCHEME } from "../scheme.ts";
import { creditExtraSchema, parseCreditPayload } from "../wire.ts";

/** The `4mica-credit` payment a request carries, and the guarantee id it will be certified under. */
export interface CreditPaymentInfo {
  guaranteeId: Hex;
  payer: Address;
  request: GuaranteeRequest;
  signature: Hex;
  network: string;
  resource: string | undefined;
}

/**
 * The longest payment header (`PAYMENT-SIGNATURE`, `X-PAYMENT`) the seller templates accept, in characters. They
 * refuse a longer one before the x402 middleware: that middleware would otherwise settle a payment that
 * paymentOfHeader then refuses to decode, a certificate taken with nothing delivered (found by
 * test/adversarial/httpFuzz.test.ts).
 */
export const MAX_PAYMENT_HEADER_CHARS = 16_384;

/** Whether a request's payment header is over MAX_PAYMENT_HEADER_CHARS (refused with 431 before any payment work). */
export function paymentHeaderTooLarge(header: (name: string) => string | undefined | null): boolean {
  return ["payment-signature", "x-payment"].some((name) => (header(name)?.length ?? 0) > MAX_PAYMENT_HEADER_CHARS);
}

/**
 * Decodes a `PAYMENT-SIGNATURE` (x402 v2) header value into the credit payment and its guarantee id, derived from the
 * signed identity alone (vault domain, payer, recipient, asset, reqId). Undefined for anything else. Pure: the
 * handler behind the stock middleware uses it to key idempotent delivery and to find the stored certificate.
 */
export function paymentOfHeader(header: string | undefined | null): CreditPaymentInfo | undefined {
  if (!header || header.length > MAX_PAYMENT_HEADER_CHARS) return undefined;
  let decoded: Record<string, any>;
  try {
    decoded = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  return paymentOfPayload(decoded);
}

/** The same, from an already decoded x402 payment payload. */
export function paymentOfPayload(decoded: Record<string, any> | undefined): CreditPaymentInfo | undefined {
  if (!decoded || typeof decoded !== "object") return undefined;
  const accepted = decoded.accepted;
  if (!accepted || accepted.scheme !== CREDIT_SCHEME || typeof accepted.network !== "string") return undefined;
  const chainId = chainIdOfNetwork(accepted.network);
  const extra = creditExtraSchema.safeParse(accepted.extra ?? {});
  const parsed = parseCreditPayload(decoded.payload);
  if (chainId === undefined || !extra.success || !parsed) return undefined;
  return {
    guaranteeId: guaranteeId(parsed.request, requestSeparatorOf(chainId, extra.data.core4Mica)),
    payer: parsed.request.user,
    request: parsed.request,
    signature: parsed.signature,
    network: accepted.network,
    resource: typeof decoded.resource?.url === "string" ? decoded.resource.url : undefined,
  };
}
