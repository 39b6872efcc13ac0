/**
 * What the CLI prints, as pure functions of the data: job summaries, JSON documents and progress lines.
 * No I/O and no terminal control sequences here; the spinner adds its own.
 */
import type { Job, RequestLogEntry, StartedJob, WaitProgress } from "../types";
import { formatDuration, formatElapsed } from "./duration";

/** The `--json` shape of a job: stable, flat, times as ISO-8601 (or null) next to the raw strings. */
export interface JobJson {
  jobId: string;
  jobType: string;
  status: string;
  beginTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  failReason: string | null;
  beginTimeRaw: string | null;
  endTimeRaw: string | null;
  /** The instance the command acted on (start commands only). */
  instanceId?: string;
}

/** A job as its `--json` document. */
export function jobToJson(job: Job, extra: { instanceId?: string } = {}): JobJson {
  return {
    jobId: job.jobId,
    jobType: job.jobType,
    status: job.status,
    beginTime: isoOrNull(job.beginTime),
    endTime: isoOrNull(job.endTime),
    durationMs: job.durationMs ?? null,
    failReason: job.failReason,
    beginTimeRaw: job.beginTimeRaw,
    endTimeRaw: job.endTimeRaw,
    ...(extra.instanceId ? { instanceId: extra.instanceId } : {}),
  };
}

/** The `--json` document of a start command run without `--wait`, or one that had nothing to do. */
export interface StartJson {
  instanceId: string;
  /** The job started, or null when nothing needed doing. */
  jobId: string | null;
  started: boolean;
  requestId?: string;
  /** True when the start call's outcome was unknown and the job was found in the task list. */
  reconciled?: boolean;
  /** For client-ip: the value the instance has now (nothing started) or will have. */
  transparentClientIpEnable?: boolean;
}

/** `JSON.stringify` with a trailing newline, two-space indented (readable in logs, parseable by jq). */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Multi-line human summary of a job, for stdout. */
export function formatJobSummary(job: Job): string {
  const rows: Array<[string, string | undefined]> = [
    ["began", job.beginTime?.toISOString()],
    ["ended", job.endTime?.toISOString()],
    ["duration", job.durationMs === undefined ? undefined : formatDuration(job.durationMs)],
    ["fail reason", job.status === "FAIL" ? (job.failReason ?? "(none given)") : (job.failReason ?? undefined)],
  ];
  const lines = [`DCS job ${job.jobId} (${job.jobType}): ${job.status}`];
  for (const [k, v] of rows) if (v !== undefined && v !== "") lines.push(`  ${k.padEnd(12)}${v}`);
  return `${lines.join("\n")}\n`;
}

/** Human names of the operations, for sentences. */
export const OPERATION_NAMES = {
  swap: "master/standby switchover",
  clientIpOn: "turning client-IP pass-through on",
  clientIpOff: "turning client-IP pass-through off",
} as const;

/** The line announcing a started job. */
export function formatStarted(operation: string, instanceId: string, started: StartedJob): string {
  const how = started.reconciled ? " (the start call's answer was lost; found the job in the instance's task list)" : "";
  return `Started ${operation} on instance ${instanceId}: job ${started.jobId}${how}`;
}

/** The hint printed after starting without `--wait`. */
export function formatWaitHint(jobId: string): string {
  return `Wait for it with: dcs-jobs wait ${jobId}`;
}

/** The line of a client-ip command that had nothing to do. */
export function formatNothingToDo(instanceId: string, enabled: boolean, why: "instance" | "api"): string {
  const source = why === "instance" ? "the instance reports" : "the API answered that";
  return `Nothing to do: ${source} client-IP pass-through is already ${enabled ? "on" : "off"} for instance ${instanceId}; no job started.`;
}

/**
 * One plain progress line (CI logs, pipes): printed once per status change and per failed poll, so a
 * log shows the job's history without a line per poll.
 */
export function formatProgressLine(p: WaitProgress): string | undefined {
  const at = `[${formatElapsed(p.elapsedMs)}]`;
  const polls = `${p.polls} ${p.polls === 1 ? "poll" : "polls"}`;
  if (p.kind === "status-change" && p.job) {
    const change = p.previousStatus ? `${p.previousStatus} -> ${p.job.status}` : p.job.status;
    return `${at} job ${p.jobId}: ${change} (${polls})`;
  }
  if (p.kind === "poll-error") {
    const next = p.nextPollInMs === undefined ? "" : `, next poll in ${formatDuration(p.nextPollInMs)}`;
    return `${at} job ${p.jobId}: poll failed, will keep trying${next}: ${oneLine(p.error?.message ?? "unknown error")}`;
  }
  return undefined;
}

/** The live status line's text (the spinner draws its own frame in front). */
export function formatSpinnerText(jobId: string, latest: WaitProgress | undefined, elapsedMs: number): string {
  const status = latest?.job?.status ?? "waiting for the first answer";
  const polls = latest?.polls ?? 0;
  const warn = latest?.kind === "poll-error" ? ` (last poll failed: ${oneLine(latest.error?.message ?? "unknown error", 60)})` : "";
  return `job ${jobId}: ${status}, ${formatElapsed(elapsedMs)} elapsed, ${polls} ${polls === 1 ? "poll" : "polls"}${warn}`;
}

/** One `--verbose` line per HTTP exchange (the entry never holds secrets). */
export function formatRequestLog(e: RequestLogEntry): string {
  const status = e.status === undefined ? (e.error ?? "no answer") : String(e.status);
  const id = e.requestId ? ` request ${e.requestId}` : "";
  const attempt = e.attempt > 1 ? ` (attempt ${e.attempt})` : "";
  return `${e.method} ${e.path} -> ${status} in ${Math.round(e.durationMs)} ms${id}${attempt}`;
}

/** Collapses whitespace and shortens a message to fit on one line. */
export function oneLine(text: string, max = 200): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

function isoOrNull(d: Date | undefined): string | null {
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}
