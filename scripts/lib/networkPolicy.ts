import { getAddress, type Address } from "viem";

import { DEV_NETWORKS } from "./devKeys.ts";

/** Chain id of Hardhat's simulated chain and of `npx hardhat node`. */
export const DEV_CHAIN_ID = 31_337;

/** The real networks of hardhat.config.ts. Every one of them (and any network not in DEV_NETWORKS) is production. */
export const PRODUCTION_NETWORKS = new Set(["sepolia", "baseSepolia", "base", "mainnet", "custom"]);

/**
 * The override that lets scripts/deploy.ts make a development wiring on a production network (an undelayed
 * governance, or the guardian being governance): `FOURMICA_UNSAFE_WIRING=<this value>`. Documented in
 * docs/operations.md; meant for a throw-away testnet deploy only, and recorded in the deployment record.
 */
export const UNSAFE_WIRING_OVERRIDE = "i-accept-that-governance-can-skip-the-delay";

/**
 * Whether a deploy to `networkName` on `chainId` is a production one: any network listed in PRODUCTION_NETWORKS or
 * not a development network, and any chain that is not the development chain id (a `localhost` pointed at a real
 * node is production too).
 */
export function isProductionNetwork(networkName: string, chainId: number): boolean {
  return PRODUCTION_NETWORKS.has(networkName) || !DEV_NETWORKS.has(networkName) || chainId !== DEV_CHAIN_ID;
}

export interface WiringPlan {
  production: boolean;
  deployer: Address;
  governance?: Address;
  guardian?: Address;
  /** Seconds. */
  governanceDelay?: number;
}

/**
 * What forbids a production wiring (empty when it is allowed): governance must be given and differ from the
 * deployer, its execution delay must be above 0, and the guardian (who pauses at once) must be given and be another
 * account than governance, so that the account that can act at once is never the one whose acts wait.
 */
export function wiringProblems(plan: WiringPlan): string[] {
  if (!plan.production) return [];
  const problems: string[] = [];
  const deployer = getAddress(plan.deployer);
  const governance = plan.governance === undefined ? undefined : getAddress(plan.governance);
  const guardian = plan.guardian === undefined ? undefined : getAddress(plan.guardian);
  if (governance === undefined) problems.push("FOURMICA_GOVERNANCE_ADDRESS: required on a production network");
  else if (governance === deployer) {
    problems.push(`FOURMICA_GOVERNANCE_ADDRESS: ${governance} is the deployer; governance must be another account`);
  }
  if (plan.governanceDelay === undefined || plan.governanceDelay <= 0) {
    problems.push(
      `FOURMICA_GOVERNANCE_DELAY: ${plan.governanceDelay ?? "unset"}; it must be above 0 on a production network ` +
        "(no account may skip the governance delay)",
    );
  }
  if (guardian === undefined) problems.push("FOURMICA_GUARDIAN_ADDRESS: required on a production network");
  else if (governance !== undefined && guardian === governance) {
    problems.push(`FOURMICA_GUARDIAN_ADDRESS: ${guardian} is governance; the guardian must be a separate account`);
  }
  return problems;
}
