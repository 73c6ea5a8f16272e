import { decodeAbiParameters, encodeAbiParameters, isHex, size, type Hex } from "viem";

import { envelopeAbi, guaranteeV1Abi, guaranteeV2Abi } from "./guaranteeAbi.ts";
import {
  GuaranteeVersionMismatchError,
  MalformedGuaranteeEnvelopeError,
  UnsupportedGuaranteeVersionError,
} from "./guaranteeEncodingErrors.ts";
import type { Guarantee } from "./guaranteeTypes.ts";

/** Version word, offset word, length word. */
const ENVELOPE_HEAD_BYTES = 96;

/**
 * Decodes certificate bytes. Accepts only the canonical encoding (the bytes {@link encodeEnvelope} gives back for
 * the result), as the Solidity `GuaranteeCodec` does, so one guarantee has exactly one signed byte string.
 * @throws MalformedGuaranteeEnvelopeError, UnsupportedGuaranteeVersionError, GuaranteeVersionMismatchError
 */
export function decodeEnvelope(envelope: Hex): Guarantee {
  if (!isHex(envelope, { strict: true }) || envelope.length % 2 !== 0) {
    throw new MalformedGuaranteeEnvelopeError("Guarantee envelope is not an even-length 0x hex string.", {
      envelope: String(envelope).slice(0, 80),
    });
  }
  const length = size(envelope);
  if (length < ENVELOPE_HEAD_BYTES) {
    throw new MalformedGuaranteeEnvelopeError(`Guarantee envelope of ${length} bytes is truncated.`, { length });
  }
  const [version, inner] = canonicalDecode(envelopeAbi, envelope, "envelope");
  switch (version) {
    case 1n: {
      const [g] = canonicalDecode(guaranteeV1Abi, inner, "V1 guarantee");
      if (g.version !== 1n) throw new GuaranteeVersionMismatchError(1n, g.version);
      return { ...g, version: 1 };
    }
    case 2n: {
      const [g] = canonicalDecode(guaranteeV2Abi, inner, "V2 guarantee");
      if (g.version !== 2n) throw new GuaranteeVersionMismatchError(2n, g.version);
      return {
        domain: g.domain,
        cycleId: g.cycleId,
        version: 2,
        user: g.user,
        recipient: g.recipient,
        reqId: g.reqId,
        amount: g.amount,
        asset: g.asset,
        timestamp: g.timestamp,
        policy: {
          validationRegistry: g.validationRegistry,
          validationRequestHash: g.validationRequestHash,
          validationChainId: g.validationChainId,
          validatorAddress: g.validatorAddress,
          validatorAgentId: g.validatorAgentId,
          minValidationScore: g.minValidationScore,
          validationSubjectHash: g.validationSubjectHash,
          jobHash: g.jobHash,
          requiredValidationTag: g.requiredValidationTag,
        },
      };
    }
    default:
      throw new UnsupportedGuaranteeVersionError(version);
  }
}

type Params = typeof envelopeAbi | typeof guaranteeV1Abi | typeof guaranteeV2Abi;

/** Decodes, then requires re-encoding to give the same bytes (no dirty high bits, offsets, padding or trailer). */
function canonicalDecode<const P extends Params>(params: P, data: Hex, what: string) {
  let decoded;
  try {
    decoded = decodeAbiParameters(params, data);
  } catch (cause) {
    throw new MalformedGuaranteeEnvelopeError(`The ${what} bytes do not decode.`, { length: size(data) }, cause);
  }
  let reencoded: Hex;
  try {
    reencoded = encodeAbiParameters(params, decoded as never);
  } catch (cause) {
    throw new MalformedGuaranteeEnvelopeError(`The ${what} bytes hold an out-of-range value.`, undefined, cause);
  }
  if (reencoded.toLowerCase() !== data.toLowerCase()) {
    throw new MalformedGuaranteeEnvelopeError(`The ${what} bytes are not the canonical ABI encoding.`, {
      length: size(data),
    });
  }
  return decoded;
}
