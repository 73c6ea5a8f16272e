/**
 * Shared pieces of the adversarial harness (docs/reliability.md): replayable seeds, bounded loops, a whole-database
 * snapshot for "a refusal changes nothing", and an off-chain stack (Core on PGlite with the facilitator mounted,
 * the Express and Hono sellers) on loopback ports chosen by the OS.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentRequired } from "@x402/core/types";
import { pino } from "pino";
import type { Address, Hex } from "viem";

import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { createFacilitator, injectTransport } from "../../offchain/src/facilitator/index.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { x402Client } from "@x402/core/client";
import { CreditClientScheme } from "../../offchain/src/x402/client/index.ts";
import { createCoreClient } from "../../offchain/src/x402/facilitator/index.ts";
import { creditNetwork } from "../../offchain/src/x402/scheme.ts";
import {
  createExpressSeller,
  createHonoSeller,
  type PaidRoute,
  type SellerKit,
} from "../../offchain/src/x402/server/template/index.ts";
import { ASSET, BLS_SK, CHAIN_ID, payer, recipient, resetDatabase, testConfig } from "../core/fixtures.ts";

/**
 * The seed of a property run: FOURMICA_FUZZ_SEED when set (to replay a failure), else a fresh one. Printed, so
 * that any failure can be replayed with `FOURMICA_FUZZ_SEED=<seed> npm run test:adversarial`.
 */
export function runSeed(label: string): number {
  const fixed = process.env.FOURMICA_FUZZ_SEED;
  const seed = fixed !== undefined ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`FOURMICA_FUZZ_SEED must be an integer, got ${fixed}`);
  console.log(`      [adversarial] ${label}: seed ${seed} (replay: FOURMICA_FUZZ_SEED=${seed})`);
  return seed;
}

/** A small deterministic PRNG (mulberry32) for the loops that are not fast-check properties. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The number of inputs of a property: FOURMICA_FUZZ_RUNS scales every default (1 = as written). */
export function runs(base: number): number {
  const scale = Number(process.env.FOURMICA_FUZZ_SCALE ?? "1");
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** Every row of every table (but the migrations), ordered: what a refused request must leave unchanged. */
export async function dbSnapshot(db: Database): Promise<string> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
      ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ j: string | null }>(
      `SELECT (SELECT json_agg(t ORDER BY t::text) FROM "${table_name}" t)::text AS j`,
    );
    parts.push(`${table_name}:${rows[0]?.j ?? "[]"}`);
  }
  return parts.join("\n");
}

const fingerprintQueries = new WeakMap<Database, string>();

/** One md5 over every table (but the migrations): cheap enough to take around every fuzzed request. */
export async function dbFingerprint(db: Database): Promise<string> {
  let sql = fingerprintQueries.get(db);
  if (!sql) {
    const { rows: tables } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
        ORDER BY 1`,
    );
    sql = `SELECT md5(${tables
      .map(({ table_name }) => `coalesce((SELECT json_agg(t ORDER BY t::text)::text FROM "${table_name}" t), '-')`)
      .join(" || '|' || ")}) AS h`;
    fingerprintQueries.set(db, sql);
  }
  const { rows } = await db.query<{ h: string }>(sql);
  return rows[0]!.h;
}

export const PRICE = 1_000n;

export interface SellerUnderTest {
  name: "express" | "hono";
  /** One request to the seller (Express over loopback HTTP, Hono through its fetch handler). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  kit: SellerKit;
  /** How many times each route's work ran. */
  work: Map<string, number>;
}

/**
 * Core (embedded PGlite, wall clock, no chain: collateral is credited in the database) with the x402 facilitator
 * mounted in it, listening on a loopback port of the OS's choice, and the two template sellers behind it.
 */
export async function startOffchainStack() {
  const db = await openPgliteDatabase();
  await resetDatabase(db);
  const now = () => BigInt(Math.floor(Date.now() / 1000));
  const genesis = now() - 1_000n;
  const config = testConfig({ schedule: { ...testConfig().schedule, genesis } });
  const silent = pino({ level: "silent" });
  const bls = await loadBlsBackend("auto");
  const core: Core = await createCore(config, {
    db,
    now,
    logger: silent,
    bls,
    isValidSignature: async () => false,
    mount: (app) => {
      createFacilitator(
        { coreUrl: "http://in-process", publicUrl: undefined, blsPublicKey: undefined, allowContractSignatures: false },
        { core: createCoreClient(injectTransport(app)), logger: silent, bls },
      ).routes(app);
    },
  });
  const coreUrl = await core.listen(0, "127.0.0.1");
  const net = creditNetwork(CHAIN_ID);
  await creditDeposit(db, payer.address.toLowerCase() as Address, ASSET, 10n ** 15n);

  function routesFor(work: Map<string, number>): PaidRoute[] {
    const count = (name: string) => async (input: { payment: { guaranteeId: Hex } }) => {
      work.set(name, (work.get(name) ?? 0) + 1);
      // A little work, so that concurrent replays overlap with it.
      await new Promise((r) => setTimeout(r, 5));
      return { report: name, guaranteeId: input.payment.guaranteeId, run: work.get(name) };
    };
    const base = { network: net, payTo: recipient.address } as const;
    return [
      {
        ...base,
        method: "GET",
        path: "/v1/report",
        price: { asset: ASSET, amount: PRICE.toString() },
        work: count("report"),
      },
      {
        ...base,
        method: "POST",
        path: "/v1/authorized",
        price: { asset: ASSET, amount: PRICE.toString() },
        flow: "authorization",
        work: count("authorized"),
      },
    ];
  }
  const sellerOptions = {
    facilitator: new HTTPFacilitatorClient({ url: coreUrl }),
    bls,
    operatorPublicKey: core.blsPublicKey,
    logger: { info() {}, warn() {}, error() {} } as never,
    // The fuzzers send thousands of refused requests from one address: the refusal limit is tested elsewhere.
    rateLimit: { windowMs: 60_000, limit: 10_000_000 },
  };

  const expressWork = new Map<string, number>();
  const express = createExpressSeller(routesFor(expressWork), sellerOptions);
  await express.kit.ready();
  const expressServer: Server = await new Promise((resolve) => {
    const s = express.app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;

  const honoWork = new Map<string, number>();
  const hono = createHonoSeller(routesFor(honoWork), sellerOptions);
  await hono.kit.ready();

  const sellers: SellerUnderTest[] = [
    {
      name: "express",
      fetch: (path, init) => fetch(`${expressUrl}${path}`, init),
      kit: express.kit,
      work: expressWork,
    },
    {
      name: "hono",
      fetch: async (path, init) => hono.app.fetch(new Request(`http://seller.test${path}`, init)),
      kit: hono.kit,
      work: honoWork,
    },
  ];

  function clientFor(signer = payer) {
    const client = new x402Client();
    client.register(net, new CreditClientScheme({ signer }));
    client.registerV1(net, new CreditClientScheme({ signer }));
    client.setSpendControls({ allowedAssets: [{ network: net, asset: ASSET, maxAmountPerPayment: "1000000" }] });
    return client;
  }

  async function paymentRequiredOf(
    seller: SellerUnderTest,
    path: string,
    init?: RequestInit,
  ): Promise<PaymentRequired> {
    const res = await seller.fetch(path, init);
    const header = res.headers.get("payment-required");
    if (res.status !== 402 || !header) throw new Error(`expected a 402 from ${seller.name} ${path}, got ${res.status}`);
    return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  }

  async function locked(user: Address = payer.address): Promise<bigint> {
    const r = await db.query<{ locked: string }>("SELECT locked FROM balances WHERE user_address = $1 AND asset = $2", [
      user.toLowerCase(),
      ASSET,
    ]);
    return BigInt(r.rows[0]?.locked ?? 0);
  }

  async function stop() {
    await new Promise((r) => expressServer.close(r));
    await core.close();
  }

  return { core, db, coreUrl, net, payer, recipient, sellers, clientFor, paymentRequiredOf, locked, stop, BLS_SK };
}

export type OffchainStack = Awaited<ReturnType<typeof startOffchainStack>>;

export const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64");
