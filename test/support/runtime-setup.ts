/**
 * The provider runtime against the real emulator (HTTP on 127.0.0.1) on one emulated clock: the
 * emulator's clock, the runtime's `now`, the waiter's clock and the process's `Date` (so the client's
 * task-list windows and the signer agree with the emulator) all read the same time. Waits advance it
 * instead of sleeping, so a 6 s swap takes milliseconds and every status is exact.
 */
import { vi } from "vitest";
import { DcsClient } from "../../provider/client";
import { EMULATOR_INSTANCE_IDS, startEmulator, type EmulatorClock, type EmulatorOptions, type RunningEmulator } from "../../provider/emulator";
import * as rt from "../../provider/resources/runtime";
import type { WaitClock } from "../../provider/waiter/wait";

export const IDS = EMULATOR_INSTANCE_IDS;

/** A manual clock that also sets the process's `Date` (vitest fakes only `Date`; timers stay real). */
export class DateLinkedClock implements EmulatorClock {
  readonly kind = "manual" as const;
  constructor(private t: number) {
    vi.setSystemTime(t);
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): number {
    this.t += Math.max(0, ms);
    vi.setSystemTime(this.t);
    return this.t;
  }
}

export interface RuntimeWorld {
  emu: RunningEmulator;
  clock: DateLinkedClock;
  /** Progress lines the runtime logged. */
  lines: string[];
  /** Jobs the emulator started, in order. */
  jobs(): ReturnType<RunningEmulator["jobs"]>;
  /** A client of the test itself: "another process" starting jobs behind the provider's back. */
  side: DcsClient;
  /** A new provider process: module state reset, overrides and stack config again. */
  restart(over?: Partial<rt.RuntimeOverrides>, config?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** A waiter clock whose sleep advances an emulated clock instead of sleeping (an emulated second costs no real time). */
export function waitClock(c: { now(): number; advance(ms: number): unknown }): WaitClock {
  return {
    now: () => c.now(),
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      c.advance(Math.max(0, Math.round(ms)));
      await new Promise((r) => setImmediate(r));
    },
  };
}

/** Starts an emulator and configures the runtime against it. Call `stop()` in `afterEach`. */
export async function startRuntimeWorld(options: EmulatorOptions = {}): Promise<RuntimeWorld> {
  vi.useFakeTimers({ toFake: ["Date"] });
  const clock = new DateLinkedClock(Date.UTC(2026, 10, 1, 9, 0, 0));
  const emu = await startEmulator({ clock, ...options });
  const lines: string[] = [];
  const config = (over: Record<string, string>) => {
    const map: Record<string, string> = { "dcs:endpoint": emu.url, "dcs:projectId": emu.projectId, "dcs:accessKey": emu.accessKey, "dcs:secretKey": emu.secretKey, ...over };
    return { get: (k: string) => map[k] };
  };
  const restart = async (over: Partial<rt.RuntimeOverrides> = {}, cfg: Record<string, string> = {}) => {
    rt.resetRuntime();
    rt.setRuntimeOverrides({
      env: {},
      log: (l) => {
        lines.push(l);
        if (process.env.DEBUG_RUNTIME) console.log(l);
      },
      wait: { clock: waitClock(clock) },
      now: () => clock.now(),
      settlePauseMs: 1,
      // Real-time pauses of the client (the reconciliation's second look) kept short.
      client: { retry: { baseDelayMs: 5, maxDelayMs: 20, retries: 2 } },
      ...over,
    });
    await rt.configure({ config: config(cfg) });
  };
  await restart();
  const side = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
  return {
    emu,
    clock,
    lines,
    jobs: () => emu.jobs(),
    side,
    restart,
    stop: async () => {
      rt.resetRuntime();
      await emu.stop();
      vi.useRealTimers();
    },
  };
}
