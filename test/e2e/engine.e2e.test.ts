/**
 * The real Pulumi engine (CLI built from Go modules, file backend) deploying programs that use this package's
 * dynamic resources against the emulator. The dynamic-provider host runs the serialized provider in its own
 * process, exactly as in a user's `pulumi up`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRequire } from "node:module";
import * as path from "node:path";
import { DcsClient } from "../../provider/client";
import { waitForJob } from "../../provider/waiter";
import { startEmulator } from "../../provider/emulator";
import { haInstance, outputValue, stackPool, until, type Emulator } from "./helpers";

// The package as a user's program loads it: natively from dist/, never through vitest's transform, so the
// provider code the engine serializes is exactly what ships.
const nodeRequire = createRequire(path.join(__dirname, "..", "..", "package.json"));
const { ClientIpPassThrough, MasterStandbySwap } = nodeRequire("pulumi-dcs-jobs") as typeof import("../../provider");

let emulator: Emulator;
let client: DcsClient;
const pool = stackPool(() => emulator);

beforeAll(async () => {
  emulator = await startEmulator({ jobDurations: { masterStandbySwapJob: 2_000, modifyClientIpTransJob: 2_000 } });
  client = new DcsClient({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    region: "ap-southeast-1",
    credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey },
  });
});
afterEach(async () => {
  await pool.cleanupAll();
  emulator.reset();
});
afterAll(async () => {
  await client?.close();
  await emulator?.stop();
});

const stackWith = pool.open;

const swapProgram = (instanceId: string, trigger: string) => async () => {
  const swap = new MasterStandbySwap("swap", { instanceId, triggers: [trigger], waitTimeout: "2m" });
  return { jobId: swap.jobId, jobType: swap.jobType, status: swap.status, beginTime: swap.beginTime, endTime: swap.endTime, durationMs: swap.durationMs, failReason: swap.failReason };
};

const value = outputValue;

// Each test drives one or more full `pulumi up` runs: seconds of engine start-up each on two cores.
vi.setConfig({ testTimeout: 180_000 });

describe("pulumi up with MasterStandbySwap", () => {
  it("starts one swap, blocks until the job ends, and a second up with no change starts nothing", async () => {
    const id = haInstance(emulator);
    const s = await stackWith("swap", swapProgram(id, "a"));
    const up = await s.stack.up({ onOutput: (o) => s.output.push(o) });

    expect(emulator.stats().startCalls).toHaveLength(1);
    const jobId = value(up.outputs, "jobId") as string;
    const job = await client.showJob(jobId);
    expect(job.status).toBe("SUCCESS");
    expect(value(up.outputs, "status")).toBe("SUCCESS");
    expect(value(up.outputs, "jobType")).toBe("masterStandbySwapJob");
    expect(value(up.outputs, "endTime")).toBe(job.endTime!.toISOString());
    expect(value(up.outputs, "beginTime")).toBe(job.beginTime!.toISOString());
    expect(value(up.outputs, "durationMs")).toBe(job.durationMs);

    const again = await s.stack.up({ onOutput: (o) => s.output.push(o) });
    expect(again.summary.resourceChanges).toEqual({ same: 2 });
    expect(emulator.stats().startCalls).toHaveLength(1);
  });

  it("changing triggers starts exactly one new job", async () => {
    const id = haInstance(emulator);
    const s = await stackWith("triggers", swapProgram(id, "first"));
    const first = await s.stack.up();
    expect(emulator.stats().startCalls).toHaveLength(1);

    s.stack.workspace.program = swapProgram(id, "second");
    const second = await s.stack.up();
    expect(emulator.stats().startCalls).toHaveLength(2);
    expect(value(second.outputs, "jobId")).not.toBe(value(first.outputs, "jobId"));
    expect(value(second.outputs, "status")).toBe("SUCCESS");
  });

  it("a job that ends in FAIL fails up with its fail_reason", async () => {
    const id = haInstance(emulator);
    emulator.inject({ kind: "job-fails", route: "swap", failReason: "standby node not in sync (e2e)" });
    const s = await stackWith("fail", swapProgram(id, "a"));
    const err = await s.stack.up({ onOutput: (o) => s.output.push(o) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeDefined();
    const printed = s.output.join("") + String(err);
    expect(printed).toContain("standby node not in sync (e2e)");
    expect(printed).toContain(id);
  });

  it("an up interrupted while the job runs is completed by the next up adopting that job, not a second swap", async () => {
    const id = haInstance(emulator);
    emulator.setJobDuration("masterStandbySwapJob", 15_000);
    try {
      const s = await stackWith("interrupt", swapProgram(id, "a"));
      const first = s.stack.up({ onOutput: (o) => s.output.push(o) }).then(
        () => "completed",
        () => "interrupted",
      );
      await until("the swap to start", () => emulator.stats().startCalls.length === 1);
      // Ctrl-C twice: the CLI terminates at once, and the dynamic-provider host with it.
      for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
      await new Promise((r) => setTimeout(r, 300));
      for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
      expect(await first).toBe("interrupted");
      const startedJob = emulator.stats().startCalls[0]!.jobId;
      expect((await client.showJob(startedJob)).status).not.toBe("SUCCESS");

      const second = await s.stack.up({ onOutput: (o) => s.output.push(o) });
      expect(value(second.outputs, "jobId")).toBe(startedJob);
      expect(value(second.outputs, "status")).toBe("SUCCESS");
      expect(emulator.stats().startCalls).toHaveLength(1);
    } finally {
      emulator.setJobDuration("masterStandbySwapJob", 2_000);
    }
  });
});

describe("ClientIpPassThrough through the engine", () => {
  it("refresh detects a value changed behind the stack's back", async () => {
    const id = haInstance(emulator);
    const s = await stackWith("drift", async () => {
      const p = new ClientIpPassThrough("pass-through", { instanceId: id, enabled: true });
      return { enabled: p.enabled };
    });
    const up = await s.stack.up();
    expect(value(up.outputs, "enabled")).toBe(true);

    const started = await client.setClientIpPassThrough(id, false);
    await waitForJob(client, started.jobId, { timeoutMs: 30_000, firstDelayMs: 500, maxIntervalMs: 1_000 });

    const refresh = await s.stack.refresh({ onOutput: (o) => s.output.push(o) });
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    const state = JSON.parse(await s.exportState());
    const res = state.checkpoint.latest.resources.find((r: { type: string }) => r.type.includes("ClientIpPassThrough"));
    expect(res.outputs.enabled).toBe(false);
  });
});

describe("secrets", () => {
  it("neither the state nor the engine's output holds the secret key in plain text", async () => {
    const id = haInstance(emulator);
    const s = await stackWith("secrets", swapProgram(id, "a"));
    await s.stack.up({ onOutput: (o) => s.output.push(o) });
    const state = await s.exportState();
    // The file is real: the swap's job and the serialized provider are in it, the credentials only encrypted.
    expect(state).toContain("masterStandbySwapJob");
    expect(state).toContain("__provider");
    expect(state).toContain("ciphertext");
    expect(state).not.toContain(emulator.secretKey);
    expect(state).not.toContain(emulator.accessKey);
    expect(s.output.join("")).not.toContain(emulator.secretKey);
    // What the Automation API's export shows with --show-secrets proves the secret went in as a secret, not
    // that it stayed out: the serialized provider itself must not carry it.
    const shown = JSON.stringify(await s.stack.exportStack());
    const provider = JSON.parse(shown).deployment.resources.find((r: { type: string }) => r.type.includes("MasterStandbySwap"));
    expect(provider.inputs.__provider).toContain("pulumi-dcs-jobs/runtime");
    expect(provider.inputs.__provider).not.toContain(emulator.secretKey);
    expect(provider.inputs.__provider).not.toContain(emulator.accessKey);
  });
});
