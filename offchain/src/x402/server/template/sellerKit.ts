import {
  x402HTTPResourceServer,
  x402ResourceServer,
  type FacilitatorClient,
  type RoutesConfig,
} from "@x402/core/server";
import type { Network, Price } from "@x402/core/types";
import type { Address, Hex } from "viem";

import type { ValidationPolicyInputs } from "../../../protocol/buildValidationPolicy.ts";
import type { BlsVerifier } from "../../../protocol/certificate/verifyCertificate.ts";
import { CREDIT_SCHEME } from "../../scheme.ts";
import { validationPolicyInputsToJson } from "../../wire.ts";
import { memoryCertificateStore, type CertificateStore } from "../certificateStore.ts";
import { CreditFacilitatorClient, type PaymentLogger } from "../creditFacilitatorClient.ts";
import { CreditServerScheme, type CreditAsset } from "../creditServerScheme.ts";
import { Delivery, type DeliveryStore } from "../delivery.ts";
import type { CreditPaymentInfo } from "../paymentOfRequest.ts";

/** A paid JSON route of the seller template. */
export interface PaidRoute {
  method: "GET" | "POST";
  /** A literal path (`/v1/report`). */
  path: string;
  network: Network;
  payTo: Address;
  /** `{ asset, amount }` in atomic units, or `"$0.01"` with `assets` configured. */
  price: Price;
  description?: string;
  /** `upfront` (default): certificate before the work. `authorization`: verify, work, then settle. */
  flow?: "upfront" | "authorization";
  /** A V2 route: the payer signs this validation policy; the seller is paid once the validator agrees. */
  validationPolicy?: ValidationPolicyInputs;
  /** The expensive work. Runs at most once per guarantee; its JSON result is what the payer receives. */
  work: (input: { payment: CreditPaymentInfo; body: unknown; query: Record<string, string> }) => Promise<unknown>;
}

export interface SellerOptions {
  /** The facilitator: the stock `HTTPFacilitatorClient({ url })` of a 4mica facilitator. */
  facilitator: FacilitatorClient;
  bls: BlsVerifier;
  /** The operator key to trust (see CreditFacilitatorClient); defaults to the facilitator's published one. */
  operatorPublicKey?: Hex;
  store?: CertificateStore;
  deliveryStore?: DeliveryStore<unknown>;
  assets?: readonly CreditAsset[];
  logger?: PaymentLogger;
  /** Unpaid and invalid requests (any answer >= 400) allowed per client per window. Default 120 per minute. */
  rateLimit?: { windowMs: number; limit: number };
}

/** The framework-independent part of the seller template: x402 server, certificate store, idempotent delivery. */
export interface SellerKit {
  httpServer: x402HTTPResourceServer;
  store: CertificateStore;
  delivery: Delivery<unknown>;
  routes: readonly PaidRoute[];
  rateLimit: { windowMs: number; limit: number };
  /** Reads the facilitator's `/supported` and validates the routes (throws instead of exiting the process). */
  ready(): Promise<void>;
}

export function createSellerKit(routes: readonly PaidRoute[], options: SellerOptions): SellerKit {
  const store = options.store ?? memoryCertificateStore();
  const facilitator = new CreditFacilitatorClient({
    inner: options.facilitator,
    store,
    bls: options.bls,
    ...(options.operatorPublicKey ? { operatorPublicKey: options.operatorPublicKey } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const scheme = new CreditServerScheme({ assets: options.assets ?? [] });
  const resourceServer = new x402ResourceServer(facilitator);
  for (const network of new Set(routes.map((r) => r.network))) resourceServer.register(network, scheme);
  const config: RoutesConfig = Object.fromEntries(
    routes.map((r) => [
      `${r.method} ${r.path}`,
      {
        accepts: {
          scheme: CREDIT_SCHEME,
          network: r.network,
          payTo: r.payTo,
          price: r.price,
          maxTimeoutSeconds: 300,
          extra: {
            ...(r.flow === "authorization" ? { paymentFlow: "authorization" } : {}),
            ...(r.validationPolicy ? { validationPolicy: validationPolicyInputsToJson(r.validationPolicy) } : {}),
          },
        },
        description: r.description ?? `${r.method} ${r.path}`,
        mimeType: "application/json",
      },
    ]),
  );
  const httpServer = new x402HTTPResourceServer(resourceServer, config);
  return {
    httpServer,
    store,
    delivery: new Delivery(options.deliveryStore),
    routes,
    rateLimit: options.rateLimit ?? { windowMs: 60_000, limit: 120 },
    ready: () => httpServer.initialize(),
  };
}

/**
 * The handler side of the seller duties, shared by the Express and Hono templates: the payment the middleware
 * settled, the stored certificate (upfront: required before any work), then the work once per guarantee.
 */
export async function deliverPaid(
  kit: SellerKit,
  route: PaidRoute,
  payment: CreditPaymentInfo | undefined,
  input: { body: unknown; query: Record<string, string> },
): Promise<{ status: number; body: unknown }> {
  if (!payment) return { status: 402, body: { error: "no 4mica-credit payment" } };
  if ((route.flow ?? "upfront") === "upfront" && !(await kit.store.get(payment.guaranteeId))) {
    return { status: 503, body: { error: "certificate not stored" } };
  }
  const { result } = await kit.delivery.once(payment.guaranteeId, () => route.work({ payment, ...input }));
  return { status: 200, body: result };
}
