import type { Address, Hex } from "viem";

import type { GuaranteeStatus } from "../../issuance/guaranteeStore.ts";
import type { LifecycleGuarantee, LifecycleStore, PendingValidation } from "../../lifecycle/lifecycleStore.ts";
import { fromDbAmount } from "./amounts.ts";
import { applyMutations } from "./applyMutations.ts";
import type { Database } from "./database.ts";

interface Row {
  guarantee_id: string;
  version: number;
  user_address: string;
  recipient: string;
  asset: string;
  amount: string;
  status: string;
  lock_held: boolean;
  ts: string;
}

const COLUMNS = "guarantee_id, version, user_address, recipient, asset, amount, status, lock_held, ts";

export function toLifecycleGuarantee(r: Row): LifecycleGuarantee {
  return {
    guaranteeId: r.guarantee_id as Hex,
    version: Number(r.version),
    user: r.user_address as Address,
    recipient: r.recipient as Address,
    asset: r.asset as Address,
    amount: fromDbAmount(r.amount),
    status: r.status as GuaranteeStatus,
    lockHeld: r.lock_held,
    timestamp: BigInt(r.ts),
  };
}

/** LifecycleStore on the Core database. */
export function createLifecycleRepository(db: Database): LifecycleStore {
  return {
    async get(guaranteeId) {
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM guarantees WHERE guarantee_id = $1`, [
        guaranteeId.toLowerCase(),
      ]);
      return rows[0] && toLifecycleGuarantee(rows[0]);
    },

    async apply(mutations) {
      if (mutations.length === 0) return;
      await db.transaction((tx) => applyMutations(tx, mutations));
    },

    async listPendingValidation(limit, after) {
      const { rows } = await db.query<
        Row & {
          validation_registry: string;
          validation_request_hash: string;
          validator_address: string;
          validator_agent_id: string;
          min_validation_score: string;
          required_validation_tag: string;
        }
      >(
        `SELECT ${COLUMNS}, validation_registry, validation_request_hash,
                request->'policy'->>'validatorAddress' AS validator_address,
                request->'policy'->>'validatorAgentId' AS validator_agent_id,
                request->'policy'->>'minValidationScore' AS min_validation_score,
                request->'policy'->>'requiredValidationTag' AS required_validation_tag
         FROM guarantees
         WHERE status = 'PENDING_VALIDATION' AND validation_registry IS NOT NULL
           AND (ts, guarantee_id) > ($1::bigint, $2)
         ORDER BY ts, guarantee_id LIMIT $3`,
        [after ? after.timestamp.toString() : "-1", after?.guaranteeId ?? "", limit],
      );
      return rows.map((r): PendingValidation => ({
        guarantee: toLifecycleGuarantee(r),
        registry: r.validation_registry as Address,
        requestHash: r.validation_request_hash as Hex,
        policy: {
          validatorAddress: r.validator_address as Address,
          validatorAgentId: BigInt(r.validator_agent_id),
          minValidationScore: Number(r.min_validation_score),
          requiredValidationTag: r.required_validation_tag ?? "",
        },
      }));
    },

    async listExpiryCandidates(maxTimestamp, limit) {
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM guarantees
         WHERE lock_held AND ts <= $1 AND status IN ('PENDING_VALIDATION', 'FINALIZED_PAYABLE', 'DISPUTED', 'CANCELLED')
         ORDER BY ts, guarantee_id LIMIT $2`,
        [maxTimestamp.toString(), limit],
      );
      return rows.map(toLifecycleGuarantee);
    },
  };
}
