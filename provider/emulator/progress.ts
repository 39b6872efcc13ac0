/**
 * ShowBackgroundTaskProgress in the emulator (`GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`):
 * steps per job type laid over the job's duration, a percentage, and a `remain_time` whose error is a
 * knob ({@link ESTIMATE_MODES}). Pure apart from the seeded random source of the noisy modes: the body
 * is computed from the job and the emulated time at read time, like every other answer.
 *
 * Body shape: huaweicloud-sdk-go-v3 `model_show_background_task_progress_response.go` (`progress`,
 * `remain_time`, `step_details`), `model_step_detail.go`, `model_sub_step_detail.go`; times ISO-8601
 * (`2020-06-17T07:38:42.503Z`). The step names and their shares of the duration are the emulator's
 * (no vendor source lists the steps of these jobs).
 */
import { seededRandom } from "../waiter/simulate";
import type { TaskJobView } from "./state";

/**
 * How good `remain_time` is: `exact` (time left, rounded up to a whole second), `noisy20` / `noisy50`
 * (each answer off by a uniform ±20 % / ±50 %), `absent` (never sent), `stuck` (the job's whole duration,
 * never decreasing), `zero` (always 0: wrong low).
 */
export const ESTIMATE_MODES = ["exact", "noisy20", "noisy50", "absent", "stuck", "zero"] as const;
export type EstimateMode = (typeof ESTIMATE_MODES)[number];

/** One step of a job type: its name, its share of the duration, and optional sub-steps (equal shares). */
export interface StepPlan {
  name: string;
  share: number;
  subSteps?: readonly string[];
}

/** The emulator's steps per job type (the shares add up to 1). */
export const STEP_PLANS: Readonly<Record<string, readonly StepPlan[]>> = Object.freeze({
  masterStandbySwapJob: [
    { name: "check instance", share: 0.1 },
    { name: "switch roles", share: 0.5, subSteps: ["promote standby", "demote master"] },
    { name: "refresh routes", share: 0.3 },
    { name: "verify", share: 0.1 },
  ],
  modifyClientIpTransJob: [
    { name: "check instance", share: 0.1 },
    { name: "update proxy config", share: 0.2 },
    { name: "restart proxies", share: 0.6, subSteps: ["restart proxy 1", "restart proxy 2"] },
    { name: "verify", share: 0.1 },
  ],
});
const FALLBACK_PLAN: readonly StepPlan[] = [{ name: "execute", share: 1 }];

/** The step a failing job fails in: the main one (index 1), or the last of a shorter plan. */
const FAILING_STEP = 1;

/** A `remain_time` for a running job that never ends (hangJob): unknowable, so only `stuck` and `zero` send one. */
const HANG_STUCK_S = 60;

/** The progress route's state: the estimate mode and the noise source. */
export class EmulatorProgress {
  private random: () => number;

  constructor(
    private mode: EstimateMode = "exact",
    private readonly seed = 1,
  ) {
    checkMode(mode);
    this.random = seededRandom(seed);
  }

  /** Changes the estimate mode for every answer from now on. */
  setMode(mode: EstimateMode): void {
    checkMode(mode);
    this.mode = mode;
  }

  get estimateMode(): EstimateMode {
    return this.mode;
  }

  /** Back to the seed's noise sequence (the mode stays). */
  reset(): void {
    this.random = seededRandom(this.seed);
  }

  /** The body for a task's job at `now`. */
  body(job: TaskJobView, now: number): ProgressBody {
    return progressBody(job, now, this.mode, this.random);
  }
}

function checkMode(mode: string): asserts mode is EstimateMode {
  if (!(ESTIMATE_MODES as readonly string[]).includes(mode)) throw new RangeError(`Unknown progress estimate mode "${mode}": one of ${ESTIMATE_MODES.join(", ")}.`);
}

/** The answer's body (vendor field names). */
export interface ProgressBody {
  progress: number;
  remain_time?: number;
  step_details: StepBody[];
}

interface StepBody {
  step_id: string;
  step_name: string;
  step_status: "FINISH" | "FAILED" | "EXECUTING" | "WAITING";
  begin_time: string | null;
  end_time: string | null;
  error_code: string | null;
  sub_step_details: SubStepBody[];
}

interface SubStepBody {
  sub_step_id: string;
  sub_step_name: string;
  sub_step_status: "FINISH" | "FAILED" | "EXECUTING" | "WAITING";
  begin_time: string | null;
  end_time: string | null;
  detail: string | null;
  error_code: string | null;
}

const iso = (ms: number): string => new Date(Math.floor(ms)).toISOString();

/**
 * The progress of `job` at `now`: the job's INIT phase shows every step WAITING; then the steps run one
 * after another over the rest of the duration, each for its share; a failing job fails in its main step
 * (the steps after it stay WAITING). `progress` is the share of the duration elapsed (floor), 100 once
 * the job succeeded.
 */
export function progressBody(job: TaskJobView, now: number, mode: EstimateMode, random: () => number): ProgressBody {
  const plan = STEP_PLANS[job.jobType] ?? FALLBACK_PLAN;
  const hang = !Number.isFinite(job.durationMs);
  const failing = job.outcome === "FAIL" ? Math.min(FAILING_STEP, plan.length - 1) : plan.length - 1;
  const covered = plan.slice(0, failing + 1).reduce((a, s) => a + s.share, 0);
  const end = job.beginMs + job.durationMs;
  const ended = !hang && now >= end;
  const runStart = job.beginMs + (hang ? job.initMs : Math.min(job.initMs, job.durationMs));
  let from = runStart;
  const steps: StepBody[] = plan.map((p, i) => {
    const a = from;
    // The steps that run share the time after INIT by their shares; the failing (or last) one ends with the job.
    const b = hang ? Number.POSITIVE_INFINITY : i >= failing ? end : a + ((end - runStart) * p.share) / covered;
    from = b;
    let status: StepBody["step_status"];
    if (hang) status = i === 0 && now >= runStart ? "EXECUTING" : "WAITING";
    else if (i > failing || now < a || now < runStart) status = "WAITING";
    else if (now >= b) status = i === failing && job.outcome === "FAIL" ? "FAILED" : "FINISH";
    else status = "EXECUTING";
    const subs = p.subSteps ?? [];
    return {
      step_id: String(i + 1),
      step_name: p.name,
      step_status: status,
      begin_time: status === "WAITING" ? null : iso(a),
      end_time: status === "FINISH" || status === "FAILED" ? iso(b) : null,
      error_code: status === "FAILED" ? (job.errorCode ?? "DCS.5000") : null,
      sub_step_details: subs.map((name, j) => {
        const sa = hang ? a : a + ((b - a) * j) / subs.length;
        const sb = hang ? Number.POSITIVE_INFINITY : a + ((b - a) * (j + 1)) / subs.length;
        let st: SubStepBody["sub_step_status"];
        if (status === "WAITING") st = "WAITING";
        else if (status === "FAILED") st = j === subs.length - 1 ? "FAILED" : "FINISH";
        else if (status === "FINISH") st = "FINISH";
        else st = hang ? (j === 0 ? "EXECUTING" : "WAITING") : now < sa ? "WAITING" : now < sb ? "EXECUTING" : "FINISH";
        return {
          sub_step_id: `${i + 1}.${j + 1}`,
          sub_step_name: name,
          sub_step_status: st,
          begin_time: st === "WAITING" ? null : iso(sa),
          end_time: st === "FINISH" || st === "FAILED" ? iso(sb) : null,
          detail: null,
          error_code: st === "FAILED" ? (job.errorCode ?? "DCS.5000") : null,
        };
      }),
    };
  });
  let progress: number;
  if (hang) progress = 0;
  else if (ended) progress = job.outcome === "SUCCESS" ? 100 : Math.floor(100 * plan.slice(0, failing).reduce((a, s) => a + s.share, 0));
  // (The rounding guard keeps 10 s of a 40 s job at 25 %, not 24.999...)
  else progress = Math.min(99, Math.floor((100 * covered * Math.max(0, now - job.beginMs)) / Math.max(1, job.durationMs) + 1e-9));
  const remain = remainTime(job, now, mode, random, ended, hang);
  return { progress, ...(remain !== undefined ? { remain_time: remain } : {}), step_details: steps };
}

function remainTime(job: TaskJobView, now: number, mode: EstimateMode, random: () => number, ended: boolean, hang: boolean): number | undefined {
  if (mode === "absent") return undefined;
  if (mode === "zero") return 0;
  if (mode === "stuck") return hang ? HANG_STUCK_S : Math.ceil(job.durationMs / 1000);
  if (hang) return undefined;
  if (ended) return 0;
  const leftMs = job.beginMs + job.durationMs - now;
  if (mode === "exact") return Math.ceil(leftMs / 1000);
  const q = mode === "noisy20" ? 0.2 : 0.5;
  return Math.max(0, Math.round((leftMs / 1000) * (1 + q * (2 * random() - 1))));
}
