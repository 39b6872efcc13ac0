/**
 * The resources of the operation table against the emulator over loopback (manual clock): each one
 * starts its job once, waits, reports the live value, starts nothing when it already holds, and
 * refuses bad input in `check` before any call.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../provider/emulator";
import { operation } from "../provider/operations";
import * as rt from "../provider/resources/runtime";
import { IDS, startRuntimeWorld, type RuntimeWorld } from "./support/runtime-setup";

let w: RuntimeWorld;
beforeEach(async () => {
  w = await startRuntimeWorld();
});
afterEach(async () => {
  await w.stop();
});

const CLUSTER = (IDS as Record<string, string>).cluster!;
const jobsOf = (instanceId: string) => w.jobs().filter((j) => j.instanceId === instanceId);
const failure = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as Error;

describe("InstanceSsl", () => {
  it("turns SSL on with one job; the same value again starts nothing; refresh shows drift", async () => {
    const { id, outs } = await rt.instanceSsl.create({ instanceId: IDS.ha, enabled: true });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ enabled: true, changed: true, status: "SUCCESS", ended: { outcome: "SUCCESS" } });
    expect((await w.side.showInstance(IDS.ha)).raw.enable_ssl).toBe(true);

    expect(await rt.instanceSsl.diff(id, outs, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: false });
    const again = await rt.instanceSsl.update(id, outs, { instanceId: IDS.ha, enabled: true });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect(again.outs.changed).toBe(false);

    await w.side.startOperation(operation("UpdateSslSwitch"), { instance_id: IDS.ha }, { enabled: false });
    w.clock.advance(600_000);
    const read = await rt.instanceSsl.read(id, again.outs);
    expect(read.props).toMatchObject({ enabled: false });
    expect(await rt.instanceSsl.diff(id, read.props!, { instanceId: IDS.ha, enabled: true })).toEqual({ changes: true });
  });

  it("SSL on while pass-through is on is refused by the API with a message that says so; nothing runs", async () => {
    await rt.clientIpPassThrough.create({ instanceId: IDS.ha, enabled: true });
    const before = jobsOf(IDS.ha).length;
    const e = await failure(rt.instanceSsl.create({ instanceId: IDS.ha, enabled: true }));
    expect(e.message).toMatch(/pass-through|transparent/i);
    expect(jobsOf(IDS.ha)).toHaveLength(before);
  });

  it("check refuses a non-boolean value and a bad region before any call", async () => {
    const r = await rt.instanceSsl.check({}, { instanceId: IDS.ha, enabled: "on", region: "ap-southest-1" });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["enabled", "region"]);
    expect(r.failures?.find((f) => f.property === "region")?.reason).toMatch(/ap-southeast-1/);
    expect(w.emu.stats().total).toBe(0);
  });
});

describe("InstanceParameters", () => {
  it("sets a parameter by name with one job (param_id read from ListConfigurations); the same again starts nothing", async () => {
    const { id, outs } = await rt.instanceParameters.create({ instanceId: IDS.ha, parameters: { timeout: "123" } });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect(outs.parameters).toEqual({ timeout: "123" });
    expect((await w.side.listConfigurations(IDS.ha)).find((p) => p.name === "timeout")?.value).toBe("123");
    await rt.instanceParameters.update(id, outs, { instanceId: IDS.ha, parameters: { timeout: "123" } });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
  });

  it("an unknown parameter name is refused in check, with a close match", async () => {
    const r = await rt.instanceParameters.check({}, { instanceId: IDS.ha, parameters: { timout: "1" } });
    expect(r.failures?.[0]).toMatchObject({ property: "parameters", reason: expect.stringMatching(/unknown Redis parameter "timout"; did you mean "timeout"/) });
  });
});

describe("ClusterReplicaSwitchover", () => {
  it("switches a replica to master once; unchanged triggers start nothing; a new value runs it again", async () => {
    const groups = await w.side.listGroups(CLUSTER);
    const group = groups[0]!;
    const replica = group.replicas.find((r) => r.role !== "master")!;
    const inputs = { instanceId: CLUSTER, groupId: group.groupId, nodeId: replica.nodeId!, triggers: ["a"] };
    const { id, outs } = await rt.clusterReplicaSwitchover.create(inputs);
    expect(jobsOf(CLUSTER)).toHaveLength(1);
    expect(outs).toMatchObject({ status: "SUCCESS", ended: { outcome: "SUCCESS" } });
    const after = (await w.side.listGroups(CLUSTER)).find((g) => g.groupId === group.groupId)!;
    expect(after.replicas.find((r) => r.nodeId === replica.nodeId)?.role).toBe("master");

    expect(await rt.clusterReplicaSwitchover.diff(id, outs, inputs)).toEqual({ changes: false });
    // New triggers on a node that is now the master: the API's refusal reaches the user, nothing starts.
    const e = await failure(rt.clusterReplicaSwitchover.update(id, outs, { ...inputs, triggers: ["b"] }));
    expect(e.message).toMatch(/already the master/);
    expect(e.message).toMatch(/Nothing was started/);
    expect(jobsOf(CLUSTER)).toHaveLength(1);
    // Switching back is the old master's node: another resource (a new node ID replaces).
    const old = group.replicas.find((r) => r.role === "master")!;
    expect(await rt.clusterReplicaSwitchover.diff(id, outs, { ...inputs, nodeId: old.nodeId! })).toMatchObject({ replaces: ["nodeId"] });
  });

  it("check refuses a group or node ID that is not a UUID, naming the field", async () => {
    const r = await rt.clusterReplicaSwitchover.check({}, { instanceId: CLUSTER, groupId: "shard-1", nodeId: "x" });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["groupId", "nodeId"]);
    expect(r.failures?.[0]?.reason).toMatch(/UUID/);
  });
});

describe("InstanceWhitelist, AclAccountRole", () => {
  it("sets the whitelist groups; the same groups in another order start nothing", async () => {
    const groups = [{ name: "app", ips: ["10.0.0.0/24", "10.0.1.5"] }, { name: "ops", ips: ["192.168.0.0/16"] }];
    const { id, outs } = await rt.instanceWhitelist.create({ instanceId: IDS.ha, enabled: true, groups });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect((await w.side.showWhitelist(IDS.ha)).enabled).toBe(true);
    await rt.instanceWhitelist.update(id, outs, { instanceId: IDS.ha, enabled: true, groups: [{ name: "ops", ips: ["192.168.0.0/16"] }, { name: "app", ips: ["10.0.1.5", "10.0.0.0/24"] }] });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
  });

  it("changes an ACL account's role", async () => {
    const account = (await w.side.listAclAccounts(IDS.ha)).find((a) => a.role === "write")!;
    const { outs } = await rt.aclAccountRole.create({ instanceId: IDS.ha, accountId: account.id, role: "read" });
    expect(outs).toMatchObject({ role: "read", status: "SUCCESS" });
    expect((await w.side.listAclAccounts(IDS.ha)).find((a) => a.id === account.id)?.role).toBe("read");
  });
});

describe("DcsOperation (generic)", () => {
  it("a table path gets that operation's body check in check, before any call", async () => {
    const r = await rt.dcsOperation.check({}, { method: "PUT", path: `/v2/{project_id}/instances/${IDS.ha}/ssl`, body: { enable: true } });
    expect(r.failures?.map((f) => f.property)).toContain("body");
    expect(r.failures?.map((f) => f.reason).join(" ")).toMatch(/unknown field "enable"/);
    expect(w.emu.stats().total).toBe(0);
  });

  it("runs a table operation once per triggers value and waits for its job", async () => {
    const inputs = { method: "PUT" as const, path: `/v2/{project_id}/instances/${IDS.ha}/ssl`, body: { enabled: true }, triggers: [1] };
    const { id, outs } = await rt.dcsOperation.create(inputs);
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect(outs).toMatchObject({ status: "SUCCESS" });
    expect(await rt.dcsOperation.diff(id, outs, inputs)).toEqual({ changes: false });
    expect(await rt.dcsOperation.diff(id, outs, { ...inputs, body: { enabled: false } })).toMatchObject({ replaces: ["body"] });
  });

  it("refuses a path that is not a DCS v2 path", async () => {
    const r = await rt.dcsOperation.check({}, { method: "PUT", path: "/v3/{project_id}/x" });
    expect(r.failures?.[0]?.property).toBe("path");
  });
});

describe("per-resource location", () => {
  let other: RunningEmulator;
  afterEach(async () => {
    await other?.stop();
  });

  it("a resource's endpoint input sends its calls there, the stack's config elsewhere; credentials from config", async () => {
    other = await startEmulator({ clock: w.clock, accessKey: w.emu.accessKey, secretKey: w.emu.secretKey, projectId: w.emu.projectId });
    await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["here"] });
    await rt.masterStandbySwap.create({ instanceId: IDS.ha, triggers: ["there"], endpoint: other.url });
    expect(jobsOf(IDS.ha)).toHaveLength(1);
    expect(other.jobs().filter((j) => j.instanceId === IDS.ha)).toHaveLength(1);
  });
});

describe("InstancePublicAccess, ReplicaIpRemoval, a tenant-wide DcsOperation", () => {
  it("binds public access with an ELB (one BindEip job), then unbinds it (one UnBindEip job)", async () => {
    const elbId = "0f6a0a3c-58b2-4c0c-9f7b-5a1f9e5a2b31";
    const { id, outs } = await rt.instancePublicAccess.create({ instanceId: IDS.ha, enabled: true, elbId });
    expect(outs).toMatchObject({ enabled: true, status: "SUCCESS" });
    expect((await w.side.showInstance(IDS.ha)).raw.enable_publicip).toBe(true);
    const off = await rt.instancePublicAccess.update(id, outs, { instanceId: IDS.ha, enabled: false });
    expect(off.outs).toMatchObject({ enabled: false, status: "SUCCESS" });
    expect(jobsOf(IDS.ha).map((j) => j.jobType)).toEqual(["BindEip", "UnBindEip"]);
    const r = await rt.instancePublicAccess.check({}, { instanceId: IDS.ha, enabled: true });
    expect(r.failures?.[0]).toMatchObject({ property: "elbId", reason: expect.stringMatching(/elbId .* or publicipId/) });
  });

  it("removes a replica's IP from the domain name once per triggers value", async () => {
    const group = (await w.side.listGroups(CLUSTER))[1]!;
    const replica = group.replicas.find((x) => x.role !== "master")!;
    const inputs = { instanceId: CLUSTER, groupId: group.groupId, nodeId: replica.nodeId!, triggers: ["drain"] };
    const { id, outs } = await rt.replicaIpRemoval.create(inputs);
    expect(outs).toMatchObject({ status: "SUCCESS" });
    expect(jobsOf(CLUSTER).map((j) => j.jobType)).toEqual(["RemoveIpFromDns"]);
    expect(await rt.replicaIpRemoval.diff(id, outs, inputs)).toEqual({ changes: false });
  });

  it("ExportInstancesTask has no instance: DcsOperation runs it without adoption, once", async () => {
    const inputs = { method: "POST" as const, path: "/v2/{project_id}/instances/export", body: { region: "ap-southeast-1" }, triggers: ["monthly"] };
    const { outs } = await rt.dcsOperation.create(inputs);
    expect(outs).toMatchObject({ status: "SUCCESS" });
    expect(w.jobs().filter((j) => j.jobType === "exportInstancesJob")).toHaveLength(1);
    const missing = await rt.dcsOperation.check({}, { ...inputs, body: {} });
    expect(missing.failures?.[0]).toMatchObject({ property: "body", reason: expect.stringMatching(/body\.region/) });
  });
});
