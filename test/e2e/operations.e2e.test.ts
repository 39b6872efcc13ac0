/**
 * The operation table's resources on the real engine (issue #11): a cluster replica switchover, SSL and
 * Redis parameters: up, an up with no change, refresh drift for the state kinds, an interrupted up
 * resumed without a second job, and a FAIL that fails the up with its reason.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRequire } from "node:module";
import * as path from "node:path";
import { DcsClient } from "../../provider/client";
import { operation } from "../../provider/operations";
import { EMULATOR_INSTANCE_IDS, startEmulator } from "../../provider/emulator";
import { waitForJob } from "../../provider/waiter";
import { outputValue, stackPool, until, type Emulator } from "./helpers";

const nodeRequire = createRequire(path.join(__dirname, "..", "..", "package.json"));
const { ClusterReplicaSwitchover, InstanceParameters, InstanceSsl } = nodeRequire("pulumi-dcs-jobs") as typeof import("../../provider");

const CLUSTER = (EMULATOR_INSTANCE_IDS as Record<string, string>).cluster!;
const HA = EMULATOR_INSTANCE_IDS.ha;

let emulator: Emulator;
let client: DcsClient;
const pool = stackPool(() => emulator);

beforeAll(async () => {
  emulator = await startEmulator({ jobDurations: { clusterSwitchoverJob: 2_000, sslSwitchJob: 2_000, modify: 2_000 } });
  client = new DcsClient({ endpoint: emulator.url, projectId: emulator.projectId, credentials: { accessKey: emulator.accessKey, secretKey: emulator.secretKey } });
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

const value = outputValue;
const jobsOn = (id: string) => emulator.jobs().filter((j) => j.instanceId === id);

vi.setConfig({ testTimeout: 180_000 });

describe("ClusterReplicaSwitchover on the engine", () => {
  it("switches once; an up with no change starts nothing; an interrupted up is completed by the next, not re-run", async () => {
    const [g0, g1] = await client.listGroups(CLUSTER);
    const replica = (g: typeof g0) => g!.replicas.find((r) => r.role !== "master")!.nodeId!;
    const s = await stackWith("cluster", async () => {
      const sw = new ClusterReplicaSwitchover("shard-0", { instanceId: CLUSTER, groupId: g0!.groupId, nodeId: replica(g0), triggers: ["a"], waitTimeout: "2m" });
      return { jobId: sw.jobId, status: sw.status };
    });
    const up = await s.stack.up();
    expect(jobsOn(CLUSTER)).toHaveLength(1);
    expect(value(up.outputs, "status")).toBe("SUCCESS");
    const again = await s.stack.up();
    expect(again.summary.resourceChanges).toEqual({ same: 2 });
    expect(jobsOn(CLUSTER)).toHaveLength(1);

    // A second shard, its up killed with a double Ctrl-C while the job runs.
    emulator.setJobDuration("clusterSwitchoverJob", 15_000);
    s.stack.workspace.program = async () => {
      const a = new ClusterReplicaSwitchover("shard-0", { instanceId: CLUSTER, groupId: g0!.groupId, nodeId: replica(g0), triggers: ["a"], waitTimeout: "2m" });
      const b = new ClusterReplicaSwitchover("shard-1", { instanceId: CLUSTER, groupId: g1!.groupId, nodeId: replica(g1), triggers: ["a"], waitTimeout: "2m" });
      return { a: a.jobId, b: b.jobId, bStatus: b.status };
    };
    const killed = s.stack.up().then(() => "completed", () => "interrupted");
    await until("the second switchover to start", () => jobsOn(CLUSTER).length === 2);
    for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
    expect(await killed).toBe("interrupted");
    const started = jobsOn(CLUSTER)[1]!.jobId;
    emulator.setJobDuration("clusterSwitchoverJob", 2_000);
    const resumed = await s.stack.up();
    expect(value(resumed.outputs, "b")).toBe(started);
    expect(value(resumed.outputs, "bStatus")).toBe("SUCCESS");
    expect(jobsOn(CLUSTER)).toHaveLength(2);
  });
});

describe("FAIL, drift and interruption for each of them", () => {
  it("cluster switchover: a FAIL fails the up with its reason and is recorded; new triggers run one more", async () => {
    const [g0] = await client.listGroups(CLUSTER);
    const nodeId = g0!.replicas.find((r) => r.role !== "master")!.nodeId!;
    emulator.inject({ route: "cluster-switchover", kind: "failJob", failReason: "replica lag too high (e2e)" });
    const program = (t: string) => async () => {
      const sw = new ClusterReplicaSwitchover("shard-0", { instanceId: CLUSTER, groupId: g0!.groupId, nodeId, triggers: [t] });
      return { status: sw.status };
    };
    const s = await stackWith("cluster-fail", program("a"));
    const err = await s.stack.up({ onOutput: (o) => s.output.push(o) }).then(() => undefined, (e: unknown) => e as Error);
    expect(s.output.join("") + String(err)).toContain("replica lag too high (e2e)");
    // The same triggers again: the FAIL is history, the up succeeds and starts nothing.
    await s.stack.up();
    expect(jobsOn(CLUSTER)).toHaveLength(1);
    s.stack.workspace.program = program("b");
    const up = await s.stack.up();
    expect(value(up.outputs, "status")).toBe("SUCCESS");
    expect(jobsOn(CLUSTER)).toHaveLength(2);
  });

  it("SSL: an up interrupted while its job runs is finished by the next up, without a second job", async () => {
    emulator.setJobDuration("sslSwitchJob", 15_000);
    const s = await stackWith("ssl-kill", async () => ({ enabled: new InstanceSsl("ssl", { instanceId: HA, enabled: true }).enabled }));
    const killed = s.stack.up().then(() => "completed", () => "interrupted");
    await until("the SSL job to start", () => jobsOn(HA).length === 1);
    for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of s.cliPids()) process.kill(pid, "SIGINT");
    expect(await killed).toBe("interrupted");
    emulator.setJobDuration("sslSwitchJob", 2_000);
    const up = await s.stack.up();
    expect(value(up.outputs, "enabled")).toBe(true);
    expect(jobsOn(HA)).toHaveLength(1);
  });

  it("SSL: a FAIL fails the up with its reason; parameters: refresh shows drift and the next up puts it back", async () => {
    emulator.inject({ route: "ssl", kind: "failJob", failReason: "certificate issuance failed (e2e)" });
    const ssl = await stackWith("ssl-fail", async () => ({ enabled: new InstanceSsl("ssl", { instanceId: HA, enabled: true }).enabled }));
    const err = await ssl.stack.up({ onOutput: (o) => ssl.output.push(o) }).then(() => undefined, (e: unknown) => e as Error);
    expect(ssl.output.join("") + String(err)).toContain("certificate issuance failed (e2e)");

    const ha2 = EMULATOR_INSTANCE_IDS.ha2;
    const p = await stackWith("params-drift", async () => ({ parameters: new InstanceParameters("params", { instanceId: ha2, parameters: { timeout: "222" } }).parameters }));
    await p.stack.up();
    const ids = Object.fromEntries((await client.listConfigurations(ha2)).map((c) => [c.name, c.id]));
    const side = await client.startOperation(operation("UpdateInstanceConfig"), { instance_id: ha2 }, { redis_config: [{ param_id: ids.timeout!, param_name: "timeout", param_value: "5" }] });
    await waitForJob(client, side.jobId, { timeoutMs: 30_000, firstDelayMs: 200, maxIntervalMs: 500 });
    expect((await p.stack.refresh()).summary.resourceChanges?.update).toBe(1);
    const back = await p.stack.up();
    expect(value(back.outputs, "parameters")).toEqual({ timeout: "222" });
  });
});

describe("InstanceSsl and InstanceParameters on the engine", () => {
  it("SSL: up turns it on once; no change starts nothing; refresh shows drift; the next up puts it back", async () => {
    const s = await stackWith("ssl", async () => {
      const ssl = new InstanceSsl("ssl", { instanceId: HA, enabled: true });
      return { enabled: ssl.enabled };
    });
    await s.stack.up();
    expect(jobsOn(HA)).toHaveLength(1);
    expect((await client.showInstance(HA)).raw.enable_ssl).toBe(true);
    expect((await s.stack.up()).summary.resourceChanges).toEqual({ same: 2 });
    expect(jobsOn(HA)).toHaveLength(1);

    const off = await client.startOperation(operation("UpdateSslSwitch"), { instance_id: HA }, { enabled: false });
    await waitForJob(client, off.jobId, { timeoutMs: 30_000, firstDelayMs: 200, maxIntervalMs: 500 });
    const refresh = await s.stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    const back = await s.stack.up();
    expect(value(back.outputs, "enabled")).toBe(true);
    expect(jobsOn(HA)).toHaveLength(3);
  });

  it("parameters: a job that FAILs fails the up with its reason; the same inputs again retry it as a state kind", async () => {
    emulator.inject({ route: "config", kind: "failJob", failReason: "parameter timeout is locked (e2e)" });
    const s = await stackWith("params", async () => {
      const p = new InstanceParameters("params", { instanceId: HA, parameters: { timeout: "321" } });
      return { parameters: p.parameters };
    });
    const err = await s.stack.up({ onOutput: (o) => s.output.push(o) }).then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeDefined();
    expect(s.output.join("") + String(err)).toContain("parameter timeout is locked (e2e)");
    expect(jobsOn(HA)).toHaveLength(1);
    // A state kind reads the value: it still differs, so the next up changes it (one new job) and succeeds.
    const up = await s.stack.up();
    expect(value(up.outputs, "parameters")).toEqual({ timeout: "321" });
    expect(jobsOn(HA)).toHaveLength(2);
    expect((await s.stack.up()).summary.resourceChanges).toEqual({ same: 2 });
  });
});
