/**
 * The API gateway's per-user throttle, as observed on the real service: once an access key has made
 * `limit` requests in a window, every further request of that key — from any client, any process — is
 * refused with 429 `APIG.0308` "The throttling threshold has been reached: policy user over
 * ratelimit,limit:200,time:5 minute" until the window has passed. Off unless configured.
 *
 * Sources for the message and the code: Huawei Cloud's FAQ "How Do I Handle the Error APIG.0308?"
 * (support.huaweicloud.com `ocr_faq/ocr_01_0041.html`, `oce_faq/en-us_topic_0000001887959462.html`:
 * "policy user over ratelimit,limit:XX,time:1 minute"); the 200 / 5 minute figures were observed on DCS.
 * The gateway's counting algorithm is not documented: `fixed` (the default) counts from the key's first
 * request in a window, like a counter with an expiry; `sliding` counts the requests of the last
 * `windowMs`. `Retry-After` (seconds, rounded up) says when the next request of the key would be let
 * through; whether the real gateway sends one is not documented either (the issue reports it does).
 *
 * Pure bookkeeping on the emulator's clock: the server calls {@link gatewayThrottleAnswer} once per
 * authenticated API request.
 */
import type { EmulatorClock } from "./clock";
import { CODES, gatewayError, type ErrorAnswer } from "./errors";

/** How the throttle counts. */
export interface ThrottleOptions {
  /** Requests one access key may make per window (a positive integer). */
  limit: number;
  /** The window, in emulated ms (at least 1). */
  windowMs: number;
  /** `fixed` (default): a window opens at the key's first request and lasts `windowMs`; `sliding`: the last `windowMs`. */
  mode?: "fixed" | "sliding";
  /** Send `Retry-After` on the 429 (default true). */
  retryAfter?: boolean;
}

/** The throttle observed on the real DCS endpoint: 200 requests per 5 minutes per access key. */
export const GATEWAY_USER_THROTTLE: Readonly<Required<ThrottleOptions>> = Object.freeze({ limit: 200, windowMs: 5 * 60_000, mode: "fixed", retryAfter: true });

/** What {@link GatewayThrottle.admit} decides. */
export type ThrottleDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Validates throttle options (throws an Error naming the bad field) and fills in the defaults. */
export function normalizeThrottleOptions(input: ThrottleOptions): Required<ThrottleOptions> {
  const { limit, windowMs } = input;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) throw new Error(`throttle.limit must be a positive integer (got ${String(limit)}).`);
  if (typeof windowMs !== "number" || !Number.isFinite(windowMs) || windowMs < 1) throw new Error(`throttle.windowMs must be a number of ms >= 1 (got ${String(windowMs)}).`);
  const mode = input.mode ?? "fixed";
  if (mode !== "fixed" && mode !== "sliding") throw new Error(`throttle.mode must be "fixed" or "sliding" (got ${String(mode)}).`);
  return { limit, windowMs, mode, retryAfter: input.retryAfter ?? true };
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, sec: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses the CLI's `--throttle` value: `LIMIT/WINDOW` with the window as a number and a unit
 * (`ms`, `s`, `m`/`min`, `h`), e.g. `200/5m` (the real gateway's), `10/1s`; optionally `:sliding`.
 * Throws an Error saying what is expected.
 */
export function parseThrottleSpec(text: string): Required<ThrottleOptions> {
  const m = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*(?::\s*(fixed|sliding))?\s*$/i.exec(text);
  if (!m) throw new Error(`Expected LIMIT/WINDOW such as 200/5m or 10/1s (optionally :sliding), got ${JSON.stringify(text.slice(0, 40))}.`);
  return normalizeThrottleOptions({
    limit: Number(m[1]),
    windowMs: Math.round(Number(m[2]) * UNITS[m[3]!.toLowerCase()]!),
    mode: (m[4]?.toLowerCase() as "fixed" | "sliding" | undefined) ?? "fixed",
  });
}

/** The window as the gateway's message writes it: `5 minute`, `1 second`, `90 second`, `1 hour`. */
export function describeWindow(windowMs: number): string {
  for (const [unit, ms] of [["hour", 3_600_000], ["minute", 60_000], ["second", 1_000]] as const) {
    if (windowMs >= ms && windowMs % ms === 0) return `${windowMs / ms} ${unit}`;
  }
  return windowMs >= 1_000 ? `${(windowMs / 1_000).toFixed(3).replace(/\.?0+$/, "")} second` : `${windowMs} millisecond`;
}

/** Counts requests per principal (access key) and refuses those over the limit. */
export class GatewayThrottle {
  private opts: Required<ThrottleOptions> | undefined;
  /** fixed: principal -> window start and count. */
  private windows = new Map<string, { start: number; count: number }>();
  /** sliding: principal -> times of the admitted requests of the last window, oldest first. */
  private logs = new Map<string, number[]>();
  private admitted = 0;
  private refused = 0;

  constructor(options?: ThrottleOptions | false) {
    this.configure(options ?? false);
  }

  /** The options in force; undefined while off. */
  get options(): Readonly<Required<ThrottleOptions>> | undefined {
    return this.opts;
  }

  /** Turns the throttle on with new options (counting afresh), or off with `false`. */
  configure(options: ThrottleOptions | false): void {
    this.opts = options === false ? undefined : normalizeThrottleOptions(options);
    this.reset();
  }

  /** Forgets every count (the options stay). */
  reset(): void {
    this.windows.clear();
    this.logs.clear();
    this.admitted = 0;
    this.refused = 0;
  }

  /** Requests let through and refused since the last reset. */
  counts(): { admitted: number; throttled: number } {
    return { admitted: this.admitted, throttled: this.refused };
  }

  /** Counts one request of `principal` at emulated time `now`. A refused request does not count against the limit. */
  admit(principal: string, now: number): ThrottleDecision {
    const o = this.opts;
    if (!o) return { ok: true };
    const decision = o.mode === "sliding" ? this.sliding(principal, now, o) : this.fixed(principal, now, o);
    if (decision.ok) this.admitted++;
    else this.refused++;
    return decision;
  }

  private fixed(principal: string, now: number, o: Required<ThrottleOptions>): ThrottleDecision {
    let w = this.windows.get(principal);
    if (!w || now >= w.start + o.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(principal, w);
    }
    if (w.count < o.limit) {
      w.count++;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(0, w.start + o.windowMs - now) };
  }

  private sliding(principal: string, now: number, o: Required<ThrottleOptions>): ThrottleDecision {
    let log = this.logs.get(principal);
    if (!log) this.logs.set(principal, (log = []));
    let drop = 0;
    while (drop < log.length && log[drop]! <= now - o.windowMs) drop++;
    if (drop > 0) log.splice(0, drop);
    if (log.length < o.limit) {
      log.push(now);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(0, log[0]! + o.windowMs - now) };
  }
}

/** The gateway's 429 for a refused request. `Retry-After` is in the client's (wall-clock) seconds, rounded up, at least 1. */
export function throttledAnswer(options: Required<ThrottleOptions>, retryAfterMs: number, emulatedMsPerRealMs = 1): ErrorAnswer {
  const headers = options.retryAfter ? { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / emulatedMsPerRealMs / 1000))) } : undefined;
  return gatewayError(429, CODES.throttled, `The throttling threshold has been reached: policy user over ratelimit,limit:${options.limit},time:${describeWindow(options.windowMs)}`, headers);
}

/**
 * One authenticated API request of `principal` through the throttle: undefined when it may pass, else
 * the 429 to answer. A sped-up real clock (`speed` > 1) shortens `Retry-After` by its factor, since the
 * client waits in wall-clock time; a manual clock's is in emulated seconds.
 */
export function gatewayThrottleAnswer(throttle: GatewayThrottle | undefined, principal: string, clock: EmulatorClock): ErrorAnswer | undefined {
  const options = throttle?.options;
  if (!throttle || !options) return undefined;
  const decision = throttle.admit(principal, clock.now());
  if (decision.ok) return undefined;
  const speed = clock.kind === "real" && typeof (clock as { speed?: unknown }).speed === "number" ? (clock as unknown as { speed: number }).speed : 1;
  return throttledAnswer(options, decision.retryAfterMs, speed);
}
