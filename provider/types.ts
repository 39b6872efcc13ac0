/**
 * Shared types of pulumi-dcs-jobs: the shapes every layer (client, waiter, resources, CLI, emulator)
 * agrees on. Field names of raw API bodies follow `shared/dcs-api.md` exactly (snake_case).
 */

/** Statuses the job API documents. Others may appear: they are reported, never crashed on. */
export type KnownJobStatus = "INIT" | "RUNNING" | "SUCCESS" | "FAIL";
/** A job status: one of {@link KnownJobStatus} or a string the vendor added later. */
export type JobStatus = KnownJobStatus | (string & {});

/** Job types this package starts. The vendor extends the list: `jobType` is always a plain string. */
export type KnownJobType = "masterStandbySwapJob" | "modifyClientIpTransJob";

/** The raw body of `GET /v2/{project_id}/jobs/{job_id}` (ShowJobInfo). */
export interface RawJobInfo {
  job_id: string;
  job_type: string;
  status: string;
  begin_time: string | null;
  end_time: string | null;
  fail_reason: string | null;
  [extra: string]: unknown;
}

/** A DCS job, parsed: what the waiter resolves to and what resources expose. */
export interface Job {
  jobId: string;
  jobType: string;
  status: JobStatus;
  /** `begin_time` as a Date, when the API gave one. */
  beginTime?: Date;
  /** `end_time` as a Date, when the job has ended and the API gave one. */
  endTime?: Date;
  /** `begin_time` exactly as the API sent it (milliseconds since the epoch, as a string). */
  beginTimeRaw: string | null;
  /** `end_time` exactly as the API sent it; empty or null while the job runs. */
  endTimeRaw: string | null;
  /** `endTime - beginTime` in milliseconds, when both are known. */
  durationMs?: number;
  failReason: string | null;
  /** The body as received, for fields this package does not model. */
  raw: RawJobInfo;
}

/** AK/SK credentials, optionally temporary (with a security token). */
export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** An IAM token, sent as `X-Auth-Token`. */
export interface TokenCredentials {
  token: string;
}

export type Credentials = AkSkCredentials | TokenCredentials;

/** Which vendor cloud, which picks the endpoint template. */
export type Cloud = "huaweicloud" | "otc";

/** Per-call options every API method takes. */
export interface CallOptions {
  /** Aborts the call (and any retry wait) promptly, rejecting with the signal's reason. */
  signal?: AbortSignal;
  /** Absolute deadline (epoch ms). No request is sent, and no retry wait ends, past it. */
  deadline?: number;
}

/** Options of a start call (swap, pass-through): per-call options plus what reconciliation must know. */
export interface StartCallOptions extends CallOptions {
  /**
   * Task IDs of this operation's kind listed just before the call. When the answer is lost, none of
   * them can be its result (a task that existed before the request was sent never is).
   */
  knownTaskIds?: readonly string[];
  /**
   * Where the snapshot of `knownTaskIds` began (epoch ms): a task of the kind created since then and not
   * in it appeared after the snapshot was taken (someone started it: perhaps an interrupted run of the
   * caller's), so on a busy answer it is reported like a running one, whatever its phase.
   */
  knownFromMs?: number;
  /** Job or task IDs that other resources of this process own: never this call's result. */
  isClaimed?: (id: string) => boolean;
  /**
   * On the first "instance busy" answer, look at the task list once and, when a job of the same kind
   * is running, reject with `SameOperationRunningError` instead of queueing behind it. Default true.
   */
  busyLook?: boolean;
}

/** What a start call (swap, pass-through) answers. */
export interface StartedJob {
  jobId: string;
  /** The background task behind the job, when the call had to find it in the task list. */
  taskId?: string;
  /** The `X-Request-Id` of the answer that carried the job ID, when there was one. */
  requestId?: string;
  /**
   * True when the start call's outcome was unknown (the connection broke after the request was sent)
   * and the job was found in the background-task list instead of sending the request again.
   */
  reconciled?: boolean;
}

/** A background task (ListBackgroundTask, or ListCenterTask with `job_id`/`error_code`), as the API sends it. */
export interface RawBackgroundTask {
  id: string;
  name: string;
  status: string;
  created_at: string;
  updated_at?: string | null;
  user_name?: string | null;
  user_id?: string | null;
  params?: string | null;
  details?: unknown;
  enable_show?: boolean | null;
  /** ListCenterTask only: the job behind the task (a different value from `id`). */
  job_id?: string | null;
  /** ListCenterTask only. */
  error_code?: string | null;
  [extra: string]: unknown;
}

/** A background task, parsed. */
export interface BackgroundTask {
  /** The task's ID: never a job ID (the two differ on the real service). */
  id: string;
  name: string;
  status: string;
  createdAt: Date;
  updatedAt?: Date;
  userName?: string;
  /** The job behind the task, when the list says (ListCenterTask's `job_id`; the per-instance list has none). */
  jobId?: string;
  /** ListCenterTask's `error_code`, when non-empty. */
  errorCode?: string;
  raw: RawBackgroundTask;
}

/** The time window of a task-list query. */
export interface TaskWindow {
  start: Date;
  end: Date;
  offset?: number;
  limit?: number;
}

/** The subset of ShowInstance this package reads. Other fields are kept in `raw`. */
export interface DcsInstance {
  instanceId: string;
  name?: string;
  status: string;
  engine?: string;
  engineVersion?: string;
  /** `single`, `ha`, `cluster`, `proxy`, `ha_rw_split`, ... */
  cacheMode?: string;
  transparentClientIpEnable?: boolean;
  /** The operation in progress, when the API reports one. */
  task?: string | null;
  /** The master node after a swap, where the API gives it. */
  masterNode?: string;
  raw: Record<string, unknown>;
}

/** Reads a job: the one thing the waiter needs. {@link DcsClient} implements it. */
export interface JobReader {
  showJob(jobId: string, options?: CallOptions): Promise<Job>;
}

/** The DCS API client's public surface. */
export interface DcsApi extends JobReader, DcsStateReads {
  /**
   * How far a task's `created_at` may lie from this machine's clock for the same moment (ms), when the
   * client measures it (`server-clock.ts`); absent: 60 s.
   */
  taskSkewSlackMs?(): number;
  /** `PUT /v2/{project_id}/instances/{instance_id}/async-swap`. Not idempotent. */
  swapMasterStandby(instanceId: string, options?: StartCallOptions): Promise<StartedJob>;
  /** `PUT /v2/{project_id}/{instance_id}/client-ip-transparent-transmission`. */
  setClientIpPassThrough(instanceId: string, enabled: boolean, options?: StartCallOptions): Promise<StartedJob>;
  /** Any operation of the table (`provider/operations/`), checked before sending. */
  startOperation(op: import("./operations/types").OperationDef, values: import("./operations/types").PathValues, body: unknown, options?: StartCallOptions): Promise<StartedJob>;
  /** A job-returning call the table does not know: a DCS v2 path with the `{project_id}` placeholder. */
  startCall(method: "PUT" | "POST" | "DELETE", pathTemplate: string, body: unknown, options?: StartCallOptions & { taskName?: string; instanceId?: string }): Promise<StartedJob>;
  /** `GET /v2/{project_id}/instances/{instance_id}`. */
  showInstance(instanceId: string, options?: CallOptions): Promise<DcsInstance>;
  /** `GET /v2/{project_id}/instances/{instance_id}/tasks`. */
  listTasks(instanceId: string, window: TaskWindow, options?: CallOptions): Promise<BackgroundTask[]>;
  /**
   * `GET /v2/{project_id}/tasks` (ListCenterTask): the tenant-wide task list, whose items carry `jobId`.
   * The vendor API has no instance filter and its items no instance ID: `instanceId` is validated but
   * not sent and does not narrow the result (join with {@link listTasks} on the task `id`).
   */
  listCenterTasks(
    query: { instanceId?: string; start: Date; end: Date; offset?: number; limit?: number },
    options?: CallOptions,
  ): Promise<BackgroundTask[]>;
}

/** A progress event of {@link JobReader} polling, passed to `onProgress`. */
export interface WaitProgress {
  /**
   * `poll`, `status-change`, `poll-error`: about the job reads. `progress`: a usable answer of the task's
   * progress (`progress` holds it; the last one, after the job ended, has `final: true`).
   * `progress-ignored`: a progress answer that was malformed or could not be read (`reason`); it never
   * ends the wait, and the waiter reports it once per wait.
   */
  kind: "poll" | "status-change" | "poll-error" | "progress" | "progress-ignored";
  jobId: string;
  /** The latest job seen, if any poll has answered yet. */
  job?: Job;
  /** The status before this change (for `status-change`). */
  previousStatus?: JobStatus;
  /** Polls sent so far. */
  polls: number;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
  /** For `poll-error`: the transient error that the waiter will ride out. */
  error?: Error;
  /** Milliseconds until the next poll. */
  nextPollInMs?: number;
  /** For `progress`: the task's progress, validated (and, once the job ended, its steps completed). */
  progress?: ProgressSnapshot;
  /** For `progress-ignored`: why the answer was not used, in one line. */
  reason?: string;
  /** Reads of the task's progress so far (absent when the wait reads no progress). */
  progressReads?: number;
}

/** A log entry from the client (one per HTTP exchange). Never contains secrets. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status?: number;
  durationMs: number;
  attempt: number;
  requestId?: string;
  error?: string;
}

// ---- task progress (ShowBackgroundTaskProgress) ------------------------------------------------------

/**
 * A step's status. The vendor documents `FINISH`, `FAILED`, `EXECUTING`, `WAITING` for steps (sub-steps
 * also `SUSPEND`, `CANCELED`); anything else is kept as sent.
 */
export type TaskStepStatus = "FINISH" | "FAILED" | "EXECUTING" | "WAITING" | (string & {});

/** One sub-step (`sub_step_details[]`), parsed. */
export interface TaskSubStep {
  id?: string;
  name: string;
  status: string;
  beginTime?: Date;
  endTime?: Date;
  detail?: string;
  errorCode?: string;
}

/** One step (`step_details[]`), parsed. Times are ISO-8601 in the API (`2020-06-17T07:38:42.503Z`). */
export interface TaskStep {
  id?: string;
  name: string;
  status: TaskStepStatus;
  beginTime?: Date;
  endTime?: Date;
  errorCode?: string;
  subSteps: TaskSubStep[];
}

/** The raw body of `GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`. */
export interface RawTaskProgress {
  progress?: unknown;
  remain_time?: unknown;
  step_details?: unknown;
  [extra: string]: unknown;
}

/**
 * ShowBackgroundTaskProgress, parsed but not judged: `percent` and `remainTimeS` are the numbers as sent
 * (NaN when a value was sent but is not a number), so the waiter can tell "absent" from "garbage".
 */
export interface TaskProgress {
  taskId: string;
  /** `progress` (integer percent), when sent. */
  percent?: number;
  /** `remain_time` (integer seconds), when sent. */
  remainTimeS?: number;
  /** `step_details` in the order sent. */
  steps: TaskStep[];
  raw: RawTaskProgress;
}

/** Reads a background task's progress. {@link DcsClient} implements it. */
export interface TaskProgressReader {
  showTaskProgress(instanceId: string, taskId: string, options?: CallOptions): Promise<TaskProgress>;
}

/** A task's progress as the waiter reports it: validated, steps in execution order, the current step found. */
export interface ProgressSnapshot {
  taskId: string;
  /** 0..100. */
  percent?: number;
  /** Time left as the service estimated it, when it gave a usable one (ms). */
  remainMs?: number;
  /** Steps in execution order. */
  steps: TaskStep[];
  /** The step being executed (or the failed one, or the next waiting one), 0-based, with the total. */
  current?: { index: number; total: number; name: string; status: TaskStepStatus };
  /** Every step finished, or 100 %. */
  done: boolean;
  /** The first step in `FAILED`, with its `error_code`. */
  failedStep?: { name: string; errorCode?: string };
  /** True on the last report, made after the job ended (steps completed from the job's `end_time`). */
  final?: boolean;
}

/** A step as resources keep it in their outputs: compact, JSON-friendly. */
export interface StepSummary {
  name: string;
  status: string;
  /** `end_time - begin_time` (the job's `end_time` for the step running when the job ended), when known. */
  durationMs?: number;
  errorCode?: string;
}

/** The instance's IP whitelist (ShowIpWhitelist). */
export interface IpWhitelist {
  enabled: boolean;
  groups: Array<{ name: string; ips: string[] }>;
}

/** One Redis parameter (ListConfigurations). */
export interface RedisParameter {
  id: string;
  name: string;
  value: string;
}

/** One ACL account (ListAclAccounts). */
export interface AclAccount {
  id: string;
  name?: string;
  role?: string;
}

/** One cluster shard and its replicas (ListGroupReplicationInfo). */
export interface ReplicaGroup {
  groupId: string;
  name?: string;
  replicas: Array<{ nodeId?: string; role?: string; ip?: string; status?: string }>;
}

/** Reads of the operation table's state kinds. {@link DcsClient} implements them. */
export interface DcsStateReads {
  showWhitelist(instanceId: string, options?: CallOptions): Promise<IpWhitelist>;
  listConfigurations(instanceId: string, options?: CallOptions): Promise<RedisParameter[]>;
  listAclAccounts(instanceId: string, options?: CallOptions): Promise<AclAccount[]>;
  listGroups(instanceId: string, options?: CallOptions): Promise<ReplicaGroup[]>;
}
