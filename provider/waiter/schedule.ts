/**
 * Poll schedules, pure: each one answers "how long until the next read of the job?" from the state of the
 * wait. No timers and no I/O here, so the same objects drive the real waiter (`wait.ts`) and the virtual-time
 * simulator (`simulate.ts`), and their arithmetic is testable without a clock.
 */
import type { JobStatus } from "../types";
import type { ProgressState } from "./progress";

/** What a schedule sees when it picks the next delay. */
export interface ScheduleState {
  /** Reads of the job sent so far (0 before the first read). */
  polls: number;
  /** Milliseconds since the wait started (for a resumed wait: since it first started). */
  elapsedMs: number;
  /**
   * The job's age from its `begin_time`, when a read has returned one. The caller clamps it to
   * `[0, elapsed-consistent bounds]` so clock skew between this machine and the API cannot make it
   * negative or absurd; schedules clamp it again, defensively.
   */
  jobAgeMs?: number;
  /** `job_type` from the last read, or the caller's hint before the first read. */
  jobType?: string;
  /** Status from the last successful read. */
  lastStatus?: JobStatus;
  /** Transient read failures in a row (0 after a good read). */
  consecutiveErrors?: number;
  /** A float in [0, 1): the only source of randomness (jitter), injected so schedules stay pure. */
  random: () => number;
  /** The task's progress readings, when the wait reads them (see `progress.ts`). */
  progress?: ProgressState;
}

/** The next read a progress-aware schedule asks for ({@link PollSchedule.plan}). */
export interface ReadPlan {
  /** Read the job (the only read that can end the wait) or the task's progress. */
  read: "job" | "progress";
  delayMs: number;
  /** Why, in a few words (logs, tests, the simulator's breakdowns). */
  basis?: string;
  /** A job read at the estimated end: one that finds the job running counts as a miss. */
  atEstimatedEnd?: boolean;
}

/** A poll strategy: a pure function of the wait's state. */
export interface PollSchedule {
  /** Short name for tables and logs. */
  readonly name: string;
  /** Milliseconds to wait before the next read (the first call, with `polls: 0`, is the initial delay). */
  nextDelay(state: ScheduleState): number;
  /**
   * How many SUCCESS reads in a row, one schedule step apart, count as done (Terraform's
   * `ContinuousTargetOccurence`). Default 1.
   */
  readonly confirmations?: number;
  /**
   * Progress-aware schedules only: which read comes next (job or progress) and when. Without it (or with
   * no progress to read) every read is a job read after {@link nextDelay}.
   */
  plan?(state: ScheduleState): ReadPlan;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** A finite, non-negative delay: guards the waiter against a schedule returning NaN or a negative number. */
export function sanitizeDelay(ms: number, fallbackMs = 1_000): number {
  return Number.isFinite(ms) ? Math.max(0, ms) : fallbackMs;
}

/**
 * Applies symmetric jitter: `ms * (1 + jitter * (2r - 1))`, so the result lies in
 * `[ms * (1 - jitter), ms * (1 + jitter)]` and its mean is `ms`. `jitter` is clamped to [0, 1].
 */
export function jittered(ms: number, jitter: number, random: () => number): number {
  const j = clamp(Number.isFinite(jitter) ? jitter : 0, 0, 1);
  if (j === 0) return ms;
  return ms * (1 + j * (2 * random() - 1));
}

/** Options of {@link anchorSchedule}. */
export interface AnchorOptions {
  /** Terraform's `Delay`: 2 s in the DCS job waiter. */
  delayMs?: number;
  /** Terraform's `PollInterval`: 10 s in the DCS job waiter. */
  pollIntervalMs?: number;
  /**
   * Terraform's `ContinuousTargetOccurence`. The DCS *job* waiter (`checkDcsInstanceJobFinish`) leaves it
   * unset, i.e. 1; only the instance-status waiter (`waitForDcsInstanceRunning`) sets 2. Pass 2 to model
   * the latter.
   */
  continuousTargetOccurence?: number;
}

/**
 * Terraform's wait for a DCS job, as `terraform-provider-huaweicloud` configures it
 * (`huaweicloud/services/dcs/common.go`, `checkDcsInstanceJobFinish`: `Delay: 2 * time.Second`,
 * `PollInterval: 10 * time.Second`, no `ContinuousTargetOccurence`) and as terraform-plugin-sdk v2
 * `helper/retry/state.go` runs it: sleep `Delay`, read at once ("start with 0 delay for the first loop"),
 * then `wait = conf.PollInterval` between reads because `0 < PollInterval < 180 s` overrides both the
 * doubling backoff and `MinTimeout`. The sleep starts after each answer (`time.After(wait)` follows the
 * `Refresh()` call in the same goroutine), so a read's latency adds to every cycle; the waiter and the
 * simulator do the same.
 */
export function anchorSchedule(options: AnchorOptions = {}): PollSchedule {
  const delay = options.delayMs ?? 2_000;
  const interval = options.pollIntervalMs ?? 10_000;
  const confirmations = Math.max(1, Math.floor(options.continuousTargetOccurence ?? 1));
  return {
    name: confirmations > 1 ? `terraform (2s+10s, x${confirmations})` : "terraform (2s+10s)",
    confirmations,
    nextDelay: (s) => (s.polls === 0 ? delay : interval),
  };
}

/** Options of {@link awsStyleSchedule}. */
export interface AwsStyleOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The AWS SDK v3 waiter (`@smithy/util-waiter`, now `@smithy/core`): the first read at once, then for
 * attempt `n` (1-based) a delay drawn uniformly from `[minDelay, min(maxDelay, minDelay * 2^(n-1))]`;
 * once `minDelay * 2^(n-1)` passes `maxDelay`, exactly `maxDelay`. Defaults are the common EC2 waiter
 * values scaled to this API: 2 s and 120 s.
 */
export function awsStyleSchedule(options: AwsStyleOptions = {}): PollSchedule {
  const min = options.minDelayMs ?? 2_000;
  const max = Math.max(min, options.maxDelayMs ?? 120_000);
  const attemptCeiling = Math.log(max / min) / Math.log(2) + 1;
  return {
    name: `aws-style (${min / 1000}s..${max / 1000}s)`,
    nextDelay: (s) => {
      if (s.polls === 0) return 0;
      const attempt = s.polls;
      if (attempt > attemptCeiling) return max;
      const ceiling = min * 2 ** (attempt - 1);
      return min + s.random() * (ceiling - min);
    },
  };
}

/** What the adaptive schedule assumes about one job type. */
export interface JobTypePrior {
  /** The shortest the job usually takes: reads before this age are mostly wasted. */
  typicalMinMs: number;
  /** Interval as a fraction of the job's age. */
  ratio: number;
  /** Bounds of the interval. */
  minIntervalMs: number;
  maxIntervalMs: number;
}

/** Options of {@link adaptiveSchedule}. Every field has a default tuned with `simulate.ts` (see docs/waiter.md). */
export interface AdaptiveOptions {
  /** Prior for job types not listed in `priors` (and before the type is known). */
  fallback?: Partial<JobTypePrior>;
  /** Per-`job_type` priors; merged over the built-in ones. */
  priors?: Record<string, Partial<JobTypePrior>>;
  /** Symmetric jitter fraction (0..1) applied to every interval, so many waits do not poll in step. */
  jitter?: number;
  /** Overrides the initial delay (the first read), whatever the prior says. */
  firstDelayMs?: number;
  /** Start from {@link RESPONSIVE_PRIORS} instead of {@link DEFAULT_PRIORS}. */
  responsive?: boolean;
  /** Name for tables and logs. */
  name?: string;
}

/**
 * Built-in priors, tuned with `simulate.ts` against issue 7's duration ranges (swaps 3 s .. 3 min,
 * pass-through 20 s .. 7 min, log-uniform; no vendor source documents job durations). The tuning showed
 * that, for durations spread like that, an interval growing with the age does not pay: the best schedule
 * at the anchor's read budget is close to a constant interval that starts at the job type's typical
 * minimum duration. The ratio still lets intervals stretch for long jobs (and for resumed waits on old ones).
 */
export const DEFAULT_PRIORS: Readonly<Record<string, JobTypePrior>> = Object.freeze({
  masterStandbySwapJob: { typicalMinMs: 6_000, ratio: 0.3, minIntervalMs: 8_000, maxIntervalMs: 10_000 },
  modifyClientIpTransJob: { typicalMinMs: 25_000, ratio: 0.12, minIntervalMs: 7_000, maxIntervalMs: 9_000 },
});

/**
 * Priors that halve the anchor's mean detection delay, at the price of more reads (about 1.7x for swaps,
 * 1.8x for pass-through: see docs/waiter.md). For interactive use on a few instances; a fleet run should
 * keep the default and its request budget.
 */
export const RESPONSIVE_PRIORS: Readonly<Record<string, JobTypePrior>> = Object.freeze({
  masterStandbySwapJob: { typicalMinMs: 4_000, ratio: 0.08, minIntervalMs: 4_000, maxIntervalMs: 8_000 },
  modifyClientIpTransJob: { typicalMinMs: 20_000, ratio: 0.03, minIntervalMs: 4_000, maxIntervalMs: 5_000 },
});

/**
 * The prior for job types nobody described (restarts, resizes, backups... can run for many minutes):
 * quick first reads, then intervals growing with the age up to 30 s, so a long job costs tens of reads,
 * not hundreds.
 */
export const DEFAULT_FALLBACK_PRIOR: Readonly<JobTypePrior> = Object.freeze({
  typicalMinMs: 3_000,
  ratio: 0.2,
  minIntervalMs: 5_000,
  maxIntervalMs: 30_000,
});

/** Default jitter of the adaptive schedule. */
export const DEFAULT_JITTER = 0.1;

/**
 * The project's default: the interval grows with the job's age, `clamp(ratio * age, min, max)`, jittered,
 * with per-`job_type` priors. Why the age and not the number of reads: the chance that a job ends in the
 * next second falls as the job gets older (durations are spread over orders of magnitude), so reads pay
 * off most early on; and because the age comes from `begin_time`, a wait resumed on an old job starts at
 * the slow end instead of with a burst of fast reads.
 *
 * The first read comes when the job reaches its type's typical minimum duration (at once for a resumed
 * wait on an older job, which may have ended while nobody watched).
 */
export function adaptiveSchedule(options: AdaptiveOptions = {}): PollSchedule {
  const fallback: JobTypePrior = { ...DEFAULT_FALLBACK_PRIOR, ...definedOnly(options.fallback) };
  const priors: Record<string, JobTypePrior> = {};
  for (const [type, p] of Object.entries(options.responsive ? RESPONSIVE_PRIORS : DEFAULT_PRIORS)) priors[type] = { ...p };
  for (const [type, p] of Object.entries(options.priors ?? {})) priors[type] = { ...(priors[type] ?? fallback), ...definedOnly(p) };
  const jitter = options.jitter ?? DEFAULT_JITTER;
  return {
    name: options.name ?? (options.responsive ? "adaptive (responsive)" : "adaptive (default)"),
    nextDelay: (s) => {
      const prior = (s.jobType !== undefined && Object.hasOwn(priors, s.jobType) ? priors[s.jobType] : undefined) ?? fallback;
      const lo = Math.max(0, prior.minIntervalMs);
      const hi = Math.max(lo, prior.maxIntervalMs);
      // Before any read answered, the job is about as old as the wait (the start call just returned).
      const age = Math.max(0, finiteOr(s.jobAgeMs, s.elapsedMs));
      if (s.polls === 0) {
        if (options.firstDelayMs !== undefined) return sanitizeDelay(options.firstDelayMs);
        return jittered(Math.max(0, prior.typicalMinMs - age), jitter, s.random);
      }
      // A job still younger than its type's minimum: sleep to that minimum, not much past it.
      const toMin = prior.typicalMinMs - age;
      const base = toMin > lo ? toMin : clamp(prior.ratio * age, lo, hi);
      return clamp(jittered(base, jitter, s.random), lo * (1 - jitter), hi * (1 + jitter));
    },
  };
}

/** Options of {@link exponentialSchedule}. */
export interface ExponentialOptions {
  firstDelayMs?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** Growth factor per read (>= 1). */
  factor?: number;
  jitter?: number;
}

/** Classic capped exponential backoff by read count (what `WaitOptions.backoff` selects). */
export function exponentialSchedule(options: ExponentialOptions = {}): PollSchedule {
  const first = options.firstDelayMs ?? 2_000;
  const min = options.minIntervalMs ?? 2_000;
  const max = Math.max(min, options.maxIntervalMs ?? 30_000);
  const factor = Math.max(1, options.factor ?? 1.5);
  const jitter = options.jitter ?? 0;
  return {
    name: `exponential (x${factor})`,
    nextDelay: (s) => {
      if (s.polls === 0) return jittered(first, jitter, s.random);
      return jittered(clamp(min * factor ** (s.polls - 1), min, max), jitter, s.random);
    },
  };
}

/** A fixed interval (a baseline for comparisons, and the simplest custom schedule). */
export function fixedSchedule(intervalMs: number, firstDelayMs = intervalMs): PollSchedule {
  return { name: `fixed (${intervalMs / 1000}s)`, nextDelay: (s) => (s.polls === 0 ? firstDelayMs : intervalMs) };
}

/** Wraps a schedule so its delays after the first stay within `[minMs, maxMs]` (the explicit knobs of `WaitOptions`). */
export function boundedSchedule(inner: PollSchedule, bounds: { firstDelayMs?: number; minIntervalMs?: number; maxIntervalMs?: number }): PollSchedule {
  const lo = bounds.minIntervalMs ?? 0;
  const hi = Math.max(lo, bounds.maxIntervalMs ?? Number.POSITIVE_INFINITY);
  const first = (s: ScheduleState) => s.polls + (s.progress?.reads ?? 0) === 0;
  return {
    name: inner.name,
    confirmations: inner.confirmations,
    nextDelay: (s) => {
      if (s.polls === 0 && bounds.firstDelayMs !== undefined) return Math.max(0, bounds.firstDelayMs);
      const d = sanitizeDelay(inner.nextDelay(s));
      return s.polls === 0 ? d : clamp(d, lo, hi);
    },
    ...(inner.plan
      ? {
          plan: (s: ScheduleState): ReadPlan => {
            const p = inner.plan!(s);
            if (first(s) && bounds.firstDelayMs !== undefined) return { ...p, delayMs: Math.max(0, bounds.firstDelayMs) };
            const d = sanitizeDelay(p.delayMs);
            // "Now" stays now (a task that reports it ended is read at once); other delays keep the bounds.
            return { ...p, delayMs: first(s) || d === 0 ? d : clamp(d, lo, hi) };
          },
        }
      : {}),
  };
}

/**
 * The job's age from its `begin_time`, clamped against clock skew: never negative (a `begin_time` in the
 * future means this machine's clock runs behind), and never more than `maxAgeMs` (a bogus timestamp must
 * not stretch the intervals to their cap forever; the cap is generous for the jobs this package waits for).
 */
export function jobAgeMs(beginTime: Date | undefined, now: number, maxAgeMs = 24 * 3_600_000): number | undefined {
  if (!beginTime) return undefined;
  const t = beginTime.getTime();
  if (!Number.isFinite(t)) return undefined;
  return clamp(now - t, 0, maxAgeMs);
}

function finiteOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
