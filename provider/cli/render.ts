/**
 * What the CLI prints, as pure functions of the data: job summaries, JSON documents and progress lines.
 * No I/O and no terminal control sequences here; the spinner adds its own.
 */
import { describeProgress, describeStepDurations, stepKey } from "../progress-text";
import type { Job, ProgressSnapshot, RequestLogEntry, StartedJob, WaitProgress } from "../types";
import { stepSummaries } from "../waiter/progress";
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

/** The live line's text (the bar draws itself in front): status, elapsed, polls, then the task's step and time left. */
export function formatSpinnerText(jobId: string, latest: WaitProgress | undefined, elapsedMs: number, progress?: ProgressSnapshot): string {
  const status = latest?.job?.status ?? "waiting for the first answer";
  const polls = latest?.polls ?? 0;
  const warn = latest?.kind === "poll-error" ? ` (last poll failed: ${oneLine(latest.error?.message ?? "unknown error", 60)})` : "";
  const step = progress ? describeProgress({ ...progress, percent: undefined }) : "";
  return `job ${jobId}: ${status}, ${formatElapsed(elapsedMs)} elapsed, ${polls} ${polls === 1 ? "poll" : "polls"}${step ? `, ${step}` : ""}${warn}`;
}

/**
 * Plain lines about the task's progress (CI logs, pipes): one per step change, the ignored-answer line
 * (once per wait), and the steps' durations once the job ended. Status changes and failed polls are
 * {@link formatProgressLine}'s.
 */
export class PlainProgress {
  private lastStep = "";

  next(p: WaitProgress): string | undefined {
    const at = `[${formatElapsed(p.elapsedMs)}]`;
    if (p.kind === "progress-ignored") return `${at} job ${p.jobId}: ${p.reason ?? "a progress answer was ignored"}; the job's own status still decides`;
    if (p.kind !== "progress" || !p.progress) return undefined;
    if (p.progress.final) return p.progress.steps.length ? `${at} job ${p.jobId}: steps: ${describeStepDurations(p.progress)}` : undefined;
    const key = stepKey(p.progress);
    if (key === this.lastStep) return undefined;
    this.lastStep = key;
    const text = describeProgress(p.progress);
    return text ? `${at} job ${p.jobId}: ${text}` : undefined;
  }
}

/** One `--json` progress event (one JSON object per line on stderr): status changes, progress, failures. */
export interface ProgressEventJson {
  event: "status-change" | "progress" | "poll-error" | "progress-ignored";
  jobId: string;
  elapsedMs: number;
  polls: number;
  status?: string;
  previousStatus?: string | null;
  percent?: number;
  remainS?: number;
  step?: { number: number; of: number; name: string; status: string };
  steps?: ReturnType<typeof stepSummaries>;
  final?: boolean;
  error?: string;
  nextPollInMs?: number;
  reason?: string;
}

/** The `--json` event for a waiter event; undefined for plain polls (one per read would flood the log). */
export function formatProgressEvent(p: WaitProgress): ProgressEventJson | undefined {
  const base = { jobId: p.jobId, elapsedMs: Math.round(p.elapsedMs), polls: p.polls };
  switch (p.kind) {
    case "status-change":
      return { event: "status-change", ...base, status: String(p.job?.status ?? ""), previousStatus: p.previousStatus ?? null };
    case "poll-error":
      return { event: "poll-error", ...base, error: oneLine(p.error?.message ?? "unknown error"), ...(p.nextPollInMs !== undefined ? { nextPollInMs: Math.round(p.nextPollInMs) } : {}) };
    case "progress-ignored":
      return { event: "progress-ignored", ...base, reason: p.reason ?? "" };
    case "progress": {
      const g = p.progress;
      if (!g) return undefined;
      return {
        event: "progress",
        ...base,
        ...(g.percent !== undefined ? { percent: g.percent } : {}),
        ...(g.remainMs !== undefined ? { remainS: Math.round(g.remainMs / 1000) } : {}),
        ...(g.current ? { step: { number: g.current.index + 1, of: g.current.total, name: g.current.name, status: g.current.status } } : {}),
        ...(g.final ? { final: true, steps: stepSummaries(g) ?? [] } : {}),
      };
    }
    default:
      return undefined;
  }
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
