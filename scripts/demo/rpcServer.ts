/**
 * The demo's in-process chain over HTTP JSON-RPC, for `--keep`: wallets, `cast` or the demo agent can then reach
 * the chain Core and the sellers use. Local development only: it binds 127.0.0.1 and forwards every call (the
 * node's unlocked dev accounts included) to the EIP-1193 provider.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { EIP1193Provider } from "viem";

type RpcRequest = { jsonrpc?: string; id?: unknown; method?: unknown; params?: unknown };

export async function serveRpc(provider: EIP1193Provider, port: number): Promise<{ url: string; server: Server }> {
  const answer = async (r: RpcRequest) => {
    try {
      if (typeof r.method !== "string") throw Object.assign(new Error("invalid request"), { code: -32600 });
      const result = await provider.request({ method: r.method, params: r.params } as never);
      return { jsonrpc: "2.0", id: r.id ?? null, result };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: r.id ?? null,
        error: { code: err.code ?? -32603, message: err.message ?? "error", data: err.data },
      };
    }
  };
  const server = createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = undefined;
        }
        const out =
          body === undefined
            ? { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }
            : Array.isArray(body)
              ? await Promise.all(body.map((r) => answer(r as RpcRequest)))
              : await answer(body as RpcRequest);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(out, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
