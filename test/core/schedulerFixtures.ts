import { network } from "hardhat";
import {
  createWalletClient,
  custom,
  encodeAbiParameters,
  getContract,
  keccak256,
  parseAbi,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createGuaranteeRepository } from "../../offchain/src/core/adapters/db/guaranteeRepository.ts";
import { migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { clearingHouseAbi } from "../../offchain/src/core/adapters/chain/clearingHouseAbi.ts";
import { createViemClearingHouseGateway } from "../../offchain/src/core/adapters/chain/viemClearingHouseGateway.ts";
import { DEFAULT_CYCLE_PHASES } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { BlsG2Point } from "../../offchain/src/protocol/bls/types.ts";
import type { GuaranteeStatus } from "../../offchain/src/core/issuance/guaranteeStore.ts";
import { createScheduler, type SchedulerHooks } from "../../offchain/src/core/services/scheduler/createScheduler.ts";
import { createLocalLeaderLock, type LeaderLock } from "../../offchain/src/core/services/scheduler/leaderLock.ts";
import type { ClearingHouseGateway } from "../../offchain/src/core/services/scheduler/clearingHouseGateway.ts";
import { guaranteeRequestTypedData } from "../../offchain/src/protocol/guaranteeRequestTypedData.ts";

export const ETH: Address = zeroAddress;

const mockVaultAbi = parseAbi([
  "function depositFor(address payer, address asset, uint256 amount) payable",
  "function deposit(address user, address asset, uint256 amount) payable",
  "function collateral(address user, address asset) view returns (uint256)",
  "function isConsumed(bytes32 guaranteeId) view returns (bool)",
  "function redeem(bytes32 guaranteeId)",
]);
/** Hardhat's account #9: the operator signs locally, so the commit hash is known before broadcast. */
export const OPERATOR_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
export const OPERATOR_ROLE = 3n;

/**
 * A fresh chain with the ClearingHouse (seeds' phases) and a vault: the real Core4Mica stack through the deploy
 * library (`"core4mica"`), or the settlement mock (`"mock"`, which can mark an id consumed without a certificate).
 */
export async function deployClearing(kind: "core4mica" | "mock" = "mock") {
  if (kind === "core4mica") return deployRealStack();
  const connection = await network.create();
  const { viem, networkHelpers, provider } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [admin, ...others] = await viem.getWalletClients();
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const now = BigInt(await networkHelpers.time.latest());
  const genesis = now - (now % DEFAULT_CYCLE_PHASES.cycleLength);

  const manager = await viem.deployContract("AccessManager", [admin!.account.address]);
  const vault = await viem.deployContract("MockCore4MicaSettlement");
  const clearingHouse = await viem.deployContract("ClearingHouse", [
    manager.address,
    vault.address,
    Number(genesis),
    {
      cycleLength: Number(DEFAULT_CYCLE_PHASES.cycleLength),
      resolutionCutoff: Number(DEFAULT_CYCLE_PHASES.resolutionCutoff),
      commitDelay: Number(DEFAULT_CYCLE_PHASES.commitDelay),
      paymentWindow: Number(DEFAULT_CYCLE_PHASES.paymentWindow),
      finalityWindow: Number(DEFAULT_CYCLE_PHASES.finalityWindow),
    },
  ]);
  const commitSelector = keccak256(
    toHex("commitCycle(uint256,address,bytes32,uint256,uint256,uint32,uint32,bytes32,(uint64,bytes,bytes)[])"),
  ).slice(0, 10) as Hex;
  const managerAbi = parseAbi([
    "function setTargetFunctionRole(address target, bytes4[] selectors, uint64 roleId)",
    "function grantRole(uint64 roleId, address account, uint32 executionDelay)",
  ]);
  for (const request of [
    { functionName: "setTargetFunctionRole", args: [clearingHouse.address, [commitSelector], OPERATOR_ROLE] },
    { functionName: "grantRole", args: [OPERATOR_ROLE, operator.address, 0] },
  ] as const) {
    const hash = await admin!.writeContract({ address: manager.address, abi: managerAbi, ...request } as never);
    await publicClient.waitForTransactionReceipt({ hash });
  }

  const walletClient = createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) });
  const gateway = createViemClearingHouseGateway({
    publicClient,
    walletClient,
    clearingHouse: clearingHouse.address,
  });
  const chainId = BigInt(await publicClient.getChainId());
  // Typed handles from our ABIs (the Hardhat artifact types are not part of the type check).
  const vaultContract = getContract({
    address: vault.address,
    abi: mockVaultAbi,
    client: { public: publicClient, wallet: admin! },
  });
  const clearingContract = getContract({
    address: clearingHouse.address,
    abi: clearingHouseAbi,
    client: { public: publicClient, wallet: admin! },
  });
  const deposit = async (user: Address, amount: bigint) => {
    const hash = await admin!.writeContract({
      address: vault.address,
      abi: mockVaultAbi,
      functionName: "deposit",
      args: [user, ETH, amount],
      value: amount,
    } as never);
    await publicClient.waitForTransactionReceipt({ hash });
  };
  return {
    deposit,
    connection,
    viem,
    networkHelpers,
    publicClient,
    admin: admin!,
    wallets: others,
    operator,
    manager,
    vault: vaultContract,
    clearingHouse: clearingContract,
    gateway,
    genesis,
    chainId,
  };
}

/** PGlite always; PostgreSQL too when FOURMICA_TEST_DATABASE_URL is set. */
export const SCHEDULER_BACKENDS: { name: string; open: () => Promise<Database> }[] = [
  { name: "PGlite", open: () => openPgliteDatabase() },
  ...(process.env.FOURMICA_TEST_DATABASE_URL
    ? [
        {
          name: "PostgreSQL",
          open: async () => openPgDatabase({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL! }),
        },
      ]
    : []),
];

export async function openMigrated(open: () => Promise<Database>): Promise<Database> {
  const db = await open();
  await migrate(db);
  await db.exec(
    `TRUNCATE guarantee_transitions, guarantees, balances, users, withdrawals, positions, batches, cycles,
       chain_events, chain_cursor RESTART IDENTITY CASCADE`,
  );
  return db;
}

export function newScheduler(
  db: Database,
  chain: ClearingHouseGateway,
  chainId: bigint,
  clearingHouse: Address,
  options: { hooks?: SchedulerHooks; lock?: LeaderLock; assets?: Address[] } = {},
) {
  return createScheduler({
    db,
    chain,
    chainId,
    clearingHouse,
    lock: options.lock ?? createLocalLeaderLock(db),
    assets: options.assets ?? [ETH],
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
}

let counter = 0;

export interface TestGuarantee {
  user: Address;
  recipient: Address;
  amount: bigint;
  cycleId: bigint;
  timestamp: bigint;
  asset?: Address;
  version?: number;
  status?: GuaranteeStatus;
}

/** Signs V1 requests as their payers (Hardhat's unlocked accounts) under the vault's EIP-712 domain. */
export interface TestSigning {
  chainId: bigint;
  vault: Address;
  wallets: readonly WalletClient[];
}

/** The signing of `env`'s payers (its wallets) for {@link storeGuarantee}. */
export function payerSigning(env: { chainId: bigint; vault: { address: Address }; wallets: readonly WalletClient[] }) {
  return { chainId: env.chainId, vault: env.vault.address, wallets: env.wallets } satisfies TestSigning;
}

/**
 * Stores a guarantee through the issuance store (its lock included). The BLS certificate is a placeholder (the
 * scheduler never reads it). With `signing`, a V1 carries its payer's real EIP-712 signature (the keeper proves it
 * on-chain when the payer defaults); otherwise a placeholder. A V2's claims are an envelope around the
 * settlement mock's netted encoding `abi.encode(bytes32 id, address user, uint256 amount)`, which is what the
 * commit sends to the mock vault. V2 guarantees are stored PENDING_VALIDATION then, as sync's promotion would,
 * moved to `status`.
 */
export async function storeGuarantee(db: Database, g: TestGuarantee, signing?: TestSigning): Promise<Hex> {
  const store = createGuaranteeRepository(db);
  const guaranteeId = keccak256(toHex(`scheduler-test-${process.pid}-${counter++}`));
  const version = g.version ?? 1;
  const asset = (g.asset ?? ETH).toLowerCase() as Address;
  const reqId = BigInt(counter);
  let payerSignature: Hex = "0x00";
  if (signing && version === 1) {
    const wallet = signing.wallets.find((w) => w.account?.address.toLowerCase() === g.user.toLowerCase());
    if (!wallet?.account) throw new Error(`no wallet for payer ${g.user}`);
    const typedData = guaranteeRequestTypedData(
      { version: 1, user: g.user, recipient: g.recipient, reqId, amount: g.amount, asset, timestamp: g.timestamp },
      { chainId: signing.chainId, verifyingContract: signing.vault },
    );
    payerSignature = await wallet.signTypedData({ ...typedData, account: wallet.account } as never);
  }
  const claims: Hex =
    version === 1
      ? "0x00"
      : encodeAbiParameters(
          [{ type: "uint64" }, { type: "bytes" }],
          [
            BigInt(version),
            encodeAbiParameters(
              [{ type: "bytes32" }, { type: "address" }, { type: "uint256" }],
              [guaranteeId, g.user, g.amount],
            ),
          ],
        );
  const out = await store.issue({
    guaranteeId,
    version,
    domain: keccak256(toHex(`domain-${version}`)),
    cycleId: g.cycleId,
    user: g.user.toLowerCase() as Address,
    recipient: g.recipient.toLowerCase() as Address,
    asset,
    reqId,
    amount: g.amount,
    timestamp: g.timestamp,
    status: version === 1 ? "FINALIZED_PAYABLE" : "PENDING_VALIDATION",
    contentHash: keccak256(guaranteeId),
    request: { placeholder: 1 },
    payerSignature,
    certificate: {
      claims,
      signature: `0x${"00".repeat(96)}`,
      signatureEip2537: Object.fromEntries(
        ["x_c0_a", "x_c0_b", "x_c1_a", "x_c1_b", "y_c0_a", "y_c0_b", "y_c1_a", "y_c1_b"].map((k) => [
          k,
          `0x${"00".repeat(64)}`,
        ]),
      ) as BlsG2Point,
    },
    validationRegistry: version === 1 ? undefined : "0x0000000000000000000000000000000000008004",
    validationRequestHash: version === 1 ? undefined : keccak256(toHex("policy")),
  });
  if (out.outcome !== "ISSUED") throw new Error(`guarantee not stored: ${out.outcome}`);
  if (g.status && g.status !== (version === 1 ? "FINALIZED_PAYABLE" : "PENDING_VALIDATION")) {
    await db.query("UPDATE guarantees SET status = $2 WHERE guarantee_id = $1", [guaranteeId, g.status]);
  }
  return guaranteeId;
}

export async function fundDb(db: Database, user: Address, amount: bigint, asset: Address = ETH): Promise<void> {
  await creditDeposit(db, user, asset, amount);
}

export async function cycleStatus(db: Database, cycleId: bigint, asset: Address = ETH): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>("SELECT status FROM cycles WHERE cycle_id = $1 AND asset = $2", [
    cycleId.toString(),
    asset.toLowerCase(),
  ]);
  return rows[0]?.status;
}

export async function statusesOf(db: Database, ids: Hex[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    const { rows } = await db.query<{ status: string }>("SELECT status FROM guarantees WHERE guarantee_id = $1", [id]);
    out.push(rows[0]!.status);
  }
  return out;
}

async function deployRealStack() {
  const connection = await network.create();
  const { viem, networkHelpers, provider } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [admin, ...others] = await viem.getWalletClients();
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const blsPublicKey = (await loadBlsBackend("auto")).publicKey(DEV_BLS_SECRET_KEY);
  const stack = await deployStack(viem, {
    blsPublicKey,
    operator: operator.address,
    tokens: [],
    validationRegistries: [],
  });
  const walletClient = createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) });
  const gateway = createViemClearingHouseGateway({ publicClient, walletClient, clearingHouse: stack.clearingHouse });
  const client = { public: publicClient, wallet: admin! };
  const vault = getContract({ address: stack.core4Mica, abi: mockVaultAbi, client });
  const clearingHouse = getContract({ address: stack.clearingHouse, abi: clearingHouseAbi, client });
  const deposit = async (user: Address, amount: bigint) => {
    await publicClient.waitForTransactionReceipt({
      hash: await vault.write.depositFor([user, ETH, amount], { value: amount }),
    });
  };
  return {
    deposit,
    connection,
    viem,
    networkHelpers,
    publicClient,
    admin: admin!,
    wallets: others,
    operator,
    manager: undefined,
    vault,
    clearingHouse,
    gateway,
    genesis: BigInt(stack.cycleSchedule.genesis),
    chainId: BigInt(stack.chainId),
  };
}
