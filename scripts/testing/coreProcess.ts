/**
 * A Core replica as a child process for the over-lock race test: config from the environment, prints its URL as
 * one JSON line on stdout, exits on SIGTERM.
 */
import { pino } from "pino";

import { loadConfig } from "../../offchain/src/config.ts";
import { createCore } from "../../offchain/src/createCore.ts";

const core = await createCore(loadConfig(), {
  logger: pino({ level: "silent" }),
  isValidSignature: async () => false,
});
const url = await core.listen(0, "127.0.0.1");
process.stdout.write(JSON.stringify({ url }) + "\n");
process.on("SIGTERM", () => {
  core.close().then(() => process.exit(0));
});
