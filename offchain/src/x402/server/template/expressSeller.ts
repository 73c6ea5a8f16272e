import { paymentMiddlewareFromHTTPServer } from "@x402/express";
import express, { type Express } from "express";
import { rateLimit } from "express-rate-limit";

import { paymentHeaderTooLarge, paymentOfHeader } from "../paymentOfRequest.ts";
import { createSellerKit, deliverPaid, type PaidRoute, type SellerKit, type SellerOptions } from "./sellerKit.ts";

/**
 * The seller template on Express 5 and the stock `@x402/express` middleware, in the order the seller duties need:
 * 1. a rate limit that counts only unpaid and invalid requests (answers >= 400), before anything else;
 * 2. the x402 middleware (behind a 431 for payment headers over MAX_PAYMENT_HEADER_CHARS, which it would settle and
 *    the handler could not decode): the 402 before any work; in the default `upfront` flow the certificate is issued, checked
 *    and stored (CreditFacilitatorClient) before the handler runs;
 * 3. the handler: the work once per guarantee (a retried or replayed payment gets the stored result).
 */
export function createExpressSeller(
  routes: readonly PaidRoute[],
  options: SellerOptions,
): { app: Express; kit: SellerKit } {
  const kit = createSellerKit(routes, options);
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "64kb" }));
  app.use(
    rateLimit({
      windowMs: kit.rateLimit.windowMs,
      limit: kit.rateLimit.limit,
      skipSuccessfulRequests: true,
      standardHeaders: "draft-8",
      legacyHeaders: false,
    }),
  );
  // A payment header the handler could not decode must not reach the middleware, which would settle it.
  app.use((req, res, next) => {
    if (paymentHeaderTooLarge((name) => req.header(name))) res.status(431).json({ error: "payment header too large" });
    else next();
  });
  app.use(paymentMiddlewareFromHTTPServer(kit.httpServer, undefined, undefined, false));
  for (const route of routes) {
    const handler: express.RequestHandler = async (req, res, next) => {
      try {
        const out = await deliverPaid(kit, route, paymentOfHeader(req.header("payment-signature")), {
          body: req.body,
          query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])),
        });
        res.status(out.status).json(out.body);
      } catch (e) {
        next(e);
      }
    };
    if (route.method === "GET") app.get(route.path, handler);
    else app.post(route.path, handler);
  }
  return { app, kit };
}
