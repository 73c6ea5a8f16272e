/**
 * Deploys and wires the whole 4Mica stack on the selected network and writes deployments/<network>.json.
 *
 *   npx hardhat run scripts/deploy.ts                      # in-process chain (a dry run)
 *   npx hardhat node & npx hardhat run scripts/deploy.ts --network localhost
 *   FOURMICA_BLS_PUBLIC_KEY=0x... FOURMICA_OPERATOR_ADDRESS=0x... FOURMICA_TOKENS=0x...,0x... \
 *     FOURMICA_VALIDATION_REGISTRIES=0x... FOURMICA_GOVERNANCE_DELAY=259200 npx hardhat run scripts/deploy.ts --network custom
 *
 * Off the development networks the wiring is a production one (docs/security.md, attack 6): ADMIN of the
 * AccessManager ends with the governance account only, behind the governance delay, and the deployer renounces it;
 * deployments/<network>.json records which wiring was made under `access`.
 *
 * Environment (all optional on the development networks, where dev defaults apply):
 *   FOURMICA_BLS_PUBLIC_KEY      48-byte compressed G1 public key of the operator (or FOURMICA_BLS_SECRET_KEY to derive it)
 *   FOURMICA_OPERATOR_ADDRESS    Core's chain account (OPERATOR role); default: the deployer
 *   FOURMICA_GOVERNANCE_ADDRESS, FOURMICA_GUARDIAN_ADDRESS, FOURMICA_GOVERNANCE_DELAY (seconds); off the
 *                                development networks the governance address (not the deployer) and a delay above 0
 *                                are required
 *   FOURMICA_TOKENS              comma-separated ERC-20 collateral addresses; default on dev networks: two mock tokens
 *   FOURMICA_VALIDATION_REGISTRIES comma-separated ERC-8004 validation registries; default on dev networks: the mocks
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { network } from "hardhat";
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

import { loadBlsBackend } from "../offchain/src/protocol/bls/index.ts";
import { deployStack } from "./lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY, DEV_NETWORKS } from "./lib/devKeys.ts";

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

function addressList(name: string): Address[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  return raw.split(",").map((s) => {
    const a = s.trim();
    if (!isAddress(a)) fail(`${name}: "${a}" is not an address`);
    return getAddress(a);
  });
}

function optionalAddress(name: string): Address | undefined {
  return addressList(name)?.[0];
}

const { viem, networkName } = await network.create();
const dev = DEV_NETWORKS.has(networkName);
const [deployer] = await viem.getWalletClients();
if (deployer === undefined) fail(`network "${networkName}" has no deployer account`);

let blsPublicKey = process.env.FOURMICA_BLS_PUBLIC_KEY as Hex | undefined;
if (blsPublicKey === undefined) {
  const secret = (process.env.FOURMICA_BLS_SECRET_KEY as Hex | undefined) ?? (dev ? DEV_BLS_SECRET_KEY : undefined);
  if (secret === undefined)
    fail("set FOURMICA_BLS_PUBLIC_KEY (or FOURMICA_BLS_SECRET_KEY) off the development networks");
  blsPublicKey = (await loadBlsBackend("auto")).publicKey(secret);
}
if (!isHex(blsPublicKey) || blsPublicKey.length !== 98) fail("FOURMICA_BLS_PUBLIC_KEY must be 48 bytes of hex");
const devPublicKey = (await loadBlsBackend("auto")).publicKey(DEV_BLS_SECRET_KEY);
if (!dev && blsPublicKey.toLowerCase() === devPublicKey.toLowerCase()) {
  fail("the development BLS key is public: anyone could certify with it. Use your own operator key here.");
}

const tokens = addressList("FOURMICA_TOKENS");
const validationRegistries = addressList("FOURMICA_VALIDATION_REGISTRIES");
if (!dev && (tokens === undefined || validationRegistries === undefined)) {
  fail("set FOURMICA_TOKENS and FOURMICA_VALIDATION_REGISTRIES off the development networks (no mocks there)");
}
const delay = process.env.FOURMICA_GOVERNANCE_DELAY;
if (delay !== undefined && !/^[0-9]+$/.test(delay)) fail("FOURMICA_GOVERNANCE_DELAY must be whole seconds");
const governance = optionalAddress("FOURMICA_GOVERNANCE_ADDRESS");
if (!dev) {
  if (governance === undefined || governance === getAddress(deployer.account.address)) {
    fail("set FOURMICA_GOVERNANCE_ADDRESS to an account other than the deployer off the development networks");
  }
  if (delay === undefined || Number(delay) === 0) {
    fail("set FOURMICA_GOVERNANCE_DELAY above 0 off the development networks: no account may skip it");
  }
}

console.log(`Deploying 4Mica to "${networkName}" from ${deployer.account.address}`);
const stack = await deployStack(viem, {
  blsPublicKey,
  operator: optionalAddress("FOURMICA_OPERATOR_ADDRESS") ?? deployer.account.address,
  governance,
  guardian: optionalAddress("FOURMICA_GUARDIAN_ADDRESS"),
  governanceDelay: delay === undefined ? undefined : Number(delay),
  production: !dev,
  tokens,
  validationRegistries,
  log: (line) => console.log(line),
});

mkdirSync("deployments", { recursive: true });
const file = `deployments/${networkName}.json`;
writeFileSync(
  file,
  JSON.stringify({ network: networkName, deployedAt: new Date().toISOString(), ...stack }, null, 2) + "\n",
);
console.log(
  `Wrote ${file}: Core4Mica ${stack.core4Mica}, ClearingHouse ${stack.clearingHouse} (chain ${stack.chainId})`,
);
console.log(
  `AccessManager ADMIN: ${stack.access.admin} with a ${stack.access.adminExecutionDelay} s execution delay ` +
    `(${stack.access.wiring} wiring${stack.access.deployerRenouncedAdmin ? "; the deployer renounced ADMIN" : ""})`,
);
