import type { FacilitatorClient } from "@x402/core/server";
import type {
  PaymentPayload,
  PaymentRequirements,
  SettleResponse,
  SupportedResponse,
  VerifyResponse,
} from "@x402/core/types";
import type { Hex } from "viem";

import {
  verifyCertificate,
  CertificateVerificationError,
  type BlsVerifier,
} from "../../protocol/certificate/verifyCertificate.ts";
import { guaranteeDomainOf, requestSeparatorOf } from "../domainCache.ts";
import { CreditReason } from "../reasons.ts";
import { chainIdOfNetwork, CREDIT_SCHEME } from "../scheme.ts";
import { creditSettlementExtraSchema, sameAddress } from "../wire.ts";
import type { CertificateStore } from "./certificateStore.ts";
import { paymentOfPayload } from "./paymentOfRequest.ts";

/** Payment records for the seller's log: ids, parties, amounts; never a signature or a payload. */
export interface PaymentLogger {
  info(record: Record<string, unknown>, message: string): void;
  warn(record: Record<string, unknown>, message: string): void;
}

export interface CreditFacilitatorClientOptions {
  /** The facilitator, usually the stock `HTTPFacilitatorClient`. */
  inner: FacilitatorClient;
  store: CertificateStore;
  bls: BlsVerifier;
  /**
   * The operator key the seller trusts (read from the vault for the guarantee version; the recipient SDK does
   * that). Without it, the key the facilitator publishes in `/supported` is used: then the facilitator is trusted.
   */
  operatorPublicKey?: Hex;
  logger?: PaymentLogger;
}

/**
 * The seller's side of settlement: a `FacilitatorClient` around the stock one that, for `4mica-credit`, checks the
 * returned certificate against the seller's own requirements and the payer's signed request (BLS signature,
 * domain, every field), stores it, and only then reports success. A certificate that fails the check or cannot be
 * stored turns into a failed settlement, so the stock middleware answers 402 and releases no body. Other schemes
 * pass through untouched.
 */
export class CreditFacilitatorClient implements FacilitatorClient {
  readonly #o: CreditFacilitatorClientOptions;
  #publishedKey: Hex | undefined;

  constructor(options: CreditFacilitatorClientOptions) {
    this.#o = options;
  }

  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.#o.inner.verify(payload, requirements);
  }

  async getSupported(): Promise<SupportedResponse> {
    const supported = await this.#o.inner.getSupported();
    const kind = supported.kinds.find((k) => k.scheme === CREDIT_SCHEME && typeof k.extra?.blsPublicKey === "string");
    if (kind) this.#publishedKey = kind.extra!.blsPublicKey as Hex;
    return supported;
  }

  async settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse> {
    const result = await this.#o.inner.settle(payload, requirements);
    if (!result.success || requirements.scheme !== CREDIT_SCHEME) return result;
    const failed = (reason: string, message: string): SettleResponse => {
      this.#o.logger?.warn({ reason, payer: result.payer, network: requirements.network }, message);
      return {
        success: false,
        errorReason: reason,
        errorMessage: message,
        ...(result.payer ? { payer: result.payer } : {}),
        transaction: "",
        network: requirements.network,
      };
    };

    const payment = paymentOfPayload(payload as unknown as Record<string, any>);
    const extra = creditSettlementExtraSchema.safeParse(result.extra ?? {});
    const chainId = chainIdOfNetwork(requirements.network);
    const core4Mica = requirements.extra?.core4Mica;
    const publicKey = this.#o.operatorPublicKey ?? this.#publishedKey;
    if (!payment || !extra.success || chainId === undefined || typeof core4Mica !== "string" || !publicKey) {
      return failed(CreditReason.CERTIFICATE_INVALID, "the settlement carries no checkable certificate");
    }
    const { request } = payment;
    if (
      !sameAddress(request.recipient, requirements.payTo) ||
      !sameAddress(request.asset, requirements.asset) ||
      request.amount.toString() !== requirements.amount
    ) {
      return failed(CreditReason.CERTIFICATE_INVALID, "the signed request does not pay these requirements");
    }
    try {
      verifyCertificate(
        {
          certificate: extra.data.certificate as { claims: Hex; signature: Hex },
          publicKey,
          domain: guaranteeDomainOf(request.version, chainId, core4Mica as Hex),
          requestDomain: requestSeparatorOf(chainId, core4Mica as Hex),
          expected: {
            ...request,
            ...(request.version === 2 ? { policy: request.policy } : {}),
            cycleId: BigInt(extra.data.cycleId),
            guaranteeId: payment.guaranteeId,
          },
        },
        this.#o.bls,
      );
    } catch (e) {
      const code = e instanceof CertificateVerificationError ? e.code : "CERTIFICATE_UNVERIFIABLE";
      return failed(CreditReason.CERTIFICATE_INVALID, `the certificate failed the seller's check: ${code}`);
    }
    try {
      await this.#o.store.put({
        guaranteeId: payment.guaranteeId,
        version: request.version,
        cycleId: BigInt(extra.data.cycleId),
        user: request.user,
        recipient: request.recipient,
        asset: request.asset,
        reqId: request.reqId,
        amount: request.amount,
        timestamp: request.timestamp,
        claims: extra.data.certificate.claims as Hex,
        signature: extra.data.certificate.signature as Hex,
        payerSignature: payment.signature,
        status: extra.data.status,
        network: requirements.network,
        ...(payment.resource === undefined ? {} : { resource: payment.resource }),
      });
    } catch (e) {
      return failed(
        CreditReason.CERTIFICATE_NOT_PERSISTED,
        `the certificate could not be stored: ${(e as Error).message}`,
      );
    }
    this.#o.logger?.info(
      {
        guaranteeId: payment.guaranteeId,
        payer: request.user,
        recipient: request.recipient,
        asset: request.asset,
        amount: request.amount.toString(),
        version: request.version,
        cycleId: extra.data.cycleId,
        replayed: extra.data.replayed,
        resource: payment.resource,
      },
      "4mica-credit payment certified and stored",
    );
    return result;
  }
}
