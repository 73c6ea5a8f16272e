/**
 * Deploys and wires the whole 4Mica stack on the selected network and writes deployments/<network>.json.
 *
 *   npx hardhat run scripts/deploy.ts                                   # in-process chain (throw-away)
 *   npx hardhat node & npx hardhat run scripts/deploy.ts --network localhost
 *   FOURMICA_DRY_RUN=1 npx hardhat run scripts/deploy.ts --network sepolia   # checks everything, sends nothing
 *   npx hardhat run scripts/deploy.ts --network sepolia                 # then scripts/verify-deployment.ts
 *
 * Step by step for a real network: docs/operations.md, "Deploying to a real network".
 *
 * A production network (scripts/lib/networkPolicy.ts: every network but hardhat/localhost/default, and any chain
 * whose id is not 31337; FOURMICA_WIRING=production rehearses it on a local node) gets the production wiring: ADMIN
 * ends with governance only, behind the governance delay, the deployer renounces it, and no account can skip the
 * delay. The deploy is refused there without a governance account other than the deployer, a delay above 0, and a
 * guardian other than governance, unless FOURMICA_UNSAFE_WIRING carries the documented override value.
 *
 * Variables (all optional on the development chain, where dev defaults apply):
 *   FOURMICA_BLS_PUBLIC_KEY        48-byte compressed G1 public key of the operator (or FOURMICA_BLS_SECRET_KEY)
 *   FOURMICA_OPERATOR_ADDRESS      Core's chain account (OPERATOR role); default: the deployer
 *   FOURMICA_GOVERNANCE_ADDRESS, FOURMICA_GUARDIAN_ADDRESS, FOURMICA_GOVERNANCE_DELAY (seconds)
 *   FOURMICA_TOKENS                comma-separated ERC-20 collateral addresses; default on dev chains: two mocks
 *   FOURMICA_VALIDATION_REGISTRIES comma-separated ERC-8004 validation registries; default on dev chains: the mocks
 *   FOURMICA_CYCLE_GENESIS         start of cycle 0 (default: the latest block time rounded down to a cycle)
 *   FOURMICA_CREATE2_SALT          32 bytes: CREATE2 every contract through the deterministic deployment proxy
 *   FOURMICA_DEPLOYMENTS_DIR       where the record is written (default: deployments)
 *   FOURMICA_DRY_RUN=1             check the variables, the chain and the plan; send nothing
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { network } from "hardhat";
import { formatEther, getAddress, type Hex } from "viem";

import { loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { DETERMINISTIC_DEPLOYER } from "./lib/create2.ts";
import { parseDeployEnv } from "./lib/deployEnv.ts";
import { deployStack } from "./lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "./lib/devKeys.ts";
import { isProductionNetwork, UNSAFE_WIRING_OVERRIDE, wiringProblems } from "./lib/networkPolicy.ts";
import { hasBlsPrecompiles } from "./lib/verifyDeployment.ts";

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

const parsed = parseDeployEnv(process.env);
if (!parsed.ok) fail(`bad variables:\n  ${parsed.problems.join("\n  ")}`);
const env = parsed.env;

const { viem, networkName, networkConfig } = await network.create();
const publicClient = await viem.getPublicClient();
const chainId = await publicClient.getChainId();
// hardhat.config.ts pins the chain id of each real network: a URL of another chain stops here, before anything is sent.
if (networkConfig.chainId !== undefined && networkConfig.chainId !== chainId) {
  fail(
    `network "${networkName}" is configured for chain ${networkConfig.chainId}, but its URL answers chain ${chainId}`,
  );
}
const devChain = !isProductionNetwork(networkName, chainId);
const production = !devChain || env.FOURMICA_WIRING === "production";
const [deployer] = await viem.getWalletClients();
if (deployer === undefined) fail(`network "${networkName}" has no deployer account`);
const deployerAddress = getAddress(deployer.account.address);

const bls = await loadBlsBackend("auto");
let blsPublicKey: Hex | undefined = env.FOURMICA_BLS_PUBLIC_KEY;
if (blsPublicKey === undefined) {
  const secret = env.FOURMICA_BLS_SECRET_KEY ?? (devChain ? DEV_BLS_SECRET_KEY : undefined);
  if (secret === undefined) fail("set FOURMICA_BLS_PUBLIC_KEY (or FOURMICA_BLS_SECRET_KEY) on a production network");
  blsPublicKey = bls.publicKey(secret);
}
if (!devChain && blsPublicKey.toLowerCase() === bls.publicKey(DEV_BLS_SECRET_KEY).toLowerCase()) {
  fail("the development BLS key is public: anyone could certify with it. Use your own operator key here.");
}
if (!devChain && (env.FOURMICA_TOKENS === undefined || env.FOURMICA_VALIDATION_REGISTRIES === undefined)) {
  fail("set FOURMICA_TOKENS and FOURMICA_VALIDATION_REGISTRIES on a production network (no mocks there)");
}

const plan = {
  production,
  deployer: deployerAddress,
  governance: env.FOURMICA_GOVERNANCE_ADDRESS,
  guardian: env.FOURMICA_GUARDIAN_ADDRESS,
  governanceDelay: env.FOURMICA_GOVERNANCE_DELAY,
};
const problems = wiringProblems(plan);
const unsafeOverride = problems.length > 0 && env.FOURMICA_UNSAFE_WIRING === UNSAFE_WIRING_OVERRIDE;
if (problems.length > 0 && !unsafeOverride) {
  fail(
    `refusing a production deploy to "${networkName}" (chain ${chainId}):\n  ${problems.join("\n  ")}\n` +
      '(docs/operations.md, "Deploying to a real network", names the only override, for throw-away testnet deploys)',
  );
}
if (unsafeOverride) {
  console.warn(
    `deploy: WARNING: FOURMICA_UNSAFE_WIRING is set: a development wiring on "${networkName}" ` +
      `(the deployer keeps ADMIN without delay) despite:\n  ${problems.join("\n  ")}`,
  );
}

// Pre-flight: the chain must have the EIP-2537 precompiles (certificates are verified with them).
if (!(await hasBlsPrecompiles(publicClient))) {
  fail(
    `chain ${chainId} has no EIP-2537 BLS12-381 precompiles (Prague/Pectra or later): Core4Mica cannot verify there`,
  );
}
for (const [label, who] of [
  ["governance", plan.governance],
  ["guardian", plan.guardian],
] as const) {
  if (production && who !== undefined && (await publicClient.getCode({ address: who })) === undefined) {
    console.warn(`deploy: note: the ${label} account ${who} has no code (an EOA); a multisig is recommended`);
  }
}

const wiring = production && !unsafeOverride ? "production" : "development";
console.log(`Deploying 4Mica to "${networkName}" (chain ${chainId}) from ${deployerAddress}`);
console.log(`  balance ${formatEther(await publicClient.getBalance({ address: deployerAddress }))} ETH`);
console.log(
  `  wiring ${wiring}; governance ${plan.governance ?? deployerAddress} (delay ${plan.governanceDelay ?? 0} s)`,
);
console.log(
  `  guardian ${plan.guardian ?? deployerAddress}; operator ${env.FOURMICA_OPERATOR_ADDRESS ?? deployerAddress}`,
);
if (env.FOURMICA_CREATE2_SALT !== undefined) {
  const proxy = await publicClient.getCode({ address: DETERMINISTIC_DEPLOYER });
  console.log(
    `  CREATE2 through ${DETERMINISTIC_DEPLOYER} (${proxy === undefined ? "missing" : "present"}), salt ${env.FOURMICA_CREATE2_SALT}`,
  );
  if (proxy === undefined && !devChain) fail(`the deterministic deployment proxy is missing on chain ${chainId}`);
}
if (env.FOURMICA_DRY_RUN === "1") {
  console.log("Dry run: every check passed; nothing was sent.");
  process.exit(0);
}

const stack = await deployStack(viem, {
  blsPublicKey,
  operator: env.FOURMICA_OPERATOR_ADDRESS ?? deployerAddress,
  governance: plan.governance,
  guardian: plan.guardian,
  governanceDelay: plan.governanceDelay,
  production: wiring === "production",
  tokens: env.FOURMICA_TOKENS,
  validationRegistries: env.FOURMICA_VALIDATION_REGISTRIES,
  genesis: env.FOURMICA_CYCLE_GENESIS,
  create2: env.FOURMICA_CREATE2_SALT === undefined ? undefined : { salt: env.FOURMICA_CREATE2_SALT },
  log: (line) => console.log(line),
});

const dir = env.FOURMICA_DEPLOYMENTS_DIR ?? "deployments";
mkdirSync(dir, { recursive: true });
const file = join(dir, `${networkName}.json`);
const record = {
  network: networkName,
  deployedAt: new Date().toISOString(),
  ...stack,
  access: { ...stack.access, ...(unsafeOverride ? { unsafeOverride: true } : {}) },
};
writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
console.log(
  `Wrote ${file}: Core4Mica ${stack.core4Mica}, ClearingHouse ${stack.clearingHouse} (chain ${stack.chainId})`,
);
console.log(
  `AccessManager ADMIN: ${stack.access.admin} with a ${stack.access.adminExecutionDelay} s execution delay ` +
    `(${stack.access.wiring} wiring${stack.access.deployerRenouncedAdmin ? "; the deployer renounced ADMIN" : ""})`,
);
if (networkName === "default" || networkName === "hardhat") {
  console.log("(An in-process chain: it ends with this process, so there is nothing to read back.)");
} else {
  console.log(`Next: npx hardhat run scripts/verify-deployment.ts --network ${networkName}`);
}
