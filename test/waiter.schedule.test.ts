import { describe, expect, it } from "vitest";
import {
  adaptiveSchedule,
  anchorSchedule,
  awsStyleSchedule,
  boundedSchedule,
  DEFAULT_PRIORS,
  fixedSchedule,
  jittered,
  jobAgeMs,
  sanitizeDelay,
  type ScheduleState,
} from "../provider/waiter/schedule";

const st = (s: Partial<ScheduleState>): ScheduleState => ({ polls: 1, elapsedMs: 0, random: () => 0.5, ...s });
const LOW = () => 0;
const HIGH = () => 0.999999;

describe("anchorSchedule (Terraform StateChangeConf, Delay 2 s, PollInterval 10 s)", () => {
  it("waits 2 s, then 10 s between reads, whatever the job does", () => {
    const a = anchorSchedule();
    expect(a.nextDelay(st({ polls: 0 }))).toBe(2_000);
    for (const polls of [1, 2, 50]) expect(a.nextDelay(st({ polls, jobAgeMs: polls * 10_000, lastStatus: "RUNNING" }))).toBe(10_000);
    expect(a.confirmations).toBe(1);
    expect(anchorSchedule({ continuousTargetOccurence: 2 }).confirmations).toBe(2);
  });
});

describe("awsStyleSchedule", () => {
  const aws = awsStyleSchedule({ minDelayMs: 2_000, maxDelayMs: 120_000 });
  it("reads at once, then draws from [min, min * 2^(n-1)]", () => {
    expect(aws.nextDelay(st({ polls: 0 }))).toBe(0);
    expect(aws.nextDelay(st({ polls: 1, random: HIGH }))).toBeCloseTo(2_000, 0);
    expect(aws.nextDelay(st({ polls: 3, random: LOW }))).toBe(2_000);
    expect(aws.nextDelay(st({ polls: 3, random: HIGH }))).toBeCloseTo(8_000, 0);
  });
  it("is exactly maxDelay past the attempt ceiling", () => {
    // log2(120 / 2) + 1 = 6.9: attempt 7 on.
    expect(aws.nextDelay(st({ polls: 6, random: HIGH }))).toBeCloseTo(64_000, 0);
    expect(aws.nextDelay(st({ polls: 7, random: LOW }))).toBe(120_000);
    expect(aws.nextDelay(st({ polls: 40, random: LOW }))).toBe(120_000);
  });
});

describe("jitter", () => {
  it("stays within [ms(1-j), ms(1+j)] for extreme random values, and is off at 0", () => {
    expect(jittered(10_000, 0.1, LOW)).toBe(9_000);
    expect(jittered(10_000, 0.1, HIGH)).toBeLessThanOrEqual(11_000);
    expect(jittered(10_000, 0.1, HIGH)).toBeGreaterThan(10_999);
    expect(jittered(10_000, 0, HIGH)).toBe(10_000);
    // Out-of-range jitter is clamped to [0, 1]: never a negative delay.
    expect(jittered(10_000, 5, LOW)).toBe(0);
  });
  it("the adaptive schedule's delays stay within the jittered bounds for any random value", () => {
    const a = adaptiveSchedule({ jitter: 0.1 });
    const p = DEFAULT_PRIORS.masterStandbySwapJob!;
    for (const random of [LOW, () => 0.25, () => 0.5, HIGH]) {
      for (const age of [0, 5_000, 30_000, 100_000, 10_000_000]) {
        const d = a.nextDelay(st({ polls: 3, jobAgeMs: age, jobType: "masterStandbySwapJob", random }));
        expect(d).toBeGreaterThanOrEqual(p.minIntervalMs * 0.9);
        expect(d).toBeLessThanOrEqual(p.maxIntervalMs * 1.1);
      }
    }
  });
});

describe("adaptiveSchedule", () => {
  const a = adaptiveSchedule({ jitter: 0, priors: { t: { typicalMinMs: 10_000, ratio: 0.1, minIntervalMs: 2_000, maxIntervalMs: 30_000 } } });
  const at = (age: number, polls = 2) => a.nextDelay(st({ polls, jobAgeMs: age, jobType: "t" }));

  it("first read at the type's typical minimum duration; at once for a wait that resumes on an older job", () => {
    expect(a.nextDelay(st({ polls: 0, elapsedMs: 0, jobType: "t" }))).toBe(10_000);
    expect(a.nextDelay(st({ polls: 0, elapsedMs: 4_000, jobType: "t" }))).toBe(6_000);
    expect(a.nextDelay(st({ polls: 0, elapsedMs: 600_000, jobType: "t" }))).toBe(0);
  });
  it("sleeps up to the typical minimum when a read came early", () => {
    expect(at(3_000, 1)).toBe(7_000);
  });
  it("is ratio * age between the clamps", () => {
    expect(at(10_000)).toBe(2_000); // 1 s, clamped up to the minimum
    expect(at(100_000)).toBe(10_000);
    expect(at(250_000)).toBe(25_000);
    expect(at(3_600_000)).toBe(30_000); // clamped down to the maximum
  });
  it("never yields a negative, NaN or huge delay for a negative or absurd age (clock skew)", () => {
    for (const age of [-3_600_000, Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      const d = at(age);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });
  it("uses the fallback prior for unknown job types, and built-in priors for the known ones", () => {
    const def = adaptiveSchedule({ jitter: 0 });
    expect(def.nextDelay(st({ polls: 0, jobType: "modifyClientIpTransJob" }))).toBe(DEFAULT_PRIORS.modifyClientIpTransJob!.typicalMinMs);
    expect(def.nextDelay(st({ polls: 0, jobType: "someFutureJob" }))).toBe(3_000);
    // A prototype key is a job type like any other, not a lookup into Object.prototype.
    expect(def.nextDelay(st({ polls: 0, jobType: "constructor" }))).toBe(3_000);
    // Long unknown jobs stretch to the fallback's 30 s cap, so a 20-minute resize is tens of reads.
    expect(def.nextDelay(st({ polls: 5, jobAgeMs: 600_000, jobType: "someFutureJob" }))).toBe(30_000);
  });
  it("firstDelayMs overrides the prior", () => {
    expect(adaptiveSchedule({ firstDelayMs: 500 }).nextDelay(st({ polls: 0, jobType: "modifyClientIpTransJob" }))).toBe(500);
  });
});

describe("helpers", () => {
  it("jobAgeMs clamps a begin_time in the future to 0 and caps absurd ages", () => {
    const now = 1_700_000_000_000;
    expect(jobAgeMs(new Date(now + 60_000), now)).toBe(0);
    expect(jobAgeMs(new Date(now - 5_000), now)).toBe(5_000);
    expect(jobAgeMs(new Date(0), now)).toBe(24 * 3_600_000);
    expect(jobAgeMs(undefined, now)).toBeUndefined();
    expect(jobAgeMs(new Date(Number.NaN), now)).toBeUndefined();
  });
  it("sanitizeDelay turns NaN into the fallback and negatives into 0", () => {
    expect(sanitizeDelay(Number.NaN)).toBe(1_000);
    expect(sanitizeDelay(-5)).toBe(0);
    expect(sanitizeDelay(250)).toBe(250);
  });
  it("boundedSchedule clamps later delays and overrides the first", () => {
    const b = boundedSchedule(fixedSchedule(60_000, 0), { firstDelayMs: 1_000, minIntervalMs: 2_000, maxIntervalMs: 5_000 });
    expect(b.nextDelay(st({ polls: 0 }))).toBe(1_000);
    expect(b.nextDelay(st({ polls: 1 }))).toBe(5_000);
    const b2 = boundedSchedule(fixedSchedule(100), { minIntervalMs: 2_000 });
    expect(b2.nextDelay(st({ polls: 1 }))).toBe(2_000);
  });
});
