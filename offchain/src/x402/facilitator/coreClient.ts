import http from "node:http";
import https from "node:https";

import type { Address, Hex } from "viem";

import type { ScheduleSegment } from "../../protocol/cycles/cycleSchedule.ts";

/**
 * The facilitator's port to Core: its public HTTP API (docs/core-api.md), nothing of its internals. `send` is the
 * transport: `fetch` against Core's URL, or Fastify's `inject` when the facilitator is mounted in Core's process.
 */
export type CoreTransport = (
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: unknown }>;

/** `fetch` against a Core base URL, with a per-call timeout (httpTransport is the facilitator's default). */
export function fetchTransport(baseUrl: string, timeoutMs = 10_000): CoreTransport {
  const base = baseUrl.replace(/\/+$/, "");
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  };
}

/** The largest Core answer the HTTP transport reads (Core's answers are a few kilobytes). */
const MAX_CORE_ANSWER_BYTES = 4 * 1024 * 1024;

/** A transport that can release its connections. */
export type ClosableCoreTransport = CoreTransport & { close(): void };

/**
 * Node's `http`/`https` against a Core base URL over one keep-alive agent (TCP_NODELAY, connections reused), with a
 * deadline per call covering the answer's body. The facilitator's default: on the paid-request path it costs about
 * half of what `fetch` does per call on the bench machine (undici's fetch builds WHATWG streams, a Request and a
 * Response for each call), and the connection stays open between calls. A call that fails with ECONNRESET on a
 * reused connection (Core closed it while idle, the race the Node docs describe) is sent once more on a fresh one:
 * every call the facilitator makes is a read or an issuance, which Core answers idempotently (the same signed
 * request gets the same certificate, `created: false`).
 */
export function httpTransport(baseUrl: string, timeoutMs = 10_000): ClosableCoreTransport {
  const base = baseUrl.replace(/\/+$/, "");
  const secure = new URL(base).protocol === "https:";
  const agent = secure
    ? new https.Agent({ keepAlive: true, noDelay: true })
    : new http.Agent({ keepAlive: true, noDelay: true });
  const request = secure ? https.request : http.request;
  const once = (
    method: string,
    path: string,
    payload: Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: unknown; reused: boolean; error?: Error & { code?: string } }> =>
    new Promise((resolve) => {
      let settled = false;
      const done = (v: { status: number; body: unknown; reused: boolean; error?: Error }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const req = request(
        `${base}${path}`,
        {
          method,
          agent,
          headers: payload
            ? { ...headers, "content-type": "application/json", "content-length": String(payload.length) }
            : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_CORE_ANSWER_BYTES)
              req.destroy(new Error(`Core answered more than ${MAX_CORE_ANSWER_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = undefined;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            done({ status: res.statusCode ?? 0, body: parsed, reused: req.reusedSocket });
          });
          res.on("error", (error) => done({ status: 0, body: undefined, reused: req.reusedSocket, error }));
          res.on("close", () => {
            if (!res.complete) {
              const error = Object.assign(new Error("Core closed the connection mid-answer"), { code: "ECONNRESET" });
              done({ status: 0, body: undefined, reused: req.reusedSocket, error });
            }
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`Core did not answer within ${timeoutMs} ms`)), timeoutMs);
      req.on("error", (error) => done({ status: 0, body: undefined, reused: req.reusedSocket, error }));
      req.end(payload);
    });
  const send: CoreTransport = async (method, path, body, headers = {}) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    let r = await once(method, path, payload, headers);
    if (r.error && r.reused && r.error.code === "ECONNRESET") r = await once(method, path, payload, headers);
    if (r.error) throw r.error;
    return { status: r.status, body: r.body };
  };
  return Object.assign(send, { close: () => agent.destroy() });
}

/** What the facilitator reads of `GET /core/public-params`. */
export interface CorePublicParams {
  chainId: bigint;
  core4Mica: Address;
  blsPublicKey: Hex;
  /** Version -> guarantee domain. */
  guaranteeDomains: Record<string, Hex>;
  acceptedVersions: number[];
  freshness: { pastSeconds: bigint; futureSeconds: bigint };
  cycleSchedule: {
    genesis: bigint;
    cycleLength: bigint;
    resolutionCutoff: bigint;
    commitDelay: bigint;
    paymentWindow: bigint;
    finalityWindow: bigint;
  };
}

export interface IssuedCertificate {
  guaranteeId: Hex;
  cycleId: string;
  status: string;
  claims: Hex;
  signature: Hex;
}

export type IssueOutcome =
  | { ok: true; created: boolean; certificate: IssuedCertificate }
  | { ok: false; httpStatus: number; code: string; message: string };

export interface CoreClient {
  publicParams(): Promise<CorePublicParams>;
  /** `POST /core/guarantees`; a thrown error means Core could not be reached or answered garbage. */
  issue(request: Record<string, unknown>, signature: Hex): Promise<IssueOutcome>;
  /** The payer's free collateral in `asset`, read with the payer's own SIWE bearer token; undefined without one. */
  freeCollateral(payer: Address, asset: Address, bearer: string | undefined): Promise<bigint | undefined>;
  /**
   * The ClearingHouse's whole schedule, oldest segment first, as Core reads it from the chain (`GET /core/cycles`,
   * its `schedule`); undefined when Core serves no cycle API (no ClearingHouse: the genesis segment of
   * `publicParams().cycleSchedule` is then the whole schedule). Optional for ports written before it existed.
   */
  scheduleSegments?(): Promise<ScheduleSegment[] | undefined>;
}

export class CoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CoreUnavailableError";
  }
}

const big = (v: unknown, what: string): bigint => {
  if (typeof v === "string" || typeof v === "number") return BigInt(v);
  throw new CoreUnavailableError(`Core public-params lacks ${what}`);
};

/**
 * How the client batches issuances (docs/core-api.md, "Batched issuance"). Up to `maxInFlight` calls to Core run at
 * once, each a plain `POST /core/guarantees`; an issuance that arrives while all of them are busy waits, and the
 * waiting ones leave together, up to `maxBatch`, as one `POST /core/guarantees/batch` when a call returns. So an idle
 * facilitator adds no delay (nothing waits for a timer), and a busy one sends fewer, larger requests, which is where
 * Core's cost per guarantee falls (bench/issuance.bench.ts, the batched cases). A Core without the batch route (404)
 * gets every later issuance one by one.
 */
export interface IssueBatching {
  maxInFlight: number;
  maxBatch: number;
}

/** The facilitator's default: four calls at once, then batches of up to 64 (Core's most). */
export const DEFAULT_ISSUE_BATCHING: IssueBatching = { maxInFlight: 4, maxBatch: 64 };

export function createCoreClient(
  send: CoreTransport,
  options: { issueBatching?: IssueBatching | false } = {},
): CoreClient {
  const call: CoreTransport = async (...args) => {
    try {
      return await send(...args);
    } catch (cause) {
      throw new CoreUnavailableError(`Core unreachable: ${(cause as Error).message}`, { cause });
    }
  };
  const issueOne = async (request: Record<string, unknown>, signature: Hex): Promise<IssueOutcome> => {
    const res = await call("POST", "/core/guarantees", { request, signature });
    return issueOutcome(res.status, res.body);
  };
  const batching = options.issueBatching === undefined ? DEFAULT_ISSUE_BATCHING : options.issueBatching;
  const issue = batching ? createIssueQueue(batching, issueOne, call) : issueOne;
  return {
    async publicParams() {
      const res = await call("GET", "/core/public-params");
      const b = res.body as Record<string, any> | undefined;
      if (res.status !== 200 || !b) throw new CoreUnavailableError(`Core public-params answered ${res.status}`);
      const s = b.cycleSchedule ?? {};
      return {
        chainId: big(b.chainId, "chainId"),
        core4Mica: b.core4Mica as Address,
        blsPublicKey: b.blsPublicKey as Hex,
        guaranteeDomains: b.guaranteeDomains as Record<string, Hex>,
        acceptedVersions: b.acceptedVersions as number[],
        freshness: {
          pastSeconds: big(b.freshness?.pastSeconds, "freshness"),
          futureSeconds: big(b.freshness?.futureSeconds, "freshness"),
        },
        cycleSchedule: {
          genesis: big(s.genesis, "cycleSchedule"),
          cycleLength: big(s.cycleLength, "cycleSchedule"),
          resolutionCutoff: big(s.resolutionCutoff, "cycleSchedule"),
          commitDelay: big(s.commitDelay, "cycleSchedule"),
          paymentWindow: big(s.paymentWindow, "cycleSchedule"),
          finalityWindow: big(s.finalityWindow, "cycleSchedule"),
        },
      };
    },
    issue,
    async freeCollateral(payer, asset, bearer) {
      if (!bearer) return undefined;
      const res = await call("GET", `/core/payers/${payer}/collateral`, undefined, {
        authorization: `Bearer ${bearer}`,
      });
      if (res.status !== 200) return undefined;
      const balances = ((res.body as any)?.balances ?? []) as { asset: string; available: string }[];
      const row = balances.find((r) => r.asset.toLowerCase() === asset.toLowerCase());
      return row ? BigInt(row.available) : 0n;
    },
    async scheduleSegments() {
      const res = await call("GET", "/core/cycles?limit=1");
      if (res.status === 404) return undefined;
      const schedule = (res.body as { schedule?: unknown } | undefined)?.schedule;
      if (res.status !== 200 || !Array.isArray(schedule) || schedule.length === 0) {
        throw new CoreUnavailableError(`Core cycles answered ${res.status} without a schedule`);
      }
      return schedule.map((s: Record<string, unknown>) => ({
        startTime: big(s.startTime, "schedule.startTime"),
        firstCycleId: big(s.firstCycleId, "schedule.firstCycleId"),
        cycleLength: big(s.cycleLength, "schedule.cycleLength"),
        resolutionCutoff: big(s.resolutionCutoff, "schedule.resolutionCutoff"),
        commitDelay: big(s.commitDelay, "schedule.commitDelay"),
        paymentWindow: big(s.paymentWindow, "schedule.paymentWindow"),
        finalityWindow: big(s.finalityWindow, "schedule.finalityWindow"),
      }));
    },
  };
}

/**
 * One issuance answer (`POST /core/guarantees`, or one item of a batch): a certificate, a refusal with its code
 * (4xx), or CoreUnavailableError (5xx, garbage).
 */
function issueOutcome(status: number, body: unknown): IssueOutcome {
  const b = body as Record<string, any> | undefined;
  if ((status === 200 || status === 201) && b && typeof b.claims === "string") {
    return {
      ok: true,
      created: status === 201,
      certificate: {
        guaranteeId: b.guaranteeId,
        cycleId: String(b.cycleId),
        status: String(b.status),
        claims: b.claims as Hex,
        signature: b.signature,
      },
    };
  }
  if (status >= 400 && status < 500 && b?.error?.code) {
    return { ok: false, httpStatus: status, code: String(b.error.code), message: String(b.error.message) };
  }
  throw new CoreUnavailableError(`Core issuance answered ${status}${b?.error?.code ? ` ${b.error.code}` : ""}`);
}

interface Waiting {
  body: { request: Record<string, unknown>; signature: Hex };
  resolve: (o: IssueOutcome) => void;
  reject: (e: unknown) => void;
}

/** See {@link IssueBatching}. */
function createIssueQueue(
  limits: IssueBatching,
  issueOne: (request: Record<string, unknown>, signature: Hex) => Promise<IssueOutcome>,
  call: CoreTransport,
): CoreClient["issue"] {
  const maxInFlight = Math.max(1, Math.floor(limits.maxInFlight));
  const maxBatch = Math.max(1, Math.floor(limits.maxBatch));
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let batchRoute = true;

  const settle = (w: Waiting, run: () => IssueOutcome) => {
    try {
      w.resolve(run());
    } catch (e) {
      w.reject(e);
    }
  };
  const sendBatch = async (batch: Waiting[]): Promise<void> => {
    if (batch.length === 1 || !batchRoute) {
      await Promise.all(batch.map((w) => issueOne(w.body.request, w.body.signature).then(w.resolve, w.reject)));
      return;
    }
    let res: { status: number; body: unknown };
    try {
      res = await call("POST", "/core/guarantees/batch", { guarantees: batch.map((w) => w.body) });
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    const results = (res.body as { results?: unknown } | undefined)?.results;
    if (res.status === 200 && Array.isArray(results) && results.length === batch.length) {
      batch.forEach((w, i) => {
        const item = results[i] as { status?: unknown; certificate?: unknown; error?: unknown } | null;
        const status = typeof item?.status === "number" ? item.status : 0;
        settle(w, () => issueOutcome(status, item?.certificate ?? { error: item?.error }));
      });
      return;
    }
    if (res.status === 404) {
      // A Core from before the batch route: one by one from now on.
      batchRoute = false;
      await sendBatch(batch);
      return;
    }
    // The batch as a whole was refused (rate limit, say) or garbled: every item gets that answer.
    for (const w of batch) settle(w, () => issueOutcome(res.status, res.body));
  };
  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      void sendBatch(batch)
        .catch((e: unknown) => {
          for (const w of batch) w.reject(e);
        })
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  };
  return (request, signature) =>
    new Promise<IssueOutcome>((resolve, reject) => {
      waiting.push({ body: { request, signature }, resolve, reject });
      pump();
    });
}
