/** HTTP load for the issuance bench: keep-alive connections, closed loop (saturation) and open loop (fixed rate). */
import { Agent, request } from "node:http";

export interface LatencySummary {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(latenciesMs: number[], seconds: number): LatencySummary {
  const s = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    requests: s.length,
    seconds: r(seconds),
    perSecond: Math.round(s.length / seconds),
    p50Ms: r(at(50)),
    p99Ms: r(at(99)),
    maxMs: r(s[s.length - 1] ?? 0),
  };
}

/** A poster over keep-alive sockets to one or several Core URLs (round robin, as a load balancer would). */
export function createPoster(baseUrls: string[], sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const targets = baseUrls.map((u) => new URL("/core/guarantees", u));
  let turn = 0;
  return {
    /** Latency in ms; throws unless the answer is 201. */
    post(body: string): Promise<number> {
      const target = targets[turn++ % targets.length]!;
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = request(
          target,
          {
            method: "POST",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on("end", () =>
              res.statusCode === 201
                ? resolve(performance.now() - started)
                : reject(new Error(`status ${res.statusCode}`)),
            );
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** `concurrency` clients back to back until `seconds` pass or the bodies run out: the maximum rate. */
export async function closedLoop(
  post: (body: string) => Promise<number>,
  bodies: string[],
  concurrency: number,
  seconds: number,
): Promise<LatencySummary & { concurrency: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length && performance.now() < deadline) latencies.push(await post(bodies[next++]!));
    }),
  );
  return { concurrency, ...summarize(latencies, (performance.now() - started) / 1000) };
}

/** One request every 1/rate s, whatever the answers (open loop): latency under a steady load. */
export async function openLoop(
  post: (body: string) => Promise<number>,
  bodies: string[],
  rate: number,
): Promise<LatencySummary & { targetPerSecond: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    bodies.map(async (body, i) => {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      latencies.push(await post(body));
    }),
  );
  return { targetPerSecond: rate, ...summarize(latencies, (performance.now() - started) / 1000) };
}
