/**
 * Typed errors. None of them carries a secret: the constructors take only what is safe to print
 * (codes, messages, request IDs, method and path), never headers or credentials.
 */
import type { Job, JobStatus } from "./types";

/** Base class, so callers can catch everything this package throws with one `instanceof`. */
export class DcsJobsError extends Error {
  override name = "DcsJobsError";
}

/** Bad or missing configuration or input, found before any API call. */
export class ConfigError extends DcsJobsError {
  override name = "ConfigError";
}

/** What a {@link DcsApiError} is built from. */
export interface DcsApiErrorInit {
  status: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  method: string;
  path: string;
  retryable: boolean;
  /** Seconds or HTTP date, as the server sent it. */
  retryAfter?: string;
  /** A short, secret-free excerpt of a non-JSON body (an HTML proxy page). */
  bodyExcerpt?: string;
}

/** The DCS API or its gateway answered with an error. */
export class DcsApiError extends DcsJobsError {
  override name = "DcsApiError";
  readonly status: number;
  readonly errorCode?: string;
  readonly errorMsg?: string;
  readonly requestId?: string;
  readonly method: string;
  readonly path: string;
  readonly retryable: boolean;
  readonly retryAfter?: string;
  readonly bodyExcerpt?: string;

  constructor(init: DcsApiErrorInit) {
    const what = init.errorCode
      ? `${init.errorCode}: ${init.errorMsg ?? "(no message)"}`
      : init.bodyExcerpt
        ? `HTTP ${init.status} with a non-JSON body: ${init.bodyExcerpt}`
        : `HTTP ${init.status} with no error body`;
    const where = [`HTTP ${init.status}`, init.requestId ? `request ${init.requestId}` : "no request ID", `${init.method} ${init.path}`];
    super(`${what} (${where.join(", ")})`);
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMsg = init.errorMsg;
    this.requestId = init.requestId;
    this.method = init.method;
    this.path = init.path;
    this.retryable = init.retryable;
    this.retryAfter = init.retryAfter;
    this.bodyExcerpt = init.bodyExcerpt;
  }
}

/** The network failed (connection refused, reset, timeout) before an answer arrived. */
export class DcsNetworkError extends DcsJobsError {
  override name = "DcsNetworkError";
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    /** True when the request certainly never reached the server (e.g. connection refused). */
    readonly notSent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A body that does not match the contract (malformed JSON, missing fields). */
export class DcsResponseError extends DcsJobsError {
  override name = "DcsResponseError";
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/**
 * A start call may or may not have started an operation (the connection broke after the request was
 * sent) and the background-task list could not decide. The message says how to check.
 */
export class OperationOutcomeUnknownError extends DcsJobsError {
  override name = "OperationOutcomeUnknownError";
  constructor(
    message: string,
    readonly instanceId: string,
    readonly jobType: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The job ended in `FAIL`. */
export class JobFailedError extends DcsJobsError {
  override name = "JobFailedError";
  constructor(
    readonly job: Job,
    context?: { instanceId?: string },
  ) {
    const on = context?.instanceId ? ` on instance ${context.instanceId}` : "";
    super(`DCS job ${job.jobId} (${job.jobType})${on} failed: ${job.failReason ?? "no fail_reason given"}`);
  }
  get failReason(): string | null {
    return this.job.failReason;
  }
}

/** The wait's deadline passed before the job ended. The job itself may still be running. */
export class JobTimeoutError extends DcsJobsError {
  override name = "JobTimeoutError";
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    readonly lastStatus: JobStatus | undefined,
    readonly lastJob?: Job,
  ) {
    super(
      `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for DCS job ${jobId} ` +
        `(last status: ${lastStatus ?? "never read"}). The job may still be running; check it with ` +
        `\`dcs-jobs show ${jobId}\` or raise the wait timeout.`,
    );
  }
}
