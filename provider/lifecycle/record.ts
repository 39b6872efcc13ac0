/**
 * What a job-backed resource knows about its operation, as data in its outputs: a job that may still
 * be running (`pending`) and how the last one ended (`ended`). Every provider method reads this record,
 * asks the planner what to do, and writes it back; nothing is inferred from a status string, and
 * nothing relies on the engine remembering a failed step (`refresh` drops the engine's own marker).
 *
 * State written by 0.1.0 has no record, only the flat job fields; {@link recordFromOutputs} reads it
 * the way 0.1.0 meant it, so an upgraded stack shows no diff and starts nothing.
 */

/** How a job became this resource's. */
export type JobOrigin =
  /** This resource's start call answered with it. */
  | "started"
  /** Found running (or just finished) in the instance's task list: an interrupted run's, or someone's. */
  | "adopted"
  /** The start call's answer was lost; found in the task list as that request's result. */
  | "reconciled"
  /** The start call's answer was lost and no task has been found for it yet: it may or may not run. */
  | "outcome-unknown";

/** A job of this resource that has not been seen to end. While one is stored, `diff` reports a change. */
export interface PendingJob {
  origin: JobOrigin;
  /** The DCS job ID; absent while the outcome is unknown, or when only the task is known. */
  jobId?: string;
  /** The background task behind the job, when known (a different ID from the job's). */
  taskId?: string;
  /** When the start request was sent, or the job was adopted (ISO-8601). */
  since: string;
  /** `outcome-unknown` only: the tasks of the kind listed just before the request was sent. */
  knownTaskIds?: string[];
  /** What the job is for: the stable JSON of the `triggers` (actions) or of the wanted value (state). */
  intent: string;
}

/** How a job ended, as far as this resource could see. */
export type JobEnd =
  | "SUCCESS"
  | "FAIL"
  /** The job can no longer be read (404) and the task list did not say how it ended. */
  | "GONE"
  /** An unknown start outcome that, after the grace or a `triggers` change, is taken as "never started". */
  | "NOT_STARTED";

/** The last job of this resource that ended. */
export interface EndedJob {
  outcome: JobEnd;
  origin: JobOrigin;
  jobId?: string;
  taskId?: string;
  intent: string;
  /** When it was started or adopted (ISO-8601), when known. */
  since?: string;
  /** When its end was observed (ISO-8601). */
  at: string;
  failReason?: string;
  /** GONE: the task's status in the task list at the time, if the task was found. */
  taskStatus?: string;
  /**
   * This resource's earlier jobs (job or task IDs, newest first, at most {@link EARLIER_KEPT}), so that a
   * resource added later to the stack never adopts one of them: the process claims every ID the record names.
   */
  earlier?: string[];
}

/** How many earlier job IDs a record keeps (more than fit in any adoption window in practice). */
export const EARLIER_KEPT = 10;

/** The lifecycle record: both fields absent means "idle, nothing ever ran". */
export interface LifecycleRecord {
  pending?: PendingJob;
  ended?: EndedJob;
}

/** The record fields as they sit in a resource's outputs (other output fields are ignored here). */
export interface RecordFields {
  pending?: PendingJob;
  ended?: EndedJob;
  /** 0.1.0 flat fields. */
  jobId?: string;
  status?: string;
  beginTime?: string;
  endTime?: string;
  failReason?: string;
  adopted?: boolean;
}

/**
 * The record of stored outputs. Outputs written since the record exists carry it as is; 0.1.0 outputs
 * are translated: a job that read SUCCESS or FAIL ended, any other status (0.1.0's partial failure,
 * `"UNKNOWN"` included) is pending. `intent` is what the stored inputs asked for.
 */
export function recordFromOutputs(o: RecordFields | undefined, intent: string): LifecycleRecord {
  if (!o) return {};
  if (o.pending !== undefined || o.ended !== undefined) return { ...(o.pending ? { pending: o.pending } : {}), ...(o.ended ? { ended: o.ended } : {}) };
  if (typeof o.jobId !== "string" || o.jobId === "") return {};
  const origin: JobOrigin = o.adopted ? "adopted" : "started";
  const status = (o.status ?? "").toUpperCase();
  if (status === "SUCCESS" || status === "FAIL") {
    return {
      ended: {
        outcome: status,
        origin,
        jobId: o.jobId,
        intent,
        ...(o.beginTime ? { since: o.beginTime } : {}),
        at: o.endTime ?? o.beginTime ?? new Date(0).toISOString(),
        ...(o.failReason ? { failReason: o.failReason } : {}),
      },
    };
  }
  return { pending: { origin, jobId: o.jobId, since: o.beginTime ?? new Date(0).toISOString(), intent } };
}

/** Every job and task ID the record names (for the process-wide claims). */
export function recordIds(r: LifecycleRecord): string[] {
  return [r.pending?.jobId, r.pending?.taskId, r.ended?.jobId, r.ended?.taskId, ...(r.ended?.earlier ?? [])].filter((x): x is string => !!x);
}

/** The earlier-jobs list of a new end: the previous end's job and its own list, newest first, bounded. */
export function earlierOf(previous: EndedJob | undefined): string[] | undefined {
  if (!previous) return undefined;
  const ids = [previous.jobId ?? previous.taskId, ...(previous.earlier ?? [])].filter((x): x is string => !!x);
  const unique = [...new Set(ids)].slice(0, EARLIER_KEPT);
  return unique.length ? unique : undefined;
}

/** The record's fields for outputs: absent ones are left out (the engine rejects `undefined`). */
export function recordOutputs(r: LifecycleRecord): { pending?: PendingJob; ended?: EndedJob } {
  return { ...(r.pending ? { pending: r.pending } : {}), ...(r.ended ? { ended: r.ended } : {}) };
}
