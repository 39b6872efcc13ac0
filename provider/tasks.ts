/**
 * The instance's background-task list, in one place: paging, what a task's status means, which job a
 * task belongs to, and which tasks a start call or an interrupted run may have created. Used by the
 * client's reconciliation of a start call whose answer was lost and by the resources' adoption, so
 * both apply the same exclusions.
 *
 * Vendor facts (huaweicloud-sdk-go-v3 `services/dcs/v2/model`, see docs/vendor-tasks.md): the
 * per-instance list (`SingleBackgroundTask`) has a task `id` but no job ID; the tenant-wide list
 * (`ListCenterTasksResp`) has both `id` and `job_id`, so the two are different values. A task's job ID
 * is therefore taken from the tenant-wide list, never assumed equal to the task ID.
 */
import type { BackgroundTask, CallOptions, DcsApi, Job } from "./types";

/** Clock skew allowed between this machine and the API when matching task times. */
export const TASK_SKEW_MS = 60_000;
/** Page size of task-list reads. */
export const TASK_PAGE_SIZE = 50;
/** At most this many tasks are read in one look (20 pages): a busy instance's history is not needed. */
export const MAX_TASKS_PER_LOOK = 1_000;

/** Where a task is, by its status. `unknown`: a status this package does not know, or none. */
export type TaskPhase = "running" | "succeeded" | "failed" | "unknown";

const SUCCEEDED = new Set(["SUCCESS", "SUCCEEDED", "SUCCESSFUL", "COMPLETE", "COMPLETED", "FINISHED", "DONE"]);
const FAILED = new Set(["FAIL", "FAILED", "FAILURE", "ERROR", "CANCELED", "CANCELLED", "ROLLBACK", "ROLLBACKED", "TIMEOUT"]);
const RUNNING = new Set(["INIT", "RUNNING", "EXECUTING", "WAITING", "PENDING", "PROCESSING", "CREATING", "QUEUED"]);

/**
 * A task's phase from its status. Only `SUCCESS` is documented by the vendor for tasks; the job
 * statuses (`INIT`, `RUNNING`, `FAIL`) and the progress API's step statuses are accepted too. Anything
 * else, or no status at all, is `unknown`: the caller must decide from the job's own status.
 */
export function taskPhase(status: string | null | undefined): TaskPhase {
  const s = (status ?? "").trim().toUpperCase();
  if (SUCCEEDED.has(s)) return "succeeded";
  if (FAILED.has(s)) return "failed";
  if (RUNNING.has(s)) return "running";
  return "unknown";
}

/** The phase of a job status (the job API's four, anything else counts as still running). */
export function jobPhase(status: string): Exclude<TaskPhase, "unknown"> {
  const s = status.trim().toUpperCase();
  if (s === "SUCCESS") return "succeeded";
  if (s === "FAIL") return "failed";
  return "running";
}

/** A task as the lifecycle sees it. */
export interface TaskView {
  taskId: string;
  /** The job behind the task, from the tenant-wide list; undefined when it could not be found. */
  jobId?: string;
  /** Task name = job type, e.g. `masterStandbySwapJob`. */
  name: string;
  status: string;
  /** From the task's status, or, where that is unknown, from its job's status. */
  phase: TaskPhase;
  createdAtMs: number;
  updatedAtMs?: number;
  userName?: string;
  /** The task's `params` (a JSON text in the vendor's examples). */
  params?: string;
}

/** A task-list query window (epoch ms). */
export interface TaskLookWindow {
  fromMs: number;
  toMs: number;
}

/** Reads every page of the per-instance task list in a window (at most {@link MAX_TASKS_PER_LOOK}). */
export async function listInstanceTasks(api: Pick<DcsApi, "listTasks">, instanceId: string, w: TaskLookWindow, options: CallOptions = {}): Promise<BackgroundTask[]> {
  const all: BackgroundTask[] = [];
  for (let offset = 0; offset < MAX_TASKS_PER_LOOK; offset += TASK_PAGE_SIZE) {
    const page = await api.listTasks(instanceId, { start: new Date(w.fromMs), end: new Date(w.toMs), offset, limit: TASK_PAGE_SIZE }, options);
    all.push(...page);
    if (page.length < TASK_PAGE_SIZE) break;
  }
  return all;
}

/** The tenant-wide list's task ID → job ID, for one instance and window; empty when it cannot be read. */
async function jobIdsOfTasks(api: Partial<Pick<DcsApi, "listCenterTasks">>, instanceId: string, w: TaskLookWindow, options: CallOptions): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (typeof api.listCenterTasks !== "function") return ids;
  for (let offset = 0; offset < MAX_TASKS_PER_LOOK; offset += TASK_PAGE_SIZE) {
    let page: BackgroundTask[];
    try {
      page = await api.listCenterTasks({ instanceId, start: new Date(w.fromMs), end: new Date(w.toMs), offset, limit: TASK_PAGE_SIZE }, options);
    } catch (error) {
      // Without job IDs, tasks are followed by their own status instead: slower, never wrong.
      if (options.signal?.aborted) throw error;
      return ids;
    }
    for (const t of page) if (t.jobId) ids.set(t.id, t.jobId);
    if (page.length < TASK_PAGE_SIZE) break;
  }
  return ids;
}

/** Options of {@link lookAtTasks}. */
export interface LookOptions extends CallOptions {
  /** Only tasks of this name get their job ID and unknown phase resolved; `""`: every task gets its job ID. */
  kind: string;
}

/**
 * One look at an instance's tasks in a window: the per-instance list, joined with the tenant-wide
 * list for job IDs. Tasks of `kind` whose status is unknown get their phase from their job's status
 * (one read each), so an undocumented task status never decides adoption on its own.
 */
export async function lookAtTasks(
  api: Pick<DcsApi, "listTasks" | "showJob"> & Partial<Pick<DcsApi, "listCenterTasks">>,
  instanceId: string,
  w: TaskLookWindow,
  options: LookOptions,
): Promise<TaskView[]> {
  const { kind, ...call } = options;
  const tasks = await listInstanceTasks(api, instanceId, w, call);
  const ofKind = kind ? tasks.filter((t) => t.name === kind) : tasks;
  const jobIds = ofKind.some((t) => !t.jobId) ? await jobIdsOfTasks(api, instanceId, w, call) : new Map<string, string>();
  const views: TaskView[] = [];
  for (const t of tasks) {
    const jobId = t.jobId ?? jobIds.get(t.id);
    let phase = taskPhase(t.status);
    if (phase === "unknown" && jobId && kind && t.name === kind) phase = await phaseFromJob(api, jobId, call);
    views.push(toView(t, jobId, phase));
  }
  return views;
}

async function phaseFromJob(api: Pick<DcsApi, "showJob">, jobId: string, options: CallOptions): Promise<TaskPhase> {
  let job: Job;
  try {
    job = await api.showJob(jobId, options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return "unknown";
  }
  return jobPhase(job.status);
}

function toView(t: BackgroundTask, jobId: string | undefined, phase: TaskPhase): TaskView {
  return {
    taskId: t.id,
    ...(jobId ? { jobId } : {}),
    name: t.name,
    status: t.status,
    phase,
    createdAtMs: t.createdAt.getTime(),
    ...(t.updatedAt ? { updatedAtMs: t.updatedAt.getTime() } : {}),
    ...(t.userName ? { userName: t.userName } : {}),
    ...(typeof t.raw.params === "string" ? { params: t.raw.params } : {}),
  };
}

/** True when a task or its job is one of `ids`. */
export function taskIs(t: Pick<TaskView, "taskId" | "jobId">, ids: ReadonlySet<string> | readonly string[]): boolean {
  const has = (id: string | undefined) => id !== undefined && (Array.isArray(ids) ? ids.includes(id) : (ids as ReadonlySet<string>).has(id));
  return has(t.taskId) || has(t.jobId);
}

/** What {@link tasksStartedBy} looks for. */
export interface StartedByQuery {
  kind: string;
  /** When the start request left this machine (epoch ms). */
  sentAtMs: number;
  nowMs: number;
  /** Task IDs of the kind listed just before the request was sent: never its result. */
  knownTaskIds?: readonly string[];
  /** Tasks or jobs another resource of this process already owns. */
  isClaimed?: (id: string) => boolean;
  /**
   * How far a task's `created_at` (server clock) may lie before the send time (this machine's clock) and
   * still be the request's: the measured clock difference plus slack (`server-clock.ts`); default
   * {@link TASK_SKEW_MS} when the difference is not known.
   */
  skewSlackMs?: number;
}

/**
 * The tasks a start request sent at `sentAtMs` may have created: of the kind, created inside
 * `[sentAt - skew, now + skew]`, not listed before the request was sent, not owned by anyone else here,
 * and not ended before the request was sent (a task that existed before the request is never its result).
 */
export function tasksStartedBy(tasks: readonly TaskView[], q: StartedByQuery): TaskView[] {
  const slack = q.skewSlackMs ?? TASK_SKEW_MS;
  const from = q.sentAtMs - slack;
  const to = q.nowMs + TASK_SKEW_MS;
  return tasks.filter((t) => {
    if (t.name !== q.kind) return false;
    if (t.createdAtMs < from || t.createdAtMs > to) return false;
    if (q.knownTaskIds && taskIs(t, q.knownTaskIds)) return false;
    if (q.isClaimed && (q.isClaimed(t.taskId) || (t.jobId !== undefined && q.isClaimed(t.jobId)))) return false;
    const ended = t.phase === "succeeded" || t.phase === "failed";
    if (ended && t.updatedAtMs !== undefined && t.updatedAtMs < from) return false;
    return true;
  });
}

/** What to look for before starting an operation (adoption of an interrupted run's job). */
export interface AdoptionQuery {
  kind: string;
  nowMs: number;
  /** How far back to look; 0 means never adopt. */
  windowMs: number;
  /** Adopt a task of the kind that already succeeded inside the window (instead of starting another). */
  adoptFinished: boolean;
  /** Only tasks created after this time (in an update: after the previous job of the resource began). */
  notBeforeMs?: number;
  /** Tasks or jobs that must not be adopted: this resource's earlier jobs and every other resource's. */
  isExcluded?: (id: string) => boolean;
}

/** The adoption decision: a task to adopt (and why), plus what was seen and passed over. */
export interface AdoptionDecision {
  adopt?: TaskView;
  phase?: TaskPhase;
  /** Tasks of the kind in the window that were not adopted, with the reason (for the log). */
  passedOver: Array<{ task: TaskView; why: string }>;
}

/**
 * The adoption rule. Among tasks of `kind` created inside `[now - window, now + skew]` (newest first),
 * not excluded: one still running, or of unknown phase, is adopted (starting another would run the
 * operation twice; its job's own status then decides); otherwise the newest that succeeded is adopted
 * when `adoptFinished`; failed ones never are (a new attempt is what the user wants after a failure).
 */
export function decideAdoption(tasks: readonly TaskView[], q: AdoptionQuery): AdoptionDecision {
  const passedOver: AdoptionDecision["passedOver"] = [];
  if (q.windowMs <= 0) return { passedOver };
  const from = q.nowMs - q.windowMs;
  const to = q.nowMs + TASK_SKEW_MS;
  const candidates: TaskView[] = [];
  for (const t of tasks) {
    if (t.name !== q.kind || t.createdAtMs < from || t.createdAtMs > to) continue;
    if (q.isExcluded && (q.isExcluded(t.taskId) || (t.jobId !== undefined && q.isExcluded(t.jobId)))) {
      passedOver.push({ task: t, why: "it belongs to a resource of this stack (this one's earlier job, or another's)" });
      continue;
    }
    if (q.notBeforeMs !== undefined && t.createdAtMs <= q.notBeforeMs) {
      passedOver.push({ task: t, why: "it began before this resource's previous job" });
      continue;
    }
    candidates.push(t);
  }
  candidates.sort((a, b) => b.createdAtMs - a.createdAtMs);
  const running = candidates.find((t) => t.phase === "running" || t.phase === "unknown");
  if (running) {
    for (const t of candidates) if (t !== running) passedOver.push({ task: t, why: "an older task; a newer one is still running" });
    return { adopt: running, phase: running.phase, passedOver };
  }
  let adopt: TaskView | undefined;
  for (const t of candidates) {
    if (t.phase === "failed") passedOver.push({ task: t, why: `it ended in ${t.status || "FAIL"}` });
    else if (!q.adoptFinished) passedOver.push({ task: t, why: "it already finished and adoptFinished is false" });
    else if (adopt) passedOver.push({ task: t, why: "an older finished task" });
    else adopt = t;
  }
  return adopt ? { adopt, phase: "succeeded", passedOver } : { passedOver };
}

/**
 * Job and task IDs owned by resources of this process (started, adopted, or seen in a resource's
 * state), so that no other resource ever adopts or reconciles to them. One per process: the
 * engine's dynamic-provider host serves every dynamic resource of a stack in one process.
 */
export class Claims {
  private readonly ids = new Set<string>();

  /** Records the IDs (undefined and empty ones are skipped). */
  claim(...ids: Array<string | undefined>): void {
    for (const id of ids) if (id) this.ids.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  clear(): void {
    this.ids.clear();
  }
}
