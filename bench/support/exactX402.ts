/**
 * Stock x402 `exact` for the side-by-side bench, set up as x402-v2.27 §4 describes: `@x402/evm`'s ExactEvmScheme
 * facilitator behind a small HTTP server (the stock package ships none), with a viem nonce manager on its single
 * account (without it concurrent settlements race on nonces), and a seller that mirrors the seller template's
 * Express stack (JSON body limit, the same rate limit, the stock `@x402/express` middleware, the route's handler)
 * with the `exact` server scheme in place of `4mica-credit`; the template itself is written for `4mica-credit`.
 */
import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from "@x402/core/server";
import type { Network, PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme as ExactFacilitatorScheme } from "@x402/evm/exact/facilitator";
import { ExactEvmScheme as ExactServerScheme } from "@x402/evm/exact/server";
import { paymentMiddlewareFromHTTPServer } from "@x402/express";
import express, { type Express } from "express";
import { rateLimit } from "express-rate-limit";
import type { Server } from "node:http";
import { createWalletClient, defineChain, http, publicActions, type Address, type Hex } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";

export const EXACT_NETWORK: Network = "eip155:31337";

export function localChain(rpcUrl: string, blockTimeMs: number) {
  return defineChain({
    id: 31337,
    name: "anvil",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    blockTime: blockTimeMs,
  });
}

/** The stock facilitator, in-process: what the HTTP server below serves, and what the gas sample settles through. */
export function createExactFacilitator(o: {
  rpcUrl: string;
  key: Hex;
  pollingIntervalMs: number;
  blockTimeMs: number;
}) {
  const account = privateKeyToAccount(o.key, { nonceManager });
  const client = createWalletClient({
    account,
    chain: localChain(o.rpcUrl, o.blockTimeMs),
    transport: http(o.rpcUrl),
    pollingInterval: o.pollingIntervalMs,
  }).extend(publicActions);
  // viem's verifyTypedData overloads are wider than the signer type @x402/evm declares; the runtime shape is the one
  // x402-v2.27 §4 documents (the client's actions plus `address`).
  const signer = toFacilitatorEvmSigner({ ...client, address: account.address } as unknown as Parameters<
    typeof toFacilitatorEvmSigner
  >[0]);
  const facilitator = new x402Facilitator();
  facilitator.register(EXACT_NETWORK, new ExactFacilitatorScheme(signer));
  return { facilitator, address: account.address };
}

/** `GET /supported`, `POST /verify`, `POST /settle` over one x402Facilitator. */
export async function serveFacilitator(
  facilitator: x402Facilitator,
  port: number,
): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json({ limit: "64kb" }));
  app.get("/supported", (_req, res) => void res.json(facilitator.getSupported()));
  for (const op of ["verify", "settle"] as const) {
    app.post(`/${op}`, async (req, res) => {
      const body = req.body as { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements };
      try {
        res.json(await facilitator[op](body.paymentPayload, body.paymentRequirements));
      } catch (e) {
        res.status(500).json({ error: e instanceof Error ? e.message : String(e) });
      }
    });
  }
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(port, "127.0.0.1", () => resolve(s));
  });
  return { url: `http://127.0.0.1:${port}`, server };
}

export interface ExactRoute {
  path: string;
  payTo: Address;
  asset: Address;
  amount: string;
  /** The token's EIP-712 name and version, which the stock client signs under. */
  eip712: { name: string; version: string };
  work: () => Promise<unknown>;
}

/** The seller template's Express stack with the stock `exact` scheme. */
export async function createExactSeller(
  route: ExactRoute,
  facilitatorUrl: string,
  limits: { windowMs: number; limit: number },
): Promise<Express> {
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl }));
  resourceServer.register(EXACT_NETWORK, new ExactServerScheme());
  const httpServer = new x402HTTPResourceServer(resourceServer, {
    [`GET ${route.path}`]: {
      accepts: {
        scheme: "exact",
        network: EXACT_NETWORK,
        payTo: route.payTo,
        price: { asset: route.asset, amount: route.amount, extra: { ...route.eip712 } },
        maxTimeoutSeconds: 300,
      },
      description: `GET ${route.path}`,
      mimeType: "application/json",
    },
  });
  await httpServer.initialize();
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "64kb" }));
  app.use(
    rateLimit({
      windowMs: limits.windowMs,
      limit: limits.limit,
      skipSuccessfulRequests: true,
      standardHeaders: "draft-8",
      legacyHeaders: false,
    }),
  );
  app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
  app.get(route.path, async (_req, res, next) => {
    try {
      res.status(200).json(await route.work());
    } catch (e) {
      next(e);
    }
  });
  return app;
}
