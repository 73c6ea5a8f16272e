/**
 * Rotates the operator's BLS key through governance (docs/operations.md, "Rotating the operator key"): each enabled
 * version is configured with the new key (same domain, same decoder). With a governance execution delay a first run
 * schedules the calls in the AccessManager and a run after the delay executes them; every run prints what is pending.
 * When the governance account is not one of this network's accounts (a multisig), nothing is sent: the calls it must
 * submit are printed.
 *
 *   FOURMICA_NEW_BLS_PUBLIC_KEY=0x<48 bytes> npx hardhat run scripts/rotate-operator-key.ts --network sepolia
 *
 * Variables: FOURMICA_NEW_BLS_PUBLIC_KEY (or FOURMICA_NEW_BLS_SECRET_KEY, to derive it), FOURMICA_ROTATION_ACTION
 * (auto | plan | schedule | execute; default auto), FOURMICA_ROTATION_VERSIONS (default 1,2),
 * FOURMICA_DEPLOYMENTS_FILE (default deployments/<network>.json) or FOURMICA_DEPLOYMENTS_DIR.
 * Once every version is on the new key, the record's `blsPublicKey` is updated (the old one is kept under
 * `keyRotations`), so that scripts/verify-deployment.ts checks the new key.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { network } from "hardhat";
import { getAddress, isHex, type Hex } from "viem";

import { loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { rotateOperatorKey } from "./lib/rotateOperatorKey.ts";
import type { DeploymentRecord } from "./lib/verifyDeployment.ts";

function fail(message: string): never {
  console.error(`rotate-operator-key: ${message}`);
  process.exit(1);
}

const { viem, networkName } = await network.create();
const file =
  process.env.FOURMICA_DEPLOYMENTS_FILE ??
  join(process.env.FOURMICA_DEPLOYMENTS_DIR ?? "deployments", `${networkName}.json`);
let record: DeploymentRecord;
try {
  record = JSON.parse(readFileSync(file, "utf8")) as typeof record;
} catch (error) {
  fail(`cannot read ${file}: ${(error as Error).message}`);
}

let newKey = process.env.FOURMICA_NEW_BLS_PUBLIC_KEY as Hex | undefined;
if (newKey === undefined && process.env.FOURMICA_NEW_BLS_SECRET_KEY !== undefined) {
  const secret = process.env.FOURMICA_NEW_BLS_SECRET_KEY;
  if (!isHex(secret) || secret.length !== 66) fail("FOURMICA_NEW_BLS_SECRET_KEY must be 32 bytes of 0x-hex");
  newKey = (await loadBlsBackend("auto")).publicKey(secret);
}
if (newKey === undefined) fail("set FOURMICA_NEW_BLS_PUBLIC_KEY (the new operator key, 48 bytes of 0x-hex)");
const action = (process.env.FOURMICA_ROTATION_ACTION ?? "auto") as "auto" | "plan" | "schedule" | "execute";
if (!["auto", "plan", "schedule", "execute"].includes(action)) {
  fail(`FOURMICA_ROTATION_ACTION: "${action}" is not one of auto, plan, schedule, execute`);
}
const versions = (process.env.FOURMICA_ROTATION_VERSIONS ?? "1,2").split(",").map((v) => {
  if (!/^[0-9]+$/.test(v.trim())) fail(`FOURMICA_ROTATION_VERSIONS: "${v}" is not a version number`);
  return BigInt(v.trim());
});

const governance = getAddress(record.roles.governance);
const wallets = await viem.getWalletClients();
const wallet = wallets.find((w) => getAddress(w.account.address) === governance);
console.log(
  `Rotating the operator key of ${record.core4Mica} on "${networkName}" to ${newKey}\n` +
    `  governance ${governance}${wallet === undefined ? " (not an account of this network: plan only)" : ""}`,
);
const result = await rotateOperatorKey({
  publicClient: await viem.getPublicClient(),
  walletClient: wallet,
  governance,
  accessManager: record.contracts.AccessManager,
  core4Mica: record.core4Mica,
  newBlsPublicKey: newKey,
  versions,
  action: wallet === undefined ? "plan" : action,
  log: (line) => console.log(line),
}).catch((error: unknown) => fail(`${(error as { code?: string }).code ?? "ERROR"}: ${(error as Error).message}`));

console.log(`  execution delay ${result.executionDelay} s; chain time ${new Date(result.now * 1000).toISOString()}`);
for (const v of result.versions) {
  const pending = v.state === "scheduled" ? `, executable from ${new Date(v.readyAt * 1000).toISOString()}` : "";
  console.log(`  version ${v.version}: ${v.state}${pending}`);
  if (wallet === undefined && v.state !== "done") {
    const call = v.state === "ready" ? v.execute : v.state === "immediate" ? v.call : v.schedule;
    console.log(`    submit from ${governance}: to ${call.to}\n    data ${call.data}`);
  }
}
if (result.done && record.blsPublicKey.toLowerCase() !== newKey.toLowerCase()) {
  record.keyRotations = [
    ...(record.keyRotations ?? []),
    { blsPublicKey: record.blsPublicKey, replacedAt: new Date(result.now * 1000).toISOString() },
  ];
  record.blsPublicKey = newKey;
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  console.log(`Updated ${file}: blsPublicKey is the new key (the old one is under keyRotations).`);
}
console.log(`Next: ${result.next}`);
