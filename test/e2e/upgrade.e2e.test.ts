/**
 * Upgrading from 0.1.0: a stack that 0.1.0 deployed (test/fixtures/state-0.1.0, made by the real engine from commit
 * 2aac178, see its README) is imported on a fresh machine and run with this checkout's package. The three
 * resources that finished must show no diff and start nothing; the swap whose 0.1.0 create ended in a partial
 * failure (wait timed out, job still RUNNING, `initErrors` in state) must be resumed: its job waited on, not a
 * new swap started.
 *
 * The state's `__provider` texts are 0.1.0's: they `require("pulumi-dcs-jobs/runtime")` at call time, which
 * resolves to this checkout's dist/ from the work dir, exactly as for a user who upgraded the package.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation";
import { DcsClient } from "../../provider/client";
import { tickAtWallSpeed, type Emulator } from "./helpers";
import { manualClock, startEmulator, type ManualClock } from "../../provider/emulator";
import { makeWorkDir, openStack, type EngineStack } from "../../scripts/lib/engine";

// The emulator makes job IDs as "ff808081" + randomBytes(12). A fresh emulator does not know the job the fixture's
// pending swap references; to let it run that very job again (same ID, same instance), the next 12-byte draw can
// be pinned. Only the emulator (loaded through vitest) sees this; the engine and the provider host do not.
const pinned = vi.hoisted(() => ({ jobIds: [] as string[] }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  const randomBytes = ((size: number, ...rest: unknown[]) => {
    const next = size === 12 && rest.length === 0 ? pinned.jobIds.shift() : undefined;
    if (next !== undefined) return Buffer.from(next.slice("ff808081".length), "hex");
    return (actual.randomBytes as (...a: unknown[]) => Buffer)(size, ...rest);
  }) as typeof actual.randomBytes;
  return { ...actual, default: { ...actual, randomBytes }, randomBytes };
});

const nodeRequire = createRequire(path.join(__dirname, "..", "..", "package.json"));
const { ClientIpPassThrough, DcsJob, MasterStandbySwap } = nodeRequire("pulumi-dcs-jobs") as typeof import("../../provider");

const FIXTURE_DIR = path.join(__dirname, "..", "fixtures", "state-0.1.0");
interface FixtureMeta {
  madeFrom: { commit: string; version: string };
  project: string;
  stack: string;
  passphrase: string;
  instances: { ha: string; ha2: string };
  resources: Record<"swap" | "passThrough" | "swapJob" | "swapPending", { instanceId?: string; jobId: string; status: string; id: string }>;
}
const meta = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "fixture.json"), "utf8")) as FixtureMeta;
const deployment = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "deployment.json"), "utf8"));
const HA = meta.instances.ha;
const HA2 = meta.instances.ha2;
const PENDING = meta.resources.swapPending;

/** The program 0.1.0 deployed, unchanged: same names, same inputs. */
const program: PulumiFn = async () => {
  const swap = new MasterStandbySwap("swap", { instanceId: HA, triggers: ["v0.1.0"], waitTimeout: "2m" });
  const pass = new ClientIpPassThrough("pass-through", { instanceId: HA2, enabled: true, restoreOnDelete: true, waitTimeout: "2m" });
  new DcsJob("swap-job", { jobId: swap.jobId, instanceId: HA, waitTimeout: "2m" });
  new MasterStandbySwap("swap-pending", { instanceId: HA2, triggers: ["v0.1.0-pending"], waitTimeout: "5s" }, { dependsOn: [pass] });
};

let emulator: Emulator;
let clock: ManualClock;
let client: DcsClient;
let engine: EngineStack | undefined;
let workDir: string | undefined;
let stopTicking: (() => void) | undefined;

/** Lets emulated time run at wall-clock speed until the returned function is called. */
const tick = (): (() => void) => tickAtWallSpeed(clock);

/** The op the engine planned or ran per resource name (from its step events), plus every event. */
function opsRecorder() {
  const ops: Record<string, string> = {};
  return {
    ops,
    onEvent: (e: EngineEvent) => {
      const m = e.resourcePreEvent?.metadata;
      if (m) ops[m.urn.split("::").pop()!] = m.op;
    },
  };
}

function stateResource(state: { checkpoint: { latest: { resources: Array<{ urn: string }> } } }, name: string) {
  return state.checkpoint.latest.resources.find((r) => r.urn.endsWith(`::${name}`)) as
    | { id: string; outputs: Record<string, unknown>; inputs: Record<string, unknown>; initErrors?: string[] }
    | undefined;
}

vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  // A manual clock: the seeded job stays RUNNING while nothing runs, and time flows (tick) during `up`.
  clock = manualClock();
  emulator = await startEmulator({ clock, jobInitMs: 0, jobDurations: { masterStandbySwapJob: 3_000, modifyClientIpTransJob: 2_000 } });
  client = new DcsClient({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey },
  });
});
afterAll(async () => {
  stopTicking?.();
  if (engine) {
    for (const pid of engine.cliPids()) process.kill(pid, "SIGKILL");
    // No destroy: restoreOnDelete would start a pass-through job; the test is about up, not delete.
    await engine.dispose();
  }
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  await client?.close();
  await emulator?.stop();
});

describe("state written by 0.1.0", () => {
  it("is the fixture this test expects (three finished resources, one pending swap)", () => {
    expect(meta.madeFrom.version).toBe("0.1.0");
    const byName = (n: string) => deployment.deployment.resources.find((r: { urn: string }) => r.urn.endsWith(`::${n}`));
    for (const n of ["swap", "pass-through", "swap-job"]) {
      expect(byName(n).outputs.status).toBe("SUCCESS");
      expect(byName(n).initErrors).toBeUndefined();
    }
    const pending = byName("swap-pending");
    expect(["INIT", "RUNNING"]).toContain(pending.outputs.status);
    expect(pending.outputs.jobId).toBe(PENDING.jobId);
    expect(pending.initErrors?.length).toBeGreaterThan(0);
    // The test's program has the inputs 0.1.0 deployed.
    const inputs = (n: string) => {
      const { __provider: _p, ...rest } = byName(n).inputs;
      return rest;
    };
    expect(inputs("swap")).toEqual({ instanceId: HA, triggers: ["v0.1.0"], waitTimeout: "2m" });
    expect(inputs("pass-through")).toEqual({ instanceId: HA2, enabled: true, restoreOnDelete: true, waitTimeout: "2m" });
    expect(inputs("swap-job")).toEqual({ jobId: meta.resources.swap.jobId, instanceId: HA, waitTimeout: "2m" });
    expect(inputs("swap-pending")).toEqual({ instanceId: HA2, triggers: ["v0.1.0-pending"], waitTimeout: "5s" });
    // Secrets are ciphertext only.
    const text = JSON.stringify(deployment);
    expect(text).not.toContain(emulator.secretKey);
    expect(text).not.toContain(emulator.accessKey);
  });

  it("imports, previews and ups with no diff and no new job for finished resources, and resumes the pending swap", async () => {
    // A fresh machine: a new work dir and file backend, the fixture's stack config (encryption salt) and passphrase.
    workDir = makeWorkDir("upgrade");
    fs.copyFileSync(path.join(FIXTURE_DIR, `Pulumi.${meta.stack}.yaml`), path.join(workDir, `Pulumi.${meta.stack}.yaml`));
    engine = await openStack({
      stackName: meta.stack,
      projectName: meta.project,
      workDir,
      program,
      env: { PULUMI_CONFIG_PASSPHRASE: meta.passphrase, HW_DCS_ENDPOINT: emulator.url },
    });
    await engine.stack.importStack(deployment);
    const config = await engine.stack.getAllConfig();
    expect(config["dcs:accessKey"]).toEqual({ value: emulator.accessKey, secret: true });
    expect(config["dcs:secretKey"]).toEqual({ value: emulator.secretKey, secret: true });

    // The cloud still has the pending swap's job, running: the emulator runs one with the same ID on the same
    // instance. The finished resources' jobs are NOT there (jobs expire; a plain `up` must not need them).
    pinned.jobIds.push(PENDING.jobId);
    const seeded = await client.swapMasterStandby(HA2);
    expect(seeded.jobId, "the emulator no longer makes job IDs from randomBytes(12): re-do this seeding").toBe(PENDING.jobId);
    expect((await client.showJob(PENDING.jobId)).status).toBe("RUNNING");
    const seededCalls = emulator.stats().startCalls.length;
    const startCallsSinceSeed = () => emulator.stats().startCalls.slice(seededCalls);

    const output: string[] = [];
    const pre = opsRecorder();
    const preview = await engine.stack.preview({ onOutput: (o) => output.push(o), onEvent: pre.onEvent });
    expect(preview.changeSummary).toBeDefined();
    expect(pre.ops).toMatchObject({ swap: "same", "pass-through": "same", "swap-job": "same" });
    for (const [name, op] of Object.entries(pre.ops)) if (name !== "swap-pending") expect(op, `preview: ${name}`).toBe("same");
    // The pending swap has work left (its wait), never a new create or a replacement.
    expect(["update", "same"]).toContain(pre.ops["swap-pending"]);
    expect(startCallsSinceSeed()).toEqual([]);
    expect((await client.showJob(PENDING.jobId)).status).toBe("RUNNING");

    stopTicking = tick();
    const upOps = opsRecorder();
    const up = await engine.stack.up({ onOutput: (o) => output.push(o), onEvent: upOps.onEvent });
    for (const [name, op] of Object.entries(upOps.ops)) if (name !== "swap-pending") expect(op, `up: ${name}`).toBe("same");
    expect(upOps.ops).toMatchObject({ swap: "same", "pass-through": "same", "swap-job": "same" });
    expect(["update", "same"]).toContain(upOps.ops["swap-pending"]);
    expect(up.summary.result).toBe("succeeded");
    // Not one operation started: no swap on either instance, no pass-through change.
    expect(startCallsSinceSeed()).toEqual([]);

    const state = JSON.parse(await engine.exportState());
    const pending = stateResource(state, "swap-pending")!;
    expect(pending.outputs.jobId).toBe(PENDING.jobId);
    expect(pending.outputs.status).toBe("SUCCESS");
    expect(pending.id).toBe(PENDING.id);
    expect(pending.initErrors ?? []).toEqual([]);
    expect((await client.showJob(PENDING.jobId)).status).toBe("SUCCESS");
    // The finished ones keep their recorded result.
    expect(stateResource(state, "swap")!.outputs).toMatchObject({ jobId: meta.resources.swap.jobId, status: "SUCCESS" });
    expect(stateResource(state, "swap-job")!.outputs).toMatchObject({ jobId: meta.resources.swapJob.jobId, status: "SUCCESS" });
    expect(stateResource(state, "pass-through")!.outputs).toMatchObject({ enabled: true, initialEnabled: false, restoreOnDelete: true });
    expect(JSON.stringify(state)).not.toContain(emulator.secretKey);

    // And from then on it is a settled stack: another up changes nothing and starts nothing.
    const againOps = opsRecorder();
    await engine.stack.up({ onOutput: (o) => output.push(o), onEvent: againOps.onEvent });
    for (const [name, op] of Object.entries(againOps.ops)) expect(op, `second up: ${name}`).toBe("same");
    expect(Object.keys(againOps.ops)).toEqual(expect.arrayContaining(["swap", "pass-through", "swap-job", "swap-pending"]));
    expect(startCallsSinceSeed()).toEqual([]);
  });
});
