/**
 * `npm run demo`: the whole system end to end on an in-process chain and an embedded database (scripts/demo/runDemo.ts
 * says what it does), then a closing summary; exits 1 on any mismatch between the chain, Core's database and the
 * summary.
 *
 *   npm run demo                          # compile if needed (with progress), run, summarize, exit
 *   npm run demo -- --json out.json       # also write the summary as JSON
 *   npm run demo -- --keep [--port 8400]  # leave Core, the sellers and the chain (JSON-RPC) running until Ctrl-C
 *
 * `npm run demo` is `node scripts/demo.ts`: `hardhat run` (Hardhat 3.18) takes no script arguments (an unknown
 * `--keep` is HHE "unrecognized option", and after `--` an "unused argument") and compiles quietly before the
 * script can print anything. This script compiles itself, with progress. `npx hardhat run scripts/demo.ts` still
 * works, with the options from the environment: FOURMICA_DEMO_KEEP=1, FOURMICA_DEMO_JSON=<file>,
 * FOURMICA_DEMO_PORT=<base port>.
 */
console.log("4Mica demo: starting (loading Hardhat and the project's modules)");

// Our own arguments only when node runs this file; under `hardhat run` process.argv is Hardhat's.
const argv = /demo\.ts$/.test(process.argv[1] ?? "") ? process.argv.slice(2) : [];
const argValue = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const unknown = argv.filter((a) => a.startsWith("--") && !["--keep", "--json", "--port"].includes(a));
if (
  unknown.length > 0 ||
  (argv.includes("--json") && !argValue("--json")) ||
  (argv.includes("--port") && !argValue("--port"))
) {
  console.error("usage: npm run demo -- [--json <file>] [--keep] [--port <base port>]");
  process.exit(2);
}
const env = process.env;
const keep = argv.includes("--keep") || env.FOURMICA_DEMO_KEEP === "1";
const jsonFile = argValue("--json") ?? env.FOURMICA_DEMO_JSON;
const portText = argValue("--port") ?? env.FOURMICA_DEMO_PORT;
const basePort = portText === undefined ? undefined : Number(portText);
if (basePort !== undefined && !(Number.isInteger(basePort) && basePort > 0 && basePort < 65_530)) {
  console.error(`--port must be a port number, not ${portText}`);
  process.exit(2);
}

const { writeFileSync } = await import("node:fs");
const { default: hre } = await import("hardhat");
const { compileWithProgress } = await import("./demo/compileWithProgress.ts");
await compileWithProgress(hre, (line) => console.log(line));

const { runDemo, fmt } = await import("./demo/runDemo.ts");
const { formatSummary, summaryJson } = await import("./demo/summary.ts");

let run: Awaited<ReturnType<typeof runDemo>>;
try {
  run = await runDemo(basePort === undefined ? {} : { basePort });
} catch (e) {
  // Any exception is a failed demo.
  console.error(`\nThe demo stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}

console.log("\n== Summary");
for (const line of formatSummary(run.summary, fmt)) console.log(line);
if (jsonFile) {
  writeFileSync(jsonFile, `${JSON.stringify(summaryJson(run.summary), null, 2)}\n`);
  console.log(`Summary written to ${jsonFile}`);
}

if (run.problems.length > 0) {
  console.error(`\n${run.problems.length} mismatch(es):\n${run.problems.map((p) => `  - ${p}`).join("\n")}`);
} else {
  console.log(`\nAll checks passed (${run.summary.checks.passed}): the chain, Core's database and the summary agree.`);
}
const exitCode = run.problems.length > 0 ? 1 : 0;

if (!keep) {
  await run.close();
  process.exit(exitCode);
}

const { serveRpc } = await import("./demo/rpcServer.ts");
await run.followChainClock();
const rpc = await serveRpc(run.provider, basePort === undefined ? 0 : basePort + 3);
const key = (name: string) => {
  const pk = run.accounts[name]!.getHdKey().privateKey!;
  return `0x${Buffer.from(pk).toString("hex")}`;
};
const lines = [
  "",
  "== Kept running (development keys only; never use them with value). Ctrl-C stops everything.",
  `  chain (JSON-RPC, chain id ${run.chainId}) ${rpc.url}`,
  `  Core + facilitator                ${run.urls.core}   (/core/public-params, /supported, /verify, /settle, /tabs)`,
  `  seller on @x402/express           ${run.urls.express}   (GET /v1/quote 0.005 ETH, GET /v1/render 0.02 ETH V2)`,
  `  seller on @x402/hono              ${run.urls.hono}   (the same routes)`,
  `  Core4Mica ${run.contracts.core4Mica}  ClearingHouse ${run.contracts.clearingHouse}`,
  ...run.contracts.tokens.map((t) => `  token ${t.symbol.padEnd(6)} ${t.address}`),
  '  accounts (the Hardhat mnemonic "test test … junk"; payers hold ETH collateral in the vault):',
  ...Object.entries(run.accounts).map(([name, a]) => `    ${name.padEnd(9)} ${a.address}  ${key(name)}`),
  "",
  "  An unpaid request (402 and its PAYMENT-REQUIRED header):",
  `    curl -i ${run.urls.express}/v1/quote`,
  "  A paying agent (stock @x402/fetch + the 4mica-credit client scheme):",
  `    FOURMICA_AGENT_KEY=${key("alice")} FOURMICA_RPC_URL=${rpc.url} node scripts/demo/agent.ts ${run.urls.hono}/v1/quote`,
  "  The payer's guarantees in Core:",
  `    curl ${run.urls.core}/core/guarantees/<guaranteeId from the agent's output>`,
];
for (const line of lines) console.log(line);
console.log("Servers ready; press Ctrl-C to stop.");

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sellers, Core and the chain endpoint`);
    void (async () => {
      rpc.server.closeAllConnections();
      await new Promise((r) => rpc.server.close(r));
      await run.close();
      process.exit(exitCode);
    })();
  });
}
