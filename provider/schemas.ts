/**
 * zod schemas of the DCS answers the client reads, and their conversion to the parsed types.
 * Field names: `shared/dcs-api.md`, checked against `huaweicloud-sdk-go-v3` `services/dcs/v2/model/`
 * (ShowJobInfoResponse, ShowInstanceResponse, ListBackgroundTaskResponse, SingleBackgroundTask).
 * The SDK marks every field optional; these schemas require only what the client cannot work without,
 * keep unknown fields (`looseObject`) and accept the vendor's loose typing (numbers as strings or not).
 */
import { z } from "zod";
import type { BackgroundTask, DcsInstance, Job, RawBackgroundTask, RawJobInfo, RawTaskProgress, TaskProgress, TaskStep, TaskSubStep } from "./types";

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

/**
 * A job ID as the client can read it back (`assertJobId` in config.ts: 8-64 letters, digits or dashes;
 * 32 hex digits in practice). An answer with anything else in `job_id` is not a usable answer.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;

/** What a start call (async-swap, client-ip-transparent-transmission) answers. */
export const StartAnswerSchema = z.looseObject({
  job_id: z.string().regex(JOB_ID_PATTERN, "not a job ID (8-64 letters, digits or dashes)"),
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

/** The largest time a `Date` holds (ECMAScript: ±8.64e15 ms around the epoch). */
const MAX_DATE_MS = 8.64e15;

/** Epoch-ms string or number to a Date; empty, null, garbage or a time no `Date` can hold give undefined. */
export function parseEpochMs(v: string | number | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_DATE_MS) return undefined;
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
  try {
    return JSON.stringify(task).slice(0, 200);
  } catch {
    // Nested too deep to write out (JSON.stringify recurses; JSON.parse does not).
    return "(unreadable task)";
  }
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
    // A job ID the client could not read back is no job ID (reconciliation then reports the task as such).
    ...(body.job_id && JOB_ID_PATTERN.test(body.job_id) ? { jobId: body.job_id } : {}),
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

// ---- ShowBackgroundTaskProgress --------------------------------------------------------------------

/** A step time: ISO-8601 in the SDK's docs (`2020-06-17T07:38:42.503Z`); epoch ms accepted; anything else ignored. */
const stepTime = z.union([z.string(), z.number()]).nullable().optional();

/** One sub-step (huaweicloud-sdk-go-v3 `model_sub_step_detail.go`: every field optional). */
export const SubStepSchema = z.looseObject({
  sub_step_id: z.union([z.string(), z.number()]).nullable().optional(),
  sub_step_name: z.string().nullable().optional(),
  sub_step_status: z.string().nullable().optional(),
  begin_time: stepTime,
  end_time: stepTime,
  detail: z.string().nullable().optional(),
  error_code: z.string().nullable().optional(),
});

/** One step (`model_step_detail.go`: `step_status` FINISH | FAILED | EXECUTING | WAITING). */
export const StepSchema = z.looseObject({
  step_id: z.union([z.string(), z.number()]).nullable().optional(),
  step_name: z.string().nullable().optional(),
  step_status: z.string().nullable().optional(),
  begin_time: stepTime,
  end_time: stepTime,
  error_code: z.string().nullable().optional(),
  sub_step_details: z.array(SubStepSchema).nullable().optional(),
});

/**
 * ShowBackgroundTaskProgress (`GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress`,
 * `model_show_background_task_progress_response.go`: `progress` int32 percent, `remain_time` int32
 * seconds, `step_details`). The numbers are taken as anything here and judged by the waiter
 * (`waiter/progress.ts`), so a hostile value is ignored with a reason instead of failing the read.
 * (The Kafka SDK's response of the same name says `progress_percentage` and `step_list`; DCS's does not.)
 */
export const TaskProgressSchema = z.looseObject({
  progress: z.unknown().optional(),
  remain_time: z.unknown().optional(),
  step_details: z.array(StepSchema).nullable().optional(),
});

/** A number as sent: a number, or a string of one; NaN for anything else sent; undefined when absent or null. */
export function looseNumber(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/** A step time as a Date: ISO-8601 or epoch ms (number or digits); undefined when absent or unreadable. */
export function parseStepTime(v: string | number | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (typeof v === "number" || /^\d+$/.test(v.trim())) return parseEpochMs(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** A parsed progress body as a {@link TaskProgress} (values as sent; see {@link TaskProgressSchema}). */
export function toTaskProgress(taskId: string, body: z.infer<typeof TaskProgressSchema>): TaskProgress {
  const steps: TaskStep[] = (body.step_details ?? []).map((st, i) => {
    const begin = parseStepTime(st.begin_time);
    const end = parseStepTime(st.end_time);
    const subSteps: TaskSubStep[] = (st.sub_step_details ?? []).map((ss, j) => {
      const b = parseStepTime(ss.begin_time);
      const e = parseStepTime(ss.end_time);
      return {
        ...(ss.sub_step_id !== undefined && ss.sub_step_id !== null ? { id: String(ss.sub_step_id) } : {}),
        name: ss.sub_step_name || `sub-step ${j + 1}`,
        status: (ss.sub_step_status ?? "").trim().toUpperCase(),
        ...(b ? { beginTime: b } : {}),
        ...(e ? { endTime: e } : {}),
        ...(ss.detail ? { detail: ss.detail } : {}),
        ...(ss.error_code ? { errorCode: ss.error_code } : {}),
      };
    });
    return {
      ...(st.step_id !== undefined && st.step_id !== null ? { id: String(st.step_id) } : {}),
      name: st.step_name || `step ${i + 1}`,
      status: (st.step_status ?? "").trim().toUpperCase(),
      ...(begin ? { beginTime: begin } : {}),
      ...(end ? { endTime: end } : {}),
      ...(st.error_code ? { errorCode: st.error_code } : {}),
      subSteps,
    };
  });
  const percent = looseNumber(body.progress);
  const remainTimeS = looseNumber(body.remain_time);
  return {
    taskId,
    ...(percent !== undefined ? { percent } : {}),
    ...(remainTimeS !== undefined ? { remainTimeS } : {}),
    steps,
    raw: body as RawTaskProgress,
  };
}

// ---- reads of operation state (the operation table's state kinds) ------------------------------------
// Field names: huaweicloud-sdk-go-v3 v0.1.207 `services/dcs/v2/model` (every field optional there).

/** ShowIpWhitelist (`GET /v2/{project_id}/instance/{instance_id}/whitelist`). */
export const WhitelistSchema = z.looseObject({
  instance_id: z.string().nullable().optional(),
  enable_whitelist: z.boolean().nullable().optional(),
  whitelist: z.array(z.looseObject({ group_name: z.string(), ip_list: z.array(z.string()).nullable().optional() })).nullable().optional(),
});

/** ListConfigurations (`GET /v2/{project_id}/instances/{instance_id}/configs`), `QueryRedisConfig` items. */
export const ConfigurationsSchema = z.looseObject({
  config_time: z.string().nullable().optional(),
  instance_id: z.string().nullable().optional(),
  redis_config: z
    .array(z.looseObject({ param_id: z.union([z.string(), z.number()]).nullable().optional(), param_name: z.string(), param_value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional() }))
    .nullable()
    .optional(),
  config_status: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
});

/** ListAclAccounts (`GET /v2/{project_id}/instances/{instance_id}/accounts`), `AclAccountResp` items. */
export const AclAccountsSchema = z.looseObject({
  accounts: z
    .array(z.looseObject({ account_id: z.string(), account_name: z.string().nullable().optional(), account_role: z.string().nullable().optional(), status: z.string().nullable().optional() }))
    .nullable()
    .optional(),
});

/** ListGroupReplicationInfo (`GET /v2/{project_id}/instance/{instance_id}/groups`). */
export const GroupsSchema = z.looseObject({
  group_list: z
    .array(
      z.looseObject({
        group_id: z.string(),
        group_name: z.string().nullable().optional(),
        replication_list: z
          .array(z.looseObject({ node_id: z.string().nullable().optional(), replication_role: z.string().nullable().optional(), replication_ip: z.string().nullable().optional(), status: z.string().nullable().optional() }))
          .nullable()
          .optional(),
      }),
    )
    .nullable()
    .optional(),
  group_count: z.union([z.number(), z.string()]).nullable().optional(),
});
