/**
 * Many processes, one access key, the gateway's throttle: 10 processes × 20 jobs each (every process a
 * `pulumi up` or a CLI run of its own, with its own process-wide rate budget and connection pool), one
 * emulator with the per-access-key throttle on (200 requests per 5 minutes, as observed on DCS). Every
 * process starts its 20 jobs at once and waits for each with the real `waitForJob` and `DcsClient`; the
 * only thing that differs between the variants is the client's rate control: today's fixed
 * 5 requests/s (burst 10) and the adaptive one (`provider/rate-limit.ts`).
 *
 * How the processes are made: each is a fresh copy of the package's modules (its own `rateLimiterFor`
 * map, dispatcher pool, p-retry), loaded into this one Node process, so they share nothing but the
 * emulator, as separate processes would. Why not real processes: the throttle's window is 5 minutes, so
 * the run needs time scaled; with real processes on scaled wall time, CPU contention on this shared
 * 2-core machine turned 10 ms round trips into seconds of emulated latency (and made the figures depend on
 * what else ran). Here time is virtual (`bench/virtual-time.ts`): the emulator's clock, every timer and
 * `Date` move only when every request has been answered, so a request takes zero time, the throttle, the
 * jobs, the schedules, the retries and `Retry-After` keep their real proportions, and the run takes a few
 * seconds. Randomness (jitter) is seeded.
 *
 * Reported: jobs finished, waits and starts failed (and why), the share of requests answered 429 (the
 * emulator's count), detection delay (the waiter's return − the job's `end_time`), requests per job.
 */
import * as path from "node:path";
import type * as ClientModule from "../provider/client";
import type { DcsClientOptions } from "../provider/config";
import { startEmulator } from "../provider/emulator";
import type * as WaitModule from "../provider/waiter/wait";
import { benchJobs } from "./durations";
import { seededRandom, summarize, type Summary } from "./stats";
import { fmt, renderTable } from "./table";
import { installVirtualTime } from "./virtual-time";

/** One client variant: a name and the `rateLimit` option it runs with. */
export interface ThrottleVariant {
  name: string;
  rateLimit: NonNullable<DcsClientOptions["rateLimit"]>;
}

/** The variants compared: today's fixed budget (the anchor) first. */
export const THROTTLE_VARIANTS: readonly ThrottleVariant[] = [
  { name: "fixed 5 req/s (anchor)", rateLimit: { requestsPerSecond: 5, burst: 10, adaptive: false } },
  { name: "adaptive (default)", rateLimit: { requestsPerSecond: 5, burst: 10 } },
];

export interface ThrottleBenchOptions {
  processes?: number;
  jobsPerProcess?: number;
  /** The gateway's limit per window (default 200). */
  limit?: number;
  /** The gateway's window, ms (default 5 min). */
  windowMs?: number;
  mode?: "fixed" | "sliding";
  /** The gateway sends `Retry-After` (default true). */
  retryAfter?: boolean;
  /** Each wait's timeout, ms (default 30 min, the package's default). */
  waitTimeoutMs?: number;
  /** Processes start this far apart, ms (default 0: all at once). */
  staggerMs?: number;
  /** Seeds of the jitter; several runs are pooled into one row per variant (default [5]). */
  seeds?: readonly number[];
  variants?: readonly ThrottleVariant[];
}

export interface ThrottleRow {
  variant: string;
  mode: "fixed" | "sliding";
  retryAfter: boolean;
  processes: number;
  jobs: number;
  finished: number;
  failedWaits: number;
  failedStarts: number;
  /** Why waits and starts failed: error name (and code) -> count. */
  failures: Record<string, number>;
  requests: number;
  throttled: number;
  throttledShare: number;
  requestsPerJob: number;
  delayS: Summary;
  /** Detection delays, s (pooled over the seeds). */
  delaysS: number[];
  /** The mean delay of each seed's run, s. */
  meanDelayBySeedS: number[];
  seeds: number;
  /** From the first start call to the last wait's end, virtual seconds. */
  makespanS: number;
  /** Real seconds the variant took to run. */
  wallS: number;
}

interface JobSpec {
  instanceId: string;
  jobType: "masterStandbySwapJob" | "modifyClientIpTransJob";
  durationMs: number;
}

const repoRoot = path.resolve(__dirname, "..");

/** The jobs of a run: `processes × jobsPerProcess`, half swaps and half pass-through changes, dealt out seeded. */
export function throttleJobs(processes: number, jobsPerProcess: number): JobSpec[][] {
  const n = processes * jobsPerProcess;
  const sample = benchJobs(Math.ceil(n / 2), 13).slice(0, n);
  const rnd = seededRandom(29);
  for (let i = sample.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [sample[i], sample[j]] = [sample[j]!, sample[i]!];
  }
  return Array.from({ length: processes }, (_, p) =>
    sample.slice(p * jobsPerProcess, (p + 1) * jobsPerProcess).map((job, i) => ({
      instanceId: `d0000000-0000-4000-8000-${(p * jobsPerProcess + i).toString(16).padStart(12, "0")}`,
      jobType: job.jobType,
      durationMs: job.durationMs,
    })),
  );
}

/** A fresh copy of the client and waiter modules: what a separate process would load (its own shared limiter map). */
function freshProcess(): { DcsClient: typeof ClientModule.DcsClient; waitForJob: typeof WaitModule.waitForJob } {
  const provider = path.join(repoRoot, "provider") + path.sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(provider)) delete require.cache[key];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const client = require("../provider/client") as typeof ClientModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wait = require("../provider/waiter/wait") as typeof WaitModule;
  return { DcsClient: client.DcsClient, waitForJob: wait.waitForJob };
}

interface ProcessResult {
  finished: number;
  failedWaits: number;
  failedStarts: number;
  failures: Record<string, number>;
  delaysMs: number[];
  firstStartAt: number;
  lastEndAt: number;
}

/** One process: start its jobs at once, wait for each. */
async function runProcess(
  mods: ReturnType<typeof freshProcess>,
  conn: { url: string; projectId: string; accessKey: string; secretKey: string },
  jobs: JobSpec[],
  variant: ThrottleVariant,
  waitTimeoutMs: number,
): Promise<ProcessResult> {
  const client = new mods.DcsClient({
    endpoint: conn.url,
    projectId: conn.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: conn.accessKey, secretKey: conn.secretKey },
    rateLimit: variant.rateLimit,
  });
  const result: ProcessResult = { finished: 0, failedWaits: 0, failedStarts: 0, failures: {}, delaysMs: [], firstStartAt: Date.now(), lastEndAt: Date.now() };
  const why = (e: unknown) => {
    const err = e as { name?: string; code?: string; status?: number; reason?: string };
    const key = [err.name ?? "Error", err.code ?? (err.status !== undefined ? `HTTP ${err.status}` : "")].filter(Boolean).join(" ");
    result.failures[key] = (result.failures[key] ?? 0) + 1;
  };
  const deadline = Date.now() + waitTimeoutMs;
  await Promise.all(
    jobs.map(async (job) => {
      let jobId: string;
      try {
        const started =
          job.jobType === "masterStandbySwapJob"
            ? await client.swapMasterStandby(job.instanceId, { deadline })
            : await client.setClientIpPassThrough(job.instanceId, true, { deadline });
        jobId = started.jobId;
      } catch (e) {
        result.failedStarts++;
        why(e);
        return;
      }
      try {
        const done = await mods.waitForJob(client, jobId, { jobType: job.jobType, timeoutMs: waitTimeoutMs });
        result.finished++;
        if (done.endTime) result.delaysMs.push(Date.now() - done.endTime.getTime());
      } catch (e) {
        result.failedWaits++;
        why(e);
      }
      result.lastEndAt = Math.max(result.lastEndAt, Date.now());
    }),
  );
  await client.close();
  return result;
}

/** One variant on a fresh emulator and fresh processes, on virtual time. */
async function runVariant(variant: ThrottleVariant, o: Required<Omit<ThrottleBenchOptions, "variants" | "seeds">> & { seed: number }): Promise<ThrottleRow> {
  const perProcess = throttleJobs(o.processes, o.jobsPerProcess);
  // p-retry is ESM: load it once for real before the clock is virtual.
  await import("p-retry");
  const vt = installVirtualTime(Date.UTC(2026, 0, 1, 9, 0, 0));
  const realRandom = Math.random;
  Math.random = seededRandom(o.seed);
  try {
    const emu = await startEmulator({
      instances: perProcess.flat().map((j) => ({ instance_id: j.instanceId, cache_mode: "ha" })),
      faults: perProcess.flat().map((j) => ({ kind: "jobDuration" as const, route: j.jobType === "masterStandbySwapJob" ? ("swap" as const) : ("clientIp" as const), instanceId: j.instanceId, durationMs: j.durationMs })),
      throttle: { limit: o.limit, windowMs: o.windowMs, mode: o.mode, retryAfter: o.retryAfter },
    });
    try {
      const procs = perProcess.map(() => freshProcess());
      // Each process loads p-retry (ESM, through the loader's async hooks) on its first call: do that now,
      // in real time, with a closed client (it throws before the rate budget and before sending anything).
      for (const mods of procs) {
        const warm = new mods.DcsClient({ endpoint: emu.url, projectId: emu.projectId, region: "ap-southeast-1", credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } });
        await warm.close();
        await warm.showJob("ff808081000000000000000000000000").catch(() => undefined);
      }
      const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
      const results = await vt.run(
        Promise.all(perProcess.map(async (jobs, i) => {
          if (o.staggerMs > 0) await sleep(i * o.staggerMs);
          return runProcess(procs[i]!, emu, jobs, variant, o.waitTimeoutMs);
        })),
      );
      const stats = emu.stats();
      const throttled = stats.byStatus["429"] ?? 0;
      const failures: Record<string, number> = {};
      for (const r of results) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
      const jobs = o.processes * o.jobsPerProcess;
      return {
        variant: variant.name,
        mode: o.mode,
        retryAfter: o.retryAfter,
        processes: o.processes,
        jobs,
        finished: results.reduce((s, r) => s + r.finished, 0),
        failedWaits: results.reduce((s, r) => s + r.failedWaits, 0),
        failedStarts: results.reduce((s, r) => s + r.failedStarts, 0),
        failures,
        requests: stats.total,
        throttled,
        throttledShare: stats.total ? throttled / stats.total : 0,
        requestsPerJob: stats.total / jobs,
        delayS: summarize(results.flatMap((r) => r.delaysMs.map((d) => d / 1000))),
        delaysS: results.flatMap((r) => r.delaysMs.map((d) => d / 1000)),
        meanDelayBySeedS: [],
        seeds: 1,
        makespanS: (Math.max(...results.map((r) => r.lastEndAt)) - Math.min(...results.map((r) => r.firstStartAt))) / 1000,
        wallS: 0,
      };
    } finally {
      await emu.stop();
    }
  } finally {
    Math.random = realRandom;
    vt.uninstall();
    for (const key of Object.keys(require.cache)) if (key.startsWith(path.join(repoRoot, "provider") + path.sep)) delete require.cache[key];
  }
}

/** Every variant on the same jobs, one after the other (each with a fresh emulator and fresh processes). */
export async function throttleBench(options: ThrottleBenchOptions = {}): Promise<ThrottleRow[]> {
  const o = {
    processes: options.processes ?? 10,
    jobsPerProcess: options.jobsPerProcess ?? 20,
    limit: options.limit ?? 200,
    windowMs: options.windowMs ?? 5 * 60_000,
    mode: options.mode ?? "fixed",
    retryAfter: options.retryAfter ?? true,
    waitTimeoutMs: options.waitTimeoutMs ?? 30 * 60_000,
    staggerMs: options.staggerMs ?? 0,
  } as const;
  const seeds = options.seeds?.length ? options.seeds : [5];
  const rows: ThrottleRow[] = [];
  for (const v of options.variants ?? THROTTLE_VARIANTS) {
    const t0 = performance.now();
    const runs: ThrottleRow[] = [];
    for (const seed of seeds) runs.push(await runVariant(v, { ...o, seed }));
    rows.push({ ...pool(runs), wallS: (performance.now() - t0) / 1000 });
  }
  return rows;
}

/** Several runs of one variant as one row: counts summed, shares and delays pooled. */
function pool(runs: ThrottleRow[]): ThrottleRow {
  const first = runs[0]!;
  const sum = (f: (r: ThrottleRow) => number) => runs.reduce((s, r) => s + f(r), 0);
  const failures: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  const delaysS = runs.flatMap((r) => r.delaysS);
  const requests = sum((r) => r.requests);
  const throttled = sum((r) => r.throttled);
  return {
    ...first,
    jobs: sum((r) => r.jobs),
    finished: sum((r) => r.finished),
    failedWaits: sum((r) => r.failedWaits),
    failedStarts: sum((r) => r.failedStarts),
    failures,
    requests,
    throttled,
    throttledShare: requests ? throttled / requests : 0,
    requestsPerJob: requests / sum((r) => r.jobs),
    delayS: summarize(delaysS),
    delaysS,
    meanDelayBySeedS: runs.map((r) => r.delayS.mean),
    seeds: runs.length,
    makespanS: Math.max(...runs.map((r) => r.makespanS)),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const num = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  throttleBench({
    processes: num("--processes"),
    jobsPerProcess: num("--jobs"),
    staggerMs: num("--stagger-ms"),
    ...(num("--seed") !== undefined ? { seeds: [num("--seed")!] } : {}),
    mode: args.includes("--sliding") ? "sliding" : "fixed",
    retryAfter: !args.includes("--no-retry-after"),
  }).then(
    (rows) => console.log(JSON.stringify(rows, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** The scenarios `npm run bench` runs: the issue's (every process at once, a fixed window), then harder ones. */
export const THROTTLE_SCENARIOS: readonly { name: string; options: ThrottleBenchOptions }[] = [
  { name: "all at once, fixed window", options: { seeds: [1, 2, 3, 4, 5] } },
  { name: "one process every 30 s, fixed window", options: { staggerMs: 30_000 } },
  { name: "one process every 30 s, sliding window", options: { staggerMs: 30_000, mode: "sliding" } },
  { name: "all at once, no Retry-After", options: { retryAfter: false } },
];

/** Section 5 of `npm run bench`: prints the table (ratios against the anchor of the same scenario) and returns the rows. */
export async function throttleSection(quick: boolean): Promise<(ThrottleRow & { scenario: string })[]> {
  console.log(`\n5. Shared gateway budget — 10 processes × 20 jobs on one access key, the emulator's throttle at 200 requests / 5 min`);
  console.log(`   each process its own copy of the package (own budget, own pool), virtual time (requests take zero time), seeded jitter`);
  console.log(`   anchor: today's fixed 5 requests/s per process (burst 10); delay = waiter's return − end_time; 429 share counted by the emulator`);
  const rows: (ThrottleRow & { scenario: string })[] = [];
  for (const s of quick ? THROTTLE_SCENARIOS.slice(0, 1) : THROTTLE_SCENARIOS) {
    for (const r of await throttleBench(s.options)) rows.push({ ...r, scenario: s.name });
  }
  const slim = rows.map(({ delaysS: _, ...r }) => r);
  console.log(
    renderTable(
      ["scenario", "client", "finished", "waits failed", "starts failed", "requests", "429 share", "mean delay s", "p95 delay s", "vs anchor (delay)", "last job s"],
      rows.map((r) => {
        const anchor = rows.find((a) => a.scenario === r.scenario && a.variant === THROTTLE_VARIANTS[0]!.name)!;
        return [
          `${r.scenario}${r.seeds > 1 ? ` (${r.seeds} seeds)` : ""}`,
          r.variant,
          `${r.finished}/${r.jobs}`,
          r.failedWaits,
          r.failedStarts,
          r.requests,
          `${fmt(100 * r.throttledShare, 1)}%`,
          fmt(r.delayS.mean, 1),
          fmt(r.delayS.p95, 1),
          r === anchor ? "1.00" : fmt(r.delayS.mean / anchor.delayS.mean, 3),
          fmt(r.makespanS, 0),
        ];
      }),
    ),
  );
  const main = rows.filter((r) => r.scenario === THROTTLE_SCENARIOS[0]!.name);
  const [anchor, adaptive] = [main.find((r) => r.variant === THROTTLE_VARIANTS[0]!.name)!, main.find((r) => r.variant !== THROTTLE_VARIANTS[0]!.name)!];
  const delayDiff = adaptive.delayS.mean - anchor.delayS.mean;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(`\n   goal (issue 13), first scenario, adaptive vs anchor:`);
  console.log(`   - 0 failed waits: ${adaptive.failedWaits} — ${verdict(adaptive.failedWaits === 0)}`);
  console.log(`   - ≤ 5% of requests throttled: ${fmt(100 * adaptive.throttledShare, 2)}% (anchor ${fmt(100 * anchor.throttledShare, 2)}%) — ${verdict(adaptive.throttledShare <= 0.05)}`);
  console.log(
    `   - mean delay no worse: ${fmt(adaptive.delayS.mean, 3)} s vs ${fmt(anchor.delayS.mean, 3)} s (${delayDiff >= 0 ? "+" : ""}${fmt(delayDiff, 3)} s, ` +
      `${fmt((100 * delayDiff) / anchor.delayS.mean, 3)}%; per seed adaptive ${adaptive.meanDelayBySeedS.map((d) => fmt(d, 2)).join("/")}, anchor ${anchor.meanDelayBySeedS.map((d) => fmt(d, 2)).join("/")}) — ${verdict(delayDiff <= 0)}`,
  );
  return slim as (ThrottleRow & { scenario: string })[];
}
