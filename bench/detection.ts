/**
 * Detection delay and API calls per job, on the wire: the real waiter and the real client read real jobs from
 * the emulator over loopback HTTP. Time is virtual: the emulator runs on a manual clock and the waiter sleeps
 * by advancing that same clock, so a 6-minute job costs milliseconds and the figures are exact (no scheduler
 * noise). A read takes zero virtual time; on a real network each read adds its latency to every strategy alike.
 *
 * Knowledge each strategy uses: the anchor and the AWS-style waiter use none; the project's default uses the
 * job type (typical minimum duration per type) and the job's `begin_time` from the first read.
 */
import { EMULATOR_INSTANCE_IDS } from "../provider/emulator";
import { waitForJob } from "../provider/waiter/wait";
import { virtualWorld } from "./virtual-world";
import { adaptiveSchedule, anchorSchedule, awsStyleSchedule, type PollSchedule } from "../provider/waiter/schedule";
import { benchJobs, type BenchJob } from "./durations";
import { seededRandom, summarize, type Summary } from "./stats";

export interface DetectionRow {
  strategy: string;
  knowledge: string;
  jobType: string;
  jobs: number;
  delayS: Summary;
  callsPerJob: number;
}

/** The strategies side by side: what each knows is part of the report. */
export function detectionStrategies(): { schedule: PollSchedule; knowledge: string }[] {
  return [
    { schedule: anchorSchedule(), knowledge: "none (Terraform: 2 s, then every 10 s)" },
    { schedule: awsStyleSchedule({ minDelayMs: 2_000, maxDelayMs: 120_000 }), knowledge: "none (AWS SDK v3: 2 s .. 120 s)" },
    { schedule: adaptiveSchedule(), knowledge: "job type, begin_time" },
    { schedule: adaptiveSchedule({ responsive: true }), knowledge: "job type, begin_time" },
  ];
}

export async function detectionBench(perType: number): Promise<DetectionRow[]> {
  // The waiter sleeps by moving the emulator's clock: virtual time for both sides of the wire.
  const world = await virtualWorld();
  const { clock, emulator, client, virtual } = world;
  const jobs = benchJobs(perType);
  const instanceId = EMULATOR_INSTANCE_IDS.ha;
  const rows: DetectionRow[] = [];
  try {
    for (const { schedule, knowledge } of detectionStrategies()) {
      emulator.reset();
      let passThroughOn = false;
      const perType = new Map<string, { delays: number[]; calls: number[] }>();
      const random = seededRandom(11);
      for (const job of jobs) {
        const route = job.jobType === "masterStandbySwapJob" ? "swap" : "clientIp";
        emulator.inject({ kind: "jobDuration", route, durationMs: job.durationMs, times: 1 });
        const started =
          job.jobType === "masterStandbySwapJob"
            ? await client.swapMasterStandby(instanceId)
            : await client.setClientIpPassThrough(instanceId, (passThroughOn = !passThroughOn));
        const readsBefore = emulator.stats().byRoute.showJob;
        const done = await waitForJob(client, started.jobId, { schedule, clock: virtual, random, jobType: job.jobType });
        const calls = emulator.stats().byRoute.showJob - readsBefore;
        if (!done.endTime) throw new Error(`job ${done.jobId} ended without end_time: ${JSON.stringify(done.raw)}`);
        const delay = clock.now() - done.endTime.getTime();
        const slot = perType.get(job.jobType) ?? { delays: [], calls: [] };
        slot.delays.push(delay / 1000);
        slot.calls.push(calls);
        perType.set(job.jobType, slot);
        clock.advance(1_000); // the instance settles before the next job
      }
      const all = { delays: [...perType.values()].flatMap((v) => v.delays), calls: [...perType.values()].flatMap((v) => v.calls) };
      for (const [jobType, v] of [["all", all] as const, ...perType.entries()]) {
        rows.push({
          strategy: schedule.name,
          knowledge,
          jobType,
          jobs: v.delays.length,
          delayS: summarize(v.delays),
          callsPerJob: v.calls.reduce((a, b) => a + b, 0) / v.calls.length,
        });
      }
    }
  } finally {
    await world.close();
  }
  return rows;
}

export type { BenchJob };
