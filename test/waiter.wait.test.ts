import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DcsApiError, DcsNetworkError, DcsResponseError, JobFailedError, JobTimeoutError } from "../provider/errors";
import type { CallOptions, Job, JobReader, WaitProgress } from "../provider/types";
import { anchorSchedule, fixedSchedule } from "../provider/waiter/schedule";
import { waitForJob, type WaitClock } from "../provider/waiter/wait";
import { RateLimiter, RateLimitDeadlineError } from "../provider/rate-limit";

const T0 = Date.UTC(2024, 4, 16, 0, 0, 0);

function job(status: string, extra: Partial<Job> = {}): Job {
  const beginTimeRaw = String(T0);
  return {
    jobId: "job-1",
    jobType: "masterStandbySwapJob",
    status,
    beginTime: new Date(T0),
    beginTimeRaw,
    endTimeRaw: null,
    failReason: null,
    raw: { job_id: "job-1", job_type: "masterStandbySwapJob", status, begin_time: beginTimeRaw, end_time: null, fail_reason: null },
    ...extra,
  };
}

function apiError(status: number, init: { errorCode?: string; retryable?: boolean; retryAfter?: string } = {}): DcsApiError {
  return new DcsApiError({ status, method: "GET", path: "/v2/p/jobs/job-1", retryable: init.retryable ?? false, errorCode: init.errorCode, errorMsg: "x", retryAfter: init.retryAfter });
}

type Step = Job | Error | ((opts?: CallOptions) => Promise<Job>);

/** An in-memory JobReader answering a script, one step per read (the last step repeats); records read times. */
function scripted(steps: Step[]): JobReader & { times: number[]; options: (CallOptions | undefined)[] } {
  const times: number[] = [];
  const options: (CallOptions | undefined)[] = [];
  return {
    times,
    options,
    async showJob(_id: string, opts?: CallOptions): Promise<Job> {
      const step = steps[Math.min(times.length, steps.length - 1)]!;
      times.push(Date.now() - T0);
      options.push(opts);
      if (typeof step === "function") return step(opts);
      if (step instanceof Error) throw step;
      return step;
    },
  };
}

/** Records how a promise settled and when (virtual time since T0). */
function settle<T>(p: Promise<T>): { done: boolean; value?: T; error?: unknown; at?: number } {
  const s: { done: boolean; value?: T; error?: unknown; at?: number } = { done: false };
  p.then(
    (value) => Object.assign(s, { done: true, value, at: Date.now() - T0 }),
    (error) => Object.assign(s, { done: true, error, at: Date.now() - T0 }),
  );
  return s;
}

const anchor = anchorSchedule();

describe("waitForJob with fake timers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves with the SUCCESS job after INIT -> RUNNING, reading at Terraform's exact times", async () => {
    const done = job("SUCCESS", { endTime: new Date(T0 + 25_000), endTimeRaw: String(T0 + 25_000), durationMs: 25_000 });
    const reader = scripted([job("INIT"), job("RUNNING"), done]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBeUndefined();
    expect(s.value).toBe(done);
    expect(s.value?.durationMs).toBe(25_000);
    expect(s.value?.endTimeRaw).toBe(String(T0 + 25_000));
    expect(reader.times).toEqual([2_000, 12_000, 22_000]);
    expect(s.at).toBe(22_000);
  });

  it("rejects a FAIL with JobFailedError carrying fail_reason and naming the instance", async () => {
    const failed = job("FAIL", { failReason: "standby node is not ready" });
    const reader = scripted([job("RUNNING"), failed]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, instanceId: "inst-9" }));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(s.error).toBeInstanceOf(JobFailedError);
    const e = s.error as JobFailedError;
    expect(e.failReason).toBe("standby node is not ready");
    expect(e.job).toBe(failed);
    expect(e.message).toContain("inst-9");
    expect(e.message).toContain("standby node is not ready");
  });

  it("times out with the last status, never sleeping past the deadline; one last read lands exactly on it", async () => {
    const reader = scripted([job("INIT"), job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 25_000 }));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    const e = s.error as JobTimeoutError;
    expect(e.lastStatus).toBe("RUNNING");
    expect(e.lastJob?.status).toBe("RUNNING");
    expect(e.timeoutMs).toBe(25_000);
    // 2, 12, 22 s as scheduled; the 32 s read would pass the deadline, so the last sleep ends at 25 s.
    expect(reader.times).toEqual([2_000, 12_000, 22_000, 25_000]);
    expect(s.at).toBe(25_000);
    // Every read carries the deadline; the last one gets the short final-read grace on top.
    expect(reader.options.slice(0, 3).map((o) => o?.deadline)).toEqual([T0 + 25_000, T0 + 25_000, T0 + 25_000]);
    expect(reader.options[3]?.deadline).toBe(T0 + 30_000);
  });

  it("the last read at the deadline can still succeed", async () => {
    const reader = scripted([job("RUNNING"), job("RUNNING"), job("RUNNING"), job("SUCCESS")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 25_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.value?.status).toBe("SUCCESS");
    expect(s.at).toBe(25_000);
  });

  it("without the final read, rejects as soon as no further read fits before the deadline", async () => {
    const reader = scripted([job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 25_000, finalReadGraceMs: 0 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    expect(reader.times).toEqual([2_000, 12_000, 22_000]);
    expect(s.at).toBe(22_000);
  });

  it("an absolute deadline earlier than timeoutMs wins", async () => {
    const reader = scripted([job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 600_000, deadline: T0 + 15_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    expect(reader.times).toEqual([2_000, 12_000, 15_000]);
    expect(s.at).toBe(15_000);
  });

  it("a resumed wait keeps the original deadline (startedAt)", async () => {
    const reader = scripted([job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 30 * 60_000, startedAt: T0 - 29 * 60_000 }));
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    expect(s.at).toBe(60_000);
    expect((s.error as JobTimeoutError).timeoutMs).toBe(30 * 60_000);
  });

  it("defaults to a 30-minute timeout", async () => {
    const reader = scripted([job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor }));
    await vi.advanceTimersByTimeAsync(31 * 60_000);
    expect((s.error as JobTimeoutError).timeoutMs).toBe(30 * 60_000);
    expect(s.at).toBe(30 * 60_000);
  });

  it("abort mid-sleep rejects at once with the abort reason", async () => {
    const reader = scripted([job("RUNNING")]);
    const ac = new AbortController();
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, signal: ac.signal }));
    await vi.advanceTimersByTimeAsync(5_000); // one read at 2 s, now sleeping until 12 s
    const reason = new Error("user pressed Ctrl-C");
    ac.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.error).toBe(reason);
    expect(s.at).toBe(5_000);
    expect(reader.times).toEqual([2_000]);
  });

  it("abort during a read that ignores the signal still rejects at once", async () => {
    const reader = scripted([() => new Promise<Job>(() => undefined)]);
    const ac = new AbortController();
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, signal: ac.signal }));
    await vi.advanceTimersByTimeAsync(3_000);
    ac.abort(new Error("stop"));
    await vi.advanceTimersByTimeAsync(0);
    expect((s.error as Error).message).toBe("stop");
    expect(s.at).toBe(3_000);
  });

  it("tolerates early 404s within the grace, then goes on", async () => {
    const reader = scripted([apiError(404), apiError(404), job("RUNNING"), job("SUCCESS")]);
    const events: WaitProgress[] = [];
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(2_000), onProgress: (p) => events.push(p) }));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(s.value?.status).toBe("SUCCESS");
    expect(reader.times).toEqual([2_000, 4_000, 6_000, 8_000]);
    expect(events.filter((e) => e.kind === "poll-error").map((e) => (e.error as DcsApiError).status)).toEqual([404, 404]);
  });

  it("rejects with the 404 once the grace has passed", async () => {
    const notFound = apiError(404);
    const reader = scripted([notFound]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(2_000), notFoundGraceMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.error).toBe(notFound);
    // 2 s and 4 s are within the grace; the 6 s answer is past it.
    expect(reader.times).toEqual([2_000, 4_000, 6_000]);
  });

  it("rejects with the 404 past the bounded count, and at once for a 404 after the job was seen", async () => {
    const r1 = scripted([apiError(404)]);
    const s1 = settle(waitForJob(r1, "job-1", { schedule: fixedSchedule(1_000), maxNotFound: 3 }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect((s1.error as DcsApiError).status).toBe(404);
    expect(r1.times).toHaveLength(4);

    const r2 = scripted([job("RUNNING"), apiError(404)]);
    const s2 = settle(waitForJob(r2, "job-1", { schedule: fixedSchedule(1_000) }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect((s2.error as DcsApiError).status).toBe(404);
    expect(r2.times).toHaveLength(2);
  });

  it("a gateway 'API not found' 404 (wrong endpoint) is not waited out", async () => {
    const reader = scripted([apiError(404, { errorCode: "APIG.0101" })]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000) }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect((s.error as DcsApiError).errorCode).toBe("APIG.0101");
    expect(reader.times).toHaveLength(1);
  });

  it("rides out transient failures, reports each, and backs off instead of hammering", async () => {
    const net = new DcsNetworkError("socket hang up", "GET", "/v2/p/jobs/job-1", false);
    const bad = new DcsResponseError("malformed JSON", "GET", "/v2/p/jobs/job-1");
    const reader = scripted([job("RUNNING"), apiError(503, { retryable: true }), net, bad, apiError(500, { retryable: true }), job("SUCCESS")]);
    const events: WaitProgress[] = [];
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000), onProgress: (p) => events.push(p) }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.value?.status).toBe("SUCCESS");
    const errors = events.filter((e) => e.kind === "poll-error");
    expect(errors.map((e) => e.error)).toEqual([expect.any(DcsApiError), net, bad, expect.any(DcsApiError)]);
    // The failures stretch the 1 s schedule: 1 s, 2 s, 4 s, 8 s after 1, 2, 3, 4 failures in a row.
    const gaps = reader.times.slice(1).map((t, i) => t - reader.times[i]!);
    expect(gaps).toEqual([1_000, 1_000, 2_000, 4_000, 8_000]);
    // The event before each read says when it comes.
    expect(errors.map((e) => e.nextPollInMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("honours Retry-After on a 429", async () => {
    const reader = scripted([apiError(429, { retryable: true, retryAfter: "30" }), job("SUCCESS")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000) }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.value?.status).toBe("SUCCESS");
    expect(reader.times).toEqual([1_000, 31_000]);
  });

  it("transient failures until the deadline end in JobTimeoutError, not the transient error", async () => {
    const reader = scripted([job("RUNNING"), apiError(502, { retryable: true })]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(2_000), timeoutMs: 20_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    expect((s.error as JobTimeoutError).lastStatus).toBe("RUNNING");
    expect(s.at).toBe(20_000);
  });

  it("rejects a 401 at once, after one read", async () => {
    const unauthorized = apiError(401, { errorCode: "APIG.0301" });
    const reader = scripted([unauthorized]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBe(unauthorized);
    expect(reader.times).toEqual([2_000]);
  });

  it("onProgress sees each status change once, and every read", async () => {
    const reader = scripted([job("INIT"), job("INIT"), job("RUNNING"), job("RUNNING"), job("SUCCESS")]);
    const events: WaitProgress[] = [];
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000), onProgress: (p) => events.push(p) }));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(s.value?.status).toBe("SUCCESS");
    const changes = events.filter((e) => e.kind === "status-change").map((e) => `${e.previousStatus ?? "-"}>${e.job?.status}`);
    expect(changes).toEqual(["->INIT", "INIT>RUNNING", "RUNNING>SUCCESS"]);
    const polls = events.filter((e) => e.kind === "poll");
    expect(polls.map((e) => e.polls)).toEqual([1, 2, 3, 4, 5]);
    expect(polls.map((e) => e.nextPollInMs)).toEqual([1_000, 1_000, 1_000, 1_000, undefined]);
    expect(polls.at(-1)?.elapsedMs).toBe(5_000);
  });

  it("a throwing onProgress does not break the wait", async () => {
    const reader = scripted([job("RUNNING"), job("SUCCESS")]);
    const s = settle(
      waitForJob(reader, "job-1", {
        schedule: fixedSchedule(1_000),
        onProgress: () => {
          throw new Error("renderer crashed");
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.value?.status).toBe("SUCCESS");
  });

  it("reports an unknown status and keeps waiting by default; fails on it when asked", async () => {
    const r1 = scripted([job("PAUSED"), job("SUCCESS")]);
    const events: WaitProgress[] = [];
    const s1 = settle(waitForJob(r1, "job-1", { schedule: fixedSchedule(1_000), onProgress: (p) => events.push(p) }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s1.value?.status).toBe("SUCCESS");
    expect(events.some((e) => e.kind === "status-change" && e.job?.status === "PAUSED")).toBe(true);

    const r2 = scripted([job("PAUSED"), job("SUCCESS")]);
    const s2 = settle(waitForJob(r2, "job-1", { schedule: fixedSchedule(1_000), unknownStatus: "fail" }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s2.error).toBeInstanceOf(DcsResponseError);
    expect((s2.error as Error).message).toContain("PAUSED");
  });

  it("an unknown job type is data, not an error", async () => {
    const reader = scripted([job("RUNNING", { jobType: "someFutureJob" }), job("SUCCESS", { jobType: "someFutureJob" })]);
    const s = settle(waitForJob(reader, "job-1"));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.value?.jobType).toBe("someFutureJob");
  });

  it("with 2 confirmations (Terraform's ContinuousTargetOccurence), SUCCESS must be read twice in a row", async () => {
    const reader = scripted([job("SUCCESS"), job("RUNNING"), job("SUCCESS"), job("SUCCESS")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchorSchedule({ continuousTargetOccurence: 2 }) }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.value?.status).toBe("SUCCESS");
    expect(reader.times).toEqual([2_000, 12_000, 22_000, 32_000]);
  });

  it("the default schedule reads a swap first at the type's typical minimum, and a resumed wait on an old job at once", async () => {
    const r1 = scripted([job("RUNNING", { beginTime: new Date(T0) }), job("SUCCESS")]);
    const s1 = settle(waitForJob(r1, "job-1", { jobType: "masterStandbySwapJob", jitter: 0 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s1.value?.status).toBe("SUCCESS");
    expect(r1.times).toEqual([6_000, 14_000]);

    // The job began 20 minutes ago: no burst of fast reads, the first read at once, then the slow end.
    const old = new Date(T0 + 60_000 - 20 * 60_000);
    vi.setSystemTime(T0 + 60_000);
    const r2 = scripted([job("RUNNING", { beginTime: old }), job("RUNNING", { beginTime: old }), job("SUCCESS", { beginTime: old })]);
    const s2 = settle(waitForJob(r2, "job-1", { jobType: "masterStandbySwapJob", jitter: 0, startedAt: old.getTime() }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s2.value?.status).toBe("SUCCESS");
    expect(r2.times).toEqual([60_000, 70_000, 80_000]);
  });

  it("explicit min/max interval knobs bound any schedule; backoff selects an exponential one", async () => {
    const r1 = scripted([job("RUNNING"), job("RUNNING"), job("SUCCESS")]);
    const s1 = settle(waitForJob(r1, "job-1", { schedule: fixedSchedule(60_000, 0), maxIntervalMs: 5_000, firstDelayMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s1.value?.status).toBe("SUCCESS");
    expect(r1.times).toEqual([1_000, 6_000, 11_000]);

    const r2 = scripted([job("RUNNING"), job("RUNNING"), job("RUNNING"), job("SUCCESS")]);
    const s2 = settle(waitForJob(r2, "job-1", { backoff: 2, firstDelayMs: 500, minIntervalMs: 1_000, maxIntervalMs: 3_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s2.value?.status).toBe("SUCCESS");
    expect(r2.times.map((t) => t - 60_000)).toEqual([500, 1_500, 3_500, 6_500]);
  });
});

describe("waitForJob with an injected clock (no timers at all)", () => {
  it("uses the clock's time and sleep, and a begin_time in the future (clock skew) does not produce a negative delay", async () => {
    let now = T0;
    const sleeps: number[] = [];
    const clock: WaitClock = {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const future = new Date(T0 + 3_600_000); // the API's clock is an hour ahead of ours
    let reads = 0;
    const reader: JobReader = {
      showJob: async () => (++reads < 3 ? job("RUNNING", { beginTime: future }) : job("SUCCESS", { beginTime: future })),
    };
    const result = await waitForJob(reader, "job-1", { clock, jobType: "masterStandbySwapJob", jitter: 0 });
    expect(result.status).toBe("SUCCESS");
    expect(sleeps.every((ms) => ms >= 0 && ms <= 10_000)).toBe(true);
    // Age clamps to 0: the job looks brand new, so reads stay at the type's minimum interval.
    expect(sleeps).toEqual([6_000, 8_000, 8_000]);
  });
});

describe("waitForJob: what a timeout reports, and which errors at the deadline are not timeouts", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a timeout after some failed reads says how many failed and the last error, and counts each distinct answer", async () => {
    const unavailable = apiError(503, { retryable: true });
    const net = new DcsNetworkError("socket hang up", "GET", "/v2/p/jobs/job-1", false);
    const reader = scripted([job("RUNNING"), unavailable, job("RUNNING"), net, job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000), timeoutMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    const e = s.error as JobTimeoutError;
    expect(reader.times).toHaveLength(10);
    expect(e.code).toBe("DCS_JOB_TIMEOUT");
    expect(e.reads).toBe(10);
    expect(e.failedReads).toBe(2);
    expect(e.lastError).toBe(net);
    expect(e.outcomes).toEqual({ RUNNING: 8, "HTTP 503": 1, "network error": 1 });
    expect(e.message).toContain("Timed out after 10 s waiting for DCS job job-1 (last status: RUNNING; 2 of 10 reads failed, last: socket hang up)");
    // The fields a caller already reads are unchanged.
    expect(e.jobId).toBe("job-1");
    expect(e.timeoutMs).toBe(10_000);
    expect(e.lastStatus).toBe("RUNNING");
    expect(e.lastJob?.status).toBe("RUNNING");
  });

  it("a timeout with every read answered keeps the short message and still counts the answers", async () => {
    const reader = scripted([job("INIT"), job("RUNNING")]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 25_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    const e = s.error as JobTimeoutError;
    expect(e.reads).toBe(4);
    expect(e.failedReads).toBe(0);
    expect(e.lastError).toBeUndefined();
    expect(e.outcomes).toEqual({ INIT: 1, RUNNING: 3 });
    expect(e.message).toContain("(last status: RUNNING).");
  });

  it("transient failures through the deadline give a timeout naming the last failure", async () => {
    const badGateway = apiError(502, { retryable: true });
    const reader = scripted([job("RUNNING"), badGateway]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(2_000), timeoutMs: 20_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    const e = s.error as JobTimeoutError;
    expect(e).toBeInstanceOf(JobTimeoutError);
    expect(e.failedReads).toBe(reader.times.length - 1);
    expect(e.lastError).toBe(badGateway);
    expect(e.outcomes).toEqual({ RUNNING: 1, "HTTP 502": reader.times.length - 1 });
    expect(e.message).toContain(`${reader.times.length - 1} of ${reader.times.length} reads failed, last: ${badGateway.message}`);
  });

  for (const [what, error] of [
    ["401", apiError(401, { errorCode: "APIG.0301" })],
    ["403", apiError(403, { errorCode: "DCS.4030" })],
    ["400", apiError(400, { errorCode: "DCS.4001" })],
    ["404 after the job was read", apiError(404)],
  ] as const) {
    it(`a ${what} on the last read at the deadline is that error, not a timeout`, async () => {
      const reader = scripted([job("RUNNING"), job("RUNNING"), job("RUNNING"), error]);
      const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 25_000 }));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(reader.times).toEqual([2_000, 12_000, 22_000, 25_000]);
      expect(s.error).toBe(error);
    });
  }

  it("a 401 answered after the deadline by a slow read is that error, not a timeout", async () => {
    const unauthorized = apiError(401, { errorCode: "APIG.0301" });
    const slow = () => new Promise<Job>((_, reject) => setTimeout(() => reject(unauthorized), 5_000));
    const reader = scripted([job("RUNNING"), slow]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(10_000), timeoutMs: 22_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reader.times).toEqual([10_000, 20_000]);
    expect(s.at).toBe(25_000);
    expect(s.error).toBe(unauthorized);
  });

  it("a 404 past the not-found grace at the deadline is that 404; within the grace it is a timeout", async () => {
    const notFound = apiError(404);
    const r1 = scripted([notFound]);
    const s1 = settle(waitForJob(r1, "job-1", { schedule: fixedSchedule(2_000), timeoutMs: 5_000, notFoundGraceMs: 4_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r1.times).toEqual([2_000, 4_000, 5_000]);
    expect(s1.error).toBe(notFound);

    const r2 = scripted([apiError(404)]);
    const s2 = settle(waitForJob(r2, "job-1", { schedule: fixedSchedule(2_000), timeoutMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(60_000);
    const e = s2.error as JobTimeoutError;
    expect(e).toBeInstanceOf(JobTimeoutError);
    expect(e.lastStatus).toBeUndefined();
    expect(e.outcomes).toEqual({ "HTTP 404": 3 });
    expect(e.message).toContain("(last status: never read; 3 of 3 reads failed, last: ");
  });

  it("a read cut by the deadline (a TimeoutError from the reader) is a timeout that says so", async () => {
    const cut = new DOMException("The call's deadline passed while waiting for GET /v2/p/jobs/job-1.", "TimeoutError");
    const hang = (opts?: CallOptions) =>
      new Promise<Job>((_, reject) => setTimeout(() => reject(cut), Math.max(0, (opts?.deadline ?? 0) - Date.now())));
    const reader = scripted([job("RUNNING"), hang]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(10_000), timeoutMs: 22_000, finalReadGraceMs: 0 }));
    await vi.advanceTimersByTimeAsync(60_000);
    const e = s.error as JobTimeoutError;
    expect(e).toBeInstanceOf(JobTimeoutError);
    expect(s.at).toBe(22_000);
    expect(e.failedReads).toBe(1);
    expect(e.lastError).toBe(cut);
    expect(e.message).toContain("1 of 2 reads failed, last: The call's deadline passed");
  });

  it("the shared rate budget refusing a read before the deadline is a timeout with that reason", async () => {
    // One token per 100 s: the first read takes the burst; the next cannot get a token before the deadline.
    const limiter = new RateLimiter({ requestsPerSecond: 0.01, burst: 1 });
    const reader = scripted([
      async (opts) => {
        await limiter.acquire({ signal: opts?.signal, deadline: opts?.deadline });
        return job("RUNNING");
      },
    ]);
    const s = settle(waitForJob(reader, "job-1", { schedule: anchor, timeoutMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.error).toBeInstanceOf(JobTimeoutError);
    const e = s.error as JobTimeoutError;
    // Refused at once at 12 s (no point waiting: no slot can come before the deadline).
    expect(s.at).toBe(12_000);
    expect(e.cause).toBeInstanceOf(RateLimitDeadlineError);
    expect(e.lastStatus).toBe("RUNNING");
    expect(e.reads).toBe(1);
    expect(e.failedReads).toBe(0);
    expect(e.message).toContain("Timed out after 60 s waiting for DCS job job-1 (last status: RUNNING; the shared request budget had no slot before the deadline)");
  });

  it("a budget refusal from another copy of the limiter (matched by its code) is a timeout too", async () => {
    const refusal = Object.assign(new Error("The request rate budget would delay this request by 9000 ms, past the call's deadline."), {
      name: "TimeoutError",
      code: "DCS_RATE_LIMIT_DEADLINE",
    });
    const reader = scripted([job("RUNNING"), refusal]);
    const s = settle(waitForJob(reader, "job-1", { schedule: fixedSchedule(1_000), timeoutMs: 60_000 }));
    await vi.advanceTimersByTimeAsync(120_000);
    const e = s.error as JobTimeoutError;
    expect(e).toBeInstanceOf(JobTimeoutError);
    expect(e.cause).toBe(refusal);
    expect(e.message).toContain("the shared request budget had no slot before the deadline");
  });

  it("JobTimeoutError and JobFailedError carry stable codes; the positional JobTimeoutError constructor still works", () => {
    const t = new JobTimeoutError("job-1", 60_000, "RUNNING");
    expect(t.code).toBe("DCS_JOB_TIMEOUT");
    expect(t.jobId).toBe("job-1");
    expect(t.timeoutMs).toBe(60_000);
    expect(t.lastStatus).toBe("RUNNING");
    expect(t.reads).toBe(0);
    expect(t.failedReads).toBe(0);
    expect(t.outcomes).toEqual({});
    expect(t.message).toContain("Timed out after 60 s waiting for DCS job job-1 (last status: RUNNING).");
    expect(new JobFailedError(job("FAIL")).code).toBe("DCS_JOB_FAILED");
  });
});
