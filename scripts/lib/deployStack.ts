import { getAddress, toFunctionSelector, type Abi, type AbiFunction, type Address, type Hex } from "viem";

import { g1ToEip2537 } from "../../offchain/src/core/bls/index.ts";
import { guaranteeDomain } from "../../offchain/src/core/guaranteeDomain.ts";

/** AccessManager role ids (docs/protocol.md §1). ADMIN is OpenZeppelin's role 0. */
export const Roles = { ADMIN: 0n, GOVERNANCE: 1n, GUARDIAN: 2n, OPERATOR: 3n } as const;

/** The seeds' cycle table (docs/protocol.md §6), in seconds. */
export const DEFAULT_SCHEDULE = {
  cycleLength: 24 * 3600,
  resolutionCutoff: 6 * 3600,
  commitDelay: 15 * 60,
  paymentWindow: 2 * 3600,
  finalityWindow: 2 * 3600,
} as const;

export type ScheduleParams = { [K in keyof typeof DEFAULT_SCHEDULE]: number };

export interface DeployStackOptions {
  /** The operator's BLS public key (48-byte compressed G1, hex) that certificates are verified against. */
  blsPublicKey: Hex;
  /** Core's chain account: holds OPERATOR (commits). */
  operator: Address;
  /** Holds GOVERNANCE (default: the deployer). */
  governance?: Address;
  /** Holds GUARDIAN (default: the deployer). */
  guardian?: Address;
  /** Execution delay of GOVERNANCE, in seconds (default 0: a development chain). */
  governanceDelay?: number;
  /** Existing ERC-20 collateral assets. Omitted: two mock tokens (6 and 18 decimals) are deployed. */
  tokens?: Address[];
  /** Existing ERC-8004 validation registries to trust. Omitted: the ERC-8004 identity and validation mocks are deployed. */
  validationRegistries?: Address[];
  /** Cycle schedule (default: the seeds' table) and genesis (default: the latest block time rounded down to a cycle). */
  schedule?: ScheduleParams;
  genesis?: number;
  /** Progress output (default: silent). */
  log?: (line: string) => void;
}

/** What was deployed: addresses and the configuration written to deployments/<network>.json. */
export interface DeployedStack {
  chainId: number;
  deployer: Address;
  blockNumber: bigint;
  accessManager: Address;
  core4Mica: Address;
  clearingHouse: Address;
  v2Decoder: Address;
  tokens: { address: Address; symbol: string; decimals: number }[];
  identityRegistry: Address | null;
  validationRegistries: Address[];
  operator: Address;
  governance: Address;
  guardian: Address;
  governanceDelay: number;
  genesis: number;
  schedule: ScheduleParams;
  blsPublicKey: Hex;
}

/** The part of hardhat-viem's `viem` helper this module uses (so tests, scripts and the demo share it). */
export interface ViemHelper {
  deployContract(name: string, args?: readonly unknown[]): Promise<{ address: Address; abi: Abi }>;
  getContractAt(name: string, address: Address): Promise<{ address: Address; abi: Abi }>;
  getPublicClient(): Promise<{
    getChainId(): Promise<number>;
    getBlock(): Promise<{ number: bigint; timestamp: bigint }>;
    waitForTransactionReceipt(args: { hash: Hex }): Promise<{ status: string }>;
  }>;
  getWalletClients(): Promise<{ account: { address: Address } }[]>;
}

type Contract = { address: Address; abi: Abi; write: Record<string, (...args: never[]) => Promise<Hex>> };

/** Selectors of every function named in `names` (all overloads), read from the contract's ABI. */
function selectorsOf(abi: Abi, names: readonly string[]): Hex[] {
  const fns = abi.filter((item): item is AbiFunction => item.type === "function" && names.includes(item.name));
  const missing = names.filter((n) => !fns.some((f) => f.name === n));
  if (missing.length > 0) throw new Error(`ABI has no function named ${missing.join(", ")}`);
  return fns.map((f) => toFunctionSelector(f));
}

/**
 * Deploys and wires the whole stack: AccessManager, Core4Mica, the V2 decoder, the ClearingHouse, and on a
 * development chain the mock tokens and ERC-8004 registries. Every restricted function is assigned its role;
 * configuration is done by the deployer (AccessManager admin) before roles take over.
 */
export async function deployStack(viem: ViemHelper, options: DeployStackOptions): Promise<DeployedStack> {
  const log = options.log ?? (() => {});
  const publicClient = await viem.getPublicClient();
  const [deployerWallet] = await viem.getWalletClients();
  if (deployerWallet === undefined) throw new Error("no deployer account configured for this network");
  const deployer = deployerWallet.account.address;
  const chainId = await publicClient.getChainId();
  const wait = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  };
  const deploy = async (name: string, args: readonly unknown[] = []) => {
    const c = (await viem.deployContract(name, args)) as unknown as Contract;
    log(`deployed ${name} at ${c.address}`);
    return c;
  };

  const manager = await deploy("AccessManager", [deployer]);

  let tokens: DeployedStack["tokens"];
  if (options.tokens === undefined) {
    const usdc = await deploy("MockERC20", ["Test USD Coin", "tUSDC", 6]);
    const dai = await deploy("MockERC20", ["Test Dai", "tDAI", 18]);
    tokens = [
      { address: usdc.address, symbol: "tUSDC", decimals: 6 },
      { address: dai.address, symbol: "tDAI", decimals: 18 },
    ];
  } else {
    tokens = options.tokens.map((address) => ({ address: getAddress(address), symbol: "", decimals: 0 }));
  }

  let identityRegistry: Address | null = null;
  let validationRegistries = options.validationRegistries;
  if (validationRegistries === undefined) {
    const identity = await deploy("ERC8004IdentityRegistry");
    const validation = await deploy("ERC8004ValidationRegistry", [identity.address]);
    identityRegistry = identity.address;
    validationRegistries = [validation.address];
  }

  const key = g1ToEip2537(options.blsPublicKey);
  const vault = await deploy("Core4Mica", [manager.address, key, tokens.map((t) => t.address)]);
  const decoder = await deploy("ValidationRegistryGuaranteeDecoder", [manager.address, validationRegistries]);

  const schedule = options.schedule ?? { ...DEFAULT_SCHEDULE };
  const now = Number((await publicClient.getBlock()).timestamp);
  const genesis = options.genesis ?? now - (now % schedule.cycleLength);
  const clearingHouse = await deploy("ClearingHouse", [manager.address, vault.address, genesis, schedule]);

  log("configuring version 2 (ERC-8004 validation decoder) and the ClearingHouse hook");
  await wait(
    await vault.write.configureVersion!(
      ...([2n, key, guaranteeDomain(2n, BigInt(chainId), vault.address), decoder.address, true] as never[]),
    ),
  );
  await wait(await vault.write.setClearingHouse!(...([clearingHouse.address] as never[])));

  log("assigning roles");
  const governance = options.governance ?? deployer;
  const guardian = options.guardian ?? deployer;
  const governanceDelay = options.governanceDelay ?? 0;
  const assign = async (target: Contract, names: readonly string[], role: bigint) =>
    wait(
      await manager.write.setTargetFunctionRole!(
        ...([target.address, selectorsOf(target.abi, names), role] as never[]),
      ),
    );
  await assign(
    vault,
    ["configureVersion", "setClearingHouse", "setAssetAllowed", "setTimings", "unpause"],
    Roles.GOVERNANCE,
  );
  await assign(vault, ["pause"], Roles.GUARDIAN);
  await assign(decoder, ["setTrustedRegistry"], Roles.GOVERNANCE);
  await assign(clearingHouse, ["setSchedule", "unpause"], Roles.GOVERNANCE);
  await assign(clearingHouse, ["pause"], Roles.GUARDIAN);
  await assign(clearingHouse, ["commitCycle"], Roles.OPERATOR);
  for (const [role, label] of [
    [Roles.GOVERNANCE, "GOVERNANCE"],
    [Roles.GUARDIAN, "GUARDIAN"],
    [Roles.OPERATOR, "OPERATOR"],
  ] as const) {
    await wait(await manager.write.labelRole!(...([role, label] as never[])));
  }
  await wait(await manager.write.grantRole!(...([Roles.GOVERNANCE, governance, governanceDelay] as never[])));
  await wait(await manager.write.grantRole!(...([Roles.GUARDIAN, guardian, 0] as never[])));
  await wait(await manager.write.grantRole!(...([Roles.OPERATOR, options.operator, 0] as never[])));

  const blockNumber = (await publicClient.getBlock()).number;
  return {
    chainId,
    deployer,
    blockNumber,
    accessManager: manager.address,
    core4Mica: vault.address,
    clearingHouse: clearingHouse.address,
    v2Decoder: decoder.address,
    tokens,
    identityRegistry,
    validationRegistries,
    operator: options.operator,
    governance,
    guardian,
    governanceDelay,
    genesis,
    schedule,
    blsPublicKey: options.blsPublicKey,
  };
}
