/**
 * Progress output while a job is waited for, on stderr (stdout stays for the result):
 * - `spinner` (the live mode, on a terminal): a progress bar drawn by `cli-progress`: the task's
 *   percentage when the service reports it, the status, step, elapsed time, time left and polls;
 * - `plain`: one line per status change, step change or failed poll, no control sequences (CI logs, pipes);
 * - `json` (`--json`): one JSON object per line per event (status changes, steps, failed polls);
 * - `silent`: nothing (`--quiet`).
 */
import { MultiBar, type SingleBar } from "cli-progress";
import type { WaitProgress } from "../types";
import { formatProgressEvent, formatProgressLine, formatSpinnerText, PlainProgress } from "./render";

export type ProgressMode = "spinner" | "plain" | "json" | "silent";

/** Receives the waiter's progress events and draws them. */
export interface ProgressReporter {
  /** Pass as the waiter's `onProgress`. */
  onProgress(p: WaitProgress): void;
  /** Prints a diagnostic line without garbling the live line. */
  note(line: string): void;
  /** Removes the live line (if any) and stops its timer. Idempotent. */
  stop(): void;
}

/** What {@link createProgressReporter} needs. */
export interface ProgressOptions {
  mode: ProgressMode;
  stream: NodeJS.WritableStream;
  jobId: string;
  /** Monotonic clock in ms (injectable for tests). */
  now?: () => number;
}

/**
 * Decides the progress mode: nothing with `--quiet`; JSON lines with `--json`; a live bar only on an
 * interactive terminal outside CI (and not on a dumb terminal); plain lines otherwise.
 */
export function chooseProgressMode(opts: { quiet: boolean; isTTY: boolean; env: Record<string, string | undefined>; json?: boolean }): ProgressMode {
  if (opts.quiet) return "silent";
  if (opts.json) return "json";
  return opts.isTTY && !isCi(opts.env) && opts.env.TERM !== "dumb" ? "spinner" : "plain";
}

/** True when `CI` is set to anything but an explicit "false"/"0" (what CI services export). */
export function isCi(env: Record<string, string | undefined>): boolean {
  const v = env.CI;
  return v !== undefined && v !== "false" && v !== "0";
}

/** Creates the reporter for a mode. */
export async function createProgressReporter(options: ProgressOptions): Promise<ProgressReporter> {
  const write = (line: string) => void options.stream.write(`${line}\n`);
  if (options.mode === "silent") return { onProgress: () => undefined, note: () => undefined, stop: () => undefined };
  if (options.mode === "json") {
    return {
      onProgress: (p) => {
        const event = formatProgressEvent(p);
        if (event !== undefined) write(JSON.stringify(event));
      },
      // Diagnostics stay plain text (they are not events); `--json` consumers read lines starting with "{".
      note: write,
      stop: () => undefined,
    };
  }
  // A terminal that reports no width (some pseudo-terminals) would make the bar's line arithmetic divide by zero.
  const columns = (options.stream as { columns?: number }).columns;
  if (options.mode === "plain" || (options.mode === "spinner" && !(columns === undefined || columns > 0))) {
    const plain = new PlainProgress();
    return {
      onProgress: (p) => {
        const line = plain.next(p) ?? (p.kind === "progress" || p.kind === "progress-ignored" ? undefined : formatProgressLine(p));
        if (line !== undefined) write(line);
      },
      note: write,
      stop: () => undefined,
    };
  }
  return barReporter(options);
}

function barReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  let latest: WaitProgress | undefined;
  let progress: WaitProgress["progress"];
  const payload = () => {
    const elapsed = latest ? Math.max(latest.elapsedMs, now() - startedAt) : now() - startedAt;
    return {
      text: formatSpinnerText(options.jobId, latest, elapsed, progress),
      pct: progress?.percent !== undefined ? `${String(progress.percent).padStart(3)}%` : " --%",
    };
  };
  const multi = new MultiBar({
    stream: options.stream as NodeJS.WriteStream,
    format: "{bar} {pct} {text}",
    barsize: 20,
    barCompleteChar: "#",
    barIncompleteChar: "-",
    clearOnComplete: true,
    hideCursor: false,
    // Ctrl-C must stay the CLI's own SIGINT (its message says the job keeps running).
    gracefulExit: false,
    fps: 5,
  });
  const bar: SingleBar = multi.create(100, 0, payload());
  // The waiter reports only when it reads; the elapsed time should move every second regardless.
  const ticker = setInterval(() => bar.update(payload()), 1_000);
  ticker.unref();
  let stopped = false;
  const redraw = () => {
    bar.update(progress?.percent ?? 0, payload());
    multi.update();
  };
  return {
    onProgress: (p) => {
      if (p.kind === "progress") progress = p.progress;
      else if (p.kind !== "progress-ignored") latest = p;
      if (!stopped) redraw();
    },
    note: (line) => {
      if (stopped) return void options.stream.write(`${line}\n`);
      multi.log(`${line}\n`);
      multi.update();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      multi.stop();
    },
  };
}
