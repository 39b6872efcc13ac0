/**
 * `dcs-jobs emulator`: start the emulator in the foreground, print where it is and the environment
 * to point a stack or the CLI at it, and stop cleanly on SIGINT/SIGTERM.
 */
import { EMULATOR_DEFAULTS, startEmulator, type RunningEmulator } from "./index";
import type { LogLevel } from "./server";
import { describeWindow, type ThrottleOptions } from "./throttle";

export interface ServeOptions {
  port?: number;
  speed?: number;
  host?: string;
  allowRemote?: boolean;
  seedFile?: string;
  /** The gateway's per-access-key throttle; off when absent. */
  throttle?: ThrottleOptions;
  logLevel?: LogLevel;
  /** Where the banner goes (default stdout); log lines go to stderr. */
  print?: (text: string) => void;
  /** Signals to stop on (default SIGINT, SIGTERM); tests pass none and call `stop()` themselves. */
  signals?: NodeJS.Signals[];
}

/** The env lines for a running emulator (shell `export` syntax). The secret is the public demo one. */
export function emulatorEnv(emu: Pick<RunningEmulator, "url" | "accessKey" | "secretKey" | "projectId">): Record<string, string> {
  return {
    HW_DCS_ENDPOINT: emu.url,
    HW_ACCESS_KEY: emu.accessKey,
    HW_SECRET_KEY: emu.secretKey,
    HW_PROJECT_ID: emu.projectId,
    HW_REGION_NAME: EMULATOR_DEFAULTS.region,
  };
}

/** The banner printed on start. */
export function banner(emu: RunningEmulator, speed: number): string {
  const env = emulatorEnv(emu);
  const lines = [
    `DCS emulator listening on ${emu.url} (clock speed x${speed})`,
    "",
    "Point the CLI or a stack at it:",
    ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
    "",
    "Seeded instances:",
    ...emu.instances.map((i) => `  ${i.instance_id}  ${i.cache_mode.padEnd(7)} ${i.name}`),
    "",
    `Admin: ${emu.url}/_emulator/stats, /_emulator/faults, /_emulator/clock (loopback only). Ctrl-C stops.`,
  ];
  return lines.join("\n");
}

/** Starts the emulator for the CLI; resolves to the running emulator once it listens. */
export async function serveEmulatorFromCli(options: ServeOptions = {}): Promise<RunningEmulator> {
  const speed = options.speed ?? 1;
  const emu = await startEmulator({
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.allowRemote !== undefined ? { allowRemote: options.allowRemote } : {}),
    ...(options.seedFile !== undefined ? { seedFile: options.seedFile } : {}),
    ...(options.throttle !== undefined ? { throttle: options.throttle } : {}),
    speed,
    logLevel: options.logLevel ?? "info",
  });
  const print = options.print ?? ((t: string) => process.stdout.write(t + "\n"));
  print(banner(emu, speed));
  if (options.throttle) {
    print(`Gateway throttle: ${options.throttle.limit} requests per ${describeWindow(options.throttle.windowMs)} (emulated) per access key, then 429 APIG.0308.`);
  }

  const signals = options.signals ?? (["SIGINT", "SIGTERM"] as NodeJS.Signals[]);
  const onSignal = (sig: NodeJS.Signals) => {
    for (const s of signals) process.off(s, onSignal);
    print(`\nReceived ${sig}, stopping the emulator.`);
    emu.stop().then(
      () => {
        process.exitCode = 0;
      },
      (e: unknown) => {
        process.stderr.write(`Error while stopping the emulator: ${(e as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  const stop = emu.stop.bind(emu);
  return {
    ...emu,
    stop: () => {
      for (const s of signals) process.off(s, onSignal);
      return stop();
    },
  };
}
