/**
 * `npm run bench [-- --quick]`: prints the figures as tables and writes bench/results/<time>.json with the
 * machine and versions. Never pass/fail: these are measurements, not tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { simulate, standardSchedules } from "../provider/waiter/simulate";
import { benchJobs } from "./durations";
import { detectionBench } from "./detection";
import { machineInfo, versionInfo } from "./machine";
import { overheadBench } from "./overhead";
import { judgeProgressRow, progressBench } from "./progress";
import { scaleBenchIsolated, type ScaleRow } from "./scale";
import { fmt, renderTable } from "./table";
import { throttleSection } from "./throttle";

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const perType = quick ? 30 : 200;
  const scaleSizes = quick ? [100] : [100, 1_000];
  const cap = 50;
  const started = new Date();
  const machine = machineInfo();
  const versions = versionInfo();
  console.log(`pulumi-dcs-jobs benchmarks (${quick ? "quick" : "full"}) on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}\n`);

  console.log(`1. Detection delay and reads per job — real waiter + client vs the emulator over loopback, virtual time`);
  console.log(`   ${perType} swaps (3 s .. 3 min) + ${perType} pass-through changes (20 s .. 6 min), log-uniform, same jobs for every strategy\n`);
  const detection = await detectionBench(perType);
  console.log(
    renderTable(
      ["strategy", "knows", "jobs", "mean delay s", "p95 delay s", "reads/job"],
      detection.map((r) => [`${r.strategy}${r.jobType === "all" ? "" : ` · ${r.jobType}`}`, r.jobType === "all" ? r.knowledge : "", r.jobs, fmt(r.delayS.mean, 2), fmt(r.delayS.p95, 2), fmt(r.callsPerJob, 1)]),
    ),
  );
  const anchor = detection.find((r) => r.jobType === "all" && r.strategy.startsWith("terraform"))!;
  const ours = detection.find((r) => r.jobType === "all" && r.strategy === "adaptive (default)")!;
  console.log(
    `\n   default vs anchor: mean delay ${fmt(ours.delayS.mean, 2)} s vs ${fmt(anchor.delayS.mean, 2)} s ` +
      `(${fmt((100 * ours.delayS.mean) / anchor.delayS.mean, 0)}% of the anchor; goal ≤ 50%), reads ${fmt(ours.callsPerJob, 1)} vs ${fmt(anchor.callsPerJob, 1)}`,
  );

  console.log(`\n   Cross-check, pure simulator on the same ${2 * perType} jobs × 5 seeds (no wire):`);
  const simJobs = benchJobs(perType).map((j) => ({ durationMs: j.durationMs, jobType: j.jobType }));
  const sim = standardSchedules().map((schedule) => ({ slice: "all", ...simulate(schedule, simJobs, { seeds: [1, 2, 3, 4, 5] }) }));
  console.log(renderTable(["strategy", "mean delay s", "p95 delay s", "reads/job"], sim.map((r) => [r.schedule, fmt(r.meanDelayMs / 1000, 2), fmt(r.p95DelayMs / 1000, 2), fmt(r.meanCalls, 1)])));

  console.log(`\n2. Scale — N swaps waited on concurrently in one process, one client, cap ${cap} requests/s per endpoint (burst 1)`);
  console.log(`   each size in a fresh process; jobs end before the first read (sped-up emulator), so this is fan-out, not detection`);
  console.log(`   cap held = no 1-second window of the shared limiter's grants holds more than cap + burst; arrivals at the emulator add network and event-loop jitter`);
  const scale: ScaleRow[] = [];
  for (const n of scaleSizes) scale.push(await scaleBenchIsolated(n, cap));
  console.log(
    renderTable(
      ["jobs", "wall s", "peak RSS MiB", "RSS growth MiB", "peak heap MiB", "sockets", "requests/job", "peak grants/s", "peak arrivals/s", "cap held", "failures"],
      scale.map((r) => [r.jobs, fmt(r.wallS, 1), fmt(r.peakRssMiB, 0), fmt(r.rssGrowthMiB, 0), fmt(r.peakHeapMiB, 0), r.socketsOpened, fmt(r.requestsPerJob, 2), r.peakRatePerSecond, r.peakArrivalsPerSecond, r.capHeld ? "yes" : "NO", r.failures]),
    ),
  );

  console.log(`\n3. Overhead — serialized provider size, and a fresh process loading it up to an answered check`);
  const overhead = await overheadBench(quick ? 3 : 10);
  console.log(
    renderTable(
      ["provider", "serialized bytes", "start→check ms (median)", "p95", "process wall ms (median)"],
      overhead.map((r) => [r.provider, r.serializedBytes, fmt(r.loadToCheckMs.p50, 0), fmt(r.loadToCheckMs.p95, 0), fmt(r.processWallMs.p50, 0)]),
    ),
  );

  // ---- 4. reads timed by the service's estimate (issue 12) ----
  console.log(`\n4. Reads timed by the task's progress — the same ${2 * perType} jobs, the default schedule plus ShowBackgroundTaskProgress,`);
  console.log(`   once per quality of the emulator's remain_time; reads = job reads + progress reads (the issue's measure), task-list reads apart`);
  const progress = await progressBench(perType);
  const pAnchor = progress.find((r) => r.jobType === "all" && r.estimate === "-" && r.strategy.startsWith("terraform"))!;
  const pDefault = progress.find((r) => r.jobType === "all" && r.estimate === "-" && r.strategy === "adaptive (default)")!;
  console.log(
    renderTable(
      ["strategy", "remain_time", "jobs", "mean delay s", "p95 delay s", "job reads", "progress reads", "reads/job", "task-list reads", "goal", "met"],
      progress.map((r) => {
        const j = r.jobType === "all" ? judgeProgressRow(r, pAnchor, pDefault) : undefined;
        return [
          `${r.strategy}${r.jobType === "all" ? "" : ` · ${r.jobType}`}`,
          r.estimate,
          r.jobs,
          fmt(r.delayS.mean, 2),
          fmt(r.delayS.p95, 2),
          fmt(r.jobReads, 1),
          fmt(r.progressReads, 1),
          fmt(r.readsPerJob, 1),
          fmt(r.taskListReads, 1),
          j?.goal ?? "",
          j ? (j.goal === "(none set)" ? "" : j.met ? "yes" : "NO") : "",
        ];
      }),
    ),
  );

  // ---- 5. the gateway's per-key throttle shared by many processes (issue 13) ----
  const throttle = await throttleSection(quick);

  const dir = path.join(__dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`);
  fs.writeFileSync(file, JSON.stringify({ started: started.toISOString(), quick, machine, versions, detection, simulator: sim, scale, overhead, progress, throttle }, null, 2));
  console.log(`\nResults: ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
