/**
 * The loop around the planner: asks {@link planStep} for the next action, performs it through the
 * resource's {@link LifecycleIO}, feeds the observation back, and stops at `done` or `fail`. It holds
 * no decision of its own; it only keeps the record current so that whatever interrupts it (a deadline,
 * an error) can store exactly what is known.
 */
import { planStep, type Action, type LookPurpose, type Observation, type PlanContext } from "./planner";
import { recordIds, type LifecycleRecord, type PendingJob } from "./record";

/** The I/O a resource provides for each action. Each returns the observation the planner expects. */
export interface LifecycleIO {
  /** Waits for the job: `job`, `job-gone` or `wait-interrupted`. */
  wait(pending: PendingJob, readAtOnce: boolean): Promise<Observation>;
  /** Reads the task list for an unknown start's result: `reconcile`. Throws when it cannot be read. */
  reconcile(pending: PendingJob): Promise<Observation>;
  /** Reads the task list (before starting, or to confirm a matching value): `tasks`. Throws when it cannot be read. */
  look(purpose?: LookPurpose): Promise<Observation>;
  /** State kinds: reads the instance: `live`. */
  readLive(): Promise<Observation>;
  /** Sends the start call: `started`, `start-unknown`, `busy-running` or `already-set`. Throws on a refusal. */
  start(known: { knownTaskIds?: string[]; knownFromMs?: number }): Promise<Observation>;
  /** Marks job and task IDs as this process's (never adopted by another resource). */
  claim(ids: string[]): void;
  log(line: string): void;
  now(): number;
}

/** A planner `fail`: the step fails, and `record` must be stored (partial failure). */
export class LifecycleFailure extends Error {
  override name = "LifecycleFailure";
  readonly code = "DCS_LIFECYCLE_FAILED";
  constructor(
    message: string,
    readonly record: LifecycleRecord,
  ) {
    super(message);
  }
}

/**
 * An I/O error part-way through: `record` is what was known when it happened (a pending job stays
 * pending), so the caller can store it instead of losing a job that was started.
 */
export class LifecycleInterrupted extends Error {
  override name = "LifecycleInterrupted";
  readonly code = "DCS_LIFECYCLE_INTERRUPTED";
  constructor(
    /** The I/O error. */
    readonly error: unknown,
    readonly record: LifecycleRecord,
    /** The action that failed. */
    readonly during: Action["do"],
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** What a finished run returns. */
export interface LifecycleResult {
  record: LifecycleRecord;
  /** A job of ours ended in SUCCESS during this run. */
  ran: boolean;
  /** Every action taken, in order (for tests and logs). */
  actions: Array<Action["do"]>;
}

/** More steps than any path needs: a planner bug must not loop for ever. */
const MAX_STEPS = 24;

/**
 * Runs the lifecycle from `record` until the planner is done (resolves) or fails (rejects with
 * {@link LifecycleFailure}). An I/O error rejects with {@link LifecycleInterrupted} carrying the record.
 */
export async function runLifecycle(record: LifecycleRecord, ctx: Omit<PlanContext, "nowMs">, io: LifecycleIO): Promise<LifecycleResult> {
  let current = record;
  let obs: Observation = { type: "begin" };
  const actions: Array<Action["do"]> = [];
  io.claim(recordIds(current));
  for (let step = 0; step < MAX_STEPS; step++) {
    const plan = planStep(current, { ...ctx, nowMs: io.now() }, obs);
    for (const note of plan.notes) io.log(note);
    current = plan.record;
    io.claim(recordIds(current));
    const action = plan.action;
    actions.push(action.do);
    if (action.do === "done") return { record: current, ran: action.ran, actions };
    if (action.do === "fail") throw new LifecycleFailure(action.message, current);
    try {
      obs = await perform(action, io);
    } catch (error) {
      throw new LifecycleInterrupted(error, current, action.do);
    }
  }
  throw new LifecycleFailure(`${ctx.what} on DCS instance ${ctx.instanceId}: the lifecycle did not settle in ${MAX_STEPS} steps (a bug; please report it). Nothing more was started.`, current);
}

function perform(action: Exclude<Action, { do: "done" | "fail" }>, io: LifecycleIO): Promise<Observation> {
  switch (action.do) {
    case "wait":
      return io.wait(action.pending, action.readAtOnce);
    case "reconcile":
      return io.reconcile(action.pending);
    case "look":
      return io.look(action.purpose);
    case "read-live":
      return io.readLive();
    case "start":
      return io.start({ ...(action.knownTaskIds ? { knownTaskIds: action.knownTaskIds } : {}), ...(action.knownFromMs !== undefined ? { knownFromMs: action.knownFromMs } : {}) });
  }
}
