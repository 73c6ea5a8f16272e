import { expect } from "chai";
import type { z } from "zod";

import { insertCycle } from "../../offchain/src/core/adapters/db/cycleRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import {
  DASHBOARD_CSP,
  dashboardCollateralSchema,
  dashboardGuaranteeStatesSchema,
  dashboardOverviewSchema,
  dashboardVolumeSchema,
} from "../../offchain/src/core/adapters/http/routes/dashboard.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { deadlinesOf, segmentsOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import {
  ASSET,
  BACKENDS,
  deposit,
  NOW,
  otherPayer,
  payer,
  recipient,
  resetDatabase,
  signedBody,
  startCore,
  testConfig,
  v1Request,
} from "../core/fixtures.ts";

const TOKEN = "dashboard-admin-token-for-tests-0123456789";
const ADMIN_ROUTES = [
  "/core/admin/dashboard/overview",
  "/core/admin/dashboard/collateral",
  "/core/admin/dashboard/guarantees",
  "/core/admin/dashboard/volume",
];
const THIRD = "0x00000000000000000000000000000000000000f3";

for (const backend of BACKENDS) {
  describe(`Dashboard routes (GET /dashboard, /core/admin/dashboard/*), ${backend.name}`, function () {
    let db: Database;
    let core: Core | undefined;

    before(async function () {
      db = await backend.open();
    });
    beforeEach(async function () {
      await resetDatabase(db);
    });
    afterEach(async function () {
      await core?.close();
      core = undefined;
    });
    after(async function () {
      await db.close();
    });

    const get = (url: string, token: string | null = TOKEN) =>
      core!.app.inject({ method: "GET", url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    const parsed = <T extends z.ZodType>(schema: T, body: string): z.infer<T> => {
      const r = schema.safeParse(JSON.parse(body));
      expect(r.success, `${body}: ${JSON.stringify(r.error?.issues)}`).to.equal(true);
      return r.data!;
    };

    describe("the static page", function () {
      it("serves the page, its module, its style sheet and Chart.js without a token, each under the CSP", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        for (const [url, type] of [
          ["/dashboard", "text/html"],
          ["/dashboard/dashboard.js", "text/javascript"],
          ["/dashboard/dashboard.css", "text/css"],
          ["/dashboard/chart.umd.min.js", "text/javascript"],
        ] as const) {
          const res = await get(url, null);
          expect(res.statusCode, url).to.equal(200);
          expect(res.headers["content-type"], url).to.match(new RegExp(`^${type}`));
          expect(res.headers["content-security-policy"], url).to.equal(DASHBOARD_CSP);
          expect(res.headers["x-content-type-options"], url).to.equal("nosniff");
        }
        expect((await get("/dashboard/chart.umd.min.js", null)).body).to.match(/Chart\.js v4\.6\.1/);
      });

      it("has no inline script or style and loads nothing from another origin", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        const html = (await get("/dashboard", null)).body;
        const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
        expect(scripts).to.have.length(2);
        for (const [, attrs, body] of scripts) {
          expect(attrs).to.match(/\ssrc="\/dashboard\/[a-z.]+\.js"/);
          expect(body!.trim()).to.equal("");
        }
        expect(html).to.not.match(/<style\b|\sstyle=|\son[a-z]+=/i);
        expect(html).to.not.match(/(src|href)="(https?:)?\/\//);
        expect(DASHBOARD_CSP).to.include("script-src 'self'").and.include("connect-src 'self'");
        expect(DASHBOARD_CSP).to.not.include("unsafe-inline");
      });
    });

    describe("the admin reads", function () {
      it("refuse a missing or wrong token with 401 ADMIN_UNAUTHENTICATED", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        for (const url of ADMIN_ROUTES) {
          for (const token of [null, `${TOKEN}x`]) {
            const res = await get(url, token);
            expect(res.statusCode, `${url} ${token}`).to.equal(401);
            expect(res.json().error.code).to.equal("ADMIN_UNAUTHENTICATED");
          }
        }
      });

      it("are off (403 ADMIN_DISABLED) without FOURMICA_ADMIN_TOKEN, while the page still loads", async function () {
        core = await startCore(db);
        for (const url of ADMIN_ROUTES) {
          const res = await get(url);
          expect(res.statusCode, url).to.equal(403);
          expect(res.json().error.code).to.equal("ADMIN_DISABLED");
        }
        expect((await get("/dashboard", null)).statusCode).to.equal(200);
      });

      it("report collateral and held locks per payer, paged by (payer, asset) with a cursor", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        await deposit(db, payer.address, 10_000n);
        await deposit(db, otherPayer.address, 500n);
        await deposit(db, THIRD, 7n);
        const a = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: await signedBody(v1Request({ amount: 1_200n })),
        });
        const b = await core.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: await signedBody(v1Request({ amount: 300n })),
        });
        expect([a.statusCode, b.statusCode]).to.deep.equal([201, 201]);

        const users = [payer.address, otherPayer.address, THIRD].map((u) => u.toLowerCase()).sort();
        const first = parsed(dashboardCollateralSchema, (await get("/core/admin/dashboard/collateral?limit=2")).body);
        expect(first.balances.map((r) => r.user)).to.deep.equal(users.slice(0, 2));
        expect(first.next).to.be.a("string");
        const second = parsed(
          dashboardCollateralSchema,
          (await get(`/core/admin/dashboard/collateral?limit=2&cursor=${first.next}`)).body,
        );
        expect(second.balances.map((r) => r.user)).to.deep.equal(users.slice(2));
        expect(second.next).to.equal(null);

        const all = [...first.balances, ...second.balances];
        expect(all.find((r) => r.user === payer.address.toLowerCase())).to.deep.equal({
          user: payer.address.toLowerCase(),
          asset: ASSET,
          deposited: "10000",
          locked: "1500",
          pendingWithdrawal: "0",
          available: "8500",
          heldLocks: 2,
          heldLockAmount: "1500",
        });
        expect(all.find((r) => r.user === THIRD)).to.include({ deposited: "7", locked: "0", heldLocks: 0 });
      });

      it("refuse a cursor of another list, a bad limit and an unknown parameter with 400 INVALID_INPUT", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        const cyclesCursor = Buffer.from(JSON.stringify(["cycles", "10", ASSET])).toString("base64url");
        for (const url of [
          `/core/admin/dashboard/collateral?cursor=${cyclesCursor}`,
          "/core/admin/dashboard/collateral?limit=0",
          "/core/admin/dashboard/volume?limit=501",
          "/core/admin/dashboard/volume?cursor=bm90IGEgY3Vyc29y",
          "/core/admin/dashboard/guarantees?asset=0x12",
          "/core/admin/dashboard/guarantees?status=NETTED",
        ]) {
          const res = await get(url);
          expect(res.statusCode, url).to.equal(400);
          expect(res.json().error.code, url).to.equal("INVALID_INPUT");
        }
      });

      it("count guarantees by asset and state, with their amounts and held locks", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        await deposit(db, payer.address, 10_000n);
        for (const amount of [100n, 200n, 300n]) {
          const res = await core.app.inject({
            method: "POST",
            url: "/core/guarantees",
            payload: await signedBody(v1Request({ amount })),
          });
          expect(res.statusCode).to.equal(201);
        }
        await db.query("UPDATE guarantees SET status = 'SETTLED', lock_held = FALSE WHERE amount = 300");
        const { states } = parsed(dashboardGuaranteeStatesSchema, (await get("/core/admin/dashboard/guarantees")).body);
        expect(states).to.deep.equal([
          { asset: ASSET, status: "FINALIZED_PAYABLE", count: 2, amount: "300", lockHeld: 2 },
          { asset: ASSET, status: "SETTLED", count: 1, amount: "300", lockHeld: 0 },
        ]);
        const other = parsed(
          dashboardGuaranteeStatesSchema,
          (await get(`/core/admin/dashboard/guarantees?asset=${recipient.address}`)).body,
        );
        expect(other.states).to.deep.equal([]);
        const overview = parsed(dashboardOverviewSchema, (await get("/core/admin/dashboard/overview")).body);
        expect(overview).to.deep.equal({ now: NOW.toString(), payers: 1, guarantees: 3, heldLocks: 2, cycles: 0 });
      });

      it("report volume per (cycle, asset), newest first, paged with the cycle list's cursor", async function () {
        core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
        await deposit(db, payer.address, 10_000n);
        const segments = segmentsOf(testConfig().schedule);
        for (const id of [8n, 9n, 10n]) await insertCycle(db, id, ASSET, deadlinesOf(segments, id));
        for (const amount of [40n, 2n]) {
          const res = await core.app.inject({
            method: "POST",
            url: "/core/guarantees",
            payload: await signedBody(v1Request({ amount })),
          });
          expect(res.json().cycleId).to.equal("10");
        }
        const first = parsed(dashboardVolumeSchema, (await get("/core/admin/dashboard/volume?limit=2")).body);
        expect(first.cycles).to.deep.equal([
          {
            cycleId: "10",
            asset: ASSET,
            status: "OPEN",
            issuedCount: 2,
            issuedAmount: "42",
            nettedCount: 0,
            nettedGross: "0",
            net: null,
            savings: null,
          },
          {
            cycleId: "9",
            asset: ASSET,
            status: "OPEN",
            issuedCount: 0,
            issuedAmount: "0",
            nettedCount: 0,
            nettedGross: "0",
            net: null,
            savings: null,
          },
        ]);
        // The same cursor pages GET /core/cycles: one key and one order.
        const cycles = (await get("/core/cycles?limit=2", null)).json();
        expect(cycles.next).to.equal(first.next);
        const rest = parsed(
          dashboardVolumeSchema,
          (await get(`/core/admin/dashboard/volume?cursor=${first.next}`)).body,
        );
        expect(rest.cycles.map((c) => c.cycleId)).to.deep.equal(["8"]);
        expect(rest.next).to.equal(null);
      });
    });
  });
}
