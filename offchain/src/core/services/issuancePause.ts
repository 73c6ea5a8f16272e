import type { Logger } from "pino";

import type { Database } from "../adapters/db/database.ts";
import {
  readOperatorControl,
  setOperatorControl,
  type OperatorControl,
} from "../adapters/db/operatorControlsRepository.ts";

export const ISSUANCE_CONTROL = "issuance";

/** Default pause poll: the bound (plus one query) within which every Core on the database follows a pause. */
export const DEFAULT_OPERATOR_POLL_MS = 1_000;

export interface IssuancePause {
  /** The switch as this process last saw it: synchronous, so issuance pays no query for it. */
  isPaused(): boolean;
  state(): OperatorControl;
  /** Persists the pause and applies it in this process before returning. */
  pause(reason: string): Promise<{ control: OperatorControl; changed: boolean }>;
  resume(reason: string): Promise<{ control: OperatorControl; changed: boolean }>;
  /** Reads the stored switch now (the poll does it every `pollMs`). */
  refresh(): Promise<OperatorControl>;
  stop(): void;
}

/**
 * The issuance switch of incident response (docs/operations.md, "Incident response"): stored in operator_controls
 * (migration 006) so that it survives restarts and holds for every Core process on the database. The process that
 * receives the command applies it at once; the others read the row every `pollMs` (default 1 s), so a pause holds
 * everywhere within `pollMs` plus one query. A failed poll keeps the last state seen (and is logged).
 */
export async function createIssuancePause(
  db: Database,
  { pollMs = DEFAULT_OPERATOR_POLL_MS, logger }: { pollMs?: number; logger?: Logger } = {},
): Promise<IssuancePause> {
  let current = await readOrFail(db);
  let stopped = false;
  const apply = (c: OperatorControl) => {
    if (c.paused !== current.paused) logger?.warn({ control: c }, c.paused ? "issuance paused" : "issuance resumed");
    current = c;
    return c;
  };
  const timer = setInterval(() => {
    readOrFail(db).then(
      (c) => !stopped && apply(c),
      (e: unknown) => logger?.warn({ err: e }, "cannot read the issuance switch; keeping the last state"),
    );
  }, pollMs);
  timer.unref();
  const set = async (paused: boolean, reason: string) => {
    const r = await setOperatorControl(db, ISSUANCE_CONTROL, paused, reason);
    apply(r.control);
    return r;
  };
  return {
    isPaused: () => current.paused,
    state: () => ({ ...current }),
    pause: (reason) => set(true, reason),
    resume: (reason) => set(false, reason),
    refresh: async () => apply(await readOrFail(db)),
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

async function readOrFail(db: Database): Promise<OperatorControl> {
  const c = await readOperatorControl(db, ISSUANCE_CONTROL);
  if (!c) throw new Error("operator_controls has no issuance row (migration 006 not applied?)");
  return c;
}
