/**
 * `waitForJob`: reads a DCS job until it ends. The timing decisions come from a pure schedule
 * (`schedule.ts`); this module owns only the loop: the deadline, abort, early 404s, transient errors,
 * unknown statuses and progress reports.
 */
import { DcsApiError, DcsNetworkError, DcsResponseError, JobFailedError, JobTimeoutError } from "../errors";
import { isRateLimitDeadlineError } from "../rate-limit";
import { parseRetryAfter, sleep } from "../retry-policy";
import type { CallOptions, Job, JobReader, JobStatus, ProgressSnapshot, TaskProgressReader, WaitProgress } from "../types";
import { assessProgress, finalSnapshot, progressSchedule, type ProgressScheduleOptions, type ProgressState } from "./progress";
import {
  adaptiveSchedule,
  boundedSchedule,
  exponentialSchedule,
  jobAgeMs,
  sanitizeDelay,
  type PollSchedule,
  type ReadPlan,
} from "./schedule";

/** Time source and sleep, injectable for tests and simulations. */
export interface WaitClock {
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The default clock. It looks up the global `setTimeout` and `Date.now` at call time (never
 * `node:timers/promises`), so vitest's fake timers drive it.
 */
export const systemClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

/**
 * Where the task's progress of the waited job can be read (ShowBackgroundTaskProgress needs the
 * instance and the task ID, which is not the job ID). See {@link WaitOptions.progress}.
 */
export interface WaitProgressSource {
  reader: TaskProgressReader;
  instanceId: string;
  /** The job's background task, when known (a pending record's `taskId`, a reconciled start's). */
  taskId?: string;
  /**
   * Finds the task when `taskId` is not given (e.g. through the task lists, `taskFinder` in
   * `progress-source.ts`). Called at most once per wait, when the progress is first wanted; undefined
   * means "no task": the wait goes on with job reads only.
   */
  findTaskId?: (jobId: string, job: Job | undefined, options: CallOptions) => Promise<string | undefined>;
  /** After a FAIL, read the progress once more to name the failed step and its `error_code`. Default true. */
  readAfterFail?: boolean;
  /**
   * After SUCCESS, read the progress once more when a step's times are still unknown (a step never seen
   * running), so every step's duration can be reported. One read after the decision; default false
   * (the resources and the CLI turn it on: they keep and print the durations).
   */
  readAfterSuccess?: boolean;
}

/** Options of {@link waitForJob}. */
export interface WaitOptions {
  /** How long to wait in total, from `startedAt`. Default 30 min (as the Terraform provider). */
  timeoutMs?: number;
  /** Absolute deadline (epoch ms). With `timeoutMs`, the earlier one wins. */
  deadline?: number;
  /**
   * When the wait first started (epoch ms). Pass the original start when resuming a wait after a crash
   * or restart, so the timeout keeps counting from then and the deadline does not move. Default: now.
   */
  startedAt?: number;
  /** Aborts the wait, promptly even mid-sleep, rejecting with `signal.reason`. */
  signal?: AbortSignal;
  /** Called on each read, each status change and each transient read failure. Exceptions are ignored. */
  onProgress?: (p: WaitProgress) => void;
  /** For messages only (the error of a failed job names the instance). */
  instanceId?: string;
  /** The job type the caller started, so the schedule can use its prior before the first read answers. */
  jobType?: string;
  /**
   * What to do with a status that is none of INIT, RUNNING, SUCCESS, FAIL: keep waiting (default; it is
   * reported through `onProgress` as a status change) or fail at once with a `DcsResponseError`.
   */
  unknownStatus?: "keep-waiting" | "fail";
  /**
   * How long after the wait started a 404 for the job is taken as "not visible yet" (eventual
   * consistency right after the start call). Default 60 s. A 404 after the job was read once, or past
   * this grace, or past `maxNotFound` answers, rejects with the 404 error.
   */
  notFoundGraceMs?: number;
  /** At most this many 404s are tolerated. Default 10. */
  maxNotFound?: number;
  /** The poll strategy. Default: {@link adaptiveSchedule} (or an exponential one when `backoff` is set). */
  schedule?: PollSchedule;
  /** Overrides the schedule's first delay. */
  firstDelayMs?: number;
  /** Lower bound of every later delay (applied over any schedule). */
  minIntervalMs?: number;
  /** Upper bound of every later delay (applied over any schedule). */
  maxIntervalMs?: number;
  /** Selects a classic exponential schedule with this growth factor (when no `schedule` is given). */
  backoff?: number;
  /** Jitter fraction (0..1) of the default schedule. Default 0.1. */
  jitter?: number;
  /** Random source for jitter. Default `Math.random`. */
  random?: () => number;
  /** Clock and sleep. Default {@link systemClock}. */
  clock?: WaitClock;
  /**
   * Budget of the one last read made exactly at the deadline (when the last sleep had to be shortened
   * to end there). 0 disables that read. Default 5 s.
   */
  finalReadGraceMs?: number;
  /** Upper bound of the extra wait after consecutive transient failures. Default 60 s. */
  maxErrorBackoffMs?: number;
  /**
   * Also read the task's progress: its steps, percentage and time left are reported (`progress`
   * events), and the time left times the job reads ({@link progressSchedule}). Progress reads go through
   * the same reader, so the same rate budget and deadline. A malformed or unreadable progress answer is
   * ignored (one `progress-ignored` event per wait); only the job's own status ends the wait.
   */
  progress?: WaitProgressSource;
  /** Options of the progress rule; its min/max interval default to `minIntervalMs`/`maxIntervalMs`. */
  progressSchedule?: ProgressScheduleOptions;
}

/** Default of {@link WaitOptions.timeoutMs}: 30 minutes, as `terraform-provider-huaweicloud`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60_000;

const KNOWN = new Set(["INIT", "RUNNING", "SUCCESS", "FAIL"]);

/** Builds the schedule the options describe. Exported for the CLI's `--dry-run` style explanations and tests. */
export function scheduleFromOptions(options: WaitOptions): PollSchedule {
  const base =
    options.schedule ??
    (options.backoff !== undefined
      ? exponentialSchedule({
          firstDelayMs: options.firstDelayMs,
          minIntervalMs: options.minIntervalMs,
          maxIntervalMs: options.maxIntervalMs,
          factor: options.backoff,
          jitter: options.jitter,
        })
      : adaptiveSchedule({ jitter: options.jitter }));
  const bounded = options.firstDelayMs !== undefined || options.minIntervalMs !== undefined || options.maxIntervalMs !== undefined;
  const schedule = bounded
    ? boundedSchedule(base, { firstDelayMs: options.firstDelayMs, minIntervalMs: options.minIntervalMs, maxIntervalMs: options.maxIntervalMs })
    : base;
  if (!options.progress || schedule.plan) return schedule;
  return progressSchedule(schedule, { minIntervalMs: options.minIntervalMs, maxIntervalMs: options.maxIntervalMs, ...options.progressSchedule });
}

/** How many usable progress answers the waiter keeps for the schedule. */
const PROGRESS_HISTORY = 8;
/** Progress reads that failed or were malformed, in a row, before the wait stops reading progress. */
const MAX_PROGRESS_FAILURES = 3;

/**
 * True for failures worth riding out: a retryable API error (429, 5xx), a network error or a body that
 * did not parse. The client has already retried such a read briefly; the waiter just tries again at its
 * next scheduled read, so the two never multiply into a storm.
 */
export function isTransientPollError(error: unknown): boolean {
  if (error instanceof DcsApiError) return error.retryable;
  return error instanceof DcsNetworkError || error instanceof DcsResponseError;
}

/** Why a wait refused by the shared rate budget ended (the {@link JobTimeoutError}'s `reason`). */
export const BUDGET_TIMEOUT_REASON = "the shared request budget had no slot before the deadline";

/** A deadline expiry from the reader (the client's, or an `AbortSignal.timeout()`): a read the deadline cut. */
function isDeadlineExpiry(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
}

/** The key under which a failed read is counted in {@link JobTimeoutError.outcomes}. */
function outcomeOf(error: unknown): string {
  if (error instanceof DcsApiError) return `HTTP ${error.status}`;
  if (error instanceof DcsNetworkError) return "network error";
  if (error instanceof DcsResponseError) return "malformed response";
  if (isRateLimitDeadlineError(error)) return "no budget slot";
  if (isDeadlineExpiry(error)) return "cut by the deadline";
  return error instanceof Error ? error.name : "error";
}

/** A 404 meaning "no such route" (API gateway `APIG.0101`), not "no such job yet": never worth waiting for. */
function isRouteNotFound(error: DcsApiError): boolean {
  return /(^|\.)0101$/.test(error.errorCode ?? "");
}

/**
 * Reads job `jobId` until it reaches SUCCESS (resolves with the job) or FAIL (rejects with
 * {@link JobFailedError}).
 *
 * Rejects with {@link JobTimeoutError} (last status and job attached) when the deadline passes: it never
 * sleeps past the deadline; when the last sleep had to be cut short to end there, one last read is made at
 * the deadline (with `finalReadGraceMs` to answer), because a job that ended in that last stretch would
 * otherwise be reported as timed out. The timeout says why: reads made and failed, the last failure and a
 * count per distinct outcome. Rejects with `signal.reason` on abort, at once, even mid-sleep.
 * Transient read failures are reported (`poll-error`) and ridden out until the deadline; other API
 * errors (401, 403, 400, a 404 past the grace) reject at once, even when they answer at the deadline.
 * A read the shared rate budget refuses (no slot before the deadline) ends the wait with a timeout.
 */
export async function waitForJob(reader: JobReader, jobId: string, options: WaitOptions = {}): Promise<Job> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const signal = options.signal;
  const schedule = scheduleFromOptions(options);
  const confirmations = Math.max(1, Math.floor(schedule.confirmations ?? 1));
  const startedAt = options.startedAt ?? clock.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const deadline = Math.min(startedAt + timeoutMs, options.deadline ?? Number.POSITIVE_INFINITY);
  const budgetMs = deadline - startedAt;
  const graceMs = options.notFoundGraceMs ?? 60_000;
  const maxNotFound = options.maxNotFound ?? 10;
  const finalGrace = Math.max(0, options.finalReadGraceMs ?? 5_000);
  const maxErrorBackoff = options.maxErrorBackoffMs ?? 60_000;

  let polls = 0;
  let failedReads = 0;
  let lastError: Error | undefined;
  const outcomes: Record<string, number> = {};
  const count = (outcome: string) => {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  let notFound = 0;
  let consecutiveErrors = 0;
  let successes = 0;
  let lastJob: Job | undefined;
  let lastStatus: JobStatus | undefined;
  let retryAfterMs = 0;
  // The last read's progress event, sent once the next delay is known (so it can carry `nextPollInMs`).
  let pending: Omit<WaitProgress, "jobId" | "polls" | "elapsedMs"> | undefined;

  // The task's progress, when the caller gave a way to read it.
  const source = options.progress;
  const pstate: ProgressState | undefined = source ? { active: true, reads: 0, seen: [], misses: 0 } : undefined;
  let taskId = source?.taskId;
  let lookedForTask = false;
  let progressFailures = 0;
  let ignoredReported = false;
  let lastSnapshot: ProgressSnapshot | undefined;

  const report = (p: Omit<WaitProgress, "jobId" | "polls" | "elapsedMs">) => {
    if (!options.onProgress) return;
    try {
      options.onProgress({ jobId, polls, elapsedMs: clock.now() - startedAt, ...(pstate && pstate.reads > 0 ? { progressReads: pstate.reads } : {}), ...p });
    } catch {
      // A broken progress callback must not break the wait.
    }
  };
  /** A progress answer or read that is not used: reported once per wait, never fatal. */
  const ignore = (reason: string) => {
    if (ignoredReported) return;
    ignoredReported = true;
    report({ kind: "progress-ignored", reason, job: lastJob });
  };
  /**
   * One read of the task's progress (finding the task first, once). True when it gave a usable answer;
   * false when there was nothing to read or the answer was not usable (the caller reads the job instead).
   * Rejects only on abort.
   */
  const readProgress = async (): Promise<boolean> => {
    if (!source || !pstate || !pstate.active) return false;
    if (taskId === undefined) {
      if (lookedForTask || !source.findTaskId) {
        pstate.active = false;
        return false;
      }
      lookedForTask = true;
      try {
        taskId = await abortable(source.findTaskId(jobId, lastJob, { signal, deadline }), signal);
      } catch (error) {
        throwIfAborted();
        pstate.active = false;
        ignore(`the task of job ${jobId} could not be looked up (${errorText(error)}); waiting on the job alone`);
        return false;
      }
      if (taskId === undefined) {
        pstate.active = false;
        return false;
      }
    }
    let answer;
    try {
      pstate.reads++;
      answer = await abortable(source.reader.showTaskProgress(source.instanceId, taskId, { signal, deadline }), signal);
    } catch (error) {
      throwIfAborted();
      progressFailures++;
      // No such task, no budget slot before the deadline, or failing again and again: stop reading progress.
      if ((error instanceof DcsApiError && error.status === 404) || isRateLimitDeadlineError(error) || progressFailures >= MAX_PROGRESS_FAILURES) pstate.active = false;
      ignore(`the progress of task ${taskId} could not be read (${errorText(error)})`);
      return false;
    }
    const judged = assessProgress(answer);
    if (!judged.ok) {
      progressFailures++;
      if (progressFailures >= MAX_PROGRESS_FAILURES) pstate.active = false;
      ignore(`ignored a progress answer of task ${taskId}: ${judged.reason}`);
      return false;
    }
    progressFailures = 0;
    pstate.seen.push({ atMs: clock.now() - startedAt, snapshot: judged.snapshot });
    if (pstate.seen.length > PROGRESS_HISTORY) pstate.seen.shift();
    lastSnapshot = judged.snapshot;
    report({ kind: "progress", progress: judged.snapshot, job: lastJob });
    return true;
  };
  /** The job ended: report the steps completed by the job's end (after a FAIL, read them once more). */
  const finishProgress = async (job: Job): Promise<void> => {
    if (!source || !pstate) return;
    const failed = String(job.status).toUpperCase() === "FAIL";
    if (failed && source.readAfterFail !== false && pstate.active && clock.now() < deadline + finalGrace) {
      const before = lastSnapshot;
      const ok = await readProgress();
      if (ok && lastSnapshot !== before) {
        lastSnapshot = { ...lastSnapshot!, final: true };
        report({ kind: "progress", progress: lastSnapshot, job });
        return;
      }
    }
    const incomplete = !lastSnapshot || lastSnapshot.steps.some((st) => st.status !== "FINISH" && st.status !== "EXECUTING");
    if (!failed && source.readAfterSuccess && incomplete && pstate.active && clock.now() < deadline + finalGrace) await readProgress();
    if (!lastSnapshot) return;
    lastSnapshot = finalSnapshot(lastSnapshot, job);
    report({ kind: "progress", progress: lastSnapshot, job });
  };
  const timeout = (ended?: { cause: unknown; reason?: string }) =>
    new JobTimeoutError({
      jobId,
      timeoutMs: budgetMs,
      lastStatus,
      lastJob,
      reads: polls,
      failedReads,
      lastError,
      outcomes,
      ...(ended?.reason !== undefined ? { reason: ended.reason } : {}),
      ...(ended ? { cause: ended.cause } : {}),
    });
  const failed = (error: unknown) => {
    failedReads++;
    lastError = error instanceof Error ? error : new Error(String(error));
    count(outcomeOf(error));
  };
  const throwIfAborted = () => {
    if (signal?.aborted) throw signal.reason;
  };

  throwIfAborted();
  for (;;) {
    // 1. Sleep: what the schedule asks, stretched after failures, never past the deadline.
    const now = clock.now();
    const state = {
      polls,
      elapsedMs: now - startedAt,
      jobAgeMs: jobAgeMs(lastJob?.beginTime, now),
      jobType: lastJob?.jobType ?? options.jobType,
      lastStatus,
      consecutiveErrors,
      random,
      ...(pstate ? { progress: pstate } : {}),
    };
    let plan: ReadPlan = pstate?.active && schedule.plan ? schedule.plan(state) : { read: "job", delayMs: schedule.nextDelay(state) };
    // A job that must be readable already (no not-found grace: a resumed or adopted wait) is read before its progress.
    if (plan.read === "progress" && polls === 0 && graceMs <= 0) plan = { read: "job", delayMs: schedule.nextDelay(state) };
    let delay = sanitizeDelay(plan.delayMs);
    if (consecutiveErrors > 0) delay = Math.max(delay, Math.min(maxErrorBackoff, 1_000 * 2 ** (consecutiveErrors - 1)), retryAfterMs);
    let finalRead = false;
    if (now + delay >= deadline) {
      if (now >= deadline || finalGrace === 0) {
        if (pending) report(pending);
        throw timeout();
      }
      delay = deadline - now;
      finalRead = true;
      // The last read at the deadline is always a job read: only the job's status can settle the wait.
      if (plan.read === "progress") plan = { read: "job", delayMs: delay };
    }
    if (pending) report({ ...pending, nextPollInMs: delay });
    pending = undefined;
    if (delay > 0) await clock.sleep(delay, signal);
    throwIfAborted();

    // 2a. The task's progress, when planned. An unusable answer (or no task) falls through to a job read now.
    if (plan.read === "progress") {
      if (await readProgress()) {
        pstate!.lastRead = "progress";
        continue;
      }
      plan = { read: "job", delayMs: 0 };
    }
    if (pstate) pstate.lastRead = "job";

    // 2. Read.
    let job: Job;
    try {
      polls++;
      job = await abortable(reader.showJob(jobId, { signal, deadline: finalRead ? deadline + finalGrace : deadline }), signal);
    } catch (error) {
      throwIfAborted();
      // The shared rate budget has no slot before the deadline: no read can settle the wait any more.
      if (isRateLimitDeadlineError(error)) {
        polls--; // never sent
        count(outcomeOf(error));
        report({ kind: "poll-error", error: error as Error, job: lastJob });
        throw timeout({ cause: error, reason: BUDGET_TIMEOUT_REASON });
      }
      const atDeadline = clock.now() >= deadline;
      // A read cut by the deadline: that is the timeout.
      if (atDeadline && isDeadlineExpiry(error)) {
        failed(error);
        throw timeout({ cause: error });
      }
      // Not worth waiting for (401, 403, 400, a 404 past the grace): that error, even at the deadline.
      if (error instanceof DcsApiError && error.status === 404 && !isRouteNotFound(error)) {
        notFound++;
        const tolerated = lastJob === undefined && clock.now() - startedAt <= graceMs && notFound <= maxNotFound;
        if (!tolerated) throw error;
      } else if (!isTransientPollError(error)) {
        throw error;
      } else {
        consecutiveErrors++;
        retryAfterMs = error instanceof DcsApiError ? (parseRetryAfter(error.retryAfter, clock.now()) ?? 0) : 0;
      }
      // Ridden out: an early 404 or a transient failure.
      failed(error);
      pending = { kind: "poll-error", error: error as Error, job: lastJob };
      if (finalRead || atDeadline) {
        report(pending);
        throw timeout({ cause: error });
      }
      continue;
    }
    count(String(job.status));
    consecutiveErrors = 0;
    retryAfterMs = 0;

    // 3. Interpret.
    const previous = lastStatus;
    lastJob = job;
    lastStatus = job.status;
    const status = String(job.status).toUpperCase();
    const ends = status === "FAIL" || (status === "SUCCESS" && successes + 1 >= confirmations);
    // The steps as the job's end leaves them, reported before the status change that ends the wait.
    if (ends) await finishProgress(job);
    if (previous !== job.status) report({ kind: "status-change", job, previousStatus: previous });
    if (status === "FAIL") {
      report({ kind: "poll", job });
      const failedStep = lastSnapshot?.failedStep;
      throw new JobFailedError(job, { instanceId: options.instanceId, ...(failedStep ? { failedStep } : {}) });
    }
    if (status === "SUCCESS") {
      successes++;
      if (successes >= confirmations) {
        report({ kind: "poll", job });
        return job;
      }
    } else {
      successes = 0;
      if (plan.atEstimatedEnd && pstate) pstate.misses++;
      if (!KNOWN.has(status) && options.unknownStatus === "fail") {
        report({ kind: "poll", job });
        throw new DcsResponseError(
          `DCS job ${jobId} reported status "${job.status}", which this waiter does not know (unknownStatus: "fail").`,
          "GET",
          `/v2/{project_id}/jobs/${jobId}`,
        );
      }
    }
    if (finalRead) {
      report({ kind: "poll", job });
      throw timeout();
    }
    pending = { kind: "poll", job };
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").slice(0, 200);
}

/** Settles with `promise`, or rejects with the abort reason as soon as `signal` aborts (a reader may ignore it). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
