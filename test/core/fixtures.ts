import { pino } from "pino";
import type { Address, Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { creditDeposit } from "../../offchain/src/core/adapters/db/balanceRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import type { CoreConfig } from "../../offchain/src/core/config.ts";
import { createCore, type Core, type CoreDeps } from "../../offchain/src/core/createCore.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import type {
  GuaranteeRequest,
  GuaranteeRequestV1,
  GuaranteeRequestV2,
  ValidationPolicy,
} from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";

export const CHAIN_ID = 31337n;
export const CORE4MICA: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
export const CLEARING_HOUSE: Address = "0x00000000000000000000000000000000000c1ea4";
export const REGISTRY: Address = "0x0000000000000000000000000000000000008004";
export const ASSET: Address = "0x0000000000000000000000000000000000a55e75";
export const ETH: Address = "0x0000000000000000000000000000000000000000";
export const BLS_SK: Hex = "0x2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
export const GENESIS = 1_700_000_000n - (1_700_000_000n % 86_400n);
/** The test clock: one hour into cycle 10. */
export const NOW = GENESIS + 10n * 86_400n + 3_600n;

export const payer = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
export const otherPayer = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
export const recipient = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");

export function testConfig(overrides: Partial<CoreConfig> = {}): CoreConfig {
  return {
    databaseUrl: undefined,
    dataDir: "memory",
    dbPoolSize: 10,
    rpcUrl: undefined,
    chainId: CHAIN_ID,
    core4Mica: CORE4MICA,
    clearingHouse: CLEARING_HOUSE,
    blsSecretKey: BLS_SK,
    blsBackend: "auto",
    operatorKey: undefined,
    acceptedVersions: [1, 2],
    trustedRegistries: [REGISTRY],
    freshnessPastSeconds: 300n,
    freshnessFutureSeconds: 60n,
    schedule: {
      genesis: GENESIS,
      cycleLength: 86_400n,
      resolutionCutoff: 21_600n,
      commitDelay: 900n,
      paymentWindow: 7_200n,
      finalityWindow: 7_200n,
    },
    tokens: [{ symbol: "TST", address: ASSET, decimals: 6 }],
    httpHost: "127.0.0.1",
    httpPort: 0,
    siweDomain: "core.test",
    siweUri: "https://core.test",
    sessionTtlSeconds: 3600,
    logLevel: "silent",
    ...overrides,
  };
}

export const silentLogger = pino({ level: "silent" });

/** The databases the suites run on: PGlite always, PostgreSQL when FOURMICA_TEST_DATABASE_URL is set. */
export const BACKENDS: { name: string; open: () => Promise<Database> }[] = [
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

/** Empties every table (not the migrations), so that suites share one database per backend. */
export async function resetDatabase(db: Database): Promise<void> {
  await migrate(db);
  await db.exec(
    `TRUNCATE guarantee_transitions, guarantees, balances, users, withdrawals, positions, batches, cycles,
       chain_events, chain_cursor, auth_nonces, sessions, operator_control_events RESTART IDENTITY CASCADE`,
  );
  // The operator's switches (migration 006) back to running: a suite that paused issuance must not stop the next.
  await db.exec("UPDATE operator_controls SET paused = false, reason = ''");
}

export async function startCore(db: Database, deps: CoreDeps = {}, config = testConfig()): Promise<Core> {
  return createCore(config, { db, now: () => NOW, logger: silentLogger, isValidSignature: async () => false, ...deps });
}

export async function deposit(db: Database, user: Address, amount: bigint, asset: Address = ASSET): Promise<void> {
  await creditDeposit(db, user, asset, amount);
}

let nextReqId = 1n;

export function v1Request(overrides: Partial<GuaranteeRequestV1> = {}): GuaranteeRequestV1 {
  return {
    version: 1,
    user: payer.address.toLowerCase() as Address,
    recipient: recipient.address.toLowerCase() as Address,
    reqId: nextReqId++,
    amount: 1_000n,
    asset: ASSET,
    timestamp: NOW - 10n,
    ...overrides,
  };
}

/** A V2 request with canonical hashes; `policy` overrides are applied after hashing (to make them wrong). */
export function v2Request(
  overrides: Partial<GuaranteeRequestV1> = {},
  policyInputs: Partial<Parameters<typeof buildValidationPolicy>[1]> = {},
  policyOverrides: Partial<ValidationPolicy> = {},
): GuaranteeRequestV2 {
  const { version: _v, ...base } = v1Request(overrides);
  const policy = buildValidationPolicy(base, {
    validationRegistry: REGISTRY,
    validationChainId: CHAIN_ID,
    validatorAddress: "0x000000000000000000000000000000000000da7a",
    validatorAgentId: 7n,
    minValidationScore: 80,
    jobHash: `0x${"11".repeat(32)}`,
    requiredValidationTag: "quality",
    ...policyInputs,
  });
  return { ...base, version: 2, policy: { ...policy, ...policyOverrides } };
}

export async function sign(account: PrivateKeyAccount, request: GuaranteeRequest): Promise<Hex> {
  return signGuaranteeRequest(account, request, { chainId: CHAIN_ID, verifyingContract: CORE4MICA });
}

/** The JSON body a client sends: every uint as a decimal string. */
export function wire(request: GuaranteeRequest, signature: Hex): Record<string, unknown> {
  const toWire = (o: object): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [
        k,
        typeof v === "bigint" ? v.toString() : typeof v === "object" && v !== null ? toWire(v) : v,
      ]),
    );
  return { request: toWire(request), signature };
}

export async function signedBody(request: GuaranteeRequest, account: PrivateKeyAccount = payer) {
  return wire(request, await sign(account, request));
}

/** Everything a request could have changed, to assert that a rejected one changed nothing. */
export async function snapshot(db: Database): Promise<string> {
  const parts = await Promise.all([
    db.query(
      "SELECT user_address, asset, deposited::text, locked::text, pending_withdrawal::text FROM balances ORDER BY 1, 2",
    ),
    db.query("SELECT guarantee_id, status FROM guarantees ORDER BY 1"),
    db.query("SELECT count(*)::text AS n FROM guarantee_transitions"),
    db.query("SELECT count(*)::text AS n FROM sessions"),
  ]);
  return JSON.stringify(parts.map((p) => p.rows));
}
