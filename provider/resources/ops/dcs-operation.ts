/**
 * `DcsOperation`: any job-returning DCS call, so users are never stuck waiting for this package to
 * learn a new operation. An action (runs once per `triggers` value). A method and path the operation
 * table knows get that operation's body check, task name and codes; any other DCS v2 path is sent as
 * given (`jobType` names its task for adoption).
 */
import { checkBody, parseFreePath, type OperationDef, type PathValues } from "../../operations";
import type { ActionInputs, ActionSpec } from "../action";
import { actionProvider } from "../kinds";
import { LOCATION_SPEC, runCheck, validators, type CheckResult } from "../logic";

/** Inputs of `DcsOperation`. */
export interface DcsOperationInputs extends ActionInputs {
  method: "PUT" | "POST" | "DELETE";
  /** A DCS v2 path with the `{project_id}` placeholder, e.g. `/v2/{project_id}/instances/<id>/bandwidths`. */
  path: string;
  /** The request body (JSON). */
  body?: unknown;
  /** The task name of the operation in the task lists, for adoption after an interrupted run. */
  jobType?: string;
}

function resolved(i: DcsOperationInputs): { op?: OperationDef; values: PathValues; instanceId?: string } {
  const r = parseFreePath(i.method, i.path);
  return { ...(r.path?.operation ? { op: r.path.operation } : {}), values: r.path?.values ?? {}, ...(r.path?.instanceId ? { instanceId: r.path.instanceId } : {}) };
}

export function checkDcsOperation(news: Record<string, unknown>): CheckResult<DcsOperationInputs> {
  const result = runCheck<DcsOperationInputs>(
    news,
    {
      method: { required: true, validate: (v) => void (typeof v === "string" || (() => { throw new TypeError("method must be PUT, POST or DELETE."); })()) },
      path: { required: true, validate: (v) => void (typeof v === "string" || (() => { throw new TypeError("path must be a string."); })()) },
      body: { required: false, validate: validators.any },
      jobType: { required: false, validate: (v) => void (typeof v === "string" || (() => { throw new TypeError("jobType must be a task name such as \"masterStandbySwapJob\"."); })()) },
      triggers: { required: false, validate: validators.any },
      waitTimeout: { required: false, validate: validators.duration("waitTimeout") },
      adoptWithin: { required: false, validate: validators.duration("adoptWithin", true) },
      adoptFinished: { required: false, validate: validators.boolean("adoptFinished") },
      ...LOCATION_SPEC,
    },
    "DcsOperation",
  );
  if (result.failures?.length || typeof news.method !== "string" || typeof news.path !== "string") return result;
  const parsed = parseFreePath(news.method, news.path);
  const failures = parsed.problems.map((p) => ({ property: p.field === "method" ? "method" : "path", reason: `DcsOperation: ${p.reason}` }));
  const op = parsed.path?.operation;
  if (op) for (const p of checkBody(op, news.body)) failures.push({ property: "body", reason: `DcsOperation: ${p.reason}` });
  return failures.length ? { inputs: result.inputs!, failures } : result;
}

export const dcsOperationSpec: ActionSpec<DcsOperationInputs> = {
  type: "DcsOperation",
  taskName: "",
  what: "The DCS operation",
  instanceId: (i) => resolved(i).instanceId,
  subject: (i) => `${i.method.toUpperCase()} ${i.path}`,
  start: (api, i, o) => {
    const { op, values } = resolved(i);
    if (op) return api.startOperation(op, values, i.body, o);
    return api.startCall(i.method.toUpperCase() as "PUT", i.path, i.body, { ...o, ...(i.jobType ? { taskName: i.jobType } : {}) });
  },
  optionalInputs: ["body", "jobType", "triggers", "waitTimeout", "adoptWithin", "adoptFinished", "region", "projectId", "endpoint"],
};

/** The spec with the task name of the resolved operation (or the `jobType` input). */
function specFor(i: DcsOperationInputs): ActionSpec<DcsOperationInputs> {
  const { op } = resolved(i);
  return { ...dcsOperationSpec, taskName: op?.task.name ?? i.jobType ?? "", what: op ? `The ${op.name} operation` : `The DCS operation ${i.method.toUpperCase()} ${i.path}` };
}

/** The `DcsOperation` provider implementation. */
export const dcsOperation = actionProvider<DcsOperationInputs>({
  spec: dcsOperationSpec,
  check: checkDcsOperation,
  identity: ["method", "path", "body"],
  specFor,
});
