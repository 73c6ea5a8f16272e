import type { Database } from "./database.ts";
import { openPgDatabase } from "./pgDatabase.ts";
import { openPgliteDatabase } from "./pgliteDatabase.ts";

export interface DatabaseConfig {
  /** A PostgreSQL server; when absent, embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory` (or undefined) for an in-memory database. */
  dataDir?: string | undefined;
  poolSize?: number | undefined;
}

/** PostgreSQL when a URL is configured, embedded PGlite otherwise. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.databaseUrl) return openPgDatabase({ connectionString: config.databaseUrl, max: config.poolSize });
  return openPgliteDatabase(config.dataDir === undefined || config.dataDir === "memory" ? undefined : config.dataDir);
}
