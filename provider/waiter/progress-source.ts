/**
 * Where a waited job's progress comes from: the task behind the job, found in the tenant-wide task list
 * (which carries each task's `job_id`, see `tasks.ts`). I/O only through the API object it is given.
 */
import { MAX_TASKS_PER_LOOK, TASK_PAGE_SIZE, TASK_SKEW_MS } from "../tasks";
import type { CallOptions, DcsApi, Job, TaskProgressReader } from "../types";
import type { WaitProgressSource } from "./wait";

/** An API that can find tasks and read their progress (the {@link DcsClient} can). */
export type ProgressApi = Partial<Pick<DcsApi, "listCenterTasks">> & Partial<TaskProgressReader>;

/** True when `api` can read task progress. */
export function canReadProgress(api: unknown): api is TaskProgressReader & Partial<Pick<DcsApi, "listCenterTasks">> {
  return typeof (api as Partial<TaskProgressReader> | undefined)?.showTaskProgress === "function";
}

/** What {@link progressSourceFor} needs to know about the job. */
export interface ProgressSourceOptions {
  instanceId: string;
  /** The job's type, for callers' symmetry (the lookup needs only the job ID). */
  jobType?: string;
  /** The task, when already known. */
  taskId?: string;
  /** No task was created before this time (epoch ms), e.g. when the start call was sent. */
  sinceMs?: number;
  /** Wall clock (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** See {@link WaitProgressSource.readAfterSuccess}. Default false. */
  readAfterSuccess?: boolean;
}

/**
 * Finds the task of job `jobId`: the tenant-wide task list (ListCenterTask) is the one that links tasks
 * to jobs (`job_id` beside the task's own `id`; see `tasks.ts`), so one page of it over the window from
 * the start (or the job's `begin_time`) to now, both widened by the task-list skew, is enough; further
 * pages only on a busy tenant. The per-instance list adds nothing when the job ID is known, so it is not
 * read (one read per wait instead of `lookAtTasks`'s two). Undefined when no task names the job, or the
 * API has no tenant-wide list.
 */
export async function findTaskOfJob(
  api: ProgressApi,
  jobId: string,
  q: { instanceId: string; sinceMs?: number; job?: Job; now?: () => number },
  options: CallOptions = {},
): Promise<string | undefined> {
  if (typeof api.listCenterTasks !== "function") return undefined;
  const now = (q.now ?? Date.now)();
  const begin = q.job?.beginTime?.getTime();
  const from = Math.min(q.sinceMs ?? Number.POSITIVE_INFINITY, begin ?? Number.POSITIVE_INFINITY, now) - TASK_SKEW_MS;
  for (let offset = 0; offset < MAX_TASKS_PER_LOOK; offset += TASK_PAGE_SIZE) {
    const page = await api.listCenterTasks({ instanceId: q.instanceId, start: new Date(from), end: new Date(now + TASK_SKEW_MS), offset, limit: TASK_PAGE_SIZE }, options);
    const task = page.find((t) => t.jobId === jobId);
    if (task) return task.id;
    if (page.length < TASK_PAGE_SIZE) break;
  }
  return undefined;
}

/**
 * The waiter's progress source for a job on an instance, or undefined when `api` cannot read progress.
 * The task is looked up lazily (once, when the waiter first wants the progress), unless given.
 */
export function progressSourceFor(api: ProgressApi, o: ProgressSourceOptions): WaitProgressSource | undefined {
  if (!canReadProgress(api)) return undefined;
  return {
    reader: api,
    instanceId: o.instanceId,
    ...(o.taskId ? { taskId: o.taskId } : {}),
    ...(o.readAfterSuccess ? { readAfterSuccess: true } : {}),
    findTaskId: (jobId, job, options) =>
      findTaskOfJob(api, jobId, { instanceId: o.instanceId, ...(o.sinceMs !== undefined ? { sinceMs: o.sinceMs } : {}), ...(job ? { job } : {}), ...(o.now ? { now: o.now } : {}) }, options),
  };
}
