import { describe, expect, it } from "vitest";
import { adaptiveSchedule, anchorSchedule, fixedSchedule } from "../provider/waiter/schedule";
import { realisticJobs, simulate, simulateOne, standardComparison, formatComparison } from "../provider/waiter/simulate";

const noPhase = { startOffsetMaxMs: 0 };

describe("simulator: the anchor by hand", () => {
  it("a 30 s job with instant reads: reads at 2, 12, 22, 32 s; noticed 2 s late with 4 reads", () => {
    const r = simulateOne(anchorSchedule(), { durationMs: 30_000 }, () => 0.5, { ...noPhase, readLatencyMs: 0 });
    expect(r).toEqual({ delayMs: 2_000, calls: 4, timedOut: false });
  });
  it("with 200 ms reads the cycle is 10.2 s: sent at 2, 12.2, 22.4, 32.6 s, answered at 32.8 s", () => {
    const r = simulateOne(anchorSchedule(), { durationMs: 30_000 }, () => 0.5, { ...noPhase, readLatencyMs: 200 });
    expect(r.calls).toBe(4);
    expect(r.delayMs).toBeCloseTo(2_800, 6);
  });
  it("two confirmations cost one more cycle: answered at 43.0 s", () => {
    const r = simulateOne(anchorSchedule({ continuousTargetOccurence: 2 }), { durationMs: 30_000 }, () => 0.5, { ...noPhase, readLatencyMs: 200 });
    expect(r.calls).toBe(5);
    expect(r.delayMs).toBeCloseTo(13_000, 6);
  });
  it("early 404s cost reads but not correctness; a job longer than the timeout times out", () => {
    const r = simulateOne(fixedSchedule(1_000), { durationMs: 2_500 }, () => 0, { ...noPhase, readLatencyMs: 0, firstReadLatencyMs: 1_500 });
    expect(r).toEqual({ delayMs: 500, calls: 3, timedOut: false });
    const t = simulateOne(anchorSchedule(), { durationMs: 60_000 }, () => 0, { ...noPhase, readLatencyMs: 0, timeoutMs: 30_000 });
    expect(t.timedOut).toBe(true);
    expect(t.calls).toBe(4); // 2, 12, 22 and the last one exactly at 30 s
  });
  it("aggregates mean, p95 and reads per job", () => {
    const r = simulate(anchorSchedule(), [30_000, 35_000], { ...noPhase, readLatencyMs: 0, seeds: [1] });
    // 30 s: noticed at 32 s (2 s); 35 s: noticed at 42 s (7 s).
    expect(r.meanDelayMs).toBe(4_500);
    expect(r.p95DelayMs).toBe(7_000);
    expect(r.meanCalls).toBe(4.5);
    expect(r.runs).toBe(2);
  });
});

describe("simulator: determinism", () => {
  const jobs = realisticJobs({ perType: 50 });
  it("gives identical results for the same seed, different ones for another", () => {
    const a = simulate(adaptiveSchedule(), jobs, { seeds: [3] });
    const b = simulate(adaptiveSchedule(), jobs, { seeds: [3] });
    const c = simulate(adaptiveSchedule(), jobs, { seeds: [4] });
    expect(a).toEqual(b);
    expect(c.meanDelayMs).not.toBe(a.meanDelayMs);
  });
  it("the job set itself is reproducible and within the stated ranges", () => {
    expect(realisticJobs({ perType: 20 })).toEqual(realisticJobs({ perType: 20 }));
    for (const j of realisticJobs({ perType: 200 })) {
      const [lo, hi] = j.jobType === "masterStandbySwapJob" ? [3_000, 180_000] : [20_000, 420_000];
      expect(j.durationMs).toBeGreaterThanOrEqual(lo);
      expect(j.durationMs).toBeLessThanOrEqual(hi);
    }
  });
});

describe("the documented comparison (docs/waiter.md)", () => {
  const rows = standardComparison({ perType: 300 });
  const row = (slice: string, prefix: string) => rows.find((r) => r.slice === slice && r.schedule.startsWith(prefix))!;
  it("the default notices jobs sooner than the anchor with no more reads, for each job type", () => {
    for (const slice of ["all", "masterStandbySwapJob", "modifyClientIpTransJob"]) {
      const anchor = row(slice, "terraform (2s+10s)");
      const def = row(slice, "adaptive (default)");
      expect(def.meanDelayMs).toBeLessThan(anchor.meanDelayMs * 0.9);
      expect(def.p95DelayMs).toBeLessThan(anchor.p95DelayMs);
      expect(def.meanCalls).toBeLessThanOrEqual(anchor.meanCalls);
    }
  });
  it("halving the anchor's delay takes the responsive priors and costs more reads", () => {
    const anchor = row("all", "terraform (2s+10s)");
    const fast = row("all", "adaptive (responsive)");
    expect(fast.meanDelayMs).toBeLessThanOrEqual(anchor.meanDelayMs / 2 + 100);
    expect(fast.meanCalls).toBeGreaterThan(anchor.meanCalls);
  });
  it("renders a Markdown table", () => {
    const md = formatComparison(rows.slice(0, 2));
    expect(md.split("\n")).toHaveLength(4);
    expect(md).toContain("| all | terraform (2s+10s) |");
  });
});
