/**
 * A test world for driving the real provider runtime through the {@link EngineModel} against the real
 * emulator (HTTP on 127.0.0.1), on one emulated clock:
 *
 * - The emulator's clock, the runtime's `now`, the waiter's clock and (through `onTimeChange`, e.g.
 *   `vi.setSystemTime`) the process's `Date` all read the same emulated time, so the client's
 *   reconciliation windows, the signer's `X-Sdk-Date` and the gateway's skew check agree as they do in
 *   real life. The waiter's `sleep` advances that clock instead of sleeping.
 * - The client's own retry sleeps (backoff, `Retry-After`, busy waits) are real-time `sleep`s in
 *   `provider/retry-policy.ts`; a test that routes them to {@link DcsWorld.clientSleep} (with `vi.mock`)
 *   makes them advance the emulated clock too, so a busy instance frees up while the client waits, as
 *   it would in real life.
 * - Every operation of the engine model is a new provider process: `resetRuntime()`, the test
 *   overrides again, then `configure` with the stack config (once per provider, as the host does).
 * - A kill: the next `up`'s process dies at its k-th wait sleep. That sleep rejects, the engine model
 *   drops the call's result, and every later sleep of the dead process rejects at once.
 * - Every job the emulator started is attributed to whoever was calling when it appeared: a resource
 *   (by name and incarnation) during that resource's provider call, the side client during a side
 *   action. Failure reasons come from the `failJob` faults this world armed (matched through the
 *   emulator's fired-fault log), so they are known even for a job that can no longer be read.
 *
 * Uses the emulator's `jobs()` / `expireJob()` / `taskListLagMs` where the emulator has them; without
 * `jobs()` it falls back to `stats().startCalls` and reads each job's status over the API.
 */
import { DcsClient } from "../../provider/client";
import type { RetryOptions } from "../../provider/config";
import {
  EMULATOR_INSTANCE_IDS as IDS,
  startEmulator,
  type EmulatorClock,
  type EmulatorOptions,
  type Fault,
  type RunningEmulator,
} from "../../provider/emulator";
import * as rt from "../../provider/resources/runtime";
import type { WaitClock } from "../../provider/waiter/wait";
import { EngineModel, type CallInfo, type DynamicProviderLike } from "./engine-model";

export { IDS };

/** A manual clock that reports every change (to keep `Date` in step). */
export class LinkedClock implements EmulatorClock {
  readonly kind = "manual" as const;
  constructor(
    private t: number,
    private readonly onChange: (t: number) => void = () => undefined,
  ) {
    onChange(t);
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(${ms})`);
    this.t += ms;
    this.onChange(this.t);
    return this.t;
  }
}

/** The rejection of the dead process's sleeps. */
export class ProcessKilled extends Error {
  override name = "ProcessKilled";
  constructor() {
    super("the provider process was killed (SIGKILL)");
  }
}

/** Who started a job. */
export type Owner = { kind: "resource"; name: string; incarnation: number } | { kind: "side" } | { kind: "unknown" };

export function ownerKey(o: Owner): string {
  return o.kind === "resource" ? `${o.name}#${o.incarnation}` : o.kind;
}

/** A job as the emulator reports it. */
export interface EmulatorJobLike {
  jobId: string;
  taskId?: string;
  jobType: string;
  instanceId: string;
  beginMs: number;
  status: string;
}

/** A job this world has seen, with its owner and what is known of its end. */
export interface SeenJob extends EmulatorJobLike {
  owner: Owner;
  /** Start order. */
  seq: number;
  /** From the `failJob` fault that hit it. */
  failReason?: string;
  /** Emulated time the world first saw it FAIL. */
  failSeenAt?: number;
  expired?: boolean;
  /** Emulated time it was expired (ShowJobInfo 404 from then on). */
  expiredAt?: number;
}

type MaybeNewEmulator = RunningEmulator &
  Partial<{
    jobs(): EmulatorJobLike[];
    expireJob(jobId: string): void;
  }>;

export interface WorldOptions {
  /** Emulated start time (epoch ms). */
  startMs: number;
  /** Called with the emulated time whenever it moves (e.g. `vi.setSystemTime`). */
  onTimeChange?: (t: number) => void;
  /** Task-list lag of the emulator (ignored by an emulator without the option). */
  taskListLagMs?: number;
  /** Waiter schedule. */
  firstDelayMs?: number;
  maxIntervalMs?: number;
  /**
   * Client retry options of the runtime and the side client. Default: the package defaults (right when
   * the client's sleeps are routed to {@link DcsWorld.clientSleep}); else use {@link FAST_RETRY}.
   */
  clientRetry?: RetryOptions;
}

/**
 * Client retry knobs for a world whose client sleeps do NOT advance the emulated clock (no
 * {@link DcsWorld.clientSleep} routing): real sleeps of a few ms, and `busyTimeoutMs: 0`, since a busy
 * instance could never free up while the emulated clock stands still.
 */
export const FAST_RETRY: RetryOptions = { retries: 2, baseDelayMs: 1, maxDelayMs: 4, busyTimeoutMs: 0, busyBaseDelayMs: 1, busyMaxDelayMs: 2 };

export class DcsWorld {
  readonly lines: string[] = [];
  readonly jobs = new Map<string, SeenJob>();
  readonly model: EngineModel;
  /** The incarnation of each resource name (bumped by the test when the engine deleted it). */
  readonly incarnation = new Map<string, number>();
  /** Armed `failJob` faults: fault ID -> what it is. */
  private readonly armedFails = new Map<number, { reason: string; jobType: string; instanceId: string }>();
  private firedSeen = 0;
  private seq = 0;
  private killAt: number | undefined;
  private sleeps = 0;
  private dead = false;
  private readonly side: DcsClient;
  /** Provider calls made, in order (for messages). */
  readonly calls: string[] = [];

  private constructor(
    readonly emu: MaybeNewEmulator,
    readonly clock: LinkedClock,
    private readonly opts: WorldOptions,
  ) {
    this.side = new DcsClient(
      { endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey }, ...(opts.clientRetry ? { retry: opts.clientRetry } : {}) },
      {},
    );
    this.model = new EngineModel({
      config: this.stackConfig(),
      newProcess: () => this.newProcess(),
      configure: (_p, req) => rt.configure(req),
      afterCall: (info, outcome) => this.afterCall(info, outcome),
      killDrainMs: 5_000,
    });
  }

  static async start(opts: WorldOptions): Promise<DcsWorld> {
    const clock = new LinkedClock(opts.startMs, opts.onTimeChange);
    const options: EmulatorOptions & { taskListLagMs?: number } = { clock, logLevel: "silent" };
    if (opts.taskListLagMs) options.taskListLagMs = opts.taskListLagMs;
    const emu = await startEmulator(options);
    return new DcsWorld(emu as MaybeNewEmulator, clock, opts);
  }

  async stop(): Promise<void> {
    rt.resetRuntime();
    await this.emu.stop();
  }

  get swap(): DynamicProviderLike {
    return rt.masterStandbySwap as unknown as DynamicProviderLike;
  }
  get passThrough(): DynamicProviderLike {
    return rt.clientIpPassThrough as unknown as DynamicProviderLike;
  }

  stackConfig(): { get(k: string): string | undefined } {
    const map: Record<string, string> = {
      "dcs:endpoint": this.emu.url,
      "dcs:projectId": this.emu.projectId,
      "dcs:accessKey": this.emu.accessKey,
      "dcs:secretKey": this.emu.secretKey,
    };
    return { get: (k) => map[k] };
  }

  /** The waiter's clock: sleeping advances emulated time; the dead process's sleeps reject. */
  waitClock(): WaitClock {
    return {
      now: () => this.clock.now(),
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        if (this.dead) throw new ProcessKilled();
        if (this.killAt !== undefined && ++this.sleeps >= this.killAt) {
          this.killAt = undefined;
          this.dead = true;
          this.model.kill();
          throw new ProcessKilled();
        }
        this.clock.advance(Math.max(0, Math.round(ms)));
        await new Promise((r) => setImmediate(r));
      },
    };
  }

  /**
   * The client's retry sleep on the emulated clock: what `provider/retry-policy.ts` `sleep` should do
   * in this world. The dead process's sleeps reject (they do not count towards the kill).
   */
  async clientSleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (this.dead) throw new ProcessKilled();
    this.clock.advance(Math.max(0, Math.round(ms)));
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw signal.reason;
  }

  /** The next `up`'s process dies at its k-th wait sleep (k >= 1). */
  armKill(k: number): void {
    this.killAt = k;
    this.sleeps = 0;
  }

  /** Forgets an armed kill that did not fire. */
  disarmKill(): void {
    this.killAt = undefined;
  }

  private newProcess(): void {
    rt.resetRuntime();
    this.dead = false;
    rt.setRuntimeOverrides({
      env: {},
      log: (l) => this.lines.push(l),
      wait: { clock: this.waitClock(), firstDelayMs: this.opts.firstDelayMs ?? 500, maxIntervalMs: this.opts.maxIntervalMs ?? 1_000, jitter: 0, random: () => 0.5 },
      ...(this.opts.clientRetry ? { client: { retry: this.opts.clientRetry } } : {}),
      now: () => this.clock.now(),
      settlePauseMs: 1,
    });
  }

  private async afterCall(info: CallInfo, _outcome: { ok: boolean; killed: boolean }): Promise<void> {
    this.calls.push(`${info.operation}:${info.name}.${info.method}`);
    if (info.method === "check" || info.method === "diff" || info.method === "configure") return;
    await this.observe({ kind: "resource", name: info.name, incarnation: this.incarnation.get(info.name) ?? 1 });
  }

  // ---- jobs -------------------------------------------------------------------------------------

  /** The emulator's jobs, in start order. */
  async emulatorJobs(): Promise<EmulatorJobLike[]> {
    if (typeof this.emu.jobs === "function") return this.emu.jobs().map((j) => ({ ...j }));
    const out: EmulatorJobLike[] = [];
    for (const s of this.emu.stats().startCalls) {
      const known = this.jobs.get(s.jobId);
      let status = known?.status ?? "UNKNOWN";
      if (status !== "SUCCESS" && status !== "FAIL") {
        try {
          status = (await this.side.showJob(s.jobId)).status;
        } catch {
          // unreadable: keep what was known
        }
      }
      out.push({ jobId: s.jobId, jobType: s.jobType, instanceId: s.instanceId, beginMs: s.at, status });
    }
    return out;
  }

  /** Records the jobs that appeared since the last look as `owner`'s, refreshes statuses and fail reasons. */
  async observe(owner: Owner): Promise<void> {
    const list = await this.emulatorJobs();
    const fresh: SeenJob[] = [];
    for (const j of list) {
      let seen = this.jobs.get(j.jobId);
      if (!seen) {
        seen = { ...j, owner, seq: this.seq++ };
        this.jobs.set(j.jobId, seen);
        fresh.push(seen);
      }
      seen.status = j.status;
      if (j.status === "FAIL" && seen.failSeenAt === undefined) seen.failSeenAt = this.clock.now();
    }
    const fired = this.emu.stats().faultsFired;
    for (const f of fired.slice(this.firedSeen)) {
      const armed = f.kind === "failJob" ? this.armedFails.get(f.id) : undefined;
      if (!armed) continue;
      const job = fresh.find((j) => j.failReason === undefined && j.jobType === armed.jobType && j.instanceId === armed.instanceId);
      if (job) job.failReason = armed.reason;
    }
    this.firedSeen = fired.length;
  }

  /** Jobs by filter, in start order. */
  list(filter: (j: SeenJob) => boolean = () => true): SeenJob[] {
    return [...this.jobs.values()].filter(filter).sort((a, b) => a.seq - b.seq);
  }

  // ---- faults and side actions ----------------------------------------------------------------

  inject(fault: Record<string, unknown>): number[] {
    return this.emu.inject(fault as unknown as Fault);
  }

  /** The next job started on (route, instance) fails with `reason`. */
  armFail(route: "swap" | "clientIp", instanceId: string, reason: string): void {
    const [id] = this.inject({ route, kind: "failJob", failReason: reason, instanceId });
    this.armedFails.set(id!, { reason, jobType: route === "swap" ? "masterStandbySwapJob" : "modifyClientIpTransJob", instanceId });
  }

  /** Another client starts an operation on the instance (errors are the side's business). */
  async sideStart(instanceId: string, kind: "swap" | "clientIp"): Promise<string> {
    await this.observe({ kind: "unknown" });
    let outcome: string;
    try {
      if (kind === "swap") outcome = `started ${(await this.side.swapMasterStandby(instanceId)).jobId}`;
      else {
        const live = (await this.side.showInstance(instanceId)).transparentClientIpEnable;
        outcome = `started ${(await this.side.setClientIpPassThrough(instanceId, !live)).jobId}`;
      }
    } catch (e) {
      outcome = `refused: ${(e as Error).message.slice(0, 80)}`;
    }
    await this.observe({ kind: "side" });
    return outcome;
  }

  /** Expires a job (ShowJobInfo answers 404 from now on). False when the emulator cannot. */
  expire(jobId: string): boolean {
    if (typeof this.emu.expireJob !== "function") return false;
    this.emu.expireJob(jobId);
    const j = this.jobs.get(jobId);
    if (j) Object.assign(j, { expired: true, expiredAt: this.clock.now() });
    return true;
  }

  get canExpire(): boolean {
    return typeof this.emu.expireJob === "function";
  }

  /** The live pass-through value of an instance (read by the side client). */
  async livePassThrough(instanceId: string): Promise<boolean | undefined> {
    return (await this.side.showInstance(instanceId)).transparentClientIpEnable;
  }
}
