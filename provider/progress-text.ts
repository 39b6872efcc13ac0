/**
 * How a task's progress reads in one line, for the resources' log and the CLI: pure text from a
 * {@link ProgressSnapshot}, no I/O and no terminal control sequences.
 */
import type { ProgressSnapshot, WaitProgress } from "./types";

/** `42 s`, `3 min 5 s`, `1 h 2 min`: whole seconds, the units a deploy log needs. */
export function roughDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** `step 2/4 "switch roles" (EXECUTING), 60%, about 40 s left`; the parts the answer had. */
export function describeProgress(p: ProgressSnapshot): string {
  const parts: string[] = [];
  if (p.current) parts.push(`step ${p.current.index + 1}/${p.current.total} ${JSON.stringify(p.current.name)} (${p.current.status || "?"})`);
  if (p.percent !== undefined) parts.push(`${p.percent}%`);
  if (p.remainMs !== undefined && !p.done && !p.final) parts.push(`about ${roughDuration(p.remainMs)} left`);
  return parts.join(", ");
}

/** `"check instance" 1 s, "switch roles" 20 s, "verify" FINISH`: each step with its duration where known. */
export function describeStepDurations(p: ProgressSnapshot): string {
  return p.steps
    .map((s) => {
      const d = s.beginTime && s.endTime ? s.endTime.getTime() - s.beginTime.getTime() : undefined;
      const known = d !== undefined && d >= 0;
      let text = `${JSON.stringify(s.name)} ${known ? roughDuration(d) : s.status || "?"}`;
      if (s.status === "FAILED" && known) text += " FAILED";
      if (s.status === "FAILED" && s.errorCode) text += ` (${s.errorCode})`;
      return text;
    })
    .join(", ");
}

/** A key that changes when the current step or its status changes (what a "step change" is). */
export function stepKey(p: ProgressSnapshot | undefined): string {
  if (!p?.current) return "";
  return `${p.current.index}:${p.current.name}:${p.current.status}`;
}

/**
 * The resources' progress lines, at most one per status change, step change or heartbeat (no flood):
 * `job X RUNNING (42 s), step 2/4 "switch roles" (EXECUTING), 60%, about 40 s left`. The line of the
 * job's end names the steps' durations. Feed it every waiter event; it says what to print, if anything.
 */
export class ProgressLines {
  private lastLoggedMs: number | undefined;
  private lastStep = "";
  private latest: ProgressSnapshot | undefined;

  constructor(private readonly heartbeatMs = 30_000) {}

  /** The last progress seen (final after the job ended), for the outputs. */
  get progress(): ProgressSnapshot | undefined {
    return this.latest;
  }

  next(p: WaitProgress): string | undefined {
    const secs = Math.round(p.elapsedMs / 1000);
    // Before the first job read, a task that reports steps still to do means the job runs.
    const status = p.job?.status ?? (p.kind === "progress" && p.progress && !p.progress.done ? "RUNNING" : "not readable yet");
    const heartbeatDue = this.lastLoggedMs === undefined || p.elapsedMs - this.lastLoggedMs >= this.heartbeatMs;
    const logged = (line: string) => {
      this.lastLoggedMs = p.elapsedMs;
      this.lastStep = stepKey(this.latest);
      return line;
    };
    switch (p.kind) {
      case "progress": {
        this.latest = p.progress;
        // The final snapshot is printed with the status change that ends the wait.
        if (!p.progress || p.progress.final) return undefined;
        if (stepKey(p.progress) === this.lastStep && !heartbeatDue) return undefined;
        return logged(`job ${p.jobId} ${status} (${secs} s), ${describeProgress(p.progress)}`);
      }
      case "progress-ignored":
        return `job ${p.jobId}: ${p.reason ?? "a progress answer was ignored"}; the job's own status still decides`;
      case "status-change": {
        const ended = /^(SUCCESS|FAIL)$/i.test(String(p.job?.status ?? ""));
        const snap = this.latest;
        if (ended && snap?.final && snap.steps.length) return logged(`job ${p.jobId} ${status} (${secs} s); steps: ${describeStepDurations(snap)}`);
        const extra = snap && !ended ? `, ${describeProgress(snap)}` : "";
        return logged(`job ${p.jobId} ${status} (${secs} s)${extra}`);
      }
      case "poll-error":
        if (!heartbeatDue) return undefined;
        return logged(`job ${p.jobId} could not be read (${p.error?.message ?? "unknown error"}); still waiting (${secs} s)`);
      default:
        if (!heartbeatDue) return undefined;
        return logged(`job ${p.jobId} ${status} (${secs} s)${this.latest && !this.latest.final ? `, ${describeProgress(this.latest)}` : ""}`);
    }
  }
}
