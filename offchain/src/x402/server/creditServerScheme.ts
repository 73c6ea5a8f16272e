import type {
  AssetAmount,
  Network,
  PaymentFlowConfig,
  PaymentRequirements,
  Price,
  SchemeNetworkServer,
  SupportedKind,
} from "@x402/core/types";

import { CREDIT_SCHEME } from "../scheme.ts";

/** An asset the seller prices in; the first per network is the default for money prices (`"$0.01"`). */
export interface CreditAsset {
  network: string;
  asset: string;
  decimals: number;
  symbol: string;
}

export interface CreditServerOptions {
  /** Assets for money prices and `$` settlement overrides; AssetAmount prices need none. */
  assets?: readonly CreditAsset[];
}

/**
 * `SchemeNetworkServer` of `4mica-credit`. Flows: `upfront` by default (the certificate is issued, checked and stored
 * before the handler runs, seed 001's order, and no work is done for an unpaid request), `authorization` on request
 * (route `extra.paymentFlow: "authorization"`: verify, handler, then settle). `extra` is built only from the route
 * and the facilitator's `/supported` kind (cached at start), so the 402 and the retry carry the same one.
 */
export class CreditServerScheme implements SchemeNetworkServer {
  readonly scheme = CREDIT_SCHEME;
  readonly defaultAssetTransferMethod = "default";
  readonly paymentFlows: Readonly<Record<string, PaymentFlowConfig>> = {
    default: { supported: ["upfront", "authorization"], default: "upfront" },
  };
  readonly #assets: readonly CreditAsset[];

  constructor(options: CreditServerOptions = {}) {
    this.#assets = options.assets ?? [];
  }

  async parsePrice(price: Price, network: Network): Promise<AssetAmount> {
    if (typeof price === "object" && price !== null && "asset" in price) {
      if (!/^[1-9][0-9]{0,77}$/.test(price.amount)) {
        throw new Error(`4mica-credit price amount ${price.amount} must be a positive integer in atomic units`);
      }
      return { asset: price.asset, amount: price.amount, ...(price.extra ? { extra: price.extra } : {}) };
    }
    const asset = this.#assets.find((a) => a.network === network);
    if (!asset) throw new Error(`4mica-credit: no default asset configured for ${network}; price with {asset, amount}`);
    const text = String(price).trim().replace(/^\$/, "");
    if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new Error(`4mica-credit: cannot parse price ${String(price)}`);
    const [whole, frac = ""] = text.split(".") as [string, string?];
    if (frac.length > asset.decimals)
      throw new Error(`4mica-credit: price ${text} has more than ${asset.decimals} decimals`);
    const amount = BigInt(whole) * 10n ** BigInt(asset.decimals) + BigInt(frac.padEnd(asset.decimals, "0") || "0");
    if (amount === 0n) throw new Error("4mica-credit: a price must be positive");
    return { asset: asset.asset, amount: amount.toString() };
  }

  getAssetDecimals(asset: string, network: Network): number | undefined {
    return this.#assets.find((a) => a.network === network && a.asset.toLowerCase() === asset.toLowerCase())?.decimals;
  }

  async enhancePaymentRequirements(
    requirements: PaymentRequirements,
    supportedKind: SupportedKind,
  ): Promise<PaymentRequirements> {
    const kind = supportedKind.extra ?? {};
    if (typeof kind.core4Mica !== "string") {
      throw new Error("4mica-credit: the facilitator's /supported kind has no core4Mica");
    }
    return {
      ...requirements,
      extra: {
        ...requirements.extra,
        core4Mica: kind.core4Mica,
        ...(typeof kind.tabEndpoint === "string" ? { tabEndpoint: kind.tabEndpoint } : {}),
      },
    };
  }
}
