/**
 * `dcs-jobs emulator`: runs the local DCS emulator in the foreground until Ctrl-C / SIGTERM.
 * The emulator's own signal handling is turned off: `run()` owns the signals and aborts the run's
 * signal, which stops the emulator here (one place decides what Ctrl-C does).
 */
import type { LogLevel } from "../emulator/server";
import type { ThrottleOptions } from "../emulator/throttle";
import { emulatorEnv, serveEmulatorFromCli } from "../emulator/serve";
import { ConfigError } from "../errors";
import type { RunContext } from "./context";
import { ExitCode } from "./exit-codes";
import { toJsonText } from "./render";

/** Parsed options of the emulator command. */
export interface EmulatorFlags {
  port: number;
  speed: number;
  host: string;
  seed?: string;
  /** The gateway's per-access-key throttle (`--throttle 200/5m`); off when absent. */
  throttle?: ThrottleOptions;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** Starts the emulator, prints where it is, and resolves with 0 once interrupted and stopped. */
export async function emulatorCommand(flags: EmulatorFlags, c: RunContext): Promise<ExitCode> {
  const logLevel: LogLevel = flags.quiet ? "silent" : flags.verbose ? "debug" : "info";
  // The banner carries the emulator's fixed, public demo credentials: printed as they are (the
  // run's secret scrubbing would blank them when the user's environment already points here).
  const print = flags.json ? () => undefined : (text: string) => void c.io.stdout.write(`${text}\n`);
  let emu;
  try {
    emu = await serveEmulatorFromCli({ port: flags.port, speed: flags.speed, host: flags.host, seedFile: flags.seed, logLevel, print, signals: [], ...(flags.throttle ? { throttle: flags.throttle } : {}) });
  } catch (e) {
    // Bind failures and seed-file problems are input errors: say what to change.
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new ConfigError(`Port ${flags.port} on ${flags.host} is in use: pick another --port (0 picks a free one).`);
    if (err.code === "EACCES") throw new ConfigError(`Not allowed to listen on port ${flags.port}: use a port above 1023 (or 0 for any free one).`);
    throw new ConfigError(`Could not start the emulator: ${err.message}`);
  }
  if (flags.json) {
    const doc = {
      url: emu.url,
      port: emu.port,
      env: emulatorEnv(emu),
      instances: emu.instances.map((i) => ({ instanceId: i.instance_id, name: i.name, cacheMode: i.cache_mode })),
    };
    c.io.stdout.write(toJsonText(doc));
  }
  await new Promise<void>((resolve) => {
    if (c.signal.aborted) return resolve();
    c.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  if (!flags.quiet) c.io.stderr.write("Stopping the emulator.\n");
  await emu.stop();
  return ExitCode.Ok;
}
