/**
 * `run()`: one CLI invocation, in-process. Parses the arguments, runs the command, and turns every
 * outcome into an exit code and at most one message (plus a hint) on stderr. Never throws, never
 * prints a stack trace, never exits the process: `main.ts` does that.
 */
import { CommanderError } from "commander";
import { secretsIn } from "./client-options";
import { RunContext, type CliIo } from "./context";
import { diagnose } from "./diagnose";
import { ExitCode } from "./exit-codes";
import { buildProgram } from "./program";

export type { CliIo } from "./context";
export { ExitCode } from "./exit-codes";

/**
 * How long a command may take to wind down after Ctrl-C (e.g. the emulator closing its sockets)
 * before the run reports the interruption anyway: Ctrl-C must never hang on a slow request.
 */
const INTERRUPT_GRACE_MS = 1_500;

/**
 * Runs `dcs-jobs` with `argv` (the arguments after the program name) and resolves to the exit code.
 * Output goes to `io.stdout` / `io.stderr`; abort `io.signal` to interrupt (as Ctrl-C does).
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const signal = io.signal ?? new AbortController().signal;
  const c = new RunContext(io, signal, secretsIn(io.env));
  let exitCode: ExitCode = ExitCode.Ok;
  const program = buildProgram(c, (code) => (exitCode = code));
  const parsing = program.parseAsync([...argv], { from: "user" });
  try {
    await settleOrInterrupt(parsing, signal);
    // A command that finished despite Ctrl-C (the job ended, the emulator stopped) reports its own outcome.
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return commanderExitCode(e);
    c.reporter?.stop();
    c.reporter = undefined;
    const d = diagnose(e, { ...c.errorContext, interrupted: signal.aborted });
    c.diag(`dcs-jobs: ${d.message}`);
    if (d.hint) c.diag(`  ${d.hint}`);
    return d.exitCode;
  }
}

/** Commander already printed its message (and help) for these; only the exit code is left. */
function commanderExitCode(e: CommanderError): number {
  if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return ExitCode.Ok;
  // Everything else (unknown command or option, missing or invalid argument, no command) is usage.
  return ExitCode.Usage;
}

/**
 * Resolves or rejects with `work`; once `signal` aborts, waits at most {@link INTERRUPT_GRACE_MS}
 * for it and then rejects with the abort reason.
 */
async function settleOrInterrupt(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  work.catch(() => undefined); // observed below or deliberately abandoned after an interrupt
  let onAbort: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), INTERRUPT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  interrupted.catch(() => undefined);
  try {
    await Promise.race([work, interrupted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    if (timer) clearTimeout(timer);
  }
}
