/**
 * Runs Pulumi programs on the real engine, offline: a CLI built by scripts/ensure-pulumi.sh, a local file
 * backend, no update checks or plugin downloads. Shared by the demo and the end-to-end tests.
 *
 * Programs run inline (Automation API): the Node.js language host cannot be built here (its Go module has no
 * version tags the proxy serves), and inline programs do not need it: this process serves the program to the
 * engine. Everything else — planning, diffing against state, the dynamic-provider host running the serialized
 * provider in its own process, cancellation — is the real engine.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack, type PulumiFn } from "@pulumi/pulumi/automation";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** The folder holding the `pulumi` CLI; builds it on first use (minutes) and caches it. */
export function ensureEngineBin(): string {
  const given = process.env.PULUMI_DCS_JOBS_ENGINE_BIN;
  if (given && fs.existsSync(path.join(given, "pulumi"))) return given;
  const out = execFileSync("bash", [path.join(repoRoot, "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const bin = out.trim().split("\n").pop()!;
  process.env.PULUMI_DCS_JOBS_ENGINE_BIN = bin;
  return bin;
}

/** A stack config value; secrets are encrypted in state with the stack's passphrase. */
export type ConfigInput = string | { value: string; secret?: boolean };

export interface OpenStackOptions {
  stackName: string;
  program: PulumiFn;
  /** The program folder: the dynamic-provider host runs there and resolves packages from it. */
  workDir: string;
  /** Project name; with no Pulumi.yaml in workDir, one is written. */
  projectName?: string;
  /** Where the file backend keeps state (default: `<workDir>/.pulumi-state`). */
  stateDir?: string;
  config?: Record<string, ConfigInput>;
  /** Extra environment for the engine and the provider host. */
  env?: Record<string, string>;
}

export interface EngineStack {
  stack: Stack;
  stateDir: string;
  /** The environment the engine runs with (no credentials in it). */
  env: Record<string, string>;
  /** PIDs of `pulumi` CLI processes this process has running now. */
  cliPids(): number[];
  /**
   * The stack's state file exactly as the file backend stored it on disk (secrets stay encrypted). Not
   * Automation API's `exportStack()`, which runs `pulumi stack export --show-secrets`.
   */
  exportState(): Promise<string>;
  /** Removes the stack and its state; ignores a stack that was never created. */
  dispose(): Promise<void>;
}

/**
 * The `dcs:` stack config that points a stack at a DCS endpoint (the emulator). Both keys are secrets: the
 * engine stores stack config as the default provider's inputs in state, encrypted only when secret.
 */
export function dcsStackConfig(target: { url: string; projectId: string; accessKey: string; secretKey: string }): Record<string, ConfigInput> {
  return {
    "dcs:endpoint": target.url,
    "dcs:region": "ap-southeast-1",
    "dcs:projectId": target.projectId,
    "dcs:accessKey": { value: target.accessKey, secret: true },
    "dcs:secretKey": { value: target.secretKey, secret: true },
  };
}

export const ENGINE_PASSPHRASE = "pulumi-dcs-jobs-local-passphrase";

export async function openStack(options: OpenStackOptions): Promise<EngineStack> {
  const bin = ensureEngineBin();
  const stateDir = options.stateDir ?? path.join(options.workDir, ".pulumi-state");
  fs.mkdirSync(path.join(stateDir, "home"), { recursive: true });
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_HOME: path.join(stateDir, "home"),
    PULUMI_CONFIG_PASSPHRASE: ENGINE_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // The launcher for the dynamic-provider host sits beside the CLI.
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    ...options.env,
  };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
  const workspace = await LocalWorkspace.create({
    workDir: options.workDir,
    program: options.program,
    envVars: env,
    pulumiCommand,
    ...(fs.existsSync(path.join(options.workDir, "Pulumi.yaml"))
      ? {}
      : { projectSettings: { name: options.projectName ?? "dcs-jobs", runtime: "nodejs" as const } }),
  });
  const stack = await Stack.createOrSelect(options.stackName, workspace);
  if (options.config) {
    const all: Record<string, { value: string; secret?: boolean }> = {};
    for (const [k, v] of Object.entries(options.config)) all[k] = typeof v === "string" ? { value: v } : v;
    await stack.setAllConfig(all);
  }
  return {
    stack,
    stateDir,
    env,
    cliPids: () => cliPids(),
    exportState: async () => {
      const file = findStateFile(path.join(stateDir, ".pulumi", "stacks"), `${options.stackName}.json`);
      if (!file) throw new Error(`no state file for stack ${options.stackName} under ${stateDir}`);
      return fs.readFileSync(file, "utf8");
    },
    dispose: async () => {
      try {
        await stack.workspace.removeStack(options.stackName, { force: true });
      } catch {
        /* never created, or already gone */
      }
    },
  };
}

/** The `pulumi` CLI processes that are children of `parent` (default: this process). */
export function cliPids(parent: number = process.pid): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(parent), "-x", "pulumi"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The file backend's state file of a stack under `dir` (secrets stay encrypted), if any. */
export function findStateFile(dir: string, name: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findStateFile(full, name);
      if (found) return found;
    } else if (entry.name === name) return full;
  }
  return undefined;
}

/** A fresh folder under the repository (so the provider host resolves this package), removed by the caller. */
export function makeWorkDir(prefix: string): string {
  const base = path.join(repoRoot, ".e2e");
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${prefix}-`));
}

export const tmpRoot = os.tmpdir();
