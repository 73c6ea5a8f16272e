import { getConnInfo } from "@hono/node-server/conninfo";
import { paymentMiddlewareFromHTTPServer } from "@x402/hono";
import { Hono, type Context } from "hono";
import { rateLimiter } from "hono-rate-limiter";

import { paymentHeaderTooLarge, paymentOfHeader } from "../paymentOfRequest.ts";
import { createSellerKit, deliverPaid, type PaidRoute, type SellerKit, type SellerOptions } from "./sellerKit.ts";

/** The seller template on Hono and the stock `@x402/hono` middleware; same order as createExpressSeller. */
export function createHonoSeller(routes: readonly PaidRoute[], options: SellerOptions): { app: Hono; kit: SellerKit } {
  const kit = createSellerKit(routes, options);
  const app = new Hono();
  app.use(
    rateLimiter({
      windowMs: kit.rateLimit.windowMs,
      limit: kit.rateLimit.limit,
      skipSuccessfulRequests: true,
      standardHeaders: "draft-7",
      keyGenerator: (c) => clientKey(c),
    }),
  );
  app.use(async (c, next) => {
    if (paymentHeaderTooLarge((name) => c.req.header(name))) return c.json({ error: "payment header too large" }, 431);
    await next();
  });
  app.use(paymentMiddlewareFromHTTPServer(kit.httpServer, undefined, undefined, false));
  for (const route of routes) {
    const handler = async (c: Context) => {
      const body = route.method === "POST" ? await c.req.json().catch(() => undefined) : undefined;
      const out = await deliverPaid(kit, route, paymentOfHeader(c.req.header("payment-signature")), {
        body,
        query: c.req.query(),
      });
      return c.json(out.body as object, out.status as 200);
    };
    if (route.method === "GET") app.get(route.path, handler);
    else app.post(route.path, handler);
  }
  return { app, kit };
}

function clientKey(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}
