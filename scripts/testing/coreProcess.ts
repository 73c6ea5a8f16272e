/**
 * A Core replica as a child process for the over-lock race and crash-safety tests: config from the environment,
 * prints its URL as one JSON line on stdout, exits on SIGTERM.
 *
 * Test-only switches:
 *   FOURMICA_TEST_BACKGROUND=1        start chain sync, lifecycle jobs and the scheduler loop (startBackground)
 *   FOURMICA_TEST_WEBHOOKS=1          start the webhook delivery worker alone (no chain needed)
 *   FOURMICA_TEST_CRASH_AT=<hook>     SIGKILL this process at a scheduler seam: afterCommitIntent,
 *                                     beforeCommitBroadcast or afterCommitBroadcast (a crash, not a shutdown)
 */
import { pino } from "pino";

import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore } from "../../offchain/src/core/createCore.ts";
import type { SchedulerHooks } from "../../offchain/src/core/services/scheduler/createScheduler.ts";

const CRASH_POINTS = ["afterCommitIntent", "beforeCommitBroadcast", "afterCommitBroadcast"] as const;
const crashAt = process.env.FOURMICA_TEST_CRASH_AT;
if (crashAt !== undefined && !(CRASH_POINTS as readonly string[]).includes(crashAt)) {
  throw new Error(`FOURMICA_TEST_CRASH_AT must be one of ${CRASH_POINTS.join(", ")}`);
}
const die = () => {
  process.kill(process.pid, "SIGKILL");
};
const schedulerHooks: SchedulerHooks = crashAt ? { [crashAt]: die } : {};

// The tests that spawn replicas poll them every 50 ms from one address and load them from one address: the
// per-client limits would answer 429 to what they measure (test/core/limits.test.ts tests the limits).
for (const name of ["FOURMICA_RATE_LIMIT_MAX", "FOURMICA_RATE_LIMIT_ISSUE_MAX", "FOURMICA_RATE_LIMIT_AUTH_MAX"]) {
  process.env[name] ??= "10000000";
}

const core = await createCore(loadConfig(), {
  logger: pino({ level: "silent" }),
  isValidSignature: async () => false,
  schedulerHooks,
});
const url = await core.listen(0, "127.0.0.1");
if (process.env.FOURMICA_TEST_BACKGROUND === "1") core.startBackground();
else if (process.env.FOURMICA_TEST_WEBHOOKS === "1") core.webhooks?.start();
process.stdout.write(JSON.stringify({ url }) + "\n");
process.on("SIGTERM", () => {
  core.close().then(() => process.exit(0));
});
