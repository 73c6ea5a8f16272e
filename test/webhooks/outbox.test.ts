/**
 * Webhooks on one Core (issue 10, scope 4): subscriptions through the admin routes, the outbox written in the same
 * transaction as its cause, signed delivery with retries, backoff, FAILED and redelivery, two workers on one
 * database, and secrets sealed at rest (rotation included). PGlite always, PostgreSQL with FOURMICA_TEST_DATABASE_URL.
 */
import { expect } from "chai";
import { Webhook } from "standardwebhooks";
import type { Address, Hex } from "viem";

import { applyMutations } from "../../offchain/src/core/adapters/db/applyMutations.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { WebhookConfig } from "../../offchain/src/core/config.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { verifyWebhook, WebhookCode } from "../../offchain/src/sdk/index.ts";
import {
  ASSET,
  BACKENDS,
  deposit,
  payer,
  resetDatabase,
  signedBody,
  startCore,
  testConfig,
  v1Request,
} from "../core/fixtures.ts";
import {
  ADMIN_TOKEN,
  adminHeaders,
  resetWebhooks,
  startReceiver,
  until,
  WEBHOOK_KEY,
  webhookConfig,
} from "./fixtures.ts";

const PAYER = payer.address.toLowerCase() as Address;

for (const backend of BACKENDS) {
  describe(`Webhooks: outbox, delivery and subscriptions (${backend.name})`, function () {
    this.timeout(60_000);
    let db: Database;
    const cores: Core[] = [];
    const receivers: { close(): Promise<void> }[] = [];

    async function core(webhooks: WebhookConfig | null = webhookConfig()): Promise<Core> {
      const c = await startCore(db, {}, testConfig({ adminToken: ADMIN_TOKEN, webhooks: webhooks ?? undefined }));
      cores.push(c);
      return c;
    }
    async function receiver(...args: Parameters<typeof startReceiver>) {
      const r = await startReceiver(...args);
      receivers.push(r);
      return r;
    }
    async function subscribe(c: Core, url: string, eventTypes: string[] = ["guarantee.issued"]) {
      const res = await c.app.inject({
        method: "POST",
        url: "/core/admin/webhooks",
        headers: adminHeaders,
        payload: { url, eventTypes },
      });
      expect(res.statusCode, res.body).to.equal(201);
      return res.json() as { id: string; secret: string; url: string; eventTypes: string[] };
    }
    async function issue(c: Core, amount = 1_000n): Promise<Hex> {
      const res = await c.app.inject({
        method: "POST",
        url: "/core/guarantees",
        payload: await signedBody(v1Request({ amount })),
      });
      expect(res.statusCode, res.body).to.equal(201);
      return res.json().guaranteeId as Hex;
    }
    async function count(sql: string, params: (string | number)[] = []): Promise<number> {
      const { rows } = await db.query<{ n: string }>(sql, params);
      return Number(rows[0]!.n);
    }

    before(async function () {
      db = await backend.open();
    });
    beforeEach(async function () {
      await resetDatabase(db);
      await resetWebhooks(db);
      await deposit(db, PAYER, 10n ** 12n);
    });
    afterEach(async function () {
      for (const c of cores.splice(0)) await c.close();
      for (const r of receivers.splice(0)) await r.close();
    });
    after(async function () {
      await resetWebhooks(db);
      await db.close();
    });

    describe("subscriptions", function () {
      it("answers the secret once, lists without it, and stores it only sealed", async function () {
        const c = await core();
        const created = await subscribe(c, "https://hooks.example/4mica", ["guarantee.issued", "cycle.committed"]);
        expect(created.id).to.match(/^wh_[0-9a-f]{32}$/);
        expect(created.secret).to.match(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(created.eventTypes).to.deep.equal(["guarantee.issued", "cycle.committed"]);

        const list = await c.app.inject({ method: "GET", url: "/core/admin/webhooks", headers: adminHeaders });
        expect(list.statusCode).to.equal(200);
        expect(list.json().subscriptions).to.have.length(1);
        expect(list.json().subscriptions[0]).to.include({ id: created.id, pending: 0, failed: 0 });
        expect(list.body).to.not.contain(created.secret.slice(6));
        expect(list.json().subscriptions[0]).to.not.have.property("secret");

        // Neither the secret nor its key bytes appear anywhere in the row, in any encoding.
        const { rows } = await db.query("SELECT * FROM webhook_subscriptions");
        const raw = JSON.stringify(rows);
        const keyBytes = Buffer.from(created.secret.slice(6), "base64");
        for (const form of [
          created.secret,
          created.secret.slice(6),
          keyBytes.toString("hex"),
          keyBytes.toString("base64url"),
        ]) {
          expect(raw).to.not.contain(form);
        }
        expect(raw).to.not.contain(WEBHOOK_KEY.slice(2));
        expect((rows[0] as { secret_sealed: string }).secret_sealed).to.match(/^v1\.[0-9a-f]{16}\./);

        const del = await c.app.inject({
          method: "DELETE",
          url: `/core/admin/webhooks/${created.id}`,
          headers: adminHeaders,
        });
        expect(del.statusCode).to.equal(200);
        expect(await count("SELECT count(*) AS n FROM webhook_subscriptions")).to.equal(0);
        const again = await c.app.inject({
          method: "DELETE",
          url: `/core/admin/webhooks/${created.id}`,
          headers: adminHeaders,
        });
        expect(again.statusCode).to.equal(404);
        expect(again.json().error.code).to.equal("WEBHOOK_NOT_FOUND");
      });

      it("refuses non-http(s) URLs, credentials in the URL and unknown event types, changing nothing", async function () {
        const c = await core();
        for (const payload of [
          { url: "ftp://hooks.example/x", eventTypes: ["guarantee.issued"] },
          { url: "file:///etc/passwd", eventTypes: ["guarantee.issued"] },
          { url: "javascript:alert(1)", eventTypes: ["guarantee.issued"] },
          { url: "not a url", eventTypes: ["guarantee.issued"] },
          { url: "https://user:pw@hooks.example/x", eventTypes: ["guarantee.issued"] },
          { url: "https://hooks.example/x", eventTypes: ["guarantee.minted"] },
          { url: "https://hooks.example/x", eventTypes: [] },
        ]) {
          const res = await c.app.inject({
            method: "POST",
            url: "/core/admin/webhooks",
            headers: adminHeaders,
            payload,
          });
          expect(res.statusCode, JSON.stringify(payload)).to.equal(400);
          expect(res.json().error.code).to.equal("INVALID_INPUT");
        }
        expect(await count("SELECT count(*) AS n FROM webhook_subscriptions")).to.equal(0);
      });

      it("needs the admin token, and answers WEBHOOKS_DISABLED without an encryption key", async function () {
        const on = await core();
        const anonymous = await on.app.inject({ method: "GET", url: "/core/admin/webhooks" });
        expect(anonymous.statusCode).to.equal(401);
        expect(anonymous.json().error.code).to.equal("ADMIN_UNAUTHENTICATED");
        const off = await core(null);
        expect(off.webhooks).to.equal(undefined);
        const res = await off.app.inject({ method: "GET", url: "/core/admin/webhooks", headers: adminHeaders });
        expect(res.statusCode).to.equal(403);
        expect(res.json().error.code).to.equal("WEBHOOKS_DISABLED");
      });
    });

    describe("the outbox", function () {
      it("writes an event in the transaction of its cause; a rolled-back change or a refused issuance leaves none", async function () {
        const c = await core();
        await subscribe(c, "http://127.0.0.1:9/unused", ["guarantee.issued", "guarantee.cancelled"]);
        const id = await issue(c, 1_000n);
        const { rows } = await db.query<{ type: string; data: Record<string, unknown> }>(
          "SELECT type, data FROM webhook_events",
        );
        expect(rows).to.have.length(1);
        expect(rows[0]!.type).to.equal("guarantee.issued");
        expect(rows[0]!.data).to.include({
          guaranteeId: id,
          user: PAYER,
          asset: ASSET,
          amount: "1000",
          status: "FINALIZED_PAYABLE",
          previousStatus: null,
          cause: "ISSUED",
        });
        expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'PENDING'")).to.equal(1);

        // The same transition, inside a transaction that then rolls back: visible inside, gone after.
        let inside = -1;
        const rollback = new Error("roll back");
        const err = await db
          .transaction(async (tx) => {
            await applyMutations(tx, [
              {
                kind: "guarantee.transition",
                guaranteeId: id,
                user: PAYER,
                asset: ASSET,
                amount: 1_000n,
                from: "FINALIZED_PAYABLE",
                to: "CANCELLED",
                lock: "keep",
                cause: "TEST",
                causeRef: null,
              },
            ]);
            const r = await tx.query<{ n: string }>(
              "SELECT count(*) AS n FROM webhook_events WHERE type = 'guarantee.cancelled'",
            );
            inside = Number(r.rows[0]!.n);
            throw rollback;
          })
          .catch((e: unknown) => e);
        expect(err).to.equal(rollback);
        expect(inside).to.equal(1);
        expect(await count("SELECT count(*) AS n FROM webhook_events WHERE type = 'guarantee.cancelled'")).to.equal(0);
        expect(await count("SELECT count(*) AS n FROM webhook_deliveries")).to.equal(1);

        // A refused issuance (more than the collateral) writes nothing.
        const refused = await c.app.inject({
          method: "POST",
          url: "/core/guarantees",
          payload: await signedBody(v1Request({ amount: 10n ** 13n })),
        });
        expect(refused.json().error.code).to.equal("INSUFFICIENT_COLLATERAL");
        expect(await count("SELECT count(*) AS n FROM webhook_events")).to.equal(1);
      });

      it("writes nothing for types no subscription wants", async function () {
        const c = await core();
        await subscribe(c, "http://127.0.0.1:9/unused", ["cycle.finalized"]);
        await issue(c);
        expect(await count("SELECT count(*) AS n FROM webhook_events")).to.equal(0);
      });
    });

    describe("delivery", function () {
      it("POSTs Standard Webhooks requests that the SDK and the standardwebhooks library both verify", async function () {
        const r = await receiver();
        const c = await core();
        const sub = await subscribe(c, r.url);
        const ids = [await issue(c), await issue(c)];
        c.webhooks!.start();
        await until("two deliveries", async () =>
          (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED'")) === 2
            ? true
            : undefined,
        );

        const events = r.received.map((req) => verifyWebhook(sub.secret, req.headers, req.body));
        expect(events.map((e) => e.type)).to.deep.equal(["guarantee.issued", "guarantee.issued"]);
        expect(events.map((e) => (e.data as { guaranteeId: string }).guaranteeId)).to.have.members(ids);
        for (const req of r.received) {
          expect(req.headers["content-type"]).to.equal("application/json");
          const lib = new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>);
          expect(lib).to.deep.equal(JSON.parse(req.body));
          expect(JSON.parse(req.body).id).to.equal(req.headers["webhook-id"]);
        }
        expect(
          await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED' AND attempts = 1"),
        ).to.equal(2);

        // A forged signature and a replayed (stale) timestamp are refused with their codes.
        const req = r.received[0]!;
        const forged = { ...req.headers, "webhook-signature": `v1,${Buffer.alloc(32, 7).toString("base64")}` };
        expect(() => verifyWebhook(sub.secret, forged, req.body))
          .to.throw()
          .with.property("code", WebhookCode.SIGNATURE_INVALID);
        expect(() => verifyWebhook(sub.secret, req.headers, req.body.replace("guarantee.issued", "guarantee.settled")))
          .to.throw()
          .with.property("code", WebhookCode.SIGNATURE_INVALID);
        const later = Number(req.headers["webhook-timestamp"]) + 301;
        expect(() => verifyWebhook(sub.secret, req.headers, req.body, { now: () => later }))
          .to.throw()
          .with.property("code", WebhookCode.TIMESTAMP_STALE);
      });

      it("retries a receiver that answers 500 with growing, jittered waits, then records DELIVERED", async function () {
        const r = await receiver((_req, i) => (i < 3 ? 500 : 200));
        const c = await core(webhookConfig({ backoffBaseMs: 100, maxAttempts: 6 }));
        const sub = await subscribe(c, r.url);
        await issue(c);
        c.webhooks!.start();
        await until("the fourth attempt", async () => (r.received.length >= 4 ? true : undefined));
        await until("DELIVERED", async () =>
          (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED'")) === 1
            ? true
            : undefined,
        );
        // One event, four attempts under one webhook-id, each signed afresh.
        expect(new Set(r.received.map((x) => x.headers["webhook-id"])).size).to.equal(1);
        for (const x of r.received) verifyWebhook(sub.secret, x.headers, x.body);
        // Attempt n failed: the next waits at least half of 100 ms * 2^(n-1) (equal jitter).
        const gaps = r.received.slice(1).map((x, i) => x.at - r.received[i]!.at);
        gaps.forEach((gap, i) => expect(gap, `gap after attempt ${i + 1}`).to.be.at.least((100 * 2 ** i) / 2 - 5));
        expect(gaps[2]!).to.be.greaterThan(gaps[0]!);
        const { rows } = await db.query<{ attempts: number; last_status: number }>(
          "SELECT attempts, last_status FROM webhook_deliveries",
        );
        expect(rows).to.deep.equal([{ attempts: 4, last_status: 200 }]);
        expect(r.received).to.have.length(4);
      });

      it("marks a delivery FAILED after its attempts; the operator lists it and redelivers it", async function () {
        let healthy = false;
        const r = await receiver(() => (healthy ? 204 : 503));
        const c = await core(webhookConfig({ maxAttempts: 3, backoffBaseMs: 20 }));
        const sub = await subscribe(c, r.url);
        await issue(c);
        c.webhooks!.start();
        await until("FAILED", async () =>
          (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'FAILED'")) === 1
            ? true
            : undefined,
        );
        expect(r.received).to.have.length(3);

        const failed = await c.app.inject({
          method: "GET",
          url: "/core/admin/webhooks/deliveries",
          headers: adminHeaders,
        });
        expect(failed.statusCode).to.equal(200);
        const [delivery] = failed.json().deliveries;
        expect(delivery).to.include({
          subscriptionId: sub.id,
          eventType: "guarantee.issued",
          status: "FAILED",
          attempts: 3,
          lastStatus: 503,
          lastError: "HTTP 503",
        });
        const list = await c.app.inject({ method: "GET", url: "/core/admin/webhooks", headers: adminHeaders });
        expect(list.json().subscriptions[0]).to.include({ pending: 0, failed: 1 });

        healthy = true;
        const again = await c.app.inject({
          method: "POST",
          url: `/core/admin/webhooks/deliveries/${delivery.id}/redeliver`,
          headers: adminHeaders,
        });
        expect(again.statusCode, again.body).to.equal(200);
        expect(again.json()).to.include({ status: "PENDING", attempts: 0 });
        await until("redelivered", async () =>
          (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED'")) === 1
            ? true
            : undefined,
        );
        expect(r.received).to.have.length(4);
        expect(r.received[3]!.headers["webhook-id"]).to.equal(delivery.eventId);
        const twice = await c.app.inject({
          method: "POST",
          url: "/core/admin/webhooks/deliveries/999999/redeliver",
          headers: adminHeaders,
        });
        expect(twice.json().error.code).to.equal("WEBHOOK_DELIVERY_NOT_FOUND");
      });

      it("two Core instances on one database share the outbox: every event is sent exactly once", async function () {
        const r = await receiver(async () => {
          await new Promise((res) => setTimeout(res, 5));
          return 204;
        });
        const a = await core(webhookConfig({ concurrency: 4 }));
        const b = await core(webhookConfig({ concurrency: 4 }));
        const sub = await subscribe(a, r.url);
        const ids = new Set<string>();
        for (let i = 0; i < 40; i++) ids.add(await (i % 2 === 0 ? issue(a) : issue(b)));
        a.webhooks!.start();
        b.webhooks!.start();
        await until("40 deliveries", async () =>
          (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'DELIVERED'")) === 40
            ? true
            : undefined,
        );
        await new Promise((res) => setTimeout(res, 100));
        expect(r.received).to.have.length(40);
        const got = r.received.map((x) => verifyWebhook(sub.secret, x.headers, x.body));
        expect(new Set(got.map((e) => e.id)).size).to.equal(40);
        expect(new Set(got.map((e) => (e.data as { guaranteeId: string }).guaranteeId))).to.deep.equal(ids);
      });
    });

    describe("the encryption key", function () {
      it("re-seals secrets under a new key at start-up, and a key Core no longer has fails their deliveries", async function () {
        const r = await receiver();
        const first = await core();
        const sub = await subscribe(first, r.url);
        await first.close();
        const keyIds = async () =>
          (await db.query<{ secret_key_id: string }>("SELECT secret_key_id FROM webhook_subscriptions")).rows.map(
            (x) => x.secret_key_id,
          );
        const before = await keyIds();

        const NEW_KEY = `0x${"a7".repeat(32)}` as const;
        const rotated = await core(webhookConfig({ encryptionKey: NEW_KEY, previousKeys: [WEBHOOK_KEY] }));
        const after = await keyIds();
        expect(after).to.not.deep.equal(before);
        await issue(rotated);
        rotated.webhooks!.start();
        await until("delivery under the re-sealed secret", async () => (r.received.length === 1 ? true : undefined));
        // The receiver's secret did not change.
        expect(verifyWebhook(sub.secret, r.received[0]!.headers, r.received[0]!.body).type).to.equal(
          "guarantee.issued",
        );
        await rotated.close();

        // A third key, without the second among the previous ones: the secret cannot be opened.
        const lost = await core(webhookConfig({ encryptionKey: `0x${"c3".repeat(32)}`, maxAttempts: 1 }));
        await issue(lost);
        await lost.webhooks!.runOnce();
        const { rows } = await db.query<{ status: string; last_error: string }>(
          "SELECT status, last_error FROM webhook_deliveries ORDER BY id DESC LIMIT 1",
        );
        expect(rows[0]).to.deep.equal({ status: "FAILED", last_error: "WEBHOOK_KEY_UNKNOWN" });
        expect(r.received).to.have.length(1);
      });
    });
  });
}
