/**
 * The engine driver: a child process of the runner that holds one trial's stack and runs its engine
 * commands (Automation API, inline program). The runner keeps the emulator, the kill watcher and the checks.
 *
 * Why a process of its own: a user's `pulumi up` takes its program down with it when it is killed. Here the
 * program runs inline in the process that called `up`, and it survives the CLI: its resource registrations
 * hang on the dead engine, and the SDK's process-wide parts (uncaught-error handlers, gRPC channels) later
 * leak into the next `up` of that process ("One or more errors occurred: 14 UNAVAILABLE: No connection
 * established" failed `up`s that nothing had killed). So the runner kills the driver together with the
 * CLI's tree, and the next command gets a fresh driver, as the next `pulumi up` gets a fresh process.
 *
 * Protocol (process.send): the runner sends `open` once, then commands; the driver streams `chunk`s of the
 * engine's output and answers each command with `done`.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type { UpResult } from "@pulumi/pulumi/automation";
import { openStack, type ConfigInput, type EngineStack } from "../lib/engine";
import { INSTANCES, type TrialPlan, type Wanted } from "./plan";

export interface OpenRequest {
  type: "open";
  workDir: string;
  stackName: string;
  /** Only for the trial's first driver: later ones find the config in the stack's file. */
  config?: Record<string, ConfigInput>;
  env: Record<string, string>;
  control?: TrialPlan["control"];
}

export interface CommandRequest {
  type: "command";
  id: number;
  cmd: "up" | "refresh" | "preview" | "cancel" | "export" | "dispose";
  want: Wanted;
}

export type DriverRequest = OpenRequest | CommandRequest;

export type DriverMessage =
  | { type: "opened" }
  | { type: "open-failed"; error: string }
  | { type: "chunk"; id: number; text: string }
  | {
      type: "done";
      id: number;
      ok: boolean;
      /** The error, for a failed command. */
      error?: string;
      /** up: stack outputs (values only) and the resource changes; preview: the planned changes. */
      outputs?: Record<string, unknown>;
      changes?: Record<string, number>;
      /** export: the state file as stored. */
      state?: string;
      /** up: what the program saw of its engine connection, once per run. */
      programRuns?: string[];
    };

export const WAIT_TIMEOUT = "90s";

function send(m: DriverMessage): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  let stack: EngineStack | undefined;
  let want: Wanted = { triggers: "", enabled: false };
  let control: TrialPlan["control"];
  const runs: string[] = [];

  const programFor = (workDir: string) => {
    // The package as a user's program loads it: natively, from the stack folder (linked to the run's copy).
    const load = createRequire(path.join(workDir, "program.js"));
    const { ClientIpPassThrough, DcsJob, MasterStandbySwap } = load("pulumi-dcs-jobs") as typeof import("../../provider");
    const sdk = load("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    return async () => {
      runs.push(`stack ${sdk.getStack()}, monitor ${sdk.runtime.hasMonitor()}, dry run ${sdk.runtime.isDryRun()}`);
      const swap = new MasterStandbySwap("swap", {
        instanceId: INSTANCES.swap,
        triggers: [want.triggers],
        waitTimeout: WAIT_TIMEOUT,
        ...(control?.swapAdoptWithin !== undefined ? { adoptWithin: control.swapAdoptWithin } : {}),
      });
      const pt = new ClientIpPassThrough("pass-through", { instanceId: INSTANCES.passThrough, enabled: want.enabled, waitTimeout: WAIT_TIMEOUT }, { dependsOn: [swap] });
      const job = new DcsJob("swap-job", { jobId: swap.jobId, instanceId: INSTANCES.swap, waitTimeout: WAIT_TIMEOUT });
      return {
        swapJobId: swap.jobId,
        swapStatus: swap.status,
        swapBegin: swap.beginTime,
        swapEnd: swap.endTime,
        masterNode: swap.masterNode,
        passThroughEnabled: pt.enabled,
        passThroughJobId: pt.jobId,
        passThroughStatus: pt.status,
        jobJobId: job.jobId,
        jobStatus: job.status,
      };
    };
  };

  // The runner gone (killed, or crashed): nothing is left to report to.
  process.on("disconnect", () => process.exit(0));
  process.on("message", (raw: unknown) => {
    const m = raw as DriverRequest;
    if (m.type === "open") {
      control = m.control;
      openStack({ stackName: m.stackName, projectName: "chaos", workDir: m.workDir, program: programFor(m.workDir), ...(m.config ? { config: m.config } : {}), env: m.env }).then(
        (s) => {
          stack = s;
          send({ type: "opened" });
        },
        (err: unknown) => send({ type: "open-failed", error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
      return;
    }
    void command(m);
  });

  async function command(m: CommandRequest): Promise<void> {
    const s = stack!;
    want = m.want;
    const io = { onOutput: (text: string) => send({ type: "chunk", id: m.id, text }), onError: (text: string) => send({ type: "chunk", id: m.id, text }) };
    const before = runs.length;
    try {
      switch (m.cmd) {
        case "up": {
          const r: UpResult = await s.stack.up(io);
          const outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
          send({ type: "done", id: m.id, ok: true, outputs, changes: (r.summary.resourceChanges ?? {}) as Record<string, number>, programRuns: runs.slice(before) });
          return;
        }
        case "refresh":
          await s.stack.refresh(io);
          break;
        case "preview": {
          const r = await s.stack.preview(io);
          send({ type: "done", id: m.id, ok: true, changes: (r.changeSummary ?? {}) as Record<string, number> });
          return;
        }
        case "cancel":
          await s.stack.cancel();
          break;
        case "export":
          send({ type: "done", id: m.id, ok: true, state: await s.exportState() });
          return;
        case "dispose":
          await s.dispose();
          break;
      }
      send({ type: "done", id: m.id, ok: true });
    } catch (err) {
      send({ type: "done", id: m.id, ok: false, error: String(err), programRuns: runs.slice(before) });
    }
  }
}

if (require.main === module) void main();
