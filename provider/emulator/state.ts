/**
 * The emulator's in-memory DCS: instances, jobs and background tasks. Pure: every method takes the
 * emulated time `now`, job status is computed from it at read time, and a finished job's effect
 * (swap the master, flip pass-through) is applied the first time anything looks at the instance or
 * the job after its end, so a manual clock gives exact, timer-free behaviour.
 */
import { randomBytes } from "node:crypto";
import type { KnownJobType } from "../types";
import { ERRORS, type ErrorAnswer } from "./errors";
import type { SeedInstance } from "./seed";

/** Job durations in emulated milliseconds, per job type. */
export type JobDurations = Record<KnownJobType, number> & Record<string, number>;

/** Defaults: a swap takes seconds, a pass-through change takes longer (it restarts proxies). */
export const DEFAULT_JOB_DURATIONS: Readonly<JobDurations> = Object.freeze({
  masterStandbySwapJob: 6_000,
  modifyClientIpTransJob: 20_000,
});

/** How long a new job reads `INIT` before `RUNNING` (capped at the job's duration). */
export const DEFAULT_JOB_INIT_MS = 1_000;

/** The fixed user the emulator's background tasks report. */
export const EMULATOR_USER = { user_name: "emulator-user", user_id: "0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e" } as const;

/** A new job ID: 32 lower-case hex digits like the vendor's (`ff8080818822bbf70188235afc24141a`). */
export function newJobId(): string {
  return "ff808081" + randomBytes(12).toString("hex");
}

type Effect = { kind: "swap" } | { kind: "clientIp"; enable: boolean };

interface JobRecord {
  jobId: string;
  jobType: KnownJobType;
  instanceId: string;
  beginMs: number;
  initMs: number;
  /** Infinity: never finishes. */
  durationMs: number;
  outcome: "SUCCESS" | "FAIL";
  failReason: string | null;
  effect: Effect;
  params: string | null;
  settled: boolean;
}

interface InstanceRecord extends SeedInstance {
  activeJobId?: string;
}

/** How a started job should behave (from the job faults). */
export interface JobPlan {
  durationMs?: number;
  fail?: string;
  hang?: boolean;
}

/** A started job, as the server needs it for its answer and its stats. */
export interface StartedJobInfo {
  jobId: string;
  jobType: KnownJobType;
  instanceId: string;
  beginMs: number;
}

export type StartResult = { ok: true; job: StartedJobInfo } | { ok: false; error: ErrorAnswer };

/** The ShowJobInfo body (exactly the contract's six fields). */
export interface JobInfoBody {
  job_id: string;
  job_type: string;
  status: "INIT" | "RUNNING" | "SUCCESS" | "FAIL";
  begin_time: string;
  end_time: string;
  fail_reason: string | null;
}

/** One SingleBackgroundTask. */
export interface TaskBody {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at: string | null;
  user_name: string;
  user_id: string;
  params: string | null;
  details: Record<string, unknown>;
  enable_show: boolean;
}

/** Parsed ListBackgroundTask query. */
export interface TaskQuery {
  offset: number;
  limit: number;
  startMs?: number;
  endMs?: number;
}

export interface StateOptions {
  durations?: Partial<JobDurations>;
  initMs?: number;
}

export class EmulatorState {
  private instances = new Map<string, InstanceRecord>();
  private jobs = new Map<string, JobRecord>();
  private durations: JobDurations;
  private readonly initMs: number;

  constructor(
    private seed: readonly SeedInstance[],
    options: StateOptions = {},
  ) {
    this.durations = { ...DEFAULT_JOB_DURATIONS, ...definedOnly(options.durations ?? {}) } as JobDurations;
    for (const [type, ms] of Object.entries(this.durations)) {
      if (!(typeof ms === "number" && ms >= 0)) throw new RangeError(`jobDurations.${type} must be a non-negative number of milliseconds.`);
    }
    this.initMs = options.initMs ?? DEFAULT_JOB_INIT_MS;
    this.reset();
  }

  /** Back to the seed: instances as seeded, no jobs. */
  reset(seed?: readonly SeedInstance[]): void {
    if (seed) this.seed = seed;
    this.instances = new Map(this.seed.map((s) => [s.instance_id, { ...s }]));
    this.jobs = new Map();
  }

  /** Changes the duration of jobs of `jobType` started from now on. */
  setJobDuration(jobType: string, ms: number): void {
    if (!(typeof ms === "number" && ms >= 0)) throw new RangeError(`The duration of ${jobType} must be a non-negative number of milliseconds.`);
    this.durations[jobType] = ms;
  }

  /** The seeded instances (current values). */
  instanceIds(): string[] {
    return [...this.instances.keys()];
  }

  hasInstance(id: string): boolean {
    return this.instances.has(id);
  }

  /** The instance a job belongs to, if the job exists. */
  jobInstance(jobId: string): string | undefined {
    return this.jobs.get(jobId)?.instanceId;
  }

  /** Applies the effects of every job that has ended by `now` (once each, in start order). */
  settle(now: number): void {
    for (const job of this.jobs.values()) {
      if (job.settled || now < job.beginMs + job.durationMs) continue;
      job.settled = true;
      const inst = this.instances.get(job.instanceId);
      if (!inst) continue;
      if (inst.activeJobId === job.jobId) delete inst.activeJobId;
      if (job.outcome !== "SUCCESS") continue;
      if (job.effect.kind === "swap") {
        const m = inst.master_node;
        inst.master_node = inst.standby_node;
        inst.standby_node = m;
      } else {
        inst.transparent_client_ip_enable = job.effect.enable;
      }
    }
  }

  /** The job's status at `now`. */
  private statusAt(job: JobRecord, now: number): JobInfoBody["status"] {
    const init = Math.min(job.initMs, job.durationMs);
    if (now < job.beginMs + init) return "INIT";
    if (now < job.beginMs + job.durationMs) return "RUNNING";
    return job.outcome;
  }

  /** ShowJobInfo, or undefined when there is no such job. */
  showJob(jobId: string, now: number): JobInfoBody | undefined {
    this.settle(now);
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    const status = this.statusAt(job, now);
    const ended = status === "SUCCESS" || status === "FAIL";
    return {
      job_id: job.jobId,
      job_type: job.jobType,
      status,
      // Whole milliseconds, as the API sends them, even when a manual clock was moved by a fraction.
      begin_time: String(Math.floor(job.beginMs)),
      // The contract allows empty or null while running; the emulator sends "" (the harder case).
      end_time: ended ? String(Math.floor(job.beginMs + job.durationMs)) : "",
      fail_reason: status === "FAIL" ? job.failReason : null,
    };
  }

  /** The ShowInstance body (a realistic subset), or undefined when there is no such instance. */
  showInstance(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    const active = i.activeJobId ? this.jobs.get(i.activeJobId) : undefined;
    return {
      instance_id: i.instance_id,
      name: i.name,
      status: i.status,
      sub_status: "normal",
      engine: i.engine,
      engine_version: i.engine_version,
      cache_mode: i.cache_mode,
      transparent_client_ip_enable: i.transparent_client_ip_enable,
      features: {
        support_acl: true,
        support_transparent_client_ip: i.support_transparent_client_ip,
        support_ssl: false,
        support_audit_log: false,
      },
      enable_ssl: false,
      port: 6379,
      domain_name: `redis-${i.instance_id}.dcs.emulator.local`,
      charging_mode: 0,
      // Not in the vendor's ShowInstance model: terraform-provider-huaweicloud reads `task` as "busy
      // when non-null". The emulator sends the running job's type while one runs, nothing otherwise.
      ...(active ? { task: active.jobType } : {}),
      // Emulator extension: ShowInstance does not report the master node (vendor model
      // ShowInstanceResponse has no such field). Sent so swaps are observable.
      ...(i.cache_mode === "ha" ? { master_node: i.master_node ?? null, standby_node: i.standby_node ?? null } : {}),
    };
  }

  /** ListBackgroundTask for one instance: newest first, filtered by creation time, paged. */
  listTasks(instanceId: string, now: number, q: TaskQuery): { task_count: string; tasks: TaskBody[] } | undefined {
    this.settle(now);
    if (!this.instances.has(instanceId)) return undefined;
    const all = [...this.jobs.values()]
      .filter((j) => j.instanceId === instanceId)
      .filter((j) => (q.startMs === undefined || j.beginMs >= q.startMs) && (q.endMs === undefined || j.beginMs <= q.endMs))
      .sort((a, b) => b.beginMs - a.beginMs);
    const page = all.slice(q.offset, q.offset + q.limit);
    return {
      task_count: String(all.length),
      tasks: page.map((j) => {
        const status = this.statusAt(j, now);
        const ended = status === "SUCCESS" || status === "FAIL";
        return {
          // Assumption: the task's `id` is the job's ID (the vendor does not document the relation).
          id: j.jobId,
          name: j.jobType,
          status,
          created_at: new Date(j.beginMs).toISOString(),
          updated_at: ended ? new Date(j.beginMs + j.durationMs).toISOString() : null,
          ...EMULATOR_USER,
          params: j.params,
          details: {},
          enable_show: false,
        };
      }),
    };
  }

  /** Checks shared by every operation: exists, running, not busy. */
  private precheck(instanceId: string, now: number, busyCode: (active: JobRecord) => ErrorAnswer): ErrorAnswer | InstanceRecord {
    this.settle(now);
    const inst = this.instances.get(instanceId);
    if (!inst) return ERRORS.instanceNotFound(instanceId);
    const active = inst.activeJobId ? this.jobs.get(inst.activeJobId) : undefined;
    if (active) return busyCode(active);
    if (inst.status !== "RUNNING") return ERRORS.instanceNotRunning(inst.status);
    return inst;
  }

  /** `PUT .../async-swap`. `plan` is asked only when the job really starts (so faults are not wasted). */
  startSwap(instanceId: string, now: number, plan: () => JobPlan): StartResult {
    const inst = this.precheck(instanceId, now, (a) => ERRORS.instanceBusy(a.jobType));
    if (!isInstance(inst)) return { ok: false, error: inst };
    if (inst.cache_mode !== "ha") return { ok: false, error: ERRORS.swapNotSupported() };
    return { ok: true, job: this.createJob(inst, "masterStandbySwapJob", { kind: "swap" }, null, now, plan()) };
  }

  /** `POST .../swap` (synchronous fallback): swaps at once; records a finished task. */
  swapNow(instanceId: string, now: number): StartResult {
    const inst = this.precheck(instanceId, now, (a) => ERRORS.instanceBusy(a.jobType));
    if (!isInstance(inst)) return { ok: false, error: inst };
    if (inst.cache_mode !== "ha") return { ok: false, error: ERRORS.swapNotSupported() };
    const job = this.createJob(inst, "masterStandbySwapJob", { kind: "swap" }, null, now, { durationMs: 0 });
    this.settle(now);
    return { ok: true, job };
  }

  /** `PUT .../client-ip-transparent-transmission`. */
  startClientIp(instanceId: string, enable: boolean, now: number, plan: () => JobPlan): StartResult {
    const inst = this.precheck(instanceId, now, (a) =>
      a.jobType === "modifyClientIpTransJob" ? ERRORS.clientIpInProgress() : ERRORS.instanceBusy(a.jobType),
    );
    if (!isInstance(inst)) return { ok: false, error: inst };
    if (!inst.support_transparent_client_ip) return { ok: false, error: ERRORS.clientIpNotSupported() };
    if (inst.transparent_client_ip_enable === enable) {
      return { ok: false, error: enable ? ERRORS.clientIpAlreadyOn() : ERRORS.clientIpAlreadyOff() };
    }
    const params = JSON.stringify({ transparent_client_ip_enable: enable });
    return { ok: true, job: this.createJob(inst, "modifyClientIpTransJob", { kind: "clientIp", enable }, params, now, plan()) };
  }

  private createJob(inst: InstanceRecord, jobType: KnownJobType, effect: Effect, params: string | null, now: number, plan: JobPlan): StartedJobInfo {
    let jobId = newJobId();
    while (this.jobs.has(jobId)) jobId = newJobId();
    const durationMs = plan.hang ? Infinity : (plan.durationMs ?? this.durations[jobType] ?? 0);
    const job: JobRecord = {
      jobId,
      jobType,
      instanceId: inst.instance_id,
      beginMs: now,
      initMs: this.initMs,
      durationMs,
      outcome: plan.fail !== undefined ? "FAIL" : "SUCCESS",
      failReason: plan.fail ?? null,
      effect,
      params,
      settled: false,
    };
    this.jobs.set(jobId, job);
    inst.activeJobId = jobId;
    return { jobId, jobType, instanceId: inst.instance_id, beginMs: now };
  }
}

function isInstance(x: ErrorAnswer | InstanceRecord): x is InstanceRecord {
  return (x as InstanceRecord).instance_id !== undefined;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** UTC `yyyyMMddHHmmss` to epoch ms; undefined when malformed. */
export function parseTaskTime(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(ms);
  // Reject 20240230... (Date.UTC rolls it over).
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined;
  return ms;
}
