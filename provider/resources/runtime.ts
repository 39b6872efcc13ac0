/**
 * The provider runtime: what the serialized dynamic providers `require("pulumi-dcs-jobs/runtime")` at
 * call time, inside the engine's dynamic-provider host process. Everything heavy lives here (client,
 * waiter, adoption, partial failures), so the serialized provider text stays a few tiny functions.
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
import { ConfigError, DcsApiError, JobFailedError, JobTimeoutError } from "../errors";
import type { BackgroundTask, DcsApi, DcsInstance, Job, KnownJobType, StartedJob } from "../types";
import { waitForJob, type WaitOptions } from "../waiter/wait";
import {
  adoptWithinMs,
  assertChecked,
  checkDcsJob,
  checkPassThrough,
  checkSwap,
  compact,
  decideAdoption,
  diffDcsJob,
  diffPassThrough,
  diffSwap,
  hasPendingJob,
  jobOutputs,
  planSwapUpdate,
  progressLine,
  TASK_SKEW_MS,
  waitTimeoutMs,
  type CheckResult,
  type DcsJobInputs,
  type DcsJobOutputs,
  type DiffResult,
  type JobOutputs,
  type PassThroughInputs,
  type PassThroughOutputs,
  type SwapInputs,
  type SwapOutputs,
} from "./logic";
import { clientOptionsFrom, explainConfigError, readStackSettings, type ConfigLike, type StackSettings } from "./settings";

// ---- module state -------------------------------------------------------------------------------

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
  /** Wall clock for adoption windows. */
  now?: () => number;
  /** Pause between reads while waiting for the instance to settle after a job. Default 2 s. */
  settlePauseMs?: number;
}

let stack: StackSettings = {};
let overrides: RuntimeOverrides = {};
let cached: { key: string; client: DcsApi } | undefined;

/** Sets test knobs (replacing earlier ones) and drops the cached client. */
export function setRuntimeOverrides(o: RuntimeOverrides): void {
  overrides = { ...o };
  cached = undefined;
}

/** Back to a fresh process: no stack settings, no overrides, no client. */
export function resetRuntime(): void {
  stack = {};
  overrides = {};
  cached = undefined;
}

/**
 * The providers' `configure` hook: keeps the `dcs:` stack config in this process's memory. Checks
 * nothing (preview needs no credentials); create/read/update/delete resolve and check on first use.
 */
export async function configure(req: { config: ConfigLike }): Promise<void> {
  stack = readStackSettings(req.config);
  cached = undefined;
}

function env(): Env {
  return overrides.env ?? process.env;
}

function now(): number {
  return (overrides.now ?? Date.now)();
}

function log(line: string): void {
  const sink = overrides.log ?? ((l: string) => void process.stderr.write(l + "\n"));
  try {
    sink(`[dcs] ${line}`);
  } catch {
    // Logging never breaks an operation.
  }
}

/** The client for the current settings, created on first use and reused. Throws a user-facing ConfigError. */
function client(): DcsApi {
  const e = env();
  let options: DcsClientOptions;
  try {
    options = { ...clientOptionsFrom(stack, e), ...overrides.client };
  } catch (err) {
    throw err instanceof ConfigError ? err : new ConfigError(String(err));
  }
  // The cache key is a hash: credentials never sit in a readable string.
  const key = createHash("sha256").update(JSON.stringify([options, pickEnv(e)])).digest("hex");
  if (cached?.key === key) return cached.client;
  let c: DcsClient;
  try {
    c = new DcsClient(options, e);
  } catch (err) {
    throw err instanceof ConfigError ? explainConfigError(err) : err;
  }
  cached = { key, client: c };
  return c;
}

function pickEnv(e: Env): Array<string | undefined> {
  return Object.keys(e)
    .filter((k) => k.startsWith("HW_") || k.startsWith("HUAWEICLOUD_SDK_"))
    .sort()
    .map((k) => `${k}=${e[k]}`);
}

// ---- shared pieces ------------------------------------------------------------------------------

/**
 * A rejection in the shape the dynamic-provider host turns into a partial failure
 * (`grpcResponseFromError` in `@pulumi/pulumi/cmd/dynamic-provider`: `message`, `id`, `properties`,
 * `reasons` -> `ErrorResourceInitFailed`). The engine stores `properties` as the resource's outputs,
 * and the next `up` calls `update`, which resumes the stored job.
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
function clean<T extends object>(inputs: T): T {
  const { __provider: _p, ...rest } = inputs as T & { __provider?: unknown };
  return compact(rest as T);
}

/**
 * Partial-failure properties must carry `__provider` themselves: the host adds it to normal results
 * (`resultIncludingProvider`) but not to error details, and refresh/delete load the provider from it.
 */
function withProvider(props: object, inputs: object): Record<string, unknown> {
  const p = (inputs as { __provider?: unknown }).__provider;
  return { ...compact(props), ...(p !== undefined ? { __provider: p } : {}) };
}

interface WaitContext {
  label: string;
  instanceId?: string;
  timeoutMs: number;
  jobType?: string;
  /**
   * The job was started elsewhere, maybe long ago (DcsJob, waitForDcsJob): read it at once instead of waiting
   * out the first delay meant for a job this call just started.
   */
  existingJob?: boolean;
}

/** Waits for a job, logging status changes and a heartbeat every 30 s. */
async function waitLogged(api: DcsApi, jobId: string, ctx: WaitContext): Promise<Job> {
  let lastLogged: number | undefined;
  log(`${ctx.label}: waiting for job ${jobId} (up to ${Math.round(ctx.timeoutMs / 1000)} s)`);
  return waitForJob(api, jobId, {
    timeoutMs: ctx.timeoutMs,
    ...(ctx.instanceId ? { instanceId: ctx.instanceId } : {}),
    ...(ctx.jobType ? { jobType: ctx.jobType } : {}),
    ...(ctx.existingJob ? { firstDelayMs: 0 } : {}),
    onProgress: (p) => {
      const line = progressLine(p, lastLogged);
      if (line) {
        lastLogged = p.elapsedMs;
        log(`${ctx.label}: ${line}`);
      }
    },
    ...overrides.wait,
  });
}

/** The message of a failed job: fail reason, job ID and instance ID, always. */
function failedMessage(what: string, error: JobFailedError, instanceId: string | undefined): string {
  const on = instanceId ? ` on DCS instance ${instanceId}` : "";
  return `${what}${on} failed: DCS job ${error.job.jobId} (${error.job.jobType}) ended in FAIL: ${error.failReason ?? "no fail_reason given"}.`;
}

/** Why a wait stopped, for a partial failure, plus what the next `up` does. */
function interruptedMessage(what: string, jobId: string, instanceId: string | undefined, error: unknown): string {
  const on = instanceId ? ` on DCS instance ${instanceId}` : "";
  const why =
    error instanceof JobTimeoutError
      ? `the wait timed out after ${Math.round(error.timeoutMs / 1000)} s (last status: ${error.lastStatus ?? "never read"}; raise waitTimeout if the job is slow)`
      : `the wait failed: ${error instanceof Error ? error.message : String(error)}`;
  return (
    `${what}${on}: job ${jobId} was started but ${why}. The job ID is saved in the stack state; ` +
    "the next `pulumi up` resumes waiting on this job instead of starting another one."
  );
}

/** All tasks of an instance in a window, paged. */
async function listTasksInWindow(api: DcsApi, instanceId: string, fromMs: number, toMs: number): Promise<BackgroundTask[]> {
  const all: BackgroundTask[] = [];
  const limit = 50;
  for (let offset = 0; offset < 1000; offset += limit) {
    const page = await api.listTasks(instanceId, { start: new Date(fromMs), end: new Date(toMs), offset, limit });
    all.push(...page);
    if (page.length < limit) break;
  }
  return all;
}

interface StartOrAdopt {
  jobId: string;
  adopted: boolean;
}

/**
 * Looks in the task list for an operation of `kind` an interrupted run may have started, and adopts it
 * per {@link decideAdoption}; otherwise starts one. A task list that cannot be read stops here: starting
 * blind could run a non-idempotent operation twice.
 */
async function startOrAdopt(
  api: DcsApi,
  instanceId: string,
  kind: KnownJobType,
  label: string,
  adoption: { windowMs: number; adoptFinished: boolean; excludeJobIds?: string[]; notBeforeMs?: number },
  start: () => Promise<StartedJob>,
): Promise<StartOrAdopt> {
  if (adoption.windowMs > 0) {
    const t = now();
    let tasks: BackgroundTask[];
    try {
      tasks = await listTasksInWindow(api, instanceId, t - adoption.windowMs, t + TASK_SKEW_MS);
    } catch (error) {
      throw new Error(
        `${label}: could not read the instance's background tasks to check for a ${kind} an interrupted run may have ` +
          `started (${error instanceof Error ? error.message : String(error)}). Nothing was started. Retry, or set ` +
          "adoptWithin: 0 to skip this check.",
      );
    }
    const decision = decideAdoption(tasks, { kind, nowMs: t, ...adoption });
    for (const { task, why } of decision.passedOver) log(`${label}: not adopting ${kind} task ${task.id} from ${task.createdAt.toISOString()}: ${why}`);
    if (decision.adopt) {
      const task = decision.adopt;
      const by = task.userName ? ` by ${task.userName}` : "";
      log(
        `${label}: adopting ${kind} job ${task.id} started${by} at ${task.createdAt.toISOString()} (task status ${task.status || "?"}) ` +
          `instead of starting a new one${decision.phase === "succeeded" ? " (set adoptFinished: false or adoptWithin: 0 to always start a new one)" : ""}`,
      );
      return { jobId: task.id, adopted: true };
    }
  }
  const started = await start();
  log(`${label}: started job ${started.jobId}${started.requestId ? ` (request ${started.requestId})` : ""}${started.reconciled ? " (found in the task list after a lost answer)" : ""}`);
  return { jobId: started.jobId, adopted: false };
}

/**
 * Reads the instance after a job until it reports RUNNING with no operation in progress (a job can read
 * SUCCESS shortly before the instance settles), bounded by a few reads. Never fails the deployment: the
 * job already succeeded; an instance that does not settle is logged.
 */
async function settledInstance(api: DcsApi, instanceId: string, label: string): Promise<DcsInstance | undefined> {
  const pause = overrides.settlePauseMs ?? 2_000;
  let inst: DcsInstance | undefined;
  for (let i = 0; i < 5; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, pause));
    try {
      inst = await api.showInstance(instanceId);
    } catch (error) {
      log(`${label}: could not read the instance after the job (${error instanceof Error ? error.message : String(error)})`);
      return inst;
    }
    if (inst.status === "RUNNING" && !inst.task) return inst;
  }
  log(`${label}: the instance still reports status ${inst?.status ?? "?"}${inst?.task ? ` with task ${inst.task}` : ""} after the job ended`);
  return inst;
}

// ---- MasterStandbySwap --------------------------------------------------------------------------

function swapLabel(i: { instanceId: string }): string {
  return `MasterStandbySwap ${i.instanceId}`;
}

function swapId(instanceId: string, jobId: string): string {
  return `${instanceId}:${jobId}`;
}

/** Waits for a swap job and builds the outputs; FAIL -> plain error, anything else -> partial failure. */
async function finishSwap(api: DcsApi, i: SwapInputs, jobId: string, adopted: boolean, id: string, raw: object): Promise<SwapOutputs> {
  const label = swapLabel(i);
  let job: Job;
  try {
    job = await waitLogged(api, jobId, { label, instanceId: i.instanceId, timeoutMs: waitTimeoutMs(i.waitTimeout), jobType: "masterStandbySwapJob" });
  } catch (error) {
    if (error instanceof JobFailedError) throw new Error(failedMessage("The master/standby switchover", error, i.instanceId));
    if (adopted && error instanceof DcsApiError && error.status === 404) {
      // The task list's ID did not read as a job (the vendor does not document that they are the same).
      throw new Error(
        `${label}: the switchover adopted from the task list (task ${jobId}) cannot be read as a DCS job (HTTP 404). ` +
          "Nothing was started. Check the instance's Background Tasks; set adoptWithin: 0 to start a new switchover without adopting.",
      );
    }
    const message = interruptedMessage("The master/standby switchover", jobId, i.instanceId, error);
    const last = error instanceof JobTimeoutError ? error.lastJob : undefined;
    const props: SwapOutputs = {
      ...i,
      ...(last ? jobOutputs(last, adopted) : { jobId, jobType: "masterStandbySwapJob", status: "UNKNOWN", adopted }),
    };
    throw new PartialFailure(message, id, withProvider(props, raw), [message]);
  }
  const inst = await settledInstance(api, i.instanceId, label);
  log(`${label}: job ${jobId} SUCCESS${job.durationMs !== undefined ? ` in ${Math.round(job.durationMs / 1000)} s` : ""}${inst?.masterNode ? `; master is now ${inst.masterNode}` : ""}`);
  return compact({ ...i, ...jobOutputs(job, adopted), masterNode: inst?.masterNode, instanceStatus: inst?.status });
}

/** The `MasterStandbySwap` provider implementation (what the serialized provider delegates to). */
export const masterStandbySwap = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<SwapInputs>> {
    return checkSwap(news);
  },

  async diff(_id: string, olds: SwapOutputs, news: SwapInputs): Promise<DiffResult> {
    return diffSwap(olds, news);
  },

  async create(inputs: SwapInputs): Promise<{ id: string; outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(inputs as unknown as Record<string, unknown>)));
    const api = client();
    const label = swapLabel(i);
    const { jobId, adopted } = await startOrAdopt(
      api,
      i.instanceId,
      "masterStandbySwapJob",
      label,
      { windowMs: adoptWithinMs(i), adoptFinished: i.adoptFinished ?? true },
      () => api.swapMasterStandby(i.instanceId),
    );
    const id = swapId(i.instanceId, jobId);
    return { id, outs: await finishSwap(api, i, jobId, adopted, id, inputs) };
  },

  async read(id: string, props: SwapOutputs): Promise<{ id: string; props: SwapOutputs; inputs: SwapInputs }> {
    const p = clean(props);
    const api = client();
    let outs: SwapOutputs = p;
    if (p.jobId) {
      try {
        outs = { ...outs, ...jobOutputs(await api.showJob(p.jobId), p.adopted ?? false) };
      } catch (error) {
        // Jobs are not kept forever: a job the API no longer knows leaves the recorded result as it is.
        if (!(error instanceof DcsApiError && error.status === 404)) throw error;
      }
    }
    try {
      const inst = await api.showInstance(p.instanceId);
      outs = compact({ ...outs, masterNode: inst.masterNode, instanceStatus: inst.status });
    } catch (error) {
      if (!(error instanceof DcsApiError && error.status === 404)) throw error;
    }
    return { id, props: outs, inputs: swapInputsOf(p) };
  },

  async update(id: string, olds: SwapOutputs, news: SwapInputs): Promise<{ outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(news as unknown as Record<string, unknown>)));
    const o = clean(olds);
    const plan = planSwapUpdate(o, i);
    const label = swapLabel(i);
    let outs: SwapOutputs = { ...o, ...i };
    // Inputs the user removed must leave the outputs too.
    for (const k of ["triggers", "waitTimeout", "adoptWithin", "adoptFinished"] as const) if (!(k in i)) delete outs[k];
    if (!plan.resumeJobId && !plan.startNew) return { outs: compact(outs) };
    const api = client();
    if (plan.resumeJobId) {
      log(`${label}: resuming the wait on job ${plan.resumeJobId} from an earlier run (not starting another swap)`);
      // Stored triggers are the ones the pending job was started for: keep them until it ends.
      outs = await finishSwap(api, { ...i, triggers: o.triggers }, plan.resumeJobId, o.adopted ?? false, id, { ...news, triggers: o.triggers });
      if (!("triggers" in o)) delete outs.triggers;
    }
    if (plan.startNew) {
      const previousBegin = outs.beginTime ? Date.parse(outs.beginTime) : undefined;
      const { jobId, adopted } = await startOrAdopt(
        api,
        i.instanceId,
        "masterStandbySwapJob",
        label,
        {
          windowMs: adoptWithinMs(i),
          adoptFinished: i.adoptFinished ?? true,
          // Never the previous job, nor anything that began before it: only what an interrupted update started.
          excludeJobIds: [o.jobId, outs.jobId].filter((x): x is string => !!x),
          ...(previousBegin !== undefined && !Number.isNaN(previousBegin) ? { notBeforeMs: previousBegin } : {}),
        },
        () => api.swapMasterStandby(i.instanceId),
      );
      outs = await finishSwap(api, i, jobId, adopted, id, news);
    }
    return { outs };
  },

  async delete(_id: string, props: SwapOutputs): Promise<void> {
    const p = clean(props);
    log(
      `${swapLabel(p)}: removed from the stack only. A master/standby switchover cannot be undone by deleting it ` +
        `(job ${p.jobId ?? "?"}); nothing was started. To swap again, change \`triggers\`.`,
    );
  },
};

function swapInputsOf(o: SwapOutputs): SwapInputs {
  return compact({ instanceId: o.instanceId, triggers: o.triggers, waitTimeout: o.waitTimeout, adoptWithin: o.adoptWithin, adoptFinished: o.adoptFinished });
}

// ---- ClientIpPassThrough ------------------------------------------------------------------------

function passLabel(i: { instanceId: string }): string {
  return `ClientIpPassThrough ${i.instanceId}`;
}

/** What {@link ensurePassThrough} did. */
interface EnsureResult {
  /** The value read before anything was done. */
  before: boolean | undefined;
  /** The value read at the end. */
  after: boolean | undefined;
  job?: Job;
  adopted: boolean;
  changed: boolean;
}

/** DCS.4846 / DCS.4847: "already off" / "already on" (the start call was refused: nothing to do). */
function isAlreadySet(error: unknown): boolean {
  return error instanceof DcsApiError && /(^|\.)(4846|4847)$/.test(error.errorCode ?? "");
}

/**
 * Brings pass-through to `wanted`: waits first for a pass-through job already running on the instance
 * (an interrupted run's, or someone else's), then reads the value and starts a job only if it differs.
 * `pending` is a job from a partial state to resume first.
 */
async function ensurePassThrough(
  api: DcsApi,
  i: { instanceId: string; waitTimeout?: string | number },
  wanted: boolean,
  raw: object,
  partialProps: (job: Partial<JobOutputs>, before: boolean | undefined) => object,
  pendingJobId?: string,
): Promise<EnsureResult> {
  const label = passLabel(i);
  const timeoutMs = waitTimeoutMs(i.waitTimeout);
  const ctx: WaitContext = { label, instanceId: i.instanceId, timeoutMs, jobType: "modifyClientIpTransJob" };
  let inst = await api.showInstance(i.instanceId);
  const before = inst.transparentClientIpEnable;
  let job: Job | undefined;
  let adopted = false;

  const waitOrPartial = async (jobId: string, adopting: boolean): Promise<Job | undefined> => {
    try {
      return await waitLogged(api, jobId, ctx);
    } catch (error) {
      if (error instanceof JobFailedError) {
        if (adopting) {
          // Not our job (or a lost one that failed): read the value again and act on it below.
          log(`${label}: ${failedMessage("An earlier pass-through change", error, i.instanceId)}`);
          return undefined;
        }
        throw new Error(failedMessage(`Setting client IP pass-through to ${wanted}`, error, i.instanceId));
      }
      const message = interruptedMessage(`Setting client IP pass-through to ${wanted}`, jobId, i.instanceId, error);
      const last = error instanceof JobTimeoutError ? error.lastJob : undefined;
      const jobFields = last ? jobOutputs(last, adopting) : { jobId, jobType: "modifyClientIpTransJob", status: "UNKNOWN" };
      throw new PartialFailure(message, i.instanceId, withProvider(partialProps(jobFields, before), raw), [message]);
    }
  };

  if (pendingJobId) {
    log(`${label}: resuming the wait on job ${pendingJobId} from an earlier run`);
    job = await waitOrPartial(pendingJobId, true);
    adopted = true;
  } else {
    const t = now();
    const tasks = await listTasksInWindow(api, i.instanceId, t - timeoutMs, t + TASK_SKEW_MS);
    const decision = decideAdoption(tasks, { kind: "modifyClientIpTransJob", nowMs: t, windowMs: timeoutMs, adoptFinished: false });
    if (decision.adopt) {
      log(`${label}: a pass-through change (job ${decision.adopt.id}, started ${decision.adopt.createdAt.toISOString()}) is still running: waiting for it first`);
      job = await waitOrPartial(decision.adopt.id, true);
      adopted = true;
    }
  }
  if (job || adopted) inst = await api.showInstance(i.instanceId);

  if (inst.transparentClientIpEnable === wanted) {
    log(`${label}: pass-through is already ${wanted ? "on" : "off"}; no job started`);
    return { before, after: wanted, ...(job ? { job } : {}), adopted: adopted && !!job, changed: adopted && !!job };
  }
  let started: StartedJob;
  try {
    started = await api.setClientIpPassThrough(i.instanceId, wanted);
  } catch (error) {
    if (isAlreadySet(error)) {
      log(`${label}: the API answered that pass-through is already ${wanted ? "on" : "off"}; no job started`);
      return { before, after: wanted, adopted: false, changed: false };
    }
    throw error;
  }
  log(`${label}: started job ${started.jobId} to turn pass-through ${wanted ? "on" : "off"}`);
  const done = await waitOrPartial(started.jobId, false);
  const after = (await settledInstance(api, i.instanceId, label))?.transparentClientIpEnable;
  if (after !== undefined && after !== wanted) log(`${label}: job ${started.jobId} succeeded but the instance reports pass-through ${after ? "on" : "off"}`);
  return { before, after: after ?? wanted, ...(done ? { job: done } : {}), adopted: false, changed: true };
}

function passOutputs(i: PassThroughInputs, initialEnabled: boolean, r: EnsureResult): PassThroughOutputs {
  return compact({
    ...i,
    enabled: r.after ?? i.enabled,
    initialEnabled,
    changed: r.changed,
    ...(r.job ? jobOutputs(r.job, r.adopted) : {}),
    adopted: r.adopted,
  });
}

/** The `ClientIpPassThrough` provider implementation. */
export const clientIpPassThrough = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<PassThroughInputs>> {
    return checkPassThrough(news);
  },

  async diff(_id: string, olds: PassThroughOutputs, news: PassThroughInputs): Promise<DiffResult> {
    return diffPassThrough(olds, news);
  },

  async create(inputs: PassThroughInputs): Promise<{ id: string; outs: PassThroughOutputs }> {
    const i = clean(assertChecked(checkPassThrough(inputs as unknown as Record<string, unknown>)));
    const api = client();
    // Before the first read nothing is known: an instance that does not report the value is assumed to
    // have had the opposite of what is wanted (that is what a started job implies).
    const r = await ensurePassThrough(api, i, i.enabled, inputs, (job, before) => ({ ...i, initialEnabled: before ?? !i.enabled, changed: true, adopted: false, ...job }));
    return { id: i.instanceId, outs: passOutputs(i, r.before ?? !i.enabled, r) };
  },

  async read(id: string, props: PassThroughOutputs): Promise<{ id: string; props?: PassThroughOutputs; inputs?: PassThroughInputs }> {
    const p = clean(props);
    const api = client();
    let inst: DcsInstance;
    try {
      inst = await api.showInstance(p.instanceId);
    } catch (error) {
      if (error instanceof DcsApiError && error.status === 404) {
        log(`${passLabel(p)}: the instance no longer exists (HTTP 404); dropping the resource from the state`);
        return { id: "" };
      }
      throw error;
    }
    const live = inst.transparentClientIpEnable;
    if (live !== undefined && live !== p.enabled) log(`${passLabel(p)}: drift: pass-through is ${live ? "on" : "off"}, the stack says ${p.enabled ? "on" : "off"}`);
    const outs: PassThroughOutputs = { ...p, enabled: live ?? p.enabled };
    return { id, props: outs, inputs: compact({ instanceId: p.instanceId, enabled: outs.enabled, restoreOnDelete: p.restoreOnDelete, waitTimeout: p.waitTimeout }) };
  },

  async update(_id: string, olds: PassThroughOutputs, news: PassThroughInputs): Promise<{ outs: PassThroughOutputs }> {
    const i = clean(assertChecked(checkPassThrough(news as unknown as Record<string, unknown>)));
    const o = clean(olds);
    const initial = o.initialEnabled ?? !i.enabled;
    const pending = hasPendingJob(o) ? o.jobId : undefined;
    const r = await ensurePassThrough(api(), i, i.enabled, news, (job) => ({ ...i, initialEnabled: initial, changed: true, adopted: false, ...job }), pending);
    return { outs: passOutputs(i, initial, r) };
  },

  async delete(_id: string, props: PassThroughOutputs): Promise<void> {
    const p = clean(props);
    const label = passLabel(p);
    if (!p.restoreOnDelete || p.initialEnabled === undefined) {
      log(`${label}: removed from the stack; the instance is left as it is (pass-through ${p.enabled ? "on" : "off"}; set restoreOnDelete to restore the earlier value)`);
      return;
    }
    log(`${label}: restoreOnDelete: setting pass-through back to ${p.initialEnabled ? "on" : "off"}, the value found before create`);
    try {
      await ensurePassThrough(api(), p, p.initialEnabled, props, (job) => ({ ...p, ...job }));
    } catch (error) {
      // A failed delete keeps the resource in the state, so `pulumi destroy` can simply be run again.
      if (error instanceof PartialFailure) throw new Error(`${error.message.replace(/The job ID is saved[\s\S]*$/, "")}Run \`pulumi destroy\` again to wait for it.`);
      throw error;
    }
  },
};

function api(): DcsApi {
  return client();
}

// ---- DcsJob -------------------------------------------------------------------------------------

function jobLabel(i: DcsJobInputs): string {
  return `DcsJob ${i.jobId}${i.instanceId ? ` (instance ${i.instanceId})` : ""}`;
}

/**
 * Waits for an existing job. Errors are plain (no partial state): nothing was started here, so the
 * next `up` simply waits again.
 */
async function finishDcsJob(i: DcsJobInputs): Promise<DcsJobOutputs> {
  try {
    const job = await waitLogged(client(), i.jobId, { label: jobLabel(i), ...(i.instanceId ? { instanceId: i.instanceId } : {}), timeoutMs: waitTimeoutMs(i.waitTimeout), existingJob: true });
    log(`${jobLabel(i)}: SUCCESS`);
    return compact({ ...i, ...jobOutputs(job, false) });
  } catch (error) {
    if (error instanceof JobFailedError) throw new Error(failedMessage(`DCS job ${i.jobId}`, error, i.instanceId));
    throw error;
  }
}

/** The `DcsJob` provider implementation. */
export const dcsJob = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<DcsJobInputs>> {
    return checkDcsJob(news);
  },

  async diff(_id: string, olds: DcsJobOutputs, news: DcsJobInputs): Promise<DiffResult> {
    return diffDcsJob(olds, news);
  },

  async create(inputs: DcsJobInputs): Promise<{ id: string; outs: DcsJobOutputs }> {
    const i = clean(assertChecked(checkDcsJob(inputs as unknown as Record<string, unknown>)));
    return { id: i.jobId, outs: await finishDcsJob(i) };
  },

  async read(id: string, props: DcsJobOutputs): Promise<{ id: string; props: DcsJobOutputs; inputs: DcsJobInputs }> {
    const p = clean(props);
    let outs: DcsJobOutputs = p;
    try {
      outs = compact({ ...p, ...jobOutputs(await client().showJob(p.jobId), false) });
    } catch (error) {
      if (!(error instanceof DcsApiError && error.status === 404)) throw error;
    }
    return { id, props: outs, inputs: compact({ jobId: p.jobId, instanceId: p.instanceId, waitTimeout: p.waitTimeout }) };
  },

  async update(_id: string, olds: DcsJobOutputs, news: DcsJobInputs): Promise<{ outs: DcsJobOutputs }> {
    const i = clean(assertChecked(checkDcsJob(news as unknown as Record<string, unknown>)));
    const o = clean(olds);
    if (hasPendingJob(o)) {
      log(`${jobLabel(i)}: resuming the wait from an earlier run`);
      return { outs: await finishDcsJob(i) };
    }
    const outs: DcsJobOutputs = { ...o, ...i };
    for (const k of ["instanceId", "waitTimeout"] as const) if (!(k in i)) delete outs[k];
    return { outs: compact(outs) };
  },

  async delete(): Promise<void> {
    // Waiting on a job has nothing to undo.
  },
};

// ---- the function form --------------------------------------------------------------------------

/**
 * Waits for a job with the settings of this process (stack config given to {@link configure}, else
 * the environment). Used by `waitForDcsJob` in the program process. FAIL and timeouts reject.
 */
export async function waitForJobOutputs(i: DcsJobInputs, settings?: StackSettings): Promise<JobOutputs> {
  const checked = assertChecked(checkDcsJob(i as unknown as Record<string, unknown>));
  if (settings) stack = settings;
  const job = await waitLogged(client(), checked.jobId, {
    label: jobLabel(checked),
    ...(checked.instanceId ? { instanceId: checked.instanceId } : {}),
    timeoutMs: waitTimeoutMs(checked.waitTimeout),
    existingJob: true,
  }).catch((error: unknown) => {
    if (error instanceof JobFailedError) throw new Error(failedMessage(`DCS job ${checked.jobId}`, error, checked.instanceId));
    throw error;
  });
  return jobOutputs(job, false);
}
