import { afterEach, describe, expect, it, vi } from "vitest";
import { DcsApiError, DcsNetworkError, DcsResponseError } from "../provider/errors";
import {
  backoffDelay,
  classifyStartFailure,
  isInstanceBusy,
  isRetryableRead,
  normalizeErrorCode,
  parseRetryAfter,
  planRetryDelay,
  sameErrorCode,
  sleep,
} from "../provider/retry-policy";

function apiError(status: number, errorCode?: string): DcsApiError {
  return new DcsApiError({ status, errorCode, errorMsg: "x", method: "PUT", path: "/p", retryable: false });
}

describe("backoffDelay (full jitter)", () => {
  const opts = { baseMs: 100, capMs: 1_000 };
  it("is random(0, min(cap, base * 2^n))", () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(0);
    expect(backoffDelay(0, opts, () => 0.999999)).toBe(99);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(200);
    expect(backoffDelay(3, opts, () => 0.999999)).toBe(799);
    // Capped from attempt 4 on (100 * 16 = 1600 > 1000).
    expect(backoffDelay(4, opts, () => 0.999999)).toBe(999);
    expect(backoffDelay(40, opts, () => 0.999999)).toBe(999);
  });

  it("stays within bounds for any random value", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.9999]) {
        const d = backoffDelay(attempt, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(1_000, 100 * 2 ** attempt));
      }
    }
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2024-01-01T00:00:00Z");
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("5", now)).toBe(5_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1_500);
  });
  it("reads an HTTP date relative to now", () => {
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 31 Dec 2023 23:00:00 GMT", now)).toBe(0);
  });
  it("ignores garbage", () => {
    for (const v of [undefined, null, "", "soon", "-5", "5s", "12abc", "{}", "1e3", "Someday 2024", "Mon, 01 Jan 2024"]) expect(parseRetryAfter(v as string, now)).toBeUndefined();
  });
});

describe("planRetryDelay", () => {
  const backoff = { baseMs: 100, capMs: 10_000 };
  it("uses Retry-After as a floor over the jitter", () => {
    expect(planRetryDelay({ attempt: 0, backoff, retryAfterMs: 3_000, now: 0, random: () => 0.5 })).toEqual({ retry: true, delayMs: 3_000 });
    expect(planRetryDelay({ attempt: 6, backoff, retryAfterMs: 10, now: 0, random: () => 0.5 })).toEqual({ retry: true, delayMs: 3_200 });
  });
  it("never sleeps past the deadline", () => {
    // The backoff wants 6.4 s, 4 s are left: half of what is left, for a last try.
    expect(planRetryDelay({ attempt: 7, backoff, now: 1_000, deadline: 5_000, random: () => 0.5 })).toEqual({ retry: true, delayMs: 2_000 });
    expect(planRetryDelay({ attempt: 7, backoff, now: 4_500, deadline: 5_000, random: () => 0.5 }).retry).toBe(false);
    expect(planRetryDelay({ attempt: 0, backoff, now: 6_000, deadline: 5_000, random: () => 0.5 }).retry).toBe(false);
  });
  it("gives up at once when Retry-After points past the deadline", () => {
    const plan = planRetryDelay({ attempt: 0, backoff, retryAfterMs: 60_000, now: 0, deadline: 30_000, random: () => 0 });
    expect(plan).toMatchObject({ retry: false });
    expect((plan as { reason: string }).reason).toMatch(/Retry-After/);
  });
});

describe("sleep", () => {
  afterEach(() => vi.useRealTimers());
  it("waits with fake timers and stops at once on abort", async () => {
    vi.useFakeTimers();
    let done = false;
    const p = sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);

    const ac = new AbortController();
    const q = sleep(60_000, ac.signal);
    const reason = new Error("stop");
    ac.abort(reason);
    await expect(q).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("error codes", () => {
  it("matches gateway codes on the number and v1 codes on their DCS twin", () => {
    expect(normalizeErrorCode("APIGW.0308")).toBe("APIG.0308");
    expect(sameErrorCode("APIG.0308", "APIGW.0308")).toBe(true);
    expect(normalizeErrorCode("111400063")).toBe("DCS.4063");
    expect(sameErrorCode("111400026", "DCS.4026")).toBe(true);
    expect(sameErrorCode("APIG.0301", "APIG.0308")).toBe(false);
  });

  it("isInstanceBusy knows the contract's list, in any spelling", () => {
    for (const code of ["DCS.4026", "DCS.4049", "DCS.4975", "CBC.99003651", "111400026", "dcs.4111"]) expect(isInstanceBusy(apiError(400, code))).toBe(true);
    for (const code of ["DCS.4855", "DCS.4300", "APIG.0308", undefined]) expect(isInstanceBusy(apiError(400, code))).toBe(false);
    expect(isInstanceBusy(new Error("DCS.4026"))).toBe(false);
  });
});

describe("classification", () => {
  const net = (notSent: boolean, code = "ECONNRESET") => new DcsNetworkError("x", "PUT", "/p", notSent, { cause: Object.assign(new Error("x"), { code }) });

  it("reads retry network errors, 429 and 5xx, never 401/403/404", () => {
    expect(isRetryableRead(net(false))).toBe(true);
    expect(isRetryableRead(apiError(429))).toBe(true);
    expect(isRetryableRead(apiError(503))).toBe(true);
    for (const s of [400, 401, 403, 404, 501]) expect(isRetryableRead(apiError(s))).toBe(false);
    expect(isRetryableRead(net(true, "SELF_SIGNED_CERT_IN_CHAIN"))).toBe(false);
  });

  it("reads retry a body that is cut short or of the wrong shape, not one too large or another job's", () => {
    const body = (problem: ConstructorParameters<typeof DcsResponseError>[4]) => new DcsResponseError("x", "GET", "/p", undefined, problem);
    expect(isRetryableRead(body("not-json"))).toBe(true);
    expect(isRetryableRead(body("unexpected-shape"))).toBe(true);
    expect(isRetryableRead(body("too-large"))).toBe(false);
    expect(isRetryableRead(body("other-job"))).toBe(false);
  });

  it("start calls resend only when the operation certainly did not start", () => {
    expect(classifyStartFailure(net(true, "ECONNREFUSED"))).toBe("retry");
    expect(classifyStartFailure(apiError(400, "DCS.4026"))).toBe("retry");
    expect(classifyStartFailure(apiError(429, "APIG.0308"))).toBe("retry");
    expect(classifyStartFailure(net(false))).toBe("reconcile");
    expect(classifyStartFailure(apiError(500))).toBe("reconcile");
    expect(classifyStartFailure(new DcsResponseError("bad json", "PUT", "/p"))).toBe("reconcile");
    expect(classifyStartFailure(apiError(400, "DCS.4855"))).toBe("fail");
    expect(classifyStartFailure(apiError(401, "APIG.0301"))).toBe("fail");
    expect(classifyStartFailure(net(true, "CERT_HAS_EXPIRED"))).toBe("fail");
  });
});
