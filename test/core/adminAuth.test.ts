import { expect } from "chai";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { ConfigError, loadConfig, redactedConfig } from "../../offchain/src/core/config.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { BLS_SK, CORE4MICA, resetDatabase, startCore, testConfig } from "./fixtures.ts";

const TOKEN = "admin-token-for-tests-0123456789abcdef";

describe("Core admin API authentication (FOURMICA_ADMIN_TOKEN)", function () {
  let db: Database;
  let core: Core | undefined;

  before(async function () {
    db = await openPgliteDatabase();
    await resetDatabase(db);
  });
  afterEach(async function () {
    await core?.close();
    core = undefined;
  });
  after(async function () {
    await db.close();
  });

  const status = (authorization?: string) =>
    core!.app.inject({
      method: "GET",
      url: "/core/admin/status",
      ...(authorization ? { headers: { authorization } } : {}),
    });

  it("answers the operator holding the token", async function () {
    core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
    const res = await status(`Bearer ${TOKEN}`);
    expect(res.statusCode).to.equal(200);
    expect(res.json()).to.include({ admin: true });
  });

  it("refuses a missing, malformed or wrong token with 401 ADMIN_UNAUTHENTICATED", async function () {
    core = await startCore(db, {}, testConfig({ adminToken: TOKEN }));
    for (const header of [undefined, TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, "Bearer ", "Basic x"]) {
      const res = await status(header);
      expect(res.statusCode, String(header)).to.equal(401);
      expect(res.json().error.code).to.equal("ADMIN_UNAUTHENTICATED");
    }
  });

  it("is off (403 ADMIN_DISABLED) when no token is configured, whatever is sent", async function () {
    core = await startCore(db, {}, testConfig());
    const res = await status(`Bearer ${TOKEN}`);
    expect(res.statusCode).to.equal(403);
    expect(res.json().error.code).to.equal("ADMIN_DISABLED");
  });

  it("loads the token from the environment, refuses a short one, and never shows it in the logged config", function () {
    const env = { FOURMICA_BLS_SECRET_KEY: BLS_SK, FOURMICA_CORE4MICA_ADDRESS: CORE4MICA, FOURMICA_CHAIN_ID: "31337" };
    const config = loadConfig({ ...env, FOURMICA_ADMIN_TOKEN: TOKEN });
    expect(config.adminToken).to.equal(TOKEN);
    expect(JSON.stringify(redactedConfig(config))).to.not.include(TOKEN);
    expect(() => loadConfig({ ...env, FOURMICA_ADMIN_TOKEN: "short" }))
      .to.throw(ConfigError)
      .with.property("message")
      .that.includes("FOURMICA_ADMIN_TOKEN");
  });
});
