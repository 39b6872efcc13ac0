/**
 * The task's own progress (ShowBackgroundTaskProgress: percentage, time left, steps), pure: judging an
 * answer, and the rule that times the reads by the service's estimate of the end. No timers and no I/O,
 * so the waiter (`wait.ts`), the simulator (`simulate.ts`) and the detection benchmark drive the same
 * objects.
 *
 * The rule ({@link progressSchedule}), in short: the first read of a wait reads the progress instead of
 * the job; an estimate is confirmed by a second reading (the time left must shrink about as fast as the
 * clock runs), then the reads zoom in on the estimated end (each one a safe fraction of the time left,
 * given the error seen so far) and the job is read at `reading time + remain_time`. A task that says it
 * ended is followed by a job read at once. Whenever the estimate is missing, stuck, wrong low or proves
 * wrong (a job read at the estimated end finds the job running: stretch 1 s, 2 s, 4 s, then give up), the
 * reads follow the base schedule again. The job's own status is the only thing that ends a wait.
 */
import type { Job, ProgressSnapshot, StepSummary, TaskProgress, TaskStep } from "../types";
import type { PollSchedule, ReadPlan, ScheduleState } from "./schedule";

/** Longest `remain_time` taken seriously: a week. Anything longer is treated as garbage. */
export const MAX_REMAIN_S = 7 * 24 * 3_600;

/** What {@link assessProgress} makes of an answer. */
export type ProgressAssessment = { ok: true; snapshot: ProgressSnapshot } | { ok: false; reason: string };

const show = (v: unknown): string => {
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  if (typeof v === "number") return String(v);
  if (v === null) return "null";
  return `a ${Array.isArray(v) ? "list" : typeof v}`;
};

/**
 * Judges one progress answer. Malformed (not used at all, with the reason in one line): a `progress`
 * that is not a percentage in 0..100, a `remain_time` that is not a number of seconds in
 * 0..{@link MAX_REMAIN_S}. An absent `remain_time` is not malformed: the answer is used, without an
 * estimate. Steps sent out of order are put in execution order (by numeric `step_id`, else by
 * `begin_time`, steps not begun last, in the order sent).
 */
export function assessProgress(p: TaskProgress): ProgressAssessment {
  if (p.percent !== undefined && !(Number.isFinite(p.percent) && p.percent >= 0 && p.percent <= 100)) {
    return { ok: false, reason: `progress ${show(p.raw.progress)} is not a percentage (0..100)` };
  }
  if (p.remainTimeS !== undefined && !(Number.isFinite(p.remainTimeS) && p.remainTimeS >= 0 && p.remainTimeS <= MAX_REMAIN_S)) {
    return { ok: false, reason: `remain_time ${show(p.raw.remain_time)} is not a number of seconds (0..${MAX_REMAIN_S})` };
  }
  const steps = orderSteps(p.steps);
  const current = currentStep(steps);
  const running = steps.some((s) => s.status === "EXECUTING" || s.status === "WAITING");
  const done = (steps.length > 0 && steps.every((s) => s.status === "FINISH")) || (p.percent !== undefined && p.percent >= 100 && !running);
  const failed = steps.find((s) => s.status === "FAILED");
  return {
    ok: true,
    snapshot: {
      taskId: p.taskId,
      ...(p.percent !== undefined ? { percent: Math.round(p.percent) } : {}),
      ...(p.remainTimeS !== undefined ? { remainMs: Math.round(p.remainTimeS * 1000) } : {}),
      steps,
      ...(current ? { current } : {}),
      done,
      ...(failed ? { failedStep: { name: failed.name, ...(failed.errorCode ? { errorCode: failed.errorCode } : {}) } } : {}),
    },
  };
}

/** Steps in execution order: numeric `step_id`s if every step has one, else by `begin_time` (not begun: last, as sent). */
export function orderSteps(steps: readonly TaskStep[]): TaskStep[] {
  const indexed = steps.map((s, i) => ({ s, i }));
  const numeric = steps.length > 0 && steps.every((s) => s.id !== undefined && /^\d+$/.test(s.id));
  if (numeric) return indexed.sort((a, b) => Number(a.s.id) - Number(b.s.id) || a.i - b.i).map((x) => x.s);
  const t = (s: TaskStep) => s.beginTime?.getTime();
  return indexed
    .sort((a, b) => {
      const ta = t(a.s);
      const tb = t(b.s);
      if (ta !== undefined && tb !== undefined) return ta - tb || a.i - b.i;
      if (ta !== undefined) return -1;
      if (tb !== undefined) return 1;
      return a.i - b.i;
    })
    .map((x) => x.s);
}

function currentStep(steps: readonly TaskStep[]): ProgressSnapshot["current"] {
  if (steps.length === 0) return undefined;
  let i = steps.findIndex((s) => s.status === "EXECUTING");
  if (i < 0) i = steps.findIndex((s) => s.status === "FAILED");
  if (i < 0) i = steps.findIndex((s) => s.status === "WAITING");
  if (i < 0) i = steps.length - 1;
  const s = steps[i]!;
  return { index: i, total: steps.length, name: s.name, status: s.status };
}

/**
 * The last snapshot completed with what the job's end says: after SUCCESS every step ran, so the one
 * executing ends at the job's `end_time` and waiting ones are FINISH (their times unknown). After FAIL
 * nothing is invented (the waiter reads the progress once more to see the failed step).
 */
export function finalSnapshot(last: ProgressSnapshot, job: Pick<Job, "status" | "endTime">): ProgressSnapshot {
  if (String(job.status).toUpperCase() !== "SUCCESS") return { ...last, final: true };
  const steps = last.steps.map((s): TaskStep => {
    if (s.status === "FINISH") return s;
    if (s.status === "EXECUTING") return { ...s, status: "FINISH", ...(job.endTime && !s.endTime ? { endTime: job.endTime } : {}) };
    if (s.status === "WAITING") return { ...s, status: "FINISH" };
    return s;
  });
  const { failedStep: _f, ...rest } = last;
  return { ...rest, steps, percent: 100, remainMs: 0, done: true, ...(steps.length ? { current: currentStep(steps)! } : {}), final: true };
}

/** The compact step list resources keep in their outputs. */
export function stepSummaries(snapshot: ProgressSnapshot | undefined): StepSummary[] | undefined {
  if (!snapshot || snapshot.steps.length === 0) return undefined;
  return snapshot.steps.map((s) => {
    const d = s.beginTime && s.endTime ? s.endTime.getTime() - s.beginTime.getTime() : undefined;
    return {
      name: s.name,
      status: s.status || "UNKNOWN",
      ...(d !== undefined && Number.isFinite(d) && d >= 0 ? { durationMs: d } : {}),
      ...(s.errorCode ? { errorCode: s.errorCode } : {}),
    };
  });
}

// ---- the scheduling rule -------------------------------------------------------------------------

/** One usable progress answer, as the waiter keeps it. */
export interface ProgressObservation {
  /** Milliseconds since the wait started when the answer arrived (the waiter's clock). */
  atMs: number;
  snapshot: ProgressSnapshot;
}

/** What the waiter knows about the progress reads of this wait (passed to the schedule in {@link ScheduleState}). */
export interface ProgressState {
  /** False when there is no task to read (none found, or given up): only job reads are planned. */
  active: boolean;
  /** Progress reads sent so far. */
  reads: number;
  /** Usable answers, oldest first (the waiter keeps the last few). */
  seen: ProgressObservation[];
  /** What the last read was. */
  lastRead?: "job" | "progress";
  /** Job reads planned at an estimated end that found the job still running. */
  misses: number;
}

/** Options of {@link progressSchedule}. */
export interface ProgressScheduleOptions {
  /** Shortest delay the estimate may ask for (after the first read). Default 1 s. */
  minIntervalMs?: number;
  /** Longest delay the estimate may ask for. Default 5 min. */
  maxIntervalMs?: number;
  /** Relative error assumed of a single estimate, until two readings show the real one. Default 0.3. */
  priorError?: number;
  /** Resolution of `remain_time` (whole seconds). Default 1 s. */
  granularityMs?: number;
  /** Read the job once the plausible end lies inside a window this narrow. Default 3 s. */
  jumpWindowMs?: number;
  /** Job reads at an estimated end that may find the job running before the estimate is dropped. Default 3. */
  maxMisses?: number;
  /** Fraction of the earliest plausible end at which the next progress read comes. Default 0.9. */
  safety?: number;
  name?: string;
}

/** What the rule makes of the readings so far. */
export interface EstimateView {
  trusted: boolean;
  /** Why not, in a few words (for logs and tests). */
  why?: string;
  /** The estimated end, in ms since the wait started (the latest reading's time plus its time left). */
  endAtMs?: number;
  /** Relative error of the estimate: the prior until two readings, then the worst seen. */
  error: number;
  /** True once two readings agree on how fast the time left shrinks. */
  confirmed: boolean;
}

/**
 * Judges the estimate from the readings: none (no `remain_time`), wrong low (0 while steps remain, not
 * foretold by the previous reading), stuck (the time left shrinks far slower than the clock runs), or
 * usable with a relative error measured from consecutive readings (the prior until there are two).
 */
export function judgeEstimate(seen: readonly ProgressObservation[], o: Required<Omit<ProgressScheduleOptions, "name">>): EstimateView {
  const withRemain = seen.filter((x) => x.snapshot.remainMs !== undefined);
  const last = seen[seen.length - 1];
  if (!last || last.snapshot.remainMs === undefined) return { trusted: false, why: "no remain_time", error: o.priorError, confirmed: false };
  const r = last.snapshot.remainMs;
  const prev = withRemain.length >= 2 ? withRemain[withRemain.length - 2] : undefined;
  const g = o.granularityMs;
  let error = o.priorError;
  let confirmed = false;
  if (prev) {
    const dt = last.atMs - prev.atMs;
    const dr = prev.snapshot.remainMs! - r;
    // Stuck: over a real stretch of time the time left barely moved (or grew).
    if (dt >= 2 * g && dr < 0.3 * dt - g) return { trusted: false, why: "remain_time does not decrease", error, confirmed: false };
    // The worst disagreement between consecutive readings about the end, relative to the time left then.
    let worst = 0;
    for (let k = 1; k < withRemain.length; k++) {
      const a = withRemain[k - 1]!;
      const b = withRemain[k]!;
      const shift = Math.abs(b.atMs + b.snapshot.remainMs! - (a.atMs + a.snapshot.remainMs!));
      worst = Math.max(worst, Math.max(0, shift - g) / Math.max(a.snapshot.remainMs!, g));
    }
    error = Math.min(0.9, Math.max(0.02, worst));
    confirmed = true;
  }
  if (r === 0 && !last.snapshot.done) {
    // "Ends now" while steps remain: believable only when the previous reading foretold it.
    const foretold = prev !== undefined && Math.abs(prev.atMs + prev.snapshot.remainMs! - last.atMs) <= g + error * prev.snapshot.remainMs!;
    if (!foretold) return { trusted: false, why: "remain_time 0 while steps remain", error, confirmed };
  }
  return { trusted: true, endAtMs: last.atMs + r, error, confirmed };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Wraps `base` (today's adaptive schedule by default, in the waiter) with the progress rule. Without
 * progress (no task, or `state.progress` absent) it is `base` exactly. `plan()` says which read comes
 * next and when; `nextDelay()` is the base's, for callers that only read jobs.
 */
export function progressSchedule(base: PollSchedule, options: ProgressScheduleOptions = {}): PollSchedule {
  const o: Required<Omit<ProgressScheduleOptions, "name">> = {
    minIntervalMs: options.minIntervalMs ?? 1_000,
    maxIntervalMs: Math.max(options.minIntervalMs ?? 1_000, options.maxIntervalMs ?? 300_000),
    priorError: clamp(options.priorError ?? 0.3, 0, 0.9),
    granularityMs: Math.max(0, options.granularityMs ?? 1_000),
    jumpWindowMs: options.jumpWindowMs ?? 3_000,
    maxMisses: options.maxMisses ?? 3,
    safety: clamp(options.safety ?? 0.9, 0.1, 1),
  };
  const name = options.name ?? `${base.name} + progress`;
  const job = (delayMs: number, basis: string, atEstimatedEnd = false): ReadPlan => ({ read: "job", delayMs, basis, ...(atEstimatedEnd ? { atEstimatedEnd } : {}) });
  const progress = (delayMs: number, basis: string): ReadPlan => ({ read: "progress", delayMs, basis });
  return {
    name,
    ...(base.confirmations !== undefined ? { confirmations: base.confirmations } : {}),
    nextDelay: (s) => base.nextDelay(s),
    plan(s: ScheduleState): ReadPlan {
      const p = s.progress;
      if (!p || !p.active) return job(base.nextDelay(s), "schedule");
      // The base schedule's next delay, counting progress reads as reads (so it never restarts at "first read").
      const baseDelay = () => base.nextDelay({ ...s, polls: s.polls + p.reads });
      // The first read of the wait: the progress, when the base schedule would read the job; but a wait
      // that reads at once (a resumed or adopted job, which may have ended long ago) reads the job first.
      if (s.polls + p.reads === 0) {
        const first = base.nextDelay(s);
        return first > 0 ? progress(first, "first read") : job(0, "read at once");
      }
      // That job read found it running: the progress now, for an estimate.
      if (p.reads === 0 && s.polls === 1 && p.lastRead === "job" && s.lastStatus !== undefined && p.misses === 0) return progress(0, "first reading");
      // A job read that did not answer yet (a 404 not yet visible, a failure): job reads on the base
      // schedule until one does. Progress never stands in for a job that cannot be read.
      if (s.polls > 0 && s.lastStatus === undefined) return job(baseDelay(), "the job has not answered yet");
      // A SUCCESS awaiting its confirmation (a schedule with `confirmations > 1`): the base decides.
      if (String(s.lastStatus ?? "").toUpperCase() === "SUCCESS") return job(baseDelay(), "confirmation");
      const last = p.seen[p.seen.length - 1];
      // A task that reports it ended (or failed): read the job now, whatever the estimate.
      if (p.lastRead === "progress" && last && (last.snapshot.done || last.snapshot.failedStep)) return job(0, "the task reports it ended");
      const est = judgeEstimate(p.seen, o);
      if (p.misses >= o.maxMisses || !est.trusted || !last) {
        // No usable estimate: the base schedule's times, reading the job and the progress in turn.
        const why = !last ? "no usable progress yet" : p.misses >= o.maxMisses ? "estimate proved wrong" : (est.why ?? "no estimate");
        return p.lastRead === "progress" ? job(baseDelay(), why) : progress(baseDelay(), why);
      }
      const now = s.elapsedMs;
      if (p.lastRead === "job") {
        if (p.misses > 0) {
          // The job outlived its estimated end: stretch (1 s, 2 s, 4 s ...), don't spin.
          return job(clamp(o.minIntervalMs * 2 ** (p.misses - 1), o.minIntervalMs, o.maxIntervalMs), `estimate missed ${p.misses}x`, true);
        }
        return progress(baseDelay(), "steps");
      }
      // After a usable progress reading, with a trusted estimate.
      const r = Math.max(0, est.endAtMs! - now);
      const g = o.granularityMs;
      const lo = Math.max(0, r - g) / (1 + est.error);
      const hi = (r + g) / Math.max(0.1, 1 - est.error);
      if (est.confirmed && (hi - lo <= o.jumpWindowMs || r <= 2 * o.minIntervalMs)) {
        if (r > o.maxIntervalMs) return progress(o.maxIntervalMs, "estimate beyond the longest interval");
        return job(Math.max(r, 0), "estimated end", true);
      }
      let zoom = clamp(o.safety * lo, o.minIntervalMs, o.maxIntervalMs);
      // One reading tells nothing of its error: confirm it before trusting it further than the base would wait.
      if (!est.confirmed) zoom = Math.min(zoom, Math.max(o.minIntervalMs, baseDelay()));
      return progress(zoom, est.confirmed ? "towards the estimated end" : "confirming the estimate");
    },
  };
}
