/**
 * Pure logic of the dynamic resources: input shapes, `check` validation, `diff`, the adoption rule
 * for interrupted runs, and the job-to-outputs mapping. No I/O, no clock: everything time-dependent
 * takes `nowMs`. `runtime.ts` does the calls; this file decides.
 */
import { parseDurationMs } from "../duration";
import { assertInstanceId, assertJobId, assertRegion, checkEndpoint } from "../config";
import { wantsNewJob } from "../lifecycle/planner";
import { recordFromOutputs, type EndedJob, type PendingJob } from "../lifecycle/record";
import type { Job, StepSummary, WaitProgress } from "../types";

/** The value the engine sends for "not known yet" during preview (`@pulumi/pulumi` `runtime/rpc.js`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Default wait for a job: 30 minutes (the vendor Terraform provider's DCS default too). */
export const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60_000;
/** Longest wait accepted: a deploy blocked for more than a day is a mistake, not a plan. */
export const MAX_DURATION_MS = 24 * 3_600_000;
export { TASK_SKEW_MS } from "../tasks";

/** A duration input: `"30m"`, `"90s"`, `"1h30m"`, `"500ms"`, or a number of seconds. */
export type DurationInput = string | number;

/** What every job-waiting resource outputs about its job. */
export interface JobOutputs {
  /** The DCS job ID (`job_id`). */
  jobId: string;
  /** `job_type`, e.g. `masterStandbySwapJob`. */
  jobType: string;
  /** Last status read: `SUCCESS` after a normal run; `INIT`/`RUNNING` in a partially created state. */
  status: string;
  /** `begin_time` as ISO-8601. */
  beginTime?: string;
  /** `end_time` as ISO-8601. */
  endTime?: string;
  /** `end_time - begin_time` in milliseconds. */
  durationMs?: number;
  /** `fail_reason`, when the job failed. */
  failReason?: string;
  /** True when the job was found already started (after an interrupted run) instead of being started. */
  adopted: boolean;
  /**
   * The task's steps (ShowBackgroundTaskProgress) with their statuses and durations, when the wait could
   * read them: where the time went. Absent when the API gave no task or no progress.
   */
  steps?: StepSummary[];
}

/**
 * Optional per-resource location: overrides the stack's `dcs:region` / `dcs:projectId` /
 * `dcs:endpoint` for this resource only (credentials still come from the stack config).
 */
export interface LocationInputs {
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** Plain inputs of `MasterStandbySwap` (as the provider receives them). */
export interface SwapInputs extends LocationInputs {
  instanceId: string;
  triggers?: unknown;
  waitTimeout?: DurationInput;
  adoptWithin?: DurationInput;
  adoptFinished?: boolean;
}

/**
 * The lifecycle record in a resource's outputs (see `lifecycle/record.ts`): the job that may still run,
 * and how the last one ended. Absent in state written by 0.1.0 (read from the flat fields instead).
 */
export interface RecordOutputs {
  /** A job of this resource not yet seen to end; while it is set, every `up` resumes it. */
  pending?: PendingJob;
  /** How the last job of this resource ended (`SUCCESS`, `FAIL`, `GONE`, `NOT_STARTED`). */
  ended?: EndedJob;
}

/** Outputs of `MasterStandbySwap`: the inputs repeated (the engine diffs against outputs) and the job. */
export interface SwapOutputs extends SwapInputs, JobOutputs, RecordOutputs {
  /** The master node after the swap, where ShowInstance reports one. */
  masterNode?: string;
  /** The instance status read after the job succeeded. */
  instanceStatus?: string;
}

/** Plain inputs of `ClientIpPassThrough`. */
export interface PassThroughInputs extends LocationInputs {
  instanceId: string;
  enabled: boolean;
  restoreOnDelete?: boolean;
  waitTimeout?: DurationInput;
}

/** Outputs of `ClientIpPassThrough`. Job fields are set only when the last create/update ran a job. */
export interface PassThroughOutputs extends PassThroughInputs, Partial<Omit<JobOutputs, "adopted">>, RecordOutputs {
  /** The value found before the first create: what `restoreOnDelete` restores. */
  initialEnabled: boolean;
  /** True when the last create/update ran (or adopted) a job; false when the value already matched. */
  changed: boolean;
  adopted: boolean;
}

/** Plain inputs of `DcsJob`. */
export interface DcsJobInputs extends LocationInputs {
  jobId: string;
  instanceId?: string;
  waitTimeout?: DurationInput;
}

/** Outputs of `DcsJob`. */
export interface DcsJobOutputs extends DcsJobInputs, JobOutputs {}

/** A `check` failure, as `@pulumi/pulumi/dynamic` `CheckFailure`. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** A `check` result. */
export interface CheckResult<T> {
  inputs?: T;
  failures?: CheckFailure[];
}

/** A `diff` result, as `@pulumi/pulumi/dynamic` `DiffResult`. */
export interface DiffResult {
  changes: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

// ---- durations ----------------------------------------------------------------------------------

/**
 * Parses a duration (the grammar of {@link parseDurationMs}: a number of seconds, or `"30m"`, `"1h30m"`,
 * `"90s"`, ...). Throws a `RangeError` with a message fit for the user on anything else, on zero (unless
 * `allowZero`) and above 24 h.
 */
export function parseDuration(value: unknown, what = "duration", opts: { allowZero?: boolean } = {}): number {
  const expect = `${what} must be a positive duration such as "30m", "90s", "1h30m" or a number of seconds`;
  if (typeof value !== "number" && typeof value !== "string") {
    throw new RangeError(`${expect}; got ${value === null ? "null" : `a ${typeof value}`}.`);
  }
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new RangeError(`${expect}; got ${typeof value === "number" ? String(value) : JSON.stringify(value.slice(0, 40))}.`);
  }
  if (ms < 0 || (ms === 0 && !opts.allowZero)) throw new RangeError(`${expect}; got ${JSON.stringify(value)}.`);
  if (ms > MAX_DURATION_MS) throw new RangeError(`${what} ${JSON.stringify(value)} is longer than 24 h: a deploy should not block that long.`);
  return ms;
}

/** The wait timeout of an input, default {@link DEFAULT_WAIT_TIMEOUT_MS}. */
export function waitTimeoutMs(value: DurationInput | undefined): number {
  return value === undefined || value === null ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(value, "waitTimeout");
}

/** The adoption window of a swap: `adoptWithin`, default the wait timeout. `0` turns adoption off. */
export function adoptWithinMs(inputs: Pick<SwapInputs, "adoptWithin" | "waitTimeout">): number {
  if (inputs.adoptWithin === undefined || inputs.adoptWithin === null) return waitTimeoutMs(inputs.waitTimeout);
  return parseDuration(inputs.adoptWithin, "adoptWithin", { allowZero: true });
}

// ---- check --------------------------------------------------------------------------------------

/** True when a value is, or contains, the engine's "unknown during preview" marker. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

type Validator = (v: unknown) => void;

export const validators = {
  instanceId: ((v) => assertInstanceId(v)) as Validator,
  jobId: ((v) => assertJobId(v)) as Validator,
  boolean: (name: string): Validator => (v) => {
    if (typeof v !== "boolean") throw new TypeError(`${name} must be true or false; got ${describe(v)}.`);
  },
  duration: (name: string, allowZero = false): Validator => (v) => void parseDuration(v, name, { allowZero }),
  any: (() => undefined) as Validator,
  region: ((v) => {
    if (typeof v !== "string" || v.trim() === "") throw new TypeError(`region must be a region name such as "ap-southeast-1"; got ${describe(v)}.`);
    try {
      assertRegion(v, "huaweicloud");
    } catch (e) {
      try {
        assertRegion(v, "otc");
      } catch {
        throw new TypeError(`${(e as Error).message} (input region overrides the stack's dcs:region for this resource)`);
      }
    }
  }) as Validator,
  projectId: ((v) => {
    if (typeof v !== "string" || !/^[0-9A-Za-z]{1,64}$/.test(v)) throw new TypeError(`projectId must be a project ID (32 hex digits, as in the console's "My Credentials"); got ${describe(v)}.`);
  }) as Validator,
  endpoint: ((v) => {
    if (typeof v !== "string") throw new TypeError(`endpoint must be a URL such as "https://dcs.ap-southeast-1.myhuaweicloud.com"; got ${describe(v)}.`);
    checkEndpoint(v, "input endpoint");
  }) as Validator,
};

/** The location inputs every resource takes (see {@link LocationInputs}). */
export const LOCATION_SPEC: Record<string, FieldSpec> = {
  region: { required: false, validate: validators.region },
  projectId: { required: false, validate: validators.projectId },
  endpoint: { required: false, validate: validators.endpoint },
};

export interface FieldSpec {
  required: boolean;
  validate: Validator;
}

export function runCheck<T>(news: Record<string, unknown>, spec: Record<string, FieldSpec>, typeName: string): CheckResult<T> {
  const failures: CheckFailure[] = [];
  for (const [name, f] of Object.entries(spec)) {
    const v = news[name];
    if (v === undefined || v === null) {
      if (f.required) failures.push({ property: name, reason: `${typeName}: ${name} is required.` });
      continue;
    }
    if (containsUnknown(v)) continue; // checked again when known, before create/update
    try {
      f.validate(v);
    } catch (e) {
      failures.push({ property: name, reason: `${typeName}: ${(e as Error).message}` });
    }
  }
  for (const key of Object.keys(news)) {
    if (key === "__provider" || key in spec) continue;
    // Also the guard that keeps secrets out of inputs: credentials belong in the stack config.
    const hint = /key|secret|token|password|credential/i.test(key) ? " Credentials go in the stack config (dcs:accessKey, dcs:secretKey), never in inputs." : "";
    failures.push({ property: key, reason: `${typeName}: unknown input "${key}"; expected one of ${Object.keys(spec).join(", ")}.${hint}` });
  }
  return failures.length ? { inputs: news as T, failures } : { inputs: news as T };
}

/** `check` of `MasterStandbySwap`. */
export function checkSwap(news: Record<string, unknown>): CheckResult<SwapInputs> {
  return runCheck<SwapInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      triggers: { required: false, validate: validators.any },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      adoptWithin: { required: false, validate: validators.duration("adoptWithin", true) },
      adoptFinished: { required: false, validate: validators.boolean("adoptFinished") },
      ...LOCATION_SPEC,
    },
    "MasterStandbySwap",
  );
}

/** `check` of `ClientIpPassThrough`. */
export function checkPassThrough(news: Record<string, unknown>): CheckResult<PassThroughInputs> {
  return runCheck<PassThroughInputs>(
    news,
    {
      instanceId: { required: true, validate: validators.instanceId },
      enabled: { required: true, validate: validators.boolean("enabled") },
      restoreOnDelete: { required: false, validate: validators.boolean("restoreOnDelete") },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "ClientIpPassThrough",
  );
}

/** `check` of `DcsJob`. */
export function checkDcsJob(news: Record<string, unknown>): CheckResult<DcsJobInputs> {
  return runCheck<DcsJobInputs>(
    news,
    {
      jobId: { required: true, validate: validators.jobId },
      instanceId: { required: false, validate: validators.instanceId },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      ...LOCATION_SPEC,
    },
    "DcsJob",
  );
}

/** Throws the first check failure as an Error (create/update re-check inputs that were unknown at preview). */
export function assertChecked<T>(result: CheckResult<T>): T {
  if (result.failures?.length) throw new TypeError(result.failures.map((f) => f.reason).join(" "));
  return result.inputs as T;
}

// ---- diff ---------------------------------------------------------------------------------------

/** JSON with sorted object keys: two trigger values are "the same" when this is. */
export function stableJson(v: unknown): string {
  if (v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function differs(a: unknown, b: unknown): boolean {
  return containsUnknown(b) || stableJson(a) !== stableJson(b);
}

/** Fields whose change only updates settings in state (no operation runs). */
function settingsDiffer<T extends object>(olds: T, news: T, keys: Array<keyof T>): boolean {
  return keys.some((k) => differs(olds[k], news[k]));
}

/**
 * `diff` of `MasterStandbySwap`: a new instance replaces; a pending job, or `triggers` that ask for a
 * job not yet run, update (the update resumes, then swaps); other settings update state only; nothing
 * changed: no changes, nothing runs. A pending job is always a change, so `refresh` cannot hide it.
 */
export function diffSwap(olds: SwapOutputs, news: SwapInputs): DiffResult {
  const moved = locationReplaces(olds, news, ["instanceId"]);
  if (moved) return moved;
  const stored = stableJson(olds.triggers);
  const record = recordFromOutputs(olds, stored);
  if (record.pending) return { changes: true };
  if (containsUnknown(news.triggers) || wantsNewJob(record, { creating: false, intent: stableJson(news.triggers), storedIntent: stored })) return { changes: true };
  return { changes: settingsDiffer(olds, news as SwapOutputs, ["waitTimeout", "adoptWithin", "adoptFinished", "endpoint"]) };
}

/** `diff` of `ClientIpPassThrough`: a new instance replaces; a pending job, or `enabled` vs the value last seen, update. */
export function diffPassThrough(olds: PassThroughOutputs, news: PassThroughInputs): DiffResult {
  const moved = locationReplaces(olds, news, ["instanceId"]);
  if (moved) return moved;
  if (recordFromOutputs(olds, stableJson(olds.enabled)).pending) return { changes: true };
  return { changes: settingsDiffer(olds, news as PassThroughOutputs, ["enabled", "restoreOnDelete", "waitTimeout", "endpoint"]) };
}

/** The flat job fields of a resource's outputs (0.1.0's public outputs), which describe one job. */
const FLAT_JOB_FIELDS = ["jobId", "jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "adopted", "steps"] as const;

/** Outputs without the flat job fields (for a value that drifted away from what that job set). */
export function withoutJobFields<T extends object>(o: T): T {
  const copy = { ...o } as Record<string, unknown>;
  for (const k of FLAT_JOB_FIELDS) delete copy[k];
  return copy as T;
}

/**
 * A resource whose identity moved (another instance, project or region) is another resource: replace.
 * `endpoint` only says how to reach the same place, so it updates state.
 */
export function locationReplaces(olds: object, news: object, identity: readonly string[]): DiffResult | undefined {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  const replaces = [...identity, "projectId", "region"].filter((k) => differs(o[k], n[k]));
  return replaces.length ? { changes: true, replaces } : undefined;
}

/** `diff` of `DcsJob`: another job replaces; the other fields update state only. */
export function diffDcsJob(olds: DcsJobOutputs, news: DcsJobInputs): DiffResult {
  const moved = locationReplaces(olds, news, ["jobId"]);
  if (moved) return moved;
  return { changes: settingsDiffer(olds, news as DcsJobOutputs, ["instanceId", "waitTimeout", "endpoint"]) };
}

/** `DcsJob` only (it starts nothing, so it keeps no record): the stored job had not ended when written. */
export function hasPendingJob(o: Partial<JobOutputs> | undefined): boolean {
  return !!o && typeof o.jobId === "string" && o.jobId !== "" && o.status !== "SUCCESS" && o.status !== "FAIL";
}

// ---- outputs and messages -----------------------------------------------------------------------

/** The job fields of the outputs. */
export function jobOutputs(job: Job, adopted: boolean): JobOutputs {
  return {
    jobId: job.jobId,
    jobType: job.jobType,
    status: job.status,
    ...(job.beginTime ? { beginTime: job.beginTime.toISOString() } : {}),
    ...(job.endTime ? { endTime: job.endTime.toISOString() } : {}),
    ...(job.durationMs !== undefined ? { durationMs: job.durationMs } : {}),
    ...(job.failReason ? { failReason: job.failReason } : {}),
    adopted,
  };
}

/** Drops `undefined` fields (the engine's struct conversion rejects them in some versions). */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** One progress line, e.g. `job ff80... RUNNING (42 s)`; undefined for events not worth a line. */
export function progressLine(p: WaitProgress, lastLoggedMs: number | undefined, heartbeatMs = 30_000): string | undefined {
  const secs = Math.round(p.elapsedMs / 1000);
  const status = p.job?.status ?? "not readable yet";
  if (p.kind === "status-change") return `job ${p.jobId} ${status} (${secs} s)`;
  if (p.kind === "poll-error") {
    if (lastLoggedMs !== undefined && p.elapsedMs - lastLoggedMs < heartbeatMs) return undefined;
    return `job ${p.jobId} could not be read (${p.error?.message ?? "unknown error"}); still waiting (${secs} s)`;
  }
  if (lastLoggedMs === undefined || p.elapsedMs - lastLoggedMs >= heartbeatMs) return `job ${p.jobId} ${status} (${secs} s)`;
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  if (v === null) return "null";
  return `a ${typeof v}`;
}
