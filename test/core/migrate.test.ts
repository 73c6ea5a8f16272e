import { expect } from "chai";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { loadMigrations, migrate } from "../../offchain/src/core/adapters/db/migrate.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { BACKENDS } from "./fixtures.ts";

describe("migrate", function () {
  it("ships migrations numbered 1, 2, ... without gaps", async function () {
    const all = await loadMigrations();
    expect(all.map((m) => m.version)).to.deep.equal(all.map((_, i) => i + 1));
  });

  for (const backend of BACKENDS) {
    it(`applies each migration once and records it (${backend.name})`, async function () {
      const db = await backend.open();
      try {
        await db.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        const first = await migrate(db);
        expect(first).to.deep.equal((await loadMigrations()).map((m) => m.version));
        expect(await migrate(db)).to.deep.equal([]);
        const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM schema_migrations");
        expect(rows[0]!.n).to.equal(String(first.length));
      } finally {
        await db.close();
      }
    });
  }

  it("lets several replicas migrate at once: exactly one applies (PostgreSQL)", async function () {
    const url = process.env.FOURMICA_TEST_DATABASE_URL;
    // Needs a PostgreSQL server (several sessions racing); PGlite has one connection. CI sets the URL (.ci/run).
    if (!url) this.skip();
    const dbs: Database[] = [0, 1, 2, 3].map(() => openPgDatabase({ connectionString: url!, max: 2 }));
    try {
      await dbs[0]!.exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      const applied = await Promise.all(dbs.map((db) => migrate(db)));
      expect(applied.filter((a) => a.length > 0)).to.have.length(1);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it("rolls back a failing migration entirely", async function () {
    const db = await BACKENDS[0]!.open();
    try {
      const good = await loadMigrations();
      const bad = [...good, { version: good.length + 1, name: "broken", sql: "CREATE TABLE x (a int); SELECT nope;" }];
      let failed = false;
      try {
        await migrate(db, bad);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      const { rows } = await db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name IN ('x', 'schema_migrations')",
      );
      expect(rows[0]!.n).to.equal("0");
    } finally {
      await db.close();
    }
  });
});
