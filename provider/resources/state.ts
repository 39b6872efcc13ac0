/**
 * The controller of every state resource (brings a live value to the wanted one: pass-through, SSL,
 * parameters, whitelist, an ACL role, public access): runs the lifecycle towards the wanted value and
 * says what it saw. A resource is a {@link StateSpec}: how to read the live value, compare it, and
 * start the change; what to start, adopt or resume is the planner's.
 */
import type { PlanContext } from "../lifecycle/planner";
import type { LifecycleRecord } from "../lifecycle/record";
import { runLifecycle, type LifecycleIO } from "../lifecycle/runner";
import type { DcsApi, Job, StartCallOptions, StartedJob } from "../types";
import { lookAtTasks, TASK_SKEW_MS } from "../tasks";
import {
  claims,
  clientFor,
  explainApiError,
  lifecycleError,
  log,
  lookObservation,
  now,
  reconcileObservation,
  runtimeOverrides,
  startObservation,
  unknownOutcomeGraceMs,
  waitObservation,
  type Location,
  type StepScope,
} from "./core";
import { stableJson, waitTimeoutMs, type DurationInput } from "./logic";

/** How far back a state resource looks for a change of its kind still running (at least). */
export const STATE_LOOK_WINDOW_MS = 60 * 60_000;

/** What every state resource takes besides its own inputs. */
export interface StateInputs extends Location {
  instanceId: string;
  waitTimeout?: DurationInput;
}

/** What makes a state resource, for a value of type `V`. */
export interface StateSpec<I extends StateInputs, V> {
  /** "ClientIpPassThrough". */
  type: string;
  /** Task name of the change in the task lists (it may depend on the wanted value: bind or unbind). */
  taskName: string | ((wanted: V) => string);
  /** For messages: "Setting client IP pass-through to true". */
  what(wanted: V): string;
  /** Reads the live value; undefined when the instance does not report it. */
  read(api: DcsApi, i: I, deadline: number): Promise<V | undefined>;
  /** Does the live value already satisfy the wanted one? Default: stable JSON equality. */
  matches?(live: V, wanted: V): boolean;
  /** Sends the change. */
  start(api: DcsApi, i: I, wanted: V, options: StartCallOptions): Promise<StartedJob>;
  /** A refusal meaning "already in that state" (nothing to do). */
  alreadySet?(error: unknown): boolean;
  /** How a value reads in log lines ("on", "off", ...). */
  show(v: V): string;
  /** Every task name its changes go by, when `taskName` depends on the value (bind and unbind). */
  allTaskNames?: readonly string[];
}

/** What one run saw. */
export interface Seen<V> {
  /** The value read first. */
  before?: V;
  /** The value read last (after the job, when one ran). */
  live?: V;
  /** A job that was not started here was waited for. */
  adopted: boolean;
}

/** What {@link bringState} resolves to. */
export interface StateRun<V> {
  record: LifecycleRecord;
  ran: boolean;
  seen: Seen<V>;
  last?: Job;
  scope: StepScope;
}

/** The resource's label in logs and messages. */
export function stateLabel(spec: { type: string }, i: { instanceId: string }): string {
  return `${spec.type} ${i.instanceId}`;
}

/** Does `live` satisfy `wanted` under the spec? */
export function stateMatches<I extends StateInputs, V>(spec: StateSpec<I, V>, live: V | undefined, wanted: V): boolean | undefined {
  if (live === undefined) return undefined;
  return spec.matches ? spec.matches(live, wanted) : stableJson(live) === stableJson(wanted);
}

/**
 * Runs the lifecycle towards `wanted` from the `stored` record; rejects as the engine expects
 * (a partial failure with `props(record, seen, lastJob)`, or a plain error when nothing changed).
 */
export async function bringState<I extends StateInputs, V>(
  spec: StateSpec<I, V>,
  i: I,
  wanted: V,
  stored: LifecycleRecord,
  opts: { creating: boolean; id: string; raw: object; props: (r: LifecycleRecord, seen: Seen<V>, last: Job | undefined) => object },
): Promise<StateRun<V>> {
  const api = clientFor(i);
  const timeoutMs = waitTimeoutMs(i.waitTimeout);
  const taskName = typeof spec.taskName === "function" ? spec.taskName(wanted) : spec.taskName;
  const scope: StepScope = { api, label: stateLabel(spec, i), instanceId: i.instanceId, jobType: taskName, deadline: now() + timeoutMs };
  const seen: Seen<V> = { adopted: false };
  const ctx: Omit<PlanContext, "nowMs"> = {
    kind: "state",
    jobType: taskName,
    intent: stableJson(wanted),
    creating: opts.creating,
    // A change of the kind still running (an interrupted run's, or someone's) is waited for first. The
    // window is at least an hour whatever waitTimeout says: only running changes are adopted, and one
    // started by a run with a short waitTimeout can outlive it.
    adoptWindowMs: Math.max(timeoutMs, STATE_LOOK_WINDOW_MS),
    adoptFinished: false,
    unknownGraceMs: unknownOutcomeGraceMs(),
    isClaimed: (x) => claims.has(x),
    what: spec.what(wanted),
    instanceId: i.instanceId,
  };
  const readLive = async () => {
    const live = await spec.read(api, i, scope.deadline);
    if (!("before" in seen)) seen.before = live;
    seen.live = live;
    return { type: "live" as const, matches: stateMatches(spec, live, wanted) };
  };
  const io: LifecycleIO = {
    wait: async (p, atOnce) => {
      if (p.origin === "adopted") seen.adopted = true;
      return waitObservation(scope, p, atOnce);
    },
    reconcile: (p) => reconcileObservation(scope, p),
    look: (purpose) => lookObservation(scope, ctx.adoptWindowMs, purpose),
    readLive,
    start: (known) => startObservation(scope, known, (o) => spec.start(api, i, wanted, o), spec.alreadySet),
    claim: (ids) => claims.claim(...ids),
    log: (line) => log(`${scope.label}: ${line}`),
    now,
  };
  try {
    const result = await runLifecycle(stored, ctx, io);
    if (result.ran) {
      const after = await settledValue(spec, api, i, wanted, scope);
      if (after !== undefined && stateMatches(spec, after, wanted) === false) log(`${scope.label}: the job succeeded but the instance reports ${spec.show(after)}`);
      seen.live = after ?? wanted;
    } else if (result.actions.includes("start")) {
      seen.live = wanted; // the start call was refused as "already set"
    } else if (seen.live !== undefined && stateMatches(spec, seen.live, wanted)) {
      log(`${scope.label}: already ${spec.show(wanted)}; no job started`);
    }
    return { record: result.record, ran: result.ran, seen, ...(scope.lastJob ? { last: scope.lastJob } : {}), scope };
  } catch (error) {
    throw lifecycleError(error, { label: scope.label, id: opts.id, stored, props: (r) => opts.props(r, seen, scope.lastJob), raw: opts.raw, scope });
  }
}

/**
 * `diff`'s look at the instance when the inputs did not change and nothing is pending: the reason the
 * resource still needs an update, or undefined. Two things make it need one that no stored state can
 * show: the live value differs from the wanted one (drift: changed in the console, or by a change a
 * killed run started and no state recorded, which then ended), and a change of the kind still running
 * (a killed run's change towards a value the user then reverted: without this look it would finish
 * after an \`up\` that reported "no changes", and leave the other value; #10, the model test's invariant c).
 * An update then waits for that change and brings the value back, as the planner does for every update.
 * Costs one instance read and one task-list look per state resource per preview or up.
 */
export async function liveNeedsUpdate<I extends StateInputs, V>(spec: StateSpec<I, V>, i: I, wanted: V): Promise<string | undefined> {
  const api = clientFor(i);
  const deadline = now() + 60_000;
  const live = await spec.read(api, i, deadline);
  if (live !== undefined && stateMatches(spec, live, wanted) === false) return `the instance reports ${spec.show(live)}, the stack wants ${spec.show(wanted)}`;
  const names = new Set(spec.allTaskNames ?? [typeof spec.taskName === "function" ? spec.taskName(wanted) : spec.taskName]);
  const t = now();
  const tasks = await lookAtTasks(api, i.instanceId, { fromMs: t - STATE_LOOK_WINDOW_MS, toMs: t + TASK_SKEW_MS }, { kind: names.size === 1 ? [...names][0]! : "", deadline });
  const running = tasks.find((x) => names.has(x.name) && (x.phase === "running" || x.phase === "unknown"));
  if (running) return `a ${running.name} change (task ${running.taskId}${running.jobId ? `, job ${running.jobId}` : ""}) is still running there, and may leave another value`;
  return undefined;
}

/**
 * \`diff\` of a state resource whose inputs did not change: an update when {@link liveNeedsUpdate} says so
 * (logged). An instance that cannot be read fails the diff with what to check, like a refresh would.
 */
export async function diffAgainstLive<I extends StateInputs, V>(spec: StateSpec<I, V>, i: I, wanted: V): Promise<{ changes: boolean }> {
  let why: string | undefined;
  try {
    why = await liveNeedsUpdate(spec, i, wanted);
  } catch (error) {
    throw new Error(`${stateLabel(spec, i)}: could not read the instance to check for drift or a change still running: ${explainApiError(error, stateLabel(spec, i), "diff")}. Nothing was started.`);
  }
  if (why) log(`${stateLabel(spec, i)}: inputs unchanged, but ${why}: updating`);
  return { changes: why !== undefined };
}

/**
 * Reads the value after a job until it reports the wanted one (a job can read SUCCESS shortly before
 * the instance shows its effect), bounded by a few reads and the deadline. Never fails: the job
 * already succeeded; a value that does not settle is logged by the caller.
 */
async function settledValue<I extends StateInputs, V>(spec: StateSpec<I, V>, api: DcsApi, i: I, wanted: V, scope: StepScope): Promise<V | undefined> {
  const pause = settlePause();
  let live: V | undefined;
  for (let n = 0; n < 5; n++) {
    if (now() >= scope.deadline || (n > 0 && now() + pause >= scope.deadline)) break;
    if (n > 0) await new Promise((r) => setTimeout(r, pause));
    try {
      live = await spec.read(api, i, scope.deadline);
    } catch (error) {
      log(`${scope.label}: could not read the value after the job (${error instanceof Error ? error.message : String(error)})`);
      return live;
    }
    if (stateMatches(spec, live, wanted)) return live;
  }
  return live;
}

function settlePause(): number {
  return runtimeOverrides().settlePauseMs ?? 2_000;
}
