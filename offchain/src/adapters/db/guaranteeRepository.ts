import type { Address, Hex } from "viem";

import type { BlsG2Point } from "../../core/bls/types.ts";

import type {
  GuaranteeStatus,
  GuaranteeStore,
  IssueOutcome,
  NewGuarantee,
  StoredGuarantee,
} from "../../core/issuance/guaranteeStore.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type { Database, Queryable } from "./database.ts";

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

/** Issuance cause recorded in guarantee_transitions. */
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

async function findById(q: Queryable, id: Hex): Promise<GuaranteeRow | undefined> {
  const { rows } = await q.query<GuaranteeRow>(`SELECT ${COLUMNS} FROM guarantees WHERE guarantee_id = $1`, [id]);
  return rows[0];
}

/**
 * The atomic conditional collateral lock: one statement. Row-level locking makes concurrent lockers of the same
 * (user, asset) queue; each re-evaluates the WHERE clause on the committed row (READ COMMITTED), so the sum
 * locked can never exceed what is available, whatever the number of replicas.
 */
const LOCK_SQL = `UPDATE balances SET locked = locked + $3, updated_at = now()
  WHERE user_address = $1 AND asset = $2 AND deposited - locked - pending_withdrawal >= $3
  RETURNING locked`;

export function createGuaranteeRepository(db: Database): GuaranteeStore & {
  listByUser(user: Address, limit: number, before?: Date): Promise<StoredGuarantee[]>;
  listByRecipient(recipient: Address, limit: number, before?: Date): Promise<StoredGuarantee[]>;
} {
  const map = toStored;

  async function issue(g: NewGuarantee): Promise<IssueOutcome> {
    return db
      .transaction<IssueOutcome>(async (tx) => {
        const existing = await findById(tx, g.guaranteeId);
        if (existing) return { outcome: "EXISTING", stored: map(existing) };

        const user = await tx.query<{ suspended: boolean }>("SELECT suspended FROM users WHERE address = $1", [g.user]);
        if (user.rows[0]?.suspended) return { outcome: "PAYER_SUSPENDED" };

        // Insert first: a concurrent request with the same id waits here on the unique index, then sees the row.
        const inserted = await tx.query(
          `INSERT INTO guarantees (guarantee_id, version, domain, cycle_id, user_address, recipient, asset, req_id, amount,
           ts, status, content_hash, request, payer_signature, claims, bls_signature, signature_eip2537, validation_registry,
           validation_request_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (guarantee_id) DO NOTHING`,
          [
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
          ],
        );
        if (inserted.rowCount === 0) {
          const raced = await findById(tx, g.guaranteeId);
          if (!raced) throw new Error(`guarantee ${g.guaranteeId} conflicted but is not visible`);
          return { outcome: "EXISTING", stored: map(raced) };
        }

        const locked = await tx.query(LOCK_SQL, [g.user, g.asset, toDbAmount(g.amount)]);
        if (locked.rowCount !== 1) {
          const available = await availableOf(tx, g.user, g.asset);
          // Undo the insert: throwing rolls back; the outcome is carried out of the transaction by the sentinel.
          throw new InsufficientSentinel(available);
        }

        await tx.query(
          `INSERT INTO guarantee_transitions (guarantee_id, from_status, to_status, cause) VALUES ($1, NULL, $2, $3)`,
          [g.guaranteeId, g.status, CAUSE_ISSUED],
        );
        const {
          request: _r,
          payerSignature: _p,
          domain: _d,
          validationRegistry: _v,
          validationRequestHash: _h,
          ...stored
        } = g;
        return { outcome: "ISSUED", stored };
      })
      .catch((e: unknown) => {
        if (e instanceof InsufficientSentinel)
          return { outcome: "INSUFFICIENT_COLLATERAL", available: e.available } as const;
        throw e;
      });
  }

  return {
    issue,
    async get(id) {
      const row = await findById(db, id);
      return row && map(row);
    },
    async listByUser(user, limit, before) {
      return list("user_address", user, limit, before);
    },
    async listByRecipient(recipient, limit, before) {
      return list("recipient", recipient, limit, before);
    },
  };

  async function list(column: "user_address" | "recipient", who: Address, limit: number, before?: Date) {
    const { rows } = await db.query<GuaranteeRow>(
      `SELECT ${COLUMNS} FROM guarantees WHERE ${column} = $1 AND created_at < $2
       ORDER BY created_at DESC, guarantee_id LIMIT $3`,
      [who, (before ?? new Date("9999-01-01")).toISOString(), limit],
    );
    return rows.map(map);
  }
}

class InsufficientSentinel extends Error {
  readonly available: bigint;
  constructor(available: bigint) {
    super("insufficient collateral");
    this.available = available;
  }
}

async function availableOf(q: Queryable, user: Address, asset: Address): Promise<bigint> {
  const { rows } = await q.query<{ available: string }>(
    `SELECT GREATEST(deposited - locked - pending_withdrawal, 0)::text AS available
     FROM balances WHERE user_address = $1 AND asset = $2`,
    [user, asset],
  );
  return rows[0] ? fromDbAmount(rows[0].available) : 0n;
}
