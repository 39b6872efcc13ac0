/**
 * The job durations the detection benchmark waits on: a fixed, seeded sample, so every strategy (and
 * every run) waits on exactly the same jobs, and the comparison is paired.
 *
 * Ranges (why): the contract's own ShowJobInfo example is a swap of 2.9 s (begin 1684191545379, end
 * 1684191548248); the vendor's console guide says a switchover interrupts service "for up to 10 seconds";
 * the Terraform provider gives the whole operation a 30-minute timeout. Swaps are therefore sampled from
 * a few seconds to a few minutes, pass-through changes (which restart proxies) from tens of seconds to
 * several minutes, both log-uniform so short jobs (the common case) are not drowned by long ones.
 */
import type { KnownJobType } from "../provider/types";
import { seededRandom } from "./stats";

export interface BenchJob {
  /** Index in the sample (stable across strategies). */
  index: number;
  jobType: KnownJobType;
  /** Emulated duration of the job, ms. */
  durationMs: number;
}

/** Duration range per job type, ms. */
export const DURATION_RANGES: Readonly<Record<KnownJobType, readonly [number, number]>> = {
  masterStandbySwapJob: [3_000, 180_000],
  modifyClientIpTransJob: [20_000, 360_000],
};

/** `perType` jobs of each type, log-uniform in its range, from a fixed seed. */
export function benchJobs(perType: number, seed = 7): BenchJob[] {
  const rnd = seededRandom(seed);
  const jobs: BenchJob[] = [];
  for (const jobType of Object.keys(DURATION_RANGES) as KnownJobType[]) {
    const [lo, hi] = DURATION_RANGES[jobType];
    for (let i = 0; i < perType; i++) {
      // Stratified: one draw per equal slice of log-space, so even a small sample covers the range.
      const u = (i + rnd()) / perType;
      const durationMs = Math.round(Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))));
      jobs.push({ index: jobs.length, jobType, durationMs });
    }
  }
  return jobs;
}
