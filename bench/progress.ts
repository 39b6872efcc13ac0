/**
 * Reads timed by the service's estimate (issue 12): the same 400 jobs as the detection benchmark, the real
 * waiter and client against the emulator over loopback, on virtual time, once per quality of the progress
 * route's `remain_time` (exact, ±20 %, ±50 %, absent, stuck, always 0), beside the Terraform anchor and
 * today's default (no progress). Reads per job are counted at the emulator: job reads + progress reads (the
 * issue's measure), and separately the task-list reads that find the job's task (2 per job: the per-instance
 * list and the tenant-wide one, which links tasks to jobs).
 */
import { EMULATOR_INSTANCE_IDS, type EstimateMode } from "../provider/emulator";
import { adaptiveSchedule, anchorSchedule, type PollSchedule } from "../provider/waiter/schedule";
import { progressSourceFor } from "../provider/waiter/progress-source";
import { waitForJob } from "../provider/waiter/wait";
import { virtualWorld } from "./virtual-world";
import { benchJobs } from "./durations";
import { seededRandom, summarize, type Summary } from "./stats";

export interface ProgressRow {
  strategy: string;
  /** The progress route's estimate quality, or "-" for a wait that reads no progress. */
  estimate: EstimateMode | "-";
  jobType: string;
  jobs: number;
  delayS: Summary;
  /** Job reads per job. */
  jobReads: number;
  /** Progress reads per job. */
  progressReads: number;
  /** Task-list reads per job (finding the task). */
  taskListReads: number;
  /** Job + progress reads per job: the measure. */
  readsPerJob: number;
}

interface Strategy {
  name: string;
  schedule: PollSchedule;
  estimate: EstimateMode | "-";
}

/** Anchor and default without progress, then the default with progress for each estimate quality. */
export function progressStrategies(): Strategy[] {
  const modes: EstimateMode[] = ["exact", "noisy20", "noisy50", "absent", "stuck", "zero"];
  return [
    { name: "terraform (2s+10s)", schedule: anchorSchedule(), estimate: "-" },
    { name: "adaptive (default)", schedule: adaptiveSchedule(), estimate: "-" },
    ...modes.map((m) => ({ name: `default + progress`, schedule: adaptiveSchedule(), estimate: m })),
  ];
}

export async function progressBench(perType: number, strategies: Strategy[] = progressStrategies()): Promise<ProgressRow[]> {
  const world = await virtualWorld();
  const { clock, emulator, client, virtual } = world;
  const jobs = benchJobs(perType);
  const instanceId = EMULATOR_INSTANCE_IDS.ha;
  const rows: ProgressRow[] = [];
  try {
    for (const s of strategies) {
      emulator.reset();
      if (s.estimate !== "-") emulator.setProgressEstimate(s.estimate);
      let passThroughOn = false;
      const per = new Map<string, { delays: number[]; job: number[]; progress: number[]; lists: number[] }>();
      const random = seededRandom(11);
      for (const job of jobs) {
        const route = job.jobType === "masterStandbySwapJob" ? "swap" : "clientIp";
        emulator.inject({ kind: "jobDuration", route, durationMs: job.durationMs, times: 1 });
        const sentAt = clock.now();
        const started =
          job.jobType === "masterStandbySwapJob" ? await client.swapMasterStandby(instanceId) : await client.setClientIpPassThrough(instanceId, (passThroughOn = !passThroughOn));
        const before = emulator.stats().byRoute;
        const progress = s.estimate === "-" ? undefined : progressSourceFor(client, { instanceId, jobType: job.jobType, sinceMs: sentAt, now: () => clock.now() });
        const done = await waitForJob(client, started.jobId, { schedule: s.schedule, clock: virtual, random, jobType: job.jobType, ...(progress ? { progress } : {}) });
        const after = emulator.stats().byRoute;
        if (!done.endTime) throw new Error(`job ${done.jobId} ended without end_time`);
        const slot = per.get(job.jobType) ?? { delays: [], job: [], progress: [], lists: [] };
        slot.delays.push((clock.now() - done.endTime.getTime()) / 1000);
        slot.job.push(after.showJob - before.showJob);
        slot.progress.push((after.showTaskProgress ?? 0) - (before.showTaskProgress ?? 0));
        slot.lists.push(after.listTasks - before.listTasks + (after.listCenterTasks - before.listCenterTasks));
        per.set(job.jobType, slot);
        clock.advance(1_000);
      }
      const all = { delays: [] as number[], job: [] as number[], progress: [] as number[], lists: [] as number[] };
      for (const v of per.values()) for (const k of ["delays", "job", "progress", "lists"] as const) all[k].push(...v[k]);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      for (const [jobType, v] of [["all", all] as const, ...per.entries()]) {
        rows.push({
          strategy: s.name,
          estimate: s.estimate,
          jobType,
          jobs: v.delays.length,
          delayS: summarize(v.delays),
          jobReads: mean(v.job),
          progressReads: mean(v.progress),
          taskListReads: mean(v.lists),
          readsPerJob: mean(v.job) + mean(v.progress),
        });
      }
    }
  } finally {
    await world.close();
  }
  return rows;
}

/** The goal for one "all jobs" row, judged against the anchor's and the default's rows. */
export function judgeProgressRow(row: ProgressRow, anchor: ProgressRow, dflt: ProgressRow): { goal: string; met: boolean } {
  if (row.estimate === "exact" || row.estimate === "noisy20") {
    return { goal: `mean ≤ 1.0 s at ≤ ${anchor.readsPerJob.toFixed(1)} reads`, met: row.delayS.mean <= 1.0 && row.readsPerJob <= anchor.readsPerJob };
  }
  if (row.estimate === "absent" || row.estimate === "stuck" || row.estimate === "zero") {
    return {
      goal: `mean ≤ ${(dflt.delayS.mean * 1.05).toFixed(2)} s, reads ≤ ${(dflt.readsPerJob + 1).toFixed(1)}`,
      met: row.delayS.mean <= dflt.delayS.mean * 1.05 && row.readsPerJob <= dflt.readsPerJob + 1,
    };
  }
  return { goal: "(none set)", met: true };
}
