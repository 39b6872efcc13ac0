/**
 * Progress output while a job is waited for, on stderr (stdout stays for the result):
 * - `spinner`: a live status line (ora) on a terminal: status, elapsed time, polls so far;
 * - `plain`: one line per status change or failed poll, no control sequences (CI logs, pipes);
 * - `silent`: nothing (`--quiet`).
 */
import type { WaitProgress } from "../types";
import { formatProgressLine, formatSpinnerText } from "./render";

export type ProgressMode = "spinner" | "plain" | "silent";

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

/** ora is ESM-only: TypeScript keeps this `import()` as a real dynamic import in the CommonJS output. */
const importOra = () => import("ora");

/**
 * Decides the progress mode: a spinner only on an interactive terminal outside CI (and not on a dumb
 * terminal); plain lines otherwise; nothing with `--quiet`.
 */
export function chooseProgressMode(opts: { quiet: boolean; isTTY: boolean; env: Record<string, string | undefined> }): ProgressMode {
  if (opts.quiet) return "silent";
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
  // A terminal that reports no width (some pseudo-terminals) would make ora's line arithmetic divide by zero.
  const columns = (options.stream as { columns?: number }).columns;
  if (options.mode === "plain" || (options.mode === "spinner" && !(columns === undefined || columns > 0))) {
    return {
      onProgress: (p) => {
        const line = formatProgressLine(p);
        if (line !== undefined) write(line);
      },
      note: write,
      stop: () => undefined,
    };
  }
  return spinnerReporter(options);
}

async function spinnerReporter(options: ProgressOptions): Promise<ProgressReporter> {
  const { default: ora } = await importOra();
  const now = options.now ?? (() => performance.now());
  const startedAt = now();
  let latest: WaitProgress | undefined;
  const text = () => formatSpinnerText(options.jobId, latest, latest ? Math.max(latest.elapsedMs, now() - startedAt) : now() - startedAt);
  // discardStdin: false keeps Ctrl-C a real SIGINT (ora would otherwise put stdin in raw mode).
  const spinner = ora({ stream: options.stream, text: text(), isEnabled: true, discardStdin: false }).start();
  // The waiter reports only when it polls; the elapsed time should move every second regardless.
  const ticker = setInterval(() => (spinner.text = text()), 1_000);
  ticker.unref();
  let stopped = false;
  return {
    onProgress: (p) => {
      latest = p;
      if (!stopped) spinner.text = text();
    },
    note: (line) => {
      if (stopped) return void options.stream.write(`${line}\n`);
      spinner.clear();
      options.stream.write(`${line}\n`);
      spinner.render();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      spinner.stop();
    },
  };
}
