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

/** Job IDs start with this; task IDs never do, so a task ID can never equal a job ID. */
export const JOB_ID_PREFIX = "ff808081";
/** Task IDs start with this (the OTC reference's example task ID is `8abf6e1e72c12e7c0172c15b508500aa`). */
export const TASK_ID_PREFIX = "8abf6e1e";

/** A new background-task ID: 32 lower-case hex digits, a different value from its job's ID. */
export function newTaskId(): string {
  return TASK_ID_PREFIX + randomBytes(12).toString("hex");
}

/** The `error_code` a failed job's task-center item carries unless the fault names one (emulator's choice). */
export const DEFAULT_TASK_ERROR_CODE = "DCS.5000";

type Effect = { kind: "swap" } | { kind: "clientIp"; enable: boolean };

interface JobRecord {
  jobId: string;
  /** The background task's ID: its own value, never the job ID. */
  taskId: string;
  jobType: KnownJobType;
  instanceId: string;
  beginMs: number;
  initMs: number;
  /** Infinity: never finishes. */
  durationMs: number;
  outcome: "SUCCESS" | "FAIL";
  failReason: string | null;
  /** Task-center `error_code` once the job has failed. */
  errorCode: string | null;
  effect: Effect;
  params: string | null;
  settled: boolean;
  /** Expired by `expireJob()`: ShowJobInfo answers 404, the task stays listed. */
  expired: boolean;
}

interface InstanceRecord extends SeedInstance {
  activeJobId?: string;
}

/** How a started job should behave (from the job faults). */
export interface JobPlan {
  durationMs?: number;
  fail?: string;
  /** With `fail`: the task-center `error_code`. */
  errorCode?: string;
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

/** One SingleBackgroundTask (vendor SDK `model_single_background_task.go`): no `job_id`, no `error_code`. */
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

/** One ListCenterTasksResp (vendor SDK `model_list_center_tasks_resp.go`): a task plus its job. */
export interface CenterTaskBody extends TaskBody {
  /** null unless the job failed. */
  error_code: string | null;
  /** The job behind the task (a different value from `id`). */
  job_id: string;
}

/** Either task list's body; `task_count` is a string (`*string` in the SDK). */
export interface TaskListBody<T> {
  task_count: string;
  tasks: T[];
}

/** A job as `jobs()` reports it (for tests: counts per instance and type). */
export interface EmulatorJob {
  jobId: string;
  taskId: string;
  jobType: string;
  instanceId: string;
  /** Emulated epoch ms. */
  beginMs: number;
  status: JobInfoBody["status"];
}

/** Parsed ListBackgroundTask / ListCenterTask query. */
export interface TaskQuery {
  offset: number;
  limit: number;
  startMs?: number;
  endMs?: number;
}

export interface StateOptions {
  durations?: Partial<JobDurations>;
  initMs?: number;
  /** A task appears in the task lists only this many emulated ms after its job began (default 0). */
  taskListLagMs?: number;
  /** Ended jobs read 404 this many emulated ms after their end (default: kept forever). */
  jobRetentionMs?: number;
}

export class EmulatorState {
  private instances = new Map<string, InstanceRecord>();
  private jobs = new Map<string, JobRecord>();
  private durations: JobDurations;
  private readonly initMs: number;
  private readonly taskListLagMs: number;
  private readonly jobRetentionMs: number | undefined;

  constructor(
    private seed: readonly SeedInstance[],
    options: StateOptions = {},
  ) {
    this.durations = { ...DEFAULT_JOB_DURATIONS, ...definedOnly(options.durations ?? {}) } as JobDurations;
    for (const [type, ms] of Object.entries(this.durations)) {
      if (!(typeof ms === "number" && ms >= 0)) throw new RangeError(`jobDurations.${type} must be a non-negative number of milliseconds.`);
    }
    this.initMs = options.initMs ?? DEFAULT_JOB_INIT_MS;
    this.taskListLagMs = options.taskListLagMs ?? 0;
    if (!(typeof this.taskListLagMs === "number" && this.taskListLagMs >= 0 && Number.isFinite(this.taskListLagMs))) {
      throw new RangeError("taskListLagMs must be a non-negative number of milliseconds.");
    }
    this.jobRetentionMs = options.jobRetentionMs;
    if (this.jobRetentionMs !== undefined && !(typeof this.jobRetentionMs === "number" && this.jobRetentionMs >= 0)) {
      throw new RangeError("jobRetentionMs must be a non-negative number of milliseconds.");
    }
    this.reset();
  }

  /** Back to the seed: instances as seeded (deleted ones back too), no jobs. */
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

  /**
   * Deletes an instance: from now on every route about it answers 404 like an unknown instance. Its
   * jobs stay (ShowJobInfo and the task center still show them; a running one ends without effect).
   * Throws when there is no such instance.
   */
  deleteInstance(instanceId: string, now: number): void {
    this.settle(now);
    if (!this.instances.delete(instanceId)) throw new Error(`No instance ${instanceId} to delete.`);
  }

  /** Expires a job: ShowJobInfo answers 404 from now on, its task stays in both lists. Throws when there is no such job. */
  expireJob(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`No job ${jobId} to expire.`);
    job.expired = true;
  }

  /** Every job started so far (also expired ones and those of deleted instances), in start order. */
  listJobs(now: number): EmulatorJob[] {
    this.settle(now);
    return [...this.jobs.values()].map((j) => ({
      jobId: j.jobId,
      taskId: j.taskId,
      jobType: j.jobType,
      instanceId: j.instanceId,
      beginMs: j.beginMs,
      status: this.statusAt(j, now),
    }));
  }

  /** Expired by `expireJob()`, or ended more than `jobRetentionMs` ago. */
  private isExpired(job: JobRecord, now: number): boolean {
    if (job.expired) return true;
    if (this.jobRetentionMs === undefined) return false;
    const end = job.beginMs + job.durationMs;
    return Number.isFinite(end) && now >= end + this.jobRetentionMs;
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
    if (!job || this.isExpired(job, now)) return undefined;
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

  /**
   * The jobs whose tasks a list shows at `now`: visible (`taskListLagMs` after the job began), created
   * inside the window, newest first.
   */
  private listedJobs(now: number, q: TaskQuery, instanceId?: string): JobRecord[] {
    return [...this.jobs.values()]
      .filter((j) => instanceId === undefined || j.instanceId === instanceId)
      .filter((j) => now >= j.beginMs + this.taskListLagMs)
      .filter((j) => (q.startMs === undefined || j.beginMs >= q.startMs) && (q.endMs === undefined || j.beginMs <= q.endMs))
      .sort((a, b) => b.beginMs - a.beginMs);
  }

  /** A job's task as SingleBackgroundTask. */
  private taskBody(j: JobRecord, now: number): TaskBody {
    const status = this.statusAt(j, now);
    const ended = status === "SUCCESS" || status === "FAIL";
    return {
      id: j.taskId,
      name: j.jobType,
      // Assumption: the task reads the job's status (the vendor lists no task status values).
      status,
      created_at: new Date(j.beginMs).toISOString(),
      updated_at: ended ? new Date(j.beginMs + j.durationMs).toISOString() : null,
      ...EMULATOR_USER,
      params: j.params,
      details: {},
      enable_show: false,
    };
  }

  /** ListBackgroundTask for one instance: newest first, filtered by creation time, paged. */
  listTasks(instanceId: string, now: number, q: TaskQuery): TaskListBody<TaskBody> | undefined {
    this.settle(now);
    if (!this.instances.has(instanceId)) return undefined;
    const all = this.listedJobs(now, q, instanceId);
    return { task_count: String(all.length), tasks: all.slice(q.offset, q.offset + q.limit).map((j) => this.taskBody(j, now)) };
  }

  /**
   * ListCenterTask: every instance's tasks (deleted instances' too), newest first, filtered by creation
   * time, paged. The vendor route has no instance filter, and its items carry no instance ID.
   */
  listCenterTasks(now: number, q: TaskQuery): TaskListBody<CenterTaskBody> {
    this.settle(now);
    const all = this.listedJobs(now, q);
    return {
      task_count: String(all.length),
      tasks: all.slice(q.offset, q.offset + q.limit).map((j) => {
        const t = this.taskBody(j, now);
        return { ...t, error_code: t.status === "FAIL" ? j.errorCode : null, job_id: j.jobId };
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
    const taskIds = new Set([...this.jobs.values()].map((j) => j.taskId));
    let taskId = newTaskId();
    while (taskIds.has(taskId)) taskId = newTaskId();
    const durationMs = plan.hang ? Infinity : (plan.durationMs ?? this.durations[jobType] ?? 0);
    const job: JobRecord = {
      jobId,
      taskId,
      jobType,
      instanceId: inst.instance_id,
      beginMs: now,
      initMs: this.initMs,
      durationMs,
      outcome: plan.fail !== undefined ? "FAIL" : "SUCCESS",
      failReason: plan.fail ?? null,
      errorCode: plan.fail !== undefined ? (plan.errorCode ?? DEFAULT_TASK_ERROR_CODE) : null,
      effect,
      params,
      settled: false,
      expired: false,
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
