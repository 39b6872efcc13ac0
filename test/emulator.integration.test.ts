/**
 * The project's own client (`DcsClient`) and waiter (`waitForJob`) against the emulator over real
 * sockets on 127.0.0.1, through every fault the emulator can inject. The waiter runs on a clock that
 * advances the emulator's manual clock instead of sleeping, so a 20 s job takes milliseconds and every
 * status is exact; the client's own retry waits (Retry-After, backoff) are real and kept short.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import type { DcsClientOptions } from "../provider/config";
import { DcsApiError, DcsNetworkError, DcsResponseError, JobFailedError, JobTimeoutError, OperationOutcomeUnknownError, SameOperationRunningError } from "../provider/errors";
import { EMULATOR_INSTANCE_IDS as IDS, ManualClock, RealClock, manualClock, startEmulator, type RunningEmulator } from "../provider/emulator";
import type { RequestLogEntry, WaitProgress } from "../provider/types";
import { waitForJob, type WaitClock } from "../provider/waiter/wait";

let emu: RunningEmulator;
let clock: ManualClock;
let log: RequestLogEntry[];

beforeEach(async () => {
  // Real time at the start: the client reconciles through a task-list window built from its own clock.
  clock = manualClock(Date.now());
  emu = await startEmulator({ clock });
  log = [];
});
afterEach(async () => {
  await emu.stop();
});

function client(over: Partial<DcsClientOptions> = {}): DcsClient {
  return new DcsClient(
    {
      endpoint: emu.url,
      projectId: emu.projectId,
      credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey },
      retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 200, busyTimeoutMs: 5_000, busyBaseDelayMs: 50, busyMaxDelayMs: 200 },
      onRequest: (e) => log.push(e),
      ...over,
    },
    {},
  );
}

/** A waiter clock on the emulator's manual clock: sleeping advances emulated time, at once. */
function emulatedWaitClock(c: ManualClock): WaitClock & { slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    now: () => c.now(),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      c.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
  };
}

const errorOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );

describe("the happy paths", () => {
  it("swap + wait: one start call, SUCCESS with the contract's times, the master flipped", async () => {
    const dcs = client();
    const before = await dcs.showInstance(IDS.ha);
    expect(before).toMatchObject({ instanceId: IDS.ha, cacheMode: "ha", masterNode: "emu-redis-ha-node-1", status: "RUNNING" });

    const started = await dcs.swapMasterStandby(IDS.ha);
    expect(started.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(started.requestId).toMatch(/^[0-9a-f]{32}$/);
    const progress: WaitProgress[] = [];
    const job = await waitForJob(dcs, started.jobId, { clock: emulatedWaitClock(clock), onProgress: (p) => progress.push(p) });
    expect(job).toMatchObject({ jobId: started.jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", durationMs: 6_000, failReason: null });
    expect(job.endTime!.getTime() - job.beginTime!.getTime()).toBe(6_000);
    expect(progress.filter((p) => p.kind === "status-change").map((p) => p.job?.status)).toContain("SUCCESS");

    expect((await dcs.showInstance(IDS.ha)).masterNode).toBe("emu-redis-ha-node-2");
    expect(emu.stats().startCalls).toHaveLength(1);
  });

  it("pass-through on + wait: transparent_client_ip_enable reads true afterwards", async () => {
    const dcs = client();
    const started = await dcs.setClientIpPassThrough(IDS.proxy, true);
    const job = await waitForJob(dcs, started.jobId, { clock: emulatedWaitClock(clock) });
    expect(job).toMatchObject({ jobType: "modifyClientIpTransJob", status: "SUCCESS", durationMs: 20_000 });
    expect((await dcs.showInstance(IDS.proxy)).transparentClientIpEnable).toBe(true);
  });

  it("the task list parses into BackgroundTasks whose id is the task ID (not the job ID) and which carry no jobId", async () => {
    const dcs = client();
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    const taskId = emu.jobs().find((j) => j.jobId === jobId)!.taskId;
    expect(taskId).not.toBe(jobId);
    const tasks = await dcs.listTasks(IDS.ha, { start: new Date(Date.now() - 60_000), end: new Date(Date.now() + 60_000) });
    expect(tasks).toEqual([expect.objectContaining({ id: taskId, name: "masterStandbySwapJob", status: "INIT", userName: "emulator-user" })]);
    expect(tasks[0]!.jobId).toBeUndefined();
    expect(tasks[0]!.createdAt.getTime()).toBe(clock.now());
  });

  it("listCenterTasks parses the tenant-wide list: task id, jobId, errorCode; sends only the SDK's query names", async () => {
    await emu.stop();
    const lines: string[] = [];
    emu = await startEmulator({ clock, logLevel: "debug", logger: (l) => lines.push(l) });
    const dcs = client();
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    emu.inject({ route: "clientIp", kind: "failJob", failReason: "proxy restart failed", errorCode: "DCS.4999", durationMs: 1_000 });
    const failed = await dcs.setClientIpPassThrough(IDS.proxy, true);
    clock.advance(1_000);
    const window = { start: new Date(Date.now() - 60_000), end: new Date(Date.now() + 60_000) };
    const tasks = await dcs.listCenterTasks({ ...window, instanceId: IDS.ha, offset: 0, limit: 50 });
    const byJob = new Map(emu.jobs().map((j) => [j.jobId, j.taskId]));
    // No instance filter exists in the vendor API: both instances' tasks come back.
    expect(tasks).toHaveLength(2);
    expect(tasks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: byJob.get(jobId), jobId, name: "masterStandbySwapJob" }),
        expect.objectContaining({ id: byJob.get(failed.jobId), jobId: failed.jobId, name: "modifyClientIpTransJob", status: "FAIL", errorCode: "DCS.4999" }),
      ]),
    );
    expect(tasks.find((t) => t.jobId === jobId)!.errorCode).toBeUndefined();
    const entry = log.find((l) => l.path.endsWith("/tasks") && !l.path.includes("/instances/"));
    expect(entry).toMatchObject({ method: "GET", path: `/v2/${emu.projectId}/tasks`, status: 200 });
    const line = lines.find((l) => l.includes("route=listCenterTasks"))!;
    const sent = new URLSearchParams(/query=\?(\S+)/.exec(line)![1]!);
    expect([...sent.keys()].sort()).toEqual(["end_time", "limit", "offset", "start_time"]);
    expect(sent.get("start_time")).toMatch(/^\d{14}$/);
    await expect(dcs.listCenterTasks({ ...window, instanceId: "not-a-uuid" })).rejects.toThrow(/instance ID/);
    await expect(dcs.listCenterTasks({ start: new Date(NaN), end: window.end })).rejects.toThrow(/start/);
  });

  it("an IAM token works as well as a signature", async () => {
    const dcs = client({ credentials: { token: emu.token! } });
    expect((await dcs.showInstance(IDS.single)).cacheMode).toBe("single");
  });

  it("vendor refusals surface as DcsApiError with code and request ID, sent once", async () => {
    const dcs = client();
    const e = (await errorOf(dcs.swapMasterStandby(IDS.single))) as DcsApiError;
    expect(e).toBeInstanceOf(DcsApiError);
    expect(e).toMatchObject({ status: 400, errorCode: "DCS.4855", errorMsg: "Master standby swap is not supported." });
    expect(e.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.stats().byRoute.swap).toBe(1);
  });

  it("a wrong secret is a 401 that is never retried and never echoes the secret", async () => {
    const dcs = client({ credentials: { accessKey: emu.accessKey, secretKey: "definitely-wrong-secret" } });
    const e = (await errorOf(dcs.showInstance(IDS.ha))) as DcsApiError;
    expect(e).toMatchObject({ status: 401, errorCode: "APIGW.0301" });
    expect(emu.stats().byRoute.showInstance).toBe(1);
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain("definitely-wrong-secret");
  });
});

describe("faults, ridden out or reported", () => {
  it("early 404s after the start are ridden out by the waiter", async () => {
    const dcs = client();
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    emu.inject({ route: "showJob", kind: "notFound", times: 3 });
    const progress: WaitProgress[] = [];
    const job = await waitForJob(dcs, jobId, { clock: emulatedWaitClock(clock), onProgress: (p) => progress.push(p) });
    expect(job.status).toBe("SUCCESS");
    const notFound = progress.filter((p) => p.kind === "poll-error" && (p.error as DcsApiError).status === 404);
    expect(notFound).toHaveLength(3);
    expect(emu.stats().faultsFired.filter((f) => f.kind === "notFound")).toHaveLength(3);
  });

  it("429 with Retry-After is honoured by the client before it reads again", async () => {
    const dcs = client();
    emu.inject({ route: "showInstance", kind: "throttle", retryAfterSec: 1 });
    const t = performance.now();
    expect((await dcs.showInstance(IDS.ha)).instanceId).toBe(IDS.ha);
    expect(performance.now() - t).toBeGreaterThanOrEqual(950);
    expect(log.map((l) => l.status)).toEqual([429, 200]);
  });

  it("429 on a start call is retried (the gateway did not forward it): exactly one start", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "throttle", retryAfterSec: 0 });
    const started = await dcs.swapMasterStandby(IDS.ha);
    expect(emu.stats().startCalls).toEqual([expect.objectContaining({ jobId: started.jobId })]);
    expect(emu.stats().byRoute.swap).toBe(2);
  });

  it("5xx on reads is retried by the client", async () => {
    const dcs = client();
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    emu.inject([
      { route: "showJob", kind: "serverError", status: 503 },
      { route: "showJob", kind: "serverError", status: 500 },
    ]);
    expect((await dcs.showJob(jobId)).jobId).toBe(jobId);
    expect(log.filter((l) => l.path.includes("/jobs/")).map((l) => l.status)).toEqual([503, 500, 200]);
  });

  it("5xx on a start call is not resent: the task list shows nothing, so the outcome is reported unknown", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "serverError" });
    const e = await errorOf(dcs.swapMasterStandby(IDS.ha));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(emu.stats().byRoute.swap).toBe(1);
    expect(emu.stats().byRoute.listTasks).toBeGreaterThanOrEqual(1);
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("a connection dropped after the swap started is reconciled via the task list: exactly one start call", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "drop", when: "after" });
    const started = await dcs.swapMasterStandby(IDS.ha);
    const starts = emu.stats().startCalls;
    expect(starts).toHaveLength(1);
    expect(started).toMatchObject({ jobId: starts[0]!.jobId, reconciled: true });
    expect(emu.stats().byRoute.swap).toBe(1);
    const job = await waitForJob(dcs, started.jobId, { clock: emulatedWaitClock(clock) });
    expect(job.status).toBe("SUCCESS");
    expect((await dcs.showInstance(IDS.ha)).masterNode).toBe("emu-redis-ha-node-2");
  });

  it("a connection dropped before anything started is not resent and is reported unknown", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "drop", when: "before" });
    const e = (await errorOf(dcs.swapMasterStandby(IDS.ha))) as OperationOutcomeUnknownError;
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e).toMatchObject({ instanceId: IDS.ha, jobType: "masterStandbySwapJob" });
    expect(emu.stats().byRoute.swap).toBe(1);
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("a slow read within the timeout is just slow; past it, the client times out and the retry succeeds", async () => {
    const dcs = client({ headersTimeoutMs: 400, bodyTimeoutMs: 400 });
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    emu.inject({ route: "showJob", kind: "delay", ms: 150 });
    expect((await dcs.showJob(jobId)).jobId).toBe(jobId);
    emu.inject({ route: "showJob", kind: "delay", ms: 1_500 });
    log.length = 0;
    expect((await dcs.showJob(jobId)).jobId).toBe(jobId);
    expect(log).toHaveLength(2);
    expect(log[0]!.error).toMatch(/time/i);
    expect(log[1]!.status).toBe(200);
  });

  it("a read that is always slower than the timeout ends in a DcsNetworkError", async () => {
    const dcs = client({ headersTimeoutMs: 200, bodyTimeoutMs: 200, retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 } });
    emu.inject({ route: "showInstance", kind: "delay", ms: 1_000, times: "always" });
    const e = await errorOf(dcs.showInstance(IDS.ha));
    expect(e).toBeInstanceOf(DcsNetworkError);
  });

  it("a swap whose answer is too slow started anyway: reconciled, not resent", async () => {
    const dcs = client({ headersTimeoutMs: 300, bodyTimeoutMs: 300 });
    emu.inject({ route: "swap", kind: "delay", ms: 1_500 });
    const started = await dcs.swapMasterStandby(IDS.ha);
    expect(started.reconciled).toBe(true);
    expect(emu.stats().startCalls).toEqual([expect.objectContaining({ jobId: started.jobId })]);
    expect(emu.stats().byRoute.swap).toBe(1);
  });

  it("malformed JSON on a read is read again; one that persists is a clear DcsResponseError; the waiter rides it out", async () => {
    const dcs = client();
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    emu.inject({ route: "showJob", kind: "malformed", times: 1 });
    expect((await dcs.showJob(jobId)).jobId).toBe(jobId);

    emu.inject({ route: "showJob", kind: "malformed", times: "always" });
    const e = (await errorOf(dcs.showJob(jobId))) as DcsResponseError;
    expect(e).toBeInstanceOf(DcsResponseError);
    expect(e.message).toMatch(/not JSON/);
    expect(e.requestId).toMatch(/^[0-9a-f]{32}$/);
    emu.clearFaults();

    // Without the client's own retries, the waiter rides out a poll that cannot be read.
    const once = client({ retry: { retries: 0, baseDelayMs: 20, maxDelayMs: 200 } });
    emu.inject({ route: "showJob", kind: "malformed", times: 1 });
    const progress: WaitProgress[] = [];
    const job = await waitForJob(once, jobId, { clock: emulatedWaitClock(clock), onProgress: (p) => progress.push(p) });
    expect(job.status).toBe("SUCCESS");
    expect(progress.some((p) => p.kind === "poll-error" && p.error instanceof DcsResponseError)).toBe(true);
  });

  it("malformed JSON on a swap (which did start) is reconciled to the started job", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "malformed" });
    const started = await dcs.swapMasterStandby(IDS.ha);
    expect(started).toMatchObject({ jobId: emu.stats().startCalls[0]!.jobId, reconciled: true });
  });

  it("a failing job rejects the wait with JobFailedError carrying fail_reason", async () => {
    const dcs = client();
    emu.inject({ route: "swap", kind: "failJob", failReason: "standby node not in sync" });
    const { jobId } = await dcs.swapMasterStandby(IDS.ha);
    const e = (await errorOf(waitForJob(dcs, jobId, { clock: emulatedWaitClock(clock), instanceId: IDS.ha }))) as JobFailedError;
    expect(e).toBeInstanceOf(JobFailedError);
    expect(e.failReason).toBe("standby node not in sync");
    expect(e.message).toContain("standby node not in sync");
    expect(e.message).toContain(IDS.ha);
    expect((await dcs.showInstance(IDS.ha)).masterNode).toBe("emu-redis-ha-node-1");
  });

  it("a job that never finishes ends the wait with JobTimeoutError, last status RUNNING", async () => {
    const dcs = client();
    emu.inject({ route: "clientIp", kind: "hangJob" });
    const { jobId } = await dcs.setClientIpPassThrough(IDS.ha, true);
    const e = (await errorOf(waitForJob(dcs, jobId, { clock: emulatedWaitClock(clock), timeoutMs: 10 * 60_000 }))) as JobTimeoutError;
    expect(e).toBeInstanceOf(JobTimeoutError);
    expect(e).toMatchObject({ jobId, timeoutMs: 10 * 60_000, lastStatus: "RUNNING" });
    expect((await dcs.showInstance(IDS.ha)).task).toBe("modifyClientIpTransJob");
  });

  it("an instance busy with another operation is waited out by the client, then the swap starts once", async () => {
    await emu.stop();
    // A sped-up real clock: the pass-through change (20 s emulated) ends after about 400 ms of real time.
    emu = await startEmulator({ clock: new RealClock(50) });
    const dcs = client();
    const other = await dcs.setClientIpPassThrough(IDS.ha, true);
    const swap = await dcs.swapMasterStandby(IDS.ha);
    expect(swap.jobId).not.toBe(other.jobId);
    expect(log.some((l) => l.status === 400)).toBe(true);
    expect(emu.stats().startCalls.map((s) => s.jobId)).toEqual([other.jobId, swap.jobId]);
  });

  it("a swap while a swap runs is refused with the running job, never queued behind it (it would swap back)", async () => {
    const dcs = client();
    const first = await dcs.swapMasterStandby(IDS.ha);
    const e = (await errorOf(dcs.swapMasterStandby(IDS.ha))) as SameOperationRunningError;
    expect(e).toBeInstanceOf(SameOperationRunningError);
    expect(e.task).toMatchObject({ jobId: first.jobId, name: "masterStandbySwapJob", phase: "running" });
    expect(e.message).toContain(`job ${first.jobId}`);
    expect(emu.stats().startCalls).toHaveLength(1);
  });

  it("an instance that stays busy past the client's busy timeout is a DCS.4026 error", async () => {
    const dcs = client({ retry: { busyTimeoutMs: 300, busyBaseDelayMs: 50, busyMaxDelayMs: 100 } });
    await dcs.setClientIpPassThrough(IDS.ha, true);
    const e = (await errorOf(dcs.swapMasterStandby(IDS.ha))) as DcsApiError;
    expect(e).toMatchObject({ status: 400, errorCode: "DCS.4026" });
    expect(emu.stats().startCalls).toHaveLength(1);
  });
});

describe("virtual time with jittered waits", () => {
  it("a waiter whose sleeps are fractional still gets whole-millisecond times and a usable end time", async () => {
    clock.advance(0.37); // a job begun at a fractional instant, as after any jittered sleep
    const c = client();
    const { jobId } = await c.swapMasterStandby(IDS.ha);
    const job = await waitForJob(c, jobId, { clock: emulatedWaitClock(clock), firstDelayMs: 1_234.5, random: () => 0.123 });
    expect(job.status).toBe("SUCCESS");
    expect(job.beginTimeRaw).toMatch(/^\d+$/);
    expect(job.endTimeRaw).toMatch(/^\d+$/);
    expect(job.endTime).toBeInstanceOf(Date);
    expect(job.durationMs).toBeGreaterThan(0);
  });
});
