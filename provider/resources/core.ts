/**
 * What every job-backed resource shares inside the dynamic-provider host: the module state (stack
 * settings, test overrides, the cached client, the process-wide claims), the progress log, and the
 * thin I/O behind each planner action (wait, look, reconcile, start). Decisions are in
 * `../lifecycle/planner.ts`; each resource's file maps its inputs and outputs around them.
 *
 * Module state (one per host process): the stack settings given to `configure` (credentials included,
 * in memory only) and a cached client. Nothing here is ever written to inputs, outputs or logs.
 *
 * Logging: the host has no engine connection for `pulumi.log` (it falls back to `console.log` with an
 * `info: [runtime]` prefix). The engine shows every stdout/stderr line of the dynamic-provider plugin as
 * an info diagnostic (`sdk/go/common/resource/plugin/plugin.go`, `runtrace`: stderr -> `Infoerrf`), so
 * progress is written to stderr, one line per event, prefixed with the resource kind and instance.
 */
import { createHash } from "node:crypto";
import { DcsClient } from "../client";
import type { DcsClientOptions, Env } from "../config";
import { ConfigError, DcsApiError, DcsNetworkError, DcsResponseError, JobFailedError, JobTimeoutError, OperationOutcomeUnknownError, SameOperationRunningError } from "../errors";
import type { LookPurpose, Observation } from "../lifecycle/planner";
import { LifecycleFailure, LifecycleInterrupted } from "../lifecycle/runner";
import type { LifecycleRecord, PendingJob } from "../lifecycle/record";
import { Claims, lookAtTasks, TASK_SKEW_MS, taskIs, type TaskView } from "../tasks";
import type { DcsApi, DcsInstance, Job, ProgressSnapshot, StartCallOptions, StartedJob } from "../types";
import { waitForJob, type WaitOptions } from "../waiter/wait";
import { progressSourceFor } from "../waiter/progress-source";
import { ProgressLines } from "../progress-text";
import { compact } from "./logic";
import { clientOptionsFrom, explainConfigError, readStackSettings, type ConfigLike, type StackSettings } from "./settings";

/** How long an unknown start outcome stays unknown while the task list shows nothing for it. */
export const DEFAULT_UNKNOWN_OUTCOME_GRACE_MS = 5 * 60_000;

/** Test and embedding knobs. Never needed in a real deployment. */
export interface RuntimeOverrides {
  /** Environment to read instead of `process.env`. */
  env?: Env;
  /** Where progress lines go instead of stderr. */
  log?: (line: string) => void;
  /** Extra waiter options (e.g. a fast poll schedule in tests). */
  wait?: Partial<WaitOptions>;
  /** Extra client options (merged over the resolved ones). */
  client?: Partial<DcsClientOptions>;
  /** Wall clock for adoption windows, deadlines and the record's times. */
  now?: () => number;
  /** Pause between reads while waiting for the instance to settle after a job. Default 2 s. */
  settlePauseMs?: number;
  /** How long an unknown start outcome stays unknown. Default {@link DEFAULT_UNKNOWN_OUTCOME_GRACE_MS}. */
  unknownOutcomeGraceMs?: number;
}

let stack: StackSettings = {};
let overrides: RuntimeOverrides = {};
/** Clients by settings hash (one per location a resource names, plus the stack's own). */
let cached = new Map<string, DcsApi>();

/**
 * Per-resource location: inputs that override the stack's `dcs:` config for one resource, so one stack
 * can reach instances in two regions. Credentials always come from the stack config (or environment).
 */
export interface Location {
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/**
 * Jobs and tasks that resources of this process own. The engine's dynamic-provider host serves every
 * dynamic resource of a stack in one process, so a sibling resource (a second swap on the same
 * instance) never adopts a job another resource started, adopted, or holds in its state.
 */
export const claims = new Claims();

/** Sets test knobs (replacing earlier ones) and drops the cached client. */
export function setRuntimeOverrides(o: RuntimeOverrides): void {
  overrides = { ...o };
  cached = new Map();
}

/** Back to a fresh process: no stack settings, no overrides, no client, no claims. */
export function resetRuntime(): void {
  stack = {};
  overrides = {};
  cached = new Map();
  claims.clear();
}

/**
 * The providers' `configure` hook: keeps the `dcs:` stack config in this process's memory. Checks
 * nothing (preview needs no credentials); create/read/update/delete resolve and check on first use.
 */
export async function configure(req: { config: ConfigLike }): Promise<void> {
  stack = readStackSettings(req.config);
  cached = new Map();
}

/** Replaces the stack settings (the function form, which runs in the program process). */
export function useStackSettings(settings: StackSettings): void {
  stack = settings;
}

export function env(): Env {
  return overrides.env ?? process.env;
}

export function now(): number {
  return (overrides.now ?? Date.now)();
}

export function runtimeOverrides(): Readonly<RuntimeOverrides> {
  return overrides;
}

export function unknownOutcomeGraceMs(): number {
  return overrides.unknownOutcomeGraceMs ?? DEFAULT_UNKNOWN_OUTCOME_GRACE_MS;
}

export function log(line: string): void {
  const sink = overrides.log ?? ((l: string) => void process.stderr.write(l + "\n"));
  try {
    sink(`[dcs] ${line}`);
  } catch {
    // Logging never breaks an operation.
  }
}

/** The client for the stack's settings, created on first use and reused. Throws a user-facing ConfigError. */
export function client(): DcsApi {
  return clientFor({});
}

/**
 * The client for a resource's location (its `region` / `projectId` / `endpoint` inputs over the stack
 * config), created on first use and reused per location. Throws a user-facing ConfigError.
 */
export function clientFor(location: Location): DcsApi {
  const e = env();
  const here: StackSettings = { ...stack };
  // A resource's endpoint or region replaces the stack's way of finding the endpoint entirely.
  if (location.endpoint) here.endpoint = location.endpoint;
  else if (location.region) {
    here.region = location.region;
    delete here.endpoint;
  }
  if (location.projectId) here.projectId = location.projectId;
  let options: DcsClientOptions;
  try {
    options = { ...clientOptionsFrom(here, e), ...overrides.client };
  } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(String(err));
  }
  // The cache key is a hash: credentials never sit in a readable string.
  const key = createHash("sha256").update(JSON.stringify([options, pickEnv(e)])).digest("hex");
  const hit = cached.get(key);
  if (hit) return hit;
  let c: DcsClient;
  try {
    c = new DcsClient(options, e);
  } catch (err) {
    throw err instanceof ConfigError ? explainConfigError(err) : err;
  }
  cached.set(key, c);
  return c;
}

function pickEnv(e: Env): Array<string | undefined> {
  return Object.keys(e)
    .filter((k) => k.startsWith("HW_") || k.startsWith("HUAWEICLOUD_SDK_"))
    .sort()
    .map((k) => `${k}=${e[k]}`);
}

// ---- results the engine understands ------------------------------------------------------------

/**
 * A rejection in the shape the dynamic-provider host turns into a partial failure
 * (`grpcResponseFromError` in `@pulumi/pulumi/cmd/dynamic-provider`: `message`, `id`, `properties`,
 * `reasons` -> `ErrorResourceInitFailed`). The engine stores `properties` as the resource's outputs and
 * fails the step; the record in them (a pending job, a FAIL) is what the next `up` acts on.
 */
export class PartialFailure extends Error {
  override name = "PartialFailure";
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

/** Inputs without the host's `__provider` and without undefined values. */
export function clean<T extends object>(inputs: T): T {
  const { __provider: _p, ...rest } = inputs as T & { __provider?: unknown };
  return compact(rest as T);
}

/**
 * Partial-failure properties must carry `__provider` themselves: the host adds it to normal results
 * (`resultIncludingProvider`) but not to error details, and refresh/delete load the provider from it.
 */
export function withProvider(props: object, inputs: object): Record<string, unknown> {
  const p = (inputs as { __provider?: unknown }).__provider;
  return { ...compact(props), ...(p !== undefined ? { __provider: p } : {}) };
}

/**
 * Turns a lifecycle rejection into what the engine must see: a partial failure storing the record when
 * the record holds something worth keeping (a pending job, a recorded end), else a plain error (nothing
 * was started; the engine keeps the old state).
 */
export function lifecycleError(
  error: unknown,
  opts: { label: string; id: string; stored: LifecycleRecord; props: (r: LifecycleRecord) => object; raw: object; scope?: Pick<StepScope, "failedStep"> },
): Error {
  if (error instanceof LifecycleFailure) {
    // A failed job: the task's failed step and its error_code go next to the fail_reason.
    const step = opts.scope?.failedStep;
    const message = step ? `${error.message.replace(/\.?$/, "")} (step "${step.name}" FAILED${step.errorCode ? ` with error_code ${step.errorCode}` : ""}).` : error.message;
    return new PartialFailure(message, opts.id, withProvider(opts.props(error.record), opts.raw), [message]);
  }
  if (error instanceof LifecycleInterrupted) {
    const why = explainApiError(error.error, opts.label, error.during);
    const r = error.record;
    if (r.pending) {
      const message = `${opts.label}: ${describePending(r.pending)} is this resource's, but ${why}. It is saved in the stack state; the next \`pulumi up\` resumes it instead of starting another one.`;
      return new PartialFailure(message, opts.id, withProvider(opts.props(r), opts.raw), [message]);
    }
    const message = `${opts.label}: ${why}. Nothing was started.`;
    if (JSON.stringify(r) !== JSON.stringify(opts.stored)) return new PartialFailure(message, opts.id, withProvider(opts.props(r), opts.raw), [message]);
    return new Error(message, { cause: error.error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function describePending(p: PendingJob): string {
  if (p.origin === "outcome-unknown") return `the request sent at ${p.since} (its answer was lost)`;
  return p.jobId ? `job ${p.jobId}` : `task ${p.taskId}`;
}

/**
 * An error as the user should read it: authentication, authorization and a missing instance lead with
 * the cause and name the settings to check; only errors a retry can fix keep the retry wording.
 */
export function explainApiError(error: unknown, label: string, during?: string): string {
  const base = error instanceof Error ? error.message : String(error);
  if (error instanceof DcsApiError) {
    if (error.status === 401) {
      return `DCS refused the credentials (${base}): check stack config dcs:accessKey and dcs:secretKey (or dcs:token, or HW_ACCESS_KEY / HW_SECRET_KEY), and dcs:securityToken for temporary keys`;
    }
    if (error.status === 403) {
      return `DCS refused the request (${base}): check that the key's IAM user may use DCS in this project, and stack config dcs:projectId / dcs:region`;
    }
    if (error.status === 404 && !/(^|\.)0101$/.test(error.errorCode ?? "")) {
      return `DCS does not know it (${base}): check the instance ID in ${label.split(" ")[0]} and stack config dcs:projectId / dcs:region (or dcs:endpoint)`;
    }
  }
  if (error instanceof JobTimeoutError) return `the wait timed out (${base.replace(/\.?$/, "")}; raise waitTimeout if the job is slow)`;
  if (during === "look" || during === "reconcile") {
    return `could not read the instance's background tasks (${base}) to check for an operation an interrupted run may have started. Retry, or set adoptWithin: 0 to skip this check`;
  }
  // Passing faults that outlasted the client's retries: say so, and what to do.
  if (error instanceof DcsResponseError) {
    return `${base.replace(/\.?$/, "")} — an answer this package cannot read (a proxy page, a truncated body), usually passing: run \`pulumi up\` again`;
  }
  if (error instanceof DcsApiError && error.retryable) return `${base} — the API is throttling or failing for now (retried): run \`pulumi up\` again in a minute`;
  if (error instanceof DcsNetworkError) return `${base} — the DCS endpoint could not be reached (retried): check the network path to it (or dcs:endpoint / dcs:region), then run \`pulumi up\` again`;
  return base;
}

// ---- the I/O behind each planner action ----------------------------------------------------------

/** Where and for how long one provider call works: one deadline for every request it makes. */
export interface StepScope {
  api: DcsApi;
  label: string;
  instanceId: string;
  jobType: string;
  /** One deadline per operation (epoch ms): task looks, the start call, the wait and the settle reads. */
  deadline: number;
  /** The last job read, for the outputs. */
  lastJob?: Job;
  /** The last task progress the wait saw (final once the job ended), for the outputs' `steps`. */
  progress?: ProgressSnapshot;
  /** The task's step that reported FAILED (with its `error_code`), when the job failed: for the message. */
  failedStep?: { name: string; errorCode?: string };
}

/** Waits for a pending job and says how it ended, as an observation. */
export async function waitObservation(s: StepScope, pending: PendingJob, readAtOnce: boolean): Promise<Observation> {
  let jobId = pending.jobId;
  if (!jobId && pending.taskId) jobId = (await findTask(s, pending))?.jobId;
  if (!jobId) return followTask(s, pending);
  try {
    const job = await waitLogged(s, jobId, readAtOnce, { ...(pending.taskId ? { taskId: pending.taskId } : {}), sinceMs: Date.parse(pending.since) });
    s.lastJob = job;
    return { type: "job", job: { jobId: job.jobId, status: "SUCCESS", failReason: job.failReason } };
  } catch (error) {
    if (error instanceof JobFailedError) {
      s.lastJob = error.job;
      if (error.failedStep) s.failedStep = error.failedStep;
      return { type: "job", job: { jobId: error.job.jobId, status: "FAIL", failReason: error.job.failReason } };
    }
    if (error instanceof JobTimeoutError && error.lastJob) s.lastJob = error.lastJob;
    if (error instanceof DcsApiError && error.status === 404 && !/(^|\.)0101$/.test(error.errorCode ?? "")) {
      const task = await findTask(s, { ...pending, jobId }).catch(() => undefined);
      return { type: "job-gone", ...(task ? { task } : {}) };
    }
    return { type: "wait-interrupted", why: explainApiError(error, s.label, "wait") };
  }
}

/**
 * How far before a pending job's `since` its task may have begun: an adopted or reconciled job was found
 * after it began (up to the adoption window before), a started one began when it was sent.
 */
const FOUND_TASK_LOOKBACK_MS = 2 * 3_600_000;

/** The pending job's task in the task list (by task or job ID), or undefined. */
async function findTask(s: StepScope, p: Pick<PendingJob, "jobId" | "taskId" | "since" | "origin">): Promise<TaskView | undefined> {
  const since = Date.parse(p.since);
  const lookback = p.origin === "adopted" || p.origin === "reconciled" ? FOUND_TASK_LOOKBACK_MS : TASK_SKEW_MS;
  const from = (Number.isNaN(since) ? now() - 24 * 3_600_000 : since) - lookback;
  const tasks = await lookAtTasks(s.api, s.instanceId, { fromMs: from, toMs: now() + TASK_SKEW_MS }, { kind: s.jobType, deadline: s.deadline });
  const ids = [p.jobId, p.taskId].filter((x): x is string => !!x);
  return tasks.find((t) => taskIs(t, ids));
}

/**
 * A task whose job ID the task lists do not give is followed by its own status in the per-instance
 * list (read through the waiter, as if it were a job), rather than guessing its job ID. Its end is
 * reported with the task ID only: a task ID is never passed off as a job ID (chaos P2: a `DcsJob` on
 * `jobId` then read 404 on every `up`). Once it ended, the tenant-wide list is asked once more for it.
 */
async function followTask(s: StepScope, pending: PendingJob): Promise<Observation> {
  const taskId = pending.taskId!;
  const reader = {
    showJob: async (): Promise<Job> => {
      const t = await findTask(s, pending);
      if (!t) throw new DcsApiError({ status: 404, errorCode: "DCS.4404", errorMsg: `task ${taskId} is not in the task list`, method: "GET", path: `tasks/${taskId}`, retryable: false });
      const status = t.phase === "succeeded" ? "SUCCESS" : t.phase === "failed" ? "FAIL" : "RUNNING";
      return { jobId: taskId, jobType: s.jobType, status, beginTimeRaw: String(t.createdAtMs), endTimeRaw: null, failReason: status === "FAIL" ? `task status ${t.status}` : null, raw: { job_id: taskId, job_type: s.jobType, status, begin_time: String(t.createdAtMs), end_time: null, fail_reason: null } };
    },
  };
  log(`${s.label}: task ${taskId} has no job ID in the task lists; following the task's own status`);
  const ended = async (status: "SUCCESS" | "FAIL", failReason?: string | null): Promise<Observation> => {
    const jobId = (await findTask(s, pending).catch(() => undefined))?.jobId;
    if (!jobId) log(`${s.label}: task ${taskId} ended in ${status}; the task lists still give no job ID for it, so none is recorded`);
    return { type: "job", job: { ...(jobId ? { jobId } : {}), taskId, status, ...(failReason ? { failReason } : {}) } };
  };
  try {
    await waitForJob(reader, taskId, waitOptions(s, true));
    return await ended("SUCCESS");
  } catch (error) {
    if (error instanceof JobFailedError) return ended("FAIL", error.job.failReason);
    if (error instanceof DcsApiError && error.status === 404) return { type: "job-gone" };
    return { type: "wait-interrupted", why: explainApiError(error, s.label, "wait") };
  }
}

/** The waited job's task, when known, and when it began at the latest (for finding the task). */
export interface WaitAbout {
  taskId?: string;
  sinceMs?: number;
}

/**
 * The waiter's options for a step: its deadline, the job type's schedule, the task's progress when
 * the API can read it (steps and time left in the log and the outputs, reads timed by the estimate),
 * and the progress log (one line per status change, step change or 30 s heartbeat).
 */
function waitOptions(s: StepScope, readAtOnce: boolean, about?: WaitAbout): WaitOptions {
  const lines = new ProgressLines();
  const progress =
    about && s.instanceId
      ? progressSourceFor(s.api, {
          instanceId: s.instanceId,
          ...(s.jobType ? { jobType: s.jobType } : {}),
          ...(about.taskId ? { taskId: about.taskId } : {}),
          ...(about.sinceMs !== undefined && Number.isFinite(about.sinceMs) ? { sinceMs: about.sinceMs } : {}),
          // The outputs keep every step's duration: one more read after the end when a step was never seen running.
          readAfterSuccess: true,
          now,
        })
      : undefined;
  return {
    deadline: s.deadline,
    timeoutMs: Math.max(1, s.deadline - now()),
    instanceId: s.instanceId,
    jobType: s.jobType,
    // A job that may have ended long ago (resumed, adopted, reconciled) is read at once.
    ...(readAtOnce ? { firstDelayMs: 0, notFoundGraceMs: 0 } : {}),
    ...(progress ? { progress } : {}),
    onProgress: (p) => {
      const line = lines.next(p);
      if (p.kind === "progress" && lines.progress) s.progress = lines.progress;
      if (line) log(`${s.label}: ${line}`);
    },
    ...overrides.wait,
  };
}

/** Waits for a job, logging status changes, step changes and a heartbeat every 30 s. */
export async function waitLogged(s: StepScope, jobId: string, readAtOnce: boolean, about: WaitAbout = {}): Promise<Job> {
  log(`${s.label}: waiting for job ${jobId} (up to ${Math.max(0, Math.round((s.deadline - now()) / 1000))} s)`);
  return waitForJob(s.api, jobId, waitOptions(s, readAtOnce, about));
}

/** The look at the task list before starting. Throws when it cannot be read (nothing was started). */
export async function lookObservation(s: StepScope, windowMs: number, purpose?: LookPurpose): Promise<Observation> {
  const t = now();
  const tasks = await lookAtTasks(s.api, s.instanceId, { fromMs: t - windowMs, toMs: t + TASK_SKEW_MS }, { kind: s.jobType, deadline: s.deadline });
  return { type: "tasks", tasks, ...(purpose ? { purpose } : {}) };
}

/** The look for what an unknown start created, from just before it was sent until now. */
export async function reconcileObservation(s: StepScope, pending: PendingJob): Promise<Observation> {
  const since = Date.parse(pending.since);
  const tasks = await lookAtTasks(s.api, s.instanceId, { fromMs: since - TASK_SKEW_MS, toMs: now() + TASK_SKEW_MS }, { kind: s.jobType, deadline: s.deadline });
  const skewSlackMs = s.api.taskSkewSlackMs?.();
  return { type: "reconcile", tasks, ...(skewSlackMs !== undefined ? { skewSlackMs } : {}) };
}

/**
 * Sends the start call and says what came of it, as an observation: started; outcome unknown (never
 * resent); busy with the same operation (adopt, don't queue); `alreadySet` refusals of state kinds.
 */
export async function startObservation(
  s: StepScope,
  known: { knownTaskIds?: string[]; knownFromMs?: number },
  send: (options: StartCallOptions) => Promise<StartedJob>,
  alreadySet?: (error: unknown) => boolean,
): Promise<Observation> {
  const sentAt = now();
  try {
    const started = await send({ deadline: s.deadline, ...known, isClaimed: (id) => claims.has(id) });
    claims.claim(started.jobId, started.taskId);
    log(`${s.label}: started job ${started.jobId}${started.requestId ? ` (request ${started.requestId})` : ""}${started.reconciled ? " (found in the task list after a lost answer)" : ""}`);
    return { type: "started", jobId: started.jobId, ...(started.taskId ? { taskId: started.taskId } : {}), ...(started.reconciled ? { reconciled: true } : {}) };
  } catch (error) {
    if (error instanceof OperationOutcomeUnknownError) {
      return { type: "start-unknown", sentAtMs: error.sentAt ?? sentAt, knownTaskIds: known.knownTaskIds ?? [], why: error.detail };
    }
    if (error instanceof SameOperationRunningError) return { type: "busy-running", task: error.task };
    if (alreadySet?.(error)) return { type: "already-set" };
    throw error;
  }
}

/**
 * Reads the instance after a job until it reports RUNNING with no operation in progress (a job can read
 * SUCCESS shortly before the instance settles), bounded by a few reads and the step's deadline. Never
 * fails the deployment: the job already succeeded; an instance that does not settle is logged.
 */
export async function settledInstance(s: StepScope): Promise<DcsInstance | undefined> {
  const pause = overrides.settlePauseMs ?? 2_000;
  let inst: DcsInstance | undefined;
  for (let i = 0; i < 5; i++) {
    if (now() >= s.deadline || (i > 0 && now() + pause >= s.deadline)) break;
    if (i > 0) await new Promise((r) => setTimeout(r, pause));
    try {
      inst = await s.api.showInstance(s.instanceId, { deadline: s.deadline });
    } catch (error) {
      log(`${s.label}: could not read the instance after the job (${error instanceof Error ? error.message : String(error)})`);
      return inst;
    }
    if (inst.status === "RUNNING" && !inst.task) return inst;
  }
  log(`${s.label}: the instance still reports status ${inst?.status ?? "?"}${inst?.task ? ` with task ${inst.task}` : ""} after the job ended`);
  return inst;
}
