import type { Address, Hex } from "viem";

import type { BlsG2Point } from "../../../protocol/bls/types.ts";

import type {
  GuaranteeStatus,
  GuaranteeStore,
  IssueOutcome,
  NewGuarantee,
  StoredGuarantee,
} from "../../issuance/guaranteeStore.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import { withRetry, type Database, type Queryable } from "./database.ts";

interface GuaranteeRow {
  guarantee_id: string;
  version: number;
  cycle_id: string;
  user_address: string;
  recipient: string;
  asset: string;
  req_id: string;
  amount: string;
  ts: string;
  status: string;
  content_hash: string;
  claims: string;
  bls_signature: string;
  signature_eip2537: BlsG2Point | string;
}

const COLUMNS =
  "guarantee_id, version, cycle_id, user_address, recipient, asset, req_id, amount, ts, status, content_hash, claims, bls_signature, signature_eip2537";

/** Issuance cause recorded in guarantee_transitions (written by the issue_guarantee function, migration 003). */
export const CAUSE_ISSUED = "ISSUED";

function toStored(r: GuaranteeRow): StoredGuarantee {
  return {
    guaranteeId: r.guarantee_id as Hex,
    version: Number(r.version),
    cycleId: fromDbAmount(r.cycle_id),
    user: r.user_address as Address,
    recipient: r.recipient as Address,
    asset: r.asset as Address,
    reqId: fromDbAmount(r.req_id),
    amount: fromDbAmount(r.amount),
    timestamp: BigInt(r.ts),
    status: r.status as GuaranteeStatus,
    contentHash: r.content_hash as Hex,
    certificate: {
      claims: r.claims as Hex,
      signature: r.bls_signature as Hex,
      // PGlite and pg both parse JSONB; the string branch guards a driver configured otherwise.
      signatureEip2537: typeof r.signature_eip2537 === "string" ? JSON.parse(r.signature_eip2537) : r.signature_eip2537,
    },
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One element of ISSUE_BATCH_SQL's array: the same values as ISSUE_SQL's parameters, by name. */
function batchElement(g: NewGuarantee) {
  return {
    id: g.guaranteeId,
    version: g.version,
    domain: g.domain,
    cycleId: toDbAmount(g.cycleId),
    user: g.user,
    recipient: g.recipient,
    asset: g.asset,
    reqId: toDbAmount(g.reqId),
    amount: toDbAmount(g.amount),
    ts: g.timestamp.toString(),
    status: g.status,
    contentHash: g.contentHash,
    request: g.request,
    payerSignature: g.payerSignature,
    claims: g.certificate.claims,
    signature: g.certificate.signature,
    signatureEip2537: g.certificate.signatureEip2537,
    validationRegistry: g.validationRegistry ?? null,
    validationRequestHash: g.validationRequestHash ?? null,
  };
}

async function findById(q: Queryable, id: Hex): Promise<GuaranteeRow | undefined> {
  const { rows } = await q.query<GuaranteeRow>(`SELECT ${COLUMNS} FROM guarantees WHERE guarantee_id = $1`, [id]);
  return rows[0];
}

/**
 * Issuance as one statement: the issue_guarantee function (migration 003) checks the id and the payer, inserts the
 * guarantee, takes the atomic conditional lock and writes the transition in one implicit transaction. One round
 * trip instead of seven (BEGIN, two reads, three writes, COMMIT), with the same checks in the same
 * order; see the migration for why the concurrency behaviour is unchanged.
 */
const ISSUE_SQL = `SELECT outcome, available FROM issue_guarantee($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
  $13, $14, $15, $16, $17, $18, $19)`;

/**
 * Group commit: several issuances in ONE statement, hence one transaction, calling the same issue_guarantee once per
 * element in array order (a nested loop over the elements; each call's statements take their own snapshot under
 * READ COMMITTED, exactly as in separate transactions, and a later element sees an earlier one's lock). The batch
 * is one JSON array parameter; `ord` maps each answer back to its request.
 */
const ISSUE_BATCH_SQL = `SELECT e.ord::int AS ord, r.outcome, r.available
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(g, ord)
  CROSS JOIN LATERAL issue_guarantee(e.g->>'id', (e.g->>'version')::smallint, e.g->>'domain',
    (e.g->>'cycleId')::numeric, e.g->>'user', e.g->>'recipient', e.g->>'asset', (e.g->>'reqId')::numeric,
    (e.g->>'amount')::numeric, (e.g->>'ts')::bigint, e.g->>'status', e.g->>'contentHash', e.g->'request',
    e.g->>'payerSignature', e.g->>'claims', e.g->>'signature', e.g->'signatureEip2537', e.g->>'validationRegistry',
    e.g->>'validationRequestHash') AS r`;

type BatchRow = { ord: number; outcome: string; available: string | null };

/** Issuances of one batch at most (a bound on the statement's size and on the locks one transaction holds). */
const MAX_BATCH = 64;

export interface GuaranteeRepositoryOptions {
  /**
   * Group commit (PostgreSQL): issuances that arrive while one batch is in the database go together in the next
   * batch, one statement and one commit for all of them; each caller still gets its answer only after that commit.
   * Off: one statement per issuance.
   */
  groupCommit?: boolean;
}

/** Where a page of a payer's or recipient's guarantees ends: (created_at in microseconds, guarantee_id), unique. */
export interface GuaranteePageKey {
  createdAtMicros: bigint;
  guaranteeId: Hex;
}

export interface GuaranteePage {
  guarantees: StoredGuarantee[];
  /** The key of the last row when the page is full (more may follow), else undefined. */
  last: GuaranteePageKey | undefined;
}

export type ListGuarantees = (who: Address, limit: number, after?: GuaranteePageKey) => Promise<GuaranteePage>;

export function createGuaranteeRepository(
  db: Database,
  options: GuaranteeRepositoryOptions = {},
): GuaranteeStore & {
  listByUser: ListGuarantees;
  listByRecipient: ListGuarantees;
} {
  const map = toStored;

  async function issueOne(g: NewGuarantee): Promise<IssueOutcome> {
    const params = [
      g.guaranteeId,
      g.version,
      g.domain,
      toDbAmount(g.cycleId),
      g.user,
      g.recipient,
      g.asset,
      toDbAmount(g.reqId),
      toDbAmount(g.amount),
      g.timestamp.toString(),
      g.status,
      g.contentHash,
      JSON.stringify(g.request),
      g.payerSignature,
      g.certificate.claims,
      g.certificate.signature,
      JSON.stringify(g.certificate.signatureEip2537),
      g.validationRegistry ?? null,
      g.validationRequestHash ?? null,
    ];
    // One statement is one transaction: retried from the start on a serialization failure or deadlock.
    const { rows } = await withRetry(
      () => db.query<{ outcome: string; available: string | null }>(ISSUE_SQL, params),
      5,
    );
    return outcomeOf(g, rows[0]);
  }

  async function outcomeOf(
    g: NewGuarantee,
    row: { outcome: string; available: string | null } | undefined,
  ): Promise<IssueOutcome> {
    switch (row?.outcome) {
      case "ISSUED": {
        const {
          request: _r,
          payerSignature: _p,
          domain: _d,
          validationRegistry: _v,
          validationRequestHash: _h,
          ...stored
        } = g;
        return { outcome: "ISSUED", stored };
      }
      case "EXISTING": {
        // Committed before the function saw it, and guarantee rows are never deleted once committed.
        const existing = await findById(db, g.guaranteeId);
        if (!existing) throw new Error(`guarantee ${g.guaranteeId} exists but is not visible`);
        return { outcome: "EXISTING", stored: map(existing) };
      }
      case "PAYER_SUSPENDED":
        return { outcome: "PAYER_SUSPENDED" };
      case "INSUFFICIENT_COLLATERAL":
        return { outcome: "INSUFFICIENT_COLLATERAL", available: fromDbAmount(row.available) };
      default:
        throw new Error(`issue_guarantee returned an unknown outcome: ${String(row?.outcome)}`);
    }
  }

  /** Waiting issuances, and whether a batch is in the database: at most one at a time, the others queue behind it. */
  let queue: { g: NewGuarantee; resolve: (o: IssueOutcome) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = false;

  function issueGrouped(g: NewGuarantee): Promise<IssueOutcome> {
    return new Promise((resolve, reject) => {
      queue.push({ g, resolve, reject });
      if (!inFlight) void flush();
    });
  }

  async function flush(): Promise<void> {
    inFlight = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(MAX_BATCH);
        if (batch.length === 1) await issueOne(batch[0]!.g).then(batch[0]!.resolve, batch[0]!.reject);
        else await issueBatch(batch);
      }
    } finally {
      inFlight = false;
    }
  }

  async function issueBatch(batch: typeof queue): Promise<void> {
    // One lock order for every batch (payer, asset, id), so that the batches of two Core processes do not deadlock
    // on each other's balance rows.
    batch.sort(
      (a, b) =>
        compare(a.g.user, b.g.user) || compare(a.g.asset, b.g.asset) || compare(a.g.guaranteeId, b.g.guaranteeId),
    );
    let rows: BatchRow[];
    try {
      ({ rows } = await db.query<BatchRow>(ISSUE_BATCH_SQL, [JSON.stringify(batch.map(({ g }) => batchElement(g)))]));
    } catch {
      // Nothing of the batch was written (one statement). Each issuance then runs alone, with its own retries, so
      // that one request's failure (a bad value, a deadlock) is that request's answer only, as without group commit.
      await Promise.all(batch.map(({ g, resolve, reject }) => issueOne(g).then(resolve, reject)));
      return;
    }
    // Committed: every answer may go out now.
    const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
    await Promise.all(batch.map(({ g, resolve, reject }, i) => outcomeOf(g, byOrd.get(i + 1)).then(resolve, reject)));
  }

  return {
    issue: options.groupCommit ? issueGrouped : issueOne,
    async get(id) {
      const row = await findById(db, id);
      return row && map(row);
    },
    async listByUser(user, limit, after) {
      return list("user_address", user, limit, after);
    },
    async listByRecipient(recipient, limit, after) {
      return list("recipient", recipient, limit, after);
    },
  };

  /**
   * Newest first, keyed on (created_at, guarantee_id): unique and totally ordered, so pages neither skip nor repeat
   * a row, and guarantees issued while a client pages (newer) never shift the pages it has not read yet.
   */
  async function list(column: "user_address" | "recipient", who: Address, limit: number, after?: GuaranteePageKey) {
    const select = `SELECT ${COLUMNS}, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_us
      FROM guarantees WHERE ${column} = $1`;
    const order = `ORDER BY created_at DESC, guarantee_id COLLATE "C" DESC`;
    const { rows } = after
      ? await db.query<GuaranteeRow & { created_us: string }>(
          `${select} AND created_at <= (timestamptz 'epoch' + $2::bigint * interval '1 microsecond')
             AND (created_at < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond')
                  OR guarantee_id COLLATE "C" < $3)
           ${order} LIMIT $4`,
          [who, after.createdAtMicros.toString(), after.guaranteeId, limit],
        )
      : await db.query<GuaranteeRow & { created_us: string }>(`${select} ${order} LIMIT $2`, [who, limit]);
    const lastRow = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      guarantees: rows.map(map),
      last: lastRow && { createdAtMicros: BigInt(lastRow.created_us), guaranteeId: lastRow.guarantee_id as Hex },
    };
  }
}
