/**
 * The plugin's `Provider` (provider/plugin/provider.ts) over the real runtime, against the emulator on
 * 127.0.0.1: dispatch by URN, provider config, secrets in and out, and the runtime's PartialFailure as the
 * provider server's init error. The emulator runs on a manual clock that the waiter advances.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { DcsClient } from "../provider/client";
import { EMULATOR_CLUSTER, EMULATOR_INSTANCE_IDS as IDS, emulatorAccountIds, manualClock, startEmulator, type ManualClock, type RunningEmulator } from "../provider/emulator";
import { operation } from "../provider/operations";
import { createPluginProvider, InitFailure, providerConfig, type PluginProvider } from "../provider/plugin/provider";
import * as rt from "../provider/resources/runtime";

let emu: RunningEmulator;
let clock: ManualClock;
let provider: PluginProvider;
let lines: string[];
let side: DcsClient;

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
  side = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
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
  await side.close();
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
    expect(await provider.diff!(created.id!, urn("MasterStandbySwap"), created.outs, inputs)).toEqual({ changes: false });
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
    expect(await provider.diff!(err.id!, urn("MasterStandbySwap"), err.properties, news)).toEqual({ changes: true });
    const { outs } = await provider.update!(err.id, urn("MasterStandbySwap"), err.properties, news);
    expect(starts()).toHaveLength(1);
    expect(outs).toMatchObject({ jobId, status: "SUCCESS", triggers: secret(["t"]) });
    expect(outs).not.toHaveProperty("pending");
  });
});

describe("import: Read with an ID and no properties", () => {
  const GROUP = EMULATOR_CLUSTER.groups[0]!;
  const JOB = "ff8080818822bbf70188235afc24141a";
  /** As the engine's import step calls it: `Read(id)` with empty properties. */
  const importAs = (type: string, id: string) => provider.read!(id, urn(type, "imported"), {});
  const refusal = async (type: string, id: string) => ((await importAs(type, id).then(() => undefined, (e: unknown) => e)) as Error).message;

  it("a swap that ran outside the stack: the job is read into state as ended, adopted, for no triggers; nothing starts", async () => {
    const { jobId } = await side.swapMasterStandby(IDS.ha);
    clock.advance(120_000);
    const before = starts().length;
    const got = await importAs("MasterStandbySwap", `${IDS.ha}:${jobId}`);
    expect(got.id).toBe(`${IDS.ha}:${jobId}`);
    expect(got.inputs).toEqual({ instanceId: IDS.ha });
    expect(got.props).toMatchObject({ instanceId: IDS.ha, jobId, jobType: "masterStandbySwapJob", status: "SUCCESS", adopted: true, ended: { outcome: "SUCCESS", origin: "adopted", jobId, intent: "null" } });
    expect(got.props).not.toHaveProperty("triggers");
    expect(got.props).not.toHaveProperty("pending");
    // The program that declares the same inputs (no triggers) sees no change; the engine's Check accepts the inputs.
    expect((await provider.check!(urn("MasterStandbySwap"), got.inputs, got.inputs)).failures).toBeUndefined();
    expect(await provider.diff!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha })).toEqual({ changes: false });
    // The rule: the import is for no triggers, so declared triggers are a change (one new swap on the next up) ...
    expect(await provider.diff!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha, triggers: ["2026-11"] })).toEqual({ changes: true });
    // ... and a settings-only update after the import starts nothing.
    const { outs } = await provider.update!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha, waitTimeout: "5m" });
    expect(outs).toMatchObject({ jobId, ended: { outcome: "SUCCESS", jobId } });
    expect(starts()).toHaveLength(before);
  });

  it("a job still running is imported as pending: the next up waits for it instead of starting one", async () => {
    const { jobId } = await side.swapMasterStandby(IDS.ha);
    const got = await importAs("MasterStandbySwap", `${IDS.ha}:${jobId}`);
    expect(got.props).toMatchObject({ status: expect.stringMatching(/INIT|RUNNING/), pending: { origin: "adopted", jobId, intent: "null" } });
    expect(await provider.diff!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha })).toEqual({ changes: true });
    const { outs } = await provider.update!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha });
    expect(outs).toMatchObject({ jobId, status: "SUCCESS", ended: { outcome: "SUCCESS", jobId } });
    expect(outs).not.toHaveProperty("pending");
    expect(starts()).toHaveLength(1);
  });

  it("a job that failed is imported as ended in FAIL with its reason: history, so the same (no) triggers start nothing", async () => {
    emu.inject({ kind: "failJob", route: "swap", instanceId: IDS.ha, failReason: "standby replication lag too high", durationMs: 500 });
    const { jobId } = await side.swapMasterStandby(IDS.ha);
    clock.advance(120_000);
    const got = await importAs("MasterStandbySwap", `${IDS.ha}:${jobId}`);
    expect(got.props).toMatchObject({ status: "FAIL", failReason: "standby replication lag too high", ended: { outcome: "FAIL", failReason: "standby replication lag too high", origin: "adopted", jobId } });
    expect(await provider.diff!(got.id!, urn("MasterStandbySwap"), got.props, { instanceId: IDS.ha })).toEqual({ changes: false });
    expect(starts()).toHaveLength(1);
  });

  it("refuses an unknown job, a job of another operation and an ID of the wrong shape, naming the format; reads nothing it should not", async () => {
    expect(await refusal("MasterStandbySwap", `${IDS.ha}:${JOB}`)).toMatch(/DCS does not know job ff80.*404/);
    const { jobId } = await side.setClientIpPassThrough(IDS.ha, true);
    expect(await refusal("MasterStandbySwap", `${IDS.ha}:${jobId}`)).toMatch(/is a modifyClientIpTransJob, not a masterStandbySwapJob/);
    expect(await refusal("MasterStandbySwap", IDS.ha)).toMatch(/The import ID is `<instanceId>:<jobId>`, e\.g\. `8f3c/);
    expect(await refusal("MasterStandbySwap", `not-a-uuid:${JOB}`)).toMatch(/instance ID.*UUID/);
    expect(await refusal("ClusterReplicaSwitchover", `${IDS.cluster}:${GROUP.id}:${JOB}`)).toMatch(/`<instanceId>:<groupId>:<nodeId>:<jobId>`/);
    expect(await refusal("ClusterReplicaSwitchover", `${IDS.cluster}:group-0:${GROUP.replica}:${JOB}`)).toMatch(/groupId must be a UUID/);
    expect(await refusal("InstanceSsl", "8f3c2a6e-4b1d-4c7a-9e2f-000000000000")).toMatch(/the instance does not exist/);
    expect(starts()).toHaveLength(1); // the pass-through job above only
  });

  it("a cluster replica switchover and a DcsOperation: the ID names the target, and the import reads the job", async () => {
    const op = operation("ExecuteClusterSwitchover");
    const sw = await side.startOperation(op, { instance_id: IDS.cluster, group_id: GROUP.id, node_id: GROUP.replica }, undefined);
    const check = await side.startOperation(operation("StartInstanceResizeCheckJob"), { instance_id: IDS.ha }, { new_capacity: 4 });
    clock.advance(120_000);
    const a = await importAs("ClusterReplicaSwitchover", `${IDS.cluster}:${GROUP.id}:${GROUP.replica}:${sw.jobId}`);
    expect(a.id).toBe(`${IDS.cluster}:${sw.jobId}`);
    expect(a.inputs).toEqual({ instanceId: IDS.cluster, groupId: GROUP.id, nodeId: GROUP.replica });
    expect(a.props).toMatchObject({ jobId: sw.jobId, status: "SUCCESS", ended: { outcome: "SUCCESS", origin: "adopted" } });
    expect(await provider.diff!(a.id!, urn("ClusterReplicaSwitchover"), a.props, a.inputs)).toEqual({ changes: false });

    const path = `/v2/{project_id}/instances/${IDS.ha}/resize/check-job`;
    const b = await importAs("DcsOperation", `POST:${path}:${check.jobId}:{"new_capacity":4}`);
    expect(b.id).toBe(`${IDS.ha}:${check.jobId}`);
    expect(b.inputs).toEqual({ method: "POST", path, body: { new_capacity: 4 } });
    expect(await provider.diff!(b.id!, urn("DcsOperation"), b.props, b.inputs)).toEqual({ changes: false });
    // A body the operation's request model refuses is refused before any call.
    expect(await refusal("DcsOperation", `POST:${path}:${check.jobId}:{"capacity":4}`)).toMatch(/body/);
    expect(starts()).toHaveLength(2);
  });

  it("state resources read the live value (also when it equals the first stand-in); their ID is the instance (and the account)", async () => {
    const ssl = await importAs("InstanceSsl", IDS.ha);
    expect(ssl).toMatchObject({ id: IDS.ha, inputs: { instanceId: IDS.ha, enabled: false }, props: { instanceId: IDS.ha, enabled: false, changed: false, adopted: false } });
    expect(await provider.diff!(ssl.id!, urn("InstanceSsl"), ssl.props, { instanceId: IDS.ha, enabled: false })).toEqual({ changes: false });
    expect(await provider.diff!(ssl.id!, urn("InstanceSsl"), ssl.props, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: true });

    const pass = await importAs("ClientIpPassThrough", IDS.ha2);
    expect(pass.props).toMatchObject({ enabled: true, initialEnabled: true, changed: false });
    expect(pass.inputs).toEqual({ instanceId: IDS.ha2, enabled: true });

    const params = await importAs("InstanceParameters", `${IDS.ha}:timeout,maxmemory-policy`);
    expect(params).toMatchObject({ id: IDS.ha, inputs: { parameters: { timeout: "0", "maxmemory-policy": "volatile-lru" } } });
    expect(await refusal("InstanceParameters", `${IDS.ha}:timeout,appendonly`)).toMatch(/does not report parameter "appendonly"/);
    expect(await refusal("InstanceParameters", `${IDS.ha}:timout`)).toMatch(/unknown Redis parameter "timout"; did you mean "timeout"/);

    const app = emulatorAccountIds(IDS.ha).app;
    const acl = await importAs("AclAccountRole", `${IDS.ha}:${app}`);
    expect(acl).toMatchObject({ id: `${IDS.ha}:${app}`, inputs: { instanceId: IDS.ha, accountId: app, role: "write" } });
    expect(await refusal("AclAccountRole", `${IDS.ha}:acc0beef-4b1d-4c7a-9e2f-1a0b3c4d5e01`)).toMatch(/does not report role/);

    const wl = await importAs("InstanceWhitelist", IDS.ha);
    expect(wl.inputs).toEqual({ instanceId: IDS.ha, enabled: true, groups: [{ name: "default", ips: ["192.168.0.0/16"] }] });
    const pub = await importAs("InstancePublicAccess", IDS.ha);
    expect(pub.inputs).toEqual({ instanceId: IDS.ha, enabled: false });
    expect(starts()).toHaveLength(0);
  });

  it("a value that differs from the first stand-in is read at once; a DcsJob is imported by its job ID", async () => {
    const { jobId } = await side.startOperation(operation("UpdateSslSwitch"), { instance_id: IDS.ha }, { enabled: true });
    clock.advance(120_000);
    expect((await importAs("InstanceSsl", IDS.ha)).props).toMatchObject({ enabled: true });
    const job = await importAs("DcsJob", jobId);
    expect(job).toMatchObject({ id: jobId, inputs: { jobId }, props: { jobId, status: "SUCCESS", adopted: false } });
    expect(await provider.diff!(job.id!, urn("DcsJob"), job.props, { jobId })).toEqual({ changes: false });
    expect(starts()).toHaveLength(1);
  });
});
