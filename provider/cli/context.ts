/**
 * The I/O a CLI run gets (injectable, so tests can run commands in-process) and the per-run state the
 * command handlers share with `run()`.
 */
import type { ErrorContext } from "./diagnose";
import type { ProgressReporter } from "./progress";
import { redact } from "./client-options";

/** What `run()` reads and writes instead of touching `process` directly. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  /** True when stderr (where progress goes) is a terminal. */
  isTTY: boolean;
  /** Aborted on Ctrl-C / SIGTERM; its reason should be an `InterruptedError`. */
  signal?: AbortSignal;
}

/** Per-run state: output helpers and what the command was doing (for error messages). */
export class RunContext {
  /** Filled in by the commands as they learn things; read by `run()` to word an error. */
  readonly errorContext: ErrorContext = {};
  /** Secrets to scrub from anything printed (env values, the key read from stdin). */
  readonly secrets: string[];
  /** The live progress reporter, while one runs (diagnostics go through it). */
  reporter?: ProgressReporter;
  /** When the command started (epoch ms): `--timeout` counts from here. */
  startedAt = Date.now();
  /** The absolute deadline of the whole command (epoch ms): `startedAt` plus `--timeout`. */
  deadline?: number;

  constructor(
    readonly io: CliIo,
    readonly signal: AbortSignal,
    secrets: string[],
  ) {
    this.secrets = secrets;
  }

  /** Writes the command's result to stdout. */
  out(text: string): void {
    this.io.stdout.write(redact(text, this.secrets));
  }

  /** Writes one diagnostic line to stderr, around the live status line if there is one. */
  diag(line: string): void {
    const safe = redact(line, this.secrets);
    if (this.reporter) this.reporter.note(safe);
    else this.io.stderr.write(`${safe}\n`);
  }
}
