/**
 * The emulator's clocks. Job progress is computed from `now()` at read time, so a manual clock makes
 * every status exact and a real clock with a `speed` factor makes demos fast without any timers.
 */

/** What the emulator reads the time from. */
export interface EmulatorClock {
  readonly kind: "real" | "manual";
  /** Emulated epoch milliseconds. */
  now(): number;
  /** Moves emulated time forward by `ms` (both kinds support it: admin route `POST /_emulator/clock`). */
  advance(ms: number): number;
}

function checkAdvance(ms: number): void {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`advance(ms) needs a finite, non-negative number of milliseconds (got ${String(ms)}).`);
  }
}

/** A clock that only moves when told to: for tests. */
export class ManualClock implements EmulatorClock {
  readonly kind = "manual" as const;
  private t: number;

  /** @param startMs the emulated time to start at (defaults to the real time now, so timestamps look real). */
  constructor(startMs: number = Date.now()) {
    if (!Number.isFinite(startMs)) throw new RangeError("ManualClock needs a finite start time.");
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): number {
    checkAdvance(ms);
    this.t += ms;
    return this.t;
  }

  /** Sets the emulated time; it may not go backwards (jobs would un-finish). */
  set(ms: number): number {
    if (!Number.isFinite(ms) || ms < this.t) throw new RangeError("ManualClock.set() cannot move time backwards.");
    this.t = ms;
    return this.t;
  }
}

/**
 * Wall-clock time, optionally sped up: emulated time = origin + (real elapsed) * speed + advanced.
 * `speed: 10` makes a 20 s pass-through job take 2 real seconds.
 */
export class RealClock implements EmulatorClock {
  readonly kind = "real" as const;
  private readonly origin: number;
  private offset = 0;

  constructor(
    readonly speed: number = 1,
    private readonly wall: () => number = Date.now,
  ) {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a positive number (got ${String(speed)}).`);
    this.origin = wall();
  }

  now(): number {
    return Math.floor(this.origin + (this.wall() - this.origin) * this.speed + this.offset);
  }

  advance(ms: number): number {
    checkAdvance(ms);
    this.offset += ms;
    return this.now();
  }
}

/** A manual clock, for `startEmulator({ clock: manualClock() })`. */
export function manualClock(startMs?: number): ManualClock {
  return new ManualClock(startMs);
}
