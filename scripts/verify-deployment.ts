/**
 * Reads a deployment back from the chain and checks every configured value against deployments/<network>.json
 * (scripts/lib/verifyDeployment.ts lists what is checked). Prints a table; exits 1 naming each mismatch.
 *
 *   npx hardhat run scripts/verify-deployment.ts --network sepolia
 *   FOURMICA_DEPLOYMENTS_FILE=path/to/record.json npx hardhat run scripts/verify-deployment.ts --network localhost
 *
 * Variables: FOURMICA_DEPLOYMENTS_FILE (default deployments/<network>.json), FOURMICA_DEPLOYMENTS_DIR (default
 * deployments), FOURMICA_LOG_CHUNK_BLOCKS (blocks per eth_getLogs request, default 10000).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { artifacts, network } from "hardhat";
import type { Abi, Hex } from "viem";

import {
  formatChecks,
  mismatches,
  verifyDeployment,
  type CompiledContract,
  type DeploymentRecord,
} from "./lib/verifyDeployment.ts";

const { viem, networkName } = await network.create();
const file =
  process.env.FOURMICA_DEPLOYMENTS_FILE ??
  join(process.env.FOURMICA_DEPLOYMENTS_DIR ?? "deployments", `${networkName}.json`);
let record: DeploymentRecord;
try {
  record = JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord;
} catch (error) {
  console.error(`verify-deployment: cannot read ${file}: ${(error as Error).message}`);
  process.exit(1);
}

const compiled: Record<string, CompiledContract> = {};
for (const name of [
  "AccessManager",
  "Core4Mica",
  "ValidationRegistryGuaranteeDecoder",
  "ClearingHouse",
  "ERC8004IdentityRegistry",
]) {
  const a = await artifacts.readArtifact(name);
  compiled[name] = {
    abi: a.abi as Abi,
    bytecode: a.bytecode as Hex,
    deployedBytecode: a.deployedBytecode as Hex,
    immutableReferences: (a as { immutableReferences?: CompiledContract["immutableReferences"] }).immutableReferences,
  };
}

const chunk = process.env.FOURMICA_LOG_CHUNK_BLOCKS;
const checks = await verifyDeployment(await viem.getPublicClient(), record, {
  artifacts: compiled,
  logChunkBlocks: chunk === undefined ? undefined : BigInt(chunk),
});
console.log(`Read-back of ${file} on "${networkName}" (chain ${record.chainId})\n`);
console.log(formatChecks(checks));
const bad = mismatches(checks);
if (bad.length > 0) {
  console.error(`\n${bad.length} mismatch${bad.length === 1 ? "" : "es"}:`);
  for (const line of bad) console.error(`  MISMATCH ${line}`);
  process.exit(1);
}
console.log(`\nAll ${checks.length} checks match.`);
