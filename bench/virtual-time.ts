/**
 * Virtual time for a whole Node process, for the throttle benchmark: `Date`, `setTimeout`, `setInterval`
 * (and their `clear*`) are replaced by a clock that only moves when nothing else can happen. The driver
 * ({@link VirtualTime.run}) waits until every HTTP request in flight (undici's `undici:request:*`
 * diagnostics channels) has been answered and the event loop has gone idle for a few turns, then jumps to
 * the earliest timer and fires it. So a request takes zero virtual time (as in the detection benchmark,
 * bench/detection.ts), minutes of waiting cost microseconds, and the figures do not depend on how busy
 * the machine is. `setImmediate`, `process.nextTick` and real I/O stay real.
 *
 * Benchmark code only: never imported by the package.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  /** Repeat interval (setInterval), else undefined. */
  every?: number;
  cancelled: boolean;
}

/** A handle like Node's `Timeout` (enough of it for undici and this package). */
class VirtualTimeout {
  constructor(readonly timer: Timer) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.timer.id;
  }
}

export interface VirtualTime {
  /** Virtual epoch ms. */
  now(): number;
  /** Runs the clock until `work` settles; rejects if nothing can move any more (a deadlock). */
  run<T>(work: Promise<T>): Promise<T>;
  /** Steps taken (timer firings), for the report. */
  steps(): number;
  /** Puts the real clock and timers back. */
  uninstall(): void;
}

/** Replaces the global clock and timers with virtual ones starting at `startMs`. */
export function installVirtualTime(startMs: number): VirtualTime {
  const real = { Date, setTimeout, clearTimeout, setInterval, clearInterval };
  let now = startMs;
  let seq = 0;
  let stepCount = 0;
  const timers = new Map<number, Timer>();
  const inFlight = new Set<object>();
  const onCreate = (m: unknown) => inFlight.add((m as { request: object }).request);
  const onDone = (m: unknown) => inFlight.delete((m as { request: object }).request);
  subscribe("undici:request:create", onCreate);
  subscribe("undici:request:trailers", onDone);
  subscribe("undici:request:error", onDone);

  class VirtualDate extends real.Date {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return now;
    }
  }
  const add = (fn: (...a: unknown[]) => void, ms: unknown, args: unknown[], every?: number): VirtualTimeout => {
    const delay = Math.max(0, typeof ms === "number" && Number.isFinite(ms) ? ms : 0);
    const timer: Timer = { id: ++seq, at: now + delay, seq, fn, args, cancelled: false, ...(every !== undefined ? { every: Math.max(1, every) } : {}) };
    timers.set(timer.id, timer);
    return new VirtualTimeout(timer);
  };
  const clear = (handle: unknown) => {
    if (handle instanceof VirtualTimeout) {
      handle.timer.cancelled = true;
      timers.delete(handle.timer.id);
    } else if (handle !== undefined && handle !== null) {
      real.clearTimeout(handle as NodeJS.Timeout);
    }
  };
  globalThis.Date = VirtualDate as DateConstructor;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => add(fn, ms, args)) as unknown as typeof setTimeout;
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => add(fn, ms, args, typeof ms === "number" ? ms : 1)) as unknown as typeof setInterval;
  globalThis.clearTimeout = clear as typeof clearTimeout;
  globalThis.clearInterval = clear as typeof clearInterval;

  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Until no request is in flight and the loop stayed idle for a few turns. */
  const settle = async () => {
    for (let idle = 0; idle < 4; ) {
      await turn();
      if (inFlight.size > 0) {
        idle = 0;
        // Real I/O is happening: give it real time.
        await new Promise<void>((resolve) => real.setTimeout(resolve, 0));
      } else {
        idle++;
      }
    }
  };
  const earliest = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  };

  return {
    now: () => now,
    steps: () => stepCount,
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      let value: T | undefined;
      let error: unknown;
      let failed = false;
      work.then(
        (v) => {
          settled = true;
          value = v;
        },
        (e: unknown) => {
          settled = true;
          failed = true;
          error = e;
        },
      );
      for (;;) {
        await settle();
        if (settled) break;
        const next = earliest();
        if (!next) throw new Error("virtual time: nothing left to run and the work has not settled (deadlock)");
        now = Math.max(now, next.at);
        // Fire every timer due now, in the order they were set.
        const due = [...timers.values()].filter((t) => t.at <= now).sort((a, b) => a.at - b.at || a.seq - b.seq);
        for (const t of due) {
          if (t.cancelled) continue;
          if (t.every !== undefined) t.at = now + t.every;
          else timers.delete(t.id);
          stepCount++;
          try {
            t.fn(...t.args);
          } catch (e) {
            // A timer callback that throws would crash a real process too.
            throw e;
          }
        }
      }
      if (failed) throw error;
      return value as T;
    },
    uninstall() {
      unsubscribe("undici:request:create", onCreate);
      unsubscribe("undici:request:trailers", onDone);
      unsubscribe("undici:request:error", onDone);
      Object.assign(globalThis, real);
    },
  };
}
