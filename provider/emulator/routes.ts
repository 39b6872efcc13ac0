/** The API routes the emulator serves: method + path pattern -> route name and path parameters. */
import { OPERATIONS } from "../operations/table";
import type { OperationDef, PathParam, PathValues } from "../operations/types";
import { operationRouteName, type RouteName } from "./faults";

export interface RouteMatch {
  name: RouteName;
  projectId: string;
  instanceId?: string;
  jobId?: string;
  /** ShowBackgroundTaskProgress: the task (after the instance in the path). */
  taskId?: string;
  /** A table operation's route: the operation and every path value of the call (decoded). */
  operation?: OperationDef;
  values?: PathValues;
}

interface RouteDef {
  name: RouteName;
  method: string;
  pattern: RegExp;
  /** Which capture after the project ID is what (none for tenant-wide routes). */
  param?: "instanceId" | "jobId";
  /** A second capture after `param` (the progress route's task). */
  param2?: "taskId";
  /** A table operation: the captures after the project ID are its `pathParams`, in path order. */
  operation?: OperationDef;
}

const SEG = "([^/]+)";

/** The pattern of a table path template: each `{name}` one segment, the rest literal. */
function templatePattern(template: string): RegExp {
  const parts = template.split("/").map((seg) => (/^\{\w+\}$/.test(seg) ? SEG : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("/")}$`);
}

/** The `{name}` placeholders of a template after `{project_id}`, in path order. */
function templateParams(template: string): PathParam[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((n) => n !== "project_id") as PathParam[];
}

/**
 * One route per operation of the table (`provider/operations/table.ts`): its method and path template
 * exactly, named `swap` / `clientIp` for the two that predate the table, else by `cli` name.
 */
const OPERATION_ROUTES: readonly RouteDef[] = OPERATIONS.map((op) => ({ name: operationRouteName(op), method: op.method, pattern: templatePattern(op.path), operation: op }));

/** Paths from `shared/dcs-api.md`; note the pass-through path has no `instances/` segment (vendor's). */
const ROUTES: readonly RouteDef[] = [
  { name: "showJob", method: "GET", pattern: new RegExp(`^/v2/${SEG}/jobs/${SEG}$`), param: "jobId" },
  { name: "swapSync", method: "POST", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/swap$`), param: "instanceId" },
  { name: "showInstance", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}$`), param: "instanceId" },
  { name: "listTasks", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/tasks$`), param: "instanceId" },
  // ListCenterTask (vendor SDK `dcs_meta.go` `GenReqDefForListCenterTask`): tenant-wide, no instance.
  { name: "listCenterTasks", method: "GET", pattern: new RegExp(`^/v2/${SEG}/tasks$`) },
  // ShowBackgroundTaskProgress (vendor SDK `GenReqDefForShowBackgroundTaskProgress`).
  { name: "showTaskProgress", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/tasks/${SEG}/progress$`), param: "instanceId", param2: "taskId" },
  // Reads of what the table's operations change (vendor SDK `dcs_meta.go`; note `instance/` vs `instances/`).
  { name: "showIpWhitelist", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instance/${SEG}/whitelist$`), param: "instanceId" },
  { name: "listConfigurations", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/configs$`), param: "instanceId" },
  { name: "listAclAccounts", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/accounts$`), param: "instanceId" },
  { name: "listGroupReplicationInfo", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instance/${SEG}/groups$`), param: "instanceId" },
  // ShowNodesInformation: where DeleteIpFromDomainName shows (`is_remove_ip`).
  { name: "showNodes", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/logical-nodes$`), param: "instanceId" },
  // Every operation of the table (ChangeMasterStandbyAsync is `swap`, the pass-through change `clientIp`).
  ...OPERATION_ROUTES,
];

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * The route for `method` + `pathname`, or undefined. A known path with another method is "not found"
 * too: the gateway publishes APIs per method and path.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const projectId = decode(m[1]!);
    if (projectId === undefined) return undefined;
    if (r.operation) {
      const values: Partial<Record<PathParam, string>> = {};
      for (const [n, p] of templateParams(r.operation.path).entries()) {
        const v = decode(m[n + 2]!);
        if (v === undefined) return undefined;
        values[p] = v;
      }
      return { name: r.name, projectId, operation: r.operation, values, ...(values.instance_id !== undefined ? { instanceId: values.instance_id } : {}) };
    }
    if (r.param === undefined) return { name: r.name, projectId };
    const value = decode(m[2]!);
    if (value === undefined) return undefined;
    if (r.param2 !== undefined) {
      const second = decode(m[3]!);
      if (second === undefined) return undefined;
      return { name: r.name, projectId, [r.param]: value, [r.param2]: second };
    }
    return { name: r.name, projectId, [r.param]: value };
  }
  return undefined;
}
