import type { Hex } from "viem";
import { z } from "zod";

import { AuditCode, AuditError } from "../errors.ts";
import { g2Uncompressed } from "../checkEvidence.ts";
import type { PublishedBatchSource, PublishedCycle, PublishedGuarantee, PublishedPosition } from "../types.ts";

export type FetchLike = (url: string) => Promise<{ status: number; json(): Promise<unknown> }>;

const uint = z
  .string()
  .regex(/^[0-9]+$/)
  .transform(BigInt);
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/) as unknown as z.ZodType<Hex>;
const g2Words = z.object({
  x_c0_a: hex,
  x_c0_b: hex,
  x_c1_a: hex,
  x_c1_b: hex,
  y_c0_a: hex,
  y_c0_b: hex,
  y_c1_a: hex,
  y_c1_b: hex,
});
const certificate = z.object({ claims: hex, signature: hex, signatureEip2537: g2Words.optional() });
const cycleSchema = z.object({
  cycleId: uint,
  asset: hex,
  status: z.string(),
  batch: z
    .object({
      root: hex,
      batchHash: hex,
      totalNetDebit: uint,
      totalNetCredit: uint,
      guaranteeCount: z.number().int(),
      debtorCount: z.number().int(),
      creditorCount: z.number().int(),
      v2GuaranteeIds: z.array(hex),
      commitBlock: uint.nullable(),
    })
    .nullable(),
});
const positionSchema = z.object({
  participant: hex,
  role: z.enum(["NET_DEBTOR", "NET_CREDITOR", "FLAT"]),
  amount: uint,
  grossOut: uint,
  grossIn: uint,
});
/** A batch page entry. `certificate` and `payerSignature` are read when Core publishes them with the batch. */
const guaranteeSchema = z.object({
  guaranteeId: hex,
  version: z.number().int(),
  cycleId: uint,
  user: hex,
  recipient: hex,
  amount: uint,
  certificate: certificate.optional(),
  payerSignature: hex.optional(),
});
const batchPage = z.object({ guarantees: z.array(guaranteeSchema), next: z.string().nullable() });
const positionPage = z.object({ positions: z.array(positionSchema), next: z.string().nullable() });
const guaranteeAnswer = z.object({ certificate });

export interface CoreBatchSourceOptions {
  /** Core's base URL, e.g. `http://127.0.0.1:8080`. */
  coreUrl: string;
  cycleId: bigint;
  asset: Hex;
  /** Guarantees per batch page (1 to 10,000; default 5,000). */
  pageSize?: number;
  /** Parallel GET /core/guarantees/:id while a page carries no certificates (default 16). */
  concurrency?: number;
  fetch?: FetchLike;
}

/**
 * The published batch, read from Core's public cycle API: the cycle (`GET /core/cycles/:cycleId/:asset`), its
 * positions (`.../positions`, paged) and its guarantees (`.../batch`, paged by cursor). A page entry without its
 * certificate gets it from the public `GET /core/guarantees/:id`. Throws AuditError (UNREACHABLE, BAD_PUBLICATION).
 */
export function coreBatchSource(options: CoreBatchSourceOptions): PublishedBatchSource {
  const base = `${options.coreUrl.replace(/\/+$/, "")}/core/cycles/${options.cycleId}/${options.asset}`;
  const fetchJson = options.fetch ?? (async (url: string) => fetch(url));
  const pageSize = options.pageSize ?? 5_000;
  const concurrency = options.concurrency ?? 16;

  async function get<T>(url: string, schema: z.ZodType<T>): Promise<T> {
    let res: { status: number; json(): Promise<unknown> };
    try {
      res = await fetchJson(url);
    } catch (cause) {
      throw new AuditError(AuditCode.UNREACHABLE, `Core did not answer ${url}`, { url }, cause);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (cause) {
      throw new AuditError(
        AuditCode.BAD_PUBLICATION,
        `Core's answer to ${url} is not JSON`,
        { url, status: res.status },
        cause,
      );
    }
    if (res.status !== 200) {
      const error = (body as { error?: { code?: string; message?: string } })?.error;
      throw new AuditError(
        AuditCode.BAD_PUBLICATION,
        `Core answered ${res.status} ${error?.code ?? ""} to ${url}: ${error?.message ?? ""}`,
        { url, status: res.status, code: error?.code },
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new AuditError(
        AuditCode.BAD_PUBLICATION,
        `Core's answer to ${url} is not the published shape: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`,
        { url },
      );
    }
    return parsed.data;
  }

  const blsOf = (c: z.infer<typeof certificate>): Hex =>
    c.signatureEip2537 ? g2Uncompressed(c.signatureEip2537) : c.signature;

  return {
    async cycle(): Promise<PublishedCycle> {
      const c = await get(base, cycleSchema);
      if (!c.batch) {
        throw new AuditError(
          AuditCode.BAD_PUBLICATION,
          `cycle ${options.cycleId} of ${options.asset} has no published batch (status ${c.status})`,
          { status: c.status },
        );
      }
      return { ...c, batch: { ...c.batch, commitBlock: c.batch.commitBlock ?? undefined } };
    },
    async positions(): Promise<PublishedPosition[]> {
      const out: PublishedPosition[] = [];
      let cursor: string | null = null;
      do {
        const page: z.infer<typeof positionPage> = await get(
          `${base}/positions?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          positionPage,
        );
        out.push(...page.positions);
        cursor = page.next;
      } while (cursor);
      return out;
    },
    async *pages(): AsyncIterable<PublishedGuarantee[]> {
      let cursor: string | null = null;
      do {
        const page: z.infer<typeof batchPage> = await get(
          `${base}/batch?limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
          batchPage,
        );
        const guarantees: PublishedGuarantee[] = page.guarantees.map((g) => ({
          guaranteeId: g.guaranteeId,
          version: g.version,
          cycleId: g.cycleId,
          user: g.user,
          recipient: g.recipient,
          amount: g.amount,
          certificate: g.certificate && { claims: g.certificate.claims, blsSignature: blsOf(g.certificate) },
          payerSignature: g.payerSignature,
        }));
        const missing = guarantees.filter((g) => !g.certificate);
        for (let at = 0; at < missing.length; at += concurrency) {
          await Promise.all(
            missing.slice(at, at + concurrency).map(async (g) => {
              const answer = await get(
                `${options.coreUrl.replace(/\/+$/, "")}/core/guarantees/${g.guaranteeId}`,
                guaranteeAnswer,
              ).catch((e: unknown) => {
                if (e instanceof AuditError && e.code === AuditCode.UNREACHABLE) throw e;
                return undefined;
              });
              if (answer)
                g.certificate = { claims: answer.certificate.claims, blsSignature: blsOf(answer.certificate) };
            }),
          );
        }
        yield guarantees;
        cursor = page.next;
      } while (cursor);
    },
  };
}
