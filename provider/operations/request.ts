/**
 * Building and checking the request of an operation, before any call: path parameters (UUIDs where
 * the API uses them), the body against the SDK's request model (field names exact, unknown fields
 * refused), and, for the generic `DcsOperation`, a free path against the DCS v2 path shape. Pure.
 */
import type { z } from "zod";
import { ConfigError } from "../errors";
import { OPERATIONS } from "./table";
import type { OperationDef, PathParam, PathValues } from "./types";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ACL account IDs are not documented as UUIDs: one path segment of plain characters. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** What each path parameter is, for messages, and how it is checked. */
const PARAM_RULES: Record<PathParam, { what: string; test: RegExp; shape: string }> = {
  instance_id: { what: "instance ID", test: UUID, shape: "a UUID such as 8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e01" },
  group_id: { what: "shard (group) ID", test: UUID, shape: "a UUID (see ListGroupReplicationInfo, `dcs-jobs groups <instance-id>`)" },
  node_id: { what: "replica (node) ID", test: UUID, shape: "a UUID (see ListGroupReplicationInfo)" },
  account_id: { what: "ACL account ID", test: SEGMENT, shape: "one path segment of letters, digits, '-', '_' or '.'" },
};

/** A problem with one field of an operation's input. */
export interface FieldProblem {
  /** `instance_id`, `body.whitelist[0].ip_list`, ... */
  field: string;
  reason: string;
}

/** Checks the path parameters an operation needs; problems name the field and the shape wanted. */
export function checkPathValues(op: OperationDef, values: PathValues): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const p of op.pathParams) {
    const v = values[p];
    const rule = PARAM_RULES[p];
    if (v === undefined || v === "") problems.push({ field: p, reason: `${op.name} needs ${p}, the ${rule.what}: ${rule.shape}.` });
    else if (typeof v !== "string" || !rule.test.test(v)) problems.push({ field: p, reason: `${p} must be ${rule.shape}; got ${JSON.stringify(String(v).slice(0, 60))}.` });
  }
  return problems;
}

/** Checks a body against the operation's request model; an operation without a body takes none. */
export function checkBody(op: OperationDef, body: unknown): FieldProblem[] {
  if (!op.body) {
    const empty = body === undefined || body === null || (typeof body === "object" && Object.keys(body as object).length === 0);
    return empty ? [] : [{ field: "body", reason: `${op.name} takes no body.` }];
  }
  const r = (op.body as z.ZodType).safeParse(body ?? {});
  if (r.success) return [];
  return r.error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    const keys = (i as { keys?: string[] }).keys;
    const reason = keys?.length ? `unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")} (not in the SDK's request model)` : i.message;
    return { field: `body${path}`, reason: `${op.name}: body${path}: ${reason}.` };
  });
}

/** The concrete path of a call (project and parameters filled in, each encoded). Throws a ConfigError. */
export function fillPath(op: OperationDef, projectId: string, values: PathValues): string {
  const problems = checkPathValues(op, values);
  if (problems.length) throw new ConfigError(problems.map((p) => p.reason).join(" "));
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(name === "project_id" ? projectId : values[name as PathParam]!));
}

/** The body text of a call, after checking it. Throws a ConfigError naming the fields. */
export function bodyText(op: OperationDef, body: unknown): string | undefined {
  const problems = checkBody(op, body);
  if (problems.length) throw new ConfigError(problems.map((p) => p.reason).join(" "));
  return op.body ? JSON.stringify(body ?? {}) : undefined;
}

// ---- free paths (the generic DcsOperation) --------------------------------------------------------

/** A free path of the generic resource, matched against the table where it can be. */
export interface FreePath {
  /** The path with `{project_id}` kept as the placeholder (the client fills it in). */
  template: string;
  /** The instance ID in it, if any (for task-list adoption and messages). */
  instanceId?: string;
  /** The table's operation it is, if any: its task name, kind and codes then apply. */
  operation?: OperationDef;
  values: PathValues;
}

const FREE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Checks a path given to `DcsOperation` against the DCS v2 shape: `/v2/{project_id}/...`, plain
 * segments, no query, no `..`; finds the instance ID and, when the method and path are a table
 * entry's, that operation. Returns problems instead of throwing, for `check`.
 */
export function parseFreePath(method: string, path: string): { path?: FreePath; problems: FieldProblem[] } {
  const m = method.toUpperCase();
  if (!["PUT", "POST", "DELETE"].includes(m)) return { problems: [{ field: "method", reason: `method must be PUT, POST or DELETE (a job-starting call); got ${JSON.stringify(method)}.` }] };
  if (!path.startsWith("/v2/{project_id}/")) {
    return { problems: [{ field: "path", reason: `path must start with "/v2/{project_id}/" (the client fills in the project ID); got ${JSON.stringify(path.slice(0, 80))}.` }] };
  }
  if (/[?#]/.test(path)) return { problems: [{ field: "path", reason: "path must not contain a query (?) or fragment (#)." }] };
  const segments = path.slice("/v2/{project_id}/".length).split("/");
  if (segments.some((s) => !FREE_SEGMENT.test(s))) {
    return { problems: [{ field: "path", reason: `path segments must be plain names or IDs (letters, digits, '-', '_', '.'; no empty segment, no "..", no placeholders): ${JSON.stringify(path.slice(0, 120))}.` }] };
  }
  for (const op of OPERATIONS) {
    if (op.method !== m) continue;
    const values = matchTemplate(op.path, path);
    if (!values) continue;
    const problems = checkPathValues(op, values);
    return { path: { template: path, operation: op, values, ...(values.instance_id ? { instanceId: values.instance_id } : {}) }, problems };
  }
  const idx = segments.findIndex((s, i) => (s === "instances" || s === "instance") && UUID.test(segments[i + 1] ?? ""));
  const instanceId = idx >= 0 ? segments[idx + 1] : UUID.test(segments[0] ?? "") ? segments[0] : undefined;
  return { path: { template: path, values: instanceId ? { instance_id: instanceId } : {}, ...(instanceId ? { instanceId } : {}) }, problems: [] };
}

/** The path values of `path` if it fits `template` (`{name}` matches one segment), else undefined. */
function matchTemplate(template: string, path: string): PathValues | undefined {
  const t = template.split("/");
  const p = path.split("/");
  if (t.length !== p.length) return undefined;
  const values: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const ts = t[i]!;
    const name = /^\{(\w+)\}$/.exec(ts)?.[1];
    if (name === "project_id") {
      if (p[i] !== "{project_id}") return undefined;
    } else if (name) values[name] = p[i]!;
    else if (ts !== p[i]) return undefined;
  }
  return values as PathValues;
}
