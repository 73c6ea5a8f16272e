import type { HardhatViemHelpers } from "@nomicfoundation/hardhat-viem/types";
import {
  encodeDeployData,
  getAddress,
  toFunctionSelector,
  type Abi,
  type AbiFunction,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";

import { g1ToEip2537 } from "../../offchain/src/protocol/bls/index.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import {
  contractSalt,
  deployCreate2,
  DETERMINISTIC_DEPLOYER,
  ensureDeterministicDeployer,
  predictCreate2Address,
} from "./create2.ts";
import { DEV_CHAIN_ID } from "./networkPolicy.ts";

/**
 * AccessManager role ids (docs/protocol.md §1). ADMIN is OpenZeppelin's role 0: the deployer's during the wiring;
 * afterwards still the deployer's on a development wiring, only governance's (behind the governance delay) on a
 * production wiring.
 */
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
  /** Execution delay of GOVERNANCE, in seconds (default 0, for a development chain). */
  governanceDelay?: number;
  /**
   * A production wiring (default false): at the end no account can skip the governance delay. ADMIN is granted to
   * `governance` (which must then be given, differ from the deployer, and have `governanceDelay > 0`) with an
   * execution delay of `governanceDelay`, every role gets a grant delay of `governanceDelay`, and the deployer
   * renounces ADMIN. A development wiring leaves the deployer ADMIN with no delay.
   */
  production?: boolean;
  /** Existing ERC-20 collateral assets. Omitted: two mock tokens (6 and 18 decimals) are deployed. */
  tokens?: Address[];
  /** Existing ERC-8004 validation registries to trust. Omitted: the ERC-8004 identity and validation mocks are deployed. */
  validationRegistries?: Address[];
  /** Cycle schedule (default: the seeds' table). */
  schedule?: ScheduleParams;
  /** Genesis of cycle 0 (default: the latest block time rounded down to a cycle boundary). */
  genesis?: number;
  /**
   * Deterministic addresses: every contract of the stack is CREATE2-deployed through the deterministic deployment
   * proxy (scripts/lib/create2.ts) under `keccak256(salt ‖ contract label)`. Each address is predicted before its
   * deployment and checked after it. On the development chain a missing proxy is deployed by its presigned
   * transaction; elsewhere it must already be there. Default: plain CREATE from the deployer.
   */
  create2?: { salt: Hex };
  /** Progress output (default: silent). */
  log?: (line: string) => void;
}

/** What was deployed: the record scripts/deploy.ts writes to deployments/<network>.json and Core reads. */
export interface DeployedStack {
  chainId: number;
  /** The block before the first deployment: where Core's chain sync starts. */
  startBlock: string;
  blockNumber: string;
  deployer: Address;
  core4Mica: Address;
  clearingHouse: Address;
  contracts: {
    AccessManager: Address;
    Core4Mica: Address;
    ClearingHouse: Address;
    ValidationRegistryGuaranteeDecoder: Address;
    ERC8004IdentityRegistry: Address | null;
  };
  tokens: { symbol: string; address: Address; decimals: number }[];
  validationRegistries: Address[];
  roles: { governance: Address; governanceDelay: number; guardian: Address; operator: Address };
  /** Who can administer the AccessManager at the end of the deploy, and behind which delays. */
  access: {
    wiring: "production" | "development";
    /** The ADMIN holder: governance (production) or the deployer (development). */
    admin: Address;
    /** ADMIN's execution delay for `admin`, in seconds: the governance delay in production, 0 in development. */
    adminExecutionDelay: number;
    /** Grant delay of ADMIN, GOVERNANCE, GUARDIAN and OPERATOR (in force 5 days after the deploy, OpenZeppelin's minSetback). */
    grantDelay: number;
    /** Whether the deployer renounced ADMIN (production). */
    deployerRenouncedAdmin: boolean;
  };
  cycleSchedule: ScheduleParams & { genesis: number };
  /** The vault's timings at the end of the deploy (docs/protocol.md §7), in seconds. */
  timings: {
    remunerationGrace: number;
    guaranteeExpiry: number;
    withdrawalDelay: number;
    synchronizationDelay: number;
  };
  blsPublicKey: Hex;
  /** Present when the stack was CREATE2-deployed: the proxy, the stack salt, and each contract's salt and address. */
  create2?: { factory: Address; salt: Hex; contracts: Record<string, { salt: Hex; address: Address }> };
}

/**
 * The functions each role may call, by target (docs/operations.md, "Deploying"). The deploy assigns exactly these
 * and the read-back (scripts/lib/verifyDeployment.ts) checks them.
 */
export const FUNCTION_ROLES: readonly {
  target: "Core4Mica" | "ValidationRegistryGuaranteeDecoder" | "ClearingHouse";
  functions: readonly string[];
  role: bigint;
}[] = [
  {
    target: "Core4Mica",
    functions: ["configureVersion", "setClearingHouse", "setAssetAllowed", "setTimings", "unpause"],
    role: Roles.GOVERNANCE,
  },
  { target: "Core4Mica", functions: ["pause"], role: Roles.GUARDIAN },
  { target: "ValidationRegistryGuaranteeDecoder", functions: ["setTrustedRegistry"], role: Roles.GOVERNANCE },
  { target: "ClearingHouse", functions: ["setSchedule", "unpause"], role: Roles.GOVERNANCE },
  { target: "ClearingHouse", functions: ["pause"], role: Roles.GUARDIAN },
  { target: "ClearingHouse", functions: ["commitCycle"], role: Roles.OPERATOR },
];

/** Selectors of every function named in `names` (all overloads), read from the contract's ABI. */
export function selectorsOf(abi: Abi, names: readonly string[]): Hex[] {
  const fns = abi.filter((item): item is AbiFunction => item.type === "function" && names.includes(item.name));
  const missing = names.filter((n) => !fns.some((f) => f.name === n));
  if (missing.length > 0) throw new Error(`ABI has no function named ${missing.join(", ")}`);
  return fns.map((f) => toFunctionSelector(f));
}

/**
 * Deploys and wires the whole stack: AccessManager, Core4Mica, the V2 decoder and the ClearingHouse, and, when no
 * existing ones are given, mock ERC-20s and the ERC-8004 registries. The deployer (AccessManager admin) configures
 * everything first; then every restricted function is given its role and the role holders are granted.
 */
export async function deployStack(viem: HardhatViemHelpers, options: DeployStackOptions): Promise<DeployedStack> {
  const log = options.log ?? (() => {});
  const publicClient = await viem.getPublicClient();
  const [deployerWallet] = await viem.getWalletClients();
  if (deployerWallet === undefined) throw new Error("no deployer account is configured for this network");
  const deployer = deployerWallet.account.address;
  const production = options.production ?? false;
  if (production) {
    if (options.governance === undefined || getAddress(options.governance) === getAddress(deployer)) {
      throw new Error("a production wiring needs a governance account other than the deployer");
    }
    if (options.governanceDelay === undefined || options.governanceDelay <= 0) {
      throw new Error("a production wiring needs a governance delay above 0 seconds");
    }
    if (options.guardian !== undefined && getAddress(options.guardian) === getAddress(options.governance)) {
      throw new Error("a production wiring needs a guardian other than the governance account");
    }
  }
  const chainId = await publicClient.getChainId();
  const send = async (label: string, pending: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await pending });
    if (receipt.status !== "success") throw new Error(`${label} reverted (tx ${receipt.transactionHash})`);
  };
  const deployed = (name: string, address: Address) => log(`  deployed ${name.padEnd(36)} ${address}`);

  const startBlock = await publicClient.getBlockNumber();
  const create2Record: NonNullable<DeployedStack["create2"]> | undefined =
    options.create2 === undefined
      ? undefined
      : { factory: DETERMINISTIC_DEPLOYER, salt: options.create2.salt, contracts: {} };
  if (create2Record !== undefined) {
    await ensureDeterministicDeployer(
      publicClient as PublicClient,
      deployerWallet as WalletClient,
      chainId === DEV_CHAIN_ID,
    );
  }
  // Deploys `name` (recorded under `label`) and returns its address: plain CREATE, or CREATE2 through the proxy
  // with the address predicted first and checked after.
  const place = async (name: string, label: string, args: readonly unknown[]): Promise<Address> => {
    if (create2Record === undefined) {
      const deploy = viem.deployContract as unknown as (
        n: string,
        a: readonly unknown[],
      ) => Promise<{ address: Address }>;
      const contract = await deploy(name, args);
      deployed(label, contract.address);
      return contract.address;
    }
    const { artifacts } = await import("hardhat");
    const artifact = await artifacts.readArtifact(name);
    const initCode = encodeDeployData({ abi: artifact.abi as Abi, bytecode: artifact.bytecode as Hex, args });
    const salt = contractSalt(create2Record.salt, label);
    const predicted = predictCreate2Address(salt, initCode);
    log(`  predicted ${label.padEnd(35)} ${predicted} (CREATE2)`);
    const address = await deployCreate2(publicClient as PublicClient, deployerWallet as WalletClient, salt, initCode);
    if (address !== predicted) throw new Error(`${label} landed at ${address}, not at the predicted ${predicted}`);
    create2Record.contracts[label] = { salt, address };
    deployed(label, address);
    return address;
  };

  const manager = await viem.getContractAt("AccessManager", await place("AccessManager", "AccessManager", [deployer]));

  let tokens: DeployedStack["tokens"];
  if (options.tokens === undefined) {
    tokens = [];
    for (const [name, symbol, decimals] of [
      ["Test USD Coin", "tUSDC", 6],
      ["Test Dai", "tDAI", 18],
    ] as const) {
      const address = await place("MockERC20", `MockERC20 ${symbol}`, [name, symbol, decimals]);
      tokens.push({ symbol, address, decimals });
    }
  } else {
    tokens = [];
    for (const address of options.tokens) {
      const token = await viem.getContractAt("MockERC20", getAddress(address));
      tokens.push({ symbol: await token.read.symbol(), address: token.address, decimals: await token.read.decimals() });
    }
  }

  let identityRegistry: Address | null = null;
  let validationRegistries = options.validationRegistries?.map((a) => getAddress(a));
  if (validationRegistries === undefined) {
    identityRegistry = await place("ERC8004IdentityRegistry", "ERC8004IdentityRegistry", []);
    validationRegistries = [await place("ERC8004ValidationRegistry", "ERC8004ValidationRegistry", [identityRegistry])];
  }

  const key = g1ToEip2537(options.blsPublicKey);
  const vault = await viem.getContractAt(
    "Core4Mica",
    await place("Core4Mica", "Core4Mica", [manager.address, key, tokens.map((t) => t.address)]),
  );
  const decoder = await viem.getContractAt(
    "ValidationRegistryGuaranteeDecoder",
    await place("ValidationRegistryGuaranteeDecoder", "ValidationRegistryGuaranteeDecoder", [
      manager.address,
      validationRegistries,
    ]),
  );

  const schedule = options.schedule ?? { ...DEFAULT_SCHEDULE };
  const now = Number((await publicClient.getBlock()).timestamp);
  const genesis = options.genesis ?? now - (now % schedule.cycleLength);
  const clearingHouse = await viem.getContractAt(
    "ClearingHouse",
    await place("ClearingHouse", "ClearingHouse", [manager.address, vault.address, genesis, schedule]),
  );

  log("  configuring version 2 (ERC-8004 validation decoder) and the ClearingHouse hook");
  const v2Domain = guaranteeDomain(2n, BigInt(chainId), vault.address);
  await send("configureVersion(2)", vault.write.configureVersion([2n, key, v2Domain, decoder.address, true]));
  await send("setClearingHouse", vault.write.setClearingHouse([clearingHouse.address]));

  log("  assigning roles");
  const governance = options.governance === undefined ? deployer : getAddress(options.governance);
  const guardian = options.guardian === undefined ? deployer : getAddress(options.guardian);
  const operator = getAddress(options.operator);
  const governanceDelay = options.governanceDelay ?? 0;
  const targets = {
    Core4Mica: { address: vault.address, abi: vault.abi as Abi },
    ValidationRegistryGuaranteeDecoder: { address: decoder.address, abi: decoder.abi as Abi },
    ClearingHouse: { address: clearingHouse.address, abi: clearingHouse.abi as Abi },
  };
  const assignments = FUNCTION_ROLES.map(
    ({ target, functions, role }) =>
      [targets[target].address, targets[target].abi, functions, role] as [Address, Abi, readonly string[], bigint],
  );
  for (const [target, abi, names, role] of assignments) {
    await send(
      `setTargetFunctionRole(${names.join(",")})`,
      manager.write.setTargetFunctionRole([target, selectorsOf(abi, names), role]),
    );
  }
  for (const [role, label] of [
    [Roles.GOVERNANCE, "GOVERNANCE"],
    [Roles.GUARDIAN, "GUARDIAN"],
    [Roles.OPERATOR, "OPERATOR"],
  ] as const) {
    await send(`labelRole(${label})`, manager.write.labelRole([role, label]));
  }
  await send("grantRole(GOVERNANCE)", manager.write.grantRole([Roles.GOVERNANCE, governance, governanceDelay]));
  await send("grantRole(GUARDIAN)", manager.write.grantRole([Roles.GUARDIAN, guardian, 0]));
  await send("grantRole(OPERATOR)", manager.write.grantRole([Roles.OPERATOR, operator, 0]));

  // Attack 6 (issue 7): while the deployer keeps an undelayed ADMIN it can grant itself GOVERNANCE and act at once.
  // Production hands ADMIN to governance behind the governance delay, makes new members of every role wait as long,
  // and has the deployer renounce ADMIN, so every change passes through the delay.
  if (production) {
    log("  handing ADMIN to governance behind the governance delay; the deployer renounces it");
    await send("grantRole(ADMIN)", manager.write.grantRole([Roles.ADMIN, governance, governanceDelay]));
    for (const [role, label] of [
      [Roles.ADMIN, "ADMIN"],
      [Roles.GOVERNANCE, "GOVERNANCE"],
      [Roles.GUARDIAN, "GUARDIAN"],
      [Roles.OPERATOR, "OPERATOR"],
    ] as const) {
      await send(`setGrantDelay(${label})`, manager.write.setGrantDelay([role, governanceDelay]));
    }
    await send("renounceRole(ADMIN)", manager.write.renounceRole([Roles.ADMIN, deployer]));
  }

  const blockNumber = (await publicClient.getBlock()).number;
  const timings = {
    remunerationGrace: Number(await vault.read.remunerationGrace()),
    guaranteeExpiry: Number(await vault.read.guaranteeExpiry()),
    withdrawalDelay: Number(await vault.read.withdrawalDelay()),
    synchronizationDelay: Number(await vault.read.synchronizationDelay()),
  };
  return {
    chainId,
    startBlock: startBlock.toString(),
    blockNumber: blockNumber.toString(),
    deployer,
    core4Mica: vault.address,
    clearingHouse: clearingHouse.address,
    contracts: {
      AccessManager: manager.address,
      Core4Mica: vault.address,
      ClearingHouse: clearingHouse.address,
      ValidationRegistryGuaranteeDecoder: decoder.address,
      ERC8004IdentityRegistry: identityRegistry,
    },
    tokens,
    validationRegistries,
    roles: { governance, governanceDelay, guardian, operator },
    access: production
      ? {
          wiring: "production",
          admin: governance,
          adminExecutionDelay: governanceDelay,
          grantDelay: governanceDelay,
          deployerRenouncedAdmin: true,
        }
      : {
          wiring: "development",
          admin: deployer,
          adminExecutionDelay: 0,
          grantDelay: 0,
          deployerRenouncedAdmin: false,
        },
    cycleSchedule: { genesis, ...schedule },
    timings,
    blsPublicKey: options.blsPublicKey,
    ...(create2Record === undefined ? {} : { create2: create2Record }),
  };
}
