/**
 * A local DCS emulator: the job API, the two job-starting operations, ShowInstance and the
 * background-task lists (per instance and the tenant-wide task center) over real HTTP on loopback, with gateway-style authentication, a controllable
 * clock and per-route fault injection. See `docs/emulator.md`.
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

export { ManualClock, RealClock, manualClock, type EmulatorClock } from "./clock";
export { CODES as EMULATOR_ERROR_CODES } from "./errors";
export { FAULT_KIND_ALIASES, FaultSchema, ROUTE_NAMES, parseFaults, type Fault, type RouteName } from "./faults";
export { DEFAULT_INSTANCES, EMULATOR_INSTANCE_IDS, loadSeedFile, parseSeedText, type SeedInstance, type SeedInstanceInput } from "./seed";
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
  /** Seed instances (partial entries are filled in); default {@link DEFAULT_INSTANCES}. */
  instances?: readonly SeedInstanceInput[];
  /** A YAML/JSON seed file; ignored when `instances` is given. */
  seedFile?: string;
  /** `"real"` (default) or a clock, e.g. `manualClock()` for tests. */
  clock?: "real" | EmulatorClock;
  /** Speed of the real clock (10 = ten times faster). Ignored with a manual clock. */
  speed?: number;
  /** Per-type job durations in emulated ms (defaults: swap 6 s, pass-through 20 s). */
  jobDurations?: Partial<JobDurations>;
  /** How long a new job reads INIT (default 1 s, capped at its duration). */
  jobInitMs?: number;
  /** A task appears in both task lists only this many emulated ms after its job began (default 0). */
  taskListLagMs?: number;
  /** Ended jobs read 404 on ShowJobInfo this many emulated ms after their end (default: never). Tasks stay listed. */
  jobRetentionMs?: number;
  /** Faults armed at start-up. */
  faults?: Fault[];
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
  /** Changes the duration (emulated ms) of jobs of this type started from now on. */
  setJobDuration(jobType: string, ms: number): void;
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
  const auth: AuthConfig = { keys: new Map([[accessKey, secretKey]]), tokens: new Set(tokens) };
  const logger = options.logger ?? ((line: string) => process.stderr.write(line + "\n"));

  const reset = () => {
    state.reset();
    faults.clear();
    faults.resetLog();
    stats.reset();
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
