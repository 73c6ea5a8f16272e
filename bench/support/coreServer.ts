/**
 * One Core process for the issuance bench: PostgreSQL when BENCH_DATABASE_URL is set (already seeded by the
 * bench), else an in-memory PGlite that it seeds itself. Prints `{"url": ...}` on stdout once listening; stops on
 * SIGTERM.
 */
import { pino } from "pino";

import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore } from "../../offchain/src/core/createCore.ts";
import { BLS_SK, CHAIN_ID, CORE4MICA, seed } from "./benchSetup.ts";

const url = process.env.BENCH_DATABASE_URL;
const db = url
  ? openPgDatabase({ connectionString: url, max: Number(process.env.BENCH_POOL ?? 10) })
  : await openPgliteDatabase();
if (!url) await seed(db);
const config = loadConfig({
  FOURMICA_CHAIN_ID: CHAIN_ID.toString(),
  FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
  FOURMICA_BLS_SECRET_KEY: BLS_SK,
  FOURMICA_BLS_BACKEND: process.env.BENCH_BLS ?? "auto",
  FOURMICA_SIGNING_WORKERS: process.env.BENCH_SIGNING_WORKERS ?? "0",
  FOURMICA_CYCLE_GENESIS: String(Math.floor(Date.now() / 1000) - 1000),
  FOURMICA_LOG_LEVEL: "silent",
  // The load comes from one address: the per-client issuance limit would cap the throughput being measured.
  FOURMICA_RATE_LIMIT_ISSUE_MAX: "10000000",
});
const core = await createCore(config, { db, logger: pino({ level: "silent" }), isValidSignature: async () => false });
const listening = await core.listen(0, "127.0.0.1");
process.stdout.write(JSON.stringify({ url: listening, bls: core.bls.name }) + "\n");
process.on("SIGTERM", () => {
  void core
    .close()
    .then(() => db.close())
    .finally(() => process.exit(0));
});
