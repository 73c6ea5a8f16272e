import type {
  PaymentPayload,
  PaymentRequirements,
  SchemeNetworkFacilitator,
  SettleResponse,
  VerifyResponse,
} from "@x402/core/types";
import type { Address, Hex } from "viem";

import {
  CertificateVerificationError,
  verifyCertificate,
  type BlsVerifier,
} from "../../protocol/certificate/verifyCertificate.ts";
import type { Secp256k1Recovery } from "../../protocol/secp256k1/types.ts";
import { checkPayment, incomingPayment, incomingRequirements, type PaymentCheck } from "../checkPayment.ts";
import { requestSeparatorOf } from "../domainCache.ts";
import { CreditReason, reasonOfCoreCode } from "../reasons.ts";
import { CREDIT_CAIP_FAMILY, CREDIT_SCHEME } from "../scheme.ts";
import { requestToJson, type CreditSettlementExtra } from "../wire.ts";
import { CoreUnavailableError, type CoreClient } from "./coreClient.ts";

export interface CreditFacilitatorParams {
  chainId: bigint;
  core4Mica: Address;
  /** The operator's 48-byte compressed G1 key certificates must verify under. */
  blsPublicKey: Hex;
  /** Guarantee version -> its domain. */
  guaranteeDomains: Record<string, Hex>;
  /** Advertised in `/supported` kinds' extra for sellers to copy into their requirements. */
  tabEndpoint?: string;
}

export interface CreditFacilitatorDeps {
  core: CoreClient;
  bls: BlsVerifier;
  recovery: Secp256k1Recovery;
  /** Unix seconds. */
  now: () => bigint;
  maxAgeSeconds: bigint;
  maxFutureSkewSeconds: bigint;
  allowContractSignatures: boolean;
  /** Settlement records, without secrets (no signatures). */
  onSettled?: (record: Record<string, unknown>) => void;
}

/**
 * `SchemeNetworkFacilitator` of `4mica-credit`. `verify` is structural only (checkPayment, no Core call); `settle`
 * repeats it, asks Core for the certificate (`POST /core/guarantees`), and answers only once the certificate's BLS
 * signature, domain and every field match the signed request (verifyCertificate).
 */
export class CreditFacilitatorScheme implements SchemeNetworkFacilitator {
  readonly scheme = CREDIT_SCHEME;
  readonly caipFamily = CREDIT_CAIP_FAMILY;
  readonly #params: () => Promise<CreditFacilitatorParams>;
  readonly #deps: CreditFacilitatorDeps;
  #extra: Record<string, unknown> | undefined;

  constructor(params: CreditFacilitatorParams | (() => Promise<CreditFacilitatorParams>), deps: CreditFacilitatorDeps) {
    this.#params = typeof params === "function" ? params : async () => params;
    this.#deps = deps;
    if (typeof params !== "function") this.#extra = extraOf(params);
  }

  /** Loads the params (when given lazily) so that getExtra can answer synchronously. */
  async ready(): Promise<void> {
    this.#extra = extraOf(await this.#params());
  }

  getExtra(): Record<string, unknown> | undefined {
    return this.#extra;
  }

  getSigners(): string[] {
    return [];
  }

  async verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse> {
    const check = await this.#check(payload, requirements, "verify");
    if (!check.ok) {
      return { isValid: false, invalidReason: check.reason, invalidMessage: check.message, payer: check.payer };
    }
    return { isValid: true, payer: check.payer };
  }

  async settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse> {
    const network = requirements.network;
    const failed = (reason: string, message: string, payer?: string): SettleResponse => ({
      success: false,
      errorReason: reason,
      errorMessage: message,
      ...(payer ? { payer } : {}),
      transaction: "",
      network,
    });
    const check = await this.#check(payload, requirements, "settle");
    if (!check.ok) return failed(check.reason, check.message, check.payer);
    const { request, signature, payer } = check;
    const params = await this.#params();

    let outcome;
    try {
      outcome = await this.#deps.core.issue(requestToJson(request), signature);
    } catch (e) {
      const message = e instanceof CoreUnavailableError ? e.message : "Core issuance failed";
      return failed(CreditReason.CORE_UNAVAILABLE, message, payer);
    }
    if (!outcome.ok) return failed(reasonOfCoreCode(outcome.code), `Core: ${outcome.code}: ${outcome.message}`, payer);

    const cert = outcome.certificate;
    const domain = params.guaranteeDomains[String(request.version)];
    try {
      if (!domain) throw new Error(`no domain for version ${request.version}`);
      verifyCertificate(
        {
          certificate: { claims: cert.claims, signature: cert.signature },
          publicKey: params.blsPublicKey,
          domain,
          requestDomain: requestSeparatorOf(params.chainId, params.core4Mica),
          expected: {
            ...request,
            ...(request.version === 2 ? { policy: request.policy } : {}),
            cycleId: BigInt(cert.cycleId),
            guaranteeId: cert.guaranteeId,
          },
        },
        this.#deps.bls,
      );
    } catch (e) {
      const code = e instanceof CertificateVerificationError ? e.code : "CERTIFICATE_UNVERIFIABLE";
      return failed(CreditReason.CERTIFICATE_INVALID, `Core's certificate failed the check: ${code}`, payer);
    }
    const extra: CreditSettlementExtra = {
      certificate: { claims: cert.claims, signature: cert.signature },
      guaranteeId: cert.guaranteeId,
      cycleId: cert.cycleId,
      status: cert.status,
      replayed: !outcome.created,
    };
    this.#deps.onSettled?.({
      guaranteeId: cert.guaranteeId,
      payer,
      recipient: request.recipient,
      asset: request.asset,
      amount: request.amount.toString(),
      version: request.version,
      cycleId: cert.cycleId,
      replayed: !outcome.created,
    });
    return {
      success: true,
      payer,
      transaction: "",
      network,
      amount: request.amount.toString(),
      extra: extra as unknown as Record<string, unknown>,
    };
  }

  async #check(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
    mode: "verify" | "settle",
  ): Promise<PaymentCheck> {
    const params = await this.#params();
    const raw = payload as unknown as Record<string, unknown>;
    const payment = incomingPayment(raw);
    return checkPayment(
      payment,
      incomingRequirements(requirements as unknown as Record<string, unknown>, payment.x402Version),
      {
        chainId: params.chainId,
        core4Mica: params.core4Mica,
        now: this.#deps.now(),
        maxAgeSeconds: this.#deps.maxAgeSeconds,
        maxFutureSkewSeconds: this.#deps.maxFutureSkewSeconds,
        allowContractSignatures: this.#deps.allowContractSignatures,
        recovery: this.#deps.recovery,
      },
      mode,
    );
  }
}

function extraOf(p: CreditFacilitatorParams): Record<string, unknown> {
  return {
    core4Mica: p.core4Mica,
    blsPublicKey: p.blsPublicKey,
    guaranteeDomains: p.guaranteeDomains,
    ...(p.tabEndpoint ? { tabEndpoint: p.tabEndpoint } : {}),
  };
}
