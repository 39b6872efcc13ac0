/**
 * Typed errors. None of them carries a secret: the constructors take only what is safe to print
 * (codes, messages, request IDs, method and path), never headers or credentials.
 */
import type { TaskView } from "./tasks";
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
  /** What to do about it, from what the client knows (e.g. that it signed with temporary credentials); appended to the message. */
  hint?: string;
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
  readonly hint?: string;

  constructor(init: DcsApiErrorInit) {
    const what = init.errorCode
      ? `${init.errorCode}: ${init.errorMsg ?? "(no message)"}`
      : init.bodyExcerpt
        ? `HTTP ${init.status} with a non-JSON body: ${init.bodyExcerpt}`
        : `HTTP ${init.status} with no error body`;
    const where = [`HTTP ${init.status}`, init.requestId ? `request ${init.requestId}` : "no request ID", `${init.method} ${init.path}`];
    super(`${what} (${where.join(", ")})${init.hint ? ` ${init.hint}` : ""}`);
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.errorMsg = init.errorMsg;
    this.requestId = init.requestId;
    this.method = init.method;
    this.path = init.path;
    this.retryable = init.retryable;
    this.retryAfter = init.retryAfter;
    this.bodyExcerpt = init.bodyExcerpt;
    if (init.hint !== undefined) this.hint = init.hint;
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

/**
 * What was wrong with an answer's body: cut short or not JSON at all (a proxy page, a truncated body:
 * usually passing), JSON of the wrong shape, larger than this package reads, or another job's answer.
 */
export type DcsResponseProblem = "not-json" | "unexpected-shape" | "too-large" | "other-job";

/** A body that does not match the contract (malformed JSON, missing fields). */
export class DcsResponseError extends DcsJobsError {
  override name = "DcsResponseError";
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
    readonly requestId?: string,
    /** Which way the body was wrong; reads are sent again only for the kinds that pass. */
    readonly problem: DcsResponseProblem = "unexpected-shape",
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
  readonly code = "DCS_OUTCOME_UNKNOWN";
  /** When the request that may have started the operation left this machine (epoch ms). */
  readonly sentAt?: number;
  /** Task IDs that could be its result (several found), if any. */
  readonly candidates: readonly string[];
  /**
   * What happened, without the operation's name and the advice: "the request was sent at T but ...,
   * and the task list shows ...". For callers that word their own message around it.
   */
  readonly detail: string;
  constructor(
    message: string,
    readonly instanceId: string,
    readonly jobType: string,
    options?: { cause?: unknown; sentAt?: number; candidates?: readonly string[]; detail?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    if (options?.sentAt !== undefined) this.sentAt = options.sentAt;
    this.candidates = options?.candidates ?? [];
    this.detail = options?.detail ?? message;
  }
}

/**
 * A start call refused because the instance is busy, and a job of the same kind is already running
 * there: it is reported (or adopted), never queued behind, since running the operation again after it
 * could undo it (a second swap swaps back).
 */
export class SameOperationRunningError extends DcsJobsError {
  override name = "SameOperationRunningError";
  readonly code = "DCS_SAME_OPERATION_RUNNING";
  constructor(
    message: string,
    readonly instanceId: string,
    readonly jobType: string,
    /** The running task (with its job ID, when the task list links it). */
    readonly task: TaskView,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The job ended in `FAIL`. */
export class JobFailedError extends DcsJobsError {
  override name = "JobFailedError";
  /** Stable, for matching as data (as undici's `UND_ERR_*` codes). */
  readonly code = "DCS_JOB_FAILED";
  /** The task's step that reported FAILED, with its `error_code`, when the waiter read the task's progress. */
  readonly failedStep?: { name: string; errorCode?: string };
  constructor(
    readonly job: Job,
    context?: { instanceId?: string; failedStep?: { name: string; errorCode?: string } },
  ) {
    const on = context?.instanceId ? ` on instance ${context.instanceId}` : "";
    const step = context?.failedStep;
    const where = step ? ` (step "${step.name}" FAILED${step.errorCode ? ` with error_code ${step.errorCode}` : ""})` : "";
    super(`DCS job ${job.jobId} (${job.jobType})${on} failed: ${job.failReason ?? "no fail_reason given"}${where}`);
    if (step) this.failedStep = step;
  }
  get failReason(): string | null {
    return this.job.failReason;
  }
}

/** What a {@link JobTimeoutError} is built from: what the wait saw, so the timeout can say why. */
export interface JobTimeoutErrorInit {
  jobId: string;
  /** The wait's budget (from its start to its deadline). */
  timeoutMs: number;
  /** The status of the last read that answered; `undefined` if none did. */
  lastStatus: JobStatus | undefined;
  lastJob?: Job;
  /** Reads the waiter made (a read the rate budget refused is not one). Default 0. */
  reads?: number;
  /** How many of those reads failed (429, 5xx, network, malformed body, early 404, cut by the deadline). Default 0. */
  failedReads?: number;
  /** The error of the last failed read. */
  lastError?: Error;
  /** How often each distinct outcome was seen: a status (`RUNNING`) or a failure (`HTTP 503`). Default `{}`. */
  outcomes?: Readonly<Record<string, number>>;
  /** Why the wait ended before a read could settle it, beyond the counts (e.g. the rate budget had no slot). */
  reason?: string;
  /** The error that ended the wait, if one did (the limiter's refusal, the failure of the final read). */
  cause?: unknown;
}

/**
 * The wait's deadline passed before the job ended. The job itself may still be running. The message
 * says why (as `@smithy/util-waiter` does): how many reads failed and the last failure, or that the
 * shared request budget left no slot; `outcomes` counts every distinct answer.
 */
export class JobTimeoutError extends DcsJobsError {
  override name = "JobTimeoutError";
  /** Stable, for matching as data (as undici's `UND_ERR_*` codes). */
  readonly code = "DCS_JOB_TIMEOUT";
  readonly jobId: string;
  readonly timeoutMs: number;
  readonly lastStatus: JobStatus | undefined;
  readonly lastJob?: Job;
  /** Reads the waiter made. */
  readonly reads: number;
  /** How many of them failed. */
  readonly failedReads: number;
  /** The error of the last failed read. */
  readonly lastError?: Error;
  /** Count per distinct outcome, e.g. `{ RUNNING: 10, "HTTP 503": 3 }`. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Why, beyond the counts (e.g. "the shared request budget had no slot before the deadline"). */
  readonly reason?: string;

  constructor(init: JobTimeoutErrorInit);
  /** @deprecated Positional form, kept for existing callers: use the {@link JobTimeoutErrorInit} form. */
  constructor(jobId: string, timeoutMs: number, lastStatus: JobStatus | undefined, lastJob?: Job);
  constructor(initOrJobId: JobTimeoutErrorInit | string, timeoutMs?: number, lastStatus?: JobStatus, lastJob?: Job) {
    const init: JobTimeoutErrorInit =
      typeof initOrJobId === "string" ? { jobId: initOrJobId, timeoutMs: timeoutMs ?? 0, lastStatus, lastJob } : initOrJobId;
    const reads = init.reads ?? 0;
    const failedReads = init.failedReads ?? 0;
    const why = [`last status: ${init.lastStatus ?? "never read"}`];
    if (init.reason) why.push(init.reason);
    if (failedReads > 0) {
      why.push(`${failedReads} of ${reads} reads failed${init.lastError ? `, last: ${init.lastError.message}` : ""}`);
    }
    super(
      `Timed out after ${Math.round(init.timeoutMs / 1000)} s waiting for DCS job ${init.jobId} (${why.join("; ")}). ` +
        `The job may still be running; check it with \`dcs-jobs show ${init.jobId}\` or raise the wait timeout.`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.jobId = init.jobId;
    this.timeoutMs = init.timeoutMs;
    this.lastStatus = init.lastStatus;
    this.lastJob = init.lastJob;
    this.reads = reads;
    this.failedReads = failedReads;
    this.lastError = init.lastError;
    this.outcomes = { ...(init.outcomes ?? {}) };
    this.reason = init.reason;
  }
}

/**
 * The hint of a 401 to a request signed with temporary credentials: the gateway refuses an expired or
 * wrong security token with the same 401 as a bad signature, and the fix is new credentials.
 */
export const TEMPORARY_CREDENTIALS_HINT =
  "The request was signed with temporary credentials (a security token): they may have expired, or the token may not belong to " +
  "the access key. Get a new set and pass all three together: HW_ACCESS_KEY, HW_SECRET_KEY and HW_SECURITY_TOKEN (or " +
  "HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN), or dcs:accessKey, dcs:secretKey and dcs:securityToken in the stack's config.";
