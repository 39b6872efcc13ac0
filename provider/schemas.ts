/**
 * zod schemas of the DCS answers the client reads, and their conversion to the parsed types.
 * Field names: `shared/dcs-api.md`, checked against `huaweicloud-sdk-go-v3` `services/dcs/v2/model/`
 * (ShowJobInfoResponse, ShowInstanceResponse, ListBackgroundTaskResponse, SingleBackgroundTask).
 * The SDK marks every field optional; these schemas require only what the client cannot work without,
 * keep unknown fields (`looseObject`) and accept the vendor's loose typing (numbers as strings or not).
 */
import { z } from "zod";
import type { BackgroundTask, DcsInstance, Job, RawBackgroundTask, RawJobInfo } from "./types";

/** A time the API sends as epoch milliseconds, as a string (sometimes a number), empty or null while unknown. */
const epochMs = z.union([z.string(), z.number(), z.null()]).optional();

/** ShowJobInfo (`GET /v2/{project_id}/jobs/{job_id}`). */
export const JobInfoSchema = z.looseObject({
  job_id: z.string().min(1),
  job_type: z.string(),
  status: z.string().min(1),
  begin_time: epochMs,
  end_time: epochMs,
  fail_reason: z.string().nullable().optional(),
});

/** What a start call (async-swap, client-ip-transparent-transmission) answers. */
export const StartAnswerSchema = z.looseObject({
  job_id: z.string().min(1),
});

/** ShowInstance, the fields this package reads. */
export const InstanceSchema = z.looseObject({
  instance_id: z.string().min(1),
  status: z.string(),
  name: z.string().nullable().optional(),
  engine: z.string().nullable().optional(),
  engine_version: z.string().nullable().optional(),
  cache_mode: z.string().nullable().optional(),
  transparent_client_ip_enable: z.union([z.boolean(), z.enum(["true", "false"])]).nullable().optional(),
  // Not in the SDK model; terraform-provider-huaweicloud reads it as "anything non-null = busy".
  task: z.unknown().optional(),
  master_node: z.string().nullable().optional(),
});

/** One background task (SingleBackgroundTask). */
export const TaskSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  status: z.string().nullable().optional(),
  created_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a date"),
  updated_at: z.string().nullable().optional(),
  user_name: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  params: z.string().nullable().optional(),
  details: z.unknown().optional(),
  enable_show: z.boolean().nullable().optional(),
});

/**
 * ListBackgroundTask. `task_count` is documented as a string but the vendor's own example sends a
 * number (opentelekomcloud-docs `listing_background_tasks.rst`): accept both.
 */
export const TaskListSchema = z.looseObject({
  task_count: z.union([z.string(), z.number()]).nullable().optional(),
  tasks: z.array(TaskSchema).nullable().optional(),
});

/**
 * One task-center item (ListCenterTasksResp, huaweicloud-sdk-go-v3 `model_list_center_tasks_resp.go`):
 * SingleBackgroundTask's fields plus `error_code` and `job_id` (both optional in the SDK).
 */
export const CenterTaskSchema = z.looseObject({
  ...TaskSchema.shape,
  error_code: z.string().nullable().optional(),
  job_id: z.string().nullable().optional(),
});

/** ListCenterTask (`GET /v2/{project_id}/tasks`); `task_count` a string in the SDK, a number accepted. */
export const CenterTaskListSchema = z.looseObject({
  task_count: z.union([z.string(), z.number()]).nullable().optional(),
  tasks: z.array(CenterTaskSchema).nullable().optional(),
});

/** Error bodies: DCS `{error_code,error_msg}`, v1 `{code,message}`, gateway `{...,request_id}`, IAM `{error:{code,message}}`. */
export interface ErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

/** Reads the error fields out of any of the known error shapes; undefined when none matches. */
export function parseErrorBody(body: unknown): ErrorBody | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const nested = b.error && typeof b.error === "object" ? (b.error as Record<string, unknown>) : undefined;
  const code = str(b.error_code) ?? str(b.code) ?? str(nested?.code) ?? str(nested?.error_code);
  const message = str(b.error_msg) ?? str(b.message) ?? str(nested?.message) ?? str(nested?.error_msg);
  const requestId = str(b.request_id) ?? str(nested?.request_id);
  if (code === undefined && message === undefined) return undefined;
  return { code, message, requestId };
}

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return String(v);
  return undefined;
}

/** Epoch-ms string or number to a Date; empty, null or garbage give undefined. */
export function parseEpochMs(v: string | number | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return new Date(n);
}

function rawTime(v: string | number | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

/** A parsed ShowJobInfo body as a {@link Job}. */
export function toJob(body: z.infer<typeof JobInfoSchema>): Job {
  const beginTime = parseEpochMs(body.begin_time);
  const endTime = parseEpochMs(body.end_time);
  const raw: RawJobInfo = {
    ...body,
    begin_time: rawTime(body.begin_time),
    end_time: rawTime(body.end_time),
    fail_reason: body.fail_reason ?? null,
  };
  return {
    jobId: body.job_id,
    jobType: body.job_type,
    status: body.status,
    ...(beginTime ? { beginTime } : {}),
    ...(endTime ? { endTime } : {}),
    beginTimeRaw: raw.begin_time,
    endTimeRaw: raw.end_time,
    ...(beginTime && endTime ? { durationMs: endTime.getTime() - beginTime.getTime() } : {}),
    failReason: raw.fail_reason,
    raw,
  };
}

/** A parsed ShowInstance body as a {@link DcsInstance}. */
export function toInstance(body: z.infer<typeof InstanceSchema>): DcsInstance {
  const t = body.transparent_client_ip_enable;
  const task = body.task;
  return {
    instanceId: body.instance_id,
    status: body.status,
    ...(body.name ? { name: body.name } : {}),
    ...(body.engine ? { engine: body.engine } : {}),
    ...(body.engine_version ? { engineVersion: body.engine_version } : {}),
    ...(body.cache_mode ? { cacheMode: body.cache_mode } : {}),
    ...(t === undefined || t === null ? {} : { transparentClientIpEnable: t === true || t === "true" }),
    ...(task === undefined ? {} : { task: describeTask(task) }),
    ...(body.master_node ? { masterNode: body.master_node } : {}),
    raw: body as Record<string, unknown>,
  };
}

/** The instance's `task` as text: a string as is, an object by its name/id, else short JSON. */
function describeTask(task: unknown): string | null {
  if (task === null || task === "") return null;
  if (typeof task === "string") return task;
  if (typeof task === "object") {
    const t = task as Record<string, unknown>;
    const name = str(t.name) ?? str(t.task_name) ?? str(t.id);
    if (name) return name;
  }
  return JSON.stringify(task).slice(0, 200);
}

/** A parsed task as a {@link BackgroundTask}. */
export function toTask(body: z.infer<typeof TaskSchema>): BackgroundTask {
  const updated = body.updated_at ? new Date(body.updated_at) : undefined;
  return {
    id: body.id,
    name: body.name,
    status: body.status ?? "",
    createdAt: new Date(body.created_at),
    ...(updated && !Number.isNaN(updated.getTime()) ? { updatedAt: updated } : {}),
    ...(body.user_name ? { userName: body.user_name } : {}),
    raw: body as RawBackgroundTask,
  };
}

/** A parsed task-center item as a {@link BackgroundTask} with `jobId` / `errorCode` when non-empty. */
export function toCenterTask(body: z.infer<typeof CenterTaskSchema>): BackgroundTask {
  return {
    ...toTask(body),
    ...(body.job_id ? { jobId: body.job_id } : {}),
    ...(body.error_code ? { errorCode: body.error_code } : {}),
  };
}

/** zod issues as one short line: `job_id: expected string; status: ...` (no values). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`)
    .join("; ");
}
