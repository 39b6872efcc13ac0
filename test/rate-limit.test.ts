import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adaptiveWaitMs,
  DEFAULT_ADAPTIVE_CONFIG,
  initialAdaptiveState,
  onThrottle,
  parseGatewayLimit,
  recordGrant,
  windowBudget,
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

// ---- the adaptive budget (issue 13) ------------------------------------------------------------------

describe("adaptive budget: what a 429 teaches", () => {
  afterEach(() => {
    vi.useRealTimers();
    resetRateLimiters();
  });
  const GATEWAY_MESSAGE = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute";
  const W = 5 * 60_000;
  /** A state that let `n` requests through at `at`. */
  const sent = (n: number, at: number, s = initialAdaptiveState()) => {
    for (let i = 0; i < n; i++) s = recordGrant(s, at);
    return s;
  };

  it("reads the gateway's limit and window from its message, and nothing from anything else", () => {
    expect(parseGatewayLimit(GATEWAY_MESSAGE)).toEqual({ limit: 200, windowMs: W });
    expect(parseGatewayLimit('{"error_msg":"policy user over ratelimit,limit:10,time:1 second"}')).toEqual({ limit: 10, windowMs: 1_000 });
    expect(parseGatewayLimit("limit:5, time:2 hours")).toEqual({ limit: 5, windowMs: 7_200_000 });
    for (const other of [undefined, "", "Too many requests", "limit:0,time:1 minute", "limit:200,time:9999 day", "limit:abc,time:1 minute"]) {
      expect(parseGatewayLimit(other)).toBeUndefined();
    }
  });

  it("after the window filled, the budget is beta × this process's share of it, back at the share before the window reopens, then grows slowly", () => {
    // 20 requests got through at t=0; the 21st, sent at 3 s, is refused: the window reopens in 297 s.
    let s = sent(21, 0);
    s = onThrottle(s, { now: 3_000, sentAt: 0, retryAfterMs: 297_000, message: GATEWAY_MESSAGE }, () => 0);
    expect(s).toMatchObject({ enabled: true, windowMs: W, gatewayLimit: 200, lastMaxBudget: 20 });
    expect(windowBudget(s, 3_000)).toBe(14);
    const back = Array.from({ length: 40 }, (_, i) => 3_000 + (i * W) / 20).find((t) => windowBudget(s, t) >= 20)!;
    // Back at the share while the pause lasts (the window reopens 297 s after the throttle)...
    expect(back - 3_000).toBeGreaterThan(W / 2);
    expect(back - 3_000).toBeLessThanOrEqual(297_000);
    // ...and then it probes above it, slowly: less than double one window later.
    expect(windowBudget(s, back + W)).toBeGreaterThan(20);
    expect(windowBudget(s, back + W)).toBeLessThan(40);
  });

  it("a process crowded out of a window (share 0) grows back linearly, about a twentieth of the key's limit per window", () => {
    let s = sent(1, 10_000);
    s = onThrottle(s, { now: 10_000, sentAt: 10_000, retryAfterMs: 200_000, message: GATEWAY_MESSAGE }, () => 0);
    expect(s.lastMaxBudget).toBe(1);
    expect(windowBudget(s, 10_000)).toBe(1);
    expect(windowBudget(s, 10_000 + W)).toBeGreaterThanOrEqual(10);
    expect(windowBudget(s, 10_000 + 2 * W)).toBeGreaterThanOrEqual(21);
    // Never above the key's whole limit.
    expect(windowBudget(s, 10_000 + 50 * W)).toBe(200);
  });

  it("pauses until the window reopens: Retry-After rounded up to whole seconds is narrowed by when the window opened", () => {
    const s0 = sent(20, 1_000);
    // The window opened with this process's first request, at 1 s: it reopens at 301 s, not at 3.5 + 298 s.
    const s = onThrottle(recordGrant(s0, 3_500), { now: 3_500, sentAt: 3_500, retryAfterMs: 298_000, message: GATEWAY_MESSAGE }, () => 0);
    expect(s.resumeAt).toBe(301_000);
    expect(adaptiveWaitMs(s, 3_500)).toBe(297_500);
    // With jitter: up to maxJitterMs later, never earlier.
    const j = onThrottle(recordGrant(s0, 3_500), { now: 3_500, sentAt: 3_500, retryAfterMs: 298_000, message: GATEWAY_MESSAGE }, () => 0.999);
    expect(j.pausedUntil).toBeGreaterThan(301_000);
    expect(j.pausedUntil).toBeLessThanOrEqual(301_000 + DEFAULT_ADAPTIVE_CONFIG.maxJitterMs);
  });

  it("a window that filled early and reopens whole: what was sent in it does not count against the next one", () => {
    // The window opens at 0 s; 19 more requests at 100 s fill it; 10 more at 100 s are refused: it reopens at 300 s.
    let s = sent(29, 100_000, sent(1, 0));
    for (let i = 0; i < 10; i++) s = onThrottle(s, { now: 100_000 + i, sentAt: 100_000, retryAfterMs: 200_000, message: GATEWAY_MESSAGE }, () => 0);
    expect(s.lastMaxBudget).toBe(20);
    expect(adaptiveWaitMs(s, 299_000)).toBe(1_000);
    // At 300.5 s the 29 requests sent at 100 s are still within the last 5 minutes: more than the budget.
    expect(windowBudget(s, 300_500)).toBeLessThan(29);
    expect(adaptiveWaitMs(s, 300_500)).toBe(0);
  });

  it("several 429s for requests sent before the throttle are one congestion event: one decrease, not one each", () => {
    let s = sent(30, 0);
    s = onThrottle(s, { now: 2_000, sentAt: 0, retryAfterMs: 298_000, message: GATEWAY_MESSAGE }, () => 0);
    const once = s.lastMaxBudget;
    for (let i = 0; i < 5; i++) s = onThrottle(s, { now: 2_001 + i, sentAt: 0, retryAfterMs: 298_000, message: GATEWAY_MESSAGE }, () => 0);
    // Each of them was not admitted after all: the share shrinks by one each, no multiplicative step.
    expect(s.lastMaxBudget).toBe(once - 5);
    expect(s.lastThrottleAt).toBe(2_000);
  });

  it("without Retry-After, refused requests count against the window: a throttled process waits instead of sending again at once", () => {
    let s = sent(5, 0);
    s = onThrottle(s, { now: 1_000, sentAt: 0, message: GATEWAY_MESSAGE }, () => 0);
    s = recordGrant(s, 1_000);
    s = onThrottle(s, { now: 1_001, sentAt: 1_000, message: GATEWAY_MESSAGE }, () => 0);
    // Budget 1 (nothing was admitted), and the probe at 1 s already used it: wait until it leaves the window.
    expect(adaptiveWaitMs(s, 1_001)).toBeGreaterThan(W - 2_000);
  });

  it("any sequence of answers keeps the budget between 1 and the key's limit, and every wait finite", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400_000 }), sends: fc.integer({ min: 0, max: 30 }), throttle: fc.boolean(), retryAfterS: fc.option(fc.integer({ min: 0, max: 600 })), named: fc.boolean() }), { maxLength: 40 }),
        (steps) => {
          let s = initialAdaptiveState();
          let now = 0;
          for (const st of steps) {
            now += st.gap;
            for (let i = 0; i < st.sends; i++) s = recordGrant(s, now);
            if (st.throttle) s = onThrottle(s, { now, sentAt: now, ...(st.retryAfterS !== null ? { retryAfterMs: st.retryAfterS * 1000 } : {}), ...(st.named ? { message: GATEWAY_MESSAGE } : {}) }, () => 0.5);
            const budget = windowBudget(s, now);
            if (s.enabled) {
              expect(budget).toBeGreaterThanOrEqual(1);
              if (s.gatewayLimit !== undefined) expect(budget).toBeLessThanOrEqual(s.gatewayLimit);
            }
            const wait = adaptiveWaitMs(s, now);
            expect(Number.isFinite(wait) && wait >= 0).toBe(true);
            expect(s.grants.length).toBeLessThanOrEqual(DEFAULT_ADAPTIVE_CONFIG.maxGrants);
          }
        },
      ),
      { seed: 13, numRuns: 300 },
    );
  });
});

describe("adaptive RateLimiter (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
    resetRateLimiters();
  });
  const GATEWAY_MESSAGE = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute";

  it("after a 429 no request of the process leaves before the window reopens; then one probe goes first and the rest follow its answer", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 100, burst: 100 }, Date.now, DEFAULT_ADAPTIVE_CONFIG, () => 0);
    // 20 requests got through, the 21st is refused: the window (5 min, opened at 0) reopens at 300 s.
    for (let i = 0; i < 21; i++) await limiter.acquire();
    await vi.advanceTimersByTimeAsync(100_000);
    limiter.observe({ status: 429, sentAt: 0, retryAfterMs: 200_000, message: GATEWAY_MESSAGE });
    const granted: number[] = [];
    const all = [1, 2, 3].map((i) => limiter.acquire().then(() => granted.push(i)));
    await vi.advanceTimersByTimeAsync(199_999);
    expect(granted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toEqual([1]);
    expect(Date.now()).toBe(300_000);
    // The probe's answer comes back fine: the others go.
    limiter.observe({ status: 200, sentAt: Date.now() });
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all(all);
    expect(granted).toEqual([1, 2, 3]);
    expect(limiter.adaptiveSnapshot()).toMatchObject({ enabled: true, windowMs: 300_000, gatewayLimit: 200 });
  });

  it("a probe without an answer holds the others at most probeTimeoutMs", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 100, burst: 100 }, Date.now, DEFAULT_ADAPTIVE_CONFIG, () => 0);
    await limiter.acquire();
    limiter.observe({ status: 429, sentAt: 0, retryAfterMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await limiter.acquire(); // the probe
    let second = false;
    const p = limiter.acquire().then(() => (second = true));
    await vi.advanceTimersByTimeAsync(DEFAULT_ADAPTIVE_CONFIG.probeTimeoutMs - 1);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(second).toBe(true);
  });

  it("a caller whose deadline comes before the window reopens is refused at once, without waiting", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 100, burst: 100 }, Date.now, DEFAULT_ADAPTIVE_CONFIG, () => 0);
    await limiter.acquire();
    limiter.observe({ status: 429, sentAt: 0, retryAfterMs: 60_000 });
    await expect(limiter.acquire({ deadline: 30_000 })).rejects.toSatisfy(isRateLimitDeadlineError);
    expect(Date.now()).toBe(0);
  });

  it("a caller queued behind others leaves at its deadline when the budget shrank meanwhile", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 1, burst: 1 }, Date.now, DEFAULT_ADAPTIVE_CONFIG, () => 0);
    await limiter.acquire();
    const ahead = limiter.acquire();
    // Admitted: one caller ahead at 1/s puts its token at 2 s, before the 5 s deadline...
    const queued = limiter.acquire({ deadline: 5_000 }).then(() => "granted", (e: unknown) => e);
    // ...then a 429 pauses everything for a minute.
    limiter.observe({ status: 429, sentAt: 0, retryAfterMs: 60_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    const outcome = await queued;
    expect(isRateLimitDeadlineError(outcome)).toBe(true);
    expect(Date.now()).toBe(5_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await ahead;
  });

  it("adaptive: false keeps today's fixed bucket: a 429 changes nothing", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requestsPerSecond: 100, burst: 100, adaptive: false });
    await limiter.acquire();
    limiter.observe({ status: 429, sentAt: 0, retryAfterMs: 60_000, message: GATEWAY_MESSAGE });
    await limiter.acquire();
    expect(Date.now()).toBe(0);
    expect(limiter.adaptiveSnapshot().enabled).toBe(false);
  });

  it("the shared limiter starts slowly: its very first request goes alone until its answer", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = rateLimiterFor("https://dcs.slow-start", { requestsPerSecond: 100, burst: 100 });
    const order: string[] = [];
    const first = limiter.acquire().then(() => order.push("first"));
    const second = limiter.acquire().then(() => order.push("second"));
    await vi.advanceTimersByTimeAsync(100);
    expect(order).toEqual(["first"]);
    limiter.observe({ status: 200, sentAt: 0 });
    await vi.advanceTimersByTimeAsync(0);
    await Promise.all([first, second]);
    expect(order).toEqual(["first", "second"]);
  });

  it("one client that adapts makes the shared limiter adapt (the stricter choice)", () => {
    const a = rateLimiterFor("https://dcs.z", { requestsPerSecond: 5, burst: 10, adaptive: false });
    rateLimiterFor("https://dcs.z", { requestsPerSecond: 5, burst: 10 });
    a.observe({ status: 429, sentAt: 0, retryAfterMs: 1_000 });
    expect(a.adaptiveSnapshot().enabled).toBe(true);
  });
});
