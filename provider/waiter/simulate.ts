/**
 * A pure, virtual-time simulator of poll schedules: no timers, no I/O, deterministic per seed. It answers
 * "how late does a schedule notice that a job ended, and how many reads does it spend?" for a set of job
 * durations, so schedules can be compared and tuned without waiting for real jobs (docs/waiter.md; the
 * benchmarks in `bench/` call {@link standardComparison}).
 *
 * The model of one wait, on a virtual clock where the job's `begin_time` is 0:
 * - the wait starts `startOffset` after the job began (the start call's answer travelling back), drawn
 *   uniformly from `[0, startOffsetMaxMs)`: the "random phase" between the job and the poll grid;
 * - a read is sent when the schedule's delay has elapsed after the previous answer (as Terraform and the
 *   real waiter do), the server samples the job `readLatencyMs / 2` later and the answer arrives
 *   `readLatencyMs` after sending;
 * - the job answers 404 until `firstReadLatencyMs` after it began (eventual consistency of a fresh job ID;
 *   every schedule here keeps waiting through it), then RUNNING, then SUCCESS from its duration on;
 * - the detection delay is the time from the job's end to the answer that lets the waiter return (with
 *   `confirmations: 2`, the second SUCCESS in a row).
 */
import { anchorSchedule, adaptiveSchedule, awsStyleSchedule, sanitizeDelay, type PollSchedule } from "./schedule";

/** One simulated job. */
export interface SimJob {
  durationMs: number;
  /** Passed to the schedule as the job's type (from the first read on, or from the start if `typeHint`). */
  jobType?: string;
}

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Each seed runs every job once with its own random phase and jitter. Default `[1]`. */
  seeds?: number | readonly number[];
  /** Round trip of one read. Default 200 ms. */
  readLatencyMs?: number;
  /** How long after it began the job answers 404. Default 0. */
  firstReadLatencyMs?: number;
  /** Upper bound of the random offset between the job's begin and the wait's start. Default 1000 ms. */
  startOffsetMaxMs?: number;
  /** The wait's timeout. Default 30 min. */
  timeoutMs?: number;
  /**
   * Whether the schedule knows the job type before the first read (the caller started the job, so it
   * knows; the waiter takes it as `WaitOptions.jobType`). Default true.
   */
  typeHint?: boolean;
}

/** The outcome of one simulated wait. */
export interface SimOutcome {
  /** Job end to the waiter's return, in ms; NaN when it timed out. */
  delayMs: number;
  calls: number;
  timedOut: boolean;
}

/** Aggregate figures of one schedule over a set of jobs and seeds. */
export interface SimulationResult {
  schedule: string;
  /** Simulated waits (jobs x seeds). */
  runs: number;
  meanDelayMs: number;
  p50DelayMs: number;
  p95DelayMs: number;
  maxDelayMs: number;
  meanCalls: number;
  timeouts: number;
}

/** Mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs one wait on the virtual clock. `random` supplies the phase first, then the schedule's jitter. */
export function simulateOne(schedule: PollSchedule, job: SimJob, random: () => number, options: SimulateOptions = {}): SimOutcome {
  const latency = options.readLatencyMs ?? 200;
  const notFoundUntil = options.firstReadLatencyMs ?? 0;
  const timeout = options.timeoutMs ?? 30 * 60_000;
  const confirmations = Math.max(1, schedule.confirmations ?? 1);
  const start = random() * (options.startOffsetMaxMs ?? 1_000);
  const deadline = start + timeout;
  const end = job.durationMs;

  let t = start;
  let polls = 0;
  let seen = false;
  let lastStatus: string | undefined;
  let successes = 0;
  for (;;) {
    let delay = sanitizeDelay(
      schedule.nextDelay({
        polls,
        elapsedMs: t - start,
        jobAgeMs: seen ? t : undefined,
        jobType: seen || options.typeHint !== false ? job.jobType : undefined,
        lastStatus,
        consecutiveErrors: 0,
        random,
      }),
    );
    const last = t + delay >= deadline;
    if (last) delay = Math.max(0, deadline - t);
    t += delay;
    polls++;
    const sampledAt = t + latency / 2;
    t += latency;
    if (sampledAt >= notFoundUntil) {
      seen = true;
      lastStatus = sampledAt >= end ? "SUCCESS" : "RUNNING";
      successes = lastStatus === "SUCCESS" ? successes + 1 : 0;
      if (successes >= confirmations) return { delayMs: t - end, calls: polls, timedOut: false };
    }
    if (last) return { delayMs: Number.NaN, calls: polls, timedOut: true };
  }
}

/** Runs `schedule` against every job once per seed and aggregates the detection delay and the reads. */
export function simulate(schedule: PollSchedule, durations: readonly (number | SimJob)[], options: SimulateOptions = {}): SimulationResult {
  const seeds = options.seeds === undefined ? [1] : typeof options.seeds === "number" ? [options.seeds] : options.seeds;
  const delays: number[] = [];
  let calls = 0;
  let timeouts = 0;
  let runs = 0;
  for (const seed of seeds) {
    // One stream per seed, consumed in job order: the same seed gives the same phases and jitter.
    const random = seededRandom(seed);
    for (const d of durations) {
      const job = typeof d === "number" ? { durationMs: d } : d;
      const r = simulateOne(schedule, job, random, options);
      runs++;
      calls += r.calls;
      if (r.timedOut) timeouts++;
      else delays.push(r.delayMs);
    }
  }
  delays.sort((a, b) => a - b);
  const mean = delays.length ? delays.reduce((s, v) => s + v, 0) / delays.length : Number.NaN;
  return {
    schedule: schedule.name,
    runs,
    meanDelayMs: mean,
    p50DelayMs: percentile(delays, 50),
    p95DelayMs: percentile(delays, 95),
    maxDelayMs: delays.length ? delays[delays.length - 1]! : Number.NaN,
    meanCalls: runs ? calls / runs : Number.NaN,
    timeouts,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** A log-uniform draw from `[lo, hi]`. */
export function logUniform(random: () => number, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
}

/** The duration ranges of issue 7 (no vendor source documents job durations: these are assumptions). */
export const REALISTIC_RANGES: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  masterStandbySwapJob: [3_000, 180_000] as const,
  modifyClientIpTransJob: [20_000, 420_000] as const,
});

/**
 * A reproducible set of job durations: `perType` jobs of each type, log-uniform within its range.
 * (The phase of each job against the poll grid is drawn by the simulator, per seed.)
 */
export function realisticJobs(options: { seed?: number; perType?: number; ranges?: Record<string, readonly [number, number]> } = {}): SimJob[] {
  const random = seededRandom(options.seed ?? 7);
  const perType = options.perType ?? 1_000;
  const jobs: SimJob[] = [];
  for (const [jobType, [lo, hi]] of Object.entries(options.ranges ?? REALISTIC_RANGES)) {
    for (let i = 0; i < perType; i++) jobs.push({ jobType, durationMs: logUniform(random, lo, hi) });
  }
  return jobs;
}

/** One row of {@link standardComparison}: a schedule over one slice of the jobs. */
export interface ComparisonRow extends SimulationResult {
  /** `all`, or a job type. */
  slice: string;
}

/** The schedules the docs compare: the anchor (as its source runs it, and with 2 confirmations), AWS-style, the default and its responsive variant. */
export function standardSchedules(): PollSchedule[] {
  return [
    anchorSchedule(),
    anchorSchedule({ continuousTargetOccurence: 2 }),
    awsStyleSchedule({ minDelayMs: 2_000, maxDelayMs: 120_000 }),
    adaptiveSchedule(),
    adaptiveSchedule({ responsive: true }),
  ];
}

/**
 * The comparison reported in docs/waiter.md: every schedule of {@link standardSchedules} (or the ones
 * given) over {@link realisticJobs} with seeds 1..5, for all jobs and per job type.
 */
export function standardComparison(
  options: SimulateOptions & {
    schedules?: PollSchedule[];
    perType?: number;
    jobSeed?: number;
    /** Duration ranges per job type; default {@link REALISTIC_RANGES}. */
    ranges?: Record<string, readonly [number, number]>;
  } = {},
): ComparisonRow[] {
  const ranges = options.ranges ?? REALISTIC_RANGES;
  const jobs = realisticJobs({ seed: options.jobSeed ?? 7, perType: options.perType ?? 1_000, ranges });
  const sim: SimulateOptions = { seeds: [1, 2, 3, 4, 5], ...options };
  const rows: ComparisonRow[] = [];
  const slices: [string, SimJob[]][] = [["all", jobs]];
  for (const type of Object.keys(ranges)) slices.push([type, jobs.filter((j) => j.jobType === type)]);
  for (const [slice, subset] of slices) {
    for (const s of options.schedules ?? standardSchedules()) rows.push({ slice, ...simulate(s, subset, sim) });
  }
  return rows;
}

/** Renders comparison rows as a Markdown table (seconds, one decimal; reads per job, one decimal). */
export function formatComparison(rows: readonly ComparisonRow[]): string {
  const s = (ms: number) => (Number.isNaN(ms) ? "-" : (ms / 1000).toFixed(1));
  const lines = [
    "| jobs | schedule | mean delay (s) | p50 (s) | p95 (s) | max (s) | reads/job | timeouts |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(`| ${r.slice} | ${r.schedule} | ${s(r.meanDelayMs)} | ${s(r.p50DelayMs)} | ${s(r.p95DelayMs)} | ${s(r.maxDelayMs)} | ${r.meanCalls.toFixed(1)} | ${r.timeouts} |`);
  }
  return lines.join("\n");
}
