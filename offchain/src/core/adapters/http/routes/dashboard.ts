import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import type { FastifyInstance, FastifyReply } from "fastify";
import type { Address } from "viem";
import { z } from "zod";

import {
  countGuaranteesByState,
  dashboardTotals,
  pageCycleVolume,
  pagePayerCollateral,
  type CycleVolume,
  type PayerCollateral,
} from "../../db/dashboardRepository.ts";
import type { Queryable } from "../../db/database.ts";
import { addressSchema } from "../../../issuance/requestSchema.ts";
import { requireAdmin } from "../auth.ts";
import { ADDRESS_KEY, cursorParam, decodeCursor, encodeCursor, UINT_KEY } from "../cursor.ts";
import { errorResponses, parseOrThrow } from "./guarantees.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export interface DashboardRoutesDeps {
  db: Queryable;
  /** Core's clock (unix seconds): the chain clock where Core follows one. The page marks "now" with it. */
  now: () => bigint;
  /** FOURMICA_ADMIN_TOKEN (requireAdmin); absent: the admin reads answer ADMIN_DISABLED, the page still loads. */
  adminToken?: string | undefined;
}

const uint = z
  .string()
  .regex(/^[0-9]+$/)
  .describe("unsigned integer, decimal");
const address = z.string().regex(/^0x[0-9a-f]{40}$/);
const next = z.string().nullable().describe("pass as `cursor` for the next page; null on the last page");

export const dashboardOverviewSchema = z.object({
  now: uint.describe("Core's clock, unix seconds (the chain clock where Core follows one)"),
  payers: z.number().int().describe("payers with a balance row"),
  guarantees: z.number().int().describe("guarantees Core stored, any status"),
  heldLocks: z.number().int().describe("guarantees whose collateral lock is still held"),
  cycles: z.number().int().describe("(cycle, asset) rows the scheduler created"),
});

export const dashboardCollateralSchema = z.object({
  balances: z.array(
    z.object({
      user: address,
      asset: address,
      deposited: uint,
      locked: uint.describe("Core's lock total: what issuance subtracts from deposited"),
      pendingWithdrawal: uint,
      available: uint.describe("deposited - locked - pendingWithdrawal, floored at 0"),
      heldLocks: z.number().int().describe("guarantees whose lock is still held"),
      heldLockAmount: uint.describe("the sum of those guarantees' amounts"),
    }),
  ),
  next,
});

export const dashboardGuaranteeStatesSchema = z.object({
  states: z.array(
    z.object({
      asset: address,
      status: z.string(),
      count: z.number().int(),
      amount: uint,
      lockHeld: z.number().int().describe("of these, how many still hold their lock"),
    }),
  ),
});

export const dashboardVolumeSchema = z.object({
  cycles: z.array(
    z.object({
      cycleId: uint,
      asset: address,
      status: z.string(),
      issuedCount: z.number().int().describe("guarantees numbered in this cycle (their cycle_id)"),
      issuedAmount: uint,
      nettedCount: z.number().int().describe("guarantees this cycle's batch netted (V2 may come from earlier cycles)"),
      nettedGross: uint.describe("their total amount: what would have moved without netting"),
      net: uint.nullable().describe("the batch's total net debit: what moves on-chain; null before netting"),
      savings: uint.nullable().describe("nettedGross - net; null before netting"),
    }),
  ),
  next,
});

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("page size (1 to 500)"),
  cursor: cursorParam,
});
const statesQuery = z.strictObject({ asset: addressSchema.optional().describe("one asset; absent: every asset") });

const admin = [{ admin: [] }];

/** The static files of the page, read once at start-up (they ship with Core; nothing is fetched at run time). */
const HERE = dirname(fileURLToPath(import.meta.url));
const STATIC_DIR = join(HERE, "..", "dashboard");
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js");

/**
 * The page's policy: its own scripts and styles only (no inline script or style element, no eval), data from
 * Core's own origin only, never framed.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const STATIC_FILES = [
  { url: "/dashboard", file: join(STATIC_DIR, "index.html"), type: "text/html; charset=utf-8", what: "The page" },
  {
    url: "/dashboard/dashboard.js",
    file: join(STATIC_DIR, "dashboard.js"),
    type: "text/javascript; charset=utf-8",
    what: "Its script (an ES module)",
  },
  {
    url: "/dashboard/dashboard.css",
    file: join(STATIC_DIR, "dashboard.css"),
    type: "text/css; charset=utf-8",
    what: "Its style sheet",
  },
  {
    url: "/dashboard/chart.umd.min.js",
    file: CHART_JS,
    type: "text/javascript; charset=utf-8",
    what: "Chart.js 4 (UMD build, from Core's node_modules)",
  },
] as const;

/**
 * The operator dashboard: a static page (GET /dashboard, no token needed to load it) that reads the public cycle API
 * and the admin reads below with the operator's bearer token (FOURMICA_ADMIN_TOKEN, requireAdmin).
 */
export function dashboardRoutes(app: FastifyInstance, deps: DashboardRoutesDeps): void {
  useZodSchemas(app);

  for (const s of STATIC_FILES) {
    const body = readFileSync(s.file);
    app.get(s.url, { schema: { summary: `Operator dashboard: ${s.what} (public, static)` } }, (_request, reply) =>
      sendStatic(reply, s.type, body),
    );
  }

  app.get(
    "/core/admin/dashboard/overview",
    {
      schema: {
        summary: "Dashboard: Core's clock and totals (admin token)",
        security: admin,
        response: { 200: dashboardOverviewSchema, ...errorResponses },
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      return { now: deps.now().toString(), ...(await dashboardTotals(deps.db)) };
    },
  );

  app.get(
    "/core/admin/dashboard/collateral",
    {
      schema: {
        summary: "Dashboard: collateral and locks per payer and asset, by payer, paged by cursor (admin token)",
        security: admin,
        querystring: pageQuery,
        response: { 200: dashboardCollateralSchema, ...errorResponses },
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { limit, cursor } = parseOrThrow(pageQuery, request.query, "query");
      const after = cursor
        ? (([user, asset]) => ({ user: user as Address, asset: asset as Address }))(
            decodeCursor("collateral", cursor, 2, [ADDRESS_KEY, ADDRESS_KEY]),
          )
        : undefined;
      const rows = await pagePayerCollateral(deps.db, limit, after);
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return {
        balances: rows.map(collateralJson),
        next: last ? encodeCursor("collateral", [last.user, last.asset]) : null,
      };
    },
  );

  app.get(
    "/core/admin/dashboard/guarantees",
    {
      schema: {
        summary: "Dashboard: guarantees by asset and state (count, amount, locks held) (admin token)",
        security: admin,
        querystring: statesQuery,
        response: { 200: dashboardGuaranteeStatesSchema, ...errorResponses },
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { asset } = parseOrThrow(statesQuery, request.query, "query");
      const states = await countGuaranteesByState(deps.db, asset);
      return {
        states: states.map((s) => ({ ...s, amount: s.amount.toString() })),
      };
    },
  );

  app.get(
    "/core/admin/dashboard/volume",
    {
      schema: {
        summary:
          "Dashboard: volume per (cycle, asset), newest first (issued, netted gross, net, gross-to-net savings), paged by cursor (admin token)",
        security: admin,
        querystring: pageQuery,
        response: { 200: dashboardVolumeSchema, ...errorResponses },
      },
    },
    async (request) => {
      requireAdmin(request, deps.adminToken);
      const { limit, cursor } = parseOrThrow(pageQuery, request.query, "query");
      // The same key and order as GET /core/cycles, so a cursor of one is a cursor of the other.
      const after = cursor
        ? (([id, a]) => ({ cycleId: BigInt(id!), asset: a as Address }))(
            decodeCursor("cycles", cursor, 2, [UINT_KEY, ADDRESS_KEY]),
          )
        : undefined;
      const rows = await pageCycleVolume(deps.db, limit, after);
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return {
        cycles: rows.map(volumeJson),
        next: last ? encodeCursor("cycles", [last.cycleId.toString(), last.asset]) : null,
      };
    },
  );
}

function sendStatic(reply: FastifyReply, type: string, body: Buffer): FastifyReply {
  return reply
    .header("content-type", type)
    .header("content-security-policy", DASHBOARD_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-cache")
    .send(body);
}

function collateralJson(b: PayerCollateral) {
  return {
    user: b.user,
    asset: b.asset,
    deposited: b.deposited.toString(),
    locked: b.locked.toString(),
    pendingWithdrawal: b.pendingWithdrawal.toString(),
    available: b.available.toString(),
    heldLocks: b.heldLocks,
    heldLockAmount: b.heldLockAmount.toString(),
  };
}

function volumeJson(v: CycleVolume) {
  return {
    cycleId: v.cycleId.toString(),
    asset: v.asset,
    status: v.status,
    issuedCount: v.issuedCount,
    issuedAmount: v.issuedAmount.toString(),
    nettedCount: v.nettedCount,
    nettedGross: v.nettedGross.toString(),
    net: v.net?.toString() ?? null,
    // A batch nets at most its guarantees' gross; never negative.
    savings: v.net === undefined ? null : (v.nettedGross - v.net).toString(),
  };
}
