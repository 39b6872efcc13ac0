/**
 * `npm run demo`: deploys the root Pulumi.yaml stack (examples/demo/index.ts) on the real Pulumi engine against
 * the embedded DCS emulator, prints what each DCS job did, runs `up` again to show that nothing is re-triggered,
 * then destroys the stack and stops the emulator — also when a step fails or on Ctrl-C.
 */
import * as path from "node:path";
import * as fs from "node:fs";
import { startEmulator } from "pulumi-dcs-jobs/emulator";
import { dcsStackConfig, openStack, repoRoot, type EngineStack } from "../../scripts/lib/engine";
import program = require("./index");

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`==> ${s}`)}`);

/** Indents the engine's output; chunks split lines anywhere, so remember whether we are at a line start. */
function prefixed(prefix: string): (chunk: string) => void {
  let atLineStart = true;
  return (chunk) => {
    let text = "";
    for (const ch of chunk) {
      if (atLineStart && ch !== "\n") text += prefix;
      text += ch;
      atLineStart = ch === "\n";
    }
    process.stdout.write(text);
  };
}

function startCalls(emulator: Emulator): number {
  return emulator.stats().startCalls.length;
}

function printJob(title: string, job: Record<string, unknown> | undefined): void {
  if (!job) return;
  const rows: [string, unknown][] = [
    ["job ID", job.jobId ?? "(none: nothing to do)"],
    ["type", job.jobType],
    ["status", job.status],
    ["began", job.beginTime],
    ["ended", job.endTime],
    ["duration", job.durationMs === undefined || job.durationMs === null ? undefined : `${(Number(job.durationMs) / 1000).toFixed(1)} s`],
    ["fail reason", job.failReason ?? "none"],
  ];
  if (job.masterNode) rows.push(["master after", job.masterNode]);
  if (job.enabled !== undefined) rows.push(["pass-through", job.enabled ? "on" : "off"]);
  console.log(`  ${bold(title)}`);
  for (const [k, v] of rows) if (v !== undefined && v !== "") console.log(`    ${k.padEnd(13)} ${String(v)}`);
}

async function main(): Promise<number> {
  let emulator: Emulator | undefined;
  let engine: EngineStack | undefined;
  let interrupted = false;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig} received: stopping the deployment, then cleaning up (press again to leave at once)`);
    abort.abort();
    process.once(sig, () => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    // Durations near the low end of real jobs: a swap takes seconds, a pass-through change tens of seconds.
    step("Starting the DCS emulator (loopback only; jobs run in real time: swap 6 s, pass-through 24 s)");
    emulator = await startEmulator({
      logLevel: "silent",
      jobDurations: { masterStandbySwapJob: 6_000, modifyClientIpTransJob: 24_000 },
    });
    const ha = emulator.instances.find((i) => i.cache_mode === "ha");
    if (!ha) throw new Error("the emulator seeded no master/standby instance");
    console.log(`  ${emulator.url}  (project ${emulator.projectId}; instance ${ha.instance_id}, ${ha.cache_mode})`);

    step("Opening the demo stack (local file backend, credentials as encrypted stack config)");
    const stateDir = path.join(repoRoot, ".pulumi-state");
    engine = await openStack({
      stackName: "demo",
      workDir: repoRoot,
      stateDir,
      program: program as () => Promise<Record<string, unknown>>,
      config: { ...dcsStackConfig(emulator), "dcs-jobs-demo:haInstanceId": ha.instance_id },
    });
    const out = prefixed("  | ");

    step("pulumi up: starts the swap, blocks until its job ends, then the pass-through change");
    const first = await engine.stack.up({ onOutput: out, signal: abort.signal });
    const outputs = Object.fromEntries(Object.entries(first.outputs).map(([k, v]) => [k, v.value]));
    step("What the DCS jobs did");
    printJob("Master/standby swap", outputs.swap);
    printJob("Client-IP pass-through", outputs.passThrough);
    const callsAfterFirst = startCalls(emulator);
    console.log(`  emulator: ${callsAfterFirst} operation start call(s) so far`);

    step("pulumi up again: nothing changed, so nothing may start");
    const second = await engine.stack.up({ onOutput: out, signal: abort.signal });
    const changes = second.summary.resourceChanges ?? {};
    const changed = Object.entries(changes).filter(([k, n]) => k !== "same" && (n ?? 0) > 0);
    const callsAfterSecond = startCalls(emulator);
    console.log(
      `  changes: ${changed.length ? JSON.stringify(Object.fromEntries(changed)) : "none"}; ` +
        `start calls: ${callsAfterFirst} -> ${callsAfterSecond} ${callsAfterSecond === callsAfterFirst ? "(no job re-triggered)" : "(UNEXPECTED)"}`,
    );
    return changed.length === 0 && callsAfterSecond === callsAfterFirst ? 0 : 1;
  } catch (error) {
    if (interrupted) {
      console.error("Interrupted.");
      return 130;
    }
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (engine) {
      step("Tearing down: pulumi destroy (deleting a swap starts nothing), remove the stack");
      try {
        await engine.stack.destroy({ onOutput: prefixed("  | ") });
      } catch (e) {
        console.error(`  destroy failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      }
      await engine.dispose();
      fs.rmSync(path.join(repoRoot, "Pulumi.demo.yaml"), { force: true });
    }
    if (emulator) {
      await emulator.stop();
      console.log("  emulator stopped");
    }
  }
}

main().then((code) => process.exit(code));
