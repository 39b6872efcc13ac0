/**
 * The dynamic resources' provider methods (check, diff, create, read, update, delete), called directly
 * against the emulator over real sockets on 127.0.0.1. The runtime module is what the serialized
 * providers delegate to (`providers.ts` methods are one-line `require("pulumi-dcs-jobs/runtime").x.y`);
 * the serialization test runs the real serialized text in a fresh process.
 *
 * The emulator runs on a manual clock; the waiter's clock advances it instead of sleeping, so a 6 s
 * swap takes milliseconds and every status is exact.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { EMULATOR_INSTANCE_IDS as IDS, ManualClock, manualClock, startEmulator, type RunningEmulator } from "../provider/emulator";
import {
  checkDcsJob,
  checkPassThrough,
  checkSwap,
  parseDuration,
  type PassThroughOutputs,
  type SwapInputs,
  type SwapOutputs,
} from "../provider/resources/logic";
import * as rt from "../provider/resources/runtime";
import { waitClock } from "./support/runtime-setup";

let emu: RunningEmulator;
let clock: ManualClock;
let lines: string[];

function stackConfig(over: Record<string, string> = {}): { get(k: string): string | undefined } {
  const map: Record<string, string> = {
    "dcs:endpoint": emu.url,
    "dcs:projectId": emu.projectId,
    "dcs:accessKey": emu.accessKey,
    "dcs:secretKey": emu.secretKey,
    ...over,
  };
  return { get: (k) => map[k] };
}

/** A client of the test itself (the "other process" that starts jobs behind the provider's back). */
function sideClient(): DcsClient {
  return new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
}

const starts = () => emu.stats().startCalls;

beforeEach(async () => {
  clock = manualClock(Date.now());
  emu = await startEmulator({ clock });
  lines = [];
  rt.resetRuntime();
  // Poll every emulated second so intermediate statuses are seen (costs no real time).
  rt.setRuntimeOverrides({ env: {}, log: (l) => lines.push(l), wait: { clock: waitClock(clock), firstDelayMs: 500, maxIntervalMs: 1_000 }, now: () => clock.now(), settlePauseMs: 5 });
  await rt.configure({ config: stackConfig() });
});
afterEach(async () => {
  rt.resetRuntime();
  await emu.stop();
});

describe("check (before any API call)", () => {
  it("rejects a malformed instance ID, a non-boolean enabled, bad durations, a malformed job ID", async () => {
    const swap = await rt.masterStandbySwap.check({}, { instanceId: "not-a-uuid", waitTimeout: "-5m", adoptWithin: "soon" });
    expect(swap.failures?.map((f) => f.property).sort()).toEqual(["adoptWithin", "instanceId", "waitTimeout"]);
    expect(swap.failures?.find((f) => f.property === "instanceId")?.reason).toMatch(/UUID/);
    expect(swap.failures?.find((f) => f.property === "waitTimeout")?.reason).toMatch(/"30m"/);

    const pass = await rt.clientIpPassThrough.check({}, { instanceId: IDS.ha, enabled: "yes" });
    expect(pass.failures).toEqual([{ property: "enabled", reason: expect.stringMatching(/true or false/) }]);
    expect((await rt.clientIpPassThrough.check({}, { instanceId: IDS.ha })).failures?.[0]?.property).toBe("enabled");

    const job = await rt.dcsJob.check({}, { jobId: "x!", waitTimeout: 0 });
    expect(job.failures?.map((f) => f.property).sort()).toEqual(["jobId", "waitTimeout"]);
    expect(emu.stats().total).toBe(0);
  });

  it("accepts unknown values at preview and refuses credentials as inputs", async () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect((await rt.masterStandbySwap.check({}, { instanceId: unknown, triggers: [unknown] })).failures).toBeUndefined();
    const r = checkSwap({ instanceId: IDS.ha, secretKey: "s3cr3t-value" });
    expect(r.failures?.[0]?.property).toBe("secretKey");
    expect(r.failures?.[0]?.reason).toMatch(/stack config/);
    expect(r.failures?.[0]?.reason).not.toContain("s3cr3t-value");
  });

  it("parses durations: 30m, 90s, 1h30m, seconds as a number", () => {
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration(45)).toBe(45_000);
    expect(() => parseDuration("0s")).toThrow(/positive duration/);
    expect(parseDuration("0", "adoptWithin", { allowZero: true })).toBe(0);
    expect(() => parseDuration("25h")).toThrow(/24 h/);
    expect(checkPassThrough({ instanceId: IDS.ha, enabled: true, waitTimeout: "2m" }).failures).toBeUndefined();
    expect(checkDcsJob({ jobId: "ff8080818822bbf70188235afc24141a" }).failures).toBeUndefined();
  });
});

describe("credentials", () => {
  it("missing everywhere: create fails naming every place looked at, and sends nothing", async () => {
    rt.resetRuntime();
    rt.setRuntimeOverrides({ env: {}, log: (l) => lines.push(l) });
    await rt.configure({ config: stackConfig({ "dcs:accessKey": "", "dcs:secretKey": "" }) });
    const err = await rt.masterStandbySwap.create({ instanceId: IDS.ha }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const m = (err as Error).message;
    for (const place of ["dcs:accessKey", "dcs:secretKey", "dcs:token", "HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK", "HW_AUTH_TOKEN"]) expect(m).toContain(place);
    expect(m).toContain("pulumi config set --secret dcs:secretKey");
    expect(emu.stats().total).toBe(0);
  });

  it("falls back to the environment when the stack config has no credentials", async () => {
    rt.resetRuntime();
    rt.setRuntimeOverrides({
      env: { HW_ACCESS_KEY: emu.accessKey, HW_SECRET_KEY: emu.secretKey, HW_PROJECT_ID: emu.projectId, HW_DCS_ENDPOINT: emu.url },
      log: (l) => lines.push(l),
      wait: { clock: waitClock(clock) },
      now: () => clock.now(),
      settlePauseMs: 5,
    });
    await rt.configure({ config: { get: () => undefined } });
    const { outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.ha2, enabled: true });
    expect(outs.changed).toBe(false);
  });
});

describe("MasterStandbySwap", () => {
  it("create swaps once and waits; outputs carry the job, the times and the new master", async () => {
    const { id, outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["a"] });
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.jobType).toBe("masterStandbySwapJob");
    expect(outs).toMatchObject({ instanceId: IDS.ha, triggers: ["a"], jobId: starts()[0]!.jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", adopted: false });
    expect(id).toBe(`${IDS.ha}:${outs.jobId}`);
    expect(Date.parse(outs.beginTime!)).toBeLessThan(Date.parse(outs.endTime!));
    expect(outs.durationMs).toBe(Date.parse(outs.endTime!) - Date.parse(outs.beginTime!));
    expect(outs.masterNode).toBe("emu-redis-ha-node-2");
    expect(lines.some((l) => /RUNNING \(\d+ s\)/.test(l))).toBe(true);
    expect(lines.join("\n")).not.toContain(emu.secretKey);
  });

  it("diff: nothing changed -> no changes; triggers changed -> update, not replace; instance changed -> replace", async () => {
    const { id, outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: { v: 1, w: [1, 2] } });
    expect(await rt.masterStandbySwap.diff(id, outs, { instanceId: IDS.ha, triggers: { w: [1, 2], v: 1 } })).toEqual({ changes: false });
    expect(await rt.masterStandbySwap.diff(id, outs, { instanceId: IDS.ha, triggers: { v: 2, w: [1, 2] } })).toEqual({ changes: true });
    expect(await rt.masterStandbySwap.diff(id, outs, { instanceId: IDS.ha2, triggers: { v: 1, w: [1, 2] } })).toEqual({ changes: true, replaces: ["instanceId"] });
    expect(starts()).toHaveLength(1);
  });

  it("update with new triggers runs exactly one new swap; a settings-only update runs none", async () => {
    const created = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: [1] });
    clock.advance(60_000);
    const { outs } = await rt.masterStandbySwap.update(created.id, created.outs, { instanceId: IDS.ha, triggers: [2] });
    expect(starts()).toHaveLength(2);
    expect(outs.jobId).toBe(starts()[1]!.jobId);
    expect(outs.jobId).not.toBe(created.outs.jobId);
    expect(outs).toMatchObject({ triggers: [2], status: "SUCCESS", adopted: false, masterNode: "emu-redis-ha-node-1" });

    const again = await rt.masterStandbySwap.update(created.id, outs, { instanceId: IDS.ha, triggers: [2], waitTimeout: "10m" });
    expect(starts()).toHaveLength(2);
    expect(again.outs).toMatchObject({ jobId: outs.jobId, waitTimeout: "10m" });
  });

  it("interrupted create: a swap already running is adopted, never started again", async () => {
    const started = await sideClient().swapMasterStandby(IDS.ha); // the run that "crashed"
    clock.advance(2_000);
    const { outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha });
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ jobId: started.jobId, adopted: true, status: "SUCCESS" });
    expect(lines.some((l) => /adopting masterStandbySwapJob task \w+ \(job (\w+)\)/.exec(l)?.[1] === started.jobId)).toBe(true);
  });

  it("a swap that already succeeded in the window is adopted by default, and not with adoptFinished: false", async () => {
    const side = sideClient();
    const first = await side.swapMasterStandby(IDS.ha);
    clock.advance(30_000); // finished
    const adopted = await rt.masterStandbySwap.create({ instanceId: IDS.ha });
    expect(adopted.outs).toMatchObject({ jobId: first.jobId, adopted: true });
    expect(starts()).toHaveLength(1);

    const fresh = await rt.masterStandbySwap.create({ instanceId: IDS.ha, adoptFinished: false });
    expect(starts()).toHaveLength(2);
    expect(fresh.outs).toMatchObject({ jobId: starts()[1]!.jobId, adopted: false });
  });

  it("outside the adoption window, or with adoptWithin 0, a new swap starts", async () => {
    await sideClient().swapMasterStandby(IDS.ha);
    clock.advance(31 * 60_000);
    await rt.masterStandbySwap.create({ instanceId: IDS.ha });
    expect(starts()).toHaveLength(2);
    clock.advance(60_000);
    await rt.masterStandbySwap.create({ instanceId: IDS.ha, adoptWithin: 0 });
    expect(starts()).toHaveLength(3);
    expect(emu.stats().byRoute.listTasks).toBe(1); // adoptWithin 0 does not even look
  });

  it("a failed swap in the window is not adopted: a new one starts", async () => {
    emu.inject({ route: "swap", kind: "failJob", failReason: "node unreachable" });
    await sideClient().swapMasterStandby(IDS.ha);
    clock.advance(30_000);
    const { outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha });
    expect(starts()).toHaveLength(2);
    expect(outs.adopted).toBe(false);
    expect(lines.some((l) => /not adopting .* ended in FAIL/.test(l))).toBe(true);
  });

  it("interrupted update: a swap started after the previous job is adopted, the previous job never", async () => {
    const created = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: [1] });
    clock.advance(60_000);
    const lost = await sideClient().swapMasterStandby(IDS.ha); // the update that "crashed"
    clock.advance(1_000);
    const { outs } = await rt.masterStandbySwap.update(created.id, created.outs, { instanceId: IDS.ha, triggers: [2] });
    expect(starts()).toHaveLength(2);
    expect(outs).toMatchObject({ jobId: lost.jobId, adopted: true, triggers: [2] });
  });

  it("FAIL fails create with the fail_reason, the job ID and the instance ID, and records the FAIL; the next up is not wedged", async () => {
    emu.inject({ route: "swap", kind: "failJob", failReason: "standby node is not healthy" });
    const inputs = { instanceId: IDS.ha, triggers: ["a"] };
    const err = (await rt.masterStandbySwap.create(inputs).catch((e: unknown) => e)) as rt.PartialFailure;
    const jobId = starts()[0]!.jobId;
    expect(err).toBeInstanceOf(rt.PartialFailure);
    expect(err.message).toContain("standby node is not healthy");
    expect(err.message).toContain(jobId);
    expect(err.message).toContain(IDS.ha);
    const olds = err.properties as unknown as SwapOutputs;
    expect(olds).toMatchObject({ jobId, status: "FAIL", failReason: "standby node is not healthy", ended: { outcome: "FAIL", jobId } });
    expect(olds.pending).toBeUndefined();

    // The engine calls update next (init errors): same triggers -> nothing runs, the up succeeds.
    expect(await rt.masterStandbySwap.diff(err.id, olds, inputs)).toEqual({ changes: false });
    const same = await rt.masterStandbySwap.update(err.id, olds, inputs);
    expect(starts()).toHaveLength(1);
    expect(same.outs.ended).toMatchObject({ outcome: "FAIL", jobId });
    // New triggers -> exactly one new swap.
    const again = await rt.masterStandbySwap.update(err.id, same.outs, { ...inputs, triggers: ["b"] });
    expect(starts()).toHaveLength(2);
    expect(again.outs).toMatchObject({ jobId: starts()[1]!.jobId, status: "SUCCESS", ended: { outcome: "SUCCESS" } });
  });

  it("a timed-out wait is a partial failure keeping the job ID; the next update resumes it without a new swap", async () => {
    const inputs = { instanceId: IDS.ha, triggers: ["t"], waitTimeout: "2s", __provider: "PROVIDER-TEXT" } as SwapInputs;
    const err = (await rt.masterStandbySwap.create(inputs).catch((e: unknown) => e)) as rt.PartialFailure;
    expect(err).toBeInstanceOf(rt.PartialFailure);
    const jobId = starts()[0]!.jobId;
    expect(err.id).toBe(`${IDS.ha}:${jobId}`);
    expect(err.properties).toMatchObject({ jobId, instanceId: IDS.ha, triggers: ["t"], __provider: "PROVIDER-TEXT" });
    expect(["INIT", "RUNNING"]).toContain(err.properties.status);
    expect(err.reasons[0]).toMatch(/next `pulumi up` resumes/);
    expect(err.message).toContain(jobId);

    // Next `up`: the engine calls update (init errors) with the stored properties as olds.
    const olds = err.properties as unknown as SwapOutputs;
    // A pending job is always a change, so a refresh (which drops the engine's init-error marker) cannot hide it.
    expect(olds.pending).toMatchObject({ origin: "started", jobId });
    expect(await rt.masterStandbySwap.diff(err.id, olds, { instanceId: IDS.ha, triggers: ["t"], waitTimeout: "2s" })).toEqual({ changes: true });
    const { outs } = await rt.masterStandbySwap.update(err.id, olds, { instanceId: IDS.ha, triggers: ["t"], waitTimeout: "10m" });
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ jobId, status: "SUCCESS", triggers: ["t"] });
    expect(lines.some((l) => l.includes(`resuming the wait on job ${jobId}`))).toBe(true);
  });

  it("read refreshes the job and the master node; delete starts nothing and says why", async () => {
    const { id, outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: [1] });
    const read = await rt.masterStandbySwap.read(id, outs);
    expect(read.props).toMatchObject({ jobId: outs.jobId, status: "SUCCESS", masterNode: "emu-redis-ha-node-2" });
    expect(read.inputs).toEqual({ instanceId: IDS.ha, triggers: [1] });
    await rt.masterStandbySwap.delete(id, outs);
    expect(starts()).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/cannot be undone by deleting/);
  });
});

describe("ClientIpPassThrough", () => {
  it("already at the wanted value: starts no job, outputs say so", async () => {
    const { id, outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.ha2, enabled: true });
    expect(id).toBe(IDS.ha2);
    expect(starts()).toHaveLength(0);
    expect(outs).toMatchObject({ enabled: true, initialEnabled: true, changed: false, adopted: false });
    expect(outs.jobId).toBeUndefined();
  });

  it("create sets the value with one job; refresh shows drift; update puts it back", async () => {
    const { id, outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true });
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ enabled: true, initialEnabled: false, changed: true, jobType: "modifyClientIpTransJob", status: "SUCCESS" });

    // Someone turns it off in the console.
    const side = sideClient();
    await side.setClientIpPassThrough(IDS.ha, false);
    clock.advance(60_000);
    const read = await rt.clientIpPassThrough.read(id, outs);
    expect(read.props?.enabled).toBe(false);
    expect(read.inputs).toMatchObject({ instanceId: IDS.ha, enabled: false });
    expect(lines.some((l) => /drift/.test(l))).toBe(true);

    const diff = await rt.clientIpPassThrough.diff(id, read.props!, { instanceId: IDS.ha, enabled: true });
    expect(diff).toEqual({ changes: true });
    const { outs: fixed } = await rt.clientIpPassThrough.update(id, read.props!, { instanceId: IDS.ha, enabled: true });
    expect(starts()).toHaveLength(3);
    expect(fixed).toMatchObject({ enabled: true, initialEnabled: false, changed: true });
  });

  it("a pass-through job already running is waited for, then nothing more is started when it got the value", async () => {
    const running = await sideClient().setClientIpPassThrough(IDS.proxy, true);
    const { outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.proxy, enabled: true });
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ enabled: true, adopted: true, jobId: running.jobId, initialEnabled: false });
  });

  it("delete leaves the instance as it is unless restoreOnDelete, which restores the value found before create", async () => {
    const kept = await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true });
    await rt.clientIpPassThrough.delete(kept.id, kept.outs);
    expect(starts()).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/left as it is/);
    expect((await sideClient().showInstance(IDS.ha)).transparentClientIpEnable).toBe(true);

    const restored = await rt.clientIpPassThrough.create({ instanceId: IDS.proxy, enabled: true, restoreOnDelete: true });
    expect(restored.outs.initialEnabled).toBe(false);
    await rt.clientIpPassThrough.delete(restored.id, restored.outs);
    expect(starts()).toHaveLength(3);
    expect((await sideClient().showInstance(IDS.proxy)).transparentClientIpEnable).toBe(false);
    expect(lines.some((l) => /restoreOnDelete: setting pass-through back to off/.test(l))).toBe(true);
  });

  it("FAIL surfaces the fail_reason and the IDs", async () => {
    emu.inject({ route: "clientIp", kind: "failJob", failReason: "SSL is enabled" });
    const err = (await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("SSL is enabled");
    expect(err.message).toContain(starts()[0]!.jobId);
    expect(err.message).toContain(IDS.ha);
  });

  it("partial failure then update resumes the stored job", async () => {
    const err = (await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true, waitTimeout: 2 }).catch((e: unknown) => e)) as rt.PartialFailure;
    expect(err).toBeInstanceOf(rt.PartialFailure);
    expect(err.properties).toMatchObject({ instanceId: IDS.ha, enabled: true, initialEnabled: false, jobId: starts()[0]!.jobId });
    const { outs } = await rt.clientIpPassThrough.update(err.id, err.properties as unknown as PassThroughOutputs, { instanceId: IDS.ha, enabled: true });
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ enabled: true, initialEnabled: false, jobId: starts()[0]!.jobId, status: "SUCCESS" });
  });
});

describe("DcsJob", () => {
  it("reads a job that already ended at once: one read, no wait", async () => {
    const started = await sideClient().swapMasterStandby(IDS.ha);
    clock.advance(10 * 60_000); // long over
    rt.setRuntimeOverrides({ env: {}, log: (l) => lines.push(l), wait: { clock: waitClock(clock) }, now: () => clock.now(), settlePauseMs: 5 });
    const before = { reads: emu.stats().byRoute.showJob, at: clock.now() };
    const { outs } = await rt.dcsJob.create({ jobId: started.jobId, instanceId: IDS.ha });
    expect(outs.status).toBe("SUCCESS");
    expect(emu.stats().byRoute.showJob - before.reads).toBe(1);
    expect(clock.now()).toBe(before.at);
  });

  it("waits on an existing job and outputs it; a FAIL fails with reason and IDs", async () => {
    const started = await sideClient().swapMasterStandby(IDS.ha);
    const { id, outs } = await rt.dcsJob.create({ jobId: started.jobId, instanceId: IDS.ha });
    expect(id).toBe(started.jobId);
    expect(outs).toMatchObject({ jobId: started.jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", adopted: false });
    expect(starts()).toHaveLength(1);

    emu.inject({ route: "swap", kind: "failJob", failReason: "replication lag too high" });
    const failing = await sideClient().swapMasterStandby(IDS.ha);
    const err = (await rt.dcsJob.create({ jobId: failing.jobId, instanceId: IDS.ha }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("replication lag too high");
    expect(err.message).toContain(failing.jobId);
    expect(err.message).toContain(IDS.ha);
  });
});
