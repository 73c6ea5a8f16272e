/**
 * One stage of the x402 paid-request path in its own process, for bench/x402.bench.ts's per-stage CPU figures:
 * `core` (Core on in-memory PGlite, seeded), `facilitator` (over HTTP to Core at argv[3]) or `seller` (the Express
 * seller template over HTTP to the facilitator at argv[3], trusting the operator key of BLS_SK). Listens on an
 * ephemeral loopback port and sends `{ url }` to its parent over IPC; answers `"cpu"` with its own
 * `process.cpuUsage()` (user + system µs, every thread); stops on `"stop"` or when the parent goes away.
 */
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { Server } from "node:http";
import { pino } from "pino";

import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore } from "../../offchain/src/core/createCore.ts";
import { createFacilitator } from "../../offchain/src/facilitator/index.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { creditNetwork } from "../../offchain/src/x402/scheme.ts";
import { createExpressSeller } from "../../offchain/src/x402/server/template/index.ts";
import { ASSET, BLS_SK, CHAIN_ID, CORE4MICA, RECIPIENT, seed } from "./benchSetup.ts";

const role = process.argv[2];
const upstream = process.argv[3] ?? "";
const silent = pino({ level: "silent" });
const bls = await loadBlsBackend("auto");
let close: () => Promise<void>;
let url: string;

if (role === "core") {
  const db = await openPgliteDatabase();
  await seed(db);
  const config = loadConfig({
    FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
    FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
    FOURMICA_BLS_SECRET_KEY: BLS_SK,
    FOURMICA_CYCLE_GENESIS: String(Math.floor(Date.now() / 1000) - 1000),
    FOURMICA_LOG_LEVEL: "silent",
    FOURMICA_RATE_LIMIT_ISSUE_MAX: "10000000",
  });
  const core = await createCore(config, { db, logger: silent, bls, isValidSignature: async () => false });
  url = await core.listen(0, "127.0.0.1");
  close = async () => {
    await core.close();
    await db.close();
  };
} else if (role === "facilitator") {
  const facilitator = createFacilitator(
    { coreUrl: upstream, publicUrl: undefined, blsPublicKey: bls.publicKey(BLS_SK), allowContractSignatures: false },
    { logger: silent, bls },
  );
  await facilitator.ready();
  url = await facilitator.listen(0, "127.0.0.1");
  close = () => facilitator.close();
} else if (role === "seller") {
  const { app, kit } = createExpressSeller(
    [
      {
        method: "GET",
        path: "/paid",
        network: creditNetwork(CHAIN_ID),
        payTo: RECIPIENT,
        price: { asset: ASSET, amount: "1" },
        work: async ({ payment }) => ({ ok: true, guaranteeId: payment.guaranteeId }),
      },
    ],
    {
      facilitator: new HTTPFacilitatorClient({ url: upstream }),
      bls,
      operatorPublicKey: bls.publicKey(BLS_SK),
      rateLimit: { windowMs: 60_000, limit: 10_000_000 },
    },
  );
  await kit.ready();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  close = () => new Promise((r) => server.close(() => r()));
} else {
  throw new Error(`unknown stage ${role}`);
}

process.send!({ url });
process.on("message", (m) => {
  if (m === "cpu") process.send!({ cpu: process.cpuUsage() });
  if (m === "stop") void close().finally(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
