/**
 * Issue 12 in the resources: the task's steps in the outputs (`steps`: names, statuses, durations), the
 * progress lines in the log (step and time left, at most one line per step change or heartbeat, the
 * final one with the steps' durations), and a FAILED step's error_code in the failure message. Against
 * the real runtime and the emulator over loopback, on an emulated clock.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as rt from "../provider/resources/runtime";
import { IDS, startRuntimeWorld, type RuntimeWorld } from "./support/runtime-setup";

let w: RuntimeWorld;

beforeEach(async () => {
  w = await startRuntimeWorld({ jobDurations: { masterStandbySwapJob: 90_000, modifyClientIpTransJob: 60_000 } });
});
afterEach(async () => {
  await w.stop();
});

describe("steps of a job, in the outputs and the log", () => {
  it("MasterStandbySwap keeps every step with its duration, and logs the step and the time left", async () => {
    const { outs } = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["a"] });
    expect(outs.status).toBe("SUCCESS");
    expect(outs.steps).toEqual([
      { name: "check instance", status: "FINISH", durationMs: expect.any(Number) },
      { name: "switch roles", status: "FINISH", durationMs: expect.any(Number) },
      { name: "refresh routes", status: "FINISH", durationMs: expect.any(Number) },
      { name: "verify", status: "FINISH", durationMs: expect.any(Number) },
    ]);
    const total = outs.steps!.reduce((a, s) => a + (s.durationMs ?? 0), 0);
    expect(total).toBeLessThanOrEqual(outs.durationMs!);
    const log = w.lines.join("\n");
    expect(log).toMatch(/job \S+ RUNNING \(\d+ s\), step \d\/4 "[a-z ]+" \(EXECUTING\), \d+%, about \d+ (s|min)/);
    expect(log).toMatch(/job \S+ SUCCESS \(\d+ s\); steps: "check instance" \d+ s, "switch roles" \d+ s, "refresh routes" \d+ s, "verify" \d+ s/);
    // No flood: a 90 s job gets a handful of progress lines.
    expect(w.lines.filter((l) => / step \d\/4 /.test(l)).length).toBeLessThanOrEqual(6);
  });

  it("ClientIpPassThrough keeps the steps of the job it ran", async () => {
    const { outs } = await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true });
    expect(outs.changed).toBe(true);
    expect(outs.steps?.map((s) => s.name)).toEqual(["check instance", "update proxy config", "restart proxies", "verify"]);
  });

  it("DcsJob with an instance keeps the steps; without one it waits on the job alone", async () => {
    const { outs: swapped } = await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["a"] });
    const withInstance = await rt.dcsJob.create({ jobId: swapped.jobId, instanceId: IDS.ha });
    expect(withInstance.outs.steps).toHaveLength(4);
    const without = await rt.dcsJob.create({ jobId: swapped.jobId });
    expect(without.outs.steps).toBeUndefined();
  });

  it("a FAILED step's error_code is in the failure message, next to the fail_reason", async () => {
    w.emu.inject({ route: "swap", kind: "failJob", failReason: "replication broken", errorCode: "DCS.4857" });
    const err = (await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["a"] }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain("replication broken");
    expect(err.message).toMatch(/step "switch roles" FAILED with error_code DCS\.4857/);
  });
});
