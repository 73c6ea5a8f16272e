import type {
  DefaultAsset,
  PaymentPayloadContext,
  PaymentPayloadResult,
  PaymentRequirements,
  SchemeClientHooks,
  SchemeNetworkClient,
} from "@x402/core/types";
import type { Address, LocalAccount } from "viem";

import { buildValidationPolicy } from "../../protocol/buildValidationPolicy.ts";
import { FourMicaError } from "../../protocol/errors.ts";
import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../protocol/signGuaranteeRequest.ts";
import { randomReqId } from "../randomReqId.ts";
import { chainIdOfNetwork, CREDIT_SCHEME } from "../scheme.ts";
import { creditExtraSchema, requestToJson } from "../wire.ts";
import type { BuyerPolicy, PaymentIntent } from "./buyerPolicy.ts";

export interface CreditClientOptions {
  /** The payer's key (viem local account: `signTypedData`). Smart-contract wallets sign through their own account. */
  signer: LocalAccount;
  /** Checked before every signature; a refusal throws. */
  policy?: BuyerPolicy;
  /** The current task, passed to the policy. */
  taskId?: string | (() => string | undefined);
  /**
   * USD-pegged assets per network, for x402's spend controls (`findDefaultAsset`): their `$` cap applies to these.
   * Any other asset needs a `spendControls.allowedAssets` entry (with an atomic `maxAmountPerPayment`).
   */
  defaultAssets?: Record<string, readonly DefaultAsset[]>;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => bigint;
  /** A fresh 256-bit request id per payment; defaults to 32 random bytes. */
  reqId?: () => bigint;
}

/** A refusal of the client scheme itself (the buyer policy's refusals are its own errors). */
export class CreditClientError extends FourMicaError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
    this.name = "CreditClientError";
  }
}

/**
 * `SchemeNetworkClient` of `4mica-credit`: builds the payer's EIP-712 guarantee request from the requirements
 * (V2 when `extra.validationPolicy` is present, V1 otherwise), with a fresh 256-bit `reqId`, asks the buyer policy,
 * enforces x402's per-payment spend cap, and signs. Register it on a stock `x402Client` (`@x402/fetch`).
 */
export class CreditClientScheme implements SchemeNetworkClient {
  readonly scheme = CREDIT_SCHEME;
  readonly findDefaultAsset?: (asset: string, network: string) => DefaultAsset | undefined;
  readonly schemeHooks: SchemeClientHooks;
  readonly #options: CreditClientOptions;
  /** The 402's resource URL per selected requirements object, captured by the before-creation hook. */
  readonly #resources = new WeakMap<object, string>();

  constructor(options: CreditClientOptions) {
    this.#options = options;
    const table = options.defaultAssets;
    if (table) {
      this.findDefaultAsset = (asset, network) =>
        table[network]?.find((a) => a.asset.toLowerCase() === asset.toLowerCase());
    }
    this.schemeHooks = {
      onBeforePaymentCreation: async (ctx) => {
        const url = ctx.paymentRequired.resource?.url;
        if (url) this.#resources.set(ctx.selectedRequirements, url);
      },
    };
  }

  async createPaymentPayload(
    x402Version: number,
    requirements: PaymentRequirements,
    context?: PaymentPayloadContext,
  ): Promise<PaymentPayloadResult> {
    const raw = requirements as PaymentRequirements & { maxAmountRequired?: string; resource?: string };
    const chainId = chainIdOfNetwork(requirements.network);
    if (chainId === undefined) {
      throw new CreditClientError("X402_UNSUPPORTED_NETWORK", `network ${requirements.network} is not eip155:<id>`);
    }
    const extra = creditExtraSchema.safeParse(requirements.extra ?? {});
    if (!extra.success) {
      throw new CreditClientError("X402_INVALID_REQUIREMENTS", "requirements.extra is not 4mica-credit's");
    }
    const amountText = x402Version === 1 ? raw.maxAmountRequired : requirements.amount;
    if (typeof amountText !== "string" || !/^[1-9][0-9]{0,77}$/.test(amountText)) {
      throw new CreditClientError(
        "X402_INVALID_REQUIREMENTS",
        `amount ${String(amountText)} is not a positive integer`,
      );
    }
    const amount = BigInt(amountText);
    const cap = context?.maxAmountPerPayment;
    if (cap !== undefined && amount > BigInt(cap)) {
      throw new CreditClientError("X402_SPEND_CAP_EXCEEDED", `amount ${amount} exceeds the spend cap ${cap}`, {
        amount: amount.toString(),
        cap,
      });
    }
    const inputs = extra.data.validationPolicy;
    const taskId = typeof this.#options.taskId === "function" ? this.#options.taskId() : this.#options.taskId;
    const intent: PaymentIntent = {
      resource: this.#resources.get(requirements) ?? raw.resource,
      payTo: requirements.payTo as Address,
      amount,
      asset: requirements.asset as Address,
      network: requirements.network,
      version: inputs ? 2 : 1,
      ...(inputs ? { validationPolicy: inputs } : {}),
      ...(taskId !== undefined ? { taskId } : {}),
    };
    await this.#options.policy?.check(intent);

    const base = {
      user: this.#options.signer.address,
      recipient: requirements.payTo as Address,
      reqId: (this.#options.reqId ?? randomReqId)(),
      amount,
      asset: requirements.asset as Address,
      timestamp: (this.#options.now ?? wallClock)(),
    };
    const request: GuaranteeRequest = inputs
      ? { ...base, version: 2, policy: buildValidationPolicy(base, inputs) }
      : { ...base, version: 1 };
    const signature = await signGuaranteeRequest(this.#options.signer, request, {
      chainId,
      verifyingContract: extra.data.core4Mica,
    });
    const payload = { request: requestToJson(request), signature };
    if (x402Version === 1) {
      // x402 v1 takes the scheme's result as the whole envelope (`X-PAYMENT`).
      return { x402Version: 1, scheme: CREDIT_SCHEME, network: requirements.network, payload } as PaymentPayloadResult;
    }
    return { x402Version, payload };
  }
}

function wallClock(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
