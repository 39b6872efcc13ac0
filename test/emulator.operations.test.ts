/**
 * Every operation of the table (`provider/operations/table.ts`) against the emulator over the wire:
 * start, job, the effect in the reads after the job, busy, conflicts, bad bodies (400 naming the
 * field), "already in that state" refusals, and the reads' shapes (vendor SDK models, v0.1.207).
 */
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_JOB_DURATIONS,
  EMULATOR_CLUSTER,
  EMULATOR_ERROR_CODES as CODES,
  EMULATOR_INSTANCE_IDS as IDS,
  ROUTE_NAMES,
  emulatorAccountIds,
  manualClock,
  startEmulator,
  type ManualClock,
  type RunningEmulator,
} from "../provider/emulator";
import { EMULATED_OPERATIONS, jobTypeOf, missingEmulatedOperations, rootField } from "../provider/emulator/operations";
import { operationRouteName } from "../provider/emulator/faults";
import { matchRoute } from "../provider/emulator/routes";
import { OPERATIONS, operation, type OperationName } from "../provider/operations/table";
import { fillPath } from "../provider/operations/request";
import type { OperationDef, PathValues } from "../provider/operations/types";
import { signRequest } from "../provider/signer";

const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
afterAll(() => dispatcher.close());

interface Reply {
  status: number;
  text: string;
  json: () => any;
}

async function call(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<Reply> {
  const url = emu.url + path;
  const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const signed = signRequest({ method, url, headers: { "content-type": "application/json" }, body: text }, { accessKey: emu.accessKey, secretKey: emu.secretKey });
  const headers = Object.fromEntries(Object.entries(signed).filter(([k]) => k.toLowerCase() !== "host"));
  const res = await request(url, { method: method as "GET", headers, body: text, dispatcher });
  const out = await res.body.text();
  return { status: res.statusCode, text: out, json: () => JSON.parse(out) };
}

let emu: RunningEmulator;
let clock: ManualClock;
beforeEach(async () => {
  clock = manualClock(Date.UTC(2024, 0, 15, 10, 0, 0));
  emu = await startEmulator({ clock });
});
afterEach(async () => {
  await emu.stop();
});

const G = EMULATOR_CLUSTER.groups;
const ACC = emulatorAccountIds(IDS.ha);
const p = () => `/v2/${emu.projectId}`;

/** Starts `op` with these values and body; the reply. */
function start(name: OperationName, values: PathValues, body?: unknown): Promise<Reply> {
  const op = operation(name);
  return call(emu, op.method, fillPath(op, emu.projectId, values), body);
}
const show = async (id: string) => (await call(emu, "GET", `${p()}/instances/${id}`)).json();
const job = async (jobId: string) => (await call(emu, "GET", `${p()}/jobs/${jobId}`)).json();
const groups = async (id: string = IDS.cluster) => (await call(emu, "GET", `${p()}/instance/${id}/groups`)).json();
const nodes = async (id: string = IDS.cluster) => (await call(emu, "GET", `${p()}/instances/${id}/logical-nodes`)).json();
const whitelist = async (id: string = IDS.ha) => (await call(emu, "GET", `${p()}/instance/${id}/whitelist`)).json();
const configs = async (id: string = IDS.ha) => (await call(emu, "GET", `${p()}/instances/${id}/configs`)).json();
const accounts = async (id: string = IDS.ha) => (await call(emu, "GET", `${p()}/instances/${id}/accounts`)).json();
const durationOf = (name: OperationName) => DEFAULT_JOB_DURATIONS[operation(name).task.name]!;
const dcsError = (code: string, msg: string | RegExp = /./) => ({ error_code: code, error_msg: typeof msg === "string" ? msg : expect.stringMatching(msg), error_ext_msg: null });
const invalid = (field: string) => dcsError("DCS.4063", `Invalid ${field} parameter in the request.`);

/**
 * One valid start of every operation, and what its effect looks like in the reads. A table entry
 * without a fixture here fails the first test: a new operation needs its wire test.
 */
interface Fixture {
  values: PathValues;
  body?: unknown;
  /** The read that shows the effect (the same value before and after for operations without one). */
  read: () => Promise<unknown>;
  changes: boolean;
}
const FIXTURES: Record<OperationName, Fixture> = {
  ChangeMasterStandbyAsync: { values: { instance_id: IDS.ha }, read: async () => (await show(IDS.ha)).master_node, changes: true },
  UpdateClientIpTransparentTransmission: {
    values: { instance_id: IDS.ha },
    body: { transparent_client_ip_enable: true },
    read: async () => (await show(IDS.ha)).transparent_client_ip_enable,
    changes: true,
  },
  ExecuteClusterSwitchover: {
    values: { instance_id: IDS.cluster, group_id: G[1]!.id, node_id: G[1]!.replica },
    read: async () => (await groups()).group_list[1].replication_list.map((r: any) => [r.node_id, r.replication_role]),
    changes: true,
  },
  UpdateSslSwitch: { values: { instance_id: IDS.ha }, body: { enabled: true }, read: async () => (await show(IDS.ha)).enable_ssl, changes: true },
  UpdatePublicIp: {
    values: { instance_id: IDS.ha },
    body: { elb_id: "0f6a0a3c-58b2-4c0c-9f7b-5a1f9e5a2b31" },
    read: async () => (await show(IDS.ha)).enable_publicip,
    changes: true,
  },
  DeletePublicIp: { values: { instance_id: IDS.ha }, read: async () => (await show(IDS.ha)).enable_publicip, changes: false },
  UpdateIpWhitelistAsync: {
    values: { instance_id: IDS.ha },
    body: { enable_whitelist: true, whitelist: [{ group_name: "app", ip_list: ["10.0.0.0/24", "10.0.1.7"] }] },
    read: async () => (await whitelist()).whitelist,
    changes: true,
  },
  UpdateInstanceConfig: {
    values: { instance_id: IDS.ha },
    body: { redis_config: [{ param_id: "1", param_name: "timeout", param_value: "100" }] },
    read: async () => (await configs()).redis_config.find((c: any) => c.param_name === "timeout").param_value,
    changes: true,
  },
  UpdateAclAccount: {
    values: { instance_id: IDS.ha, account_id: ACC.app },
    body: { account_role: "read" },
    read: async () => (await accounts()).accounts.find((a: any) => a.account_name === "app").account_role,
    changes: true,
  },
  DeleteIpFromDomainName: {
    values: { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.replica },
    read: async () => (await nodes()).nodes.find((n: any) => n.node_id === G[0]!.replica).is_remove_ip,
    changes: true,
  },
  StartInstanceResizeCheckJob: {
    values: { instance_id: IDS.ha },
    body: { new_capacity: 4 },
    // Everything but `task` (the running job's type, while it runs).
    read: async () => {
      const { task: _task, ...rest } = await show(IDS.ha);
      return rest;
    },
    changes: false,
  },
  ExportInstancesTask: { values: {}, body: { region: "ap-southeast-1" }, read: async () => (await call(emu, "GET", `/_emulator/instances`)).status, changes: false },
};

describe("the table and the emulator", () => {
  it("every table entry has an emulator effect entry, a route name and a wire fixture", () => {
    expect(missingEmulatedOperations()).toEqual([]);
    expect(Object.keys(EMULATED_OPERATIONS).sort()).toEqual(OPERATIONS.map((o) => o.name).sort());
    expect(Object.keys(FIXTURES).sort()).toEqual(OPERATIONS.map((o) => o.name).sort());
    for (const op of OPERATIONS) expect(ROUTE_NAMES).toContain(operationRouteName(op));
    // The two routes that predate the table keep their names; the others are the `cli` names.
    expect(operationRouteName(operation("ChangeMasterStandbyAsync"))).toBe("swap");
    expect(operationRouteName(operation("UpdateClientIpTransparentTransmission"))).toBe("clientIp");
    expect(operationRouteName(operation("UpdateSslSwitch"))).toBe("ssl");
  });

  it("routes every table entry by its method and path template, with every path value", () => {
    const values = { instance_id: IDS.cluster, group_id: G[2]!.id, node_id: G[2]!.master, account_id: "acc-1" };
    for (const op of OPERATIONS) {
      const path = fillPath(op, "P", values);
      const m = matchRoute(op.method, path);
      expect(m, `${op.method} ${path}`).toMatchObject({ name: operationRouteName(op), projectId: "P", operation: op });
      for (const k of op.pathParams) expect(m!.values![k]).toBe(values[k]);
      // Another method on the same path is not this operation.
      const other = matchRoute(op.method === "PUT" ? "PATCH" : "PUT", path);
      expect(other?.operation).not.toBe(op);
    }
  });

  it("durations default to the table's typicalMs per task name (the swap and pass-through keep 6 s and 20 s)", () => {
    for (const op of OPERATIONS) {
      const want = op.task.name === "masterStandbySwapJob" ? 6_000 : op.task.name === "modifyClientIpTransJob" ? 20_000 : op.typicalMs;
      expect(DEFAULT_JOB_DURATIONS[op.task.name]).toBe(want);
    }
  });

  it("names the model's first required field for a body that is not a JSON object", () => {
    expect(rootField(operation("UpdateSslSwitch"))).toBe("enabled");
    expect(rootField(operation("UpdateClientIpTransparentTransmission"))).toBe("transparent_client_ip_enable");
    expect(rootField(operation("ExportInstancesTask"))).toBe("region");
    expect(rootField(operation("UpdateIpWhitelistAsync"))).toBe("enable_whitelist");
    expect(rootField(operation("DeletePublicIp"))).toBe("body");
  });
});

describe("each operation over the wire", () => {
  for (const op of OPERATIONS as readonly OperationDef[]) {
    const name = op.name as OperationName;
    it(`${name}: starts a job of type ${jobTypeOf(op)}, lists task ${op.task.name}, and applies its effect when it succeeds`, async () => {
      const f = FIXTURES[name];
      const before = await f.read();
      const r = await start(name, f.values, f.body);
      expect(r.status, r.text).toBe(200);
      const { job_id } = r.json();
      expect(job_id).toMatch(/^[0-9a-f]{32}$/);
      const t0 = clock.now();
      expect(await job(job_id)).toEqual({ job_id, job_type: jobTypeOf(op), status: "INIT", begin_time: String(t0), end_time: "", fail_reason: null });
      expect(emu.stats().startCalls).toEqual([expect.objectContaining({ route: operationRouteName(op), jobId: job_id, instanceId: f.values.instance_id ?? "", jobType: jobTypeOf(op) })]);

      const d = durationOf(name);
      clock.advance(d - 1);
      expect((await job(job_id)).status).toBe("RUNNING");
      expect(await f.read()).toEqual(before);
      clock.advance(1);
      expect(await job(job_id)).toMatchObject({ status: "SUCCESS", end_time: String(t0 + d) });
      if (f.changes) expect(await f.read()).not.toEqual(before);
      else expect(await f.read()).toEqual(before);

      // The task: in the per-instance list (instance operations) and in the task center (all).
      const center = (await call(emu, "GET", `${p()}/tasks`)).json();
      expect(center.tasks[0]).toMatchObject({ name: op.task.name, job_id, status: "SUCCESS", details: expect.any(Object) });
      expect(typeof center.tasks[0].params === "string" || center.tasks[0].params === null).toBe(true);
      if (f.values.instance_id) {
        const list = (await call(emu, "GET", `${p()}/instances/${f.values.instance_id}/tasks`)).json();
        expect(list).toMatchObject({ task_count: "1", tasks: [{ name: op.task.name, status: "SUCCESS" }] });
        expect((await show(f.values.instance_id)).task).toBeUndefined();
      }
    });
  }

  it("a failed job changes nothing (failJob on the ssl route)", async () => {
    emu.inject({ route: "ssl", kind: "failJob", failReason: "SSL switch failed" });
    const { job_id } = (await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: true })).json();
    clock.advance(durationOf("UpdateSslSwitch"));
    expect(await job(job_id)).toMatchObject({ status: "FAIL", fail_reason: "SSL switch failed" });
    expect((await show(IDS.ha)).enable_ssl).toBe(false);
    expect(emu.stats().byRoute.ssl).toBe(1);
  });

  it("jobDurations and setJobDuration take task names", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, jobDurations: { sslSwitchJob: 500 } });
    const { job_id } = (await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: true })).json();
    clock.advance(500);
    expect((await job(job_id)).status).toBe("SUCCESS");
    emu.setJobDuration("clusterSwitchoverJob", 100);
    const sw = (await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.replica })).json();
    clock.advance(100);
    expect((await job(sw.job_id)).status).toBe("SUCCESS");
  });
});

describe("busy while another job runs", () => {
  it("every operation on an instance answers DCS.4026 while another job runs on it; pass-through after pass-through DCS.4300", async () => {
    emu.inject({ route: "acl-role", kind: "hangJob" });
    expect((await start("UpdateAclAccount", { instance_id: IDS.ha, account_id: ACC.default }, { account_role: "read" })).status).toBe(200);
    for (const op of OPERATIONS) {
      const f = FIXTURES[op.name];
      if (!f.values.instance_id) continue;
      const values = { ...f.values, instance_id: IDS.ha };
      // Cluster-only operations on the busy ha instance: busy comes before "not supported".
      const r = await start(op.name, values, f.body);
      expect(r.status, op.name).toBe(400);
      expect(r.json(), op.name).toEqual(dcsError("DCS.4026", /modifyAclAccountRole is in progress/));
    }
    expect((await show(IDS.ha)).task).toBe("modifyAclAccountRole");

    const ip = (await start("UpdateClientIpTransparentTransmission", { instance_id: IDS.proxy }, { transparent_client_ip_enable: true })).json();
    expect(ip.job_id).toBeDefined();
    const again = await start("UpdateClientIpTransparentTransmission", { instance_id: IDS.proxy }, { transparent_client_ip_enable: true });
    expect(again.json().error_code).toBe("DCS.4300");
    const ssl = await start("UpdateSslSwitch", { instance_id: IDS.proxy }, { enabled: false });
    expect(ssl.json().error_code).toBe("DCS.4026");
  });

  it("ExportInstancesTask is about no instance: it always starts, and shows only in the task center", async () => {
    emu.inject({ route: "swap", kind: "hangJob" });
    await start("ChangeMasterStandbyAsync", { instance_id: IDS.ha });
    const a = (await start("ExportInstancesTask", {}, { region: "ap-southeast-1" })).json();
    const b = (await start("ExportInstancesTask", {}, { region: "ap-southeast-1", product_type: "generic" })).json();
    expect(a.job_id).not.toBe(b.job_id);
    expect(emu.jobs().filter((j) => j.jobType === "exportInstancesJob").map((j) => j.instanceId)).toEqual(["", ""]);
    const center = (await call(emu, "GET", `${p()}/tasks`)).json();
    expect(center.tasks.filter((t: any) => t.name === "exportInstancesJob")).toHaveLength(2);
    for (const id of Object.values(IDS)) {
      const list = (await call(emu, "GET", `${p()}/instances/${id}/tasks`)).json();
      expect(list.tasks.some((t: any) => t.name === "exportInstancesJob")).toBe(false);
    }
    const bad = await start("ExportInstancesTask", {}, { product_type: "generic" });
    expect(bad.json()).toEqual(invalid("region"));
  });
});

describe("bad path values and bodies: 400 DCS.4063 naming the field", () => {
  it("path values: group and node IDs must be UUIDs; unknown ones are 404", async () => {
    // Raw paths: fillPath would refuse these before any call (as the client does).
    const bad = await call(emu, "POST", `${p()}/instance/${IDS.cluster}/groups/group-0/replications/${G[0]!.replica}/async-switchover`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual(invalid("group_id"));
    const badNode = await call(emu, "DELETE", `${p()}/instances/${IDS.cluster}/groups/${G[0]!.id}/replications/n1/remove-ip`);
    expect(badNode.json()).toEqual(invalid("node_id"));
    expect((await call(emu, "PUT", `${p()}/instances/not-a-uuid/ssl`, { enabled: true })).json()).toEqual(invalid("instance_id"));

    const unknownGroup = await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: "00000000-0000-4000-8000-000000000000", node_id: G[0]!.replica });
    expect(unknownGroup.status).toBe(404);
    expect(unknownGroup.json()).toEqual(dcsError("DCS.4404", /shard \(group\) 00000000-.* does not exist/));
    const otherGroup = await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: G[1]!.id, node_id: G[0]!.replica });
    expect(otherGroup.status).toBe(404);
    const unknownAccount = await start("UpdateAclAccount", { instance_id: IDS.ha, account_id: "nobody" }, { account_role: "read" });
    expect(unknownAccount.json().error_msg).toBe(`The ACL account nobody of instance ${IDS.ha} does not exist.`);
    expect(unknownAccount.status).toBe(404);
    expect(unknownAccount.json().error_code).toBe("DCS.4404");
    const unknownInstance = await start("UpdateSslSwitch", { instance_id: "11111111-2222-4333-8444-555555555555" }, { enabled: true });
    expect(unknownInstance.status).toBe(404);
    expect(emu.stats().startCalls).toEqual([]);
  });

  it("bodies are checked with the table's models: wrong types, missing and unknown fields, non-objects", async () => {
    const cases: Array<[OperationName, PathValues, unknown, string]> = [
      ["UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: "yes" }, "enabled"],
      ["UpdateSslSwitch", { instance_id: IDS.ha }, {}, "enabled"],
      ["UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: true, force: true }, "force"],
      ["UpdateSslSwitch", { instance_id: IDS.ha }, "not json", "enabled"],
      ["UpdateSslSwitch", { instance_id: IDS.ha }, [true], "enabled"],
      ["UpdatePublicIp", { instance_id: IDS.ha }, { elb_id: 7 }, "elb_id"],
      ["UpdatePublicIp", { instance_id: IDS.ha }, {}, "elb_id"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { whitelist: [] }, "enable_whitelist"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [{ group_name: "a", ip_list: [3] }] }, "whitelist[0].ip_list[0]"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [{ group_name: "a", ip_list: ["10.0.0.0/33"] }] }, "whitelist[0].ip_list"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [{ group_name: "a", ip_list: ["0.0.0.0/0"] }] }, "whitelist[0].ip_list"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [1, 2, 3, 4, 5].map((n) => ({ group_name: `g${n}`, ip_list: [`10.0.0.${n}`] })) }, "whitelist"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [{ group_name: "a", ip_list: ["10.0.0.1"] }, { group_name: "a", ip_list: ["10.0.0.2"] }] }, "whitelist[1].group_name"],
      ["UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { instance_id: IDS.ha2, enable_whitelist: false, whitelist: [] }, "instance_id"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, {}, "redis_config"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "1", param_name: "no-such-param", param_value: "1" }] }, "redis_config[0].param_name"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "2", param_name: "timeout", param_value: "1" }] }, "redis_config[0].param_id"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "1", param_name: "timeout", param_value: "99999" }] }, "redis_config[0].param_value"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "2", param_name: "maxmemory-policy", param_value: "lru" }] }, "redis_config[0].param_value"],
      ["UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "1", param_name: "timeout" }] }, "redis_config[0].param_value"],
      ["UpdateAclAccount", { instance_id: IDS.ha, account_id: ACC.app }, { account_role: "admin" }, "account_role"],
      ["UpdateAclAccount", { instance_id: IDS.ha, account_id: ACC.app }, {}, "account_role"],
      ["StartInstanceResizeCheckJob", { instance_id: IDS.ha }, { new_capacity: "4" }, "new_capacity"],
      ["StartInstanceResizeCheckJob", { instance_id: IDS.ha }, {}, "new_capacity"],
      ["ExportInstancesTask", {}, { region: "ap-southeast-1", product_type: "premium" }, "product_type"],
      ["ChangeMasterStandbyAsync", { instance_id: IDS.ha }, { force: true }, "body"],
      ["DeletePublicIp", { instance_id: IDS.ha }, "{", "body"],
    ];
    for (const [name, values, body, field] of cases) {
      const r = await start(name, values, body);
      expect(r.status, `${name} ${JSON.stringify(body)}`).toBe(400);
      expect(r.json(), `${name} ${JSON.stringify(body)}`).toEqual(invalid(field));
    }
    expect(emu.stats().startCalls).toEqual([]);
    // An empty body (or `{}`) is fine for an operation without one.
    expect((await start("DeletePublicIp", { instance_id: IDS.ha }, {})).status).toBe(200);
  });
});

describe("SSL and client IP pass-through", () => {
  it("SSL on answers DCS.4980 while pass-through is on, and pass-through on while SSL is on", async () => {
    const refused = await start("UpdateSslSwitch", { instance_id: IDS.ha2 }, { enabled: true });
    expect(refused.status).toBe(400);
    expect(refused.json()).toEqual(dcsError(CODES.sslPassThroughConflict, /cannot be enabled at the same time.*SSL\.$/));
    expect(CODES.sslPassThroughConflict).toBe("DCS.4980");
    // Turning SSL off is no conflict.
    expect((await start("UpdateSslSwitch", { instance_id: IDS.ha2 }, { enabled: false })).status).toBe(200);
    clock.advance(durationOf("UpdateSslSwitch"));

    const on = (await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: true })).json();
    expect(on).toEqual({ job_id: expect.any(String), instance_id: IDS.ha });
    clock.advance(durationOf("UpdateSslSwitch"));
    expect((await show(IDS.ha)).enable_ssl).toBe(true);
    const ip = await start("UpdateClientIpTransparentTransmission", { instance_id: IDS.ha }, { transparent_client_ip_enable: true });
    expect(ip.json()).toEqual(dcsError("DCS.4980", /before enabling client IP pass-through\.$/));
    // Turning pass-through off while SSL is on: it is off already, the table's code for that.
    expect((await start("UpdateClientIpTransparentTransmission", { instance_id: IDS.ha }, { transparent_client_ip_enable: false })).json().error_code).toBe("DCS.4846");
    // SSL off, then pass-through on is fine.
    await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: false });
    clock.advance(durationOf("UpdateSslSwitch"));
    expect((await start("UpdateClientIpTransparentTransmission", { instance_id: IDS.ha }, { transparent_client_ip_enable: true })).status).toBe(200);
  });

  it("already in that state: pass-through uses the table's alreadyCodes; SSL (no code in the table) starts a job that changes nothing", async () => {
    const op = operation("UpdateClientIpTransparentTransmission");
    const off = await start(op.name as OperationName, { instance_id: IDS.ha }, { transparent_client_ip_enable: false });
    expect(off.json().error_code).toBe(op.alreadyCodes![0]);
    const on = await start(op.name as OperationName, { instance_id: IDS.ha2 }, { transparent_client_ip_enable: true });
    expect(on.json().error_code).toBe(op.alreadyCodes![1]);
    expect(operation("UpdateSslSwitch").alreadyCodes).toBeUndefined();
    const ssl = (await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: false })).json();
    clock.advance(durationOf("UpdateSslSwitch"));
    expect((await job(ssl.job_id)).status).toBe("SUCCESS");
    expect((await show(IDS.ha)).enable_ssl).toBe(false);
  });

  it("SSL is not supported on proxy instances (DCS.4981); ShowInstance says so in features.support_ssl", async () => {
    const r = await start("UpdateSslSwitch", { instance_id: IDS.proxy }, { enabled: true });
    expect(r.json()).toEqual(dcsError("DCS.4981", "SSL is not supported by this instance (cache mode proxy)."));
    expect((await show(IDS.proxy)).features.support_ssl).toBe(false);
    expect((await show(IDS.ha)).features.support_ssl).toBe(true);
  });
});

describe("cluster switchover and replica IPs", () => {
  it("the seeded cluster: 3 shards of a master and a replica, UUID IDs, in ListGroupReplicationInfo and ShowNodesInformation", async () => {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const g = await groups();
    expect(g.group_count).toBe(3);
    expect(g.group_list.map((x: any) => x.group_id)).toEqual(G.map((x) => x.id));
    for (const [n, grp] of g.group_list.entries()) {
      expect(grp.group_id).toMatch(UUID);
      expect(grp.group_name).toBe(`group-${n}`);
      expect(grp.replication_list).toHaveLength(2);
      expect(grp.replication_list.map((r: any) => [r.node_id, r.replication_role])).toEqual([
        [G[n]!.master, "master"],
        [G[n]!.replica, "slave"],
      ]);
      for (const r of grp.replication_list) {
        expect(Object.keys(r).sort()).toEqual(["az_code", "dimensions", "is_replication", "node_id", "replication_id", "replication_ip", "replication_role", "status"]);
        expect(r).toMatchObject({ status: "Active", is_replication: false });
        expect(r.node_id).toMatch(UUID);
        expect(r.replication_id).toMatch(UUID);
        expect(r.replication_id).not.toBe(r.node_id);
        expect(r.dimensions).toEqual([
          { name: "dcs_instance_id", value: IDS.cluster },
          { name: "dcs_cluster_redis_node", value: expect.stringMatching(/^[0-9a-f]{32}$/) },
        ]);
      }
    }
    const n = await nodes();
    expect(n).toMatchObject({ instance_id: IDS.cluster, total: 6 });
    expect(n.nodes[0]).toMatchObject({ node_id: G[0]!.master, node_type: "master", node_role: "redis-server", status: "Active", is_remove_ip: false, group_id: G[0]!.id, name: "group-0-0", node_port: "6379" });
    const inst = await show(IDS.cluster);
    expect(inst).toMatchObject({ cache_mode: "cluster", sharding_count: 3, replica_count: 2, features: { support_transparent_client_ip: false } });
    expect(inst).not.toHaveProperty("master_node");
    // Other instances have no shards.
    expect(await groups(IDS.ha)).toEqual({ group_list: [], group_count: 0 });
    expect(await nodes(IDS.ha)).toEqual({ instance_id: IDS.ha, total: 0, nodes: [] });
  });

  it("ExecuteClusterSwitchover on a replica makes it its shard's master (and the master a replica) when the job succeeds", async () => {
    const values = { instance_id: IDS.cluster, group_id: G[2]!.id, node_id: G[2]!.replica };
    const { job_id } = (await start("ExecuteClusterSwitchover", values)).json();
    expect((await show(IDS.cluster)).task).toBe("clusterSwitchoverJob");
    const busy = await start("DeleteIpFromDomainName", { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.replica });
    expect(busy.json().error_code).toBe("DCS.4026");
    clock.advance(durationOf("ExecuteClusterSwitchover"));
    expect((await job(job_id)).status).toBe("SUCCESS");
    const g = (await groups()).group_list;
    expect(g[2].replication_list.map((r: any) => [r.node_id, r.replication_role])).toEqual([
      [G[2]!.master, "slave"],
      [G[2]!.replica, "master"],
    ]);
    // The other shards are unchanged.
    expect(g[0].replication_list[0]).toMatchObject({ node_id: G[0]!.master, replication_role: "master" });
    expect((await nodes()).nodes.find((x: any) => x.node_id === G[2]!.replica).node_type).toBe("master");
    // The task: params name the shard and node; details are DetailsBody fields.
    const task = (await call(emu, "GET", `${p()}/instances/${IDS.cluster}/tasks`)).json().tasks[0];
    expect(task).toMatchObject({ name: "clusterSwitchoverJob", params: JSON.stringify({ group_id: G[2]!.id, node_id: G[2]!.replica }), details: { group_name: "group-2", node_name: "group-2-1" } });

    // Now the old master is the replica: switching to the new master is refused, back to the old one works.
    expect((await start("ExecuteClusterSwitchover", values)).json()).toEqual(dcsError("DCS.4982", `The node ${G[2]!.replica} is already the master of its shard.`));
    expect((await start("ExecuteClusterSwitchover", { ...values, node_id: G[2]!.master })).status).toBe(200);
    clock.advance(durationOf("ExecuteClusterSwitchover"));
    expect((await groups()).group_list[2].replication_list[0]).toMatchObject({ node_id: G[2]!.master, replication_role: "master" });
  });

  it("refuses a switchover to a master (DCS.4982), and cluster operations on an instance without shards (DCS.4981)", async () => {
    const r = await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.master });
    expect(r.json().error_code).toBe("DCS.4982");
    const ha = await start("ExecuteClusterSwitchover", { instance_id: IDS.ha, group_id: G[0]!.id, node_id: G[0]!.replica });
    expect(ha.json()).toEqual(dcsError("DCS.4981", "Cluster shard switchover is not supported by this instance (cache mode ha)."));
    expect((await start("DeleteIpFromDomainName", { instance_id: IDS.single, group_id: G[0]!.id, node_id: G[0]!.replica })).json().error_code).toBe("DCS.4981");
    // The master/standby swap is still ha only.
    expect((await start("ChangeMasterStandbyAsync", { instance_id: IDS.cluster })).json().error_code).toBe("DCS.4855");
    expect(emu.stats().startCalls).toEqual([]);
  });

  it("DeleteIpFromDomainName marks the replica's IP removed; again DCS.4983; a master's IP DCS.4984", async () => {
    const values = { instance_id: IDS.cluster, group_id: G[1]!.id, node_id: G[1]!.replica };
    const { job_id } = (await start("DeleteIpFromDomainName", values)).json();
    clock.advance(durationOf("DeleteIpFromDomainName") - 1);
    expect((await nodes()).nodes.find((x: any) => x.node_id === G[1]!.replica).is_remove_ip).toBe(false);
    clock.advance(1);
    expect((await job(job_id)).status).toBe("SUCCESS");
    const after = (await nodes()).nodes;
    expect(after.filter((x: any) => x.is_remove_ip).map((x: any) => x.node_id)).toEqual([G[1]!.replica]);
    const task = (await call(emu, "GET", `${p()}/tasks`)).json().tasks[0];
    expect(task).toMatchObject({ name: "RemoveIpFromDns", details: { replica_ip: "192.168.0.22", group_name: "group-1", node_name: "group-1-1" } });
    expect((await start("DeleteIpFromDomainName", values)).json()).toEqual(dcsError("DCS.4983", /already been removed/));
    expect((await start("DeleteIpFromDomainName", { ...values, node_id: G[1]!.master })).json()).toEqual(dcsError("DCS.4984", /only a replica's IP/));
  });

  it("reset puts the shards back as seeded, and a second emulator starts from an unchanged seed", async () => {
    await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.replica });
    clock.advance(durationOf("ExecuteClusterSwitchover"));
    expect((await groups()).group_list[0].replication_list[1].replication_role).toBe("master");
    const other = await startEmulator({ clock });
    try {
      const r = await call(other, "GET", `/v2/${other.projectId}/instance/${IDS.cluster}/groups`);
      expect(r.json().group_list[0].replication_list[1].replication_role).toBe("slave");
    } finally {
      await other.stop();
    }
    emu.reset();
    expect((await groups()).group_list[0].replication_list[1].replication_role).toBe("slave");
  });
});

describe("public access, whitelist, parameters and ACL accounts", () => {
  it("ShowInstance reports SSL and public access; UpdatePublicIp binds (EIP or ELB), DeletePublicIp unbinds", async () => {
    expect(await show(IDS.ha)).toMatchObject({ enable_ssl: false, enable_publicip: false, publicip_id: null, publicip_address: null });
    const eip = "5d3c2b1a-0f9e-4d8c-b7a6-554433221100";
    await start("UpdatePublicIp", { instance_id: IDS.ha }, { publicip_id: eip, enable_ssl: true });
    clock.advance(durationOf("UpdatePublicIp"));
    const bound = await show(IDS.ha);
    expect(bound).toMatchObject({ enable_publicip: true, publicip_id: eip, publicip_address: expect.stringMatching(/^203\.0\.113\.\d+$/) });
    // The body's enable_ssl is public access over SSL: ShowInstance's enable_ssl is UpdateSslSwitch's.
    expect(bound.enable_ssl).toBe(false);
    const task = (await call(emu, "GET", `${p()}/tasks`)).json().tasks[0];
    expect(task).toMatchObject({ name: "BindEip", params: JSON.stringify({ publicip_id: eip, enable_ssl: true }), details: { enable_public_ip: true, public_ip_id: eip, public_ip_address: bound.publicip_address } });
    await start("DeletePublicIp", { instance_id: IDS.ha });
    clock.advance(durationOf("DeletePublicIp"));
    expect(await show(IDS.ha)).toMatchObject({ enable_publicip: false, publicip_id: null, publicip_address: null });
  });

  it("ShowIpWhitelist: the seeded whitelist, replaced by UpdateIpWhitelistAsync when its job succeeds", async () => {
    expect(await whitelist()).toEqual({ instance_id: IDS.ha, enable_whitelist: true, whitelist: [{ group_name: "default", ip_list: ["192.168.0.0/16"] }] });
    await start("UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { instance_id: IDS.ha, enable_whitelist: false, whitelist: [] });
    clock.advance(durationOf("UpdateIpWhitelistAsync"));
    expect(await whitelist()).toEqual({ instance_id: IDS.ha, enable_whitelist: false, whitelist: [] });
    expect((await whitelist(IDS.ha2)).whitelist).toHaveLength(1);
  });

  it("ListConfigurations: config_status UPDATING while a change runs, SUCCESS after, FAILURE when it failed (values unchanged)", async () => {
    const before = await configs();
    expect(before).toMatchObject({ instance_id: IDS.ha, config_status: "SUCCESS", status: "RUNNING", config_time: "2024-01-01T00:00:00.000Z" });
    for (const c of before.redis_config) {
      expect(Object.keys(c).sort()).toEqual(["default_value", "description", "param_id", "param_name", "param_value", "value_range", "value_type"]);
      for (const v of Object.values(c)) expect(typeof v).toBe("string");
    }
    expect(before.redis_config.map((c: any) => [c.param_id, c.param_name])).toEqual(expect.arrayContaining([
      ["1", "timeout"],
      ["2", "maxmemory-policy"],
    ]));
    const t0 = clock.now();
    await start("UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [
      { param_id: "1", param_name: "timeout", param_value: "300" },
      { param_id: "2", param_name: "maxmemory-policy", param_value: "allkeys-lru" },
    ] });
    expect((await configs()).config_status).toBe("UPDATING");
    clock.advance(durationOf("UpdateInstanceConfig"));
    const after = await configs();
    expect(after).toMatchObject({ config_status: "SUCCESS", config_time: new Date(t0).toISOString() });
    const value = (name: string, list: any) => list.redis_config.find((c: any) => c.param_name === name).param_value;
    expect([value("timeout", after), value("maxmemory-policy", after), value("hash-max-ziplist-entries", after)]).toEqual(["300", "allkeys-lru", "512"]);
    expect((await call(emu, "GET", `${p()}/tasks`)).json().tasks[0].details).toEqual({ updated_config_length: 2 });

    emu.inject({ route: "config", kind: "failJob", failReason: "parameter rejected" });
    await start("UpdateInstanceConfig", { instance_id: IDS.ha }, { redis_config: [{ param_id: "1", param_name: "timeout", param_value: "5" }] });
    clock.advance(durationOf("UpdateInstanceConfig"));
    const failed = await configs();
    expect(failed.config_status).toBe("FAILURE");
    expect(value("timeout", failed)).toBe("300");
  });

  it("ListAclAccounts: the seeded default and app accounts; a role change shows UPDATING, then the role", async () => {
    const list = await accounts();
    expect(list.accounts).toEqual([
      { account_id: ACC.default, account_name: "default", account_type: "default", instance_id: IDS.ha, status: "AVAILABLE", account_role: "write", description: expect.any(String), error_code: null },
      { account_id: ACC.app, account_name: "app", account_type: "normal", instance_id: IDS.ha, status: "AVAILABLE", account_role: "write", description: expect.any(String), error_code: null },
    ]);
    const r = (await start("UpdateAclAccount", { instance_id: IDS.ha, account_id: ACC.app }, { account_role: "read" })).json();
    expect(r).toEqual({ job_id: expect.any(String), instance_id: IDS.ha });
    const during = (await accounts()).accounts;
    expect(during.map((a: any) => a.status)).toEqual(["AVAILABLE", "UPDATING"]);
    clock.advance(durationOf("UpdateAclAccount"));
    expect((await accounts()).accounts.map((a: any) => [a.account_name, a.account_role, a.status])).toEqual([
      ["default", "write", "AVAILABLE"],
      ["app", "read", "AVAILABLE"],
    ]);
    // Every instance has its own two accounts.
    expect((await accounts(IDS.cluster)).accounts.map((a: any) => a.account_id)).toEqual([emulatorAccountIds(IDS.cluster).default, emulatorAccountIds(IDS.cluster).app]);
  });

  it("the reads answer 404 for an unknown or deleted instance and 400 for a malformed ID; each is a route name for faults", async () => {
    emu.deleteInstance(IDS.ha);
    for (const path of [`instance/${IDS.ha}/whitelist`, `instances/${IDS.ha}/configs`, `instances/${IDS.ha}/accounts`, `instance/${IDS.ha}/groups`, `instances/${IDS.ha}/logical-nodes`]) {
      const r = await call(emu, "GET", `${p()}/${path}`);
      expect(r.status, path).toBe(404);
      expect(r.json().error_code).toBe("DCS.4404");
      expect((await call(emu, "GET", `${p()}/${path.replace(IDS.ha, "nope")}`)).json()).toEqual(invalid("instance_id"));
    }
    expect((await start("UpdateSslSwitch", { instance_id: IDS.ha }, { enabled: true })).status).toBe(404);
    emu.inject({ route: "listAclAccounts", kind: "throttle" });
    expect((await call(emu, "GET", `${p()}/instances/${IDS.cluster}/accounts`)).status).toBe(429);
    expect(emu.stats().byRoute).toMatchObject({ showIpWhitelist: 2, listConfigurations: 2, listAclAccounts: 3, listGroupReplicationInfo: 2, showNodes: 2, ssl: 1 });
  });
});

describe("faults on the new routes", () => {
  it("serverError after a start on a new route: the job started, the answer is a 502", async () => {
    emu.inject({ route: "whitelist", kind: "serverError", status: 502, when: "after" });
    const r = await start("UpdateIpWhitelistAsync", { instance_id: IDS.ha }, { enable_whitelist: true, whitelist: [] });
    expect(r.status).toBe(502);
    expect(emu.jobs()).toEqual([expect.objectContaining({ jobType: "AddWhitelist", instanceId: IDS.ha })]);
    expect(emu.stats().startCalls).toEqual([expect.objectContaining({ route: "whitelist" })]);
  });

  it("an instance filter on a cluster route, and hangJob keeps the cluster busy", async () => {
    emu.inject({ route: "cluster-switchover", kind: "hangJob", instanceId: IDS.cluster });
    const { job_id } = (await start("ExecuteClusterSwitchover", { instance_id: IDS.cluster, group_id: G[0]!.id, node_id: G[0]!.replica })).json();
    clock.advance(3_600_000);
    expect((await job(job_id)).status).toBe("RUNNING");
    expect((await start("UpdateSslSwitch", { instance_id: IDS.cluster }, { enabled: true })).json().error_code).toBe("DCS.4026");
  });
});
