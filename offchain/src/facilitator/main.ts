/**
 * `npm run facilitator`: the 4mica-credit x402 facilitator as its own process, talking to Core over HTTP.
 * Configured by FOURMICA_FACILITATOR_* variables (config.ts); a bad start-up lists every bad variable and exits 2.
 */
import { loadFacilitatorConfig, FacilitatorConfigError } from "./config.ts";
import { createFacilitator } from "./createFacilitator.ts";

let config;
try {
  config = loadFacilitatorConfig();
} catch (e) {
  if (e instanceof FacilitatorConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
}
const facilitator = createFacilitator(config);
const url = await facilitator.listen(config.port, config.host);
try {
  await facilitator.ready();
} catch (e) {
  console.error(`Core at ${config.coreUrl} is not reachable yet (${(e as Error).message}); retrying on demand`);
}
console.log(`4mica facilitator listening on ${url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void facilitator.close().then(() => process.exit(0));
  });
}
