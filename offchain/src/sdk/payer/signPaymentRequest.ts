import { bytesToBigInt, type Address, type Hex, type LocalAccount } from "viem";
import { signTypedData } from "viem/actions";

import { buildValidationPolicy, type ValidationPolicyInputs } from "../../protocol/buildValidationPolicy.ts";
import { guaranteeRequestTypedData } from "../../protocol/guaranteeRequestTypedData.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "../../protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../protocol/signGuaranteeRequest.ts";
import type { SdkWalletClient } from "../chain.ts";
import type { BuyerPolicy, PolicyReservation } from "../policy/buyerPolicy.ts";

/** A fresh uniformly random 256-bit `reqId` (upstream's rule: the client mints it; one signature pays once). */
export function newReqId(): bigint {
  return bytesToBigInt(crypto.getRandomValues(new Uint8Array(32)));
}

export interface CreateRequestParameters {
  user: Address;
  recipient: Address;
  amount: bigint;
  asset: Address;
  /** Unix seconds; default now. */
  timestamp?: bigint;
  /** Default {@link newReqId}. */
  reqId?: bigint;
  /** With a validation policy the request is V2 (its canonical hashes are computed here), else V1. */
  validation?: ValidationPolicyInputs;
}

/** A V1 request, or V2 when `validation` is given. */
export function createGuaranteeRequest(p: CreateRequestParameters): GuaranteeRequest {
  const base = {
    user: p.user,
    recipient: p.recipient,
    reqId: p.reqId ?? newReqId(),
    amount: p.amount,
    asset: p.asset,
    timestamp: p.timestamp ?? BigInt(Math.floor(Date.now() / 1000)),
  };
  if (p.validation === undefined) return { version: 1, ...base };
  return { version: 2, ...base, policy: buildValidationPolicy(base, p.validation) };
}

export interface SignPaymentRequestParameters {
  request: GuaranteeRequest;
  /** The vault's EIP-712 domain inputs (chain id and Core4Mica address). */
  domain: GuaranteeRequestDomain;
  /** Checked (and its budget reserved) before the signature; a refusal throws and nothing is signed. */
  policy?: BuyerPolicy;
  /** The paid resource's URL, for the policy's seller allowlist. */
  resource?: string;
  /** For the policy's per-task budget. */
  taskId?: string;
}

export interface SignedPaymentRequest {
  request: GuaranteeRequest;
  signature: Hex;
  /** The policy's reservation: release it if the payment is not made after all. */
  reservation?: PolicyReservation;
}

/**
 * Signs a payer request (EIP-712 under the vault's domain), after the buyer policy allowed it. `signer` is a local
 * account or a wallet client (JSON-RPC or smart-contract wallets sign through the client).
 */
export async function signPaymentRequest(
  signer: LocalAccount | SdkWalletClient,
  { request, domain, policy, resource, taskId }: SignPaymentRequestParameters,
): Promise<SignedPaymentRequest> {
  let reservation: PolicyReservation | undefined;
  if (policy) {
    reservation = await policy.reserve({
      resource: resource ?? "",
      payTo: request.recipient,
      amount: request.amount,
      asset: request.asset,
      network: `eip155:${BigInt(domain.chainId)}`,
      version: request.version,
      ...(request.version === 2 ? { validationPolicy: request.policy } : {}),
      ...(taskId === undefined ? {} : { taskId }),
    });
  }
  try {
    const signature = await sign(signer, request, domain);
    return reservation ? { request, signature, reservation } : { request, signature };
  } catch (e) {
    await reservation?.release();
    throw e;
  }
}

function sign(signer: LocalAccount | SdkWalletClient, request: GuaranteeRequest, domain: GuaranteeRequestDomain) {
  if ((signer as LocalAccount).type === "local") return signGuaranteeRequest(signer as LocalAccount, request, domain);
  const client = signer as SdkWalletClient;
  const typedData = guaranteeRequestTypedData(request, domain);
  return signTypedData(client, { ...typedData, account: client.account } as never);
}
