/**
 * Conformance with the vendor, request side: what this package sends for each of the 12 job-returning
 * DCS operations (method, path template, path and query parameter names, body field names and types)
 * is compared with the vendor Go SDK's own request definitions, read at test time from the Go module
 * cache (`services/dcs/v2/dcs_meta.go` `GenReqDefFor…` and the request models in `model/`). A typo in a
 * path or a field fails here.
 *
 * This package's side: its operation table (`OPERATIONS` of provider/operations, imported behind an
 * existence check) or, before the table exists, the committed fixture test/conformance/sdk-request-defs.json;
 * and the requests `DcsClient` actually puts on the wire (recorded by a proxy in front of the emulator).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { EMULATOR_INSTANCE_IDS, startEmulator, type RunningEmulator } from "../provider/emulator";
import { ROOT, loadOperationTable, startRecordingProxy, type RecordingProxy, type SeenRequest, type TableOperation } from "./conformance/harness";
import {
  CONFORMANCE_DIR,
  JOB_OPERATIONS,
  READ_OPERATIONS,
  checkValue,
  compareDefs,
  readSdkRequestDefs,
  sdkModuleDir,
  zodShape,
  type PackageDef,
  type RequestDef,
  type Shape,
} from "./conformance/sdk-request-defs";

interface Fixture {
  source: string;
  operations: Record<string, RequestDef>;
}
const fixture = JSON.parse(readFileSync(join(CONFORMANCE_DIR, "sdk-request-defs.json"), "utf8")) as Fixture;

let moduleDir = "";
let sdk: Record<string, RequestDef> = {};
let table: readonly TableOperation[] | undefined;

beforeAll(async () => {
  moduleDir = sdkModuleDir();
  sdk = readSdkRequestDefs(moduleDir);
  table = await loadOperationTable();
}, 120_000);

/** The package's definition of one operation: from the table when it exists, else from the fixture. */
function packageDef(name: string): PackageDef | undefined {
  if (table) {
    const op = table.find((o) => o.name === name);
    if (!op) return undefined;
    return { name: op.name, method: op.method, path: op.path, pathParams: op.pathParams, ...(op.body ? { body: zodShape(op.body).shape } : {}) };
  }
  const f = fixture.operations[name];
  return f && { name, method: f.method, path: f.path, pathParams: f.pathParams, queryParams: f.queryParams, ...(f.body ? { body: f.body } : {}) };
}

describe("the vendor SDK's request definitions, from the module cache", () => {
  it("are compared with the operation table exactly when provider/operations exists", () => {
    expect(table !== undefined).toBe(existsSync(join(ROOT, "provider", "operations", "index.ts")));
  });

  it("are read for the 12 job-returning operations and the 5 reads", () => {
    expect(moduleDir).toMatch(/huaweicloud-sdk-go-v3@v0\.1\.207$/);
    expect(Object.keys(sdk).sort()).toEqual([...JOB_OPERATIONS, ...READ_OPERATIONS].sort());
    // Spot checks against dcs_meta.go as read by hand (docs/vendor-tasks.md): the extractor works.
    expect(sdk.UpdateClientIpTransparentTransmission).toMatchObject({ method: "PUT", path: "/v2/{project_id}/{instance_id}/client-ip-transparent-transmission", pathParams: ["instance_id"] });
    expect(sdk.ListCenterTask).toMatchObject({ method: "GET", path: "/v2/{project_id}/tasks", pathParams: [], queryParams: ["offset", "limit", "start_time", "end_time"] });
    expect(sdk.UpdateSslSwitch!.body!.fields.enabled).toEqual({ required: true, shape: { type: "boolean" } });
    expect(sdk.UpdateAclAccount!.body!.fields.account_role).toEqual({ required: false, shape: { type: "enum", values: ["read", "write"] } });
  });

  it("name exactly 12 operations whose answer carries job_id, besides ShowJobInfo (a new one in the SDK fails here)", () => {
    const modelDir = join(moduleDir, "services/dcs/v2/model");
    const meta = readFileSync(join(moduleDir, "services/dcs/v2/dcs_meta.go"), "utf8");
    const ops = [...meta.matchAll(/^func GenReqDefFor(\w+)\(\)/gm)].map((m) => m[1]!);
    const withJobId = ops.filter((op) => {
      const file = join(modelDir, `model_${op.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase()}_response.go`);
      let src = "";
      try {
        src = readFileSync(file, "utf8");
      } catch {
        return false;
      }
      const struct = new RegExp(`^type ${op}Response struct \\{\\n([\\s\\S]*?)^\\}`, "m").exec(src)?.[1] ?? "";
      return /json:"job_id[,"]/.test(struct);
    });
    expect(ops.length).toBeGreaterThan(100);
    expect(withJobId.filter((o) => o !== "ShowJobInfo").sort()).toEqual([...JOB_OPERATIONS].sort());
  });

  it("equal the committed fixture (regenerate: npx tsx test/conformance/gen-request-defs.ts)", () => {
    expect(fixture.source).toContain("huaweicloud-sdk-go-v3@v0.1.207");
    expect(fixture.operations).toEqual(sdk);
  });
});

describe(`this package's request definitions (the operation table, or the fixture until it exists) match the SDK's`, () => {
  for (const name of JOB_OPERATIONS) {
    it(`${name}: method, path, path and query parameters, body fields and types`, () => {
      const ours = packageDef(name);
      expect(ours, `${name} is in the package's ${table ? "operation table" : "fixture"}`).toBeDefined();
      expect(compareDefs(sdk[name]!, ours!)).toEqual([]);
    });
  }

  it("the table holds exactly the 12 operations, once each", () => {
    if (!table) return;
    expect(table.map((o) => o.name).sort()).toEqual([...JOB_OPERATIONS].sort());
  });

  it("each example body of the table fits the SDK's request model (field names, types, enums, required fields)", () => {
    if (!table) return;
    const problems: string[] = [];
    for (const op of table) {
      const model = sdk[op.name]?.body;
      if (op.exampleBody === undefined) {
        if (model && Object.values(model.fields).some((f) => f.required)) problems.push(`${op.name}: no example body, and the SDK's ${model.model} has required fields`);
        continue;
      }
      if (!model) problems.push(`${op.name}: an example body, but the SDK's request has none`);
      else checkValue(`${op.name} exampleBody`, model, op.exampleBody, problems);
    }
    expect(problems).toEqual([]);
  });

  describe("a typo fails the comparison", () => {
    const base = (name: string): PackageDef => packageDef(name)!;
    const renameField = (s: Shape | undefined, from: string, to: string): Shape | undefined => {
      if (!s || s.type !== "object") return s;
      const fields = Object.fromEntries(Object.entries(s.fields).map(([k, v]) => [k === from ? to : k, v]));
      return { ...s, fields };
    };
    const cases: [string, () => PackageDef, RegExp][] = [
      ["a path segment", () => ({ ...base("ChangeMasterStandbyAsync"), path: "/v2/{project_id}/instances/{instance_id}/async-swapp" }), /path .*async-swapp, the SDK's is .*async-swap$/],
      ["instance/ for instances/", () => ({ ...base("UpdateIpWhitelistAsync"), path: "/v2/{project_id}/instances/{instance_id}/whitelist-async" }), /path .*, the SDK's is \/v2\/\{project_id\}\/instance\/\{instance_id\}\/whitelist-async/],
      ["a path parameter", () => ({ ...base("ExecuteClusterSwitchover"), pathParams: ["instance_id", "group_id", "replica_id"] }), /path parameters \[instance_id, group_id, replica_id\], the SDK's are \[instance_id, group_id, node_id\]/],
      ["the method", () => ({ ...base("UpdatePublicIp"), method: "PUT" }), /method PUT, the SDK's is POST/],
      ["a body field name", () => ({ ...base("UpdateSslSwitch"), body: renameField(base("UpdateSslSwitch").body, "enabled", "enable") }), /body\.enable: not a field of the SDK's UpdateSslSwitchRequestBody/],
      ["a nested body field name", () => {
        const b = base("UpdateIpWhitelistAsync").body as Shape & { type: "object" };
        const wl = b.fields.whitelist!.shape as Shape & { type: "array" };
        const item = renameField(wl.items, "ip_list", "ips")!;
        return { ...base("UpdateIpWhitelistAsync"), body: { ...b, fields: { ...b.fields, whitelist: { ...b.fields.whitelist!, shape: { type: "array", items: item } } } } };
      }, /body\.whitelist\[\]\.ips: not a field/],
      ["a body field type", () => {
        const b = base("StartInstanceResizeCheckJob").body as Shape & { type: "object" };
        return { ...base("StartInstanceResizeCheckJob"), body: { ...b, fields: { ...b.fields, new_capacity: { required: false, shape: { type: "string" } } } } };
      }, /body\.new_capacity: the SDK has integer, the package string/],
      ["an enum value", () => {
        const b = base("UpdateAclAccount").body as Shape & { type: "object" };
        return { ...base("UpdateAclAccount"), body: { ...b, fields: { account_role: { required: false, shape: { type: "enum", values: ["read", "readwrite"] } } } } };
      }, /account_role: the SDK's enum is read\|write, the package's read\|readwrite/],
      ["a required field made optional", () => {
        const b = base("ExportInstancesTask").body as Shape & { type: "object" };
        return { ...base("ExportInstancesTask"), body: { ...b, fields: { ...b.fields, region: { required: false, shape: { type: "string" } } } } };
      }, /body\.region: required in the SDK, optional in the package/],
      ["a body the SDK's request does not have", () => ({ ...base("DeletePublicIp"), body: { type: "object", fields: {} } }), /sends a body, the SDK's request has none/],
    ];
    for (const [what, make, msg] of cases) {
      it(`in ${what}`, () => {
        const ours = make();
        const diffs = compareDefs(sdk[ours.name]!, ours);
        expect(diffs.length).toBeGreaterThan(0);
        expect(diffs.join("\n")).toMatch(msg);
      });
    }

    it("in a table's zod schema (converted the same way as the table's)", async () => {
      const { z } = await import("zod");
      const typo = z.strictObject({ transparent_client_ip_enabled: z.boolean().optional() });
      const ours: PackageDef = { ...base("UpdateClientIpTransparentTransmission"), body: zodShape(typo).shape };
      const diffs = compareDefs(sdk.UpdateClientIpTransparentTransmission!, ours);
      expect(diffs.some((d) => /body\.transparent_client_ip_enabled: not a field of the SDK's UpdateClientIpTransparentTransmissionRequestBody/.test(d)), diffs.join("\n")).toBe(true);
      expect(diffs.some((d) => /body\.transparent_client_ip_enable: in the SDK's .*missing from the package/.test(d)), diffs.join("\n")).toBe(true);
    });
  });
});

describe("the requests DcsClient puts on the wire match the SDK's definitions", () => {
  let emu: RunningEmulator;
  let proxy: RecordingProxy;
  let client: DcsClient;

  beforeAll(async () => {
    emu = await startEmulator({ speed: 1000, jobInitMs: 200 });
    proxy = await startRecordingProxy(emu.url);
    client = new DcsClient({ endpoint: proxy.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await emu?.stop();
  });

  /** The SDK template's path values for a concrete path, or undefined when it does not fit. */
  function fit(template: string, path: string): Record<string, string> | undefined {
    const t = template.split("/");
    const p = path.split("/");
    if (t.length !== p.length) return undefined;
    const values: Record<string, string> = {};
    for (let i = 0; i < t.length; i++) {
      const name = /^\{(\w+)\}$/.exec(t[i]!)?.[1];
      if (name) values[name] = decodeURIComponent(p[i]!);
      else if (t[i] !== p[i]) return undefined;
    }
    return values;
  }

  /** Checks the last request against an SDK definition: method, path template, query names, body. */
  function lastRequestFits(op: string): string[] {
    return requestFits(op, proxy.requests[proxy.requests.length - 1]!);
  }

  function requestFits(op: string, req: SeenRequest): string[] {
    const def = sdk[op]!;
    const problems: string[] = [];
    if (req.method !== def.method) problems.push(`${op}: sent ${req.method}, the SDK's method is ${def.method}`);
    const values = fit(def.path, req.path);
    if (!values) problems.push(`${op}: sent ${req.path}, which does not fit the SDK's ${def.path}`);
    else if (values.project_id !== emu.projectId) problems.push(`${op}: project ${values.project_id}`);
    for (const k of req.query.keys()) if (!def.queryParams.includes(k)) problems.push(`${op}: query parameter ${k} is not one of the SDK's (${def.queryParams.join(", ") || "none"})`);
    if (def.body) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(req.body);
      } catch {
        problems.push(`${op}: the body ${JSON.stringify(req.body.slice(0, 60))} is not JSON`);
      }
      if (parsed !== undefined) checkValue(`${op} body`, def.body, parsed, problems);
    } else if (req.body.length > 0) problems.push(`${op}: sent a body, the SDK's request has none`);
    return problems;
  }

  it("reads: ShowJobInfo, ShowInstance, ListBackgroundTask, ListCenterTask, ShowBackgroundTaskProgress", async () => {
    const started = await client.swapMasterStandby(EMULATOR_INSTANCE_IDS.ha);
    await client.showJob(started.jobId);
    const problems = lastRequestFits("ShowJobInfo");
    await client.showInstance(EMULATOR_INSTANCE_IDS.ha);
    problems.push(...lastRequestFits("ShowInstance"));
    const now = Date.now();
    const window = { start: new Date(now - 3_600_000), end: new Date(now + 30 * 86_400_000), offset: 0, limit: 10 };
    const tasks = await client.listTasks(EMULATOR_INSTANCE_IDS.ha, window);
    problems.push(...lastRequestFits("ListBackgroundTask"));
    await client.listCenterTasks(window);
    problems.push(...lastRequestFits("ListCenterTask"));
    const c = client as unknown as { showTaskProgress?: (i: string, t: string) => Promise<unknown> };
    if (c.showTaskProgress && tasks[0]) {
      await c.showTaskProgress.call(client, EMULATOR_INSTANCE_IDS.ha, tasks[0].id);
      problems.push(...lastRequestFits("ShowBackgroundTaskProgress"));
    }
    expect(problems).toEqual([]);
    // Both task lists send every query parameter the SDK defines.
    const center = proxy.requests.filter((r) => /^\/v2\/[^/]+\/tasks$/.test(r.path)).pop()!;
    expect([...center.query.keys()].sort()).toEqual([...sdk.ListCenterTask!.queryParams].sort());
  });

  it("the swap and the pass-through call", async () => {
    await client.swapMasterStandby(EMULATOR_INSTANCE_IDS.ha2);
    const problems = lastRequestFits("ChangeMasterStandbyAsync");
    await client.setClientIpPassThrough(EMULATOR_INSTANCE_IDS.proxy, true);
    problems.push(...lastRequestFits("UpdateClientIpTransparentTransmission"));
    expect(problems).toEqual([]);
  });

  it("every operation of the table through DcsClient.startOperation, with the table's example body", async () => {
    if (!table) return;
    type Start = (this: DcsClient, op: TableOperation, values: Record<string, string>, body: unknown) => Promise<unknown>;
    const start = (client as unknown as { startOperation?: Start }).startOperation;
    expect(start, "DcsClient.startOperation (the client's start for the table's operations)").toBeTypeOf("function");
    const problems: string[] = [];
    let checked = 0;
    const id = "0d0e0f10-1112-4314-9516-171819202122"; // any UUID: the call's answer does not matter here
    for (const op of table) {
      const values = Object.fromEntries(op.pathParams.map((p) => [p, p === "account_id" ? "acc0a990-conformance" : id]));
      const before = proxy.requests.length;
      await start!.call(client, op, values, op.exampleBody).catch(() => undefined);
      if (proxy.requests.length === before) {
        problems.push(`${op.name}: no request sent`);
        continue;
      }
      // The start call is the first request it sent (a refused call may be followed by a task-list look).
      problems.push(...requestFits(op.name, proxy.requests[before]!));
      checked++;
    }
    expect(problems).toEqual([]);
    expect(checked).toBe(JOB_OPERATIONS.length);
  });
});
