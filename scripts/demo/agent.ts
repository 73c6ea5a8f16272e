/**
 * A minimal paying agent for the demo's kept servers (`npm run demo -- --keep` prints how to call it):
 *
 *   FOURMICA_AGENT_KEY=0x… FOURMICA_RPC_URL=http://127.0.0.1:… node scripts/demo/agent.ts http://127.0.0.1:…/v1/quote
 *
 * Stock @x402/fetch with the 4mica-credit client scheme, x402's spend controls on (native ETH up to 0.05 per
 * payment). The request is stamped with the chain's clock, read from FOURMICA_RPC_URL: the demo advanced its chain
 * past a whole cycle, and Core checks a request's timestamp against the chain. Prints the status, the body and the
 * settlement (certificate) the seller returned.
 */
import { x402Client } from "@x402/core/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { createPublicClient, http, parseEther, zeroAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { CreditClientScheme } from "../../offchain/src/x402/client/index.ts";

const [url] = process.argv.slice(2);
const key = process.env.FOURMICA_AGENT_KEY as Hex | undefined;
const rpc = process.env.FOURMICA_RPC_URL;
if (!url || !key || !rpc) {
  console.error("usage: FOURMICA_AGENT_KEY=0x… FOURMICA_RPC_URL=http://… node scripts/demo/agent.ts <paid url>");
  process.exit(2);
}
const chain = createPublicClient({ transport: http(rpc) });
const chainId = await chain.getChainId();
const latest = (await chain.getBlock()).timestamp;
const offset = latest - BigInt(Math.floor(Date.now() / 1000));
const network = `eip155:${chainId}` as const;

const client = new x402Client();
client.register(
  network,
  new CreditClientScheme({
    signer: privateKeyToAccount(key),
    now: () => BigInt(Math.floor(Date.now() / 1000)) + offset,
  }),
);
client.setSpendControls({
  allowedAssets: [{ network, asset: zeroAddress, maxAmountPerPayment: parseEther("0.05").toString() }],
});
const res = await wrapFetchWithPayment(fetch, client)(url);
console.log(`${res.status} ${res.statusText}`);
console.log(await res.text());
const settlement = res.headers.get("payment-response");
if (settlement) console.log(JSON.stringify(JSON.parse(Buffer.from(settlement, "base64").toString("utf8")), null, 2));
process.exit(res.ok ? 0 : 1);
