/**
 * The client against the emulator's gateway checks (issue 13): the per-access-key throttle feeding the
 * process-wide adaptive budget, and temporary credentials whose security token expired.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import type { DcsClientOptions } from "../provider/config";
import { EMULATOR_INSTANCE_IDS as IDS, manualClock, startEmulator, type RunningEmulator } from "../provider/emulator";
import { DcsApiError } from "../provider/errors";
import { closeAllDispatchers } from "../provider/http";
import { isRateLimitDeadlineError, rateLimiterFor, resetRateLimiters } from "../provider/rate-limit";
import { waitForJob } from "../provider/waiter/wait";

const running: RunningEmulator[] = [];
async function emulator(options: Parameters<typeof startEmulator>[0]): Promise<RunningEmulator> {
  const emu = await startEmulator(options);
  running.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  resetRateLimiters();
});
afterAll(() => closeAllDispatchers());

function clientOf(emu: RunningEmulator, extra: Partial<DcsClientOptions> = {}): DcsClient {
  return new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey }, ...extra }, {});
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to fail");
}

describe("the gateway's throttle and the process-wide budget", () => {
  it("after a 429 the process sends nothing into the closed window: every client of the endpoint is held, a deadline before the reopening fails at once", async () => {
    const emu = await emulator({ clock: manualClock(), throttle: { limit: 3, windowMs: 60_000 } });
    const a = clientOf(emu, { rateLimit: { requestsPerSecond: 50, burst: 50 }, retry: { retries: 0 } });
    for (let i = 0; i < 3; i++) await a.showInstance(IDS.ha);
    const refused = (await failure(a.showInstance(IDS.ha))) as DcsApiError;
    expect(refused).toBeInstanceOf(DcsApiError);
    expect(refused.status).toBe(429);
    expect(refused.errorMsg).toMatch(/limit:3,time:1 minute/);
    const sentSoFar = emu.stats().total;

    // The shared budget learned the window from the answer and holds every request until it reopens.
    expect(rateLimiterFor(emu.url, { requestsPerSecond: 50, burst: 50 }).adaptiveSnapshot()).toMatchObject({ enabled: true, windowMs: 60_000, gatewayLimit: 3 });
    const b = clientOf(emu, { rateLimit: { requestsPerSecond: 50, burst: 50 } });
    for (const c of [a, b]) {
      const held = await failure(c.showJob("ff808081000000000000000000000001", { deadline: Date.now() + 5_000 }));
      expect(isRateLimitDeadlineError(held)).toBe(true);
      expect(held.name).toBe("TimeoutError");
    }
    expect(emu.stats().total).toBe(sentSoFar);
  });

  it("with rateLimit.adaptive false (today's fixed budget) the next request goes out into the closed window again", async () => {
    const emu = await emulator({ clock: manualClock(), throttle: { limit: 1, windowMs: 60_000 } });
    const c = clientOf(emu, { rateLimit: { requestsPerSecond: 50, burst: 50, adaptive: false }, retry: { retries: 0 } });
    await c.showInstance(IDS.ha);
    expect(((await failure(c.showInstance(IDS.ha))) as DcsApiError).status).toBe(429);
    expect(((await failure(c.showInstance(IDS.ha, { deadline: Date.now() + 5_000 }))) as DcsApiError).status).toBe(429);
    expect(emu.stats().byStatus["429"]).toBe(2);
  });

  it("a wait whose reads meet the throttle still ends with the job: 429 is ridden out while time is left", async () => {
    // Real clock: the 1-second window passes in real time, as the client's pause does.
    const emu = await emulator({ throttle: { limit: 2, windowMs: 1_000 }, jobDurations: { masterStandbySwapJob: 50 }, jobInitMs: 0 });
    const c = clientOf(emu, { rateLimit: { requestsPerSecond: 50, burst: 50 } });
    const { jobId } = await c.swapMasterStandby(IDS.ha);
    await c.showInstance(IDS.ha); // the window is now full
    const job = await waitForJob(c, jobId, { timeoutMs: 20_000, firstDelayMs: 100 });
    expect(job.status).toBe("SUCCESS");
    expect(emu.stats().byStatus["429"]).toBeGreaterThanOrEqual(1);
    expect(emu.stats().startCalls).toHaveLength(1);
  });

  it("a start call refused by the throttle is sent again once the window reopens, and starts exactly one job", async () => {
    const emu = await emulator({ throttle: { limit: 1, windowMs: 1_000 } });
    const c = clientOf(emu, { rateLimit: { requestsPerSecond: 50, burst: 50 } });
    await c.showInstance(IDS.ha); // the window is now full
    const started = await c.swapMasterStandby(IDS.ha, { deadline: Date.now() + 20_000 });
    expect(started.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.stats().startCalls).toHaveLength(1);
    expect(emu.stats().byStatus["429"]).toBeGreaterThanOrEqual(1);
  });
});

describe("temporary credentials", () => {
  const TEMP = { accessKey: "EMULATORTEMPKEY00002", secretKey: "client-test-temporary-secret-0002", securityToken: "CLIENT-TEST-SECURITY-TOKEN-0002-xyz" };

  it("an expired security token is a 401 that says to refresh the temporary credentials, sent once, the token never in the error", async () => {
    const clock = manualClock();
    const emu = await emulator({ clock, temporaryCredentials: [{ ...TEMP, expiresAt: clock.now() + 3_600_000 }] });
    const c = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: TEMP }, {});
    await expect(c.showInstance(IDS.ha)).resolves.toMatchObject({ instanceId: IDS.ha });
    clock.advance(3_600_000);
    const before = emu.stats().total;
    const e = (await failure(c.showInstance(IDS.ha))) as DcsApiError;
    expect(e).toBeInstanceOf(DcsApiError);
    expect(e.status).toBe(401);
    expect(e.errorMsg).toBe("Incorrect IAM authentication information: security token expired");
    expect(e.message).toMatch(/temporary credentials/);
    expect(e.message).toMatch(/HW_SECURITY_TOKEN/);
    expect(e.message).toMatch(/dcs:securityToken/);
    expect(emu.stats().total - before).toBe(1);
    const text = [e.message, e.stack, JSON.stringify(e)].join("\n");
    expect(text).not.toContain(TEMP.securityToken);
    expect(text).not.toContain(TEMP.secretKey);
  });

  it("a token that does not belong to the key gets the same advice; a permanent key's 401 does not", async () => {
    const emu = await emulator({ clock: manualClock(), temporaryCredentials: [TEMP] });
    const wrongToken = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { ...TEMP, securityToken: "CLIENT-TEST-SECURITY-TOKEN-0002-old" } }, {});
    const e = (await failure(wrongToken.showJob("ff808081000000000000000000000001"))) as DcsApiError;
    expect(e.status).toBe(401);
    expect(e.errorMsg).toMatch(/invalid security token/);
    expect(e.hint).toMatch(/temporary credentials/);
    const wrongSecret = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: "not-the-secret-key" } }, {});
    const f = (await failure(wrongSecret.showJob("ff808081000000000000000000000001"))) as DcsApiError;
    expect(f.status).toBe(401);
    expect(f.hint).toBeUndefined();
    expect(f.message).not.toMatch(/temporary credentials/);
  });
});
