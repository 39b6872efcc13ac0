/**
 * The command handlers. Each validates its input, talks to the API through {@link DcsClient}, prints
 * its result, and returns an exit code; errors propagate to `run()`, which words them.
 */
import { DcsClient } from "../client";
import { assertInstanceId, assertJobId } from "../config";
import { DcsApiError, JobFailedError, JobTimeoutError } from "../errors";
import { sameErrorCode } from "../retry-policy";
import { lookAtTasks, TASK_SKEW_MS } from "../tasks";
import type { CallOptions, Job, RequestLogEntry } from "../types";
import { waitForJob } from "../waiter/wait";
import { progressSourceFor } from "../waiter/progress-source";
import { clientOptionsFor, readSecretFromStdin, type CommonFlags } from "./client-options";
import type { RunContext } from "./context";
import { ExitCode } from "./exit-codes";
import { chooseProgressMode, createProgressReporter } from "./progress";
import {
  OPERATION_NAMES,
  formatJobSummary,
  formatNothingToDo,
  formatRequestLog,
  formatStarted,
  formatWaitHint,
  jobToJson,
  toJsonText,
  type StartJson,
} from "./render";

/** Flags of the start commands. */
export interface StartFlags extends CommonFlags {
  wait: boolean;
}

/**
 * `dcs-jobs wait <job-id> [--instance <id>]`: blocks until the job ends. The job API does not say which
 * instance a job is on; given it, the wait shows the task's steps too, as `swap --wait` does.
 */
export async function waitCommand(jobId: string, flags: CommonFlags & { instanceId?: string }, c: RunContext): Promise<ExitCode> {
  assertJobId(jobId);
  if (flags.instanceId !== undefined) {
    assertInstanceId(flags.instanceId);
    c.errorContext.instanceId = flags.instanceId;
  }
  c.errorContext.jobId = jobId;
  const client = await openClient(flags, c);
  try {
    const job = await waitWithProgress(client, jobId, flags, c, flags.instanceId);
    printJob(job, flags, c);
    return ExitCode.Ok;
  } finally {
    await client.close();
  }
}

/** `dcs-jobs show <job-id>`: reads the job once. Exit 0 whenever it was read, whatever its status. */
export async function showCommand(jobId: string, flags: CommonFlags, c: RunContext): Promise<ExitCode> {
  assertJobId(jobId);
  c.errorContext.jobId = jobId;
  const client = await openClient(flags, c);
  try {
    printJob(await client.showJob(jobId, callOptions(c)), flags, c);
    return ExitCode.Ok;
  } finally {
    await client.close();
  }
}

/** `dcs-jobs swap <instance-id> [--wait]`: starts a master/standby switchover. */
export async function swapCommand(instanceId: string, flags: StartFlags, c: RunContext): Promise<ExitCode> {
  assertInstanceId(instanceId);
  c.errorContext.instanceId = instanceId;
  const client = await openClient(flags, c);
  try {
    const knownTaskIds = await tasksBefore(client, instanceId, "masterStandbySwapJob", c);
    if (!flags.quiet) c.diag(`Starting ${OPERATION_NAMES.swap} on instance ${instanceId}...`);
    c.errorContext.starting = true;
    const started = await client.swapMasterStandby(instanceId, { ...callOptions(c), ...knownTaskIds });
    c.errorContext.starting = false;
    c.errorContext.jobId = started.jobId;
    return await afterStart(client, instanceId, OPERATION_NAMES.swap, started, flags, c, "masterStandbySwapJob");
  } finally {
    await client.close();
  }
}

/**
 * `dcs-jobs client-ip <instance-id> on|off [--wait]`: reads the instance first and starts nothing
 * when the value already matches (the API would refuse with DCS.4846/DCS.4847 anyway).
 */
export async function clientIpCommand(instanceId: string, state: "on" | "off", flags: StartFlags, c: RunContext): Promise<ExitCode> {
  assertInstanceId(instanceId);
  c.errorContext.instanceId = instanceId;
  const enabled = state === "on";
  const operation = enabled ? OPERATION_NAMES.clientIpOn : OPERATION_NAMES.clientIpOff;
  const client = await openClient(flags, c);
  try {
    const instance = await client.showInstance(instanceId, callOptions(c));
    if (instance.transparentClientIpEnable === enabled) return nothingToDo(instanceId, enabled, "instance", flags, c);
    const knownTaskIds = await tasksBefore(client, instanceId, "modifyClientIpTransJob", c);
    if (!flags.quiet) c.diag(`Starting ${operation} on instance ${instanceId}...`);
    c.errorContext.starting = true;
    let started;
    try {
      started = await client.setClientIpPassThrough(instanceId, enabled, { ...callOptions(c), ...knownTaskIds });
    } catch (e) {
      // Someone else changed it between the read and the call: the wanted state holds, which is success.
      if (e instanceof DcsApiError && sameErrorCode(e.errorCode, enabled ? ALREADY_ON : ALREADY_OFF)) {
        c.errorContext.starting = false;
        return nothingToDo(instanceId, enabled, "api", flags, c);
      }
      throw e;
    }
    c.errorContext.starting = false;
    c.errorContext.jobId = started.jobId;
    return await afterStart(client, instanceId, operation, started, flags, c, "modifyClientIpTransJob", enabled);
  } finally {
    await client.close();
  }
}

/**
 * The tasks of `kind` on the instance just before a start call: if the call's answer is lost, none of
 * them can be its result (reconciliation must not take an earlier job for this one). A list that
 * cannot be read leaves reconciliation to its other rules (a task that ended before the call is never
 * its result).
 */
export async function tasksBefore(client: DcsClient, instanceId: string, kind: string, c: RunContext): Promise<{ knownTaskIds?: string[]; knownFromMs?: number }> {
  const t = Date.now();
  try {
    const tasks = await lookAtTasks(client, instanceId, { fromMs: t - SNAPSHOT_WINDOW_MS, toMs: t + TASK_SKEW_MS }, { ...callOptions(c), kind });
    return { knownTaskIds: tasks.filter((x) => x.name === kind).map((x) => x.taskId), knownFromMs: t - SNAPSHOT_WINDOW_MS };
  } catch (error) {
    if (c.signal.aborted) throw error;
    return {};
  }
}

/** How far back the pre-start snapshot looks: reconciliation never looks further back than its skew. */
const SNAPSHOT_WINDOW_MS = 10 * 60_000;

/** The codes of "pass-through is already off / on" (shared/dcs-api.md). */
const ALREADY_OFF = "DCS.4846";
const ALREADY_ON = "DCS.4847";

function nothingToDo(instanceId: string, enabled: boolean, why: "instance" | "api", flags: CommonFlags, c: RunContext): ExitCode {
  if (flags.json) {
    const doc: StartJson = { instanceId, jobId: null, started: false, transparentClientIpEnable: enabled };
    c.out(toJsonText(doc));
  } else if (!flags.quiet) {
    c.out(`${formatNothingToDo(instanceId, enabled, why)}\n`);
  }
  return ExitCode.Ok;
}

export async function afterStart(
  client: DcsClient,
  instanceId: string,
  operation: string,
  started: Awaited<ReturnType<DcsClient["swapMasterStandby"]>>,
  flags: StartFlags,
  c: RunContext,
  jobType: string,
  clientIp?: boolean,
): Promise<ExitCode> {
  if (!flags.wait) {
    if (flags.json) {
      const doc: StartJson = {
        instanceId,
        jobId: started.jobId,
        started: true,
        ...(started.requestId ? { requestId: started.requestId } : {}),
        ...(started.reconciled ? { reconciled: true } : {}),
        ...(clientIp === undefined ? {} : { transparentClientIpEnable: clientIp }),
      };
      c.out(toJsonText(doc));
    } else if (flags.quiet) {
      c.out(`${started.jobId}\n`);
    } else {
      c.out(`${formatStarted(operation, instanceId, started)}\n${formatWaitHint(started.jobId)}\n`);
    }
    return ExitCode.Ok;
  }
  if (!flags.quiet) c.diag(`${formatStarted(operation, instanceId, started)}; waiting for it to end.`);
  const job = await waitWithProgress(client, started.jobId, flags, c, instanceId, jobType);
  printJob(job, flags, c, instanceId);
  return ExitCode.Ok;
}

/**
 * Waits for the job with the progress reporter for the output mode. On failure or timeout the job as
 * last seen is printed before the error propagates, so `--json` still yields a document on stdout.
 */
async function waitWithProgress(
  client: DcsClient,
  jobId: string,
  flags: CommonFlags,
  c: RunContext,
  instanceId?: string,
  jobType?: string,
): Promise<Job> {
  const mode = chooseProgressMode({ quiet: flags.quiet, isTTY: c.io.isTTY, env: c.io.env, json: flags.json });
  const reporter = await createProgressReporter({ mode, stream: c.io.stderr, jobId });
  c.reporter = reporter;
  // With the instance known (the start commands), the task's progress too: steps, percentage, time left.
  const progress = instanceId ? progressSourceFor(client, { instanceId, ...(jobType ? { jobType } : {}), sinceMs: c.startedAt, readAfterSuccess: true }) : undefined;
  try {
    // The timeout counts from the command's start, so `swap --wait --timeout 10m` spends at most 10 min in all.
    return await waitForJob(client, jobId, {
      timeoutMs: flags.timeoutMs,
      startedAt: c.startedAt,
      signal: c.signal,
      onProgress: (p) => reporter.onProgress(p),
      ...(instanceId ? { instanceId } : {}),
      ...(jobType ? { jobType } : {}),
      ...(progress ? { progress } : {}),
    });
  } catch (e) {
    reporter.stop();
    c.reporter = undefined;
    if (e instanceof JobFailedError) printJob(e.job, flags, c, instanceId);
    else if (e instanceof JobTimeoutError && e.lastJob && flags.json) printJob(e.lastJob, flags, c, instanceId);
    throw e;
  } finally {
    reporter.stop();
    c.reporter = undefined;
  }
}

/** Prints a job as the result: JSON, the bare status (`--quiet`) or a summary. */
function printJob(job: Job, flags: CommonFlags, c: RunContext, instanceId?: string): void {
  if (flags.json) c.out(toJsonText(jobToJson(job, { instanceId })));
  else if (flags.quiet) c.out(`${job.status}\n`);
  else c.out(formatJobSummary(job));
}

export function callOptions(c: RunContext): CallOptions {
  return { signal: c.signal, ...(c.deadline === undefined ? {} : { deadline: c.deadline }) };
}

/** Builds the client (reading the secret key from stdin first when asked). Throws ConfigError early. */
export async function openClient(flags: CommonFlags, c: RunContext): Promise<DcsClient> {
  const secretKey = flags.secretKeyStdin ? await readSecretFromStdin(c.io.stdin) : undefined;
  if (secretKey !== undefined) c.secrets.push(secretKey);
  const onRequest = flags.verbose ? (e: RequestLogEntry) => c.diag(formatRequestLog(e)) : undefined;
  const client = new DcsClient(clientOptionsFor(flags, c.io.env, secretKey, onRequest), c.io.env);
  c.errorContext.endpoint = client.endpoint;
  c.errorContext.projectId = client.projectId;
  return client;
}
