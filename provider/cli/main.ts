#!/usr/bin/env node
/**
 * The `dcs-jobs` binary: wires the process (argv, streams, signals) to {@link run} and exits with
 * its code. Everything else lives in the modules beside this one.
 */
import { InterruptedError } from "./diagnose";
import { ExitCode } from "./exit-codes";
import { run } from "./run";

export { run, type CliIo } from "./run";

/** Waits until everything written to `stream` has been handed to the OS (pipes may be async). */
function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write("", () => resolve());
  });
}

async function main(): Promise<void> {
  // A reader that went away (`dcs-jobs show ID | head -1`) is not an error worth a stack trace.
  for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    // A second Ctrl-C leaves at once, whatever is still winding down.
    if (signals > 1) process.exit(ExitCode.Interrupted);
    controller.abort(new InterruptedError(sig));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const code = await run(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isTTY: process.stderr.isTTY === true,
    signal: controller.signal,
  });
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(code);
}

if (require.main === module) void main();
