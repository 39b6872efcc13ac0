import { afterEach, describe, expect, it, vi } from "vitest";
import {
  isRateLimitDeadlineError,
  RATE_LIMIT_DEADLINE_CODE,
  RateLimiter,
  RateLimitDeadlineError,
  rateLimiterFor,
  refill,
  resetRateLimiters,
  tryTake,
} from "../provider/rate-limit";

const cfg = { requestsPerSecond: 2, burst: 3 };

describe("token bucket arithmetic", () => {
  it("spends the burst at once, then says how long until the next token, spending nothing meanwhile", () => {
    let state = { tokens: 3, updatedAt: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = tryTake(state, 0, cfg);
      state = r.state;
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 500, 500]);
    expect(state.tokens).toBe(0);
    expect(tryTake(state, 250, cfg).waitMs).toBe(250);
    expect(tryTake(state, 500, cfg)).toEqual({ state: { tokens: 0, updatedAt: 500 }, waitMs: 0 });
  });

  it("refills at the rate, never above the burst", () => {
    expect(refill({ tokens: 0, updatedAt: 0 }, 1_000, cfg).tokens).toBe(2);
    expect(refill({ tokens: 0, updatedAt: 0 }, 60_000, cfg).tokens).toBe(3);
    expect(refill({ tokens: -2, updatedAt: 0 }, 500, cfg).tokens).toBe(-1);
    // A clock that steps back does not mint tokens.
    expect(refill({ tokens: 1, updatedAt: 1_000 }, 0, cfg)).toEqual({ tokens: 1, updatedAt: 1_000 });
  });
});

describe("RateLimiter", () => {
  afterEach(() => {
    vi.useRealTimers();
    resetRateLimiters();
  });

  it("makes callers over the budget wait (fake timers)", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 });
    await limiter.acquire();
    let second = false;
    const p = limiter.acquire().then(() => (second = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(second).toBe(true);
  });

  it("refuses at once when the token would come after the deadline, and frees it", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 });
    await limiter.acquire();
    await expect(limiter.acquire({ deadline: 500 })).rejects.toBeInstanceOf(RateLimitDeadlineError);
    // The refused caller holds no place: the next one waits one interval, not two.
    const p = limiter.acquire();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(p).resolves.toBeUndefined();
  });

  it("a refusal carries a stable code (matched as data, across copies of the package) and stays a TimeoutError", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 });
    await limiter.acquire();
    const refusal = await limiter.acquire({ deadline: 500 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(RateLimitDeadlineError);
    expect((refusal as RateLimitDeadlineError).code).toBe("DCS_RATE_LIMIT_DEADLINE");
    expect(RATE_LIMIT_DEADLINE_CODE).toBe("DCS_RATE_LIMIT_DEADLINE");
    // The client and the CLI treat it as a deadline expiry by name.
    expect((refusal as Error).name).toBe("TimeoutError");
    expect((refusal as RateLimitDeadlineError).waitMs).toBe(1_000);
    expect(isRateLimitDeadlineError(refusal)).toBe(true);
    expect(isRateLimitDeadlineError(Object.assign(new Error("from another copy"), { code: "DCS_RATE_LIMIT_DEADLINE" }))).toBe(true);
    expect(isRateLimitDeadlineError(new DOMException("deadline", "TimeoutError"))).toBe(false);
    expect(isRateLimitDeadlineError(undefined)).toBe(false);
  });

  it("a caller refused at its turn (the host stalled while it was queued) gets the same coded error", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 });
    await limiter.acquire();
    const first = limiter.acquire();
    // Admitted: one caller ahead and 1 token/s put its token at 2 s, before the 2.1 s deadline.
    const second = limiter.acquire({ deadline: 2_100 }).then(
      () => "granted",
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(600);
    vi.setSystemTime(2_050); // the event loop stalls; the first caller's turn comes late, and so does the second's
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    const e = await second;
    expect(e).toBeInstanceOf(RateLimitDeadlineError);
    expect(isRateLimitDeadlineError(e)).toBe(true);
  });

  it("stops waiting at once on abort, and the caller behind takes its place", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 });
    await limiter.acquire();
    const ac = new AbortController();
    const p = limiter.acquire({ signal: ac.signal });
    const reason = new Error("cancelled");
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    let third = false;
    const q = limiter.acquire().then(() => (third = true));
    await vi.advanceTimersByTimeAsync(1_000);
    await q;
    expect(third).toBe(true);
  });

  it("late timers never let more than burst + rate requests into any 1-second window", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 2, burst: 1 });
    const grants: number[] = [];
    const all = Array.from({ length: 12 }, () => limiter.acquire().then(() => grants.push(Date.now())));
    await vi.advanceTimersByTimeAsync(600);
    // The event loop stalls for 3 s (a busy host): time moves, no timer fires.
    vi.setSystemTime(3_600);
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(all);
    expect(grants).toHaveLength(12);
    for (const t of grants) expect(grants.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(3);
  });

  it("serves callers in arrival order", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 10, burst: 1 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i))).concat([vi.advanceTimersByTimeAsync(1_000).then(() => 0)]));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("is shared per endpoint and keeps the stricter budget", () => {
    const a = rateLimiterFor("https://dcs.x", { requestsPerSecond: 10, burst: 10 });
    const b = rateLimiterFor("https://dcs.x", { requestsPerSecond: 2, burst: 4 });
    expect(a).toBe(b);
    expect(a.config).toEqual({ requestsPerSecond: 2, burst: 4 });
    expect(rateLimiterFor("https://dcs.y", cfg)).not.toBe(a);
  });
});
