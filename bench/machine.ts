/** What ran the benchmark: machine, runtime and package versions, recorded in every result file. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, freemem, loadavg, platform, release, totalmem, arch } from "node:os";
import { join } from "node:path";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  /** 1-minute load average when the run started: other work on a shared machine skews timings. */
  loadAverage1m: number;
  os: string;
  node: string;
  v8: string;
}

export interface VersionInfo {
  package: string;
  gitCommit?: string;
  /** Whether the working tree had uncommitted changes (figures may not match the commit). */
  gitDirty?: boolean;
  dependencies: Record<string, string>;
}

const ROOT = join(__dirname, "..");

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}

function installedVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "not installed";
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** This package's version, the installed versions of the dependencies that matter here, and the commit. */
export function versionInfo(): VersionInfo {
  const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  const deps = ["undici", "p-retry", "zod", "@pulumi/pulumi", "require-from-string", "tsx", "typescript"];
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    package: own.version,
    gitCommit: git(["rev-parse", "--short=12", "HEAD"]),
    gitDirty: status === undefined ? undefined : status.length > 0,
    dependencies: Object.fromEntries(deps.map((d) => [d, installedVersion(d)])),
  };
}
