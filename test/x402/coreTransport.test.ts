import { assert, expect } from "chai";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

import { httpTransport } from "../../offchain/src/x402/facilitator/coreClient.ts";

/** A loopback server whose handler the test sets; counts requests and distinct connections. */
async function server(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let requests = 0;
  const sockets = new Set<Socket>();
  const s: Server = createServer((req, res) => {
    sockets.add(req.socket);
    handler(req, res, ++requests);
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url,
    requests: () => requests,
    connections: () => sockets.size,
    close: () => {
      s.closeAllConnections();
      return new Promise<void>((r) => s.close(() => r()));
    },
  };
}

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => resolve(text));
  });

describe("httpTransport (the facilitator's Core transport)", function () {
  it("sends JSON, reads status and JSON back, and reuses one connection", async function () {
    const srv = await server(async (req, res) => {
      const text = await body(req);
      res.writeHead(req.url === "/missing" ? 404 : 201, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers["content-type"] ?? null, text }));
    });
    const send = httpTransport(`${srv.url}/`);
    try {
      const a = await send("POST", "/core/guarantees", { x: 1n.toString() }, { authorization: "Bearer t" });
      assert.equal(a.status, 201);
      assert.deepEqual(a.body, {
        method: "POST",
        url: "/core/guarantees",
        type: "application/json",
        text: '{"x":"1"}',
      });
      const b = await send("GET", "/missing");
      assert.equal(b.status, 404);
      assert.deepEqual(b.body, { method: "GET", url: "/missing", type: null, text: "" });
      assert.equal(srv.requests(), 2);
      assert.equal(srv.connections(), 1, "keep-alive: one connection for both calls");
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("gives an undefined body for an answer that is not JSON", async function () {
    const srv = await server((_req, res) => res.end("<html>"));
    const send = httpTransport(srv.url);
    try {
      const r = await send("GET", "/x");
      assert.equal(r.status, 200);
      assert.isUndefined(r.body);
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("rejects when Core does not answer within the deadline", async function () {
    const srv = await server(() => undefined);
    const send = httpTransport(srv.url, 150);
    try {
      let thrown: unknown;
      await send("GET", "/slow").catch((e) => (thrown = e));
      expect(String(thrown)).to.match(/did not answer within 150 ms/);
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("rejects an answer over 4 MiB", async function () {
    const srv = await server((_req, res) => res.end(Buffer.alloc(4 * 1024 * 1024 + 1, 0x20)));
    const send = httpTransport(srv.url);
    try {
      let thrown: unknown;
      await send("GET", "/big").catch((e) => (thrown = e));
      expect(String(thrown)).to.match(/more than 4194304 bytes/);
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("sends a call once more on a fresh connection when a reused one is reset, and only then", async function () {
    const srv = await server((req, res, n) => {
      if (n === 2)
        req.socket.destroy(); // the second call: its reused connection is reset
      else res.end(JSON.stringify({ n }));
    });
    const send = httpTransport(srv.url);
    try {
      assert.deepEqual((await send("POST", "/a", {})).body, { n: 1 });
      assert.deepEqual((await send("POST", "/a", {})).body, { n: 3 }, "answered by the retry");
      assert.equal(srv.requests(), 3);
      assert.equal(srv.connections(), 2);
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("does not retry a reset on a fresh connection", async function () {
    const srv = await server((req) => req.socket.destroy());
    const send = httpTransport(srv.url);
    try {
      let thrown: unknown;
      await send("POST", "/a", {}).catch((e) => (thrown = e));
      assert.instanceOf(thrown, Error);
      assert.equal(srv.requests(), 1);
    } finally {
      send.close();
      await srv.close();
    }
  });

  it("rejects when nothing listens (Core unreachable)", async function () {
    const srv = await server(() => undefined);
    const url = srv.url;
    await srv.close();
    const send = httpTransport(url);
    let thrown: unknown;
    await send("GET", "/core/public-params").catch((e) => (thrown = e));
    expect((thrown as { code?: string }).code).to.equal("ECONNREFUSED");
    send.close();
  });
});
