/**
 * Many waits in one process: N swaps started and waited on concurrently through one client, as a large
 * stack or a fleet-wide CLI run would. Each size runs in a fresh process of its own (`--expose-gc`, nothing
 * else loaded or run before), and the emulator in another, so the memory figures are the waiters' own.
 * The emulator's clock is sped up while the waiters run in real time with the default schedule, so every
 * job has ended by the schedule's first read: this measures fan-out, pacing, sockets and memory, not
 * detection (part 1 does that).
 * Reports wall time, peak memory, sockets opened, requests per job, and the achieved request rate over
 * the busiest 1-second window against the configured cap (a token bucket per endpoint shared by every wait).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { DcsClient } from "../provider/client";
import { httpStats } from "../provider/http";
import { rateLimiterFor, resetRateLimiters } from "../provider/rate-limit";
import { waitForJob } from "../provider/waiter/wait";
import { maxInWindow } from "./stats";

export interface ScaleRow {
  jobs: number;
  capPerSecond: number;
  wallS: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  rssGrowthMiB: number;
  socketsOpened: number;
  requests: number;
  requestsPerJob: number;
  /** Busiest 1-second window of the shared limiter's grants. */
  peakRatePerSecond: number;
  /** Busiest 1-second window of arrivals at the emulator (network and event-loop jitter included). */
  peakArrivalsPerSecond: number;
  capHeld: boolean;
  failures: number;
}

const repoRoot = path.resolve(__dirname, "..");

/** Starts an emulator with `n` ha instances in a child process; resolves with what the client needs. */
async function emulatorProcess(
  n: number,
  speed: number,
): Promise<{ child: ChildProcess; url: string; projectId: string; accessKey: string; secretKey: string; ids: string[]; stop(): Promise<number[]> }> {
  const script = `
    const { startEmulator } = require("pulumi-dcs-jobs/emulator");
    const n = ${n};
    const hex = (i) => i.toString(16).padStart(12, "0");
    const instances = Array.from({ length: n }, (_, i) => ({ instance_id: "b0000000-0000-4000-8000-" + hex(i), cache_mode: "ha" }));
    const arrivals = [];
    // One log line per request: its time is when the request reached the server.
    startEmulator({ instances, speed: ${speed}, logLevel: "info", logger: () => arrivals.push(Date.now()) }).then((e) => {
      console.log(JSON.stringify({ url: e.url, projectId: e.projectId, accessKey: e.accessKey, secretKey: e.secretKey, ids: e.instances.map((i) => i.instance_id) }));
      process.on("SIGTERM", () => e.stop().then(() => { console.log(JSON.stringify(arrivals)); process.exit(0); }));
    });`;
  const child = spawn(process.execPath, ["-e", script], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      child.once("exit", (code) => reject(new Error(`emulator process exited with ${code}`)));
    });
  const first = await next();
  return {
    child,
    ...JSON.parse(first),
    stop: async () => {
      const arrivals = next();
      child.kill("SIGTERM");
      return JSON.parse(await arrivals) as number[];
    },
  };
}

/** Runs {@link scaleBench} in a fresh Node process (so nothing measured before skews its memory). */
export function scaleBenchIsolated(n: number, capPerSecond: number): Promise<ScaleRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", __filename, String(n), String(capPerSecond)], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as ScaleRow) : reject(new Error(`scale run for ${n} jobs exited with ${code}`))));
  });
}

export async function scaleBench(n: number, capPerSecond: number, speed = 30): Promise<ScaleRow> {
  const emu = await emulatorProcess(n, speed);
  resetRateLimiters();
  let requests = 0;
  const cfg = { requestsPerSecond: capPerSecond, burst: 1 };
  const client = new DcsClient({
    endpoint: emu.url,
    projectId: emu.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey },
    // Burst 1: then no 1-second window may hold more than cap + 1 grants, a bound the check can state.
    rateLimit: cfg,
    onRequest: () => requests++,
  });
  // The limiter every wait shares: record when it lets each request go (what the cap governs).
  const limiter = rateLimiterFor(emu.url, cfg);
  const grants: number[] = [];
  const acquire = limiter.acquire.bind(limiter);
  limiter.acquire = async (o) => {
    await acquire(o);
    grants.push(performance.now());
  };
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 25);
  const socketsBefore = httpStats().socketsOpened;
  const t0 = Date.now();
  let failures = 0;
  try {
    await Promise.all(
      emu.ids.map(async (id) => {
        try {
          const { jobId } = await client.swapMasterStandby(id, { deadline: Date.now() + 600_000 });
          await waitForJob(client, jobId, { jobType: "masterStandbySwapJob", timeoutMs: 600_000 });
        } catch {
          failures++;
        }
      }),
    );
  } finally {
    clearInterval(sampler);
    await client.close();
  }
  const arrivals = await emu.stop();
  const wallS = (Date.now() - t0) / 1000;
  const peakRate = maxInWindow(grants, 1000);
  const MiB = 1024 * 1024;
  return {
    jobs: n,
    capPerSecond,
    wallS,
    peakRssMiB: peakRss / MiB,
    peakHeapMiB: peakHeap / MiB,
    rssGrowthMiB: (peakRss - base.rss) / MiB,
    socketsOpened: httpStats().socketsOpened - socketsBefore,
    requests,
    requestsPerJob: requests / n,
    peakRatePerSecond: peakRate,
    peakArrivalsPerSecond: maxInWindow(arrivals, 1000),
    capHeld: peakRate <= capPerSecond + 1,
    failures,
  };
}

if (require.main === module) {
  const [n, cap] = process.argv.slice(2).map(Number);
  scaleBench(n!, cap!).then(
    (row) => process.stdout.write(JSON.stringify(row)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
