import { z } from "zod";

import { issueGuaranteeBodySchema } from "../../core/issuance/requestSchema.ts";
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
