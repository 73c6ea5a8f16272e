import { BaseError, HttpRequestError, TimeoutError, WebSocketRequestError } from "viem";

import { FourMicaError } from "../protocol/errors.ts";
import { ExitCode } from "./exitCodes.ts";

/** A failure the CLI itself detects, with the exit code it ends with. */
export class CliError extends FourMicaError {
  readonly exitCode: ExitCode;
  /** The command already printed its answer (which says what failed): only the exit code and a stderr line follow. */
  resultPrinted = false;
  constructor(exitCode: ExitCode, code: string, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export const usageError = (code: string, message: string, details?: Record<string, unknown>) =>
  new CliError(ExitCode.USAGE, code, message, details);
export const inputError = (code: string, message: string, details?: Record<string, unknown>, cause?: unknown) =>
  new CliError(ExitCode.INVALID_INPUT, code, message, details, cause);
export const refusedError = (code: string, message: string, details?: Record<string, unknown>) =>
  new CliError(ExitCode.REFUSED, code, message, details);

/** Exit 5 after the command printed its result (e.g. some certificates of a batch were not remunerable). */
export function refusedAfterResult(code: string, message: string): CliError {
  const e = new CliError(ExitCode.REFUSED, code, message);
  e.resultPrinted = true;
  return e;
}

/** What the CLI prints about a failure: its exit code, a name and stable code, the message and details. */
export interface FailureReport {
  exitCode: ExitCode;
  /** The error's name: a chain revert's custom error (e.g. `ClearingHouseDebtorAlreadyResolved`), else the class. */
  name: string;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH"]);

/** Whether `e` (or anything in its cause chain) says that the RPC or Core did not answer. */
export function isUnreachable(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 10; depth++) {
    if (c instanceof HttpRequestError && c.status === undefined) return true;
    if (c instanceof TimeoutError || c instanceof WebSocketRequestError) return true;
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("UND_ERR_CONNECT"))) return true;
    if (c instanceof TypeError && c.message === "fetch failed") return true;
    if (c instanceof AggregateError && c.errors.some(isUnreachable)) return true;
    c = (c as { cause?: unknown }).cause;
  }
  return false;
}

/** Maps any error to its exit code and report (pure: tests pin every kind). */
export function classify(e: unknown): FailureReport {
  if (e instanceof CliError) return report(e.exitCode, e.code, e);
  if (isUnreachable(e)) {
    const message = e instanceof Error ? firstLine(e.message) : String(e);
    return { exitCode: ExitCode.UNREACHABLE, name: "Unreachable", code: "UNREACHABLE", message };
  }
  if (e instanceof FourMicaError) {
    if (e.code.startsWith("CERTIFICATE_") || e.code === "INVALID_INPUT")
      return report(ExitCode.INVALID_INPUT, e.name, e);
    if (e.code === "CORE_REQUEST_FAILED") {
      const coreCode = e.details?.coreCode;
      return report(ExitCode.REFUSED, typeof coreCode === "string" ? coreCode : "CoreRequestError", e);
    }
    if (e.code === "TRANSACTION_REVERTED") {
      const errorName = e.details?.errorName;
      return report(ExitCode.REFUSED, typeof errorName === "string" ? errorName : "TransactionReverted", e);
    }
    if (e.code === "NOT_REMUNERABLE" || e.code === "PROOF_ROOT_MISMATCH" || e.code === "CERTIFICATE_VERSION_DISABLED")
      return report(ExitCode.REFUSED, e.name, e);
    // Key rotation (offchain/src/deploy/rotateOperatorKey.ts): a bad key is bad input; the rest are refusals.
    if (e.code === "ROTATION_INVALID_KEY") return report(ExitCode.INVALID_INPUT, e.code, e);
    if (e.code.startsWith("ROTATION_")) return report(ExitCode.REFUSED, e.code, e);
    return report(ExitCode.UNEXPECTED, e.name, e);
  }
  if (e instanceof BaseError) {
    return { exitCode: ExitCode.REFUSED, name: e.name, code: "CHAIN_ERROR", message: firstLine(e.shortMessage) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { exitCode: ExitCode.UNEXPECTED, name: e instanceof Error ? e.name : "Error", code: "UNEXPECTED", message };
}

function report(exitCode: ExitCode, name: string, e: FourMicaError): FailureReport {
  return {
    exitCode,
    name,
    code: e.code,
    message: firstLine(e.message),
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

const firstLine = (s: string) => s.split("\n")[0]!;
