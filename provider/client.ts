/**
 * The DCS API client: signs requests (AK/SK or IAM token), paces them through the shared rate budget,
 * retries what is safe to retry, parses every answer with zod, and never sends a non-idempotent start
 * call twice when its first outcome is unknown (it reconciles through the background-task list).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { resolveClientConfig, assertInstanceId, assertJobId, type DcsClientOptions, type ResolvedClientConfig, type Env } from "./config";
import { sampleServerClock, ServerClock } from "./server-clock";
import { ConfigError, DcsApiError, DcsJobsError, DcsNetworkError, DcsResponseError, OperationOutcomeUnknownError, SameOperationRunningError, TEMPORARY_CREDENTIALS_HINT } from "./errors";
import { getDispatcher, loadCaFile, MAX_BODY_BYTES, sendHttp, type HttpResponse } from "./http";
import { rateLimiterFor, type RateLimiter } from "./rate-limit";
import {
  classifyStartFailure,
  isInstanceBusy,
  sameErrorCode,
  isRetryableRead,
  parseRetryAfter,
  planRetryDelay,
  sleep,
  type BackoffOptions,
} from "./retry-policy";
import {
  AclAccountsSchema,
  CenterTaskListSchema,
  ConfigurationsSchema,
  GroupsSchema,
  WhitelistSchema,
  InstanceSchema,
  JobInfoSchema,
  StartAnswerSchema,
  TaskListSchema,
  describeIssues,
  parseErrorBody,
  toCenterTask,
  toInstance,
  toJob,
  toTask,
} from "./schemas";
import { bodyText, fillPath, operation, parseFreePath, type OperationDef, type PathValues } from "./operations";
import { signRequest } from "./signer";
import { TaskProgressSchema, toTaskProgress } from "./schemas";
import type { TaskProgress } from "./types";
import { lookAtTasks, TASK_SKEW_MS, taskIs, tasksStartedBy, type TaskView } from "./tasks";
import type { AclAccount, BackgroundTask, CallOptions, DcsApi, DcsInstance, IpWhitelist, Job, RedisParameter, ReplicaGroup, StartCallOptions, StartedJob, TaskWindow } from "./types";

export type { DcsClientOptions } from "./config";

/** An answer with its request ID. */
interface Exchange extends HttpResponse {
  requestId?: string;
}

/** Per-exchange hooks of {@link DcsClient.exchange}. */
interface ExchangeHooks {
  /** Called right before the request goes to the network. */
  onDispatch?: () => void;
}

/** p-retry is ESM-only: TypeScript keeps this `import()` as a real dynamic import in CommonJS output. */
const importPRetry = () => import("p-retry");
let pRetryModule: ReturnType<typeof importPRetry> | undefined;
/** Loads p-retry once. */
function loadPRetry(): ReturnType<typeof importPRetry> {
  pRetryModule ??= importPRetry();
  return pRetryModule;
}

let version: string | undefined;
/** This package's version, from its package.json (source: one level up; dist: one level up too). */
export function packageVersion(): string {
  if (version !== undefined) return version;
  for (const rel of ["..", join("..", "..")]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, rel, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-dcs-jobs" && pkg.version) return (version = pkg.version);
    } catch {
      // try the next candidate
    }
  }
  return (version = "0.0.0");
}

/** `Date` to the task list's UTC `yyyyMMddHHmmss`. */
export function formatTaskTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * A short, tag-stripped excerpt of a non-JSON body (an HTML proxy page): scripts, styles, comments and
 * tags dropped, a few entities decoded, whitespace collapsed, at most `max` characters.
 * One pass, linear in the body (found by fuzzing: the regular expressions it replaces took quadratic
 * time on unclosed tags, minutes for a page of "<script" × 40,000); it stops once it has enough text.
 */
export function bodyExcerpt(body: string, max = 200): string {
  const enough = 2 * max + 16; // entities shrink when decoded: collect a little more than `max`
  let out = "";
  const space = () => {
    if (out !== "" && !out.endsWith(" ")) out += " ";
  };
  const closing = (name: string, from: number): number => {
    const re = new RegExp(`</${name}`, "gi");
    re.lastIndex = from;
    return re.exec(body)?.index ?? -1;
  };
  let noClosingBracket = false;
  for (let i = 0; i < body.length && out.length < enough; ) {
    const c = body[i]!;
    if (c !== "<") {
      if (/\s/.test(c)) space();
      else out += c;
      i++;
      continue;
    }
    if (body.startsWith("<!--", i)) {
      const end = body.indexOf("-->", i + 4);
      if (end < 0) break; // an unclosed comment: the rest is comment
      i = end + 3;
      space();
      continue;
    }
    const block = /^<(script|style)(?![A-Za-z0-9])/i.exec(body.slice(i, i + 8));
    if (block) {
      const close = closing(block[1]!, i + 1);
      const end = close < 0 ? -1 : body.indexOf(">", close);
      if (end < 0) break; // an unclosed script or style: the rest is code
      i = end + 1;
      space();
      continue;
    }
    const end = noClosingBracket ? -1 : body.indexOf(">", i + 1);
    if (end < 0) {
      // No ">" anywhere after: every "<" from here on is text.
      noClosingBracket = true;
      out += c;
      i++;
      continue;
    }
    i = end + 1;
    space();
  }
  const text = out
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  if (text === "") return "(empty body)";
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** The longest request ID kept (vendor IDs are 32 hex digits; anything longer is cut). */
const MAX_REQUEST_ID = 128;

/**
 * The DCS API client. Construction resolves and checks the configuration (throwing a
 * {@link ConfigError} before any call); every method validates its IDs before sending anything.
 */
export class DcsClient implements DcsApi {
  /** The endpoint in use (origin plus optional base path). */
  readonly endpoint: string;
  /** The project ID in every path. */
  readonly projectId: string;
  /** The resolved configuration (holds credentials: do not log it). */
  private readonly config: ResolvedClientConfig;
  private readonly limiter?: RateLimiter;
  private readonly ca?: string;
  private readonly userAgent: string;
  private readonly secrets: string[];
  private closed = false;
  /** The servers' clock as the answers' `Date` headers tell it (for matching task times; server-clock.ts). */
  private readonly serverClock = new ServerClock();

  constructor(options: DcsClientOptions = {}, env: Env = process.env) {
    this.config = resolveClientConfig(options, env);
    this.endpoint = this.config.endpoint;
    this.projectId = this.config.projectId;
    const caParts = [this.config.caFile ? loadCaFile(this.config.caFile) : undefined, this.config.ca].filter((x): x is string => !!x);
    this.ca = caParts.length ? caParts.join("\n") : undefined;
    // The emulator (loopback) is not the vendor gateway: no budget unless asked for explicitly.
    const budget = this.config.loopback && options.rateLimit === undefined ? undefined : this.config.rateLimit;
    if (budget) this.limiter = rateLimiterFor(this.endpoint, budget);
    this.userAgent = this.config.userAgent ?? `pulumi-dcs-jobs/${packageVersion()}`;
    const c = this.config.credentials;
    this.secrets = ("token" in c ? [c.token] : [c.secretKey, c.securityToken ?? ""]).filter((s) => s.length >= 4);
  }

  /** `GET /v2/{project_id}/jobs/{job_id}`: one read of a job. Retries network errors, 429 and 5xx. */
  async showJob(jobId: string, options: CallOptions = {}): Promise<Job> {
    assertJobId(jobId);
    const path = `/v2/${this.projectId}/jobs/${encodeURIComponent(jobId)}`;
    const body = await this.read(path, undefined, JobInfoSchema, options);
    // Another job's answer (a caching proxy, a mixed-up gateway) must never pass for this one's: its
    // SUCCESS would end the wait for a job that may still run. Found by fuzzing.
    if (body.job_id !== jobId) {
      throw new DcsResponseError(
        `GET ${path} answered for another job (${JSON.stringify(this.scrub(body.job_id).slice(0, 64))}); the answer was not used`,
        "GET",
        path,
        undefined,
        "other-job",
      );
    }
    return toJob(body);
  }

  /** `GET /v2/{project_id}/instances/{instance_id}`. */
  async showInstance(instanceId: string, options: CallOptions = {}): Promise<DcsInstance> {
    assertInstanceId(instanceId);
    const path = `/v2/${this.projectId}/instances/${instanceId}`;
    return toInstance(await this.read(path, undefined, InstanceSchema, options));
  }

  /** `GET /v2/{project_id}/instances/{instance_id}/tasks` for one window (UTC `yyyyMMddHHmmss`). */
  async listTasks(instanceId: string, window: TaskWindow, options: CallOptions = {}): Promise<BackgroundTask[]> {
    assertInstanceId(instanceId);
    if (!(window.start instanceof Date) || !(window.end instanceof Date) || Number.isNaN(window.start.getTime()) || Number.isNaN(window.end.getTime())) {
      throw new ConfigError("listTasks needs a window with valid `start` and `end` dates.");
    }
    const query: Record<string, string> = {};
    if (window.offset !== undefined) query.offset = String(window.offset);
    if (window.limit !== undefined) query.limit = String(window.limit);
    query.start_time = formatTaskTime(window.start);
    query.end_time = formatTaskTime(window.end);
    const path = `/v2/${this.projectId}/instances/${instanceId}/tasks`;
    const body = await this.read(path, query, TaskListSchema, options);
    return (body.tasks ?? []).map(toTask);
  }

  /**
   * `GET /v2/{project_id}/tasks` (ListCenterTask) for one window (UTC `yyyyMMddHHmmss`): every task of
   * the tenant, each with its `jobId`. The SDK defines only `offset`, `limit`, `start_time`, `end_time`
   * and its items carry no instance ID, so `instanceId` is validated but not sent: it cannot narrow
   * the result (join with {@link listTasks} on the task `id`). See `docs/vendor-tasks.md`.
   */
  async listCenterTasks(
    query: { instanceId?: string; start: Date; end: Date; offset?: number; limit?: number },
    options: CallOptions = {},
  ): Promise<BackgroundTask[]> {
    if (query.instanceId !== undefined) assertInstanceId(query.instanceId);
    if (!(query.start instanceof Date) || !(query.end instanceof Date) || Number.isNaN(query.start.getTime()) || Number.isNaN(query.end.getTime())) {
      throw new ConfigError("listCenterTasks needs valid `start` and `end` dates.");
    }
    const params: Record<string, string> = {};
    if (query.offset !== undefined) params.offset = String(query.offset);
    if (query.limit !== undefined) params.limit = String(query.limit);
    params.start_time = formatTaskTime(query.start);
    params.end_time = formatTaskTime(query.end);
    const path = `/v2/${this.projectId}/tasks`;
    const body = await this.read(path, params, CenterTaskListSchema, options);
    return (body.tasks ?? []).map(toCenterTask);
  }

  /**
   * `GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress` (ShowBackgroundTaskProgress):
   * a background task's percentage, time left and steps. A read like the others: the same rate budget,
   * retries and deadline. The numbers come back as sent (see `TaskProgress`); judging them is the waiter's.
   * `taskId` is a task's own ID from the task lists (not a job ID).
   */
  async showTaskProgress(instanceId: string, taskId: string, options: CallOptions = {}): Promise<TaskProgress> {
    assertInstanceId(instanceId);
    if (typeof taskId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(taskId)) {
      throw new ConfigError(`Invalid background task ID ${JSON.stringify(String(taskId).slice(0, 80))}: a task ID is the \`id\` of an item of the instance's task list (1-64 letters, digits, dashes or underscores).`);
    }
    const path = `/v2/${this.projectId}/instances/${instanceId}/tasks/${encodeURIComponent(taskId)}/progress`;
    return toTaskProgress(taskId, await this.read(path, undefined, TaskProgressSchema, options));
  }

  /**
   * `PUT /v2/{project_id}/instances/{instance_id}/async-swap` (no body). Not idempotent: a second swap
   * swaps back, so this never resends once the request may have arrived.
   */
  async swapMasterStandby(instanceId: string, options: StartCallOptions = {}): Promise<StartedJob> {
    return this.startOperation(operation("ChangeMasterStandbyAsync"), { instance_id: instanceId }, undefined, options);
  }

  /** `PUT /v2/{project_id}/{instance_id}/client-ip-transparent-transmission` (no `instances/` segment). */
  async setClientIpPassThrough(instanceId: string, enabled: boolean, options: StartCallOptions = {}): Promise<StartedJob> {
    if (typeof enabled !== "boolean") throw new ConfigError(`setClientIpPassThrough needs enabled: true or false, got ${typeof enabled}.`);
    return this.startOperation(operation("UpdateClientIpTransparentTransmission"), { instance_id: instanceId }, { transparent_client_ip_enable: enabled }, options);
  }

  /**
   * Starts any operation of the table (`provider/operations/`): checks the path values and the body
   * against the SDK's request model before sending (a {@link ConfigError} names the field), and sends
   * it once, with the same never-twice rules as every start call.
   */
  async startOperation(op: OperationDef, values: PathValues, body: unknown, options: StartCallOptions = {}): Promise<StartedJob> {
    const path = fillPath(op, this.projectId, values);
    const text = bodyText(op, body);
    return this.start(
      { taskName: op.task.name, what: op.summary.replace(/\.$/, "").toLowerCase(), instanceId: values.instance_id, method: op.method, path, body: text, ...(op.busyCodes ? { busyCodes: op.busyCodes } : {}) },
      options,
    );
  }

  /**
   * Starts a job-returning call the table does not know (the generic `DcsOperation`): `pathTemplate`
   * is a DCS v2 path with the `{project_id}` placeholder (checked by `parseFreePath`). Reconciliation
   * and the busy look need `taskName` and an instance in the path; without them an unknown outcome is
   * reported as such.
   */
  async startCall(method: "PUT" | "POST" | "DELETE", pathTemplate: string, body: unknown, options: StartCallOptions & { taskName?: string; instanceId?: string } = {}): Promise<StartedJob> {
    const { taskName, instanceId, ...call } = options;
    const parsed = parseFreePath(method, pathTemplate);
    if (parsed.problems.length || !parsed.path) throw new ConfigError(parsed.problems.map((p) => p.reason).join(" "));
    const path = pathTemplate.replace("{project_id}", encodeURIComponent(this.projectId));
    const text = body === undefined ? undefined : JSON.stringify(body);
    return this.start({ taskName: taskName ?? "", what: `${method} ${pathTemplate}`, instanceId: instanceId ?? parsed.path.instanceId, method, path, body: text }, call);
  }

  /** ShowIpWhitelist: `GET /v2/{project_id}/instance/{instance_id}/whitelist`. */
  async showWhitelist(instanceId: string, options: CallOptions = {}): Promise<IpWhitelist> {
    assertInstanceId(instanceId);
    const b = await this.read(`/v2/${this.projectId}/instance/${instanceId}/whitelist`, undefined, WhitelistSchema, options);
    return { enabled: b.enable_whitelist === true, groups: (b.whitelist ?? []).map((g) => ({ name: g.group_name, ips: [...(g.ip_list ?? [])] })) };
  }

  /** ListConfigurations: `GET /v2/{project_id}/instances/{instance_id}/configs`. */
  async listConfigurations(instanceId: string, options: CallOptions = {}): Promise<RedisParameter[]> {
    assertInstanceId(instanceId);
    const b = await this.read(`/v2/${this.projectId}/instances/${instanceId}/configs`, undefined, ConfigurationsSchema, options);
    return (b.redis_config ?? []).map((c) => ({ id: String(c.param_id ?? ""), name: c.param_name, value: c.param_value === null || c.param_value === undefined ? "" : String(c.param_value) }));
  }

  /** ListAclAccounts: `GET /v2/{project_id}/instances/{instance_id}/accounts`. */
  async listAclAccounts(instanceId: string, options: CallOptions = {}): Promise<AclAccount[]> {
    assertInstanceId(instanceId);
    const b = await this.read(`/v2/${this.projectId}/instances/${instanceId}/accounts`, undefined, AclAccountsSchema, options);
    return (b.accounts ?? []).map((a) => ({ id: a.account_id, ...(a.account_name ? { name: a.account_name } : {}), ...(a.account_role ? { role: a.account_role } : {}) }));
  }

  /** ListGroupReplicationInfo: `GET /v2/{project_id}/instance/{instance_id}/groups` (cluster shards and replicas). */
  async listGroups(instanceId: string, options: CallOptions = {}): Promise<ReplicaGroup[]> {
    assertInstanceId(instanceId);
    const b = await this.read(`/v2/${this.projectId}/instance/${instanceId}/groups`, undefined, GroupsSchema, options);
    return (b.group_list ?? []).map((g) => ({
      groupId: g.group_id,
      ...(g.group_name ? { name: g.group_name } : {}),
      replicas: (g.replication_list ?? []).map((r) => compactObject({ nodeId: r.node_id ?? undefined, role: r.replication_role ?? undefined, ip: r.replication_ip ?? undefined, status: r.status ?? undefined })),
    }));
  }

  /**
   * How far apart a task's `created_at` and this machine's clock may be for the same moment: measured
   * from the answers' `Date` headers so far ({@link taskSkewSlackMs}), 60 s before any answer.
   */
  taskSkewSlackMs(): number {
    return this.serverClock.slackMs();
  }

  /**
   * Marks the client closed: later calls reject. The keep-alive pool is process-wide and shared with
   * other clients, so it stays open (`closeAllDispatchers()` in http.ts ends it).
   */
  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- reads -------------------------------------------------------------------------------------

  private async read<S extends z.ZodType>(path: string, query: Record<string, string> | undefined, schema: S, options: CallOptions): Promise<z.infer<S>> {
    const { default: pRetry } = await loadPRetry();
    const backoff: BackoffOptions = { baseMs: this.config.retry.baseDelayMs, capMs: this.config.retry.maxDelayMs };
    let retriesUsed = 0;
    return pRetry(
      async (attempt) => {
        const res = await this.exchange("GET", path, query, undefined, options, attempt);
        return this.parse(res, "GET", path, schema);
      },
      {
        retries: this.config.retry.retries,
        minTimeout: 0,
        maxTimeout: 0,
        signal: options.signal,
        shouldRetry: async ({ error }) => {
          if (!isRetryableRead(error)) return false;
          const plan = planRetryDelay({
            attempt: retriesUsed++,
            backoff,
            retryAfterMs: error instanceof DcsApiError ? parseRetryAfter(error.retryAfter) : undefined,
            now: Date.now(),
            deadline: options.deadline,
          });
          if (!plan.retry) return false;
          await sleep(plan.delayMs, options.signal);
          return true;
        },
      },
    );
  }

  // ---- start calls -------------------------------------------------------------------------------

  private async start(call: StartSpec, options: StartCallOptions): Promise<StartedJob> {
    const { taskName: kind, instanceId, method, path, body } = call;
    const { default: pRetry } = await loadPRetry();
    const retry = this.config.retry;
    // One deadline per operation: busy retries end with the caller's deadline when it gave one.
    const busyDeadline = options.deadline ?? Date.now() + retry.busyTimeoutMs;
    let sendRetries = 0;
    let busyRetries = 0;
    /** When the first request that may have reached the server left. */
    let sentAt: number | undefined;
    let lastDispatchAt = 0;
    /** True while the current attempt's request is (or may be) on the wire. */
    let dispatched = false;
    const hooks: ExchangeHooks = {
      onDispatch: () => {
        lastDispatchAt = Date.now();
        dispatched = true;
      },
    };

    try {
      return await pRetry(
        async (attempt) => {
          dispatched = false;
          const res = await this.exchange(method, path, undefined, body, options, attempt, hooks);
          const answer = this.parse(res, method, path, StartAnswerSchema);
          return { jobId: answer.job_id, ...(res.requestId ? { requestId: res.requestId } : {}) };
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 0,
          maxTimeout: 0,
          signal: options.signal,
          shouldRetry: async ({ error }) => {
            const busy = isInstanceBusy(error) || isBusyWith(call, error);
            if (!busy && classifyStartFailure(error) !== "retry") return false;
            // Every busy answer gets a look (busy retries are seconds apart): a task list that lags can
            // hide the running job at the first look and show it at the next.
            if (busy && options.busyLook !== false && instanceId && kind) {
              // Never queue behind the same operation: a swap after a running swap swaps back.
              await this.throwIfSameKindRuns(call, instanceId, error, options);
            }
            if (!busy && sendRetries >= retry.retries) return false;
            const plan = planRetryDelay({
              attempt: busy ? busyRetries++ : sendRetries++,
              backoff: busy ? { baseMs: retry.busyBaseDelayMs, capMs: retry.busyMaxDelayMs } : { baseMs: retry.baseDelayMs, capMs: retry.maxDelayMs },
              retryAfterMs: error instanceof DcsApiError ? parseRetryAfter(error.retryAfter) : undefined,
              now: Date.now(),
              deadline: busy ? busyDeadline : options.deadline,
            });
            if (!plan.retry) return false;
            await sleep(plan.delayMs, options.signal);
            // And once more right before the retry: the job that kept the instance busy may have become
            // visible (and may have ended) while we slept; it must not be run again behind it.
            if (busy && options.busyLook !== false && instanceId && kind) await this.throwIfSameKindRuns(call, instanceId, error, options);
            return true;
          },
          onFailedAttempt: ({ error }) => {
            if (sentAt === undefined && classifyStartFailure(error) === "reconcile") sentAt = lastDispatchAt;
          },
        },
      );
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (error instanceof SameOperationRunningError) throw error;
      if (isDeadlineAbort(error) && dispatched) {
        // The deadline cut a request in flight: it may have started, and no time is left to look.
        throw this.outcomeUnknown(call, lastDispatchAt, error, "the call's deadline passed while waiting for the answer");
      }
      if (classifyStartFailure(error) !== "reconcile") throw error;
      if (!instanceId || !kind) throw this.outcomeUnknown(call, sentAt ?? lastDispatchAt, error, "without an instance and a task name there is no task list to look in");
      return this.reconcile(call, instanceId, sentAt ?? lastDispatchAt, error, options);
    }
  }

  /** On a busy answer: one look at the task list; a running task of `kind` (not another resource's) stops the call. */
  private async throwIfSameKindRuns(call: StartSpec, instanceId: string, busy: unknown, options: StartCallOptions): Promise<void> {
    const kind = call.taskName;
    const now = Date.now();
    let tasks: TaskView[];
    try {
      tasks = await lookAtTasks(this, instanceId, { fromMs: now - this.config.retry.busyTimeoutMs - TASK_SKEW_MS, toMs: now + TASK_SKEW_MS }, { ...options, kind });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      return; // The look is a courtesy: without it, the busy answer is retried as before.
    }
    // Same kind, not another resource's, and either still running, or (with a pre-start snapshot) not
    // in it: a task that appeared after this resource looked was started by someone since, perhaps this
    // resource's own interrupted run, whose job may already have ended (it must be waited for and its
    // end reported, not run again).
    const known = options.knownTaskIds;
    const appeared = (t: TaskView) => known !== undefined && options.knownFromMs !== undefined && t.createdAtMs >= options.knownFromMs && !taskIs(t, known);
    const running = tasks
      .filter((t) => t.name === kind && (t.phase === "running" || t.phase === "unknown" || appeared(t)))
      .filter((t) => !(options.isClaimed && (options.isClaimed(t.taskId) || (t.jobId !== undefined && options.isClaimed(t.jobId)))))
      .sort((a, b) => b.createdAtMs - a.createdAtMs)[0];
    if (!running) return;
    const job = running.jobId ? `job ${running.jobId}` : `task ${running.taskId}`;
    throw new SameOperationRunningError(
      `A ${operationName(call)} is already running on DCS instance ${instanceId}: ${job}, started ${new Date(running.createdAtMs).toISOString()}` +
        `${running.userName ? ` by ${running.userName}` : ""}. Nothing was started (running another after it could undo it); wait for that one instead` +
        `${running.jobId ? ` (\`dcs-jobs wait ${running.jobId}\`)` : ""}.`,
      instanceId,
      kind,
      running,
      { cause: busy },
    );
  }

  /**
   * Looks for the task a start call may have created (see `tasksStartedBy` in tasks.ts: of the kind,
   * created around or after `sentAt`, not listed before the call, not another resource's, not ended
   * before the call). Exactly one, with its job ID: that is the job. None or several: unknown.
   */
  private async reconcile(call: StartSpec, instanceId: string, sentAt: number, cause: unknown, options: StartCallOptions): Promise<StartedJob> {
    const kind = call.taskName;
    let matches: TaskView[] = [];
    // The task list may lag the operation by a moment: look twice before calling it "none".
    for (let look = 0; look < 2; look++) {
      if (look > 0) {
        const pause = this.config.retry.baseDelayMs * 4;
        if (options.deadline !== undefined && Date.now() + pause >= options.deadline) break;
        await sleep(pause, options.signal);
      }
      const now = Date.now();
      let tasks: TaskView[];
      try {
        tasks = await lookAtTasks(this, instanceId, { fromMs: sentAt - TASK_SKEW_MS, toMs: now + TASK_SKEW_MS }, { ...options, kind });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        const why = e instanceof Error ? e.message : String(e);
        throw this.outcomeUnknown(call, sentAt, cause, `the task list could not be read (${why})`);
      }
      matches = tasksStartedBy(tasks, { kind, sentAtMs: sentAt, nowMs: now, knownTaskIds: options.knownTaskIds ?? [], skewSlackMs: this.taskSkewSlackMs(), ...(options.isClaimed ? { isClaimed: options.isClaimed } : {}) });
      if (matches.length > 0) break;
    }
    const only = matches.length === 1 ? matches[0]! : undefined;
    if (only?.jobId) return { jobId: only.jobId, taskId: only.taskId, reconciled: true };
    const found =
      matches.length === 0
        ? `no new ${kind} task`
        : only
          ? `${kind} task ${only.taskId}, whose job ID the tenant-wide task list did not give`
          : `${matches.length} new ${kind} tasks (${matches.map((t) => t.taskId).join(", ")})`;
    throw this.outcomeUnknown(call, sentAt, cause, `the task list shows ${found} since then`, matches.map((t) => t.taskId));
  }

  private outcomeUnknown(call: StartSpec, sentAt: number, cause: unknown, finding: string, candidates: string[] = []): OperationOutcomeUnknownError {
    const why = cause instanceof Error ? cause.message : String(cause);
    const at = new Date(sentAt).toISOString();
    const on = call.instanceId ? ` of DCS instance ${call.instanceId}` : "";
    const look = call.instanceId ? `\`dcs-jobs tasks ${call.instanceId}\`, ` : "";
    const detail = `the request was sent at ${at} but ${why}, and ${finding}`;
    return new OperationOutcomeUnknownError(
      `The ${operationName(call)}${on} may have started: ${detail}. It was NOT sent again (it is not idempotent). Check before retrying: the instance's ` +
        `Background Tasks in the DCS console, ${look}` +
        `and \`dcs-jobs show <job-id>\` for any ${call.taskName || "matching"} job found there.`,
      call.instanceId ?? "",
      call.taskName,
      { cause, sentAt, candidates, detail },
    );
  }

  // ---- one exchange ------------------------------------------------------------------------------

  /** Sends one request (after the rate budget) and returns any 2xx; other statuses become {@link DcsApiError}. */
  private async exchange(
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    body: string | undefined,
    options: CallOptions,
    attempt: number,
    hooks: ExchangeHooks = {},
  ): Promise<Exchange> {
    if (this.closed) throw new DcsJobsError("This DcsClient has been closed.");
    if (options.signal?.aborted) throw options.signal.reason;
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      throw new DOMException(`The call's deadline passed before ${method} ${path} was sent.`, "TimeoutError");
    }
    await this.limiter?.acquire({ signal: options.signal, deadline: options.deadline });

    // encodeURIComponent, not URLSearchParams: the latter sends a space as "+", which the signer (like the
    // gateway's reference signer) reads as a literal plus.
    const qs = query
      ? Object.entries(query)
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .join("&")
      : "";
    const url = `${this.endpoint}${path}${qs ? `?${qs}` : ""}`;
    const headers = this.headersFor(method, url, body);
    const started = Date.now();
    let res: HttpResponse;
    try {
      hooks.onDispatch?.();
      res = await sendHttp(getDispatcher(this.httpSettings()), { method, url, headers, body, signal: options.signal, deadline: options.deadline, pathForErrors: path });
    } catch (e) {
      const error = e instanceof DcsNetworkError ? this.scrubNetworkError(e) : e;
      this.log({ method, path, durationMs: Date.now() - started, attempt, error: errorText(error) });
      throw error;
    }
    // The shared budget learns from every answer: a 429 lowers it and pauses it until Retry-After (rate-limit.ts).
    this.limiter?.observe({ status: res.status, sentAt: started, retryAfterMs: parseRetryAfter(res.headers["retry-after"]), ...(res.status === 429 ? { message: res.body.slice(0, 1_000) } : {}) });
    this.serverClock.observe(sampleServerClock(res.headers["date"], started, Date.now()));
    const requestId = this.requestIdOf(res.headers["x-request-id"]);
    const out: Exchange = { ...res, ...(requestId ? { requestId } : {}) };
    if (res.status >= 200 && res.status < 300) {
      this.log({ method, path, status: res.status, durationMs: Date.now() - started, attempt, requestId });
      return out;
    }
    const error = this.apiError(out, method, path);
    this.log({ method, path, status: res.status, durationMs: Date.now() - started, attempt, requestId: error.requestId, error: error.message });
    throw error;
  }

  private httpSettings() {
    return {
      connectTimeoutMs: this.config.timeouts.connectMs,
      headersTimeoutMs: this.config.timeouts.headersMs,
      bodyTimeoutMs: this.config.timeouts.bodyMs,
      ca: this.ca,
      direct: this.config.loopback,
    };
  }

  /** Headers for one request: the fixed ones plus the signature (AK/SK) or `X-Auth-Token`. */
  private headersFor(method: string, url: string, body: string | undefined): Record<string, string> {
    const base: Record<string, string> = {
      "Content-Type": "application/json",
      "X-Project-Id": this.projectId,
    };
    const c = this.config.credentials;
    let headers: Record<string, string>;
    if ("token" in c) {
      headers = { ...base, "X-Auth-Token": c.token };
    } else {
      // The signer adds X-Sdk-Date, Host, X-Security-Token (temporary credentials) and Authorization,
      // and signs every header given to it: User-Agent is added after, unsigned.
      const signed = signRequest({ method, url, headers: base, body: body ?? "" }, c);
      headers = { ...base, ...signed };
    }
    headers["User-Agent"] = this.userAgent;
    // One entry per header name, whatever casing the signer used; undici sets Host from the URL.
    const merged: Record<string, string> = {};
    const names = new Map<string, string>();
    for (const [k, v] of Object.entries(headers)) {
      const lower = k.toLowerCase();
      if (lower === "host") continue;
      const prev = names.get(lower);
      if (prev !== undefined) delete merged[prev];
      names.set(lower, k);
      merged[k] = v;
    }
    return merged;
  }

  /** Turns a non-2xx answer into a {@link DcsApiError}, with secrets scrubbed from anything echoed. */
  private apiError(res: Exchange, method: string, path: string): DcsApiError {
    let parsed: ReturnType<typeof parseErrorBody>;
    let excerpt: string | undefined;
    // Scrub the whole body before cutting an excerpt, so no prefix of a secret survives the cut.
    const text = this.scrub(res.body);
    try {
      parsed = parseErrorBody(JSON.parse(text));
      if (!parsed) excerpt = bodyExcerpt(text);
    } catch {
      excerpt = text.trim() === "" ? undefined : bodyExcerpt(text);
    }
    // What the body says is scrubbed again after JSON.parse (a secret may come \u-escaped), then cut.
    return new DcsApiError({
      status: res.status,
      errorCode: parsed?.code ? this.scrub(parsed.code).slice(0, 100) : undefined,
      errorMsg: parsed?.message ? this.scrub(parsed.message).slice(0, 500) : undefined,
      requestId: res.requestId ?? this.requestIdOf(parsed?.requestId),
      method,
      path,
      retryable: res.status === 429 || (res.status >= 500 && res.status !== 501),
      retryAfter: res.headers["retry-after"],
      bodyExcerpt: excerpt ? this.scrub(excerpt) : undefined,
      // A 401 to temporary credentials: most likely the security token expired.
      ...(res.status === 401 && "securityToken" in this.config.credentials && this.config.credentials.securityToken ? { hint: TEMPORARY_CREDENTIALS_HINT } : {}),
    });
  }

  /** A request ID as the server sent it, scrubbed (a proxy may echo anything there) and cut to a sane length. */
  private requestIdOf(id: string | undefined): string | undefined {
    if (id === undefined || id === "") return undefined;
    return this.scrub(id).slice(0, MAX_REQUEST_ID);
  }

  /** Parses a 2xx JSON body with `schema`; anything else is a {@link DcsResponseError}. */
  private parse<S extends z.ZodType>(res: Exchange, method: string, path: string, schema: S): z.infer<S> {
    const where = `${method} ${path} (HTTP ${res.status}, ${res.requestId ? `request ${res.requestId}` : "no request ID"})`;
    if (res.truncated) {
      throw new DcsResponseError(`${where} answered with a body over ${MAX_BODY_BYTES / 1024 / 1024} MiB; it was not read further`, method, path, res.requestId, "too-large");
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new DcsResponseError(`${where} answered with a body that is not JSON: ${bodyExcerpt(this.scrub(res.body), 120)}`, method, path, res.requestId, "not-json");
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      throw new DcsResponseError(`${where} answered with an unexpected body: ${describeIssues(result.error)}`, method, path, res.requestId);
    }
    return result.data;
  }

  /**
   * Replaces anything secret a server may echo back (a debugging proxy printing the request headers):
   * this client's secrets, and the values of auth headers and signatures whatever they are.
   */
  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return redactAuthValues(out);
  }

  private scrubNetworkError(e: DcsNetworkError): DcsNetworkError {
    const msg = this.scrub(e.message);
    return msg === e.message ? e : new DcsNetworkError(msg, e.method, e.path, e.notSent, { cause: e.cause });
  }

  private log(entry: Parameters<NonNullable<DcsClientOptions["onRequest"]>>[0]): void {
    if (!this.config.onRequest) return;
    try {
      this.config.onRequest(entry);
    } catch {
      // A logging hook must not break the call.
    }
  }
}

/** Redacts the values of auth headers (`x-auth-token`, `x-security-token`, `authorization`) and signatures in free text. */
export function redactAuthValues(text: string): string {
  return text
    .replace(/(x-auth-token|x-security-token|x-subject-token|authorization)(["']?\s*[:=]\s*["']?)([^"'\r\n,}]+)/gi, "$1$2[redacted]")
    .replace(/(Signature=)[0-9a-f]{16,}/gi, "$1[redacted]");
}

/** One start call, as `start` needs it. */
interface StartSpec {
  /** The task name reconciliation and the busy look match on ("" when unknown). */
  taskName: string;
  /** For messages: "switch the master and standby nodes of ...". */
  what: string;
  instanceId?: string;
  method: "PUT" | "POST" | "DELETE";
  path: string;
  body: string | undefined;
  /** The operation's own "same change already in progress" codes (the table's `busyCodes`). */
  busyCodes?: readonly string[];
}

/** True when the error is one of the operation's own "same change in progress" codes. */
function isBusyWith(call: StartSpec, error: unknown): boolean {
  return error instanceof DcsApiError && !!call.busyCodes?.some((c) => sameErrorCode(c, error.errorCode));
}

/** The operation's name in messages. */
function operationName(call: StartSpec): string {
  if (call.taskName === "masterStandbySwapJob") return "master/standby switchover";
  if (call.taskName === "modifyClientIpTransJob") return "client IP pass-through change";
  return `operation "${call.what}"`;
}

/** Drops undefined fields. */
function compactObject<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function isDeadlineAbort(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "TimeoutError";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
