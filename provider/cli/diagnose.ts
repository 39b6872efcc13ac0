/**
 * Turns any error the CLI meets into an exit code and one message that says what happened and how
 * to fix it (pure). Never a stack trace: errors of this package carry messages written for people,
 * and anything else is reported by its message alone.
 */
import {
  ConfigError,
  DcsApiError,
  DcsNetworkError,
  DcsResponseError,
  JobFailedError,
  JobTimeoutError,
  OperationOutcomeUnknownError,
  SameOperationRunningError,
} from "../errors";
import { isInstanceBusy, normalizeErrorCode } from "../retry-policy";
import { formatDuration } from "./duration";
import { oneLine } from "./render";
import { ExitCode } from "./exit-codes";

/** The reason the CLI aborts its signal with on Ctrl-C / SIGTERM. */
export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor(readonly signalName: string) {
    super(`Interrupted by ${signalName}.`);
  }
}

/** What the command was doing when the error came, so the message can name the job or instance. */
export interface ErrorContext {
  /** The job being read or waited for (known once a start call answered). */
  jobId?: string;
  instanceId?: string;
  /** True while a start call (swap, client-ip) is in flight: its outcome is unknown if cut short. */
  starting?: boolean;
  /** The endpoint in use, once the client was configured. */
  endpoint?: string;
  projectId?: string;
  /** The `--timeout` in force. */
  timeoutMs?: number;
  /** True once Ctrl-C / SIGTERM aborted the command (whatever error the abort surfaced as). */
  interrupted?: boolean;
}

/** An exit code plus what to print on stderr. */
export interface Diagnosis {
  exitCode: ExitCode;
  /** One sentence or two: what happened. */
  message: string;
  /** How to fix it or what to do next, when there is something to say. */
  hint?: string;
}

/** Maps an error (and the command's context) to its {@link Diagnosis}. */
export function diagnose(error: unknown, ctx: ErrorContext = {}): Diagnosis {
  if (error instanceof InterruptedError || ctx.interrupted) return interrupted(ctx);
  if (error instanceof JobFailedError) {
    return { exitCode: ExitCode.JobFailed, message: error.message };
  }
  if (error instanceof JobTimeoutError) {
    return { exitCode: ExitCode.Timeout, message: error.message, hint: "To wait longer, pass a larger --timeout (e.g. --timeout 1h)." };
  }
  if (isTimeout(error)) {
    const limit = ctx.timeoutMs === undefined ? "" : ` (${formatDuration(ctx.timeoutMs)})`;
    const what = ctx.starting
      ? `the start call on instance ${ctx.instanceId ?? "?"} did not answer in time: the operation may or may not have started`
      : ctx.jobId
        ? `job ${ctx.jobId} had not ended; it may still be running`
        : "the API did not answer in time";
    return {
      exitCode: ExitCode.Timeout,
      message: `Timed out after the --timeout${limit}: ${what}.`,
      hint: ctx.jobId ? `Check it with \`dcs-jobs show ${ctx.jobId}\` or raise --timeout.` : "Raise --timeout, or check the network path to the endpoint.",
    };
  }
  if (error instanceof ConfigError) {
    return { exitCode: ExitCode.Usage, message: error.message, hint: configHint(error.message) };
  }
  if (error instanceof DcsApiError) return apiError(error, ctx);
  if (error instanceof DcsNetworkError) {
    const where = ctx.endpoint ? ` at ${ctx.endpoint}` : "";
    return {
      exitCode: ExitCode.Api,
      message: `Could not reach the DCS API${where}: ${oneLine(error.message)}`,
      hint: "Check --endpoint / --region / --cloud (or HW_DCS_ENDPOINT, HW_REGION_NAME, HW_CLOUD) and that this machine can reach the endpoint.",
    };
  }
  if (error instanceof SameOperationRunningError) {
    const job = error.task.jobId;
    const what = error.jobType === "masterStandbySwapJob" ? "a switchover" : "a client IP pass-through change";
    return {
      exitCode: ExitCode.Api,
      message: `${what[0]!.toUpperCase()}${what.slice(1)} is already running on instance ${error.instanceId}: ${job ? `job ${job}` : `task ${error.task.taskId}`}. Nothing was started.`,
      hint: job ? `Wait for it with \`dcs-jobs wait ${job}\`; start another only after it ended, if you still want one.` : "Check the instance's background tasks; start another only after it ended, if you still want one.",
    };
  }
  if (error instanceof OperationOutcomeUnknownError) {
    return { exitCode: ExitCode.Api, message: error.message };
  }
  if (error instanceof DcsResponseError) {
    return {
      exitCode: ExitCode.Api,
      message: `The DCS API answered with something unexpected: ${oneLine(error.message)}`,
      hint: "Check that --endpoint points at the DCS API (not a proxy page or another service).",
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: ExitCode.Api, message: `Unexpected error: ${oneLine(message)}` };
}

function interrupted(ctx: ErrorContext): Diagnosis {
  if (ctx.jobId) {
    return {
      exitCode: ExitCode.Interrupted,
      message: `Interrupted: stopped waiting for DCS job ${ctx.jobId}. The job itself keeps running in the cloud.`,
      hint: `Check it with \`dcs-jobs show ${ctx.jobId}\`, or wait again with \`dcs-jobs wait ${ctx.jobId}\`.`,
    };
  }
  if (ctx.starting) {
    return {
      exitCode: ExitCode.Interrupted,
      message: `Interrupted before the start call on instance ${ctx.instanceId ?? "?"} answered: the operation may or may not have started.`,
      hint: "Check the instance's background tasks in the console before starting it again.",
    };
  }
  return { exitCode: ExitCode.Interrupted, message: "Interrupted." };
}

function apiError(error: DcsApiError, ctx: ErrorContext): Diagnosis {
  const code = normalizeErrorCode(error.errorCode);
  const base = { exitCode: ExitCode.Api, message: `The DCS API refused the request: ${error.message}` };
  if (error.status === 401 || code === "APIG.0301") {
    return {
      ...base,
      message: `Authentication failed: ${error.message}`,
      hint:
        "Check the access key pair (HW_ACCESS_KEY / HW_SECRET_KEY, or --secret-key-stdin) or HW_AUTH_TOKEN, that it belongs to " +
        "this cloud, and that this machine's clock is right (signatures expire after 15 minutes of skew). " +
        "Several failures in a row lock the access key for 5 minutes.",
    };
  }
  if (error.status === 403) {
    return { ...base, hint: `The credentials lack permission for DCS in project ${ctx.projectId ?? "?"}: check the user's IAM policies (e.g. DCS FullAccess).` };
  }
  if (error.status === 404 && (code === "APIG.0101" || code === undefined)) {
    return { ...base, hint: "Check --endpoint: the API gateway does not know this route." };
  }
  if (error.status === 404) {
    const what = ctx.jobId ? `job ${ctx.jobId}` : ctx.instanceId ? `instance ${ctx.instanceId}` : "the resource";
    return { ...base, hint: `Check that ${what} exists and that --region / --project-id point at the project it belongs to.` };
  }
  if (code === "DCS.4855") {
    return { ...base, hint: "Only master/standby (ha) instances can swap; check the instance's type (cache_mode) in the console." };
  }
  if (isInstanceBusy(error)) {
    return { ...base, hint: `Another operation is running on instance ${ctx.instanceId ?? "?"}: wait for it to end, then try again.` };
  }
  if (error.status === 429) {
    return { ...base, hint: "The API throttled the requests: try again in a few minutes." };
  }
  return base;
}

/** Maps the library's option names in a ConfigError to the CLI's flags and variables. */
function configHint(message: string): string | undefined {
  if (/credentials|ACCESS_KEY|SECRET_KEY|SDK_AK|SDK_SK|AUTH_TOKEN|secretKey|accessKey/.test(message)) {
    return "Set HW_ACCESS_KEY and HW_SECRET_KEY (or HW_AUTH_TOKEN) in the environment, or pipe the secret key with --secret-key-stdin.";
  }
  if (/project ID/i.test(message)) return "Pass --project-id or set HW_PROJECT_ID.";
  if (/region|endpoint/i.test(message)) return "Pass --region (and --cloud otc for Open Telekom Cloud) or --endpoint, or set HW_REGION_NAME / HW_DCS_ENDPOINT.";
  if (/cloud/i.test(message)) return "Pass --cloud huaweicloud or --cloud otc (or set HW_CLOUD).";
  return undefined;
}

/** A deadline expiry from the client or an AbortSignal.timeout(). */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === "TimeoutError";
}
