/**
 * Conformance with the vendor, real client side: the Go program in test/conformance/ (built by
 * scripts/ensure-conformance.sh, huaweicloud-sdk-go-v3 v0.1.207 only) calls every route the emulator
 * serves — the 12 job-returning operations, ShowJobInfo, ShowInstance, both task lists and the progress
 * route — and decodes every answer into the SDK's models. A decode error, a refused request or a wrong
 * status fails. Routes the emulator does not serve yet are reported by name ("not served yet"); an
 * operation of the package's table that is not served fails.
 *
 * The suite also proves it can fail: a body cut in half (the emulator's `malformed` fault), and bodies
 * of the wrong types (a proxy rewriting the emulator's answers) are refused by the SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_INSTANCES, EMULATOR_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../provider/emulator";
import {
  ensureConformanceBinary,
  loadOperationTable,
  runConformance,
  startRecordingProxy,
  type ConformanceLine,
  type ConformanceParams,
  type ConformanceRun,
  type RecordingProxy,
  type TableOperation,
} from "./conformance/harness";
import { JOB_OPERATIONS } from "./conformance/sdk-request-defs";

/** Fresh master/standby instances, one per operation that changes an instance's settings. */
const EXTRA = {
  ssl: "c0f0e000-0000-4000-8000-000000000001",
  publicIp: "c0f0e000-0000-4000-8000-000000000002",
  whitelist: "c0f0e000-0000-4000-8000-000000000003",
  config: "c0f0e000-0000-4000-8000-000000000004",
  acl: "c0f0e000-0000-4000-8000-000000000005",
  resize: "c0f0e000-0000-4000-8000-000000000006",
} as const;

/** Served today, before the operation table: these must pass whatever else is served. */
const ALWAYS_SERVED = ["ShowJobInfo", "ShowInstance", "ListBackgroundTask", "ListCenterTask", "ChangeMasterStandbyAsync", "UpdateClientIpTransparentTransmission"];

type Loose = Record<string, unknown>;

/** A cluster instance's shard and a replica (not master) node of it, read from the seed as the emulator has it. */
function clusterTarget(instances: readonly unknown[], groupIndex: number): { instance_id: string; group_id: string; node_id: string } | undefined {
  for (const raw of instances) {
    const inst = raw as Loose;
    const groups = inst.groups as Loose[] | undefined;
    if (inst.cache_mode !== "cluster" || !Array.isArray(groups) || groups.length === 0) continue;
    const g = groups[Math.min(groupIndex, groups.length - 1)]!;
    const replicas = (g.replicas ?? g.replication_list ?? []) as Loose[];
    const replica = replicas.find((r) => r.role === "slave" || r.replication_role === "slave") ?? replicas[replicas.length - 1];
    if (typeof g.group_id === "string" && replica && typeof replica.node_id === "string") return { instance_id: String(inst.instance_id), group_id: g.group_id, node_id: replica.node_id };
  }
  return undefined;
}

/** An ACL account of an instance that is not the default one, as seeded. */
function aclAccount(instances: readonly unknown[], instanceId: string): string | undefined {
  const inst = instances.find((i) => (i as Loose).instance_id === instanceId) as Loose | undefined;
  const accounts = (inst?.acl_accounts ?? inst?.accounts) as Loose[] | undefined;
  if (!Array.isArray(accounts)) return undefined;
  const a = accounts.find((x) => x.account_type !== "default") ?? accounts[0];
  return typeof a?.account_id === "string" ? a.account_id : undefined;
}

/** The -params of the full run: which instance (and shard, node, account) each operation works on. */
function paramsFor(emu: RunningEmulator, table: readonly TableOperation[] | undefined): ConformanceParams {
  const example = (name: string) => table?.find((o) => o.name === name)?.exampleBody;
  const withBody = (name: string, p: ConformanceParams["operations"][string]) => {
    const body = example(name);
    return { ...p, ...(body !== undefined ? { body } : {}), job_status: "SUCCESS" };
  };
  const ops: ConformanceParams["operations"] = {
    ChangeMasterStandbyAsync: withBody("ChangeMasterStandbyAsync", { instance_id: EMULATOR_INSTANCE_IDS.ha }),
    UpdateClientIpTransparentTransmission: withBody("UpdateClientIpTransparentTransmission", { instance_id: EMULATOR_INSTANCE_IDS.proxy, body: { transparent_client_ip_enable: true } }),
    UpdateSslSwitch: withBody("UpdateSslSwitch", { instance_id: EXTRA.ssl }),
    UpdatePublicIp: withBody("UpdatePublicIp", { instance_id: EXTRA.publicIp }),
    DeletePublicIp: withBody("DeletePublicIp", { instance_id: EXTRA.publicIp }),
    UpdateIpWhitelistAsync: withBody("UpdateIpWhitelistAsync", { instance_id: EXTRA.whitelist }),
    UpdateInstanceConfig: withBody("UpdateInstanceConfig", { instance_id: EXTRA.config }),
    StartInstanceResizeCheckJob: withBody("StartInstanceResizeCheckJob", { instance_id: EXTRA.resize }),
    ExportInstancesTask: withBody("ExportInstancesTask", {}),
  };
  // The pass-through body must turn it on (the proxy instance is seeded off), whatever the table's example.
  ops.UpdateClientIpTransparentTransmission!.body = { transparent_client_ip_enable: true };
  const account = aclAccount(emu.instances, EXTRA.acl);
  if (account) ops.UpdateAclAccount = withBody("UpdateAclAccount", { instance_id: EXTRA.acl, account_id: account });
  const switchover = clusterTarget(emu.instances, 0);
  if (switchover) ops.ExecuteClusterSwitchover = withBody("ExecuteClusterSwitchover", switchover);
  const removeIp = clusterTarget(emu.instances, 1);
  if (removeIp) ops.DeleteIpFromDomainName = withBody("DeleteIpFromDomainName", removeIp);
  return { instances: emu.instances.map((i) => i.instance_id), operations: ops };
}

function describeLine(l: ConformanceLine): string {
  return `${l.operation}${l.for ? ` (after ${l.for})` : ""}${l.target ? ` on ${l.target}` : ""}: ${l.error_kind ?? "?"}: ${l.error}`;
}

const FAST = { speed: 1000, jobInitMs: 200 } as const;

let bin = "";
let buildLog = "";
let table: readonly TableOperation[] | undefined;

beforeAll(async () => {
  ({ bin, log: buildLog } = await ensureConformanceBinary());
  table = await loadOperationTable();
}, 16 * 60_000);

describe("the vendor's Go SDK against the emulator", () => {
  let emu: RunningEmulator;
  let full: ConformanceRun;

  beforeAll(async () => {
    emu = await startEmulator({
      ...FAST,
      instances: [...DEFAULT_INSTANCES, ...Object.entries(EXTRA).map(([k, id]) => ({ instance_id: id, cache_mode: "ha", name: `conformance-${k}` }))],
    });
    full = await runConformance(bin, { endpoint: emu.url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey }, paramsFor(emu, table), ["-allow-unserved", "-job-timeout", "60s", "-poll", "25ms"]);
    if (process.env.CONFORMANCE_VERBOSE) process.stderr.write(full.stdout + full.stderr);
  }, 5 * 60_000);
  afterAll(async () => {
    await emu?.stop();
  });

  it("builds the client from Go modules, cached by content", () => {
    expect(bin).toMatch(/conformance\/[0-9a-f]{16}\/conformance$/);
    expect(buildLog).toMatch(/ensure-conformance: (built in [\d.]+ s|using cached)/);
  });

  it("every served call decodes into the SDK's models, with the right status", () => {
    const failures = full.lines.filter((l) => l.served && !l.ok).map(describeLine);
    expect(failures, full.stderr).toEqual([]);
    expect(full.code, full.stderr).toBe(0);
  });

  it("ShowJobInfo, ShowInstance, both task lists, the swap and pass-through are served and pass", () => {
    for (const op of ALWAYS_SERVED) {
      const lines = full.lines.filter((l) => l.operation === op);
      expect(lines.length, `${op} was called`).toBeGreaterThan(0);
      expect(lines.filter((l) => !l.ok).map(describeLine)).toEqual([]);
    }
    // Every job was read to its end: the 13-digit times and the enum were checked on each.
    const jobs = full.lines.filter((l) => l.operation === "ShowJobInfo");
    expect(jobs.every((l) => l.job_status === "SUCCESS"), JSON.stringify(jobs)).toBe(true);
  });

  it("reports each of the 12 operations and the progress route by name, served or not (nothing skipped)", () => {
    for (const op of [...JOB_OPERATIONS, "ShowBackgroundTaskProgress"]) {
      expect(full.lines.some((l) => l.operation === op), `${op} has a line`).toBe(true);
    }
    const unserved = [...new Set(full.lines.filter((l) => !l.served).map((l) => l.operation))];
    if (unserved.length) console.info(`conformance: not served yet by the emulator: ${unserved.join(", ")}`);
    // Unserved lines are exactly the gateway's "API not found", never another failure in disguise.
    for (const l of full.lines.filter((x) => !x.served)) expect(l.error).toMatch(/^not served yet: 404 APIGW\.0101/);
  });

  it("every operation of the package's table is served at the SDK's path, with real path parameters", () => {
    if (!table) return; // no table yet: the 12 are reported above
    const problems: string[] = [];
    for (const op of table) {
      const lines = full.lines.filter((l) => l.operation === op.name);
      if (lines.length === 0) problems.push(`${op.name}: not in the conformance program's table`);
      for (const l of lines) {
        if (!l.served) problems.push(`${op.name}: in the package's table, but the emulator does not serve ${op.method} ${op.path} (${l.error})`);
        if (l.placeholder) problems.push(`${op.name}: no seeded instance/shard/node/account found for it, placeholder IDs sent`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the emulator's refusals, as the vendor SDK reads them", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator(FAST);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("carry the status and error_code the SDK's ServiceResponseError parses from the body", async () => {
    const I = EMULATOR_INSTANCE_IDS;
    const params: ConformanceParams = {
      instances: [],
      operations: {
        ChangeMasterStandbyAsync: { instance_id: I.single, expect_error: { status: 400, error_code: "DCS.4855" } },
        UpdateClientIpTransparentTransmission: { instance_id: I.ha2, body: { transparent_client_ip_enable: true }, expect_error: { status: 400, error_code: "DCS.4847" } },
        UpdateSslSwitch: { instance_id: "c0f0e000-0000-4000-8000-0000000000ff", body: { enabled: true }, expect_error: { status: 404, error_code: "DCS.4404" } },
        UpdateInstanceConfig: { instance_id: "not-a-uuid", expect_error: { status: 400, error_code: "DCS.4063" } },
      },
    };
    const r = await runConformance(bin, { endpoint: emu.url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey }, params, [
      "-only",
      Object.keys(params.operations).join(","),
    ]);
    expect(r.lines.map((l) => `${l.operation} ${l.ok} ${l.status} ${l.error_code ?? ""}`)).toEqual([
      "ChangeMasterStandbyAsync true 400 DCS.4855",
      "UpdateClientIpTransparentTransmission true 400 DCS.4847",
      "UpdateSslSwitch true 404 DCS.4404",
      "UpdateInstanceConfig true 400 DCS.4063",
    ]);
    expect(r.code, r.stdout).toBe(0);
  });
});

describe("a job that ends FAIL, and a job still running, as the vendor SDK reads them", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator(FAST);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("FAIL: fail_reason, the end time, the progress of the failed step and the task center's error_code decode", async () => {
    emu.inject({ route: "swap", kind: "failJob", failReason: "The standby node is not ready.", errorCode: "DCS.5000" });
    const r = await runConformance(bin, { endpoint: emu.url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey }, {
      instances: [EMULATOR_INSTANCE_IDS.ha],
      operations: { ChangeMasterStandbyAsync: { instance_id: EMULATOR_INSTANCE_IDS.ha, job_status: "FAIL" } },
    }, ["-only", "ChangeMasterStandbyAsync", "-poll", "25ms"]);
    expect(r.lines.filter((l) => !l.ok).map(describeLine)).toEqual([]);
    expect(r.lines.find((l) => l.operation === "ShowJobInfo")).toMatchObject({ ok: true, job_status: "FAIL" });
    expect(r.lines.map((l) => l.operation)).toEqual(["ChangeMasterStandbyAsync", "ShowJobInfo", "ListCenterTask", "ListBackgroundTask", "ShowBackgroundTaskProgress"]);
    expect(r.code).toBe(0);
  });

  it("RUNNING: ShowInstance with its `task`, the job, both lists and the progress of a job that never ends", async () => {
    emu.inject({ route: "swap", kind: "hangJob" });
    const target = { endpoint: emu.url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey };
    const started = await runConformance(bin, target, { instances: [], operations: { ChangeMasterStandbyAsync: { instance_id: EMULATOR_INSTANCE_IDS.ha2, no_wait: true } } }, ["-only", "ChangeMasterStandbyAsync"]);
    expect(started.lines[0]).toMatchObject({ ok: true });
    const reads = await runConformance(bin, target, { instances: [EMULATOR_INSTANCE_IDS.ha2], operations: {} }, ["-only", "ShowInstance,ListBackgroundTask,ListCenterTask"]);
    expect(reads.lines.filter((l) => !l.ok).map(describeLine)).toEqual([]);
    expect(reads.code).toBe(0);
    // The emulator's `task` while busy is not in the SDK's ShowInstanceResponse: ignored by its decoder, reported.
    const show = reads.lines.find((l) => l.operation === "ShowInstance")!;
    expect(show.warnings?.join(" ")).toMatch(/not in the SDK's ShowInstanceResponse.*\btask\b/);
  });
});

describe("the suite fails when the SDK cannot use an answer", () => {
  let emu: RunningEmulator;
  let proxy: RecordingProxy;
  const one = (): ConformanceParams => ({ instances: [EMULATOR_INSTANCE_IDS.ha], operations: { ChangeMasterStandbyAsync: { instance_id: EMULATOR_INSTANCE_IDS.ha } } });
  const at = (url: string) => ({ endpoint: url, projectId: emu.projectId, accessKey: emu.accessKey, secretKey: emu.secretKey });

  beforeAll(async () => {
    emu = await startEmulator(FAST);
    proxy = await startRecordingProxy(emu.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await emu?.stop();
  });

  it("a body cut in half (the emulator's `malformed` fault) is a decode error and a non-zero exit", async () => {
    emu.inject({ route: "showInstance", kind: "malformed" });
    const r = await runConformance(bin, at(emu.url), one(), ["-only", "ShowInstance"]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject({ operation: "ShowInstance", ok: false, served: true, status: 200, error_kind: "decode" });
    expect(r.lines[0]!.error).toMatch(/^decode: HTTP 200: /);
  });

  it("the same run without the fault passes (the failure above is the fault's)", async () => {
    const r = await runConformance(bin, at(proxy.url), one(), ["-only", "ShowInstance"]);
    expect(r.lines.map((l) => l.ok)).toEqual([true]);
    expect(r.code).toBe(0);
  });

  /** One wrong-typed field per case: the route it is on, the rewrite, and what must be reported. */
  const cases: { what: string; route: RegExp; mutate: (b: Loose) => void; op: string; kind: "decode" | "check"; error: RegExp }[] = [
    { what: "task_count as a number", route: /\/instances\/[^/]+\/tasks$/, mutate: (b) => (b.task_count = Number(b.task_count)), op: "ListBackgroundTask", kind: "decode", error: /TaskCount|task_count|ReadString/ },
    { what: "a task's details as a string", route: /\/instances\/[^/]+\/tasks$/, mutate: (b) => ((b.tasks as Loose[])[0]!.details = "{}"), op: "ListBackgroundTask", kind: "decode", error: /Details|details|ReadObject|readObjectStart/i },
    { what: "a task's params as an object", route: /\/instances\/[^/]+\/tasks$/, mutate: (b) => ((b.tasks as Loose[])[0]!.params = {}), op: "ListBackgroundTask", kind: "decode", error: /Params|params|ReadString/ },
    { what: "a job's begin_time as a number", route: /\/jobs\/[^/]+$/, mutate: (b) => (b.begin_time = Number(b.begin_time)), op: "ShowJobInfo", kind: "decode", error: /BeginTime|begin_time|ReadString/ },
    { what: "a job's begin_time in seconds (10 digits)", route: /\/jobs\/[^/]+$/, mutate: (b) => (b.begin_time = String(b.begin_time).slice(0, 10)), op: "ShowJobInfo", kind: "check", error: /begin_time "\d{10}" is not a 13-digit epoch-ms string/ },
    { what: "a job status outside the SDK's enum", route: /\/jobs\/[^/]+$/, mutate: (b) => (b.status = "DONE"), op: "ShowJobInfo", kind: "check", error: /status "DONE" is not in the SDK's enum/ },
    { what: "the center list's task_count as a number", route: /^\/v2\/[^/]+\/tasks$/, mutate: (b) => (b.task_count = Number(b.task_count)), op: "ListCenterTask", kind: "decode", error: /TaskCount|task_count|ReadString/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what} (${c.op}: ${c.kind})`, async () => {
      proxy.setRewrite((req, status, body) => {
        if (status !== 200 || !c.route.test(req.path)) return undefined;
        const b = JSON.parse(body) as Loose;
        c.mutate(b);
        return JSON.stringify(b);
      });
      try {
        const r = await runConformance(bin, at(proxy.url), one(), ["-only", "ChangeMasterStandbyAsync,ListCenterTask,ListBackgroundTask", "-poll", "25ms"]);
        const bad = r.lines.filter((l) => !l.ok);
        expect(r.code, r.stdout).toBe(1);
        expect(bad.length, r.stdout).toBeGreaterThan(0);
        expect(bad[0], r.stdout).toMatchObject({ operation: c.op, served: true, error_kind: c.kind });
        expect(bad[0]!.error).toMatch(c.error);
      } finally {
        proxy.setRewrite(undefined);
      }
    });
  }

  it("a refused request (a wrong secret key: 401 APIGW.0301) fails", async () => {
    const r = await runConformance(bin, { ...at(emu.url), secretKey: "not-the-secret-key-of-the-emulator" }, one(), ["-only", "ShowInstance"]);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatchObject({ operation: "ShowInstance", ok: false, status: 401, error_kind: "refused" });
    expect(r.lines[0]!.error).toMatch(/APIGW\.0301/);
  });
});
