/**
 * The progress rule on fake progress answers: judging answers (hostile ones included), the plan of the
 * next read, and the waiter loop with fake readers (malformed answers ignored with one reported line,
 * the job's own status the only thing that ends a wait, progress reads through the same reader).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DcsApiError, JobFailedError } from "../provider/errors";
import { toTaskProgress, TaskProgressSchema } from "../provider/schemas";
import type { CallOptions, Job, TaskProgress, WaitProgress } from "../provider/types";
import { assessProgress, judgeEstimate, orderSteps, progressSchedule, stepSummaries, finalSnapshot, type ProgressState } from "../provider/waiter/progress";
import { adaptiveSchedule, fixedSchedule, type ScheduleState } from "../provider/waiter/schedule";
import { waitForJob, type WaitClock } from "../provider/waiter/wait";

const TASK = "8abf6e1e0123456789abcdef01234567";
const JOB = "ff8080810123456789abcdef01234567";
const INSTANCE = "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01";

/** A progress answer from a raw body, as the client parses it. */
function answer(body: Record<string, unknown>): TaskProgress {
  return toTaskProgress(TASK, TaskProgressSchema.parse(body));
}

const step = (id: string, name: string, status: string, begin?: string, end?: string, extra: Record<string, unknown> = {}) => ({
  step_id: id,
  step_name: name,
  step_status: status,
  begin_time: begin ?? null,
  end_time: end ?? null,
  ...extra,
});

const FOUR = [
  step("1", "check instance", "FINISH", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:02.000Z"),
  step("2", "switch roles", "EXECUTING", "2026-01-01T00:00:02.000Z"),
  step("3", "refresh routes", "WAITING"),
  step("4", "verify", "WAITING"),
];

describe("judging a progress answer", () => {
  it("takes a well-formed answer: percent, time left, the current step, in order", () => {
    const a = assessProgress(answer({ progress: 60, remain_time: 40, step_details: FOUR }));
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.snapshot).toMatchObject({ percent: 60, remainMs: 40_000, done: false, current: { index: 1, total: 4, name: "switch roles", status: "EXECUTING" } });
  });

  it.each([
    [{ remain_time: -5 }, /remain_time -5/],
    [{ remain_time: 10 ** 9 }, /remain_time 1000000000/],
    [{ remain_time: "soon" }, /remain_time "soon"/],
    [{ remain_time: { s: 1 } }, /remain_time an? object/],
    [{ remain_time: Number.NaN }, /remain_time/],
    [{ progress: 150 }, /progress 150/],
    [{ progress: -1 }, /progress -1/],
    [{ progress: "half" }, /progress "half"/],
  ])("refuses a hostile answer %j with its reason", (body, reason) => {
    const a = assessProgress(answer({ ...body, step_details: FOUR }));
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.reason).toMatch(reason);
  });

  it("accepts numbers sent as strings, and an absent remain_time (no estimate, not malformed)", () => {
    const a = assessProgress(answer({ progress: "60", remain_time: "40", step_details: FOUR }));
    expect(a.ok && a.snapshot.remainMs).toBe(40_000);
    const b = assessProgress(answer({ progress: 10, step_details: FOUR }));
    expect(b.ok && b.snapshot.remainMs).toBeUndefined();
    expect(b.ok).toBe(true);
  });

  it("puts steps sent out of order in execution order (by step_id, else by begin_time)", () => {
    const shuffled = [FOUR[3], FOUR[1], FOUR[0], FOUR[2]];
    const a = assessProgress(answer({ progress: 60, step_details: shuffled }));
    expect(a.ok && a.snapshot.steps.map((s) => s.name)).toEqual(["check instance", "switch roles", "refresh routes", "verify"]);
    expect(a.ok && a.snapshot.current?.index).toBe(1);
    const noIds = shuffled.map(({ step_id: _id, ...rest }) => rest);
    const ordered = orderSteps(answer({ step_details: noIds }).steps).map((s) => s.name);
    expect(ordered.slice(0, 2)).toEqual(["check instance", "switch roles"]); // begun ones first, by begin_time
  });

  it("sees the end (every step FINISH, or 100 % with nothing left) and a FAILED step with its error_code", () => {
    const done = assessProgress(answer({ progress: 100, remain_time: 0, step_details: FOUR.map((s) => ({ ...s, step_status: "FINISH" })) }));
    expect(done.ok && done.snapshot.done).toBe(true);
    const notDone = assessProgress(answer({ progress: 100, step_details: FOUR }));
    expect(notDone.ok && notDone.snapshot.done).toBe(false); // 100 % while steps still run is not the end
    const failed = assessProgress(answer({ progress: 10, step_details: [FOUR[0], { ...FOUR[1], step_status: "FAILED", error_code: "DCS.4857" }, FOUR[2]] }));
    expect(failed.ok && failed.snapshot.failedStep).toEqual({ name: "switch roles", errorCode: "DCS.4857" });
  });

  it("a hostile body of any shape is either refused with a reason or gives sane numbers (property)", () => {
    const anyValue = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean(), fc.constant(undefined));
    fc.assert(
      fc.property(anyValue, anyValue, (progress, remain) => {
        const a = assessProgress(answer({ progress, remain_time: remain, step_details: FOUR }));
        if (!a.ok) return a.reason.length > 0;
        const { percent, remainMs } = a.snapshot;
        return (percent === undefined || (percent >= 0 && percent <= 100)) && (remainMs === undefined || (remainMs >= 0 && Number.isFinite(remainMs)));
      }),
    );
  });

  it("completes the steps from the job's end, and keeps a compact list for outputs", () => {
    const a = assessProgress(answer({ progress: 60, remain_time: 4, step_details: FOUR }));
    if (!a.ok) throw new Error("expected ok");
    const end = new Date("2026-01-01T00:00:20.000Z");
    const final = finalSnapshot(a.snapshot, { status: "SUCCESS", endTime: end });
    expect(final).toMatchObject({ final: true, done: true, percent: 100 });
    expect(stepSummaries(final)).toEqual([
      { name: "check instance", status: "FINISH", durationMs: 2_000 },
      { name: "switch roles", status: "FINISH", durationMs: 18_000 },
      { name: "refresh routes", status: "FINISH" },
      { name: "verify", status: "FINISH" },
    ]);
  });
});

// ---- the plan --------------------------------------------------------------------------------------

const OPTS = { minIntervalMs: 1_000, maxIntervalMs: 300_000, priorError: 0.3, granularityMs: 1_000, jumpWindowMs: 3_000, maxMisses: 3, safety: 0.9 };

function seenAt(atMs: number, body: Record<string, unknown>) {
  const a = assessProgress(answer({ step_details: FOUR, ...body }));
  if (!a.ok) throw new Error(a.reason);
  return { atMs, snapshot: a.snapshot };
}

function state(over: Omit<Partial<ScheduleState>, "progress"> & { progress?: Partial<ProgressState> } = {}): ScheduleState {
  const { progress, ...rest } = over;
  return {
    polls: 0,
    elapsedMs: 0,
    jobType: "masterStandbySwapJob",
    random: () => 0.5,
    ...rest,
    progress: { active: true, reads: 0, seen: [], misses: 0, ...progress },
  };
}

describe("judging the estimate over time", () => {
  it("has none without remain_time, flags 0 while steps remain, flags a stuck value, measures the error", () => {
    expect(judgeEstimate([seenAt(0, {})], OPTS)).toMatchObject({ trusted: false, why: "no remain_time" });
    expect(judgeEstimate([seenAt(0, { remain_time: 0 })], OPTS)).toMatchObject({ trusted: false, why: "remain_time 0 while steps remain" });
    expect(judgeEstimate([seenAt(0, { remain_time: 60 }), seenAt(10_000, { remain_time: 60 })], OPTS)).toMatchObject({ trusted: false, why: "remain_time does not decrease" });
    const exact = judgeEstimate([seenAt(0, { remain_time: 60 }), seenAt(10_000, { remain_time: 50 })], OPTS);
    expect(exact).toMatchObject({ trusted: true, confirmed: true, endAtMs: 60_000 });
    expect(exact.error).toBeLessThan(0.05);
    const noisy = judgeEstimate([seenAt(0, { remain_time: 60 }), seenAt(10_000, { remain_time: 40 })], OPTS);
    expect(noisy.error).toBeGreaterThan(0.1); // the readings disagree about the end by 10 s
    expect(judgeEstimate([seenAt(0, { remain_time: 60 })], OPTS)).toMatchObject({ trusted: true, confirmed: false, error: 0.3 });
  });

  it("believes 0 when the previous reading foretold the end at about now", () => {
    expect(judgeEstimate([seenAt(0, { remain_time: 10 }), seenAt(10_000, { remain_time: 0 })], OPTS)).toMatchObject({ trusted: true, endAtMs: 10_000 });
  });
});

describe("the plan of the next read", () => {
  const base = adaptiveSchedule({ jitter: 0 });
  const s = progressSchedule(base);

  it("without progress it is the base schedule, exactly", () => {
    const plain = state({ progress: { active: false } });
    expect(s.plan!(plain)).toMatchObject({ read: "job", delayMs: base.nextDelay(plain) });
    expect(s.nextDelay(plain)).toBe(base.nextDelay(plain));
  });

  it("reads the progress first, when the base would read the job; a read-at-once wait reads the job first", () => {
    expect(s.plan!(state())).toMatchObject({ read: "progress", delayMs: 6_000 });
    const atOnce = progressSchedule(fixedSchedule(5_000, 0));
    expect(atOnce.plan!(state())).toMatchObject({ read: "job", delayMs: 0 });
    // ... and if that read found the job running, the progress at once.
    expect(atOnce.plan!(state({ polls: 1, lastStatus: "RUNNING", progress: { lastRead: "job" } }))).toMatchObject({ read: "progress", delayMs: 0 });
  });

  it("reads the job at once when the task reports it ended or failed", () => {
    const done = seenAt(6_000, { progress: 100, remain_time: 0, step_details: FOUR.map((x) => ({ ...x, step_status: "FINISH" })) });
    expect(s.plan!(state({ elapsedMs: 6_000, progress: { reads: 1, seen: [done], lastRead: "progress" } }))).toMatchObject({ read: "job", delayMs: 0 });
    const failed = seenAt(6_000, { step_details: [FOUR[0], { ...FOUR[1], step_status: "FAILED" }] });
    expect(s.plan!(state({ elapsedMs: 6_000, progress: { reads: 1, seen: [failed], lastRead: "progress" } }))).toMatchObject({ read: "job", delayMs: 0 });
  });

  it("confirms a first estimate no later than the base would read, then reads the job at the estimated end", () => {
    const first = seenAt(6_000, { remain_time: 120 });
    const p1 = s.plan!(state({ elapsedMs: 6_000, progress: { reads: 1, seen: [first], lastRead: "progress" } }));
    expect(p1.read).toBe("progress");
    expect(p1.delayMs).toBeLessThanOrEqual(10_000);
    // Readings that agree (an exact estimate): at most two more, each most of the way to the end, then the job at the end.
    const seen = [first, seenAt(6_000 + p1.delayMs, { remain_time: 120 - p1.delayMs / 1000 })];
    for (let k = 0; ; k++) {
      const at = seen.at(-1)!.atMs;
      const p = s.plan!(state({ elapsedMs: at, progress: { reads: seen.length, seen, lastRead: "progress" } }));
      if (p.read === "job") {
        expect(p.atEstimatedEnd).toBe(true);
        expect(Math.abs(at + p.delayMs - 126_000)).toBeLessThan(2);
        break;
      }
      expect(k).toBeLessThan(2);
      expect(p.delayMs).toBeGreaterThan(0.85 * (126_000 - at));
      seen.push(seenAt(at + p.delayMs, { remain_time: (126_000 - at - p.delayMs) / 1000 }));
    }
  });

  it("zooms in on a noisy estimate with reads that stay before the earliest plausible end", () => {
    const a = seenAt(6_000, { remain_time: 100 });
    const b = seenAt(16_000, { remain_time: 70 }); // 20 s of disagreement about the end
    const p = s.plan!(state({ elapsedMs: 16_000, progress: { reads: 2, seen: [a, b], lastRead: "progress" } }));
    expect(p.read).toBe("progress");
    expect(16_000 + p.delayMs).toBeLessThan(16_000 + 70_000 / 1.2);
  });

  it("stretches after a miss (1 s, 2 s, 4 s), then falls back to the base schedule", () => {
    const a = seenAt(6_000, { remain_time: 20 });
    const b = seenAt(16_000, { remain_time: 10 });
    const missed = (misses: number) => s.plan!(state({ polls: misses, lastStatus: "RUNNING", elapsedMs: 26_000, progress: { reads: 2, seen: [a, b], lastRead: "job", misses } }));
    expect(missed(1)).toMatchObject({ read: "job", delayMs: 1_000, atEstimatedEnd: true });
    expect(missed(2)).toMatchObject({ read: "job", delayMs: 2_000 });
    const gaveUp = missed(3);
    expect(gaveUp.read).toBe("progress"); // the base schedule's times, job and progress in turn
    expect(gaveUp.delayMs).toBeGreaterThanOrEqual(7_200);
  });

  it("with no usable estimate follows the base schedule's times, reading job and progress in turn", () => {
    for (const body of [{}, { remain_time: 0 }]) {
      const seen = [seenAt(6_000, body)];
      const afterProgress = s.plan!(state({ elapsedMs: 6_000, progress: { reads: 1, seen, lastRead: "progress" } }));
      expect(afterProgress.read).toBe("job");
      expect(afterProgress.delayMs).toBeGreaterThanOrEqual(7_200);
      const afterJob = s.plan!(state({ polls: 1, lastStatus: "RUNNING", elapsedMs: 14_000, progress: { reads: 1, seen, lastRead: "job" } }));
      expect(afterJob.read).toBe("progress");
    }
  });

  it("never plans progress instead of a job that has not answered yet", () => {
    const p = s.plan!(state({ polls: 1, elapsedMs: 6_000, progress: { reads: 1, seen: [seenAt(0, { remain_time: 300 })], lastRead: "job" } }));
    expect(p.read).toBe("job");
  });

  it("plans finite delays within the bounds for any sequence of answers (property)", () => {
    const reading = fc.record({ dt: fc.integer({ min: 0, max: 120_000 }), remain: fc.option(fc.integer({ min: 0, max: 86_400 })), done: fc.boolean() });
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), (rs, misses, lastJob) => {
        let t = 0;
        const seen = rs.map((r) => {
          t += r.dt;
          return seenAt(t, { ...(r.remain !== null ? { remain_time: r.remain } : {}), ...(r.done ? { progress: 100, step_details: FOUR.map((x) => ({ ...x, step_status: "FINISH" })) } : {}) });
        });
        const p = s.plan!(state({ polls: lastJob ? 1 : 0, lastStatus: lastJob ? "RUNNING" : undefined, elapsedMs: t, progress: { reads: seen.length, seen, lastRead: lastJob ? "job" : "progress", misses } }));
        return Number.isFinite(p.delayMs) && p.delayMs >= 0 && p.delayMs <= 300_000 && (p.read === "job" || p.read === "progress");
      }),
    );
  });
});

// ---- the loop ---------------------------------------------------------------------------------------

function fakeJob(status: string, beginMs = 0, endMs?: number): Job {
  return {
    jobId: JOB,
    jobType: "masterStandbySwapJob",
    status,
    beginTime: new Date(beginMs),
    ...(endMs !== undefined ? { endTime: new Date(endMs) } : {}),
    beginTimeRaw: String(beginMs),
    endTimeRaw: endMs !== undefined ? String(endMs) : "",
    failReason: status === "FAIL" ? "replication broken" : null,
    raw: { job_id: JOB, job_type: "masterStandbySwapJob", status, begin_time: String(beginMs), end_time: endMs !== undefined ? String(endMs) : "", fail_reason: null },
  };
}

/** A virtual clock, a job that ends at `endMs` (or fails), and a progress reader answering with `progressAt`. */
function world(o: { endMs: number; fail?: boolean; progressAt: (now: number, n: number) => TaskProgress | Error; taskId?: string | undefined }) {
  let now = 1_000_000;
  const start = now;
  const calls: Array<{ kind: "job" | "progress" | "find"; at: number; options?: CallOptions }> = [];
  const clock: WaitClock = { now: () => now, sleep: async (ms) => void (now += ms) };
  const reader = {
    showJob: async (_id: string, options?: CallOptions) => {
      calls.push({ kind: "job", at: now - start, ...(options ? { options } : {}) });
      const t = now - start;
      if (t < o.endMs) return fakeJob("RUNNING", start);
      return fakeJob(o.fail ? "FAIL" : "SUCCESS", start, start + o.endMs);
    },
  };
  let n = 0;
  const progressReader = {
    showTaskProgress: async (_i: string, _t: string, options?: CallOptions) => {
      calls.push({ kind: "progress", at: now - start, ...(options ? { options } : {}) });
      const r = o.progressAt(now - start, n++);
      if (r instanceof Error) throw r;
      return r;
    },
  };
  const events: WaitProgress[] = [];
  const source = {
    reader: progressReader,
    instanceId: INSTANCE,
    ...("taskId" in o ? (o.taskId ? { taskId: o.taskId } : {}) : { taskId: TASK }),
    findTaskId: async () => {
      calls.push({ kind: "find", at: now - start });
      return TASK;
    },
  };
  return { clock, reader, source, calls, events, elapsed: () => now - start, options: { clock, jobType: "masterStandbySwapJob", random: () => 0.5, progress: source, onProgress: (p: WaitProgress) => events.push(p) } };
}

const exactAt = (endMs: number) => (t: number) => answer({ progress: Math.min(99, Math.floor((100 * t) / endMs)), remain_time: Math.max(0, Math.ceil((endMs - t) / 1000)), step_details: t >= endMs ? FOUR.map((x) => ({ ...x, step_status: "FINISH" })) : FOUR });

describe("waitForJob with the task's progress", () => {
  it("times the job read by an exact estimate: a few reads, the end seen within a second", async () => {
    const w = world({ endMs: 90_000, progressAt: exactAt(90_000) });
    const job = await waitForJob(w.reader, JOB, w.options);
    expect(job.status).toBe("SUCCESS");
    expect(w.elapsed() - 90_000).toBeLessThan(1_000);
    expect(w.calls.filter((c) => c.kind === "job")).toHaveLength(1);
    expect(w.calls.filter((c) => c.kind === "progress").length).toBeLessThanOrEqual(3);
    // Progress reads carry the wait's deadline, like job reads (one budget, one deadline).
    expect(w.calls.every((c) => c.kind === "find" || c.options?.deadline !== undefined)).toBe(true);
    const final = w.events.filter((e) => e.kind === "progress").at(-1)!;
    expect(final.progress).toMatchObject({ final: true, done: true });
    expect(final.progressReads).toBeGreaterThan(0);
  });

  it("ignores malformed answers with one reported line; the job's own status ends the wait", async () => {
    const hostile = [{ remain_time: -1 }, { progress: 400 }, { remain_time: "x" }];
    const w = world({ endMs: 40_000, progressAt: (_t, n) => answer({ ...hostile[n % hostile.length], step_details: FOUR }) });
    const job = await waitForJob(w.reader, JOB, w.options);
    expect(job.status).toBe("SUCCESS");
    const ignored = w.events.filter((e) => e.kind === "progress-ignored");
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.reason).toMatch(/remain_time -1/);
    // After repeated malformed answers the wait stops reading progress, and reads the job as the base schedule does.
    expect(w.calls.filter((c) => c.kind === "progress").length).toBeLessThanOrEqual(3);
    expect(w.elapsed() - 40_000).toBeLessThan(11_000);
  });

  it("rides out progress read failures; a 404 for the task stops progress reads", async () => {
    const notFound = new DcsApiError({ status: 404, errorCode: "DCS.4404", errorMsg: "no such task", method: "GET", path: "/progress", retryable: false });
    const w = world({ endMs: 30_000, progressAt: () => notFound });
    const job = await waitForJob(w.reader, JOB, w.options);
    expect(job.status).toBe("SUCCESS");
    expect(w.calls.filter((c) => c.kind === "progress")).toHaveLength(1);
    expect(w.events.filter((e) => e.kind === "progress-ignored")).toHaveLength(1);
    const flaky = world({ endMs: 30_000, progressAt: (_t, n) => (n % 2 ? exactAt(30_000)(_t) : new Error("socket hang up")) });
    expect((await waitForJob(flaky.reader, JOB, flaky.options)).status).toBe("SUCCESS");
  });

  it("a task that says it ended does not end the wait: the job is read, and read again while it still runs", async () => {
    // The progress claims the end at once; the job really ends at 20 s.
    const w = world({ endMs: 20_000, progressAt: () => answer({ progress: 100, remain_time: 0, step_details: FOUR.map((x) => ({ ...x, step_status: "FINISH" })) }) });
    const job = await waitForJob(w.reader, JOB, w.options);
    expect(job.status).toBe("SUCCESS");
    expect(w.elapsed()).toBeGreaterThanOrEqual(20_000);
    expect(w.calls.filter((c) => c.kind === "job").length).toBeGreaterThanOrEqual(2);
  });

  it("an estimate that proves wrong low (0 while steps remain) falls back to the base schedule, no spin", async () => {
    const w = world({ endMs: 60_000, progressAt: () => answer({ progress: 10, remain_time: 0, step_details: FOUR }) });
    await waitForJob(w.reader, JOB, w.options);
    const reads = w.calls.filter((c) => c.kind !== "find");
    for (let i = 1; i < reads.length; i++) {
      const gap = reads[i]!.at - reads[i - 1]!.at;
      // A job read right after a progress read that said "ended" is the only 0-gap allowed.
      expect(gap === 0 ? reads[i]!.kind : "ok").not.toBe("progress");
    }
    expect(reads.length).toBeLessThan(20);
  });

  it("after a FAIL reads the progress once more and names the failed step and its error_code", async () => {
    const w = world({
      endMs: 30_000,
      fail: true,
      progressAt: (t) =>
        t >= 30_000
          ? answer({ progress: 10, step_details: [FOUR[0], { ...FOUR[1], step_status: "FAILED", error_code: "DCS.4857", end_time: "2026-01-01T00:00:09.000Z" }, FOUR[2], FOUR[3]] })
          : answer({ progress: 10, remain_time: 100, step_details: FOUR }),
    });
    const err = (await waitForJob(w.reader, JOB, { ...w.options, instanceId: INSTANCE }).catch((e: unknown) => e)) as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.failedStep).toEqual({ name: "switch roles", errorCode: "DCS.4857" });
    expect(err.message).toContain("replication broken");
    expect(err.message).toContain('step "switch roles" FAILED with error_code DCS.4857');
  });

  it("looks the task up once, lazily, when no task ID is given", async () => {
    const w = world({ endMs: 50_000, progressAt: exactAt(50_000), taskId: undefined });
    await waitForJob(w.reader, JOB, w.options);
    expect(w.calls.filter((c) => c.kind === "find")).toHaveLength(1);
  });

  it("a read-at-once wait (no not-found grace) reads the job before any progress", async () => {
    const w = world({ endMs: 0, progressAt: exactAt(1) });
    const job = await waitForJob(w.reader, JOB, { ...w.options, firstDelayMs: 0, notFoundGraceMs: 0 });
    expect(job.status).toBe("SUCCESS");
    expect(w.calls.map((c) => c.kind)).toEqual(["job"]);
  });
});
