/**
 * `ClientIpPassThrough`: a state kind (brings the instance's `transparent_client_ip_enable` to the
 * wanted value) over the shared state controller (`state.ts`). This file says how to read and set the
 * value and maps the outputs; what to start, adopt or resume is the planner's.
 */
import { DcsApiError } from "../errors";
import { recordFromOutputs, recordIds, recordOutputs, type LifecycleRecord } from "../lifecycle/record";
import { lookAtTasks, TASK_SKEW_MS, type TaskView } from "../tasks";
import type { DcsInstance, Job, StepSummary } from "../types";
import { stepSummaries } from "../waiter/progress";
import { claims, clean, clientFor, log, now, type StepScope } from "./core";
import {
  assertChecked,
  checkPassThrough,
  compact,
  diffPassThrough,
  withoutJobFields,
  jobOutputs,
  stableJson,
  waitTimeoutMs,
  type CheckResult,
  type DiffResult,
  type PassThroughInputs,
  type PassThroughOutputs,
} from "./logic";
import { bringState, diffAgainstLive, type Seen as StateSeen, type StateRun, type StateSpec } from "./state";

const JOB_TYPE = "modifyClientIpTransJob";

function label(i: { instanceId: string }): string {
  return `ClientIpPassThrough ${i.instanceId}`;
}

/** DCS.4846 / DCS.4847: "already off" / "already on" (the start call was refused: nothing to do). */
export function isAlreadySet(error: unknown): boolean {
  return error instanceof DcsApiError && /(^|\.)(4846|4847)$/.test(error.errorCode ?? "");
}

/** The value a pass-through task sets, from its `params` (`{"transparent_client_ip_enable":true}`). */
export function taskSetsValue(t: Pick<TaskView, "params">): boolean | undefined {
  if (!t.params) return undefined;
  try {
    const v = (JSON.parse(t.params) as { transparent_client_ip_enable?: unknown }).transparent_client_ip_enable;
    return typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The value to record as "before create" (what `restoreOnDelete` restores). Usually the value read
 * first. But a create that was interrupted after its job ran finds the value already changed: a recent
 * pass-through task that set the wanted value, not owned by another resource here, says the value
 * before it was the opposite.
 */
export function initialValue(before: boolean | undefined, wanted: boolean, recent: readonly TaskView[], isClaimed: (id: string) => boolean): boolean {
  const changedToWanted = recent.some(
    (t) => t.name === JOB_TYPE && t.phase !== "failed" && taskSetsValue(t) === wanted && !isClaimed(t.taskId) && !(t.jobId && isClaimed(t.jobId)),
  );
  if (changedToWanted && before === wanted) return !wanted;
  return before ?? !wanted;
}

type Seen = StateSeen<boolean>;

/** Client IP pass-through as a state resource. */
export const passThroughSpec: StateSpec<PassThroughInputs, boolean> = {
  type: "ClientIpPassThrough",
  taskName: JOB_TYPE,
  what: (wanted) => `Setting client IP pass-through to ${wanted}`,
  read: async (api, i, deadline) => (await api.showInstance(i.instanceId, { deadline })).transparentClientIpEnable,
  start: (api, i, wanted, o) => api.setClientIpPassThrough(i.instanceId, wanted, o),
  alreadySet: isAlreadySet,
  show: (v) => `pass-through ${v ? "on" : "off"}`,
};

/** Runs the lifecycle towards `wanted` (the shared state controller). */
function bringTo(
  i: PassThroughInputs,
  wanted: boolean,
  prev: PassThroughOutputs | undefined,
  opts: { creating: boolean; id: string; raw: object; props: (r: LifecycleRecord, seen: Seen, last: Job | undefined) => object },
): Promise<StateRun<boolean>> {
  const stored = prev ? recordFromOutputs(prev, stableJson(prev.enabled)) : {};
  return bringState(passThroughSpec, i, wanted, stored, opts);
}

function outputsOf(
  i: PassThroughInputs,
  initialEnabled: boolean,
  r: LifecycleRecord,
  seen: Seen,
  ran: boolean,
  last: Job | undefined,
  prev: PassThroughOutputs | undefined,
  steps?: StepSummary[],
): PassThroughOutputs {
  const current = r.pending ?? r.ended;
  // Job fields describe the job of this run (or the one still pending); a run that found the value
  // already set leaves them out (as 0.1.0 did). `ended` keeps the last job's end either way.
  let fields: Partial<ReturnType<typeof jobOutputs>> = {};
  if (last && current?.jobId === last.jobId) fields = jobOutputs(last, seen.adopted);
  else if (r.pending && prev && prev.jobId === r.pending.jobId) fields = pickJob(prev);
  else if (r.pending) fields = compact({ jobId: r.pending.jobId, jobType: JOB_TYPE, status: "UNKNOWN" });
  const { adopted: _a, ...jobFields } = fields;
  return compact({
    ...i,
    enabled: r.pending ? i.enabled : (seen.live ?? i.enabled),
    initialEnabled,
    changed: ran || !!r.pending || jobFields.jobId !== undefined,
    ...jobFields,
    // The task's steps, when this run read the progress of the job it reports.
    ...(steps && last && jobFields.jobId === last.jobId ? { steps } : {}),
    adopted: seen.adopted,
    ...recordOutputs(r),
  });
}

function pickJob(o: PassThroughOutputs): Partial<ReturnType<typeof jobOutputs>> {
  return compact({ jobId: o.jobId, jobType: o.jobType, status: o.status, beginTime: o.beginTime, endTime: o.endTime, durationMs: o.durationMs, failReason: o.failReason, adopted: o.adopted });
}

/** Recent tasks of the kind, for {@link initialValue}; empty when the list cannot be read (best effort). */
async function recentTasks(scope: StepScope, windowMs: number): Promise<TaskView[]> {
  const t = now();
  try {
    return await lookAtTasks(scope.api, scope.instanceId, { fromMs: t - windowMs, toMs: t + TASK_SKEW_MS }, { kind: JOB_TYPE, deadline: scope.deadline });
  } catch {
    return [];
  }
}

/** The `ClientIpPassThrough` provider implementation. */
export const clientIpPassThrough = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<PassThroughInputs>> {
    return checkPassThrough(news);
  },

  async diff(_id: string, olds: PassThroughOutputs, news: PassThroughInputs): Promise<DiffResult> {
    claims.claim(...recordIds(recordFromOutputs(olds, stableJson(olds.enabled))));
    const d = diffPassThrough(olds, news);
    if (d.changes || news.enabled === undefined) return d;
    return diffAgainstLive(passThroughSpec, clean(news), news.enabled);
  },

  async create(inputs: PassThroughInputs): Promise<{ id: string; outs: PassThroughOutputs }> {
    const i = clean(assertChecked(checkPassThrough(inputs as unknown as Record<string, unknown>)));
    const initial = (seen: Seen) => seen.before ?? !i.enabled;
    const r = await bringTo(i, i.enabled, undefined, {
      creating: true,
      id: i.instanceId,
      raw: inputs,
      props: (rec, seen, last) => outputsOf(i, initial(seen), rec, seen, false, last, undefined),
    });
    let initialEnabled = initial(r.seen);
    if (!r.ran && r.seen.before === i.enabled) {
      initialEnabled = initialValue(r.seen.before, i.enabled, await recentTasks(r.scope, waitTimeoutMs(i.waitTimeout)), (x) => claims.has(x));
      if (initialEnabled !== r.seen.before) log(`${label(i)}: a recent pass-through change set the value to ${i.enabled}: recording ${initialEnabled} as the value before create`);
    }
    return { id: i.instanceId, outs: outputsOf(i, initialEnabled, r.record, r.seen, r.ran, r.last, undefined, stepSummaries(r.scope.progress)) };
  },

  /** Refresh reports the live value (drift) and never touches the record: a pending job stays pending. */
  async read(id: string, props: PassThroughOutputs): Promise<{ id: string; props?: PassThroughOutputs; inputs?: PassThroughInputs }> {
    const p = clean(props);
    claims.claim(...recordIds(recordFromOutputs(p, stableJson(p.enabled))));
    let inst: DcsInstance;
    try {
      inst = await clientFor(p).showInstance(p.instanceId);
    } catch (error) {
      if (error instanceof DcsApiError && error.status === 404) {
        log(`${label(p)}: the instance no longer exists (HTTP 404); dropping the resource from the state`);
        return { id: "" };
      }
      throw error;
    }
    const live = inst.transparentClientIpEnable;
    const pending = recordFromOutputs(p, stableJson(p.enabled)).pending;
    if (live !== undefined && live !== p.enabled && !pending) log(`${label(p)}: drift: pass-through is ${live ? "on" : "off"}, the stack says ${p.enabled ? "on" : "off"}`);
    // While a job of ours is pending, `enabled` stays what it is for (the next `up` finishes it).
    const drifted = live !== undefined && live !== p.enabled && !pending;
    // After drift the job fields would name a job whose value is gone: they are dropped (`ended` keeps it).
    const outs: PassThroughOutputs = { ...(drifted ? withoutJobFields(p) : p), enabled: pending ? p.enabled : (live ?? p.enabled) };
    return { id, props: outs, inputs: compact({ instanceId: p.instanceId, enabled: outs.enabled, restoreOnDelete: p.restoreOnDelete, waitTimeout: p.waitTimeout, region: p.region, projectId: p.projectId, endpoint: p.endpoint }) };
  },

  async update(_id: string, olds: PassThroughOutputs, news: PassThroughInputs): Promise<{ outs: PassThroughOutputs }> {
    const i = clean(assertChecked(checkPassThrough(news as unknown as Record<string, unknown>)));
    const o = clean(olds);
    const initialEnabled = o.initialEnabled ?? !i.enabled;
    const r = await bringTo(i, i.enabled, o, {
      creating: false,
      id: i.instanceId,
      raw: news,
      props: (rec, seen, last) => outputsOf(i, initialEnabled, rec, seen, false, last, o),
    });
    return { outs: outputsOf(i, initialEnabled, r.record, r.seen, r.ran, r.last, o, stepSummaries(r.scope.progress)) };
  },

  async delete(_id: string, props: PassThroughOutputs): Promise<void> {
    const p = clean(props);
    const l = label(p);
    if (!p.restoreOnDelete || p.initialEnabled === undefined) {
      log(`${l}: removed from the stack; the instance is left as it is (pass-through ${p.enabled ? "on" : "off"}; set restoreOnDelete to restore the earlier value)`);
      return;
    }
    try {
      await clientFor(p).showInstance(p.instanceId);
    } catch (error) {
      if (error instanceof DcsApiError && error.status === 404 && !/(^|\.)0101$/.test(error.errorCode ?? "")) {
        log(`${l}: the instance no longer exists (HTTP 404): nothing to restore; removing the resource from the state`);
        return;
      }
      throw error;
    }
    log(`${l}: restoreOnDelete: setting pass-through back to ${p.initialEnabled ? "on" : "off"}, the value found before create`);
    try {
      await bringTo({ ...p, enabled: p.initialEnabled }, p.initialEnabled, p, { creating: false, id: p.instanceId, raw: props, props: () => ({}) });
    } catch (error) {
      // A failed delete keeps the resource in the state, so `pulumi destroy` can simply be run again
      // (a restore job still running is found in the task list and waited for, not started twice).
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message.replace(/ It is saved in the stack state[\s\S]*$/, "")} Run \`pulumi destroy\` again to finish restoring.`);
    }
  },
};
