/** The API routes the emulator serves: method + path pattern -> route name and path parameters. */
import type { RouteName } from "./faults";

export interface RouteMatch {
  name: RouteName;
  projectId: string;
  instanceId?: string;
  jobId?: string;
}

interface RouteDef {
  name: RouteName;
  method: string;
  pattern: RegExp;
  /** Which capture after the project ID is what (none for tenant-wide routes). */
  param?: "instanceId" | "jobId";
}

const SEG = "([^/]+)";

/** Paths from `shared/dcs-api.md`; note the pass-through path has no `instances/` segment (vendor's). */
const ROUTES: readonly RouteDef[] = [
  { name: "showJob", method: "GET", pattern: new RegExp(`^/v2/${SEG}/jobs/${SEG}$`), param: "jobId" },
  { name: "swap", method: "PUT", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/async-swap$`), param: "instanceId" },
  { name: "swapSync", method: "POST", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/swap$`), param: "instanceId" },
  { name: "clientIp", method: "PUT", pattern: new RegExp(`^/v2/${SEG}/${SEG}/client-ip-transparent-transmission$`), param: "instanceId" },
  { name: "showInstance", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}$`), param: "instanceId" },
  { name: "listTasks", method: "GET", pattern: new RegExp(`^/v2/${SEG}/instances/${SEG}/tasks$`), param: "instanceId" },
  // ListCenterTask (vendor SDK `dcs_meta.go` `GenReqDefForListCenterTask`): tenant-wide, no instance.
  { name: "listCenterTasks", method: "GET", pattern: new RegExp(`^/v2/${SEG}/tasks$`) },
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
    if (r.param === undefined) return { name: r.name, projectId };
    const value = decode(m[2]!);
    if (value === undefined) return undefined;
    return { name: r.name, projectId, [r.param]: value };
  }
  return undefined;
}
