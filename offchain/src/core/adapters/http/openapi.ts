import { z } from "zod";

import { issueGuaranteeBodySchema } from "../../issuance/requestSchema.ts";
import { CycleStatus } from "../../scheduler/types.ts";
import { ERROR_CODES } from "./errorStatus.ts";

const hex = (bytes?: number) =>
  bytes === undefined
    ? { type: "string", pattern: "^0x([0-9a-f]{2})*$" }
    : { type: "string", pattern: `^0x[0-9a-f]{${bytes * 2}}$` };
const uint = { type: "string", pattern: "^[0-9]+$", description: "unsigned integer, decimal" };
const address = hex(20);

const schemas = {
  GuaranteeRequestBody: z.toJSONSchema(issueGuaranteeBodySchema, { io: "input", unrepresentable: "any" }),
  Certificate: {
    type: "object",
    required: ["guaranteeId", "cycleId", "status", "claims", "signature", "signatureEip2537"],
    properties: {
      guaranteeId: hex(32),
      cycleId: uint,
      status: { type: "string" },
      claims: { ...hex(), description: "envelope abi.encode(uint64 version, bytes inner): the BLS-signed bytes" },
      signature: { ...hex(96), description: "BLS12-381 G2 signature, compressed" },
      signatureEip2537: { type: "array", items: hex(32), minItems: 8, maxItems: 8 },
    },
  },
  Guarantee: {
    type: "object",
    properties: {
      guaranteeId: hex(32),
      version: { type: "integer" },
      cycleId: uint,
      user: address,
      recipient: address,
      asset: address,
      reqId: uint,
      amount: uint,
      timestamp: uint,
      status: { type: "string" },
      certificate: { type: "object" },
    },
  },
  Cycle: {
    type: "object",
    required: ["cycleId", "asset", "status", "deadlines"],
    properties: {
      cycleId: uint,
      asset: address,
      status: {
        type: "string",
        enum: Object.values(CycleStatus),
      },
      deadlines: { type: "object" },
      batch: { type: ["object", "null"] },
      finalizeTxHash: { oneOf: [hex(32), { type: "null" }] },
    },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: ERROR_CODES },
          message: { type: "string" },
          details: { type: "object" },
        },
      },
    },
  },
};

const json = (ref: string) => ({
  content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const errors = {
  "4XX": { description: "client error", ...json("Error") },
  "5XX": { description: "server error", ...json("Error") },
};
const bearer = [{ siwe: [] }];
const cycleParams = [
  { name: "cycleId", in: "path", required: true, schema: uint },
  { name: "asset", in: "path", required: true, schema: address, description: "0x000…0 for ETH" },
];
const addrParam = [{ name: "addr", in: "path", required: true, schema: address }];

/** OpenAPI 3.1 document of the Core API (request schemas generated from the zod schemas Core validates with). */
export function buildOpenApi(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "4Mica Core API", version: "0.1.0" },
    components: {
      schemas,
      securitySchemes: { siwe: { type: "http", scheme: "bearer", description: "token from POST /core/auth/verify" } },
    },
    paths: {
      "/core/guarantees": {
        post: {
          summary: "Issue a guarantee: verify, lock collateral, return the BLS certificate (idempotent by id)",
          requestBody: { required: true, ...json("GuaranteeRequestBody") },
          responses: {
            201: { description: "issued", ...json("Certificate") },
            200: { description: "already issued", ...json("Certificate") },
            ...errors,
          },
        },
      },
      "/core/guarantees/{id}": {
        get: {
          summary: "Status and certificate of a guarantee (public)",
          parameters: [{ name: "id", in: "path", required: true, schema: hex(32) }],
          responses: { 200: { description: "found", ...json("Guarantee") }, ...errors },
        },
      },
      "/core/recipients/{addr}/guarantees": {
        get: {
          summary: "Guarantees to a recipient (owner only)",
          security: bearer,
          parameters: addrParam,
          responses: { 200: { description: "list" }, ...errors },
        },
      },
      "/core/payers/{addr}/guarantees": {
        get: {
          summary: "Guarantees of a payer (owner only)",
          security: bearer,
          parameters: addrParam,
          responses: { 200: { description: "list" }, ...errors },
        },
      },
      "/core/payers/{addr}/collateral": {
        get: {
          summary: "Collateral per asset of a payer (owner only)",
          security: bearer,
          parameters: addrParam,
          responses: { 200: { description: "balances" }, ...errors },
        },
      },
      "/core/auth/nonce": { post: { summary: "SIWE nonce", responses: { 200: { description: "nonce" }, ...errors } } },
      "/core/auth/verify": {
        post: { summary: "SIWE sign-in -> bearer token", responses: { 200: { description: "session" }, ...errors } },
      },
      "/core/cycles": {
        get: {
          summary: "The on-chain cycle schedule (segments) and the most recent cycles per asset",
          parameters: [
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 500 } },
          ],
          responses: { 200: { description: "schedule and cycles" }, ...errors },
        },
      },
      "/core/cycles/{cycleId}/{asset}": {
        get: {
          summary: "One (cycle, asset): status, deadlines, batch summary, transactions",
          parameters: cycleParams,
          responses: { 200: { description: "cycle", ...json("Cycle") }, ...errors },
        },
      },
      "/core/cycles/{cycleId}/{asset}/batch": {
        get: {
          summary:
            "The published batch: every position, the netted guarantees (paged by id), root and batch hash, so anyone can recompute both",
          parameters: [
            ...cycleParams,
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 10000 } },
            {
              name: "after",
              in: "query",
              required: false,
              schema: hex(32),
              description: "last guaranteeId of the previous page",
            },
          ],
          responses: { 200: { description: "batch page" }, ...errors },
        },
      },
      "/core/cycles/{cycleId}/{asset}/positions/{participant}": {
        get: {
          summary:
            "A participant's net position with its Merkle leaf and proof, and ready-to-send ClearingHouse calls (payNetDebit/markDefaulted or claimNetCredit)",
          parameters: [...cycleParams, { name: "participant", in: "path", required: true, schema: address }],
          responses: { 200: { description: "position and proof" }, ...errors },
        },
      },
      "/core/public-params": {
        get: {
          summary: "Keys, domains, addresses, versions, registries, schedule",
          responses: { 200: { description: "params" } },
        },
      },
      "/core/tokens": { get: { summary: "Settlement assets", responses: { 200: { description: "tokens" } } } },
      "/core/health": {
        get: {
          summary: "Liveness and database",
          responses: { 200: { description: "ok" }, 503: { description: "unavailable" } },
        },
      },
      "/metrics": { get: { summary: "Prometheus metrics", responses: { 200: { description: "text exposition" } } } },
    },
  };
}
