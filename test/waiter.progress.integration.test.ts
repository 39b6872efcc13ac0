/**
 * The progress route of the emulator and the waiter reading it through the real client over loopback,
 * for each quality of `remain_time`, on virtual time (the waiter sleeps by advancing the emulator's
 * manual clock). Figures here are bounds that say "the rule works", not benchmarks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { EMULATOR_INSTANCE_IDS as IDS, ESTIMATE_MODES, ManualClock, startEmulator, type EstimateMode, type RunningEmulator } from "../provider/emulator";
import { JobFailedError } from "../provider/errors";
import type { WaitProgress } from "../provider/types";
import { findTaskOfJob, progressSourceFor } from "../provider/waiter/progress-source";
import { waitForJob, type WaitClock } from "../provider/waiter/wait";

let emu: RunningEmulator;
let clock: ManualClock;
let client: DcsClient;
const virtual = (): WaitClock => ({ now: () => clock.now(), sleep: async (ms) => void clock.advance(Math.max(0, ms)) });

beforeAll(async () => {
  clock = new ManualClock();
  emu = await startEmulator({ clock });
  client = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, region: "ap-southeast-1", credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } });
});
afterAll(async () => {
  await client.close();
  await emu.stop();
});
beforeEach(() => {
  emu.reset();
  emu.setProgressEstimate("exact");
});

/** Starts a swap of `durationMs` and returns its job and task IDs. */
async function swapOf(durationMs: number, fail?: string) {
  emu.inject({ kind: "jobDuration", route: "swap", durationMs });
  if (fail) emu.inject({ kind: "failJob", route: "swap", failReason: fail, errorCode: "DCS.4857" });
  const sentAt = clock.now();
  const started = await client.swapMasterStandby(IDS.ha);
  const taskId = emu.jobs().find((j) => j.jobId === started.jobId)!.taskId;
  return { jobId: started.jobId, taskId, sentAt };
}

describe("the emulator's ShowBackgroundTaskProgress", () => {
  it("answers steps, percentage and an exact remain_time over a swap's life, then 100 % and every step FINISH", async () => {
    const { jobId, taskId } = await swapOf(40_000);
    clock.advance(10_000);
    const mid = await client.showTaskProgress(IDS.ha, taskId);
    expect(mid.remainTimeS).toBe(30);
    expect(mid.percent).toBe(25);
    expect(mid.steps.map((s) => [s.name, s.status])).toEqual([
      ["check instance", "FINISH"],
      ["switch roles", "EXECUTING"],
      ["refresh routes", "WAITING"],
      ["verify", "WAITING"],
    ]);
    expect(mid.steps[1]!.subSteps.map((s) => s.status)).toEqual(["EXECUTING", "WAITING"]);
    expect(mid.steps[0]!.beginTime).toBeInstanceOf(Date);
    clock.advance(30_000);
    const end = await client.showTaskProgress(IDS.ha, taskId);
    expect(end).toMatchObject({ percent: 100, remainTimeS: 0 });
    expect(end.steps.every((s) => s.status === "FINISH")).toBe(true);
    expect((await client.showJob(jobId)).status).toBe("SUCCESS");
    expect(emu.stats().byRoute.showTaskProgress).toBe(2);
  });

  it("sends remain_time as each mode says: noisy within its bound, absent, stuck, zero", async () => {
    const { taskId } = await swapOf(100_000);
    clock.advance(50_000);
    const read = async (mode: EstimateMode) => {
      emu.setProgressEstimate(mode);
      return (await client.showTaskProgress(IDS.ha, taskId)).remainTimeS;
    };
    for (let i = 0; i < 20; i++) {
      expect(await read("noisy20")).toBeGreaterThanOrEqual(40);
      expect(await read("noisy20")).toBeLessThanOrEqual(60);
      const wide = (await read("noisy50"))!;
      expect(wide).toBeGreaterThanOrEqual(25);
      expect(wide).toBeLessThanOrEqual(75);
    }
    expect(await read("absent")).toBeUndefined();
    expect(await read("stuck")).toBe(100);
    clock.advance(20_000);
    expect(await read("stuck")).toBe(100); // never decreasing
    expect(await read("zero")).toBe(0);
    expect(await read("exact")).toBe(30);
    expect(() => emu.setProgressEstimate("sometimes" as EstimateMode)).toThrow(/Unknown progress estimate mode/);
  });

  it("a failing job fails in its main step with the task's error_code; an unknown task is a 404", async () => {
    const { taskId } = await swapOf(20_000, "replication broken");
    clock.advance(20_000);
    const p = await client.showTaskProgress(IDS.ha, taskId);
    expect(p.steps.map((s) => s.status)).toEqual(["FINISH", "FAILED", "WAITING", "WAITING"]);
    expect(p.steps[1]!.errorCode).toBe("DCS.4857");
    await expect(client.showTaskProgress(IDS.ha, "8abf6e1e000000000000000000000000")).rejects.toMatchObject({ status: 404 });
    await expect(client.showTaskProgress(IDS.ha2, taskId)).rejects.toMatchObject({ status: 404 }); // another instance's task
  });

  it("finds a job's task in the tenant-wide task list with one read", async () => {
    const { jobId, taskId, sentAt } = await swapOf(20_000);
    const before = emu.stats().byRoute;
    expect(await findTaskOfJob(client, jobId, { instanceId: IDS.ha, sinceMs: sentAt, now: () => clock.now() })).toBe(taskId);
    const after = emu.stats().byRoute;
    expect([after.listCenterTasks - before.listCenterTasks, after.listTasks - before.listTasks]).toEqual([1, 0]);
  });
});

describe("waiting with the progress, for each estimate quality", () => {
  /** Waits on a swap of `durationMs`; returns the detection delay and the reads the emulator saw. */
  async function wait(mode: EstimateMode, durationMs: number, events: WaitProgress[] = [], readAfterSuccess = false) {
    emu.setProgressEstimate(mode);
    const { jobId, sentAt } = await swapOf(durationMs);
    const before = emu.stats().byRoute;
    const progress = progressSourceFor(client, { instanceId: IDS.ha, jobType: "masterStandbySwapJob", sinceMs: sentAt, now: () => clock.now(), readAfterSuccess })!;
    const job = await waitForJob(client, jobId, { clock: virtual(), random: () => 0.5, jobType: "masterStandbySwapJob", progress, onProgress: (p) => events.push(p) });
    const after = emu.stats().byRoute;
    return {
      job,
      delayMs: clock.now() - job.endTime!.getTime(),
      jobReads: after.showJob - before.showJob,
      progressReads: after.showTaskProgress - before.showTaskProgress,
    };
  }

  it("exact: the end is seen within a second, with fewer reads than the base schedule", async () => {
    const r = await wait("exact", 95_000);
    expect(r.job.status).toBe("SUCCESS");
    expect(r.delayMs).toBeLessThan(1_000);
    expect(r.jobReads).toBe(1);
    expect(r.jobReads + r.progressReads).toBeLessThanOrEqual(5);
  });

  it("±20 %: zooms in, still within about a second", async () => {
    const r = await wait("noisy20", 95_000);
    expect(r.delayMs).toBeLessThan(2_000);
    expect(r.jobReads + r.progressReads).toBeLessThanOrEqual(9);
  });

  it.each(["noisy50", "absent", "stuck", "zero"] as const)("%s: never later than the base schedule's interval, no spinning", async (mode) => {
    const r = await wait(mode, 95_000);
    expect(r.job.status).toBe("SUCCESS");
    expect(r.delayMs).toBeLessThanOrEqual(11_000);
    // The default schedule reads a 95 s swap about 10 times; job and progress reads together stay near that.
    expect(r.jobReads + r.progressReads).toBeLessThanOrEqual(14);
  });

  it("reports steps as they change and, at the end, every step with its duration (readAfterSuccess)", async () => {
    const events: WaitProgress[] = [];
    const r = await wait("exact", 60_000, events, true);
    expect(r.progressReads).toBeLessThanOrEqual(4);
    const progress = events.filter((e) => e.kind === "progress");
    expect(progress.length).toBeGreaterThan(0);
    const final = progress.at(-1)!.progress!;
    expect(final.final).toBe(true);
    expect(final.steps.map((s) => s.status)).toEqual(["FINISH", "FINISH", "FINISH", "FINISH"]);
    const durations = final.steps.map((s) => (s.endTime && s.beginTime ? s.endTime.getTime() - s.beginTime.getTime() : undefined));
    expect(durations.every((d) => d !== undefined && d >= 0)).toBe(true);
  });

  it("a FAIL names the failed step and its error_code next to the fail_reason", async () => {
    emu.setProgressEstimate("exact");
    const { jobId, sentAt } = await swapOf(30_000, "replication broken");
    const progress = progressSourceFor(client, { instanceId: IDS.ha, sinceMs: sentAt, now: () => clock.now() })!;
    const err = (await waitForJob(client, jobId, { clock: virtual(), random: () => 0.5, jobType: "masterStandbySwapJob", instanceId: IDS.ha, progress }).catch((e: unknown) => e)) as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.message).toMatch(/replication broken \(step "switch roles" FAILED with error_code DCS\.4857\)/);
  });

  it("covers every mode the emulator has", () => {
    expect([...ESTIMATE_MODES].sort()).toEqual(["absent", "exact", "noisy20", "noisy50", "stuck", "zero"]);
  });
});
