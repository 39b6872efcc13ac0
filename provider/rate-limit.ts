/**
 * A request-rate budget per endpoint, shared by every client in the process: a token bucket.
 * {@link tryTake} is the pure arithmetic; {@link RateLimiter} does the waiting (abortable,
 * deadline-aware) with the global `setTimeout`, so fake timers drive it in tests.
 *
 * Why: many resources polling jobs at once from one `pulumi up` would otherwise send bursts. The
 * default (5 requests/s, see `config.ts`) caps one process's bursts; it does not keep the account
 * under the gateway's per-user throttle (observed: 200 requests per 5 minutes, about 0.67/s, shared by
 * every client of the access key): answers 429 are retried after their `Retry-After`.
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

/** A token bucket with waiting, served in arrival order. One per endpoint via {@link rateLimiterFor}. */
export class RateLimiter {
  private state: BucketState;
  /** Settles when every caller queued so far has had its turn. */
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
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
   * Waits for a token, first come first served. Rejects with `signal.reason` when aborted (at once, even
   * while queued), or with a {@link RateLimitDeadlineError} without waiting when the callers ahead and the
   * refill rate already put its token past `deadline`.
   */
  async acquire(options: { signal?: AbortSignal; deadline?: number } = {}): Promise<void> {
    const { signal, deadline } = options;
    if (signal?.aborted) throw signal.reason;
    if (deadline !== undefined) {
      const now = this.now();
      const tokens = refill(this.state, now, this.cfg).tokens;
      const shortfall = this.queued + 1 - tokens;
      const estimateMs = shortfall > 0 ? Math.ceil((shortfall * 1000) / this.cfg.requestsPerSecond) : 0;
      if (estimateMs > 0 && now + estimateMs >= deadline) throw new RateLimitDeadlineError(estimateMs);
    }
    // The queued turn runs with its own signal, so a caller who leaves frees its place at once.
    const leave = new AbortController();
    const onAbort = () => leave.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
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
    }
  }

  /** This caller's turn: spend a token at the real time it is there. */
  private async take(signal: AbortSignal, deadline: number | undefined): Promise<void> {
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const now = this.now();
        const { state, waitMs } = tryTake(this.state, now, this.cfg);
        this.state = state;
        if (waitMs === 0) return;
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
  const limiter = new RateLimiter(cfg);
  limiters.set(endpoint, limiter);
  return limiter;
}

/** Forgets every shared limiter (tests). */
export function resetRateLimiters(): void {
  limiters.clear();
}
