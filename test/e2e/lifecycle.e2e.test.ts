/**
 * The lifecycle of a swap after a partial failure, through the real engine: what `refresh` and the next `up`s
 * must do with a job that was started but not seen to the end.
 *
 * The emulator runs on a manual clock, so a job's status changes only when the test says so: a job "still
 * running" stays running across an engine start-up however slow the machine, and time is let run (at wall-clock
 * speed) only where a job is meant to end during an `up`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createRequire } from "node:module";
import * as path from "node:path";
import { DcsClient } from "../../provider/client";
import { manualClock, startEmulator, type ManualClock } from "../../provider/emulator";
import { haInstance, outputValue, stackPool, tickAtWallSpeed, type E2eStack, type Emulator } from "./helpers";

const nodeRequire = createRequire(path.join(__dirname, "..", "..", "package.json"));
const { MasterStandbySwap } = nodeRequire("pulumi-dcs-jobs") as typeof import("../../provider");

let emulator: Emulator;
let clock: ManualClock;
let client: DcsClient;
const pool = stackPool(() => emulator);
let stopTicking: (() => void) | undefined;

beforeAll(async () => {
  clock = manualClock();
  // No INIT phase: a started job reads RUNNING at once (the state 0.1.0 and the rewrite call "pending").
  emulator = await startEmulator({ clock, jobInitMs: 0, jobDurations: { masterStandbySwapJob: 2_000, modifyClientIpTransJob: 2_000 } });
  client = new DcsClient({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey },
  });
});
beforeEach(() => {
  // Emulated time back in step with the wall clock (it stood still during the previous test).
  clock.set(Math.max(clock.now(), Date.now()));
});
afterEach(async () => {
  stopTicking?.();
  stopTicking = undefined;
  await pool.cleanupAll();
  emulator.reset();
});
afterAll(async () => {
  await client?.close();
  await emulator?.stop();
});

/** Lets emulated time run at wall-clock speed until the returned function is called. */
const tick = (): (() => void) => tickAtWallSpeed(clock);

const stackWith = pool.open;

const swapProgram = (instanceId: string, triggers: unknown, waitTimeout: string) => async () => {
  const swap = new MasterStandbySwap("swap", { instanceId, triggers, waitTimeout });
  return { jobId: swap.jobId, status: swap.status, failReason: swap.failReason };
};

const value = outputValue;

async function swapState(s: E2eStack): Promise<{ id: string; outputs: Record<string, unknown>; initErrors?: string[] }> {
  const state = JSON.parse(await s.exportState());
  return state.checkpoint.latest.resources.find((r: { type: string }) => r.type.includes("MasterStandbySwap"));
}

/** Runs `up` and returns its error (undefined when it succeeded). */
async function upError(s: E2eStack): Promise<Error | undefined> {
  return s.stack.up({ onOutput: (o) => s.output.push(o) }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
}

function swapStarts(instanceId: string) {
  return emulator.stats().startCalls.filter((c) => c.instanceId === instanceId && c.jobType === "masterStandbySwapJob");
}

// Several engine runs per test: seconds of start-up each on two cores.
vi.setConfig({ testTimeout: 120_000 });

describe("MasterStandbySwap after a partial failure", () => {
  it("wait timed out, job still running -> refresh -> up waits for the SAME job and records its SUCCESS", async () => {
    const id = haInstance(emulator);
    const JOB_MS = 20_000;
    emulator.inject({ kind: "jobDuration", route: "swap", instanceId: id, durationMs: JOB_MS });
    const s = await stackWith("lc-refresh", swapProgram(id, ["a"], "5s"));

    // 1. The wait times out: a partial failure, the job ID kept in the state.
    expect(await upError(s)).toBeDefined();
    expect(swapStarts(id)).toHaveLength(1);
    const jobId = swapStarts(id)[0]!.jobId;
    const partial = await swapState(s);
    expect(partial.outputs.jobId).toBe(jobId);
    expect(["INIT", "RUNNING"]).toContain(partial.outputs.status);

    // 2. refresh while the job still runs.
    await s.stack.refresh({ onOutput: (o) => s.output.push(o) });
    const job = await client.showJob(jobId);
    expect(job.status).toBe("RUNNING");
    expect((await swapState(s)).outputs.jobId).toBe(jobId);

    // 3. up: the job has 2 s left when the up starts and ends during it. The up must wait for it, start
    //    nothing, and leave a settled state: that job, SUCCESS.
    clock.set(job.beginTime!.getTime() + JOB_MS - 2_000);
    stopTicking = tick();
    const up = await s.stack.up({ onOutput: (o) => s.output.push(o) });
    expect(swapStarts(id), "the up after refresh started another swap").toHaveLength(1);
    expect(value(up.outputs, "jobId")).toBe(jobId);
    expect(value(up.outputs, "status"), `the up after refresh did not wait for job ${jobId}`).toBe("SUCCESS");
    const settled = await swapState(s);
    expect(settled.outputs).toMatchObject({ jobId, status: "SUCCESS" });
    expect(settled.initErrors ?? []).toEqual([]);
    expect((await client.showJob(jobId)).status).toBe("SUCCESS");
  });

  it("partial failure, then the job FAILs -> up fails with its fail_reason -> up with new triggers starts exactly one job", async () => {
    const id = haInstance(emulator);
    const JOB_MS = 20_000;
    const REASON = "standby node lost replication sync (lifecycle e2e)";
    emulator.inject({ kind: "failJob", route: "swap", instanceId: id, failReason: REASON, durationMs: JOB_MS });
    const s = await stackWith("lc-fail", swapProgram(id, ["b1"], "5s"));

    // 1. The wait times out while the job runs: partial failure.
    expect(await upError(s)).toBeDefined();
    expect(swapStarts(id)).toHaveLength(1);
    const failedJobId = swapStarts(id)[0]!.jobId;
    expect((await swapState(s)).outputs.jobId).toBe(failedJobId);

    // 2. The job then ends in FAIL; the next up (same inputs) reports its fail_reason and starts nothing.
    const begin = (await client.showJob(failedJobId)).beginTime!.getTime();
    clock.set(begin + JOB_MS + 1_000);
    const failed = await client.showJob(failedJobId);
    expect(failed.status).toBe("FAIL");
    const outputBefore = s.output.length;
    const err = await upError(s);
    expect(err, "the up after the job failed succeeded").toBeDefined();
    const printed = s.output.slice(outputBefore).join("") + String(err);
    expect(printed).toContain(REASON);
    expect(printed).toContain(failedJobId);
    expect(swapStarts(id)).toHaveLength(1);

    // 3. New triggers: exactly one new swap, waited on to SUCCESS (time runs so the new job can end).
    s.stack.workspace.program = swapProgram(id, ["b2"], "5s");
    stopTicking = tick();
    const third = await upError(s);
    // The message's tail is the engine's summary: enough to see why, without the whole output.
    expect(third === undefined, `the up with new triggers failed: ...${third?.message.slice(-400)}`).toBe(true);
    expect(swapStarts(id), "the up with new triggers did not start exactly one new swap").toHaveLength(2);
    const newJobId = swapStarts(id)[1]!.jobId;
    expect(newJobId).not.toBe(failedJobId);
    const settled = await swapState(s);
    expect(settled.outputs).toMatchObject({ jobId: newJobId, status: "SUCCESS", triggers: ["b2"] });
    expect(settled.initErrors ?? []).toEqual([]);
  });
});
