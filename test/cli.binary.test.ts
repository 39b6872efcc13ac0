/**
 * The real `dcs-jobs` binary, spawned as a user or a CI step would run it, against the emulator
 * (started in this process, loopback only). Prefers the build (`node dist/cli/main.js`, fresh after
 * `npm run build`); falls back to the TypeScript sources through tsx when the build is missing or
 * older than the sources.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { startEmulator, type RunningEmulator } from "../provider/emulator";

const root = path.resolve(__dirname, "..");
const built = path.join(root, "dist", "cli", "main.js");

/** The newest modification time of any .ts file under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** `node dist/cli/main.js` when the build is fresh; otherwise `node --import tsx provider/cli/main.ts`. */
function binary(): string[] {
  const fresh = fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestSource(path.join(root, "provider"));
  return fresh ? [built] : ["--import", "tsx", path.join(root, "provider", "cli", "main.ts")];
}
const NODE_ARGS = binary();

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Spawned {
  /** Resolves once stderr has printed text matching `re`. */
  stderrMatches(re: RegExp): Promise<void>;
  /** Resolves once stdout has printed text matching `re`. */
  stdoutMatches(re: RegExp): Promise<void>;
  /** What stdout has printed so far. */
  stdout(): string;
  kill(sig: NodeJS.Signals): void;
  done: Promise<Result>;
}

/** Spawns the binary with only the environment given (plus PATH), stdio piped: never a TTY. */
function start(args: string[], env: Record<string, string> = {}, stdin?: string): Spawned {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const text = { stdout: "", stderr: "" };
  const waiters: Array<{ name: "stdout" | "stderr"; re: RegExp; resolve: () => void }> = [];
  const onData = (name: "stdout" | "stderr") => (d: Buffer) => {
    text[name] += d.toString();
    for (const w of waiters.splice(0)) {
      if (w.name === name && w.re.test(text[name])) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on("data", onData("stdout"));
  child.stderr.on("data", onData("stderr"));
  child.stdin.end(stdin ?? "");
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, ...text }));
  });
  const matches = (name: "stdout" | "stderr") => (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(text[name])) return resolve();
      waiters.push({ name, re, resolve });
      void done.then(() => reject(new Error(`exited before ${name} matched ${re}:\n${text.stderr}`)));
    });
  return {
    stderrMatches: matches("stderr"),
    stdoutMatches: matches("stdout"),
    stdout: () => text.stdout,
    kill: (sig) => child.kill(sig),
    done,
  };
}

const cli = (args: string[], env?: Record<string, string>, stdin?: string) => start(args, env, stdin).done;

let emulator: RunningEmulator;
/** Environment pointing the CLI at the emulator, credentials included. */
let env: Record<string, string>;
let client: DcsClient;

/** One master/standby instance per test, so tests can run side by side with instance-scoped faults. */
const HA = Array.from({ length: 12 }, (_, i) => `1b2c3d4e-0000-4000-8000-${String(i + 1).padStart(12, "0")}`);
const PASS_THROUGH_ON = "1b2c3d4e-0000-4000-8000-0000000000ff";
let nextHa = 0;
const haInstance = () => HA[nextHa++]!;

beforeAll(async () => {
  emulator = await startEmulator({
    instances: [...HA.map((instance_id) => ({ instance_id, cache_mode: "ha" as const })), { instance_id: PASS_THROUGH_ON, cache_mode: "ha", transparent_client_ip_enable: true }],
    jobDurations: { masterStandbySwapJob: 1_500, modifyClientIpTransJob: 1_500 },
    jobInitMs: 300,
  });
  env = {
    HW_DCS_ENDPOINT: emulator.url,
    HW_ACCESS_KEY: emulator.accessKey,
    HW_SECRET_KEY: emulator.secretKey,
    HW_PROJECT_ID: emulator.projectId,
    HW_REGION_NAME: "ap-southeast-1",
  };
  client = new DcsClient({ endpoint: emulator.url, projectId: emulator.projectId, credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey } }, {});
});

afterAll(async () => {
  await client?.close();
  await emulator?.stop();
});

const ESC = "\x1b[";

describe.concurrent("dcs-jobs against the emulator", () => {
  it("swap --wait: blocks until the job succeeds, exit 0, plain progress lines with no escape sequences", async () => {
    const id = haInstance();
    const r = await cli(["swap", id, "--wait"], env);
    expect(r.stderr).not.toContain("    at "); // no stack trace
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/DCS job \S+ \(masterStandbySwapJob\): SUCCESS/);
    expect(r.stdout).toMatch(/duration\s+\d/);
    expect(r.stderr).toMatch(/Started master\/standby switchover on instance/);
    expect(r.stderr).toMatch(/\[\d+:\d\d\] job \S+: (INIT|RUNNING|SUCCESS)/);
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(emulator.stats().startCalls.filter((s) => s.instanceId === id)).toHaveLength(1);
  });

  it("wait --json: prints the job and nothing else on stdout", async () => {
    const started = await client.swapMasterStandby(haInstance());
    const r = await cli(["wait", started.jobId, "--json"], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ jobId: started.jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", failReason: null });
    expect(new Date(doc.endTime as string).getTime()).toBe(Number(doc.endTimeRaw));
    expect(typeof doc.durationMs).toBe("number");
  });

  it("a failed job: exit 1 and its fail_reason; --json still prints the job", async () => {
    const id = haInstance();
    emulator.inject({ kind: "failJob", route: "swap", instanceId: id, failReason: "standby replication lag too high", durationMs: 500 });
    const r = await cli(["swap", id, "--wait", "--json"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("standby replication lag too high");
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "FAIL", failReason: "standby replication lag too high", instanceId: id });
  });

  it("--timeout: exit 3, says the job may still run and how to check it", async () => {
    const id = haInstance();
    emulator.inject({ kind: "hangJob", route: "swap", instanceId: id });
    const started = await client.swapMasterStandby(id);
    const t0 = Date.now();
    const r = await cli(["wait", started.jobId, "--timeout", "2s"], env);
    expect(r.code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.stderr).toMatch(/Timed out/);
    expect(r.stderr).toContain(`dcs-jobs show ${started.jobId}`);
  });

  it("Ctrl-C while waiting: exit 130 at once, names the job that keeps running", async () => {
    const id = haInstance();
    emulator.inject({ kind: "hangJob", route: "swap", instanceId: id });
    const started = await client.swapMasterStandby(id);
    const p = start(["wait", started.jobId], env);
    await p.stderrMatches(new RegExp(`job ${started.jobId}: (INIT|RUNNING)`));
    const t0 = Date.now();
    p.kill("SIGINT");
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.stderr).toContain(started.jobId);
    expect(r.stderr).toMatch(/keeps running in the cloud/);
    expect((await client.showJob(started.jobId)).status).toBe("RUNNING");
  });

  it("a wrong secret key: exit 4, an authentication message, no secret in the output", async () => {
    const wrong = "wrong-secret-key-value-1234567890";
    const r = await cli(["show", "ff8080818822bbf70188235afc24141a"], { ...env, HW_SECRET_KEY: wrong });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Authentication failed/);
    expect(r.stderr).toMatch(/HW_SECRET_KEY/);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(r.stdout + r.stderr).not.toContain(emulator.secretKey);
    expect(r.stderr).not.toContain("    at ");
  });

  it("--secret-key-stdin: takes the secret key from a pipe", async () => {
    const { HW_SECRET_KEY: _omit, ...noSecret } = env;
    const started = await client.swapMasterStandby(haInstance());
    const r = await cli(["show", started.jobId, "--secret-key-stdin", "--json"], noSecret, `${emulator.secretKey}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ jobId: started.jobId });
  });

  it("swap without --wait: prints the job ID and how to wait; --quiet prints only the ID", async () => {
    const r = await cli(["swap", haInstance()], env);
    expect(r.code).toBe(0);
    const jobId = /job (\S+)\n/.exec(r.stdout)?.[1];
    expect(jobId).toBeTruthy();
    expect(r.stdout).toContain(`dcs-jobs wait ${jobId}`);

    const q = await cli(["swap", haInstance(), "--quiet"], env);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/^[A-Za-z0-9-]{8,64}\n$/);
    expect(q.stderr).toBe("");
  });

  it("client-ip: starts nothing when the value already matches, and says so", async () => {
    const startsOn = () => emulator.stats().startCalls.filter((c) => c.instanceId === PASS_THROUGH_ON).length;
    const r = await cli(["client-ip", PASS_THROUGH_ON, "on"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already on/);
    expect(r.stdout).toMatch(/no job started/);
    const j = await cli(["client-ip", PASS_THROUGH_ON, "on", "--json"], env);
    expect(JSON.parse(j.stdout)).toEqual({ instanceId: PASS_THROUGH_ON, jobId: null, started: false, transparentClientIpEnable: true });
    expect(startsOn()).toBe(0);
  });

  it("client-ip on: starts a modifyClientIpTransJob", async () => {
    const id = haInstance();
    const r = await cli(["client-ip", id, "on", "--json"], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { jobId: string; started: boolean };
    expect(doc.started).toBe(true);
    expect((await client.showJob(doc.jobId)).jobType).toBe("modifyClientIpTransJob");
  });

  it("an unreachable endpoint: exit 4 with one message naming the endpoint", async () => {
    const r = await cli(["show", "ff8080818822bbf70188235afc24141a", "--endpoint", "http://127.0.0.1:9"], env);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/Could not reach the DCS API at http:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).not.toContain("    at ");
  });
});

describe.concurrent("usage errors: exit 2, one clear message, nothing sent", () => {
  /** A loopback server that counts what reaches it: a usage error must send nothing. */
  let sink: http.Server;
  let received = 0;
  let sinkEnv: Record<string, string>;
  beforeAll(async () => {
    sink = http.createServer((_req, res) => {
      received++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    sinkEnv = { ...env, HW_DCS_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` };
  });
  afterAll(async () => {
    expect(received).toBe(0);
    await new Promise((resolve) => sink.close(resolve));
  });

  it.each([
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["wait"], /missing required argument 'job-id'/],
    [["wait", "not a job"], /Invalid DCS job ID "not a job"/],
    [["swap", "12345"], /Invalid DCS instance ID "12345".*UUID/],
    [["client-ip", HA[0]!, "maybe"], /Allowed choices are on, off/],
    [["wait", "ff8080818822bbf70188235afc24141a", "--timeout", "soon"], /expected a duration such as 90s, 30m/],
    [["show", "ff8080818822bbf70188235afc24141a", "--cloud", "aws"], /Allowed choices are huaweicloud, otc/],
    [[], /Usage: dcs-jobs/],
  ])("dcs-jobs %j", async (args, message) => {
    const r = await cli(args, sinkEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
    expect(received).toBe(0);
  });

  it("missing credentials: says which variables to set", async () => {
    const r = await cli(["show", "ff8080818822bbf70188235afc24141a"], { HW_DCS_ENDPOINT: sinkEnv.HW_DCS_ENDPOINT!, HW_PROJECT_ID: emulator.projectId });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No DCS credentials found/);
    expect(r.stderr).toMatch(/HW_ACCESS_KEY and HW_SECRET_KEY/);
  });

  it("--help documents the exit codes and exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
    expect(r.stdout).toMatch(/130 +interrupted/);
    expect(r.stdout).toMatch(/HW_SECRET_KEY/);
  });
});

describe("dcs-jobs emulator", () => {
  it("serves until Ctrl-C, prints where it is, and the CLI can use it; then exits 0", async () => {
    const p = start(["emulator", "--port", "0", "--json", "--quiet"]);
    await p.stdoutMatches(/\n}\n$/);
    const doc = JSON.parse(p.stdout()) as { url: string; env: Record<string, string>; instances: Array<{ instanceId: string; cacheMode: string }> };
    expect(doc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ha = doc.instances.find((i) => i.cacheMode === "ha")!;
    const r = await cli(["swap", ha.instanceId, "--json"], doc.env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ instanceId: ha.instanceId, started: true });
    p.kill("SIGINT");
    expect((await p.done).code).toBe(0);
  });

  it("a port in use: exit 2 and says to pick another", async () => {
    const r = await cli(["emulator", "--port", String(new URL(emulator.url).port)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is in use: pick another --port/);
  });
});
