/**
 * The one planner of every job-backed resource: a pure function from (the stored record, what the user
 * asks for now, what was just observed) to (the new record, the next action). The provider methods do
 * the I/O each action names and feed what they saw back in, until the planner says `done` or `fail`;
 * so every "start, adopt, resume, reconcile or stop" decision is here, and table-tested.
 *
 * Two kinds of operation share it:
 * - `action` (a swap): runs once per `triggers` value. A new job is wanted when the intent (the stable
 *   JSON of the triggers) differs from the last job's, or the last request never started one.
 * - `state` (pass-through): brings a live value to the wanted one. A job is wanted when the instance
 *   reports another value; a job of someone else's that is running is waited for first.
 */
import { decideAdoption, tasksStartedBy, type TaskView } from "../tasks";
import { earlierOf, type EndedJob, type JobEnd, type JobOrigin, type LifecycleRecord, type PendingJob } from "./record";

/**
 * Why a state kind looks at the task list once more before it is done: the live value matched
 * (`confirm`), or a job of ours for the wanted value just succeeded (`confirm-ran`). Either way a change
 * of the kind still running (an interrupted run's, towards a value no longer wanted) may undo it.
 */
export type LookPurpose = "confirm" | "confirm-ran";

/** Everything the planner knows besides the record and the observation. Pure data. */
export interface PlanContext {
  kind: "action" | "state";
  /** Job type = task name, e.g. `masterStandbySwapJob`. */
  jobType: string;
  /** What the user asks for now: the stable JSON of the triggers, or of the wanted value. */
  intent: string;
  /** True in `create` (no stored state). */
  creating: boolean;
  /** 0.1.0 state carries no intent in a record: the stored inputs' intent stands in for it. */
  storedIntent?: string;
  nowMs: number;
  /** How far back the task list is searched for a job to adopt; 0: never adopt. */
  adoptWindowMs: number;
  /** Actions: adopt a job of the kind that already succeeded inside the window (create only). */
  adoptFinished: boolean;
  /** After an unknown start outcome, how long a task-list look that finds nothing keeps it unknown. */
  unknownGraceMs: number;
  /** Job or task IDs that this process's resources own (this resource's earlier jobs included). */
  isClaimed: (id: string) => boolean;
  /** For messages: "The master/standby switchover" and the instance ID. */
  what: string;
  instanceId: string;
}

/**
 * A job read that ended a wait. `jobId` is absent when only the task was followed and the task lists
 * never gave its job ID (a task ID is never stored as a job ID).
 */
export interface JobSeen {
  jobId?: string;
  taskId?: string;
  status: "SUCCESS" | "FAIL";
  failReason?: string | null;
}

/** What the provider method saw since the last step. */
export type Observation =
  /** Nothing yet: the first step of a create, update or delete. */
  | { type: "begin" }
  /** A wait ended with the job in SUCCESS or FAIL. */
  | { type: "job"; job: JobSeen }
  /** The job reads 404 for good; `task` is its task in the list, if found. */
  | { type: "job-gone"; task?: TaskView }
  /** The wait stopped before the job ended (deadline, network, auth): the job is still ours to finish. */
  | { type: "wait-interrupted"; why: string }
  /** The look at the task list before starting, or (`purpose: "confirm"`) after the live value matched. */
  | { type: "tasks"; tasks: TaskView[]; purpose?: LookPurpose }
  /**
   * The look at the task list for the result of a start request whose outcome is unknown; `skewSlackMs`:
   * how far the servers' clock may be from this machine's, as measured (absent: 60 s).
   */
  | { type: "reconcile"; tasks: TaskView[]; skewSlackMs?: number }
  /** The start call answered (or its lost answer was found in the task list: `reconciled`). */
  | { type: "started"; jobId?: string; taskId?: string; reconciled?: boolean }
  /** The start request may have started a job; the client's own look found none or several. */
  | { type: "start-unknown"; sentAtMs: number; knownTaskIds: string[]; why: string }
  /** The start call was refused as busy, and a job of the same kind is running: never queue behind it. */
  | { type: "busy-running"; task: TaskView }
  /** State kinds: the start call was refused because the instance already has the wanted value. */
  | { type: "already-set" }
  /** State kinds: the instance was read; does its live value match the intent? (undefined: not reported) */
  | { type: "live"; matches: boolean | undefined };

/** What the provider method does next. */
export type Action =
  /** Wait for the pending job (read it at once when it may have ended long ago). */
  | { do: "wait"; pending: PendingJob; readAtOnce: boolean }
  /** Look at the task list for what the pending unknown start created; observe `reconcile`. */
  | { do: "reconcile"; pending: PendingJob }
  /**
   * Look at the task list; observe `tasks`. Before starting, or (`purpose: "confirm"`, state kinds)
   * after the live value matched: a change of the kind still running may be about to undo the match.
   */
  | { do: "look"; purpose?: LookPurpose }
  /** State kinds: read the instance; observe `live`. */
  | { do: "read-live" }
  /**
   * Send the start call; `knownTaskIds` are the tasks listed just before (never its result), in the
   * window from `knownFromMs`; both absent when no look was made (adoption off).
   */
  | { do: "start"; knownTaskIds?: string[]; knownFromMs?: number }
  /** Finished: store the record. `ran` is true when a job of ours ended in SUCCESS during this step. */
  | { do: "done"; ran: boolean }
  /** Store the record and fail this step with `message` (a partial failure: the record is kept). */
  | { do: "fail"; message: string };

/** A planner answer. `notes` are lines for the progress log. */
export interface Plan {
  record: LifecycleRecord;
  action: Action;
  notes: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** True when an action-kind resource must run a new job for `ctx.intent` (after any pending one). */
export function wantsNewJob(r: LifecycleRecord, ctx: Pick<PlanContext, "creating" | "intent" | "storedIntent">): boolean {
  if (ctx.creating) return true;
  if (r.ended?.outcome === "NOT_STARTED") return true;
  const last = r.pending?.intent ?? r.ended?.intent ?? ctx.storedIntent;
  return last !== ctx.intent;
}

/**
 * The next step. `record` is the record as it stands (stored, or as the previous step left it);
 * `obs` what the last action observed.
 */
export function planStep(record: LifecycleRecord, ctx: PlanContext, obs: Observation): Plan {
  switch (obs.type) {
    case "begin":
      return record.pending ? resume(record, ctx) : afterIdle(record, ctx, [], false);
    case "job":
      return onJobEnd(record, ctx, obs.job);
    case "job-gone":
      return onJobGone(record, ctx, obs.task);
    case "wait-interrupted":
      return fail(record, interruptedMessage(record.pending, ctx, obs.why));
    case "tasks":
      return onLook(record, ctx, obs.tasks, obs.purpose);
    case "reconcile":
      return onReconcile(record, ctx, obs.tasks, obs.skewSlackMs);
    case "started":
      return wait(
        { ...record, pending: pendingFor(ctx, obs.reconciled ? "reconciled" : "started", { jobId: obs.jobId, taskId: obs.taskId }) },
        !!obs.reconciled,
        [],
      );
    case "start-unknown": {
      const pending: PendingJob = { origin: "outcome-unknown", since: iso(obs.sentAtMs), knownTaskIds: obs.knownTaskIds, intent: ctx.intent };
      return fail({ ...record, pending }, unknownOutcomeMessage(ctx, pending, obs.why));
    }
    case "busy-running": {
      const t = obs.task;
      const notes = [`the instance is busy with ${ctx.jobType} task ${t.taskId}${t.jobId ? ` (job ${t.jobId})` : ""}, started ${iso(t.createdAtMs)}: waiting for it instead of queueing another behind it`];
      return wait({ ...record, pending: pendingFor(ctx, "adopted", { jobId: t.jobId, taskId: t.taskId }) }, true, notes);
    }
    case "already-set":
      return { record, action: { do: "done", ran: false }, notes: ["the API answered that the instance already has the wanted value; no job started"] };
    case "live":
      if (obs.matches === true) {
        // A matching value is not the end while a change of the kind still runs (an interrupted run's
        // job that will set another value, or someone's): look once; it is waited for, then read again.
        if (ctx.adoptWindowMs > 0) return { record, action: { do: "look", purpose: "confirm" }, notes: [] };
        return { record, action: { do: "done", ran: false }, notes: [] };
      }
      return lookOrStart(record, ctx, []);
  }
}

function resume(r: LifecycleRecord, ctx: PlanContext): Plan {
  const p = r.pending!;
  if (p.origin === "outcome-unknown") {
    return { record: r, action: { do: "reconcile", pending: p }, notes: [`looking again for the job the request sent at ${p.since} may have started (its answer was lost)`] };
  }
  return wait(r, true, [`resuming the wait on ${describeJob(p)} from an earlier run (not starting another)`]);
}

/** No job of ours is pending: decide whether one is wanted. */
function afterIdle(r: LifecycleRecord, ctx: PlanContext, notes: string[], ran: boolean): Plan {
  if (ctx.kind === "state") return { record: r, action: { do: "read-live" }, notes };
  if (wantsNewJob(r, ctx)) return lookOrStart(r, ctx, notes);
  return { record: r, action: { do: "done", ran }, notes };
}

function lookOrStart(r: LifecycleRecord, ctx: PlanContext, notes: string[]): Plan {
  if (ctx.adoptWindowMs <= 0) return { record: r, action: { do: "start" }, notes };
  return { record: r, action: { do: "look" }, notes };
}

function onLook(r: LifecycleRecord, ctx: PlanContext, tasks: TaskView[], purpose?: LookPurpose): Plan {
  const decision = decideAdoption(tasks, {
    kind: ctx.jobType,
    nowMs: ctx.nowMs,
    windowMs: ctx.adoptWindowMs,
    // A finished job is adopted by actions only (a crash after the job ended: running it again would
    // undo it); in an update, only one newer than the resource's last job. State kinds read the value.
    adoptFinished: ctx.kind === "action" && ctx.adoptFinished,
    ...(ctx.creating ? {} : notBefore(r)),
    isExcluded: ctx.isClaimed,
  });
  // Each passed-over task with its job and status: a FAIL among them is said, even when it is not adopted.
  const notes = decision.passedOver.map(
    ({ task, why }) => `not adopting ${ctx.jobType} task ${task.taskId}${task.jobId ? ` (job ${task.jobId})` : ""} from ${iso(task.createdAtMs)}, status ${task.status || "?"}: ${why}`,
  );
  if (decision.adopt) {
    const t = decision.adopt;
    const by = t.userName ? ` by ${t.userName}` : "";
    const finished = decision.phase === "succeeded" ? " (set adoptFinished: false or adoptWithin: 0 to always start a new one)" : "";
    const verb = ctx.kind === "state" ? "a change already running; waiting for it first" : "instead of starting a new one";
    notes.push(`adopting ${ctx.jobType} task ${t.taskId}${t.jobId ? ` (job ${t.jobId})` : ""} started${by} at ${iso(t.createdAtMs)} (task status ${t.status || "?"}): ${verb}${finished}`);
    return wait({ ...r, pending: pendingFor(ctx, "adopted", { jobId: t.jobId, taskId: t.taskId }) }, true, notes);
  }
  if (purpose === "confirm-ran") {
    // A change of the kind that began after ours and has finished (an interrupted run's, towards another
    // value) may have overwritten ours: read the value again (model test seed 80). Not a loop: that read's
    // own confirm look does not ask this.
    const since = r.ended?.since ? Date.parse(r.ended.since) : NaN;
    const later = tasks.find((t) => t.name === ctx.jobType && t.phase === "succeeded" && t.createdAtMs > since && !ctx.isClaimed(t.taskId) && !(t.jobId && ctx.isClaimed(t.jobId)));
    if (later) {
      notes.push(`${ctx.jobType} task ${later.taskId}${later.jobId ? ` (job ${later.jobId})` : ""} began after ours and has ended; reading the value again`);
      return { record: r, action: { do: "read-live" }, notes };
    }
  }
  if (purpose) return { record: r, action: { do: "done", ran: purpose === "confirm-ran" }, notes };
  const knownTaskIds = tasks.filter((t) => t.name === ctx.jobType).map((t) => t.taskId);
  return { record: r, action: { do: "start", knownTaskIds, knownFromMs: ctx.nowMs - ctx.adoptWindowMs }, notes };
}

/** In an update, only tasks newer than the resource's last job can be what an interrupted update started. */
function notBefore(r: LifecycleRecord): { notBeforeMs?: number } {
  const since = r.ended?.since ? Date.parse(r.ended.since) : NaN;
  return Number.isNaN(since) ? {} : { notBeforeMs: since };
}

function onReconcile(r: LifecycleRecord, ctx: PlanContext, tasks: TaskView[], skewSlackMs?: number): Plan {
  const p = r.pending!;
  const sentAtMs = Date.parse(p.since);
  const matches = tasksStartedBy(tasks, { kind: ctx.jobType, sentAtMs, nowMs: ctx.nowMs, knownTaskIds: p.knownTaskIds ?? [], isClaimed: ctx.isClaimed, ...(skewSlackMs !== undefined ? { skewSlackMs } : {}) });
  if (matches.length === 1) {
    const t = matches[0]!;
    const pending: PendingJob = { ...p, origin: "reconciled", ...(t.jobId ? { jobId: t.jobId } : {}), taskId: t.taskId, knownTaskIds: undefined };
    delete pending.knownTaskIds;
    return wait({ ...r, pending }, true, [`found the job of the request sent at ${p.since}: task ${t.taskId}${t.jobId ? ` (job ${t.jobId})` : ""}`]);
  }
  const userMovedOn = ctx.kind === "action" && ctx.intent !== p.intent;
  const graceOver = ctx.nowMs - sentAtMs >= ctx.unknownGraceMs;
  // Several candidates: an action cannot tell which one it started (running it again could undo one);
  // a state kind lets the live value decide, as with none (the changes still running are waited for).
  if (matches.length > 1 && !userMovedOn && ctx.kind === "action") {
    return fail(r, `${ctx.what} on DCS instance ${ctx.instanceId}: the request sent at ${p.since} lost its answer, and ${matches.length} ${ctx.jobType} tasks began after it (${matches.map((t) => t.taskId).join(", ")}); which one it started cannot be told. Nothing was started. Check the instance's Background Tasks; change \`triggers\` to start a new one regardless.`);
  }
  // None found. The task list can lag the request, so the request may still be running unseen: wait
  // out the grace. An action whose user changed `triggers` since decides for a new job at once; a state
  // kind never does (the lost change could still land after a new one and undo it).
  if (graceOver || (ctx.kind === "action" && userMovedOn) || (ctx.kind === "state" && matches.length > 1)) {
    const ended = endedOf(p, "NOT_STARTED", ctx.nowMs, {}, r.ended);
    const why = matches.length > 1 ? "the live value decides" : !graceOver ? "`triggers` changed since" : `no task appeared within ${Math.round(ctx.unknownGraceMs / 1000)} s`;
    // The tasks that could have been its result are named with how they ended: one of them may be that
    // request's job, and a FAIL of it must not go unsaid.
    const seen = matches.length ? `; tasks that began after it: ${matches.map((t) => `${describeJob(t)} (${t.status || "no status"})`).join(", ")}` : "";
    return afterIdle({ ended }, ctx, [`the request sent at ${p.since} is taken as never started (${why})${seen}`], false);
  }
  const retryAt = iso(sentAtMs + ctx.unknownGraceMs);
  const regardless = ctx.kind === "action" ? " To start one now regardless, change `triggers`." : "";
  return fail(
    r,
    `${ctx.what} on DCS instance ${ctx.instanceId} may have started: the request sent at ${p.since} lost its answer and the task list shows no ${ctx.jobType} task for it yet. Nothing was sent again (it is not idempotent). The next \`pulumi up\` looks again; from ${retryAt} on, if the task list still shows none, it ${ctx.kind === "action" ? "starts the operation" : "reads the value and starts a change only if it still differs"}.${regardless}`,
  );
}

function onJobEnd(r: LifecycleRecord, ctx: PlanContext, job: JobSeen): Plan {
  const p = r.pending;
  if (!p) return afterIdle(r, ctx, [], false);
  const outcome: JobEnd = job.status;
  const ended = endedOf({ ...p, ...(job.jobId ? { jobId: job.jobId } : {}), ...(job.taskId && !p.taskId ? { taskId: job.taskId } : {}) }, outcome, ctx.nowMs, job.failReason ? { failReason: job.failReason } : {}, r.ended);
  const next: LifecycleRecord = { ended };
  if (outcome === "FAIL") {
    if (ctx.kind === "state" && p.origin === "adopted") {
      // Someone else's change failed: not this resource's failure; the live value decides what to do.
      return { record: next, action: { do: "read-live" }, notes: [`the adopted ${ctx.jobType} ${describeJob(job)} ended in FAIL (${job.failReason ?? "no fail_reason"}); reading the instance again`] };
    }
    return fail(next, failedMessage(ctx, job));
  }
  if (ctx.kind === "state") {
    // Ours, for what is still wanted: done, once no change of the kind still runs (an interrupted run's
    // change towards another value, started after ours, would undo it: model test seed 51). Adopted, or
    // for a value no longer wanted: read again.
    if (p.origin !== "adopted" && p.intent === ctx.intent) {
      if (ctx.adoptWindowMs > 0) return { record: next, action: { do: "look", purpose: "confirm-ran" }, notes: [] };
      return { record: next, action: { do: "done", ran: true }, notes: [] };
    }
    return { record: next, action: { do: "read-live" }, notes: [] };
  }
  return afterIdle(next, { ...ctx, creating: false }, [], true);
}

function onJobGone(r: LifecycleRecord, ctx: PlanContext, task: TaskView | undefined): Plan {
  const p = r.pending!;
  const ids = { ...((p.jobId ?? task?.jobId) ? { jobId: p.jobId ?? task?.jobId } : {}), ...(task ? { taskId: task.taskId } : {}) };
  if (task?.phase === "succeeded") return onJobEnd(r, ctx, { ...ids, status: "SUCCESS" });
  if (task?.phase === "failed") {
    return onJobEnd(r, ctx, { ...ids, status: "FAIL", failReason: `the job can no longer be read; its task reads ${task.status}` });
  }
  const seen = task ? `its task ${task.taskId} reads "${task.status || "no status"}"` : "its task is no longer in the task list";
  const ended = endedOf(p, "GONE", ctx.nowMs, task ? { taskStatus: task.status } : {}, r.ended);
  if (ctx.kind === "state") return { record: { ended }, action: { do: "read-live" }, notes: [`${describeJob(p)} can no longer be read (${seen}); reading the instance`] };
  return fail(
    { ended },
    `${ctx.what} on DCS instance ${ctx.instanceId}: ${describeJob(p)} can no longer be read (HTTP 404: DCS keeps jobs for a limited time) and ${seen}, so whether it ran is unknown. It is recorded as ended; nothing was started. Check the instance (and its Background Tasks); change \`triggers\` to run a new one.`,
  );
}

function wait(r: LifecycleRecord, readAtOnce: boolean, notes: string[]): Plan {
  return { record: r, action: { do: "wait", pending: r.pending!, readAtOnce }, notes };
}

function fail(r: LifecycleRecord, message: string): Plan {
  return { record: r, action: { do: "fail", message }, notes: [] };
}

function pendingFor(ctx: PlanContext, origin: JobOrigin, ids: { jobId?: string; taskId?: string }): PendingJob {
  return { origin, ...(ids.jobId ? { jobId: ids.jobId } : {}), ...(ids.taskId ? { taskId: ids.taskId } : {}), since: iso(ctx.nowMs), intent: ctx.intent };
}

function endedOf(p: PendingJob, outcome: JobEnd, nowMs: number, extra: Pick<EndedJob, "failReason" | "taskStatus">, previous?: EndedJob): EndedJob {
  const earlier = earlierOf(previous);
  return {
    ...(earlier ? { earlier } : {}),
    outcome,
    origin: p.origin,
    ...(p.jobId ? { jobId: p.jobId } : {}),
    ...(p.taskId ? { taskId: p.taskId } : {}),
    intent: p.intent,
    since: p.since,
    at: iso(nowMs),
    ...(extra.failReason ? { failReason: extra.failReason } : {}),
    ...(extra.taskStatus !== undefined ? { taskStatus: extra.taskStatus } : {}),
  };
}

/** "job X" / "task Y" / "the job" for messages. */
export function describeJob(p: Pick<PendingJob, "jobId" | "taskId">): string {
  if (p.jobId) return `job ${p.jobId}`;
  if (p.taskId) return `task ${p.taskId}`;
  return "the job";
}

function failedMessage(ctx: PlanContext, job: JobSeen): string {
  return `${ctx.what} on DCS instance ${ctx.instanceId} failed: DCS ${describeJob(job)} (${ctx.jobType}) ended in FAIL: ${job.failReason || "no fail_reason given"}. The failure is recorded in the stack state; change \`triggers\` (or the wanted value) to try again.`;
}

function interruptedMessage(p: PendingJob | undefined, ctx: PlanContext, why: string): string {
  const job = p ? describeJob(p) : "the job";
  return (
    `${ctx.what} on DCS instance ${ctx.instanceId}: ${job} was started but ${why}. The job is saved in the stack state; ` +
    "the next `pulumi up` resumes waiting on it instead of starting another one."
  );
}

function unknownOutcomeMessage(ctx: PlanContext, p: PendingJob, why: string): string {
  const otherwise = ctx.kind === "action" ? "it starts the operation only if no task appears by " : "it reads the value again, and starts a change only if it still differs, from ";
  return (
    `${ctx.what} on DCS instance ${ctx.instanceId} may have started: ${why}. It was NOT sent again (it is not idempotent). ` +
    `This is saved in the stack state: the next \`pulumi up\` looks for its job in the task list and waits for it; ${otherwise}` +
    `${iso(Date.parse(p.since) + ctx.unknownGraceMs)}${ctx.kind === "action" ? ", or when `triggers` change" : ""}.`
  );
}

