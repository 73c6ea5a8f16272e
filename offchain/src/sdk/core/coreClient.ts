import type { Address, Hex } from "viem";
import { createSiweMessage } from "viem/siwe";

import type { BlsG2Point } from "../../protocol/bls/types.ts";
import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { CoreRequestError } from "../errors.ts";

/** A certificate as Core returns it (docs/core-api.md, "Issuance"). */
export interface CoreCertificate {
  guaranteeId: Hex;
  cycleId: bigint;
  status: string;
  /** The BLS-signed envelope. */
  claims: Hex;
  /** 96-byte compressed G2 signature. */
  signature: Hex;
  signatureEip2537: BlsG2Point;
}

/** One free-collateral row of `GET /core/payers/:addr/collateral`. */
export interface CollateralBalance {
  asset: Address;
  deposited: bigint;
  locked: bigint;
  pendingWithdrawal: bigint;
  /** Free collateral: deposited - locked - pending withdrawal. */
  available: bigint;
}

/** A net position with its Merkle proof (`GET /core/cycles/:cycleId/:asset/positions/:participant`). */
export interface CorePosition {
  cycleId: bigint;
  asset: Address;
  participant: Address;
  /** The cycle's status in Core (`COMMITTED`, ...). */
  status: string;
  role: "NET_DEBTOR" | "NET_CREDITOR" | "FLAT";
  amount: bigint;
  grossOut: bigint;
  grossIn: bigint;
  root: Hex;
  leaf: Hex | null;
  proof: Hex[];
}

/** A debtor's authorization to settle from collateral, as Core stores it (`/core/cycles/:cycleId/:asset/settlements`). */
export interface CoreSettlement {
  cycleId: bigint;
  asset: Address;
  debtor: Address;
  amount: bigint;
  signature: Hex;
  /** PENDING (accepted), SUBMITTED (in a batch transaction), SETTLED (paid on-chain) or SKIPPED (collateral short). */
  status: "PENDING" | "SUBMITTED" | "SETTLED" | "SKIPPED";
  txHash: Hex | null;
  settledBy: string | null;
}

/** A guarantee row of the scoped lists (`/core/payers/:addr/guarantees`, `/core/recipients/:addr/guarantees`). */
export interface CoreGuarantee {
  guaranteeId: Hex;
  version: number;
  cycleId: bigint;
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
  amount: bigint;
  timestamp: bigint;
  status: string;
  certificate: { claims: Hex; signature: Hex; signatureEip2537: BlsG2Point };
}

/** What signs the SIWE message. */
export interface MessageSigner {
  address: Address;
  signMessage(args: { message: string }): Promise<Hex>;
}

export interface CoreClientOptions {
  /** Core's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** A bearer token from {@link CoreClient.signIn}, for the scoped reads. */
  token?: string;
}

export interface CoreClient {
  readonly url: string;
  publicParams(): Promise<
    Record<string, unknown> & { chainId: string; core4Mica: Address; clearingHouse: Address | null }
  >;
  /** `POST /core/guarantees`: Core checks, locks and certifies. */
  issue(request: GuaranteeRequest, signature: Hex): Promise<CoreCertificate>;
  guarantee(id: Hex): Promise<CoreGuarantee>;
  /**
   * SIWE sign-in (EIP-4361) of `account` (a viem local account, or anything that signs an EIP-191 message for its
   * address, e.g. `{ address, signMessage: ({ message }) => walletClient.signMessage({ message }) }`); the token is
   * kept for the scoped reads and returned.
   */
  signIn(account: MessageSigner): Promise<string>;
  collateral(user: Address): Promise<CollateralBalance[]>;
  payerGuarantees(user: Address, limit?: number): Promise<CoreGuarantee[]>;
  recipientGuarantees(recipient: Address, limit?: number): Promise<CoreGuarantee[]>;
  cycle(cycleId: bigint, asset: Address): Promise<Record<string, unknown> & { status: string }>;
  position(cycleId: bigint, asset: Address, participant: Address): Promise<CorePosition>;
  /** `POST /core/cycles/:cycleId/:asset/settlements`: hands Core a signed NetDebitSettlement (idempotent). */
  authorizeSettlement(
    cycleId: bigint,
    asset: Address,
    authorization: { debtor: Address; amount: bigint; signature: Hex },
  ): Promise<CoreSettlement>;
  /** `GET /core/cycles/:cycleId/:asset/settlements`: every authorization of the (cycle, asset). */
  settlements(cycleId: bigint, asset: Address): Promise<CoreSettlement[]>;
}

const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x));

/** A small client of Core's HTTP API (docs/core-api.md): the reads and the issuance the SDK needs. */
export function createCoreClient(options: CoreClientOptions): CoreClient {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  let token = options.token;

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown, auth = false): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth && token) headers.authorization = `Bearer ${token}`;
    const res = await doFetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : json(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CoreRequestError(
        res.status,
        `Core ${method} ${path} answered ${res.status}: ${error?.message ?? text.slice(0, 200)}`,
        {
          status: res.status,
          coreCode: error?.code,
        },
      );
    }
    return parsed as T;
  }

  const guaranteeOf = (g: Record<string, unknown>): CoreGuarantee => ({
    ...(g as unknown as CoreGuarantee),
    cycleId: BigInt(g.cycleId as string),
    reqId: BigInt(g.reqId as string),
    amount: BigInt(g.amount as string),
    timestamp: BigInt(g.timestamp as string),
  });

  const settlementOf = (s: Record<string, unknown>): CoreSettlement => ({
    ...(s as unknown as CoreSettlement),
    cycleId: BigInt(s.cycleId as string),
    amount: BigInt(s.amount as string),
  });

  return {
    url: base,
    publicParams: () => call("GET", "/core/public-params"),
    async issue(request, signature) {
      const c = await call<Record<string, unknown>>("POST", "/core/guarantees", { request, signature });
      return { ...(c as unknown as CoreCertificate), cycleId: BigInt(c.cycleId as string) };
    },
    async guarantee(id) {
      return guaranteeOf(await call("GET", `/core/guarantees/${id}`));
    },
    async signIn(account) {
      const n = await call<{ nonce: string; domain: string; uri: string; chainId: string; statement: string }>(
        "POST",
        "/core/auth/nonce",
        {},
      );
      const message = createSiweMessage({
        address: account.address,
        chainId: Number(n.chainId),
        domain: n.domain,
        nonce: n.nonce,
        uri: n.uri,
        version: "1",
        statement: n.statement,
      });
      const signature = await account.signMessage({ message });
      const s = await call<{ token: string }>("POST", "/core/auth/verify", { message, signature });
      token = s.token;
      return s.token;
    },
    async collateral(user) {
      const r = await call<{ balances: Record<string, string>[] }>(
        "GET",
        `/core/payers/${user}/collateral`,
        undefined,
        true,
      );
      return r.balances.map((b) => ({
        asset: b.asset as Address,
        deposited: BigInt(b.deposited!),
        locked: BigInt(b.locked!),
        pendingWithdrawal: BigInt(b.pendingWithdrawal!),
        available: BigInt(b.available!),
      }));
    },
    async payerGuarantees(user, limit = 100) {
      const r = await call<{ guarantees: Record<string, unknown>[] }>(
        "GET",
        `/core/payers/${user}/guarantees?limit=${limit}`,
        undefined,
        true,
      );
      return r.guarantees.map(guaranteeOf);
    },
    async recipientGuarantees(recipient, limit = 100) {
      const r = await call<{ guarantees: Record<string, unknown>[] }>(
        "GET",
        `/core/recipients/${recipient}/guarantees?limit=${limit}`,
        undefined,
        true,
      );
      return r.guarantees.map(guaranteeOf);
    },
    cycle: (cycleId, asset) => call("GET", `/core/cycles/${cycleId}/${asset.toLowerCase()}`),
    async position(cycleId, asset, participant) {
      const p = await call<Record<string, unknown>>(
        "GET",
        `/core/cycles/${cycleId}/${asset.toLowerCase()}/positions/${participant.toLowerCase()}`,
      );
      return {
        cycleId: BigInt(p.cycleId as string),
        asset: p.asset as Address,
        participant: p.participant as Address,
        status: p.status as string,
        role: p.role as CorePosition["role"],
        amount: BigInt(p.amount as string),
        grossOut: BigInt(p.grossOut as string),
        grossIn: BigInt(p.grossIn as string),
        root: p.root as Hex,
        leaf: (p.leaf as Hex | null) ?? null,
        proof: p.proof as Hex[],
      };
    },
    async authorizeSettlement(cycleId, asset, a) {
      return settlementOf(await call("POST", `/core/cycles/${cycleId}/${asset.toLowerCase()}/settlements`, a));
    },
    async settlements(cycleId, asset) {
      const r = await call<{ settlements: Record<string, unknown>[] }>(
        "GET",
        `/core/cycles/${cycleId}/${asset.toLowerCase()}/settlements`,
      );
      return r.settlements.map(settlementOf);
    },
  };
}
