/**
 * A request-rate budget per endpoint, shared by every client in the process: a token bucket.
 * {@link takeToken} is the pure arithmetic; {@link RateLimiter} does the waiting (abortable,
 * deadline-aware) with the global `setTimeout`, so fake timers drive it in tests.
 *
 * Why: the API gateway throttles per user (observed: 200 requests per 5 minutes), and many resources
 * polling jobs at once from one `pulumi up` would otherwise burn that budget in a burst.
 */
import { sleep } from "./retry-policy";

/** The bucket's state: tokens may go negative, which is a queue of reservations. */
export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedAt: number;
}

/** Bucket parameters. */
export interface BucketConfig {
  requestsPerSecond: number;
  burst: number;
}

/** Refills `state` up to `now` (never above `burst`). */
export function refill(state: BucketState, now: number, cfg: BucketConfig): BucketState {
  const elapsed = Math.max(0, now - state.updatedAt);
  const tokens = Math.min(cfg.burst, state.tokens + (elapsed * cfg.requestsPerSecond) / 1000);
  return { tokens, updatedAt: Math.max(now, state.updatedAt) };
}

/**
 * Reserves one token at `now`: returns the new state and how long the caller must wait before sending
 * (0 when a token is free). Reservations queue up: each later caller waits one interval longer.
 */
export function takeToken(state: BucketState, now: number, cfg: BucketConfig): { state: BucketState; waitMs: number } {
  const filled = refill(state, now, cfg);
  const tokens = filled.tokens - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / cfg.requestsPerSecond);
  return { state: { tokens, updatedAt: filled.updatedAt }, waitMs };
}

/** Gives a reserved token back (the caller gave up waiting). */
export function returnToken(state: BucketState, cfg: BucketConfig): BucketState {
  return { tokens: Math.min(cfg.burst, state.tokens + 1), updatedAt: state.updatedAt };
}

/** Thrown when the rate budget would make a request start after the caller's deadline. */
export class RateLimitDeadlineError extends Error {
  override name = "TimeoutError";
  constructor(readonly waitMs: number) {
    super(`The request rate budget would delay this request by ${waitMs} ms, past the call's deadline.`);
  }
}

/** A token bucket with waiting. One per endpoint via {@link rateLimiterFor}. */
export class RateLimiter {
  private state: BucketState;
  constructor(
    private cfg: BucketConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.state = { tokens: cfg.burst, updatedAt: now() };
  }

  /** The current parameters. */
  get config(): BucketConfig {
    return this.cfg;
  }

  /** Lowers the budget when another client of the same endpoint asks for a stricter one. */
  tighten(cfg: BucketConfig): void {
    this.cfg = {
      requestsPerSecond: Math.min(this.cfg.requestsPerSecond, cfg.requestsPerSecond),
      burst: Math.min(this.cfg.burst, cfg.burst),
    };
    this.state = { ...this.state, tokens: Math.min(this.state.tokens, this.cfg.burst) };
  }

  /**
   * Waits for a token. Rejects with `signal.reason` when aborted, or with a
   * {@link RateLimitDeadlineError} (without waiting) when the token would come after `deadline`.
   */
  async acquire(options: { signal?: AbortSignal; deadline?: number } = {}): Promise<void> {
    if (options.signal?.aborted) throw options.signal.reason;
    const now = this.now();
    const { state, waitMs } = takeToken(this.state, now, this.cfg);
    if (options.deadline !== undefined && waitMs > 0 && now + waitMs >= options.deadline) {
      throw new RateLimitDeadlineError(waitMs);
    }
    this.state = state;
    if (waitMs === 0) return;
    try {
      await sleep(waitMs, options.signal);
    } catch (e) {
      this.state = returnToken(this.state, this.cfg);
      throw e;
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
  const limiter = new RateLimiter(cfg);
  limiters.set(endpoint, limiter);
  return limiter;
}

/** Forgets every shared limiter (tests). */
export function resetRateLimiters(): void {
  limiters.clear();
}
