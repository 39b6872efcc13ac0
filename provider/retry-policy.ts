/**
 * Retry policy, pure: backoff arithmetic, `Retry-After` parsing, deadline capping and the
 * classification of errors into "retry", "reconcile" (start calls whose outcome is unknown) and "fail".
 * The only side effect here is {@link sleep}, which uses the global `setTimeout` so fake timers work.
 */
import { DcsApiError, DcsNetworkError, DcsResponseError } from "./errors";

/** Backoff knobs: full jitter over `min(capMs, baseMs * 2^attempt)`. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

/**
 * The full-jitter backoff delay before retry number `attempt` (0 for the first retry):
 * `random() * min(capMs, baseMs * 2^attempt)`. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * The longest wait a `Retry-After` may ask for: a day. Longer (or absurd) values are cut to it, because
 * Node runs a timer of more than 2^31 - 1 ms (24.8 days) after 1 ms: a hostile `Retry-After:
 * 99999999999` would otherwise become an immediate retry (found by fuzzing).
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

/**
 * Parses a `Retry-After` header into milliseconds from `now`: delta-seconds (`"5"`) or an HTTP date,
 * at most {@link MAX_RETRY_AFTER_MS}. Garbage, negative numbers and dates in the past give `undefined`
 * (ignored: the backoff applies).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const ms = Math.round(Number(v) * 1000);
    return Number.isFinite(ms) ? Math.min(ms, MAX_RETRY_AFTER_MS) : MAX_RETRY_AFTER_MS;
  }
  // Only things shaped like an HTTP date (IMF-fixdate, RFC 850 or asctime: a month name and a
  // hh:mm:ss time); Date.parse alone accepts far too much ("Someday 2024").
  if (!HTTP_DATE_MONTH.test(v) || !/\b\d{1,2}:\d{2}:\d{2}\b/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  const ms = at - now;
  return ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0;
}

const HTTP_DATE_MONTH = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/;

/** What {@link planRetryDelay} decides. */
export type RetryPlan = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Inputs of {@link planRetryDelay}. */
export interface RetryPlanInput {
  /** 0 for the first retry. */
  attempt: number;
  backoff: BackoffOptions;
  /** The server's `Retry-After`, already parsed, in ms. A floor for the delay. */
  retryAfterMs?: number;
  now: number;
  /** Absolute deadline (epoch ms), if any. */
  deadline?: number;
  random?: () => number;
}

/**
 * Decides how long to wait before the next attempt: the jittered backoff, raised to `Retry-After`
 * when the server sent one, never past the deadline (when the backoff would reach it, the wait is cut
 * to half the time left, so one last try still fits). When the server asks to wait past the deadline,
 * or under {@link MIN_LAST_TRY_MS} is left, gives up at once instead of sleeping for nothing.
 */
export function planRetryDelay(input: RetryPlanInput): RetryPlan {
  const jitter = backoffDelay(input.attempt, input.backoff, input.random);
  const floor = input.retryAfterMs ?? 0;
  const wanted = Math.max(jitter, floor);
  if (input.deadline === undefined) return { retry: true, delayMs: wanted };
  const remaining = input.deadline - input.now;
  if (remaining <= 0) return { retry: false, reason: "the deadline has passed" };
  if (floor >= remaining) {
    return { retry: false, reason: `the server asked to wait ${Math.ceil(floor / 1000)} s (Retry-After), past the deadline` };
  }
  if (wanted < remaining) return { retry: true, delayMs: wanted };
  // The backoff would reach the deadline: one last try halfway through what is left, if worth it.
  if (remaining < MIN_LAST_TRY_MS) return { retry: false, reason: "too little time is left before the deadline" };
  return { retry: true, delayMs: Math.max(floor, Math.floor(remaining / 2)) };
}

/** Below this much time left, a last retry is not worth sending. */
export const MIN_LAST_TRY_MS = 1_000;

/**
 * Waits `ms` with the global `setTimeout` (so fake timers apply). Rejects with `signal.reason`
 * at once when the signal aborts, during or before the wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    // Node fires a timer of more than 2^31 - 1 ms after 1 ms: never wait less than asked.
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.min(2 ** 31 - 1, Math.max(0, ms)));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * "Instance busy" codes: another operation runs on the instance, so this one did not start and may be
 * sent again once the instance is free. From `terraform-provider-huaweicloud`
 * `huaweicloud/services/dcs/common.go` (`operateErrorCode` plus `CBC.99003651`).
 */
export const INSTANCE_BUSY_CODES: ReadonlySet<string> = new Set([
  "DCS.4026", "DCS.4049", "DCS.4096", "DCS.4097", "DCS.4111", "DCS.4113", "DCS.4114", "DCS.4115",
  "DCS.4116", "DCS.4117", "DCS.4118", "DCS.4120", "DCS.4121", "DCS.4231", "DCS.4975", "CBC.99003651",
]);

/**
 * Normalizes an error code for matching: gateway codes on their number (`APIGW.0308` -> `APIG.0308`),
 * v1 numeric codes to their `DCS.4xxx` twin (`111400063` -> `DCS.4063`), others upper-cased as given.
 */
export function normalizeErrorCode(code: string | undefined | null): string | undefined {
  if (code === undefined || code === null) return undefined;
  const c = String(code).trim();
  const gw = /^APIGW?\.(\d+)$/i.exec(c);
  if (gw) return `APIG.${gw[1]}`;
  const v1 = /^1114(\d{5})$/.exec(c);
  if (v1) {
    const n = Number(v1[1]);
    if (n < 1000) return `DCS.4${String(n).padStart(3, "0")}`;
  }
  const dcs = /^dcs\.(\d+)$/i.exec(c);
  if (dcs) return `DCS.${dcs[1]}`;
  return c;
}

/** True when two codes name the same error (see {@link normalizeErrorCode}). */
export function sameErrorCode(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && normalizeErrorCode(a) === normalizeErrorCode(b);
}

/** True when the error says the instance is busy with another operation (the call did not start). */
export function isInstanceBusy(error: unknown): boolean {
  if (!(error instanceof DcsApiError)) return false;
  const code = normalizeErrorCode(error.errorCode);
  return code !== undefined && INSTANCE_BUSY_CODES.has(code);
}

/** True for statuses a read may be retried on: 429 and 5xx except 501. Never 401/403. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Node/undici codes of TLS verification failures: retrying cannot fix them. */
const TLS_CODES = /^(ERR_TLS_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_SSL_|HOSTNAME_MISMATCH)/;

/** The Node/undici error code behind a {@link DcsNetworkError}, if any. */
export function networkErrorCode(error: DcsNetworkError): string | undefined {
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

/** True when a network error is a TLS verification failure (bad CA, wrong host): not retryable. */
export function isTlsFailure(error: unknown): boolean {
  return error instanceof DcsNetworkError && TLS_CODES.test(networkErrorCode(error) ?? "");
}

/**
 * Whether a read (GET) may be sent again after `error`: network errors (not TLS verification), 429, 5xx,
 * and a 2xx body that is not JSON or not of the expected shape (a truncated answer, a proxy's page: found
 * by the chaos trials, where one garbled read failed a whole `up`). Reads are idempotent; a body over the
 * size limit, or another job's answer, would only come back the same.
 */
export function isRetryableRead(error: unknown): boolean {
  if (error instanceof DcsNetworkError) return !isTlsFailure(error);
  if (error instanceof DcsApiError) return isRetryableStatus(error.status);
  if (error instanceof DcsResponseError) return error.problem === "not-json" || error.problem === "unexpected-shape";
  return false;
}

/** What to do after a start call (swap, pass-through) failed. */
export type StartDecision =
  /** The operation certainly did not start: sending again is safe. */
  | "retry"
  /** The request may have reached the server: never resend; look in the task list instead. */
  | "reconcile"
  /** A definite refusal (4xx, auth, ...): report it. */
  | "fail";

/**
 * Classifies a start call's failure. Safe to resend only when the request never left
 * (`DcsNetworkError.notSent`), the instance was busy (the operation did not start), or the gateway
 * throttled it (429: the gateway rejects before forwarding). A 5xx, a broken connection after sending
 * or a malformed answer leave the outcome unknown: reconcile.
 */
export function classifyStartFailure(error: unknown): StartDecision {
  if (error instanceof DcsNetworkError) {
    if (isTlsFailure(error)) return "fail";
    return error.notSent ? "retry" : "reconcile";
  }
  if (error instanceof DcsApiError) {
    if (isInstanceBusy(error) || error.status === 429) return "retry";
    if (error.status >= 500) return "reconcile";
    return "fail";
  }
  if (error instanceof DcsResponseError) return "reconcile";
  return "fail";
}
