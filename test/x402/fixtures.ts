import { mkdtempSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { serve, type ServerType } from "@hono/node-server";
import { x402Client } from "@x402/core/client";
import { HTTPFacilitatorClient } from "@x402/core/server";
import type { PaymentRequired } from "@x402/core/types";
import { wrapFetchWithPayment } from "@x402/fetch";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { createFacilitator, injectTransport, type Facilitator } from "../../offchain/src/facilitator/index.ts";
import { loadBlsBackend, type BlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { CreditClientScheme, type BuyerPolicy } from "../../offchain/src/x402/client/index.ts";
import { createCoreClient } from "../../offchain/src/x402/facilitator/index.ts";
import { creditNetwork } from "../../offchain/src/x402/scheme.ts";
import type { CertificateStore, PaymentLogger } from "../../offchain/src/x402/server/index.ts";
import {
  createExpressSeller,
  createHonoSeller,
  type PaidRoute,
  type SellerKit,
} from "../../offchain/src/x402/server/template/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const OPERATOR_KEY: Hex = keccak256(toHex("4mica x402 test operator chain key"));
export const ETH = zeroAddress;
export const PRICE = 10n ** 15n; // 0.001 ETH
export const V2_PRICE = 2n * 10n ** 15n;
export const AUTH_PRICE = 3n * 10n ** 15n;
/** Ports of this suite (the x402 helper's range). */
const PORTS = {
  facilitator: 19311,
  express: 19312,
  hono: 19313,
  core: 19314,
  failingStore: 19315,
  extraExpress: 19316,
  extraHono: 19317,
};

export interface SellerUnderTest {
  name: "express" | "hono";
  url: string;
  kit: SellerKit;
  /** How many times each route's work ran. */
  work: Map<string, number>;
}

/** Deploys the stack, starts Core (with the facilitator mounted), a standalone facilitator and both sellers. */
export async function startStack() {
  const { viem, networkHelpers, provider } = await network.create();
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const wallets = await viem.getWalletClients();
  const account = (i: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i });
  const walletOf = (a: Address) => wallets.find((w) => w.account.address.toLowerCase() === a.toLowerCase())!;
  const payer = account(3);
  const poorPayer = account(4);
  const recipient = account(6);
  const validator = account(9);
  const operator = privateKeyToAccount(OPERATOR_KEY);
  await networkHelpers.setBalance(operator.address, 10n ** 20n);

  const bls: BlsBackend = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
  });
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const chainId = BigInt(stack.chainId);
  const net = creditNetwork(chainId);

  const dir = mkdtempSync(join(tmpdir(), "4mica-x402-"));
  const deploymentsFile = join(dir, "deployment.json");
  writeFileSync(deploymentsFile, JSON.stringify({ network: "x402-test", ...stack }, null, 2));
  const config = loadConfig({
    FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
    FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
    FOURMICA_OPERATOR_KEY: OPERATOR_KEY,
    FOURMICA_ACCEPTED_VERSIONS: "1,2",
    FOURMICA_DATA_DIR: "memory",
    FOURMICA_CONFIRMATIONS: "0",
    FOURMICA_LOG_LEVEL: "silent",
  });
  const silent = pino({ level: "silent" });
  const transport = custom(provider);

  // The embedded facilitator: mounted in Core's Fastify, speaking Core's API through inject.
  let embedded: Facilitator | undefined;
  const core: Core = await createCore(config, {
    chainClient: publicClient,
    transport,
    walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
    logger: silent,
    mount: (app) => {
      embedded = createFacilitator(
        { coreUrl: "http://in-process", publicUrl: undefined, blsPublicKey: undefined, allowContractSignatures: false },
        { core: createCoreClient(injectTransport(app)), logger: silent, bls },
      );
      embedded.routes(app);
    },
  });
  const coreUrl = await core.listen(PORTS.core, "127.0.0.1");
  const background = core.startBackground({ scheduler: false });

  for (const [who, amount] of [
    [payer, 10n ** 18n],
    [poorPayer, PRICE / 2n],
  ] as const) {
    await vault.write.deposit([ETH, amount], { account: walletOf(who.address).account, value: amount });
  }
  await background.runOnce();

  // The standalone facilitator: its own process in production (`npm run facilitator`), HTTP to Core.
  const facilitator = createFacilitator(
    {
      coreUrl,
      publicUrl: `http://127.0.0.1:${PORTS.facilitator}`,
      blsPublicKey: core.blsPublicKey,
      allowContractSignatures: false,
    },
    { logger: silent, bls },
  );
  const facilitatorUrl = await facilitator.listen(PORTS.facilitator, "127.0.0.1");

  // V2: the recipient is an ERC-8004 agent whose work the validator judges.
  const { result: agentId } = await identity.simulate.register({ account: recipient.address });
  await identity.write.register({ account: walletOf(recipient.address).account });
  const validationPolicy = {
    validationRegistry: stack.validationRegistries[0]!,
    validationChainId: chainId,
    validatorAddress: validator.address,
    validatorAgentId: agentId,
    minValidationScore: 80,
    jobHash: keccak256(toHex("x402 report job")),
    requiredValidationTag: "quality",
  };

  function routesFor(work: Map<string, number>): PaidRoute[] {
    const count = (name: string) => async (input: { payment: { guaranteeId: Hex } }) => {
      work.set(name, (work.get(name) ?? 0) + 1);
      return { report: name, guaranteeId: input.payment.guaranteeId, run: work.get(name) };
    };
    const base = { network: net, payTo: recipient.address } as const;
    return [
      {
        ...base,
        method: "GET",
        path: "/v1/report",
        price: { asset: ETH, amount: PRICE.toString() },
        work: count("report"),
      },
      {
        ...base,
        method: "GET",
        path: "/v1/validated",
        price: { asset: ETH, amount: V2_PRICE.toString() },
        validationPolicy,
        work: count("validated"),
      },
      {
        ...base,
        method: "POST",
        path: "/v1/authorized",
        price: { asset: ETH, amount: AUTH_PRICE.toString() },
        flow: "authorization",
        work: count("authorized"),
      },
    ];
  }

  const sellerOptions = (url: string, store?: CertificateStore) => ({
    facilitator: new HTTPFacilitatorClient({ url }),
    bls,
    operatorPublicKey: core.blsPublicKey,
    logger: silent,
    rateLimit: { windowMs: 60_000, limit: 10_000 },
    ...(store ? { store } : {}),
  });

  const expressWork = new Map<string, number>();
  const expressSeller = createExpressSeller(routesFor(expressWork), sellerOptions(facilitatorUrl));
  await expressSeller.kit.ready();
  const expressServer = await new Promise<import("node:http").Server>((resolve) => {
    const s = expressSeller.app.listen(PORTS.express, "127.0.0.1", () => resolve(s));
  });

  // The Hono seller uses the facilitator embedded in Core (Core's URL).
  const honoWork = new Map<string, number>();
  const honoSeller = createHonoSeller(routesFor(honoWork), sellerOptions(coreUrl));
  await honoSeller.kit.ready();
  const honoServer: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: honoSeller.app.fetch, port: PORTS.hono, hostname: "127.0.0.1" }, () => resolve(s));
  });

  const failingWork = new Map<string, number>();
  const failingStore: CertificateStore = {
    put: async () => {
      throw new Error("disk full");
    },
    get: async () => undefined,
    listByRecipient: async () => [],
    markRemunerated: async () => {},
  };
  const failing = createExpressSeller(routesFor(failingWork), sellerOptions(facilitatorUrl, failingStore));
  await failing.kit.ready();
  const failingServer = await new Promise<import("node:http").Server>((resolve) => {
    const s = failing.app.listen(PORTS.failingStore, "127.0.0.1", () => resolve(s));
  });

  const sellers: SellerUnderTest[] = [
    {
      name: "express",
      url: `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`,
      kit: expressSeller.kit,
      work: expressWork,
    },
    { name: "hono", url: `http://127.0.0.1:${PORTS.hono}`, kit: honoSeller.kit, work: honoWork },
  ];

  /** A stock x402 client with our scheme for `signer`, spend controls on (ETH allowed up to 0.01 per payment). */
  function clientFor(signer: LocalAccount, policy?: BuyerPolicy) {
    const client = new x402Client();
    client.register(net, new CreditClientScheme({ signer, ...(policy ? { policy } : {}) }));
    client.registerV1(net, new CreditClientScheme({ signer, ...(policy ? { policy } : {}) }));
    client.setSpendControls({
      allowedAssets: [{ network: net, asset: ETH, maxAmountPerPayment: (10n ** 16n).toString() }],
    });
    return client;
  }

  /** `fetch` through @x402/fetch, recording every request's headers. */
  function payingFetch(signer: LocalAccount, policy?: BuyerPolicy) {
    const sent: Headers[] = [];
    const recording: typeof fetch = async (input, init) => {
      const req = new Request(input as string | URL | Request, init);
      sent.push(new Headers(req.headers));
      return fetch(req);
    };
    return { fetch: wrapFetchWithPayment(recording, clientFor(signer, policy)), sent };
  }

  async function locked(user: Address): Promise<bigint> {
    const r = await core.db.query<{ locked: string }>(
      "SELECT locked FROM balances WHERE user_address = $1 AND asset = $2",
      [user.toLowerCase(), ETH],
    );
    return BigInt(r.rows[0]?.locked ?? 0);
  }

  async function paymentRequiredOf(url: string, init?: RequestInit): Promise<PaymentRequired> {
    const res = await fetch(url, init);
    const header = res.headers.get("payment-required");
    if (res.status !== 402 || !header) throw new Error(`expected a 402 from ${url}, got ${res.status}`);
    return JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  }

  /** Another seller (own port) with its own rate limit and logger, for the seller-duty tests. */
  async function extraSeller(
    kind: "express" | "hono",
    rateLimit: { windowMs: number; limit: number },
    logger: PaymentLogger,
  ) {
    const work = new Map<string, number>();
    const options = { ...sellerOptions(facilitatorUrl), rateLimit, logger };
    const port = kind === "express" ? PORTS.extraExpress : PORTS.extraHono;
    if (kind === "express") {
      const seller = createExpressSeller(routesFor(work), options);
      await seller.kit.ready();
      const server = await new Promise<import("node:http").Server>((resolve) => {
        const srv = seller.app.listen(port, "127.0.0.1", () => resolve(srv));
      });
      return { url: `http://127.0.0.1:${port}`, work, close: () => new Promise((r) => server.close(r)) };
    }
    const seller = createHonoSeller(routesFor(work), options);
    await seller.kit.ready();
    const server: ServerType = await new Promise((resolve) => {
      const srv = serve({ fetch: seller.app.fetch, port, hostname: "127.0.0.1" }, () => resolve(srv));
    });
    return { url: `http://127.0.0.1:${port}`, work, close: () => new Promise((r) => server.close(r)) };
  }

  async function stop() {
    await new Promise((r) => expressServer.close(r));
    await new Promise((r) => failingServer.close(r));
    await new Promise((r) => honoServer.close(r));
    await facilitator.close();
    await background.stop();
    await core.close();
  }

  return {
    core,
    coreUrl,
    facilitatorUrl,
    failingUrl: `http://127.0.0.1:${PORTS.failingStore}`,
    failingWork,
    embedded: () => embedded!,
    chainId,
    net,
    stack,
    bls,
    payer,
    poorPayer,
    recipient,
    validationPolicy,
    sellers,
    clientFor,
    payingFetch,
    locked,
    paymentRequiredOf,
    extraSeller,
    stop,
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");
export const unb64 = <T = any>(s: string | null): T => JSON.parse(Buffer.from(s ?? "", "base64").toString("utf8"));
