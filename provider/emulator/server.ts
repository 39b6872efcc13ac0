/**
 * The emulator's HTTP server (node:http only): reads the request, finds the route, authenticates as
 * the gateway, applies any armed fault, runs the handler against {@link EmulatorState}, and answers
 * with a JSON body and an `X-Request-Id`. Admin routes live under `/_emulator/` (never under `/v2`),
 * need no signature and answer only loopback peers.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authenticate, type AuthConfig } from "./auth";
import type { EmulatorClock } from "./clock";
import { ERRORS, errorBody, type ErrorAnswer } from "./errors";
import { type FaultRegistry, type RequestFault, type RouteName } from "./faults";
import { checkPathValues } from "../operations/request";
import type { OperationDef } from "../operations/types";
import { readOperationBody } from "./operations";
import { matchRoute, type RouteMatch } from "./routes";
import { parseTaskTime, type EmulatorState, type JobPlan, type StartResult, type TaskQuery } from "./state";
import type { StatsCollector } from "./stats";
import { ESTIMATE_MODES, EmulatorProgress, type EstimateMode } from "./progress";
import { gatewayThrottleAnswer, type GatewayThrottle } from "./throttle";

/** How much the emulator logs. */
export type LogLevel = "silent" | "info" | "debug";

/** Everything the server works with; owned by `startEmulator`. */
export interface ServerContext {
  state: EmulatorState;
  clock: EmulatorClock;
  faults: FaultRegistry;
  stats: StatsCollector;
  auth: AuthConfig;
  projectId: string;
  logLevel: LogLevel;
  logger: (line: string) => void;
  /** Admin actions the server cannot do on its own. */
  admin: { reset(): void };
  /** ShowBackgroundTaskProgress's estimate mode and noise (`progress.ts`); absent: exact estimates. */
  progress?: EmulatorProgress;
  /** The gateway's per-access-key throttle (`throttle.ts`); absent or unconfigured: off. */
  throttle?: GatewayThrottle;
}

/** Largest request body read; bigger ones get the connection closed. */
const MAX_BODY_BYTES = 1 << 20;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A vendor-like request ID: 32 lower-case hex digits. */
export function newRequestId(): string {
  return randomBytes(16).toString("hex");
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
  return a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function fromError(e: ErrorAnswer, requestId: string): Answer {
  return { status: e.status, body: errorBody(e, requestId), ...(e.headers ? { headers: e.headers } : {}) };
}

/** The HTTP server plus the timers it may still hold (slow answers), so `stop()` is prompt. */
export interface EmulatorServer {
  server: Server;
  /** Clears pending slow answers. */
  cancelTimers(): void;
}

export function createEmulatorServer(ctx: ServerContext): EmulatorServer {
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = createServer((req, res) => {
    // The emulator's own clock, as a real server's Date header is its clock (clients measure skew by it,
    // and task times are in this clock).
    res.setHeader("Date", new Date(ctx.clock.now()).toUTCString());
    handle(req, res, ctx, sleep).catch((err: unknown) => {
      // A bug in the emulator: answer 500 rather than hang the client, and say so on the log.
      ctx.logger(`dcs-emulator internal error: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "Content-Type": "application/json" }).end('{"error_code":"DCS.5000","error_msg":"Emulator internal error.","error_ext_msg":null}');
      }
    });
  });
  // Clients keep connections alive for 10 s (provider/http.ts); a shorter server timeout would race
  // with a reused socket and show up as spurious ECONNRESETs.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return {
    server,
    cancelTimers() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  }
  return out;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ServerContext, sleep: (ms: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const requestId = newRequestId();
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const raw = await readBody(req);
  if (raw === undefined) {
    log(ctx, { method, url, status: "dropped", started, requestId, note: "body too large" });
    return;
  }
  const body = raw.toString("utf8");

  if (url.pathname === "/_emulator" || url.pathname.startsWith("/_emulator/")) {
    ctx.stats.adminRequest();
    const answer = isLoopbackAddress(req.socket.remoteAddress)
      ? handleAdmin(method, url.pathname, body, ctx)
      : { status: 403, body: { error: "The emulator's admin routes answer loopback clients only." } };
    send(res, answer, requestId);
    log(ctx, { method, url, status: answer.status, started, requestId, route: "admin" });
    return;
  }

  const route = matchRoute(method, url.pathname);
  ctx.stats.request(route?.name ?? "unknown", method);
  const finish = (answer: Answer, extra: { fault?: string } = {}) => {
    send(res, answer, requestId);
    ctx.stats.answered(answer.status);
    log(ctx, { method, url, status: answer.status, started, requestId, route: route?.name, ...extra });
  };
  const drop = (fault: string) => {
    req.socket.destroy();
    ctx.stats.answered("dropped");
    log(ctx, { method, url, status: "dropped", started, requestId, route: route?.name, fault });
  };

  if (!route) return finish(fromError(ERRORS.apiNotFound(), requestId));

  const headers = flatHeaders(req);
  const auth = authenticate({ method, url: req.url ?? "/", headers, body: raw }, ctx.auth);
  if (!auth.ok) return finish(fromError(auth.error, requestId));
  const headerProject = headers["x-project-id"];
  if (route.projectId !== ctx.projectId || (headerProject !== undefined && headerProject !== ctx.projectId)) {
    return finish(fromError(ERRORS.forbidden(), requestId));
  }
  // The gateway's per-user throttle counts every authenticated request of the key, before any fault.
  const throttled = gatewayThrottleAnswer(ctx.throttle, auth.principal, ctx.clock);
  if (throttled) return finish(fromError(throttled, requestId), { fault: "gateway-throttle" });

  const faultInstance = route.instanceId ?? (route.jobId ? ctx.state.jobInstance(route.jobId) : undefined);
  const fault = ctx.faults.takeRequestFault(route.name, faultInstance);
  let after: RequestFault | undefined;
  if (fault) {
    switch (fault.kind) {
      case "notFound":
        return finish(
          fromError(
            route.jobId !== undefined
              ? ERRORS.jobNotFound(route.jobId)
              : route.instanceId !== undefined
                ? ERRORS.instanceNotFound(route.instanceId)
                : ERRORS.resourceNotFound(),
            requestId,
          ),
          { fault: fault.kind },
        );
      case "throttle":
        return finish(fromError(ERRORS.throttled(fault.retryAfterSec ?? 1), requestId), { fault: fault.kind });
      case "serverError":
        if ((fault.when ?? "before") === "after") {
          after = fault;
          break;
        }
        return finish(fromError(ERRORS.internal(fault.status ?? 500), requestId), { fault: fault.kind });
      case "drop":
        if ((fault.when ?? "after") === "before") return drop("drop-before");
        after = fault;
        break;
      case "delay":
        if (fault.when === "before") await sleep(fault.ms);
        else after = fault;
        break;
      case "malformed":
        after = fault;
        break;
    }
  }

  const answer = runRoute(route, body, url, ctx, requestId);
  if (after?.kind === "drop") return drop("drop-after");
  // Processed (a start call started its job), but the answer is a 5xx: the gateway's ambiguous 502.
  if (after?.kind === "serverError") return finish(fromError(ERRORS.internal(after.status ?? 500), requestId), { fault: "serverError-after" });
  if (after?.kind === "delay") {
    await sleep(after.ms);
    if (res.destroyed || req.socket.destroyed) {
      ctx.stats.answered("dropped");
      log(ctx, { method, url, status: "client-gone", started, requestId, route: route.name, fault: "delay" });
      return;
    }
  }
  if (after?.kind === "malformed") {
    const full = JSON.stringify(answer.body ?? { ok: true });
    return finishRaw(res, 200, full.slice(0, Math.max(1, Math.floor(full.length / 2))), requestId, () => {
      ctx.stats.answered(200);
      log(ctx, { method, url, status: 200, started, requestId, route: route.name, fault: "malformed" });
    });
  }
  return finish(answer, fault ? { fault: fault.kind } : {});
}

/** Runs the route's handler; every outcome is an {@link Answer}. */
function runRoute(route: RouteMatch, body: string, url: URL, ctx: ServerContext, requestId: string): Answer {
  const now = ctx.clock.now();
  if (route.instanceId !== undefined && !UUID_RE.test(route.instanceId)) {
    return fromError(ERRORS.invalidParameter("instance_id"), requestId);
  }
  switch (route.name) {
    case "showJob": {
      const job = ctx.state.showJob(route.jobId!, now);
      return job ? { status: 200, body: job } : fromError(ERRORS.jobNotFound(route.jobId!), requestId);
    }
    case "showInstance": {
      const inst = ctx.state.showInstance(route.instanceId!, now);
      return inst ? { status: 200, body: inst } : fromError(ERRORS.instanceNotFound(route.instanceId!), requestId);
    }
    case "listTasks": {
      const q = parseTaskQuery(url.searchParams);
      if ("invalid" in q) return fromError(ERRORS.invalidParameter(q.invalid), requestId);
      const list = ctx.state.listTasks(route.instanceId!, now, q);
      return list ? { status: 200, body: list } : fromError(ERRORS.instanceNotFound(route.instanceId!), requestId);
    }
    case "showTaskProgress":
      return taskProgressAnswer(route, now, ctx, requestId);
    case "listCenterTasks": {
      const q = parseTaskQuery(url.searchParams);
      if ("invalid" in q) return fromError(ERRORS.invalidParameter(q.invalid), requestId);
      return { status: 200, body: ctx.state.listCenterTasks(now, q) };
    }
    case "showIpWhitelist":
    case "listConfigurations":
    case "listAclAccounts":
    case "listGroupReplicationInfo":
    case "showNodes": {
      const read = READS[route.name](ctx.state, route.instanceId!, now);
      return read ? { status: 200, body: read } : fromError(ERRORS.instanceNotFound(route.instanceId!), requestId);
    }
    case "swapSync": {
      const r = ctx.state.swapNow(route.instanceId!, now);
      if (!r.ok) return fromError(r.error, requestId);
      recordStart(ctx, route.name, r, requestId);
      return { status: 204 };
    }
    default:
      // Every operation of the table (`swap`, `clientIp`, `ssl`, ...): routes.ts found its entry.
      if (route.operation) return operationAnswer(route, route.operation, body, now, ctx, requestId);
      return fromError(ERRORS.apiNotFound(), requestId);
  }
}

/** The reads of what the table's operations change, by route name. */
const READS: Record<
  "showIpWhitelist" | "listConfigurations" | "listAclAccounts" | "listGroupReplicationInfo" | "showNodes",
  (state: EmulatorState, instanceId: string, now: number) => Record<string, unknown> | undefined
> = {
  showIpWhitelist: (s, id, now) => s.showIpWhitelist(id, now),
  listConfigurations: (s, id, now) => s.listConfigurations(id, now),
  listAclAccounts: (s, id, now) => s.listAclAccounts(id, now),
  listGroupReplicationInfo: (s, id, now) => s.listGroupReplicationInfo(id, now),
  showNodes: (s, id, now) => s.showNodes(id, now),
};

/**
 * A start call of a table operation: the path values (`checkPathValues`) and the body (`checkBody`)
 * against the table, each problem 400 `DCS.4063` naming the field; then the state's checks and the
 * operation's precondition (`operations.ts`); then `{"job_id": ...}` plus the fields the SDK's response
 * model adds (UpdateSslSwitch, UpdateAclAccount: `instance_id`).
 */
function operationAnswer(route: RouteMatch, op: OperationDef, body: string, now: number, ctx: ServerContext, requestId: string): Answer {
  const values = route.values ?? {};
  const pathProblem = checkPathValues(op, values)[0];
  if (pathProblem) return fromError(ERRORS.invalidParameter(pathProblem.field), requestId);
  const parsed = readOperationBody(op, body);
  if (!parsed.ok) return fromError(ERRORS.invalidParameter(parsed.field), requestId);
  const r = ctx.state.startOperation({ op, values, body: parsed.body }, now, () => plan(ctx, route.name, values.instance_id ?? ""));
  if (!r.ok) return fromError(r.error, requestId);
  recordStart(ctx, route.name, r, requestId);
  return { status: 200, body: { job_id: r.job.jobId, ...(r.job.answer ?? {}) } };
}

/** ShowBackgroundTaskProgress: 404 for an unknown instance, or a task the instance does not list (yet). */
function taskProgressAnswer(route: RouteMatch, now: number, ctx: ServerContext, requestId: string): Answer {
  if (!ctx.state.hasInstance(route.instanceId!)) return fromError(ERRORS.instanceNotFound(route.instanceId!), requestId);
  const job = ctx.state.taskJob(route.instanceId!, route.taskId!, now);
  if (!job) return fromError(ERRORS.resourceNotFound(), requestId);
  return { status: 200, body: (ctx.progress ?? EXACT_PROGRESS).body(job, now) };
}
/** Used when the context carries no progress settings: exact estimates (no noise is drawn). */
const EXACT_PROGRESS = new EmulatorProgress("exact");

function recordStart(ctx: ServerContext, routeName: RouteName, r: Extract<StartResult, { ok: true }>, requestId: string): void {
  ctx.stats.started({
    at: r.job.beginMs,
    atIso: new Date(r.job.beginMs).toISOString(),
    route: routeName,
    instanceId: r.job.instanceId,
    jobType: r.job.jobType,
    jobId: r.job.jobId,
    requestId,
  });
}

/** The job faults armed for this start, as a plan for the state. */
function plan(ctx: ServerContext, routeName: RouteName, instanceId: string): JobPlan {
  const { outcome, duration } = ctx.faults.takeJobFaults(routeName, instanceId);
  const p: JobPlan = {};
  if (duration) p.durationMs = duration.durationMs;
  if (outcome?.kind === "hangJob") p.hang = true;
  if (outcome?.kind === "failJob") {
    p.fail = outcome.failReason;
    if (outcome.errorCode !== undefined) p.errorCode = outcome.errorCode;
    if (outcome.durationMs !== undefined && !duration) p.durationMs = outcome.durationMs;
  }
  return p;
}

/**
 * ListBackgroundTask / ListCenterTask query (the SDK defines the same four for both); the vendor's own
 * example spells `start_time` as `begin_time`: accept both. Other parameters are ignored.
 */
export function parseTaskQuery(p: URLSearchParams): TaskQuery | { invalid: string } {
  const int = (name: string, dflt: number, min: number, max: number): number | { invalid: string } => {
    const raw = p.get(name);
    if (raw === null || raw === "") return dflt;
    if (!/^\d+$/.test(raw)) return { invalid: name };
    const n = Number(raw);
    return n < min || n > max ? { invalid: name } : n;
  };
  const offset = int("offset", 0, 0, Number.MAX_SAFE_INTEGER);
  if (typeof offset !== "number") return offset;
  const limit = int("limit", 10, 1, 1000);
  if (typeof limit !== "number") return limit;
  const q: TaskQuery = { offset, limit };
  const startName = p.get("start_time") !== null ? "start_time" : "begin_time";
  for (const [name, key] of [
    [startName, "startMs"],
    ["end_time", "endMs"],
  ] as const) {
    const raw = p.get(name);
    if (raw === null || raw === "") continue;
    const ms = parseTaskTime(raw);
    if (ms === undefined) return { invalid: name };
    // The end second is inclusive: 20240101000059 covers up to .999.
    q[key] = key === "endMs" ? ms + 999 : ms;
  }
  return q;
}

function send(res: ServerResponse, answer: Answer, requestId: string): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { "X-Request-Id": requestId, ...(answer.headers ?? {}) };
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res
    .writeHead(answer.status, { ...headers, "Content-Type": "application/json;charset=UTF-8", "Content-Length": String(Buffer.byteLength(text)) })
    .end(text);
}

function finishRaw(res: ServerResponse, status: number, text: string, requestId: string, done: () => void): void {
  if (!res.destroyed) {
    res
      .writeHead(status, { "X-Request-Id": requestId, "Content-Type": "application/json;charset=UTF-8", "Content-Length": String(Buffer.byteLength(text)) })
      .end(text);
  }
  done();
}

/** The admin API: faults, stats, clock, reset, jobs (list, expire), instances (list, delete). JSON in and out. */
function handleAdmin(method: string, path: string, body: string, ctx: ServerContext): Answer {
  const json = (): unknown => (body.trim() === "" ? undefined : JSON.parse(body));
  try {
    switch (`${method} ${path}`) {
      case "GET /_emulator/faults":
        return { status: 200, body: { faults: ctx.faults.list() } };
      case "POST /_emulator/faults":
        return { status: 201, body: { ids: ctx.faults.add(json()) } };
      case "DELETE /_emulator/faults":
        ctx.faults.clear();
        return { status: 204 };
      case "GET /_emulator/stats":
        return { status: 200, body: ctx.stats.snapshot(ctx.faults.firedLog()) };
      case "DELETE /_emulator/stats":
        ctx.stats.reset();
        ctx.faults.resetLog();
        return { status: 204 };
      case "GET /_emulator/clock":
        return { status: 200, body: clockBody(ctx) };
      case "POST /_emulator/clock": {
        const b = json() as { advanceMs?: unknown } | undefined;
        const ms = b?.advanceMs;
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
          return { status: 400, body: { error: "Send {\"advanceMs\": <non-negative number>}." } };
        }
        ctx.clock.advance(ms);
        return { status: 200, body: clockBody(ctx) };
      }
      case "POST /_emulator/reset":
        ctx.admin.reset();
        return { status: 204 };
      case "GET /_emulator/instances": {
        const now = ctx.clock.now();
        return { status: 200, body: { instances: ctx.state.instanceIds().map((id) => ctx.state.showInstance(id, now)) } };
      }
      case "GET /_emulator/jobs":
        return { status: 200, body: { jobs: ctx.state.listJobs(ctx.clock.now()) } };
    }
    if (method === "POST" && path === "/_emulator/progress") {
      const estimate = (json() as { estimate?: unknown } | undefined)?.estimate;
      if (typeof estimate !== "string" || !(ESTIMATE_MODES as readonly string[]).includes(estimate) || !ctx.progress) {
        return { status: 400, body: { error: `Send {"estimate": one of ${ESTIMATE_MODES.map((m) => JSON.stringify(m)).join(", ")}}.` } };
      }
      ctx.progress.setMode(estimate as EstimateMode);
      return { status: 200, body: { estimate } };
    }
    const expire = /^\/_emulator\/jobs\/([^/]+)\/expire$/.exec(path);
    if (method === "POST" && expire) {
      const jobId = decodeURIComponent(expire[1]!);
      if (ctx.state.jobInstance(jobId) === undefined) return { status: 404, body: { error: `No job ${jobId}.` } };
      ctx.state.expireJob(jobId);
      return { status: 204 };
    }
    const instance = /^\/_emulator\/instances\/([^/]+)$/.exec(path);
    if (method === "DELETE" && instance) {
      const instanceId = decodeURIComponent(instance[1]!);
      if (!ctx.state.hasInstance(instanceId)) return { status: 404, body: { error: `No instance ${instanceId}.` } };
      ctx.state.deleteInstance(instanceId, ctx.clock.now());
      return { status: 204 };
    }
    return { status: 404, body: { error: `No admin route ${method} ${path}.` } };
  } catch (e) {
    return { status: 400, body: { error: (e as Error).message } };
  }
}

function clockBody(ctx: ServerContext): { kind: string; now: number; nowIso: string } {
  const now = ctx.clock.now();
  return { kind: ctx.clock.kind, now, nowIso: new Date(now).toISOString() };
}

/** One line per request. Only method, path, status, timing and IDs: never headers, tokens or bodies. */
function log(
  ctx: ServerContext,
  e: { method: string; url: URL; status: number | string; started: number; requestId: string; route?: string; fault?: string; note?: string },
): void {
  if (ctx.logLevel === "silent") return;
  const ms = Math.round(performance.now() - e.started);
  let line = `dcs-emulator ${e.method} ${e.url.pathname} ${e.status} ${ms}ms`;
  if (ctx.logLevel === "debug") {
    const extras = [
      e.url.search ? `query=${e.url.search}` : "",
      e.route ? `route=${e.route}` : "",
      `request_id=${e.requestId}`,
      e.fault ? `fault=${e.fault}` : "",
      e.note ? `note=${JSON.stringify(e.note)}` : "",
    ].filter(Boolean);
    line += " " + extras.join(" ");
  } else if (e.fault) {
    line += ` fault=${e.fault}`;
  }
  ctx.logger(line);
}
