import type { FastifyInstance } from "fastify";

/**
 * Route schemas here are zod objects: the handlers validate with them (parseOrThrow, so that errors name each bad
 * field in our shape), @fastify/swagger documents them. Fastify itself must then neither compile them as JSON
 * Schema for validation nor for serialization: every route module calls this on the instance it is given, so it
 * works on a bare Fastify too (tests mount cycleRoutes alone).
 */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
