/** `dcs-jobs run <operation>`, `operations`, `tasks` and `groups` in-process against the emulator. */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run, type CliIo } from "../provider/cli/main";
import { DcsClient } from "../provider/client";
import { EMULATOR_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../provider/emulator";

let emulator: RunningEmulator;
const HA = EMULATOR_INSTANCE_IDS.ha;
const CLUSTER = (EMULATOR_INSTANCE_IDS as Record<string, string>).cluster!;

beforeAll(async () => {
  emulator = await startEmulator({ speed: 50 });
});
afterAll(async () => {
  await emulator?.stop();
});

function io() {
  const chunks = { out: [] as string[], err: [] as string[] };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (c: Buffer) => chunks.out.push(c.toString()));
  stderr.on("data", (c: Buffer) => chunks.err.push(c.toString()));
  const value: CliIo = {
    env: { HW_DCS_ENDPOINT: emulator.url, HW_ACCESS_KEY: emulator.accessKey, HW_SECRET_KEY: emulator.secretKey, HW_PROJECT_ID: emulator.projectId, CI: "true" },
    stdout,
    stderr,
    isTTY: false,
  };
  return { io: value, out: () => chunks.out.join(""), err: () => chunks.err.join("") };
}

describe("dcs-jobs run", () => {
  it("starts a table operation, waits, and prints the job as JSON", async () => {
    const t = io();
    expect(await run(["run", "ssl", "--instance", HA, "--body", '{"enabled":true}', "--wait", "--json"], t.io)).toBe(0);
    const doc = JSON.parse(t.out()) as { status: string; jobId: string };
    expect(doc.status).toBe("SUCCESS");
    expect(emulator.jobs().filter((j) => j.instanceId === HA)).toHaveLength(1);
  });

  it("a body that does not match the SDK's model exits 2 naming the field, before any call", async () => {
    const before = emulator.stats().total;
    const t = io();
    expect(await run(["run", "ssl", "--instance", HA, "--body", '{"enable":true}'], t.io)).toBe(2);
    expect(t.err()).toMatch(/body\.enabled/);
    expect(t.err()).toMatch(/unknown field "enable"/);
    expect(emulator.stats().total).toBe(before);
  });

  it("a group ID that is not a UUID exits 2 naming --group; an unknown operation lists the known ones", async () => {
    const t = io();
    expect(await run(["run", "cluster-switchover", "--instance", CLUSTER, "--group", "shard-1", "--node", "x"], t.io)).toBe(2);
    expect(t.err()).toMatch(/group_id \(--group\) must be a UUID/);
    const u = io();
    expect(await run(["run", "reboot", "--instance", HA], u.io)).toBe(2);
    expect(u.err()).toMatch(/Unknown operation "reboot". Known: swap, client-ip, cluster-switchover/);
  });

  it("groups lists the cluster's shards and replicas; run cluster-switchover takes their IDs", async () => {
    const g = io();
    expect(await run(["groups", CLUSTER, "--json"], g.io)).toBe(0);
    const groups = JSON.parse(g.out()) as Array<{ groupId: string; replicas: Array<{ nodeId: string; role: string }> }>;
    expect(groups.length).toBeGreaterThan(0);
    const replica = groups[0]!.replicas.find((r) => r.role !== "master")!;
    const t = io();
    expect(await run(["run", "cluster-switchover", "--instance", CLUSTER, "--group", groups[0]!.groupId, "--node", replica.nodeId, "--wait"], t.io)).toBe(0);
    expect(t.out()).toMatch(/SUCCESS/);
  });
});

describe("dcs-jobs operations, tasks", () => {
  it("operations lists every table entry", async () => {
    const t = io();
    expect(await run(["operations", "--json"], t.io)).toBe(0);
    expect((JSON.parse(t.out()) as unknown[]).length).toBe(12);
  });

  it("tasks lists what ran on the instance, with task and job IDs", async () => {
    const t = io();
    expect(await run(["tasks", HA, "--json"], t.io)).toBe(0);
    const tasks = JSON.parse(t.out()) as Array<{ taskId: string; jobId: string | null; name: string }>;
    expect(tasks.some((x) => x.name === "sslSwitchJob" && x.jobId && x.jobId !== x.taskId)).toBe(true);
    const plain = io();
    expect(await run(["tasks", HA], plain.io)).toBe(0);
    expect(plain.out()).toMatch(/sslSwitchJob .*task \S+ {2}job \S+/);
  });
});

describe("dcs-jobs wait --instance", () => {
  // Its own emulator at wall-clock speed: task times are then comparable with this machine's clock (the
  // file's emulator runs 50 times faster, and after a few tests its task times lie minutes ahead).
  let own: RunningEmulator;
  beforeAll(async () => {
    own = await startEmulator({ jobDurations: { masterStandbySwapJob: 1_500 } });
  });
  afterAll(async () => {
    await own?.stop();
  });
  const ownIo = () => {
    const t = io();
    t.io.env = { ...t.io.env, HW_DCS_ENDPOINT: own.url, HW_ACCESS_KEY: own.accessKey, HW_SECRET_KEY: own.secretKey, HW_PROJECT_ID: own.projectId };
    return t;
  };

  it("shows the task's steps while waiting for a job started elsewhere; without --instance, the job's status only", async () => {
    const side = new DcsClient({ endpoint: own.url, projectId: own.projectId, credentials: { accessKey: own.accessKey, secretKey: own.secretKey } }, {});
    const { jobId } = await side.swapMasterStandby(HA);
    const t = ownIo();
    expect(await run(["wait", jobId, "--instance", HA], t.io)).toBe(0);
    expect(t.err()).toMatch(/steps: "check instance" \d+ s/);
    const { jobId: second } = await side.swapMasterStandby(HA);
    const u = ownIo();
    expect(await run(["wait", second], u.io)).toBe(0);
    expect(u.err()).toMatch(/SUCCESS/);
    expect(u.err()).not.toMatch(/steps:/);
    await side.close();
  });

  it("an instance ID that is not one exits 2 before any call", async () => {
    const before = own.stats().total;
    const t = ownIo();
    expect(await run(["wait", "ff8080818822bbf70188235afc24141a", "--instance", "redis-1"], t.io)).toBe(2);
    expect(t.err()).toMatch(/instance/i);
    expect(own.stats().total).toBe(before);
  });
});
