import { expect } from "chai";
import type { z } from "zod";

import { createSession } from "../../offchain/src/core/adapters/db/sessionRepository.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import {
  balancesSchema,
  certificateSchema,
  cycleListSchema,
  errorSchema,
  guaranteePageSchema,
  guaranteeSchema,
  nonceSchema,
} from "../../offchain/src/core/adapters/http/apiSchemas.ts";
import { registeredRoutes } from "../../offchain/src/core/adapters/http/server.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { deposit, payer, resetDatabase, signedBody, startCore, v1Request } from "./fixtures.ts";

const METHODS = ["get", "post", "put", "patch", "delete"];

describe("GET /core/openapi.json: generated from the route schemas", function () {
  let db: Database;
  let core: Core;
  let doc: any;

  before(async function () {
    db = await openPgliteDatabase();
    await resetDatabase(db);
    core = await startCore(db);
    const res = await core.app.inject({ method: "GET", url: "/core/openapi.json" });
    expect(res.statusCode).to.equal(200);
    doc = res.json();
  });
  after(async function () {
    await core.close();
    await db.close();
  });

  it("has exactly the paths and methods fastify registered", function () {
    const served = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    const registered = registeredRoutes(core.app)
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, "{$1}")}`)
      .sort();
    expect(registered).to.include.members([
      "POST /core/guarantees/{id}/dispute",
      "POST /core/guarantees/{id}/cancel",
      "GET /core/cycles/{cycleId}/{asset}/positions",
      "GET /core/cycles/{cycleId}/{asset}/batch",
    ]);
    expect(served).to.deep.equal(registered);
  });

  it("documents every path parameter, the list parameters and the bodies", function () {
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      const inPath = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const params = (op.parameters ?? []) as { in: string; name: string }[];
        expect(
          params.filter((p) => p.in === "path").map((p) => p.name),
          `${method} ${path}`,
        ).to.have.members(inPath);
        expect(Object.keys(op.responses), `${method} ${path}`).to.not.be.empty;
      }
    }
    const query = (path: string) =>
      (doc.paths[path].get.parameters as { in: string; name: string }[])
        .filter((p) => p.in === "query")
        .map((p) => p.name);
    for (const path of [
      "/core/payers/{addr}/guarantees",
      "/core/recipients/{addr}/guarantees",
      "/core/cycles",
      "/core/cycles/{cycleId}/{asset}/positions",
      "/core/cycles/{cycleId}/{asset}/batch",
    ]) {
      expect(query(path), path).to.include.members(["limit", "cursor"]);
    }
    for (const action of ["dispute", "cancel"]) {
      const op = doc.paths[`/core/guarantees/{id}/${action}`].post;
      expect(op.requestBody.content["application/json"].schema.properties).to.have.keys(["signature", "scheme"]);
      expect(op.responses["200"].content["application/json"].schema.properties).to.have.keys(["guaranteeId", "status"]);
    }
    const issue = doc.paths["/core/guarantees"].post;
    expect(JSON.stringify(issue.requestBody.content["application/json"].schema)).to.include("validationRequestHash");
    expect(issue.responses).to.include.keys(["200", "201", "4XX", "5XX"]);
  });

  it("describes what the server really answers (live answers parse with the documented schemas)", async function () {
    await deposit(db, payer.address, 10_000n);
    const parse = (schema: z.ZodType, value: unknown, what: string) => {
      const r = schema.safeParse(value);
      expect(r.success, `${what}: ${JSON.stringify(r.error?.issues)}`).to.equal(true);
    };
    const issued = await core.app.inject({
      method: "POST",
      url: "/core/guarantees",
      payload: await signedBody(v1Request()),
    });
    parse(certificateSchema, issued.json(), "certificate");
    parse(
      guaranteeSchema,
      (await core.app.inject({ method: "GET", url: `/core/guarantees/${issued.json().guaranteeId}` })).json(),
      "guarantee",
    );
    const { token } = await createSession(db, payer.address, 3600);
    const headers = { authorization: `Bearer ${token}` };
    parse(
      guaranteePageSchema,
      (await core.app.inject({ method: "GET", url: `/core/payers/${payer.address}/guarantees`, headers })).json(),
      "page",
    );
    parse(
      balancesSchema,
      (await core.app.inject({ method: "GET", url: `/core/payers/${payer.address}/collateral`, headers })).json(),
      "balances",
    );
    parse(nonceSchema, (await core.app.inject({ method: "POST", url: "/core/auth/nonce" })).json(), "nonce");
    parse(cycleListSchema, (await core.app.inject({ method: "GET", url: "/core/cycles" })).json(), "cycles");
    parse(errorSchema, (await core.app.inject({ method: "GET", url: "/core/guarantees/0x12" })).json(), "error");
  });
});
