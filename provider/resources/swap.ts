/**
 * `MasterStandbySwap`: an action (runs once per `triggers` value) over the shared lifecycle. This file
 * only maps inputs and outputs around `runLifecycle`; what to start, adopt, resume or refuse is the
 * planner's.
 */
import { DcsApiError } from "../errors";
import type { PlanContext } from "../lifecycle/planner";
import { recordFromOutputs, recordIds, recordOutputs, type LifecycleRecord } from "../lifecycle/record";
import { runLifecycle, type LifecycleIO } from "../lifecycle/runner";
import type { Job } from "../types";
import {
  claims,
  clean,
  client,
  lifecycleError,
  log,
  lookObservation,
  now,
  reconcileObservation,
  settledInstance,
  startObservation,
  unknownOutcomeGraceMs,
  waitObservation,
  type StepScope,
} from "./core";
import {
  adoptWithinMs,
  assertChecked,
  checkSwap,
  compact,
  diffSwap,
  jobOutputs,
  stableJson,
  waitTimeoutMs,
  type CheckResult,
  type DiffResult,
  type JobOutputs,
  type SwapInputs,
  type SwapOutputs,
} from "./logic";

const JOB_TYPE = "masterStandbySwapJob";
const WHAT = "The master/standby switchover";

function label(i: { instanceId: string }): string {
  return `MasterStandbySwap ${i.instanceId}`;
}

/** The resource ID: `instanceId:jobId` of the job its create ran (or `:pending` when none is known yet). */
function swapId(instanceId: string, jobId: string | undefined): string {
  return `${instanceId}:${jobId ?? "pending"}`;
}

/** The flat job fields of the outputs (0.1.0's public outputs). */
const JOB_FIELDS = ["jobId", "jobType", "status", "beginTime", "endTime", "durationMs", "failReason", "adopted"] as const;

/** Inputs the user may remove: they must leave the outputs too. */
const OPTIONAL_INPUTS = ["triggers", "waitTimeout", "adoptWithin", "adoptFinished"] as const;

/**
 * The flat job fields of the outputs (0.1.0's public outputs) for the record's current job: from the
 * job read in this run, else carried over from the stored outputs, else from the record alone.
 */
function flatJobFields(r: LifecycleRecord, last: Job | undefined, prev: SwapOutputs | undefined): Partial<JobOutputs> {
  const current = r.pending ?? r.ended;
  if (!current) return {};
  const adopted = current.origin === "adopted";
  const jobId = current.jobId;
  if (last && jobId && last.jobId === jobId) return jobOutputs(last, adopted);
  if (prev && jobId && prev.jobId === jobId) {
    const { jobType, status, beginTime, endTime, durationMs, failReason } = prev;
    return compact({ jobId, jobType, status: r.pending ? status : (r.ended?.outcome ?? status), beginTime, endTime, durationMs, failReason: r.ended?.failReason ?? failReason, adopted });
  }
  return compact({
    jobId,
    jobType: JOB_TYPE,
    status: r.pending ? "UNKNOWN" : r.ended!.outcome,
    failReason: r.ended?.failReason,
    adopted,
  });
}

function outputsOf(i: SwapInputs, r: LifecycleRecord, last: Job | undefined, prev: SwapOutputs | undefined, extra: Partial<SwapOutputs> = {}): SwapOutputs {
  const base: Partial<SwapOutputs> = { ...(prev ?? {}) };
  for (const k of OPTIONAL_INPUTS) delete base[k];
  // The flat job fields always describe the record's current job, never a previous one.
  for (const k of JOB_FIELDS) delete base[k];
  delete base.pending;
  delete base.ended;
  // `triggers` in the outputs are always those of the record's latest job (what `diff` compares with).
  const triggers = r.pending || r.ended ? JSON.parse(r.pending?.intent ?? r.ended!.intent) : i.triggers;
  return compact({ ...base, ...i, triggers, ...flatJobFields(r, last, prev), ...recordOutputs(r), ...extra } as SwapOutputs);
}

/** Runs create or update through the lifecycle and builds the outputs; rejects as the engine expects. */
async function run(i: SwapInputs, prev: SwapOutputs | undefined, id: string | undefined, raw: object): Promise<{ id: string; outs: SwapOutputs }> {
  const api = client();
  const scope: StepScope = { api, label: label(i), instanceId: i.instanceId, jobType: JOB_TYPE, deadline: now() + waitTimeoutMs(i.waitTimeout) };
  const storedIntent = prev ? stableJson(prev.triggers) : undefined;
  const stored = prev ? recordFromOutputs(prev, storedIntent!) : {};
  const ctx: Omit<PlanContext, "nowMs"> = {
    kind: "action",
    jobType: JOB_TYPE,
    intent: stableJson(i.triggers),
    creating: !prev,
    ...(storedIntent !== undefined ? { storedIntent } : {}),
    adoptWindowMs: adoptWithinMs(i),
    adoptFinished: i.adoptFinished ?? true,
    unknownGraceMs: unknownOutcomeGraceMs(),
    isClaimed: (x) => claims.has(x),
    what: WHAT,
    instanceId: i.instanceId,
  };
  const io: LifecycleIO = {
    wait: (p, atOnce) => waitObservation(scope, p, atOnce),
    reconcile: (p) => reconcileObservation(scope, p),
    look: () => lookObservation(scope, ctx.adoptWindowMs),
    readLive: () => Promise.reject(new Error("a swap has no live value")),
    start: (known) => startObservation(scope, known, (o) => api.swapMasterStandby(i.instanceId, o)),
    claim: (ids) => claims.claim(...ids),
    log: (line) => log(`${scope.label}: ${line}`),
    now,
  };
  const idFor = (r: LifecycleRecord) => id ?? swapId(i.instanceId, r.pending?.jobId ?? r.ended?.jobId);
  let result;
  try {
    result = await runLifecycle(stored, ctx, io);
  } catch (error) {
    throw lifecycleError(error, {
      label: scope.label,
      id: idFor((error as { record?: LifecycleRecord }).record ?? stored),
      stored,
      props: (r) => outputsOf(i, r, scope.lastJob, prev),
      raw,
    });
  }
  const r = result.record;
  let extra: Partial<SwapOutputs> = {};
  if (result.ran) {
    const inst = await settledInstance(scope);
    const job = scope.lastJob;
    log(`${scope.label}: job ${job?.jobId ?? r.ended?.jobId} SUCCESS${job?.durationMs !== undefined ? ` in ${Math.round(job.durationMs / 1000)} s` : ""}${inst?.masterNode ? `; master is now ${inst.masterNode}` : ""}`);
    extra = { masterNode: inst?.masterNode, instanceStatus: inst?.status };
  }
  return { id: idFor(r), outs: outputsOf(i, r, scope.lastJob, prev, extra) };
}

/** The `MasterStandbySwap` provider implementation (what the serialized provider delegates to). */
export const masterStandbySwap = {
  async check(_olds: unknown, news: Record<string, unknown>): Promise<CheckResult<SwapInputs>> {
    return checkSwap(news);
  },

  async diff(_id: string, olds: SwapOutputs, news: SwapInputs): Promise<DiffResult> {
    // Seeing a resource's state is enough to own its jobs: a sibling created later never adopts them.
    claims.claim(...recordIds(recordFromOutputs(olds, stableJson(olds.triggers))));
    return diffSwap(olds, news);
  },

  async create(inputs: SwapInputs): Promise<{ id: string; outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(inputs as unknown as Record<string, unknown>)));
    return run(i, undefined, undefined, inputs);
  },

  /**
   * Refresh only observes: it updates the job's flat fields and the instance's, and never touches the
   * record (a pending job stays pending, so the next `up` still resumes it).
   */
  async read(id: string, props: SwapOutputs): Promise<{ id: string; props: SwapOutputs; inputs: SwapInputs }> {
    const p = clean(props);
    const api = client();
    claims.claim(...recordIds(recordFromOutputs(p, stableJson(p.triggers))));
    let outs: SwapOutputs = p;
    if (p.jobId) {
      try {
        const job = await api.showJob(p.jobId);
        const { adopted: _a, ...fields } = jobOutputs(job, p.adopted ?? false);
        outs = { ...outs, ...fields };
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
    return { id, props: outs, inputs: inputsOf(p) };
  },

  async update(id: string, olds: SwapOutputs, news: SwapInputs): Promise<{ outs: SwapOutputs }> {
    const i = clean(assertChecked(checkSwap(news as unknown as Record<string, unknown>)));
    const { outs } = await run(i, clean(olds), id, news);
    return { outs };
  },

  async delete(_id: string, props: SwapOutputs): Promise<void> {
    const p = clean(props);
    const pending = recordFromOutputs(p, stableJson(p.triggers)).pending;
    log(
      `${label(p)}: removed from the stack only. A master/standby switchover cannot be undone by deleting it ` +
        `(job ${p.jobId ?? "?"}); nothing was started.${pending ? ` A job of it may still run: ${pending.jobId ? `\`dcs-jobs wait ${pending.jobId}\`` : "see the instance's Background Tasks"}.` : ""} To swap again, change \`triggers\`.`,
    );
  },
};

function inputsOf(o: SwapOutputs): SwapInputs {
  return compact({ instanceId: o.instanceId, triggers: o.triggers, waitTimeout: o.waitTimeout, adoptWithin: o.adoptWithin, adoptFinished: o.adoptFinished });
}
