/**
 * The command-line grammar (commander): commands, flags, their parsing and help text. Actions only
 * convert the parsed options and hand over to the handlers in `commands.ts`.
 */
import { Argument, Command, InvalidArgumentError, Option } from "commander";
import { packageVersion } from "../client";
import { DEFAULT_TIMEOUT_MS, type CommonFlags } from "./client-options";
import { clientIpCommand, showCommand, swapCommand, waitCommand, type StartFlags } from "./commands";
import { groupsCommand, operationsCommand, runOperationCommand, tasksCommand, type RunFlags } from "./operation-commands";
import type { RunContext } from "./context";
import { parseDuration } from "./duration";
import { parseThrottleSpec, type ThrottleOptions } from "../emulator/throttle";
import { emulatorCommand, type EmulatorFlags } from "./emulator-command";
import { EXIT_CODES_HELP, type ExitCode } from "./exit-codes";

/** The environment variables the CLI reads, for `--help` and docs. */
export const ENVIRONMENT_HELP = [
  "Environment (credentials are read only from here, never from flags):",
  "  HW_ACCESS_KEY, HW_SECRET_KEY    access key pair (or HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK)",
  "  HW_SECURITY_TOKEN               with temporary credentials (or HUAWEICLOUD_SDK_SECURITY_TOKEN)",
  "  HW_AUTH_TOKEN                   an IAM token instead of an access key pair",
  "  HW_REGION_NAME                  region, like --region (or HUAWEICLOUD_SDK_REGION)",
  "  HW_PROJECT_ID                   project ID, like --project-id (or HUAWEICLOUD_SDK_PROJECT_ID)",
  "  HW_DCS_ENDPOINT                 explicit endpoint, like --endpoint",
  "  HW_CLOUD                        huaweicloud or otc, like --cloud",
  "  HW_DCS_CA_FILE                  extra CA bundle (PEM) for a private endpoint",
  "  CI                              when set, progress is printed as plain lines",
].join("\n");

/** Parses `--timeout`: `30m`, `90s`, `1h30m`, or a number of seconds. */
export function parseTimeoutOption(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new InvalidArgumentError(`expected a duration such as 90s, 30m or 1h30m, or a number of seconds (got "${value}").`);
  }
  return ms;
}

/** Parses `--port`: 0 (any free port) to 65535. */
export function parsePortOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new InvalidArgumentError(`expected a port number from 0 to 65535 (got "${value}").`);
  return n;
}

/** Parses `--speed`: a positive factor (2 = jobs run twice as fast). */
export function parseSpeedOption(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number such as 1, 10 or 0.5 (got "${value}").`);
  return n;
}

/** Parses the emulator's `--throttle`: `LIMIT/WINDOW` such as `200/5m` (the gateway's per-access-key throttle). */
export function parseThrottleOption(value: string): ThrottleOptions {
  try {
    return parseThrottleSpec(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Raw commander options of the API commands. */
interface RawCommonOptions {
  region?: string;
  projectId?: string;
  endpoint?: string;
  cloud?: "huaweicloud" | "otc";
  timeout: number;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  secretKeyStdin?: boolean;
  wait?: boolean;
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option("--region <region>", "region, e.g. ap-southeast-1 or eu-de (env HW_REGION_NAME)")
    .option("--project-id <id>", "project ID of the region (env HW_PROJECT_ID)")
    .option("--endpoint <url>", "explicit DCS endpoint URL, e.g. the emulator's (env HW_DCS_ENDPOINT)")
    .addOption(new Option("--cloud <cloud>", "which cloud's endpoints (env HW_CLOUD)").choices(["huaweicloud", "otc"]))
    .addOption(
      new Option("--timeout <duration>", "give up after this long: 30m, 90s, 1h30m, or seconds")
        .argParser(parseTimeoutOption)
        .default(DEFAULT_TIMEOUT_MS, "30m"),
    )
    .option("--json", "print the result as JSON on stdout, and nothing else there")
    .option("-q, --quiet", "no progress output; print only the result (job ID, or final status)")
    .option("-v, --verbose", "log every HTTP exchange on stderr (never secrets)")
    .option("--secret-key-stdin", "read the secret key from standard input (the access key from HW_ACCESS_KEY)");
}

function commonFlags(o: RawCommonOptions): CommonFlags {
  return {
    region: o.region,
    projectId: o.projectId,
    endpoint: o.endpoint,
    cloud: o.cloud,
    timeoutMs: o.timeout,
    json: o.json === true,
    quiet: o.quiet === true,
    verbose: o.verbose === true,
    secretKeyStdin: o.secretKeyStdin === true,
  };
}

/**
 * Builds the program for one run. The chosen action's exit code is reported through `setExitCode`
 * (commander does not return action results).
 */
export function buildProgram(c: RunContext, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command("dcs-jobs");
  program
    .description("Start Huawei Cloud DCS (managed Redis) operations that run as background jobs, and wait for them to end.")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void c.io.stdout.write(s),
      writeErr: (s) => void c.io.stderr.write(s),
    })
    .showHelpAfterError("(run `dcs-jobs --help` for usage)")
    .addHelpText("after", `\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`);

  /** Wraps a handler: sets the command's deadline from --timeout, then records its exit code. */
  const apiAction =
    <A extends unknown[]>(handler: (flags: CommonFlags & { wait: boolean }, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const raw = cmd.opts<RawCommonOptions>();
      const flags = { ...commonFlags(raw), wait: raw.wait === true };
      c.startedAt = Date.now();
      c.deadline = c.startedAt + flags.timeoutMs;
      c.errorContext.timeoutMs = flags.timeoutMs;
      setExitCode(await handler(flags, ...(args.slice(0, -2) as A)));
    };

  const exitHelp = `\n${EXIT_CODES_HELP}\n`;
  addCommonOptions(program.command("wait").argument("<job-id>", "the job ID a start call answered"))
    .description("Block until a DCS job ends (exit 0 on SUCCESS, 1 on FAIL).")
    .option("--instance <id>", "the job's instance: also show its task's steps, percentage and time left")
    .addHelpText("after", exitHelp)
    .action(async (jobId: string, _o: unknown, cmd: Command) => {
      const { instance } = cmd.opts<{ instance?: string }>();
      await apiAction((flags) => waitCommand(jobId, { ...flags, ...(instance !== undefined ? { instanceId: instance } : {}) }, c))(_o, cmd);
    });

  addCommonOptions(program.command("show").argument("<job-id>", "the job ID a start call answered"))
    .description("Print a DCS job once (exit 0 whenever it could be read).")
    .addHelpText("after", exitHelp)
    .action(apiAction((flags, jobId: string) => showCommand(jobId, flags, c)));

  addCommonOptions(program.command("swap").argument("<instance-id>", "a master/standby (ha) instance"))
    .description("Start a master/standby switchover (async-swap). Not idempotent: running it again swaps back.")
    .option("--wait", "block until the job ends")
    .addHelpText("after", exitHelp)
    .action(apiAction((flags: StartFlags, instanceId: string) => swapCommand(instanceId, flags, c)));

  addCommonOptions(
    program
      .command("client-ip")
      .argument("<instance-id>", "the instance")
      .addArgument(new Argument("<state>", "on or off").choices(["on", "off"])),
  )
    .description("Turn client-IP pass-through on or off. Reads the instance first: starts nothing when it already matches.")
    .option("--wait", "block until the job ends")
    .addHelpText("after", exitHelp)
    .action(apiAction((flags: StartFlags, instanceId: string, state: "on" | "off") => clientIpCommand(instanceId, state, flags, c)));

  addCommonOptions(program.command("run").argument("<operation>", "an operation of `dcs-jobs operations` (its command or SDK name)"))
    .description("Start any job-returning DCS operation of the table (see `dcs-jobs operations`); the same never-twice rules as swap.")
    .option("--instance <id>", "instance_id")
    .option("--group <id>", "group_id (a cluster shard; see `dcs-jobs groups`)")
    .option("--node <id>", "node_id (a replica; see `dcs-jobs groups`)")
    .option("--account <id>", "account_id (an ACL account)")
    .option("--body <json>", "the request body as JSON, e.g. '{\"enabled\":true}'")
    .option("--body-file <path>", "a file holding the request body as JSON")
    .option("--wait", "block until the job ends")
    .addHelpText("after", exitHelp)
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const o = cmd.opts<{ instance?: string; group?: string; node?: string; account?: string; body?: string; bodyFile?: string }>();
      await apiAction((flags: RunFlags) => runOperationCommand(name, { ...flags, ...o }, c))(_o, cmd);
    });

  program
    .command("operations")
    .description("List the operations `run` can start: command, kind, request, summary.")
    .option("--json", "as JSON")
    .action((o: { json?: boolean }) => setExitCode(operationsCommand(o, c)));

  addCommonOptions(program.command("tasks").argument("<instance-id>", "the instance"))
    .description("List the instance's background tasks, newest first, with their job IDs (what is running on it?).")
    .addOption(new Option("--since <duration>", "how far back: 24h, 30m, ...").argParser(parseTimeoutOption).default(24 * 3_600_000, "24h"))
    .action(async (instanceId: string, _o: unknown, cmd: Command) => {
      const { since } = cmd.opts<{ since: number }>();
      await apiAction((flags) => tasksCommand(instanceId, { ...flags, sinceMs: since }, c))(_o, cmd);
    });

  addCommonOptions(program.command("groups").argument("<instance-id>", "a cluster instance"))
    .description("List a cluster's shards (group IDs) and replicas (node IDs), as `run cluster-switchover` needs them.")
    .action(apiAction((flags, instanceId: string) => groupsCommand(instanceId, flags, c)));

  program
    .command("emulator")
    .description("Run the local DCS emulator on loopback until Ctrl-C (prints its URL and test credentials).")
    .option("--port <port>", "port to listen on (0: any free port)", parsePortOption, 0)
    .option("--speed <factor>", "job clock speed: 10 runs jobs ten times faster", parseSpeedOption, 1)
    .option("--host <host>", "address to listen on (loopback only)", "127.0.0.1")
    .option("--seed <file>", "YAML or JSON file with the instances to start with")
    .option("--throttle <limit/window>", "throttle each access key like the API gateway, e.g. 200/5m (off by default)", parseThrottleOption)
    .option("--json", "print the connection details as JSON")
    .option("-q, --quiet", "no request log")
    .option("-v, --verbose", "verbose request log")
    .action(async (_opts: unknown, cmd: Command) => {
      setExitCode(await emulatorCommand(cmd.opts<EmulatorFlags>(), c));
    });

  return program;
}
