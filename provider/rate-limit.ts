/**
 * A request-rate budget per endpoint, shared by every client in the process: a token bucket, and on top
 * of it an adaptive budget that follows the gateway's throttling.
 * {@link tryTake} and the adaptive functions ({@link onThrottle}, {@link windowBudget},
 * {@link adaptiveWaitMs}) are pure arithmetic; {@link RateLimiter} does the waiting (abortable,
 * deadline-aware) with the global `setTimeout`, so fake timers drive it in tests.
 *
 * Why: many resources polling jobs at once from one `pulumi up` would otherwise send bursts. The
 * default (5 requests/s, see `config.ts`) caps one process's bursts; the gateway's per-user throttle
 * (observed: 200 requests per 5 minutes, about 0.67/s, shared by every client of the access key, in
 * every process) is what the adaptive budget learns from its 429 answers: see {@link onThrottle}.
 */
import { sleep } from "./retry-policy";

/** The bucket's state. */
export interface BucketState {
  /** Tokens available now, at most `burst`. */
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedAt: number;
}

/** Bucket parameters. */
export interface BucketConfig {
  requestsPerSecond: number;
  burst: number;
  /** Adapt to 429 answers reported with {@link RateLimiter.onThrottle} (default true); `false`: the fixed bucket only. */
  adaptive?: boolean;
}

/** Refills `state` up to `now` (never above `burst`). */
export function refill(state: BucketState, now: number, cfg: BucketConfig): BucketState {
  const elapsed = Math.max(0, now - state.updatedAt);
  const tokens = Math.min(cfg.burst, state.tokens + (elapsed * cfg.requestsPerSecond) / 1000);
  return { tokens, updatedAt: Math.max(now, state.updatedAt) };
}

/**
 * Takes one token at `now` if there is one (`waitMs: 0`); otherwise takes nothing and says how long until
 * there will be one. No reservations: a token is spent only at the moment a request really goes, so late
 * timers cannot bunch requests that were scheduled apart, and no window of W ms ever holds more than
 * `burst + requestsPerSecond * W / 1000` grants.
 */
export function tryTake(state: BucketState, now: number, cfg: BucketConfig): { state: BucketState; waitMs: number } {
  const filled = refill(state, now, cfg);
  if (filled.tokens >= 1) return { state: { ...filled, tokens: filled.tokens - 1 }, waitMs: 0 };
  return { state: filled, waitMs: Math.max(1, Math.ceil(((1 - filled.tokens) * 1000) / cfg.requestsPerSecond)) };
}

/** The stable {@link RateLimitDeadlineError.code}: match on it rather than on the class or the name. */
export const RATE_LIMIT_DEADLINE_CODE = "DCS_RATE_LIMIT_DEADLINE";

/**
 * Thrown when the rate budget would make a request start after the caller's deadline. Its `name` is
 * `"TimeoutError"` (the client and the CLI treat it as a deadline expiry, like `AbortSignal.timeout()`);
 * its `code` tells it apart from every other `TimeoutError`, as undici's `UND_ERR_*` codes do.
 */
export class RateLimitDeadlineError extends Error {
  override name = "TimeoutError";
  readonly code = RATE_LIMIT_DEADLINE_CODE;
  constructor(readonly waitMs: number) {
    super(`The request rate budget would delay this request by ${waitMs} ms, past the call's deadline.`);
  }
}

/** True for a {@link RateLimitDeadlineError}, recognised by its `code` (so also one from another copy of this package). */
export function isRateLimitDeadlineError(error: unknown): error is RateLimitDeadlineError {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === RATE_LIMIT_DEADLINE_CODE;
}

// ---- the adaptive budget (pure) ----------------------------------------------------------------------

/**
 * Knobs of the adaptive budget. `beta` and `scaleConstant` are the AWS SDK's adaptive retry mode's
 * (`@smithy/util-retry` `DefaultRateLimiter`: `beta` 0.7, `scaleConstant` 0.4; CUBIC, RFC 8312), with
 * the units changed: the AWS constants count time in seconds and rates in requests per second, tuned
 * for throttles that refill every second; the DCS gateway's window is 5 minutes. Here time counts in
 * the gateway's windows and the budget in requests per window, and C is scaled to the key's limit.
 */
export interface AdaptiveConfig {
  /** Multiplicative decrease: right after a throttle the budget is `beta` × the share this process got. */
  beta: number;
  /**
   * CUBIC's C, per window³, in units of `referenceShare` × the gateway's limit (or of `W_max` when the
   * gateway does not name its limit). Absolute growth, the same for every process of the key, is what
   * makes CUBIC fair: a process crowded out of a window grows back as fast as one that held a big share.
   * With 0.4, 0.7 and a tenth of the limit, a process that held a tenth is back after ≈ 0.9 window.
   */
  scaleConstant: number;
  /** The share of the gateway's limit `scaleConstant` is counted in (0.1: a tenth). */
  referenceShare: number;
  /** The window assumed when the 429 neither names one nor sends `Retry-After` (AWS's scale: 1 s). */
  defaultWindowMs: number;
  /** The least the budget ever allows per window. */
  minBudget: number;
  /**
   * A pause is extended by a random delay up to this (and up to a tenth of the pause), so processes do
   * not resume in step. 200 ms: one request interval of the default 5 requests/s, enough to interleave
   * processes, short against a window (each 100 ms here costs every detection after a pause 50 ms on average).
   */
  maxJitterMs: number;
  /** Grant times remembered (the share is counted from them). */
  maxGrants: number;
  /**
   * After a throttle, the first request is a probe: the others wait for its answer (slow start, as TCP
   * after a timeout), at most this long, so a window that is still closed costs one 429, not a burst.
   */
  probeTimeoutMs: number;
}

/** Defaults of {@link AdaptiveConfig}. */
export const DEFAULT_ADAPTIVE_CONFIG: Readonly<AdaptiveConfig> = Object.freeze({
  beta: 0.7,
  scaleConstant: 0.4,
  referenceShare: 0.1,
  defaultWindowMs: 1_000,
  minBudget: 1,
  maxJitterMs: 200,
  maxGrants: 4_096,
  probeTimeoutMs: 2_000,
});

/** The adaptive budget's state: plain data, changed only by the functions below. */
export interface AdaptiveState {
  /** False until the first 429 (as in the AWS SDK: no client-side limit until throttled). */
  enabled: boolean;
  /** The throttle's window, ms: named by the gateway's message, else the longest `Retry-After` seen, else `defaultWindowMs`. */
  windowMs: number;
  /** The gateway's limit per window for the whole key, when its message names it (a cap on this process's budget). */
  gatewayLimit?: number;
  /** Requests this process got through in the window that throttled it: CUBIC's `W_max`. */
  lastMaxBudget: number;
  /** When the last throttle event happened (ms). */
  lastThrottleAt: number;
  /** Where the last throttle event counted this process's share from (ms). */
  shareFrom: number;
  /** No request leaves before this (ms): when the window reopens, plus jitter. */
  pausedUntil: number;
  /** When the throttled window reopens, as best known (ms). */
  resumeAt?: number;
  /** The jitter drawn for the current throttle event (ms). */
  jitterMs?: number;
  /**
   * When a long `Retry-After` said the gateway's window reopens whole (ms). Requests sent before it
   * belong to the window that throttled, so they do not count against the next one.
   */
  opensAt: number;
  /** When requests were let through (ms), oldest first, at most `maxGrants`. */
  grants: readonly number[];
  /** When requests that were answered 429 had been let through (ms), oldest first: not admitted by the gateway. */
  refused: readonly number[];
  /** The next request after a throttle is a probe. */
  probeNeeded: boolean;
  /** When the probe in flight left (ms); others wait for its answer. */
  probeAt?: number;
}

/**
 * A fresh state: not enabled, nothing seen. With `slowStart`, the very first request is a probe too, so
 * a process that starts while the key's window is already used up learns it from one 429, not a burst.
 */
export function initialAdaptiveState(cfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG, slowStart = false): AdaptiveState {
  return { enabled: false, windowMs: cfg.defaultWindowMs, lastMaxBudget: 0, lastThrottleAt: Number.NEGATIVE_INFINITY, shareFrom: Number.NEGATIVE_INFINITY, pausedUntil: Number.NEGATIVE_INFINITY, opensAt: Number.NEGATIVE_INFINITY, grants: [], refused: [], probeNeeded: slowStart };
}

/** Index of the first element `> t` in an ascending list. */
function upperBound(list: readonly number[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of `list` (ascending) lie in `(from, to]`. */
export function countBetween(list: readonly number[], from: number, to: number): number {
  return Math.max(0, upperBound(list, to) - upperBound(list, from));
}

/** Requests of this process the gateway let through in `(from, to]` (grants minus those answered 429). */
export function admittedBetween(state: AdaptiveState, from: number, to: number): number {
  return Math.max(0, countBetween(state.grants, from, to) - countBetween(state.refused, from, to));
}

function pushBounded(list: readonly number[], t: number, max: number): number[] {
  const out = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  // Grants come in time order; a clock step back is inserted in place so the list stays sorted.
  const at = upperBound(out, t);
  out.splice(at, 0, t);
  return out;
}

/** Records a request let through at `now` (the probe, when one is due). */
export function recordGrant(state: AdaptiveState, now: number, cfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG): AdaptiveState {
  const next: AdaptiveState = { ...state, grants: pushBounded(state.grants, now, cfg.maxGrants) };
  if (state.probeNeeded) {
    next.probeNeeded = false;
    next.probeAt = now;
  }
  return next;
}

/** An answer that was not a 429, for a request let through at `sentAt`: the probe (if that was it, or later) came back. */
export function onAnswer(state: AdaptiveState, sentAt: number | undefined): AdaptiveState {
  if (state.probeAt === undefined || (sentAt !== undefined && sentAt < state.probeAt)) return state;
  const { probeAt: _, ...rest } = state;
  return rest;
}

/**
 * The throttle named by the gateway's message, e.g. "The throttling threshold has been reached: policy user
 * over ratelimit,limit:200,time:5 minute" (API Gateway `APIG.0308`; the same wording with `time:1 minute`,
 * `time:1 second` in Huawei Cloud's FAQs). Undefined for anything else, or for absurd values.
 */
export function parseGatewayLimit(message: string | undefined): { limit: number; windowMs: number } | undefined {
  if (typeof message !== "string") return undefined;
  const m = /limit\s*:\s*(\d{1,9})\s*,\s*time\s*:\s*(\d{1,6})\s*(second|minute|hour|day)s?\b/i.exec(message.slice(0, 1_000));
  if (!m) return undefined;
  const unit = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[3]!.toLowerCase() as "second"]!;
  const limit = Number(m[1]);
  const windowMs = Number(m[2]) * unit;
  if (limit < 1 || windowMs < 1 || windowMs > 86_400_000) return undefined;
  return { limit, windowMs };
}

/** What a 429 tells the budget. */
export interface ThrottleSignal {
  /** When the answer came (ms). */
  now: number;
  /** When the throttled request was let through (ms); a request sent before the last throttle event belongs to that event. */
  sentAt?: number;
  /** The answer's `Retry-After`, parsed, ms. */
  retryAfterMs?: number;
  /** The answer's message (the gateway names its limit and window there). */
  message?: string;
}

/**
 * A 429: the CUBIC multiplicative decrease, and a pause until the gateway's window reopens.
 * - The window is the one the gateway names (`limit:200,time:5 minute`), else the longest `Retry-After`
 *   seen (a throttle that asks to wait R has a window of at least R), else `defaultWindowMs`.
 * - `W_max` is the share this process got through in the gateway's current window: for a window of W
 *   that reopens in R, the requests admitted in `(now - (W - R), now]`. That is what the key's budget gave
 *   this process while competing with every other client of the key; `beta` × it (never below
 *   `minBudget`, never above the gateway's limit) is the budget right after the throttle.
 * - No request leaves before the window reopens plus jitter (up to `maxJitterMs` and a tenth of the
 *   pause, from `random`, so processes do not resume in step). `Retry-After` comes in whole seconds,
 *   rounded up, so `now + R` may be up to 1 s late; a named window reopens W after it opened, which is
 *   no later than this process's first request in it: the earlier of the two, never more than 1 s early.
 * - The next request is a probe (see {@link AdaptiveConfig.probeTimeoutMs}).
 * A 429 for a request let through before the last throttle event is part of that event: it may narrow
 * the reopening time but does not decrease again (several answers in flight are one congestion signal).
 */
export function onThrottle(state: AdaptiveState, signal: ThrottleSignal, random: () => number = Math.random, cfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG): AdaptiveState {
  const { now } = signal;
  const retryAfterMs = signal.retryAfterMs !== undefined && Number.isFinite(signal.retryAfterMs) && signal.retryAfterMs > 0 ? Math.min(signal.retryAfterMs, 86_400_000) : undefined;
  const named = parseGatewayLimit(signal.message);
  const refused = signal.sentAt !== undefined && Number.isFinite(signal.sentAt) ? pushBounded(state.refused, signal.sentAt, cfg.maxGrants) : state.refused.slice();
  const sameEvent = state.enabled && signal.sentAt !== undefined && signal.sentAt <= state.lastThrottleAt;
  const { probeAt: _, ...rest } = state;
  let next: AdaptiveState;
  if (sameEvent) {
    // A refused request the event counted as admitted: the share was one less.
    const counted = signal.sentAt! > state.shareFrom;
    next = { ...rest, refused, probeNeeded: true, ...(counted ? { lastMaxBudget: Math.max(cfg.minBudget, state.lastMaxBudget - 1) } : {}) };
  } else {
    const windowMs = named?.windowMs ?? Math.min(86_400_000, Math.max(state.windowMs, retryAfterMs ?? 0, cfg.defaultWindowMs));
    // Retry-After is rounded up to whole seconds: the window may have opened up to 1 s earlier.
    const opened = now - windowMs + Math.min(windowMs, Math.max(0, (retryAfterMs ?? 0) - 1_000));
    next = {
      ...rest,
      refused,
      windowMs,
      enabled: true,
      lastThrottleAt: now,
      shareFrom: opened,
      probeNeeded: true,
      jitterMs: retryAfterMs === undefined ? 0 : random() * Math.min(cfg.maxJitterMs, retryAfterMs / 10),
      // Throttled after a reopening: that window did not reopen whole (or others took it): forget it.
      opensAt: now < state.opensAt ? state.opensAt : Number.NEGATIVE_INFINITY,
    };
    if (named) next.gatewayLimit = named.limit;
    const share = admittedBetween(next, opened, now);
    next.lastMaxBudget = Math.min(Math.max(share, cfg.minBudget), next.gatewayLimit ?? Number.POSITIVE_INFINITY);
  }
  if (retryAfterMs !== undefined) {
    const latest = now + retryAfterMs;
    let reopens = latest;
    if (named) {
      const first = next.grants[upperBound(next.grants, latest - 1_000 - next.windowMs)];
      if (first !== undefined && first <= now) reopens = Math.min(latest, Math.max(latest - 1_000, first + next.windowMs));
    }
    const resumeAt = sameEvent && next.resumeAt !== undefined && next.resumeAt > now ? Math.min(next.resumeAt, reopens) : reopens;
    next.resumeAt = resumeAt;
    next.pausedUntil = resumeAt + (next.jitterMs ?? 0);
    // A long Retry-After (half the window or more) is a window that filled and reopens whole: what was
    // sent before then does not count against the next one. A short one may free a single slot (a
    // sliding window, or the end of a window): count the whole last window, to be safe.
    if (retryAfterMs >= next.windowMs / 2) next.opensAt = sameEvent && Number.isFinite(next.opensAt) && next.opensAt > now ? Math.min(next.opensAt, resumeAt) : resumeAt;
  }
  return next;
}

/**
 * Requests per window the budget allows at `now`: CUBIC (RFC 8312 §4.1) in window units,
 * `C × (t − K)³ + W_max` with `t` in windows since the throttle, `K = ∛(W_max × (1 − beta) / C)` and
 * C = `scaleConstant` × the reference (a `referenceShare` of the gateway's limit, else `W_max`): it starts
 * at `beta × W_max` right after a throttle, is back at `W_max` after `K` windows, then probes above it,
 * slowly first. Never below the AIMD line of RFC 8312 §4.2 (`beta × W_max + 3(1 − beta)/(1 + beta) × t`
 * references), so a process crowded out of a window (a small `W_max`) grows back linearly, not from a
 * flat cubic; never below `minBudget`, never above the gateway's limit. Infinity while not enabled.
 */
export function windowBudget(state: AdaptiveState, now: number, cfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG): number {
  if (!state.enabled) return Number.POSITIVE_INFINITY;
  const wMax = state.lastMaxBudget;
  const reference = state.gatewayLimit !== undefined ? cfg.referenceShare * state.gatewayLimit : Math.max(wMax, cfg.minBudget);
  const c = cfg.scaleConstant * reference;
  const k = Math.cbrt((wMax * (1 - cfg.beta)) / c);
  const t = Math.max(0, now - state.lastThrottleAt) / state.windowMs;
  const cubic = c * (t - k) ** 3 + wMax;
  const aimd = cfg.beta * wMax + ((3 * (1 - cfg.beta)) / (1 + cfg.beta)) * reference * t;
  const budget = Math.floor(Math.max(cubic, aimd) + 1e-9);
  return Math.min(Math.max(cfg.minBudget, budget), state.gatewayLimit ?? Number.POSITIVE_INFINITY);
}

/** Where the window that counts at `now` begins: a window back, but not before the gateway's window reopened. */
export function windowStart(state: AdaptiveState, now: number): number {
  return Math.max(now - state.windowMs, state.opensAt <= now ? state.opensAt : Number.NEGATIVE_INFINITY);
}

/**
 * How long until the adaptive budget lets one more request go at `now` (0: now): the `Retry-After`
 * pause; the probe's answer (at most `probeTimeoutMs`); or, when this process has used its budget of
 * the window (the last `windowMs`, since the gateway's window reopened), until its oldest request in it
 * leaves. The last two are upper bounds (an answer, or the budget growing, ends them sooner): wait in
 * slices, and look again when an answer comes.
 */
export function adaptiveWaitMs(state: AdaptiveState, now: number, cfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG): number {
  if (state.probeAt !== undefined && now < state.probeAt + cfg.probeTimeoutMs) return Math.max(1, Math.ceil(state.probeAt + cfg.probeTimeoutMs - now));
  if (!state.enabled) return 0;
  if (now < state.pausedUntil) return Math.ceil(state.pausedUntil - now);
  const budget = windowBudget(state, now, cfg);
  const from = windowStart(state, now);
  // Every request sent counts, the refused ones too: a process whose requests are all refused must not
  // keep sending them at once (without Retry-After nothing else would slow it down).
  const inWindow = state.grants.slice(upperBound(state.grants, from));
  const used = inWindow.length;
  if (used < budget) return 0;
  // The (used - budget + 1)-th oldest request of the window has to leave it first.
  const leaving = inWindow[Math.min(inWindow.length - 1, used - budget)] ?? now;
  return Math.max(1, Math.ceil(leaving + state.windowMs - now));
}

/** What {@link RateLimiter.adaptiveSnapshot} shows (for logs, tests and the benchmark). */
export interface AdaptiveSnapshot {
  enabled: boolean;
  windowMs: number;
  /** Requests per window allowed now (Infinity while not enabled). */
  budget: number;
  /** Requests this process sent in the window that counts now (refused ones included). */
  usedInWindow: number;
  /** No request before this (epoch ms), or undefined when not paused. */
  pausedUntil?: number;
  gatewayLimit?: number;
}

/**
 * A token bucket with waiting, served in arrival order, plus the adaptive budget (unless
 * `adaptive: false`), fed by {@link onThrottle}. One per endpoint via {@link rateLimiterFor}.
 */
export class RateLimiter {
  private state: BucketState;
  private adaptive: AdaptiveState;
  private adaptiveOn: boolean;
  /** Settles when every caller queued so far has had its turn. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  constructor(
    private cfg: BucketConfig,
    private readonly now: () => number = Date.now,
    private readonly adaptiveCfg: AdaptiveConfig = DEFAULT_ADAPTIVE_CONFIG,
    private readonly random: () => number = Math.random,
    /** The first request waits for its answer before the rest go (see {@link initialAdaptiveState}); needs {@link observe} fed. */
    slowStart = false,
  ) {
    this.state = { tokens: cfg.burst, updatedAt: now() };
    this.adaptiveOn = cfg.adaptive !== false;
    this.adaptive = initialAdaptiveState(adaptiveCfg, slowStart && this.adaptiveOn);
  }

  /** The current parameters. */
  get config(): BucketConfig {
    return this.cfg;
  }

  /**
   * Lowers the budget when another client of the same endpoint asks for a stricter one. Adapting is the
   * stricter choice: one client that adapts makes the shared limiter adapt.
   */
  tighten(cfg: BucketConfig): void {
    this.cfg = {
      requestsPerSecond: Math.min(this.cfg.requestsPerSecond, cfg.requestsPerSecond),
      burst: Math.min(this.cfg.burst, cfg.burst),
      ...(this.cfg.adaptive === false && cfg.adaptive === false ? { adaptive: false } : {}),
    };
    this.adaptiveOn = this.cfg.adaptive !== false;
    this.state = { ...this.state, tokens: Math.min(this.state.tokens, this.cfg.burst) };
  }

  /**
   * Reports an answer (the client calls this for every one): a 429 lowers the adaptive budget and pauses
   * it until `Retry-After` ({@link onThrottle}); any other answer may end the probe after a throttle
   * ({@link onAnswer}). `sentAt` is when the request was let through. No effect with `adaptive: false`.
   */
  observe(answer: { status: number } & Omit<ThrottleSignal, "now">): void {
    if (!this.adaptiveOn) return;
    if (answer.status === 429) this.onThrottle(answer);
    else if (this.adaptive.probeAt !== undefined) {
      this.adaptive = onAnswer(this.adaptive, answer.sentAt);
      this.wakeAll();
    }
  }

  /** Reports a 429: see {@link observe}. */
  onThrottle(signal: Omit<ThrottleSignal, "now">): void {
    if (!this.adaptiveOn) return;
    this.adaptive = onThrottle(this.adaptive, { ...signal, now: this.now() }, this.random, this.adaptiveCfg);
    this.wakeAll();
  }

  /** Callers napping on the adaptive budget look again (an answer changed it). */
  private wakers = new Set<AbortController>();
  private wakeAll(): void {
    for (const w of this.wakers) w.abort();
    this.wakers.clear();
  }

  /** Sleeps `ms`, or less if an answer comes meanwhile; rejects with `signal.reason` on abort. */
  private async nap(ms: number, signal: AbortSignal): Promise<void> {
    const waker = new AbortController();
    this.wakers.add(waker);
    try {
      await sleep(ms, AbortSignal.any([signal, waker.signal]));
    } catch (e) {
      if (signal.aborted) throw e;
    } finally {
      this.wakers.delete(waker);
    }
  }

  /** The adaptive budget as it stands. */
  adaptiveSnapshot(): AdaptiveSnapshot {
    const now = this.now();
    const a = this.adaptive;
    return {
      enabled: this.adaptiveOn && a.enabled,
      windowMs: a.windowMs,
      budget: this.adaptiveOn ? windowBudget(a, now, this.adaptiveCfg) : Number.POSITIVE_INFINITY,
      usedInWindow: countBetween(a.grants, windowStart(a, now), now),
      ...(a.pausedUntil > now ? { pausedUntil: a.pausedUntil } : {}),
      ...(a.gatewayLimit !== undefined ? { gatewayLimit: a.gatewayLimit } : {}),
    };
  }

  /**
   * Waits for a token, first come first served. Rejects with `signal.reason` when aborted (at once, even
   * while queued), or with a {@link RateLimitDeadlineError}: without waiting when the token certainly
   * comes after `deadline` (the callers ahead at the full rate, or a `Retry-After` pause, already put it
   * there), and at the deadline when it is still waiting then (the adaptive budget may lower the rate
   * while a caller waits, so a slot that looked possible may not come in time).
   */
  async acquire(options: { signal?: AbortSignal; deadline?: number } = {}): Promise<void> {
    const { signal, deadline } = options;
    if (signal?.aborted) throw signal.reason;
    if (deadline !== undefined) {
      const now = this.now();
      const tokens = refill(this.state, now, this.cfg).tokens;
      const shortfall = this.queued + 1 - tokens;
      const bucketMs = shortfall > 0 ? Math.ceil((shortfall * 1000) / this.cfg.requestsPerSecond) : 0;
      const pauseMs = this.adaptiveOn && this.adaptive.pausedUntil > now ? Math.ceil(this.adaptive.pausedUntil - now) : 0;
      const estimateMs = Math.max(bucketMs, pauseMs);
      if (estimateMs > 0 && now + estimateMs >= deadline) throw new RateLimitDeadlineError(estimateMs);
    }
    // The queued turn runs with its own signal, so a caller who leaves frees its place at once.
    const leave = new AbortController();
    const onAbort = () => leave.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    // A caller still queued at its deadline leaves then (global setTimeout: fake timers drive it).
    const expiry =
      deadline === undefined ? undefined : setTimeout(() => leave.abort(new RateLimitDeadlineError(Math.max(0, Math.ceil(deadline - this.now())))), Math.max(0, deadline - this.now()));
    this.queued++;
    const turn = this.tail.then(() => this.take(leave.signal, deadline));
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    const left = new Promise<never>((_, reject) => {
      if (leave.signal.aborted) reject(leave.signal.reason);
      leave.signal.addEventListener("abort", () => reject(leave.signal.reason), { once: true });
    });
    left.catch(() => undefined);
    try {
      await Promise.race([turn, left]);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (expiry !== undefined) clearTimeout(expiry);
    }
  }

  /** This caller's turn: wait out the adaptive budget, then spend a token at the real time it is there. */
  private async take(signal: AbortSignal, deadline: number | undefined): Promise<void> {
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const now = this.now();
        if (this.adaptiveOn) {
          const waitMs = adaptiveWaitMs(this.adaptive, now, this.adaptiveCfg);
          if (waitMs > 0) {
            const paused = this.adaptive.pausedUntil > now;
            if (deadline !== undefined && (now >= deadline || (paused && this.adaptive.pausedUntil >= deadline))) throw new RateLimitDeadlineError(waitMs);
            // The window part is an upper bound (the budget grows meanwhile): look again at least every 1/20 window.
            const slice = paused ? waitMs : Math.min(waitMs, Math.max(1_000, this.adaptive.windowMs / 20));
            await this.nap(deadline === undefined ? slice : Math.min(slice, Math.max(1, deadline - now)), signal);
            continue;
          }
        }
        const { state, waitMs } = tryTake(this.state, now, this.cfg);
        this.state = state;
        if (waitMs === 0) {
          if (this.adaptiveOn) this.adaptive = recordGrant(this.adaptive, now, this.adaptiveCfg);
          return;
        }
        if (deadline !== undefined && now + waitMs >= deadline) throw new RateLimitDeadlineError(waitMs);
        await sleep(waitMs, signal);
      }
    } finally {
      this.queued--;
    }
  }
}

const limiters = new Map<string, RateLimiter>();

/** The process-wide limiter of an endpoint, created (or tightened) with `cfg`. */
export function rateLimiterFor(endpoint: string, cfg: BucketConfig): RateLimiter {
  const existing = limiters.get(endpoint);
  if (existing) {
    existing.tighten(cfg);
    return existing;
  }
  // The client feeds every answer to the shared limiter (observe), so it may start slowly.
  const limiter = new RateLimiter(cfg, Date.now, DEFAULT_ADAPTIVE_CONFIG, Math.random, true);
  limiters.set(endpoint, limiter);
  return limiter;
}

/** Forgets every shared limiter (tests). */
export function resetRateLimiters(): void {
  limiters.clear();
}
