/**
 * One test per defect of issue #10 ("once, never twice, never forgotten"), against the real runtime
 * and the real emulator over loopback, on an emulated clock. Each fails on 0.1.0 (commit 2aac178); the
 * table in docs/resources.md points here. The model-based test (lifecycle.model.test.ts) walks random
 * sequences of the same actions and faults.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { startEmulator, RealClock, type RunningEmulator } from "../provider/emulator";
import * as rt from "../provider/resources/runtime";
import type { PassThroughOutputs, SwapInputs, SwapOutputs } from "../provider/resources/logic";
import { IDS, startRuntimeWorld, type RuntimeWorld } from "./support/runtime-setup";

let w: RuntimeWorld;

const swap = rt.masterStandbySwap;
const pass = rt.clientIpPassThrough;
const swapsOn = (id: string) => w.jobs().filter((j) => j.instanceId === id && j.jobType === "masterStandbySwapJob");
const passJobsOn = (id: string) => w.jobs().filter((j) => j.instanceId === id && j.jobType === "modifyClientIpTransJob");
const failure = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as Error & Partial<rt.PartialFailure>;

/** A create whose wait times out while its job still runs: the partial state the engine stores. */
async function timedOutCreate(inputs: SwapInputs): Promise<{ id: string; olds: SwapOutputs }> {
  w.emu.setJobDuration("masterStandbySwapJob", 120_000);
  const e = await failure(swap.create({ ...inputs, waitTimeout: "10s" }));
  expect(e).toBeInstanceOf(rt.PartialFailure);
  w.emu.setJobDuration("masterStandbySwapJob", 6_000);
  return { id: e.id!, olds: e.properties as unknown as SwapOutputs };
}

/** A fresh emulator and runtime for each test of the describe block (a 6 s swap, a 20 s pass-through). */
function useWorld(): void {
  beforeEach(async () => {
    w = await startRuntimeWorld({ jobDurations: { masterStandbySwapJob: 6_000, modifyClientIpTransJob: 20_000 } });
  });
  afterEach(async () => {
    await w.stop();
  });
}

describe("issue #10 defects", () => {
  useWorld();

  it("1. a pending job survives refresh: diff stays a change and the next up waits for the same job", async () => {
    const { id, olds } = await timedOutCreate({ instanceId: IDS.ha, triggers: ["t"] });
    const jobId = swapsOn(IDS.ha)[0]!.jobId;
    // refresh: the engine stores read's answer and drops the init-error marker.
    const refreshed = (await swap.read(id, olds)).props;
    expect(refreshed.pending).toMatchObject({ jobId, origin: "started" });
    expect(await swap.diff(id, refreshed, { instanceId: IDS.ha, triggers: ["t"] })).toEqual({ changes: true });
    const { outs } = await swap.update(id, refreshed, { instanceId: IDS.ha, triggers: ["t"] });
    expect(outs).toMatchObject({ jobId, status: "SUCCESS", ended: { outcome: "SUCCESS", jobId } });
    expect(outs.pending).toBeUndefined();
    expect(swapsOn(IDS.ha)).toHaveLength(1);
  });

  it("2a. a resumed job that FAILs fails that up with its reason once; new triggers then start exactly one job", async () => {
    w.emu.inject({ route: "swap", kind: "failJob", failReason: "replication broken", durationMs: 120_000 });
    const e = await failure(swap.create({ instanceId: IDS.ha, triggers: ["a"], waitTimeout: "10s" }));
    const olds = e.properties as unknown as SwapOutputs;
    const resumed = await failure(swap.update(e.id!, olds, { instanceId: IDS.ha, triggers: ["a"] }));
    expect(resumed).toBeInstanceOf(rt.PartialFailure);
    expect(resumed.message).toContain("replication broken");
    const recorded = resumed.properties as unknown as SwapOutputs;
    expect(recorded.ended).toMatchObject({ outcome: "FAIL", failReason: "replication broken" });
    // Not wedged: the same triggers are quiet, new ones run one job.
    expect(await swap.diff(e.id!, recorded, { instanceId: IDS.ha, triggers: ["a"] })).toEqual({ changes: false });
    const { outs } = await swap.update(e.id!, recorded, { instanceId: IDS.ha, triggers: ["b"] });
    expect(swapsOn(IDS.ha)).toHaveLength(2);
    expect(outs).toMatchObject({ status: "SUCCESS", jobId: swapsOn(IDS.ha)[1]!.jobId });
  });

  it("2b. a resumed job that can no longer be read (404) is recorded as GONE once, without a grace loop", async () => {
    const { id, olds } = await timedOutCreate({ instanceId: IDS.ha, triggers: ["a"] });
    w.emu.expireJob(swapsOn(IDS.ha)[0]!.jobId);
    const t0 = w.clock.now();
    const e = await failure(swap.update(id, olds, { instanceId: IDS.ha, triggers: ["a"] }));
    expect(w.clock.now() - t0).toBeLessThan(10_000); // no 60 s not-found grace for a job read before
    expect(e.message).toMatch(/can no longer be read/);
    const recorded = e.properties as unknown as SwapOutputs;
    expect(recorded.ended).toMatchObject({ outcome: "GONE" });
    expect(await swap.diff(id, recorded, { instanceId: IDS.ha, triggers: ["a"] })).toEqual({ changes: false });
    w.clock.advance(200_000); // the expired job has long ended by then
    await swap.update(id, recorded, { instanceId: IDS.ha, triggers: ["b"] });
    expect(swapsOn(IDS.ha)).toHaveLength(2);
  });

  it("3. a triggers change 30 s after a swap, answered 502 with nothing started, never 'succeeds' with the earlier job", async () => {
    const { id, outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"] });
    w.clock.advance(30_000);
    w.emu.inject({ route: "swap", kind: "serverError", status: 502 });
    const e = await failure(swap.update(id, outs, { instanceId: IDS.ha, triggers: ["b"] }));
    expect(e).toBeInstanceOf(rt.PartialFailure);
    expect(e.message).toMatch(/may have started/);
    // Said once, with one "It was NOT sent again" (chaos P7: the client's own wording was nested in it).
    expect(e.message.match(/may have started/g)).toHaveLength(1);
    expect(e.message.match(/NOT sent again/g)).toHaveLength(1);
    expect(e.message).toMatch(/the request was sent at \S+ but .*HTTP 502/);
    const recorded = e.properties as unknown as SwapOutputs;
    expect(recorded.pending).toMatchObject({ origin: "outcome-unknown", intent: JSON.stringify(["b"]) });
    expect(recorded.jobId).not.toBe(outs.jobId);
    expect(swapsOn(IDS.ha)).toHaveLength(1);
  });

  it("4. two swaps on one instance in one stack (a drill) run two jobs: the second never adopts the first's", async () => {
    const first = await swap.create({ instanceId: IDS.ha, triggers: ["there"] });
    const second = await swap.create({ instanceId: IDS.ha, triggers: ["back"] });
    expect(swapsOn(IDS.ha)).toHaveLength(2);
    expect(second.outs.jobId).not.toBe(first.outs.jobId);
    expect(second.outs.adopted).toBe(false);
    // A new process (next up): the first's diff claims its job before the second is created again.
    await w.restart();
    await swap.diff(first.id, first.outs, { instanceId: IDS.ha, triggers: ["there"] });
    const again = await swap.create({ instanceId: IDS.ha, triggers: ["back"] });
    expect(again.outs.jobId).not.toBe(first.outs.jobId);
  });

  it("5. a pass-through job of ours that FAILs while resumed fails the up, and no second job starts", async () => {
    w.emu.inject({ route: "clientIp", kind: "failJob", failReason: "proxy restart failed", durationMs: 120_000 });
    const e = await failure(pass.create({ instanceId: IDS.ha, enabled: true, waitTimeout: "10s" }));
    expect(e).toBeInstanceOf(rt.PartialFailure);
    const olds = e.properties as unknown as PassThroughOutputs;
    const resumed = await failure(pass.update(IDS.ha, olds, { instanceId: IDS.ha, enabled: true }));
    expect(resumed.message).toContain("proxy restart failed");
    expect(passJobsOn(IDS.ha)).toHaveLength(1);
  });

  it("6. restoreOnDelete when the instance is gone: nothing to restore, delete succeeds", async () => {
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true, restoreOnDelete: true });
    w.emu.deleteInstance(IDS.ha);
    await expect(pass.delete(IDS.ha, outs)).resolves.toBeUndefined();
    expect(w.lines.at(-1)).toMatch(/nothing to restore/);
  });

  it("7. a failed task is never adopted even with adoptFinished (the job's own status decides)", async () => {
    w.emu.inject({ route: "swap", kind: "failJob", failReason: "x", durationMs: 1_000 });
    await w.side.swapMasterStandby(IDS.ha);
    w.clock.advance(5_000);
    const { outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"] });
    expect(outs.adopted).toBe(false);
    expect(swapsOn(IDS.ha)).toHaveLength(2);
  });

  it("10. an unknown start outcome is stored; the next up starts nothing inside the grace, and starts once after it", async () => {
    w.emu.inject({ route: "swap", kind: "serverError", status: 502 });
    const e = await failure(swap.create({ instanceId: IDS.ha, triggers: ["a"] }));
    const olds = e.properties as unknown as SwapOutputs;
    expect(olds.pending).toMatchObject({ origin: "outcome-unknown" });
    expect(await swap.diff(e.id!, olds, { instanceId: IDS.ha, triggers: ["a"] })).toEqual({ changes: true });
    const inside = await failure(swap.update(e.id!, olds, { instanceId: IDS.ha, triggers: ["a"] }));
    expect(inside.message).toMatch(/looks again/);
    expect(swapsOn(IDS.ha)).toHaveLength(0);
    w.clock.advance(rt.DEFAULT_UNKNOWN_OUTCOME_GRACE_MS);
    const { outs } = await swap.update(e.id!, inside.properties as unknown as SwapOutputs, { instanceId: IDS.ha, triggers: ["a"] });
    expect(swapsOn(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ status: "SUCCESS", jobId: swapsOn(IDS.ha)[0]!.jobId });
  });

  it("10b. a lost answer whose task shows up late in the list is found on the next up, never started twice", async () => {
    await w.stop();
    w = await startRuntimeWorld({ taskListLagMs: 120_000 });
    w.emu.inject({ route: "swap", kind: "drop", when: "after" });
    const e = await failure(swap.create({ instanceId: IDS.ha, triggers: ["a"] }));
    expect((e.properties as unknown as SwapOutputs).pending?.origin).toBe("outcome-unknown");
    w.clock.advance(150_000);
    const { outs } = await swap.update(e.id!, e.properties as unknown as SwapOutputs, { instanceId: IDS.ha, triggers: ["a"] });
    expect(swapsOn(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ jobId: swapsOn(IDS.ha)[0]!.jobId, status: "SUCCESS", ended: { origin: "reconciled" } });
  });

  it("11. a swap refused as busy by a running swap adopts that swap; it never queues a second one behind it", async () => {
    const running = await w.side.swapMasterStandby(IDS.ha);
    const { outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"], adoptWithin: 0 });
    expect(swapsOn(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ jobId: running.jobId, adopted: true, status: "SUCCESS" });
  });

  it("12a. a task list that cannot be read stops pass-through before anything starts, and says so", async () => {
    w.emu.inject({ route: "listTasks", kind: "serverError", status: 503, times: "always" });
    const e = await failure(pass.create({ instanceId: IDS.ha, enabled: true }));
    expect(e.message).toMatch(/background tasks/);
    expect(e.message).toMatch(/Nothing was started/);
    expect(passJobsOn(IDS.ha)).toHaveLength(0);
  });

  it("12b. a resumed job is read at once, not after the type's first delay", async () => {
    const { id, olds } = await timedOutCreate({ instanceId: IDS.ha, triggers: ["a"] });
    w.clock.advance(200_000); // long finished
    const t0 = w.clock.now();
    await swap.update(id, olds, { instanceId: IDS.ha, triggers: ["a"] });
    expect(w.clock.now() - t0).toBeLessThan(1_000);
  });

  it("12c. after an interrupted create, initialEnabled is the value before the change, not after it", async () => {
    // The "killed" create's job already turned pass-through on; the next up calls create again.
    await w.side.setClientIpPassThrough(IDS.ha, true);
    w.clock.advance(30_000);
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true, restoreOnDelete: true });
    expect(outs.initialEnabled).toBe(false);
    expect(passJobsOn(IDS.ha)).toHaveLength(1);
  });

  it("13. a wrong secret key says to check the keys, not to retry or to set adoptWithin", async () => {
    await w.restart({}, { "dcs:secretKey": "not-the-right-secret-key" });
    const e = await failure(swap.create({ instanceId: IDS.ha, triggers: ["a"] }));
    expect(e.message).toMatch(/^MasterStandbySwap \S+: DCS refused the credentials/);
    expect(e.message).toContain("dcs:secretKey");
    expect(e.message).not.toMatch(/adoptWithin/);
    expect(e.message).not.toContain("not-the-right-secret-key");
  });

  it("13c. one unreadable answer to a read is read again; answers that stay unreadable say it is passing and to run up again (chaos seed 4)", async () => {
    w.emu.inject({ route: "showInstance", kind: "malformed", instanceId: IDS.ha, times: 1 });
    expect((await pass.create({ instanceId: IDS.ha, enabled: true })).outs).toMatchObject({ enabled: true });
    expect(passJobsOn(IDS.ha)).toHaveLength(1);
    w.emu.reset();
    w.emu.inject({ route: "showInstance", kind: "malformed", instanceId: IDS.ha, times: "always" });
    const e = await failure(pass.create({ instanceId: IDS.ha, enabled: true }));
    expect(e.message).toMatch(/cannot read/);
    expect(e.message).toMatch(/run `pulumi up` again/);
    expect(e.message).toMatch(/Nothing was started/);
    expect(passJobsOn(IDS.ha)).toHaveLength(0);
  });

  it("13b. a missing instance names the instance ID and dcs:projectId / dcs:region", async () => {
    const e = await failure(pass.create({ instanceId: "00000000-0000-4000-8000-000000000000", enabled: true }));
    expect(e.message).toMatch(/DCS does not know it/);
    expect(e.message).toContain("dcs:projectId");
  });
});

describe("chaos findings (docs/reliability.md)", () => {
  useWorld();

  it("P2. an adopted task whose job ID the task lists never give ends with its task ID, never passed off as the job ID", async () => {
    const running = await w.side.swapMasterStandby(IDS.ha);
    const task = { id: swapsOn(IDS.ha)[0]!.taskId };
    expect(task.id).not.toBe(running.jobId);
    w.emu.inject({ route: "listCenterTasks", kind: "serverError", status: 503, times: "always" });
    const { outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"] });
    expect(swapsOn(IDS.ha)).toHaveLength(1);
    expect(outs.adopted).toBe(true);
    expect(outs.ended).toMatchObject({ outcome: "SUCCESS", taskId: task.id });
    expect(outs.ended?.jobId).toBeUndefined();
    expect(outs.jobId).not.toBe(task.id);
  });

  it("P2. a tenant-wide task list that answers garbled twice is read again: the adopted job's own ID is recorded", async () => {
    const running = await w.side.swapMasterStandby(IDS.ha);
    w.emu.inject({ route: "listCenterTasks", kind: "malformed", times: 2 });
    const { outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"] });
    expect(swapsOn(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ adopted: true, jobId: running.jobId, status: "SUCCESS", ended: { outcome: "SUCCESS", jobId: running.jobId } });
  });

  it("a killed state change followed by a reverted input: diff sees the change still running, and up brings the value back", async () => {
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true });
    expect(await pass.diff(IDS.ha, outs, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: false });
    // A run asked for false, sent the change and was killed (no state written); the user went back to true.
    const killed = await w.side.setClientIpPassThrough(IDS.ha, false);
    expect(await pass.diff(IDS.ha, outs, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: true });
    expect(w.lines.some((l) => l.includes("inputs unchanged, but a modifyClientIpTransJob change") && l.includes(killed.jobId))).toBe(true);
    const after = (await pass.update(IDS.ha, outs, { instanceId: IDS.ha, enabled: true })).outs;
    expect(after.enabled).toBe(true);
    expect((await w.side.showInstance(IDS.ha)).transparentClientIpEnable).toBe(true);
    expect(passJobsOn(IDS.ha)).toHaveLength(3); // ours, the killed run's, and the one bringing it back
    expect(await pass.diff(IDS.ha, after, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: false });
  });

  it("drift (the value changed behind the stack) is an update on the next up, not only after a refresh", async () => {
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true });
    await w.side.setClientIpPassThrough(IDS.ha, false);
    w.clock.advance(60_000); // that change has ended
    expect(await pass.diff(IDS.ha, outs, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: true });
    expect(w.lines.some((l) => l.includes("inputs unchanged, but the instance reports pass-through off"))).toBe(true);
  });

  it("a diff that cannot read the instance says so and what to check; nothing starts", async () => {
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true });
    w.emu.inject({ route: "showInstance", kind: "serverError", status: 503, times: "always" });
    const e = await failure(pass.diff(IDS.ha, outs, { instanceId: IDS.ha, enabled: true }));
    expect(e.message).toMatch(/could not read the instance to check for drift/);
    expect(e.message).toMatch(/run `pulumi up` again/);
    expect(e.message).toMatch(/Nothing was started/);
    expect(passJobsOn(IDS.ha)).toHaveLength(1);
  });

  it("P5. one truncated answer to the settle read still fills masterNode", async () => {
    w.emu.inject({ route: "showInstance", kind: "malformed", times: 1 });
    const { outs } = await swap.create({ instanceId: IDS.ha, triggers: ["a"], adoptWithin: 0 });
    expect(outs.status).toBe("SUCCESS");
    expect(outs.masterNode).toBeDefined();
  });
});

describe("issue #10 defect 8: one deadline per operation (real time)", () => {
  let emu: RunningEmulator;
  afterEach(async () => {
    rt.resetRuntime();
    await emu?.stop();
  });

  it("busy retries of a start end with waitTimeout instead of adding minutes to it", async () => {
    emu = await startEmulator({ clock: new RealClock(1) });
    rt.resetRuntime();
    rt.setRuntimeOverrides({ env: {}, log: () => undefined, settlePauseMs: 1 });
    const cfg: Record<string, string> = { "dcs:endpoint": emu.url, "dcs:projectId": emu.projectId, "dcs:accessKey": emu.accessKey, "dcs:secretKey": emu.secretKey };
    await rt.configure({ config: { get: (k) => cfg[k] } });
    emu.inject({ route: "swap", kind: "hangJob" });
    const side = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
    await side.swapMasterStandby(IDS.ha); // the instance is busy with another kind of job for ever
    const t0 = Date.now();
    const e = await failure(pass.create({ instanceId: IDS.ha, enabled: true, waitTimeout: "3s" }));
    const took = Date.now() - t0;
    expect(took).toBeLessThan(8_000); // 0.1.0: up to 10 min of busy retries on top of the wait
    expect(e.message).toMatch(/busy|DCS\.4026/i);
    expect(e.message).toMatch(/Nothing was started/);
  }, 20_000);

  it("P4 (chaos). a pass-through start refused with DCS.4300 while the task list lags adopts the running change; nothing queues behind it", async () => {
    emu = await startEmulator({ clock: new RealClock(1), taskListLagMs: 800, jobDurations: { modifyClientIpTransJob: 2_000 } });
    rt.resetRuntime();
    const lines: string[] = [];
    rt.setRuntimeOverrides({ env: {}, log: (l) => lines.push(l), settlePauseMs: 1, client: { retry: { baseDelayMs: 5, maxDelayMs: 20, busyBaseDelayMs: 100, busyMaxDelayMs: 200 } } });
    const cfg: Record<string, string> = { "dcs:endpoint": emu.url, "dcs:projectId": emu.projectId, "dcs:accessKey": emu.accessKey, "dcs:secretKey": emu.secretKey };
    await rt.configure({ config: { get: (k) => cfg[k] } });
    const side = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
    // A killed up's change, still running, that the task list does not show yet.
    const running = await side.setClientIpPassThrough(IDS.ha, true);
    const { outs } = await pass.create({ instanceId: IDS.ha, enabled: true, waitTimeout: "30s" });
    const passJobs = emu.jobs().filter((j) => j.instanceId === IDS.ha && j.jobType === "modifyClientIpTransJob");
    expect(passJobs.map((j) => j.jobId)).toEqual([running.jobId]);
    expect(outs).toMatchObject({ enabled: true });
    // Ours was refused (the look before it could not see the change), and the refusal led to the change.
    expect(lines.some((l) => l.includes(`(job ${running.jobId})`) && l.includes("instead of queueing another behind it"))).toBe(true);
  }, 20_000);
});
