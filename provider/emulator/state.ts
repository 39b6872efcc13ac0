/**
 * The emulator's in-memory DCS: instances, jobs and background tasks. Pure: every method takes the
 * emulated time `now`, job status is computed from it at read time, and a finished job's effect
 * (`operations.ts`: swap the master, flip pass-through or SSL, set parameters, ...) is applied the
 * first time anything looks at the instance or the job after its end, so a manual clock gives exact,
 * timer-free behaviour.
 */
import { randomBytes } from "node:crypto";
import { OPERATIONS, operation } from "../operations/table";
import type { OperationDef, PathValues } from "../operations/types";
import { ERRORS, type ErrorAnswer } from "./errors";
import { emulatedOperation, isErrorAnswer, jobTypeOf, nodeName, type JobEffect, type OperationCall, type TaskDetails } from "./operations";
import type { SeedInstance } from "./seed";

/** Job durations in emulated milliseconds, per task name (for the swap and pass-through: their job type). */
export type JobDurations = Record<string, number>;

/**
 * Defaults: each operation's `typicalMs` from the table, by task name, except the swap (6 s) and the
 * pass-through change (20 s), which keep the durations they had before the table (tests, benchmarks
 * and docs count on them).
 */
export const DEFAULT_JOB_DURATIONS: Readonly<JobDurations> = Object.freeze({
  ...Object.fromEntries(OPERATIONS.map((o) => [o.task.name, o.typicalMs])),
  masterStandbySwapJob: 6_000,
  modifyClientIpTransJob: 20_000,
});

/** `config_time` of ListConfigurations before any parameter change (the emulator's seed time). */
export const SEED_CONFIG_TIME = "2024-01-01T00:00:00.000Z";

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

interface JobRecord {
  jobId: string;
  /** The background task's ID: its own value, never the job ID. */
  taskId: string;
  /** ShowJobInfo `job_type`: the table's `jobType`, else the task name. */
  jobType: string;
  /** The task's `name` in both lists: the table's `task.name`. */
  taskName: string;
  /** The SDK name of the operation (`swapSync` for the synchronous swap). */
  operation: string;
  /** Its path values (group, node, account IDs). */
  values: PathValues;
  /** "" for a tenant-wide job (ExportInstancesTask). */
  instanceId: string;
  beginMs: number;
  initMs: number;
  /** Infinity: never finishes. */
  durationMs: number;
  outcome: "SUCCESS" | "FAIL";
  failReason: string | null;
  /** Task-center `error_code` once the job has failed. */
  errorCode: string | null;
  /** Applied to the instance when the job ends in SUCCESS. */
  effect?: JobEffect;
  params: string | null;
  /** The task's `details` (DetailsBody). */
  details: TaskDetails;
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
  jobType: string;
  /** "" for a tenant-wide job. */
  instanceId: string;
  beginMs: number;
  /** Fields of the start answer besides `job_id`. */
  answer?: Record<string, unknown>;
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
    // Deep copies: effects change nested lists (groups, accounts, parameters), never the seed.
    this.instances = new Map(this.seed.map((s) => [s.instance_id, structuredClone(s) as InstanceRecord]));
    this.jobs = new Map();
  }

  /** Changes the duration of jobs of this task name (for the swap and pass-through: their job type) started from now on. */
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
      if (job.outcome !== "SUCCESS" || !job.effect) continue;
      if (typeof job.effect === "function") job.effect(inst);
      else Object.assign(inst, structuredClone(job.effect));
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
        support_ssl: i.support_ssl,
        support_audit_log: false,
      },
      enable_ssl: i.enable_ssl,
      // Public access (UpdatePublicIp / DeletePublicIp); the ID and address are null while it is off.
      enable_publicip: i.enable_publicip,
      publicip_id: i.publicip_id,
      publicip_address: i.publicip_address,
      ...(i.cache_mode === "cluster" ? { sharding_count: i.groups.length, replica_count: i.groups[0]?.replicas.length ?? 0 } : {}),
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
      name: j.taskName,
      // Assumption: the task reads the job's status (the vendor lists no task status values).
      status,
      created_at: new Date(j.beginMs).toISOString(),
      updated_at: ended ? new Date(j.beginMs + j.durationMs).toISOString() : null,
      ...EMULATOR_USER,
      params: j.params,
      details: { ...j.details },
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

  // ---- reads of what the operations change (response shapes: the vendor SDK's models) ---------------

  /** ShowIpWhitelist (`ShowIpWhitelistResponse`), or undefined when there is no such instance. */
  showIpWhitelist(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    return { instance_id: i.instance_id, enable_whitelist: i.enable_whitelist, whitelist: i.whitelist.map((g) => ({ group_name: g.group_name, ip_list: [...g.ip_list] })) };
  }

  /**
   * ListConfigurations (`ListConfigurationsResponse`, items `QueryRedisConfig`). `config_status` is
   * `UPDATING` while a parameter change runs, `FAILURE` when the last one failed, else `SUCCESS` (the
   * SDK's enum); `config_time` is the last change's begin (the seed time before any).
   */
  listConfigurations(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    const last = [...this.jobs.values()].filter((j) => j.instanceId === instanceId && j.operation === "UpdateInstanceConfig").at(-1);
    const status = last ? this.statusAt(last, now) : "SUCCESS";
    return {
      config_time: last ? new Date(last.beginMs).toISOString() : SEED_CONFIG_TIME,
      instance_id: i.instance_id,
      redis_config: i.redis_config.map((p) => ({
        param_id: p.param_id,
        param_name: p.param_name,
        param_value: p.param_value,
        default_value: p.default_value,
        value_type: p.value_type,
        value_range: p.value_range,
        description: p.description,
      })),
      config_status: status === "SUCCESS" ? "SUCCESS" : status === "FAIL" ? "FAILURE" : "UPDATING",
      status: i.status,
    };
  }

  /**
   * ListAclAccounts (`ListAclAccountsResponse`, items `AclAccountResp`): `status` is `UPDATING` while a
   * role change of that account runs, else `AVAILABLE`; `error_code` null ("not used yet", the SDK says).
   */
  listAclAccounts(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    const active = i.activeJobId ? this.jobs.get(i.activeJobId) : undefined;
    const updating = active?.operation === "UpdateAclAccount" ? active.values.account_id : undefined;
    return {
      accounts: i.acl_accounts.map((a) => ({
        account_id: a.account_id,
        account_name: a.account_name,
        account_type: a.account_type,
        instance_id: i.instance_id,
        status: a.account_id === updating ? "UPDATING" : "AVAILABLE",
        account_role: a.account_role,
        description: a.description,
        error_code: null,
      })),
    };
  }

  /**
   * ListGroupReplicationInfo (`ListGroupReplicationInfoResponse`): the shards of a cluster instance and
   * their replicas (`replication_role` master/slave, `status` Active); other instances have none.
   */
  listGroupReplicationInfo(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    return {
      group_list: i.groups.map((g) => ({
        group_id: g.group_id,
        group_name: g.group_name,
        replication_list: g.replicas.map((r) => ({
          replication_role: r.role,
          replication_ip: r.ip,
          is_replication: false,
          replication_id: r.replication_id,
          node_id: r.node_id,
          status: "Active",
          az_code: r.az_code,
          dimensions: replicaDimensions(i.instance_id, r.monitor_id),
        })),
      })),
      group_count: i.groups.length,
    };
  }

  /**
   * ShowNodesInformation (`GET .../logical-nodes`, `ShowNodesInformationResponse`, items
   * `NodesInfoResp`): a cluster's nodes, with `is_remove_ip` (DeleteIpFromDomainName) and `node_type`
   * (master/slave); other instances list none.
   */
  showNodes(instanceId: string, now: number): Record<string, unknown> | undefined {
    this.settle(now);
    const i = this.instances.get(instanceId);
    if (!i) return undefined;
    const nodes = i.groups.flatMap((g) =>
      g.replicas.map((r, n) => ({
        logical_node_id: r.node_id,
        name: nodeName(g, n),
        status: "Active",
        az_code: r.az_code,
        node_role: "redis-server",
        node_type: r.role,
        node_ip: r.ip,
        node_port: "6379",
        node_id: r.node_id,
        priority_weight: 100,
        is_access: true,
        group_id: g.group_id,
        group_name: g.group_name,
        is_remove_ip: r.ip_removed,
        replication_id: r.replication_id,
        dimensions: replicaDimensions(i.instance_id, r.monitor_id),
      })),
    );
    return { instance_id: i.instance_id, total: nodes.length, nodes };
  }

  // ---- starting operations ----------------------------------------------------------------------

  /** Checks shared by every operation about an instance: exists, not busy, running. */
  private precheck(instanceId: string, now: number, busyCode: (active: JobRecord) => ErrorAnswer): ErrorAnswer | InstanceRecord {
    this.settle(now);
    const inst = this.instances.get(instanceId);
    if (!inst) return ERRORS.instanceNotFound(instanceId);
    const active = inst.activeJobId ? this.jobs.get(inst.activeJobId) : undefined;
    if (active) return busyCode(active);
    if (inst.status !== "RUNNING") return ERRORS.instanceNotRunning(inst.status);
    return inst;
  }

  /**
   * Starts an operation of the table (path values and body already checked against it): the shared
   * checks (for an instance's operation), then its own precondition (`operations.ts`). `plan` is asked
   * only when the job really starts (so faults are not wasted on a refused call).
   */
  startOperation(call: OperationCall, now: number, plan: () => JobPlan): StartResult {
    const emulated = emulatedOperation(call.op);
    this.settle(now);
    let inst: InstanceRecord | undefined;
    if (emulated.scope === "instance") {
      const checked = this.precheck(call.values.instance_id ?? "", now, (a) => emulated.busy?.(a) ?? ERRORS.instanceBusy(a.jobType));
      if (!isInstance(checked)) return { ok: false, error: checked };
      inst = checked;
    }
    const start = emulated.start(inst, call);
    if (isErrorAnswer(start)) return { ok: false, error: start };
    const job = this.createJob(inst, call.op, call.op.name, call.values, start.effect, start.params, start.details ?? {}, now, plan());
    return { ok: true, job: start.answer ? { ...job, answer: start.answer } : job };
  }

  /** `POST .../swap` (synchronous fallback): swaps at once; records a finished task. */
  swapNow(instanceId: string, now: number): StartResult {
    const op = operation("ChangeMasterStandbyAsync");
    const inst = this.precheck(instanceId, now, (a) => ERRORS.instanceBusy(a.jobType));
    if (!isInstance(inst)) return { ok: false, error: inst };
    const start = emulatedOperation(op).start(inst, { op, values: { instance_id: instanceId }, body: {} });
    if (isErrorAnswer(start)) return { ok: false, error: start };
    const job = this.createJob(inst, op, "swapSync", { instance_id: instanceId }, start.effect, start.params, {}, now, { durationMs: 0 });
    this.settle(now);
    return { ok: true, job };
  }

  private createJob(
    inst: InstanceRecord | undefined,
    op: OperationDef,
    operationName: string,
    values: PathValues,
    effect: JobEffect | undefined,
    params: string | null,
    details: TaskDetails,
    now: number,
    plan: JobPlan,
  ): StartedJobInfo {
    let jobId = newJobId();
    while (this.jobs.has(jobId)) jobId = newJobId();
    const taskIds = new Set([...this.jobs.values()].map((j) => j.taskId));
    let taskId = newTaskId();
    while (taskIds.has(taskId)) taskId = newTaskId();
    const jobType = jobTypeOf(op);
    const durationMs = plan.hang ? Infinity : (plan.durationMs ?? this.durations[op.task.name] ?? op.typicalMs);
    const instanceId = inst?.instance_id ?? "";
    const job: JobRecord = {
      jobId,
      taskId,
      jobType,
      taskName: op.task.name,
      operation: operationName,
      values: { ...values },
      instanceId,
      beginMs: now,
      initMs: this.initMs,
      durationMs,
      outcome: plan.fail !== undefined ? "FAIL" : "SUCCESS",
      failReason: plan.fail ?? null,
      errorCode: plan.fail !== undefined ? (plan.errorCode ?? DEFAULT_TASK_ERROR_CODE) : null,
      ...(effect ? { effect } : {}),
      params,
      details,
      settled: false,
      expired: false,
    };
    this.jobs.set(jobId, job);
    if (inst) inst.activeJobId = jobId;
    return { jobId, jobType, instanceId, beginMs: now };
  }

  // ---- task progress (ShowBackgroundTaskProgress; the body is made in progress.ts) ----------------

  /**
   * The job behind task `taskId` of an instance, as the progress route needs it; undefined when the
   * instance does not exist or does not list that task at `now` (unknown, another instance's, or not
   * listed yet because of `taskListLagMs`).
   */
  taskJob(instanceId: string, taskId: string, now: number): TaskJobView | undefined {
    this.settle(now);
    if (!this.instances.has(instanceId)) return undefined;
    for (const j of this.jobs.values()) {
      if (j.taskId !== taskId || j.instanceId !== instanceId) continue;
      if (now < j.beginMs + this.taskListLagMs) return undefined;
      return { jobId: j.jobId, taskId: j.taskId, jobType: j.jobType, beginMs: j.beginMs, initMs: j.initMs, durationMs: j.durationMs, outcome: j.outcome, errorCode: j.errorCode };
    }
    return undefined;
  }
}

/** A job as the progress route sees it (see {@link EmulatorState.taskJob}). */
export interface TaskJobView {
  jobId: string;
  taskId: string;
  jobType: string;
  beginMs: number;
  initMs: number;
  /** Infinity: never ends. */
  durationMs: number;
  outcome: "SUCCESS" | "FAIL";
  errorCode: string | null;
}

/** A replica's monitoring dimensions (the SDK's doc: the instance, then the replica's monitoring object). */
function replicaDimensions(instanceId: string, monitorId: string): Array<{ name: string; value: string }> {
  return [
    { name: "dcs_instance_id", value: instanceId },
    { name: "dcs_cluster_redis_node", value: monitorId },
  ];
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
