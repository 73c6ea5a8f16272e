import { decodeAbiParameters, type Address, type Hex } from "viem";
import { getChainId, readContract } from "viem/actions";

import { g1FromEip2537 } from "../../protocol/bls/g1FromEip2537.ts";
import { loadBlsBackend } from "../../protocol/bls/loadBlsBackend.ts";
import {
  CertificateCode,
  CertificateVerificationError,
  verifyCertificate as verifyCertificatePure,
  type BlsVerifier,
  type CertificateEnvelope,
  type ExpectedCertificateFields,
} from "../../protocol/certificate/verifyCertificate.ts";
import { envelopeAbi } from "../../protocol/guaranteeAbi.ts";
import { guaranteeDomain } from "../../protocol/guaranteeDomain.ts";
import type { Guarantee, GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { core4MicaAbi } from "../abis.ts";
import type { SdkReadClient } from "../chain.ts";
import { SdkActionError, SdkCode } from "../errors.ts";

export interface VerifyCertificateParameters {
  /** The Core4Mica vault whose version configuration (key, domain, enabled) the certificate must satisfy. */
  vault: Address;
  certificate: CertificateEnvelope;
  /** What the payer signed (the request of the x402 payment), and Core's claimed cycle and id if known. */
  expected: ExpectedCertificateFields;
  /** Default: the native BLS backend, else the pure one. */
  bls?: BlsVerifier;
}

let defaultBls: Promise<BlsVerifier> | undefined;

/**
 * Verifies a certificate fully, as the vault would before paying it: the canonical envelope, the version enabled
 * in the vault, the version's domain equal both to the vault's and to `guaranteeDomain(version, chainId, vault)`,
 * the BLS signature under the key the vault holds for that version (`Core4Mica.versionConfig`), then every signed
 * field against `expected`. Returns the decoded guarantee.
 * @throws CertificateVerificationError (`CERTIFICATE_*` codes) or SdkActionError(CERTIFICATE_VERSION_DISABLED)
 */
export async function verifyCertificate(
  client: SdkReadClient,
  { vault, certificate, expected, bls }: VerifyCertificateParameters,
): Promise<Guarantee> {
  const version = envelopeVersion(certificate.claims);
  const [config, chainId] = await Promise.all([
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "versionConfig", args: [version] }),
    getChainId(client),
  ]);
  if (!config.enabled) {
    throw new SdkActionError(
      SdkCode.CERTIFICATE_VERSION_DISABLED,
      `guarantee version ${version} is not enabled in vault ${vault}`,
      { version: version.toString() },
    );
  }
  const domain = guaranteeDomain(version, chainId, vault);
  if (config.domain.toLowerCase() !== domain.toLowerCase()) {
    throw new CertificateVerificationError(
      CertificateCode.DOMAIN_MISMATCH,
      `vault ${vault} holds domain ${config.domain} for version ${version}, not this chain's ${domain}`,
      { field: "domain", expected: domain, actual: config.domain },
    );
  }
  const verifier = bls ?? (await (defaultBls ??= loadBlsBackend("auto")));
  return verifyCertificatePure(
    {
      certificate,
      publicKey: g1FromEip2537(config.key),
      domain,
      requestDomain: { chainId, verifyingContract: vault },
      expected,
    },
    verifier,
  );
}

/** The fields a certificate must carry for `request` (the payer's signed request). */
export function expectedFromRequest(
  request: GuaranteeRequest,
  core?: { cycleId?: bigint; guaranteeId?: Hex },
): ExpectedCertificateFields {
  return {
    version: request.version,
    user: request.user,
    recipient: request.recipient,
    reqId: request.reqId,
    amount: request.amount,
    asset: request.asset,
    timestamp: request.timestamp,
    ...(request.version === 2 ? { policy: request.policy } : {}),
    ...(core?.cycleId === undefined ? {} : { cycleId: core.cycleId }),
    ...(core?.guaranteeId === undefined ? {} : { guaranteeId: core.guaranteeId }),
  };
}

/** The version word of an envelope; MALFORMED when it does not decode. */
export function envelopeVersion(claims: Hex): bigint {
  try {
    return decodeAbiParameters(envelopeAbi, claims)[0];
  } catch (cause) {
    throw new CertificateVerificationError(
      CertificateCode.MALFORMED,
      "Certificate claims are not a guarantee envelope.",
      {},
      cause,
    );
  }
}

/** The inner (version-specific) bytes of an envelope. */
export function envelopeInner(claims: Hex): Hex {
  return decodeAbiParameters(envelopeAbi, claims)[1];
}
