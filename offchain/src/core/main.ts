/**
 * The one composition root of the Core process: config -> db -> migrations -> BLS -> services -> HTTP.
 * Run: `node offchain/src/core/main.ts` (npm run core). Stops gracefully on SIGINT/SIGTERM.
 */
import { pino } from "pino";

import { ConfigError, loadConfig } from "./config.ts";
import { createCore } from "./createCore.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`4mica core: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel, name: "4mica-core" });
  const core = await createCore(config, { logger });
  const url = await core.listen();
  logger.info({ url }, "core listening");
  if (config.rpcUrl) {
    core.startBackground();
    if (!core.scheduler) {
      logger.warn("FOURMICA_CLEARING_HOUSE_ADDRESS or FOURMICA_OPERATOR_KEY not set: the cycle scheduler is off");
    }
  } else {
    logger.warn("FOURMICA_RPC_URL not set: chain sync, lifecycle jobs and the cycle scheduler are off");
    core.webhooks?.start();
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    core.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  process.stderr.write(`4mica core failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
