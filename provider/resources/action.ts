/**
 * The controller of every action resource (runs once per `triggers` value: a swap, a cluster
 * switchover, the generic `DcsOperation`): maps inputs and outputs around `runLifecycle`. A resource
 * is an {@link ActionSpec}: how to start its call and what to add to its outputs; what to start,
 * adopt, resume or refuse is the planner's.
 */
import type { PlanContext } from "../lifecycle/planner";
import { recordFromOutputs, recordIds, recordOutputs, type LifecycleRecord } from "../lifecycle/record";
import { runLifecycle, type LifecycleIO } from "../lifecycle/runner";
import type { DcsApi, Job, StartCallOptions, StartedJob, StepSummary } from "../types";
import { stepSummaries } from "../waiter/progress";
import { claims, clientFor, lifecycleError, log, lookObservation, now, reconcileObservation, startObservation, unknownOutcomeGraceMs, waitObservation, type Location, type StepScope } from "./core";
import { adoptWithinMs, compact, withoutJobFields, jobOutputs, stableJson, waitTimeoutMs, type DurationInput, type JobOutputs, type RecordOutputs } from "./logic";

/** The inputs every action resource has (besides its own). */
export interface ActionInputs extends Location {
  triggers?: unknown;
  waitTimeout?: DurationInput;
  adoptWithin?: DurationInput;
  adoptFinished?: boolean;
}

/** The outputs every action resource has: its inputs, the job and the record. */
export type ActionOutputs<I> = I & Partial<JobOutputs> & RecordOutputs;

/** What makes an action resource. */
export interface ActionSpec<I extends ActionInputs> {
  /** "MasterStandbySwap". */
  type: string;
  /** Task name in the task lists ("" when unknown: no adoption, no reconciliation). */
  taskName: string;
  /** For messages: "The master/standby switchover". */
  what: string;
  /** The instance the job runs on (task lists are per instance); undefined: not tied to one. */
  instanceId(i: I): string | undefined;
  /** The log label's subject, e.g. the instance ID. */
  subject(i: I): string;
  /** Sends the start call. */
  start(api: DcsApi, i: I, options: StartCallOptions): Promise<StartedJob>;
  /** Inputs the user may remove (they must leave the outputs too). */
  optionalInputs: readonly string[];
  /** Extra outputs after a job of ours succeeded (read with the same deadline). */
  afterSuccess?(scope: StepScope, i: I, job: Job | undefined): Promise<Record<string, unknown>>;
}

/**
 * The flat job fields for the record's current job: from the job read in this run, else carried over
 * from the stored outputs, else from the record alone.
 */
function flatJobFields(r: LifecycleRecord, last: Job | undefined, prev: Partial<JobOutputs> | undefined, jobType: string): Partial<JobOutputs> {
  const current = r.pending ?? r.ended;
  if (!current) return {};
  const adopted = current.origin === "adopted";
  const jobId = current.jobId;
  if (last && jobId && last.jobId === jobId) return jobOutputs(last, adopted);
  if (prev && jobId && prev.jobId === jobId) {
    const { jobType: t, status, beginTime, endTime, durationMs, failReason, steps } = prev;
    return compact({ jobId, jobType: t, status: r.pending ? status : (r.ended?.outcome ?? status), beginTime, endTime, durationMs, failReason: r.ended?.failReason ?? failReason, adopted, steps });
  }
  return compact({ jobId, jobType: jobType || undefined, status: r.pending ? "UNKNOWN" : r.ended!.outcome, failReason: r.ended?.failReason, adopted });
}

/** The resource's label in logs and messages. */
export function actionLabel<I extends ActionInputs>(spec: ActionSpec<I>, i: I): string {
  return `${spec.type} ${spec.subject(i)}`;
}

function outputsOf<I extends ActionInputs>(spec: ActionSpec<I>, i: I, r: LifecycleRecord, last: Job | undefined, prev: ActionOutputs<I> | undefined, extra: Record<string, unknown> = {}): ActionOutputs<I> {
  // The flat job fields always describe the record's current job, never a previous one.
  const base: Record<string, unknown> = withoutJobFields({ ...(prev ?? {}) });
  for (const k of spec.optionalInputs) delete base[k];
  delete base.pending;
  delete base.ended;
  // `triggers` in the outputs are always those of the record's latest job (what `diff` compares with).
  const triggers = r.pending || r.ended ? JSON.parse(r.pending?.intent ?? r.ended!.intent) : i.triggers;
  return compact({ ...base, ...i, triggers, ...flatJobFields(r, last, prev, spec.taskName), ...recordOutputs(r), ...extra } as ActionOutputs<I>);
}

/** The record of an action resource's stored outputs. */
export function actionRecord(o: ActionOutputs<ActionInputs>): LifecycleRecord {
  return recordFromOutputs(o, stableJson(o.triggers));
}

/** Marks the jobs of a stored state as this process's (diff/read see the state before any create). */
export function claimStored(o: ActionOutputs<ActionInputs>): void {
  claims.claim(...recordIds(actionRecord(o)));
}

/** Runs create or update of an action resource; rejects as the engine expects (partial failure or plain error). */
export async function runAction<I extends ActionInputs>(
  spec: ActionSpec<I>,
  i: I,
  prev: ActionOutputs<I> | undefined,
  id: string | undefined,
  raw: object,
): Promise<{ id: string; outs: ActionOutputs<I> }> {
  const api = clientFor(i);
  const instanceId = spec.instanceId(i);
  const scope: StepScope = { api, label: actionLabel(spec, i), instanceId: instanceId ?? "", jobType: spec.taskName, deadline: now() + waitTimeoutMs(i.waitTimeout) };
  const storedIntent = prev ? stableJson(prev.triggers) : undefined;
  const stored = prev ? recordFromOutputs(prev, storedIntent!) : {};
  // Without an instance or a task name there is no task list to adopt from.
  const canLook = !!instanceId && !!spec.taskName;
  const ctx: Omit<PlanContext, "nowMs"> = {
    kind: "action",
    jobType: spec.taskName,
    intent: stableJson(i.triggers),
    creating: !prev,
    ...(storedIntent !== undefined ? { storedIntent } : {}),
    adoptWindowMs: canLook ? adoptWithinMs(i) : 0,
    adoptFinished: i.adoptFinished ?? true,
    unknownGraceMs: unknownOutcomeGraceMs(),
    isClaimed: (x) => claims.has(x),
    what: spec.what,
    instanceId: instanceId ?? "(no instance)",
  };
  const io: LifecycleIO = {
    wait: (p, atOnce) => waitObservation(scope, p, atOnce),
    reconcile: (p) => (canLook ? reconcileObservation(scope, p) : Promise.resolve({ type: "reconcile", tasks: [] })),
    look: () => lookObservation(scope, ctx.adoptWindowMs),
    readLive: () => Promise.reject(new Error(`${spec.type} has no live value`)),
    start: (known) => startObservation(scope, known, (o) => spec.start(api, i, o)),
    claim: (ids) => claims.claim(...ids),
    log: (line) => log(`${scope.label}: ${line}`),
    now,
  };
  const subjectId = instanceId ?? spec.subject(i);
  const idFor = (r: LifecycleRecord) => id ?? `${subjectId}:${r.pending?.jobId ?? r.ended?.jobId ?? "pending"}`;
  let result;
  try {
    result = await runLifecycle(stored, ctx, io);
  } catch (error) {
    throw lifecycleError(error, {
      label: scope.label,
      id: idFor((error as { record?: LifecycleRecord }).record ?? stored),
      stored,
      props: (r) => outputsOf(spec, i, r, scope.lastJob, prev, stepsOutput(scope, r)),
      raw,
      scope,
    });
  }
  const r = result.record;
  let extra: Record<string, unknown> = {};
  if (result.ran) {
    const job = scope.lastJob;
    extra = (await spec.afterSuccess?.(scope, i, job)) ?? {};
    if (!spec.afterSuccess) log(`${scope.label}: job ${job?.jobId ?? r.ended?.jobId} SUCCESS${job?.durationMs !== undefined ? ` in ${Math.round(job.durationMs / 1000)} s` : ""}`);
  }
  return { id: idFor(r), outs: outputsOf(spec, i, r, scope.lastJob, prev, { ...stepsOutput(scope, r), ...extra }) };
}

/** `steps`, when this run read the progress of the record's current job (else the stored ones stay, for the same job). */
function stepsOutput(scope: StepScope, r: LifecycleRecord): { steps?: StepSummary[] } {
  const jobId = (r.pending ?? r.ended)?.jobId;
  const steps = scope.lastJob && jobId === scope.lastJob.jobId ? stepSummaries(scope.progress) : undefined;
  return steps ? { steps } : {};
}

