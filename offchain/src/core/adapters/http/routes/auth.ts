import type { FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";
import { z } from "zod";

import { nonceSchema, sessionSchema } from "../apiSchemas.ts";
import { errorResponses, parseOrThrow } from "./guarantees.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export interface AuthRoutesDeps {
  siweDomain: string;
  siweUri: string;
  chainId: bigint;
  /** A fresh nonce for `client` (the caller's rate-limit key: its IP, an IPv6 /64). */
  createNonce: (client: string) => Promise<{ nonce: string; expiresAt: Date }>;
  /** Verifies the SIWE message and signature, consumes the nonce, opens a session. */
  signIn: (message: string, signature: Hex) => Promise<{ token: string; address: Address; expiresAt: Date }>;
  /** The client key of a request (see clientKey in server.ts). */
  clientOf?: (ip: string) => string;
}

const verifyBody = z.strictObject({
  message: z.string().min(1).max(4096).describe("the EIP-4361 message"),
  signature: z
    .string()
    .max(2 + 2 * 4096)
    .regex(/^0x([0-9a-fA-F]{2})+$/, "signature must be 0x-hex bytes")
    .transform((s) => s as Hex),
});

/** SIWE (EIP-4361) sign-in: a single-use nonce, then a bearer session for scoped reads. */
export function authRoutes(app: FastifyInstance, deps: AuthRoutesDeps): void {
  useZodSchemas(app);
  app.post(
    "/core/auth/nonce",
    {
      schema: {
        summary: "A single-use SIWE nonce, with the domain, URI and chain id the message must name",
        response: { 200: nonceSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { nonce, expiresAt } = await deps.createNonce((deps.clientOf ?? String)(request.ip));
      return {
        nonce,
        expiresAt: expiresAt.toISOString(),
        domain: deps.siweDomain,
        uri: deps.siweUri,
        chainId: deps.chainId.toString(),
        statement: "Sign in to 4Mica Core",
      };
    },
  );

  app.post(
    "/core/auth/verify",
    {
      schema: {
        summary: "SIWE sign-in -> bearer token",
        body: verifyBody,
        response: { 200: sessionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { message, signature } = parseOrThrow(verifyBody, request.body, "sign-in");
      const s = await deps.signIn(message, signature);
      return { token: s.token, tokenType: "Bearer", address: s.address, expiresAt: s.expiresAt.toISOString() };
    },
  );
}
