/**
 * A local DCS emulator: the job API, every job-starting operation of the operation table (with its
 * effect on the instance, `operations.ts`), ShowInstance, the reads of what the operations change and
 * the background-task lists (per instance and the tenant-wide task center) over real HTTP on loopback,
 * with gateway-style authentication, a controllable clock and per-route fault injection. See
 * `docs/emulator.md`.
 *
 * ```ts
 * const emu = await startEmulator({ clock: manualClock() });
 * // point a DcsClient at emu.url with emu.accessKey / emu.secretKey / emu.projectId
 * emu.inject({ route: "showJob", kind: "notFound", times: 2 });
 * emu.clock.advance(6_000);
 * await emu.stop();
 * ```
 */
import type { AddressInfo } from "node:net";
import { isLoopbackHost } from "../config";
import type { AuthConfig } from "./auth";
import { RealClock, type EmulatorClock } from "./clock";
import { FaultRegistry, type Fault } from "./faults";
import { DEFAULT_INSTANCES, loadSeedFile, normalizeSeed, type SeedInstance, type SeedInstanceInput } from "./seed";
import { createEmulatorServer, type LogLevel } from "./server";
import { EmulatorState, type EmulatorJob, type JobDurations } from "./state";
import { StatsCollector, type EmulatorStats } from "./stats";
import { EmulatorProgress, type EstimateMode } from "./progress";
import { GatewayThrottle, type ThrottleOptions } from "./throttle";

export { ManualClock, RealClock, manualClock, type EmulatorClock } from "./clock";
export { CODES as EMULATOR_ERROR_CODES } from "./errors";
export { FAULT_KIND_ALIASES, FaultSchema, ROUTE_NAMES, parseFaults, type Fault, type RouteName } from "./faults";
export {
  DEFAULT_INSTANCES,
  DEFAULT_REDIS_CONFIG,
  EMULATOR_CLUSTER,
  EMULATOR_INSTANCE_IDS,
  emulatorAccountIds,
  loadSeedFile,
  parseSeedText,
  type SeedAclAccount,
  type SeedGroup,
  type SeedInstance,
  type SeedInstanceInput,
  type SeedRedisParam,
  type SeedReplica,
  type SeedWhitelistGroup,
} from "./seed";
export { EMULATED_OPERATIONS, type EmulatedOperation, type JobEffect } from "./operations";
export { isLoopbackAddress, type LogLevel } from "./server";
/** True when a host name binds loopback only (`localhost`, `127.0.0.0/8`, `::1`). */
export { isLoopbackHost };
export {
  DEFAULT_JOB_DURATIONS,
  DEFAULT_JOB_INIT_MS,
  DEFAULT_TASK_ERROR_CODE,
  type CenterTaskBody,
  type EmulatorJob,
  type JobDurations,
  type TaskBody,
  type TaskListBody,
} from "./state";
export type { EmulatorStats, StartRecord } from "./stats";
export { ESTIMATE_MODES, STEP_PLANS, progressBody, type EstimateMode, type ProgressBody, type StepPlan } from "./progress";
export { GATEWAY_USER_THROTTLE, GatewayThrottle, describeWindow, parseThrottleSpec, type ThrottleOptions } from "./throttle";

/** Temporary credentials the emulator accepts: the key pair plus the security token that must come with it. */
export interface TemporaryCredentials {
  accessKey: string;
  secretKey: string;
  securityToken: string;
  /** When the token expires, emulated epoch ms (default: never). From then on its requests answer 401. */
  expiresAt?: number;
}

/** Demo credentials: fixed and public, so `.env`-style instructions work. They protect nothing. */
export const EMULATOR_DEFAULTS = Object.freeze({
  accessKey: "EMULATORACCESSKEY0001",
  secretKey: "emulator-demo-secret-key-not-a-secret-0001",
  projectId: "0e1a2b3c4d5e6f708192a3b4c5d6e7f8",
  token: "EMULATOR-DEMO-IAM-TOKEN-0001",
  /** Printed for HW_REGION_NAME; the emulator itself ignores the region. */
  region: "ap-southeast-1",
  host: "127.0.0.1",
});

export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; loopback by default. Anything else needs `allowRemote: true`. */
  host?: string;
  /** Listen on a non-loopback host anyway (admin routes still answer loopback peers only). */
  allowRemote?: boolean;
  accessKey?: string;
  secretKey?: string;
  projectId?: string;
  /** Accepted IAM tokens (`X-Auth-Token`); default: the demo token. `[]` disables token auth. */
  tokens?: string[];
  /** Temporary credentials (AK/SK + `X-Security-Token`) accepted besides the permanent pair; default none. */
  temporaryCredentials?: readonly TemporaryCredentials[];
  /** The gateway's per-access-key throttle (`throttle.ts`), e.g. `GATEWAY_USER_THROTTLE` (200 per 5 min); default off. */
  throttle?: ThrottleOptions | false;
  /** Seed instances (partial entries are filled in); default {@link DEFAULT_INSTANCES}. */
  instances?: readonly SeedInstanceInput[];
  /** A YAML/JSON seed file; ignored when `instances` is given. */
  seedFile?: string;
  /** `"real"` (default) or a clock, e.g. `manualClock()` for tests. */
  clock?: "real" | EmulatorClock;
  /** Speed of the real clock (10 = ten times faster). Ignored with a manual clock. */
  speed?: number;
  /** Job durations in emulated ms per task name (defaults: the table's `typicalMs`; swap 6 s, pass-through 20 s). */
  jobDurations?: Partial<JobDurations>;
  /** How long a new job reads INIT (default 1 s, capped at its duration). */
  jobInitMs?: number;
  /** A task appears in both task lists only this many emulated ms after its job began (default 0). */
  taskListLagMs?: number;
  /** Ended jobs read 404 on ShowJobInfo this many emulated ms after their end (default: never). Tasks stay listed. */
  jobRetentionMs?: number;
  /** Faults armed at start-up. */
  faults?: Fault[];
  /**
   * How good ShowBackgroundTaskProgress's `remain_time` is: `exact` (default), `noisy20`, `noisy50`,
   * `absent`, `stuck` or `zero` (see `progress.ts`).
   */
  progressEstimate?: EstimateMode;
  /** Seed of the noisy estimates (default 1): the same requests get the same answers. */
  progressSeed?: number;
  /** Default "silent". */
  logLevel?: LogLevel;
  /** Where log lines go; default stderr. */
  logger?: (line: string) => void;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:{port}`: the endpoint to give the client. */
  url: string;
  port: number;
  projectId: string;
  accessKey: string;
  secretKey: string;
  /** The first accepted IAM token, if token auth is on. */
  token?: string;
  /** The seeded instances as seeded (current state: `GET /_emulator/instances` or ShowInstance). */
  instances: readonly SeedInstance[];
  clock: EmulatorClock;
  /** Arms one fault or several; returns their IDs. Throws on an invalid fault. */
  inject(fault: Fault | Fault[]): number[];
  clearFaults(): void;
  /** Changes the duration (emulated ms) of jobs of this task name (for the swap and pass-through: their job type) started from now on. */
  setJobDuration(jobType: string, ms: number): void;
  /** Changes how good the progress route's `remain_time` is, from the next answer on. Throws on an unknown mode. */
  setProgressEstimate(mode: EstimateMode): void;
  /** Turns the per-access-key throttle on (counting afresh) or off (`false`). Throws on invalid options. */
  setThrottle(options: ThrottleOptions | false): void;
  stats(): EmulatorStats;
  /** Every job started so far, in start order (expired ones and those of deleted instances included). */
  jobs(): EmulatorJob[];
  /** From now on `GET /jobs/{jobId}` answers 404 `DCS.4404`; the job's task stays in both lists. Throws for an unknown job. */
  expireJob(jobId: string): void;
  /**
   * Deletes an instance: every route about it answers 404 `DCS.4404` like an unknown instance. Its jobs
   * stay readable and in the task center. `reset()` brings it back. Throws for an unknown instance.
   */
  deleteInstance(instanceId: string): void;
  /** Back to the seed: instances, jobs, faults and stats all cleared (the clock keeps its time). */
  reset(): void;
  /** Stops listening and closes every connection. Idempotent. */
  stop(): Promise<void>;
}


/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? EMULATOR_DEFAULTS.host;
  if (!isLoopbackHost(host) && options.allowRemote !== true) {
    throw new Error(
      `Refusing to listen on ${host}: the emulator accepts public demo credentials, so it listens on loopback only. ` +
        "Pass allowRemote: true if you really mean it.",
    );
  }
  const accessKey = options.accessKey ?? EMULATOR_DEFAULTS.accessKey;
  const secretKey = options.secretKey ?? EMULATOR_DEFAULTS.secretKey;
  const projectId = options.projectId ?? EMULATOR_DEFAULTS.projectId;
  const tokens = options.tokens ?? [EMULATOR_DEFAULTS.token];
  const seed: SeedInstance[] = options.instances
    ? normalizeSeed(options.instances)
    : options.seedFile
      ? loadSeedFile(options.seedFile)
      : DEFAULT_INSTANCES.map((i) => ({ ...i }));
  const clock: EmulatorClock = options.clock && options.clock !== "real" ? options.clock : new RealClock(options.speed ?? 1);
  const state = new EmulatorState(seed, {
    durations: options.jobDurations,
    initMs: options.jobInitMs,
    taskListLagMs: options.taskListLagMs,
    jobRetentionMs: options.jobRetentionMs,
  });
  const faults = new FaultRegistry();
  if (options.faults?.length) faults.add(options.faults);
  const stats = new StatsCollector();
  const progress = new EmulatorProgress(options.progressEstimate ?? "exact", options.progressSeed ?? 1);
  const temporary = options.temporaryCredentials ?? [];
  const auth: AuthConfig = {
    keys: new Map([[accessKey, secretKey], ...temporary.map((t) => [t.accessKey, t.secretKey] as [string, string])]),
    tokens: new Set(tokens),
    securityTokens: new Map(temporary.map((t) => [t.accessKey, { token: t.securityToken, ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}) }])),
    now: () => clock.now(),
  };
  const throttle = new GatewayThrottle(options.throttle ?? false);
  const logger = options.logger ?? ((line: string) => process.stderr.write(line + "\n"));

  const reset = () => {
    state.reset();
    faults.clear();
    faults.resetLog();
    stats.reset();
    progress.reset();
    throttle.reset();
  };
  const { server, cancelTimers } = createEmulatorServer({
    state,
    clock,
    faults,
    stats,
    auth,
    projectId,
    logLevel: options.logLevel ?? "silent",
    logger,
    admin: { reset },
    progress,
    throttle,
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    projectId,
    accessKey,
    secretKey,
    ...(tokens[0] !== undefined ? { token: tokens[0] } : {}),
    instances: seed,
    clock,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setJobDuration: (jobType, ms) => state.setJobDuration(jobType, ms),
    setProgressEstimate: (mode) => progress.setMode(mode),
    setThrottle: (t) => throttle.configure(t),
    stats: () => stats.snapshot(faults.firedLog()),
    jobs: () => state.listJobs(clock.now()),
    expireJob: (jobId) => state.expireJob(jobId),
    deleteInstance: (instanceId) => state.deleteInstance(instanceId, clock.now()),
    reset,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        cancelTimers();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
