/**
 * The plugin's `Provider` (provider/plugin/provider.ts) over the real runtime, against the emulator on
 * 127.0.0.1: dispatch by URN, provider config, secrets in and out, and the runtime's PartialFailure as the
 * provider server's init error. The emulator runs on a manual clock that the waiter advances.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { EMULATOR_INSTANCE_IDS as IDS, manualClock, startEmulator, type ManualClock, type RunningEmulator } from "../provider/emulator";
import { createPluginProvider, InitFailure, providerConfig, type PluginProvider } from "../provider/plugin/provider";
import * as rt from "../provider/resources/runtime";

let emu: RunningEmulator;
let clock: ManualClock;
let provider: PluginProvider;
let lines: string[];

const urn = (type: string, name = "r") => `urn:pulumi:dev::proj::dcsjobs:index:${type}::${name}`;
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
const starts = () => emu.stats().startCalls;

beforeEach(async () => {
  clock = manualClock(Date.now());
  emu = await startEmulator({ clock });
  lines = [];
  rt.resetRuntime();
  rt.setRuntimeOverrides({
    env: {},
    log: (l) => lines.push(l),
    wait: {
      clock: {
        now: () => clock.now(),
        sleep: async (ms) => {
          clock.advance(Math.max(0, Math.round(ms)));
          await new Promise((r) => setImmediate(r));
        },
      },
      firstDelayMs: 500,
      maxIntervalMs: 1_000,
    },
    now: () => clock.now(),
    settlePauseMs: 5,
  });
  provider = createPluginProvider({ version: "0.1.0", schema: () => "{}", runtime: rt });
  // As the engine sends it: `dcsjobs:config:<key>` variables.
  await provider.configure(
    providerConfig(
      Object.entries({ endpoint: emu.url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey }).map(([k, v]) => [`dcsjobs:config:${k}`, v] as [string, string]),
      undefined,
    ),
  );
});
afterEach(async () => {
  rt.resetRuntime();
  await emu.stop();
});

describe("the plugin provider over the runtime", () => {
  it("creates a swap by its token, a second diff shows no change, read and delete start nothing", async () => {
    const inputs = { instanceId: IDS.ha, triggers: ["a"] };
    expect((await provider.check!(urn("MasterStandbySwap"), {}, inputs)).failures).toBeUndefined();
    const created = await provider.create!(urn("MasterStandbySwap"), inputs);
    expect(starts()).toHaveLength(1);
    expect(created.id).toBe(`${IDS.ha}:${starts()[0]!.jobId}`);
    expect(created.outs).toMatchObject({ instanceId: IDS.ha, jobId: starts()[0]!.jobId, status: "SUCCESS", ended: { outcome: "SUCCESS" } });
    expect(await provider.diff!(created.id, urn("MasterStandbySwap"), created.outs, inputs)).toEqual({ changes: false });
    const read = await provider.read!(created.id, urn("MasterStandbySwap"), created.outs);
    expect(read.props).toMatchObject({ jobId: starts()[0]!.jobId, masterNode: "emu-redis-ha-node-2" });
    await provider.delete!(created.id, urn("MasterStandbySwap"), created.outs);
    expect(starts()).toHaveLength(1);
  });

  it("keeps a secret input secret in the checked inputs and the outputs (the engine trusts the provider here)", async () => {
    const inputs = { instanceId: IDS.ha, enabled: true, waitTimeout: secret("5m") };
    const checked = await provider.check!(urn("ClientIpPassThrough"), {}, inputs);
    expect(checked.inputs).toEqual(inputs);
    const { id, outs } = await provider.create!(urn("ClientIpPassThrough"), inputs);
    expect(outs.waitTimeout).toEqual(secret("5m"));
    expect(outs.enabled).toBe(true);
    // Old outputs come back wrapped; the runtime compares plain values.
    expect(await provider.diff!(id, urn("ClientIpPassThrough"), outs, { instanceId: IDS.ha, enabled: true, waitTimeout: secret("5m") })).toEqual({ changes: false });
    const { outs: updated } = await provider.update!(id, urn("ClientIpPassThrough"), outs, { instanceId: IDS.ha, enabled: true, waitTimeout: secret("6m") });
    expect(updated.waitTimeout).toEqual(secret("6m"));
  });

  it("check failures and errors name the plugin's config keys", async () => {
    const checked = await provider.check!(urn("MasterStandbySwap"), {}, { instanceId: IDS.ha, secretKey: "x" });
    expect(checked.failures?.[0]).toMatchObject({ property: "secretKey", reason: expect.stringContaining("dcsjobs:accessKey") });
    expect(checked.failures?.[0]?.reason).not.toMatch(/\bdcs:accessKey/);
    await provider.configure(new Map());
    const err = (await provider.create!(urn("DcsJob"), { jobId: "ff8080818822bbf70188235afc24141a" }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/No DCS credentials found/);
    expect(err.message).toContain("dcsjobs:accessKey");
    expect(err.message).not.toMatch(/\bdcs:accessKey/);
  });

  it("refuses a type it does not have", async () => {
    await expect(provider.create!("urn:pulumi:dev::proj::dcsjobs:index:Nope::x", {})).rejects.toThrow(/unknown resource type dcsjobs:index:Nope/);
  });

  it("a timed-out wait rejects as an init failure with the record (secrets wrapped); the next update resumes it", async () => {
    const inputs = { instanceId: IDS.ha, triggers: secret(["t"]), waitTimeout: "2s" };
    const err = (await provider.create!(urn("MasterStandbySwap"), inputs).catch((e: unknown) => e)) as InitFailure;
    expect(err).toBeInstanceOf(InitFailure);
    const jobId = starts()[0]!.jobId;
    // Exactly the fields the provider server's grpcResponseFromError packs into ErrorResourceInitFailed.
    expect(err.id).toBe(`${IDS.ha}:${jobId}`);
    expect(err.properties).toMatchObject({ instanceId: IDS.ha, jobId, pending: { origin: "started", jobId }, triggers: secret(["t"]) });
    expect(err.properties).not.toHaveProperty("__provider");
    expect(err.reasons[0]).toMatch(/next `pulumi up` resumes/);
    expect(err.message).toContain(jobId);

    // The next `up`: a pending job is a change, and update (the engine's answer to an init error) resumes it.
    const news = { instanceId: IDS.ha, triggers: secret(["t"]), waitTimeout: "10m" };
    expect(await provider.diff!(err.id, urn("MasterStandbySwap"), err.properties, news)).toEqual({ changes: true });
    const { outs } = await provider.update!(err.id, urn("MasterStandbySwap"), err.properties, news);
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ jobId, status: "SUCCESS", triggers: secret(["t"]) });
    expect(outs).not.toHaveProperty("pending");
  });
});
