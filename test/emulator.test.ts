/**
 * The emulator's API contract on the wire: raw requests signed with the project's signer, sent over
 * real sockets on 127.0.0.1, checked field by field against `shared/dcs-api.md`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_INSTANCES,
  EMULATOR_DEFAULTS,
  EMULATOR_INSTANCE_IDS as IDS,
  ManualClock,
  isLoopbackAddress,
  isLoopbackHost,
  manualClock,
  parseSeedText,
  ROUTE_NAMES,
  startEmulator,
  type RunningEmulator,
} from "../provider/emulator";
import { parseTaskTime } from "../provider/emulator/state";
import { signRequest } from "../provider/signer";
import { serveEmulatorFromCli, emulatorEnv } from "../provider/emulator/serve";
import { describeWindow, parseThrottleSpec } from "../provider/emulator/throttle";
import { EMULATED_OPERATIONS, EMULATOR_CLUSTER } from "../provider/emulator";
import { operationRouteName } from "../provider/emulator/faults";
import { OPERATIONS } from "../provider/operations/table";
import { fillPath } from "../provider/operations/request";
import type { OperationDef } from "../provider/operations/types";

const HEX32 = /^[0-9a-f]{32}$/;
const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
afterAll(() => dispatcher.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

interface CallOptions {
  body?: unknown;
  /** Sign with these instead of the emulator's. */
  creds?: { accessKey: string; secretKey: string };
  /** Sign as of this date. */
  date?: Date;
  /** Send without any signature. */
  unsigned?: boolean;
  headers?: Record<string, string>;
  /** Change the body after signing. */
  tamperBody?: string;
  timeoutMs?: number;
}

async function call(emu: RunningEmulator, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const url = emu.url + path;
  const body = o.body === undefined ? undefined : typeof o.body === "string" ? o.body : JSON.stringify(o.body);
  const base: Record<string, string> = { "content-type": "application/json", ...(o.headers ?? {}) };
  let headers = base;
  if (!o.unsigned) {
    const signed = signRequest({ method, url, headers: base, body }, o.creds ?? { accessKey: emu.accessKey, secretKey: emu.secretKey }, o.date);
    headers = Object.fromEntries(Object.entries(signed).filter(([k]) => k.toLowerCase() !== "host"));
  }
  const res = await request(url, {
    method: method as "GET",
    headers,
    body: o.tamperBody ?? body,
    dispatcher,
    ...(o.timeoutMs ? { headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

const p = (emu: RunningEmulator) => `/v2/${emu.projectId}`;

/** The background task's ID of a job (a different value from the job ID). */
const taskOf = (emu: RunningEmulator, jobId: string): string => {
  const job = emu.jobs().find((j) => j.jobId === jobId);
  if (!job) throw new Error(`no job ${jobId}`);
  return job.taskId;
};

async function admin(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await request(emu.url + path, {
    method: method as "GET",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
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

describe("ShowInstance", () => {
  it("answers the seeded master/standby instance with the contract's fields and a request ID", async () => {
    const r = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.headers["x-request-id"]).toMatch(HEX32);
    const body = r.json();
    expect(body).toMatchObject({
      instance_id: IDS.ha,
      name: "emu-redis-ha",
      status: "RUNNING",
      engine: "Redis",
      engine_version: "5.0",
      cache_mode: "ha",
      transparent_client_ip_enable: false,
      features: { support_transparent_client_ip: true },
      master_node: "emu-redis-ha-node-1",
      standby_node: "emu-redis-ha-node-2",
    });
    expect(body).not.toHaveProperty("task");
  });

  it("reports no master node for a single-node instance", async () => {
    const body = (await call(emu, "GET", `${p(emu)}/instances/${IDS.single}`)).json();
    expect(body.cache_mode).toBe("single");
    expect(body).not.toHaveProperty("master_node");
  });

  it("answers 404 for an unknown instance and 400 for a malformed ID", async () => {
    const r = await call(emu, "GET", `${p(emu)}/instances/11111111-2222-3333-4444-555555555555`);
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error_code: "DCS.4404", error_msg: expect.stringContaining("does not exist"), error_ext_msg: null });
    const bad = await call(emu, "GET", `${p(emu)}/instances/not-a-uuid`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error_code: "DCS.4063", error_msg: "Invalid instance_id parameter in the request.", error_ext_msg: null });
  });
});

describe("master/standby switchover job", () => {
  it("starts, moves INIT -> RUNNING -> SUCCESS on the manual clock, and flips the master", async () => {
    const t0 = clock.now();
    const start = await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`);
    expect(start.status).toBe(200);
    const { job_id } = start.json();
    expect(Object.keys(start.json())).toEqual(["job_id"]);
    expect(job_id).toMatch(HEX32);

    const init = await call(emu, "GET", `${p(emu)}/jobs/${job_id}`);
    expect(init.status).toBe(200);
    expect(init.json()).toEqual({
      job_id,
      job_type: "masterStandbySwapJob",
      status: "INIT",
      begin_time: String(t0),
      end_time: "",
      fail_reason: null,
    });

    clock.advance(1_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json().status).toBe("RUNNING");
    const busy = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json();
    expect(busy.task).toBe("masterStandbySwapJob");
    expect(busy.master_node).toBe("emu-redis-ha-node-1");

    clock.advance(4_999);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json().status).toBe("RUNNING");
    clock.advance(1);
    const done = (await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json();
    expect(done).toEqual({
      job_id,
      job_type: "masterStandbySwapJob",
      status: "SUCCESS",
      begin_time: String(t0),
      end_time: String(t0 + 6_000),
      fail_reason: null,
    });
    const after = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json();
    expect(after.master_node).toBe("emu-redis-ha-node-2");
    expect(after.standby_node).toBe("emu-redis-ha-node-1");
    expect(after).not.toHaveProperty("task");
  });

  it("refuses a second operation while one runs with the busy code, then accepts it afterwards", async () => {
    const { job_id } = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json();
    const again = await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`);
    expect(again.status).toBe(400);
    expect(again.json()).toEqual({ error_code: "DCS.4026", error_msg: expect.stringContaining("masterStandbySwapJob"), error_ext_msg: null });
    const passThrough = await call(emu, "PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } });
    expect(passThrough.status).toBe(400);
    expect(passThrough.json().error_code).toBe("DCS.4026");

    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json().status).toBe("SUCCESS");
    const second = await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`);
    expect(second.status).toBe(200);
    clock.advance(6_000);
    // Swapped twice: back to the first node.
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().master_node).toBe("emu-redis-ha-node-1");
    expect(emu.stats().startCalls).toHaveLength(2);
  });

  it("answers DCS.4855 for single-node and proxy instances", async () => {
    for (const id of [IDS.single, IDS.proxy]) {
      const r = await call(emu, "PUT", `${p(emu)}/instances/${id}/async-swap`);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error_code: "DCS.4855", error_msg: "Master standby swap is not supported.", error_ext_msg: null });
    }
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("serves the synchronous swap fallback: 204, no body, master flipped at once", async () => {
    const r = await call(emu, "POST", `${p(emu)}/instances/${IDS.ha}/swap`);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers["x-request-id"]).toMatch(HEX32);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().master_node).toBe("emu-redis-ha-node-2");
    expect(emu.stats().startCalls).toEqual([expect.objectContaining({ route: "swapSync", instanceId: IDS.ha, jobType: "masterStandbySwapJob" })]);
  });

  it("takes per-type durations and the INIT phase from options", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, jobDurations: { masterStandbySwapJob: 500 }, jobInitMs: 100 });
    const t0 = clock.now();
    const { job_id } = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json();
    clock.advance(100);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json().status).toBe("RUNNING");
    clock.advance(400);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json()).toMatchObject({ status: "SUCCESS", end_time: String(t0 + 500) });
  });
});

describe("client-IP pass-through job", () => {
  const path = (emu: RunningEmulator, id: string) => `${p(emu)}/${id}/client-ip-transparent-transmission`;

  it("starts a modifyClientIpTransJob and flips transparent_client_ip_enable when it succeeds", async () => {
    const r = await call(emu, "PUT", path(emu, IDS.ha), { body: { transparent_client_ip_enable: true } });
    expect(r.status).toBe(200);
    const { job_id } = r.json();
    const again = await call(emu, "PUT", path(emu, IDS.ha), { body: { transparent_client_ip_enable: true } });
    expect(again.status).toBe(400);
    expect(again.json().error_code).toBe("DCS.4300");
    clock.advance(19_999);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().transparent_client_ip_enable).toBe(false);
    clock.advance(1);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json()).toMatchObject({ job_type: "modifyClientIpTransJob", status: "SUCCESS" });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().transparent_client_ip_enable).toBe(true);
    const already = await call(emu, "PUT", path(emu, IDS.ha), { body: { transparent_client_ip_enable: true } });
    expect(already.status).toBe(400);
    expect(already.json().error_code).toBe("DCS.4847");
  });

  it("answers DCS.4846 when already off, DCS.4838 when unsupported, DCS.4063 for a bad body", async () => {
    const off = await call(emu, "PUT", path(emu, IDS.ha), { body: { transparent_client_ip_enable: false } });
    expect(off.status).toBe(400);
    expect(off.json().error_code).toBe("DCS.4846");
    const single = await call(emu, "PUT", path(emu, IDS.single), { body: { transparent_client_ip_enable: true } });
    expect(single.status).toBe(400);
    expect(single.json().error_code).toBe("DCS.4838");
    for (const body of [{ transparent_client_ip_enable: "true" }, {}, "not json", [true]]) {
      const bad = await call(emu, "PUT", path(emu, IDS.ha), { body });
      expect(bad.status).toBe(400);
      expect(bad.json()).toEqual({ error_code: "DCS.4063", error_msg: "Invalid transparent_client_ip_enable parameter in the request.", error_ext_msg: null });
    }
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("works on the proxy instance and the pre-enabled ha2 can be turned off", async () => {
    expect((await call(emu, "PUT", path(emu, IDS.proxy), { body: { transparent_client_ip_enable: true } })).status).toBe(200);
    expect((await call(emu, "PUT", path(emu, IDS.ha2), { body: { transparent_client_ip_enable: false } })).status).toBe(200);
    clock.advance(20_000);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha2}`)).json().transparent_client_ip_enable).toBe(false);
  });

  it("blocks a swap while a pass-through change runs (busy code)", async () => {
    await call(emu, "PUT", path(emu, IDS.ha), { body: { transparent_client_ip_enable: true } });
    const swap = await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`);
    expect(swap.status).toBe(400);
    expect(swap.json().error_code).toBe("DCS.4026");
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().task).toBe("modifyClientIpTransJob");
  });
});

describe("background task list", () => {
  it("lists the instance's jobs newest first with the documented fields and a string count", async () => {
    const t0 = clock.now();
    const first = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(6_000);
    const second = (await call(emu, "PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    clock.advance(1_500);
    // Another instance's job is not listed.
    await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha2}/async-swap`);

    const r = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?offset=0&limit=10`);
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.task_count).toBe("2");
    expect(body.tasks).toEqual([
      {
        id: taskOf(emu, second),
        name: "modifyClientIpTransJob",
        status: "RUNNING",
        created_at: new Date(t0 + 6_000).toISOString(),
        updated_at: null,
        user_name: "emulator-user",
        user_id: expect.stringMatching(HEX32),
        params: '{"transparent_client_ip_enable":true}',
        details: {},
        enable_show: false,
      },
      {
        id: taskOf(emu, first),
        name: "masterStandbySwapJob",
        status: "SUCCESS",
        created_at: new Date(t0).toISOString(),
        updated_at: new Date(t0 + 6_000).toISOString(),
        user_name: "emulator-user",
        user_id: expect.stringMatching(HEX32),
        params: null,
        details: {},
        enable_show: false,
      },
    ]);
    expect(body.tasks[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("filters by the UTC yyyyMMddHHmmss window (begin_time accepted as an alias) and pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id);
      clock.advance(60_000);
    }
    // Jobs at 10:00:00, 10:01:00, 10:02:00 UTC on 2024-01-15.
    const window = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?start_time=20240115100030&end_time=20240115100200`);
    expect(window.json().tasks.map((t: { id: string }) => t.id)).toEqual([taskOf(emu, ids[2]!), taskOf(emu, ids[1]!)]);
    const alias = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?begin_time=20240115100100`);
    expect(alias.json().task_count).toBe("2");
    const page = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?offset=1&limit=1`);
    expect(page.json()).toMatchObject({ task_count: "3", tasks: [{ id: taskOf(emu, ids[1]!) }] });
  });

  it("answers 400 DCS.4063 for a malformed time or limit", async () => {
    for (const q of ["start_time=2024-01-15", "end_time=20240230000000", "limit=0", "offset=-1"]) {
      const r = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json().error_code).toBe("DCS.4063");
    }
  });

  it("parses task-list times as UTC", () => {
    expect(parseTaskTime("20200609160000")).toBe(Date.UTC(2020, 5, 9, 16, 0, 0));
    expect(parseTaskTime("2020060916000")).toBeUndefined();
    expect(parseTaskTime("20201301000000")).toBeUndefined();
  });
});

/** Keys and JSON types of SingleBackgroundTask (vendor SDK `model_single_background_task.go`). */
const SINGLE_TASK_KEYS = ["created_at", "details", "enable_show", "id", "name", "params", "status", "updated_at", "user_id", "user_name"];
/** ListCenterTasksResp (`model_list_center_tasks_resp.go`): the same plus `error_code` and `job_id`. */
const CENTER_TASK_KEYS = [...SINGLE_TASK_KEYS, "error_code", "job_id"].sort();
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function expectSdkTaskTypes(t: Record<string, unknown>): void {
  for (const k of ["id", "name", "user_name", "user_id", "status", "created_at"]) expect(typeof t[k], k).toBe("string");
  expect(t.created_at).toMatch(ISO_MS);
  expect(t.updated_at === null || (typeof t.updated_at === "string" && ISO_MS.test(t.updated_at))).toBe(true);
  // DetailsBody is an object; params is a string (`*string`), null when there are none.
  expect(t.details !== null && typeof t.details === "object" && !Array.isArray(t.details)).toBe(true);
  expect(t.params === null || typeof t.params === "string").toBe(true);
  expect(typeof t.enable_show).toBe("boolean");
}

describe("task IDs and the tenant-wide task center", () => {
  const center = (q = "") => call(emu, "GET", `${p(emu)}/tasks${q}`);

  it("gives every job its own task ID: 32 hex, never a job ID, unique", async () => {
    const swap = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    const ip = (await call(emu, "PUT", `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    await call(emu, "POST", `${p(emu)}/instances/${IDS.ha2}/swap`);
    const jobs = emu.jobs();
    expect(jobs).toHaveLength(3);
    expect(jobs.map((j) => j.jobId).slice(0, 2)).toEqual([swap, ip]);
    const jobIds = new Set(jobs.map((j) => j.jobId));
    for (const j of jobs) {
      expect(j.taskId).toMatch(HEX32);
      expect(jobIds.has(j.taskId)).toBe(false);
    }
    expect(new Set(jobs.map((j) => j.taskId)).size).toBe(3);
    // A task ID is not a job ID: ShowJobInfo does not know it.
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobs[0]!.taskId}`)).status).toBe(404);
  });

  it("per-instance list: SingleBackgroundTask's fields and types exactly, id = task ID, no job_id", async () => {
    const jobId = (await call(emu, "PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    const body = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json();
    expect(Object.keys(body).sort()).toEqual(["task_count", "tasks"]);
    expect(body.task_count).toBe("1");
    const t = body.tasks[0];
    expect(Object.keys(t).sort()).toEqual(SINGLE_TASK_KEYS);
    expectSdkTaskTypes(t);
    expect(t.id).toBe(taskOf(emu, jobId));
    expect(t.id).not.toBe(jobId);
    expect(JSON.stringify(body)).not.toContain(jobId);
  });

  it("GET /v2/{project_id}/tasks: every instance's tasks with ListCenterTasksResp's fields, id and job_id distinct", async () => {
    const t0 = clock.now();
    emu.inject({ route: "swap", kind: "failJob", failReason: "standby lagging", durationMs: 1_000 });
    const failed = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(1_000);
    const running = (await call(emu, "PUT", `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    const r = await center();
    expect(r.status).toBe(200);
    const body = r.json();
    expect(Object.keys(body).sort()).toEqual(["task_count", "tasks"]);
    expect(body.task_count).toBe("2");
    for (const t of body.tasks) {
      expect(Object.keys(t).sort()).toEqual(CENTER_TASK_KEYS);
      expectSdkTaskTypes(t);
      expect(typeof t.job_id).toBe("string");
      expect(t.error_code === null || typeof t.error_code === "string").toBe(true);
      expect(t.id).not.toBe(t.job_id);
    }
    // Newest first; no instance ID on the items (the SDK model has none).
    expect(body.tasks).toEqual([
      expect.objectContaining({ id: taskOf(emu, running), job_id: running, name: "modifyClientIpTransJob", status: "INIT", error_code: null, updated_at: null }),
      expect.objectContaining({
        id: taskOf(emu, failed),
        job_id: failed,
        name: "masterStandbySwapJob",
        status: "FAIL",
        error_code: "DCS.5000",
        created_at: new Date(t0).toISOString(),
        updated_at: new Date(t0 + 1_000).toISOString(),
      }),
    ]);
    expect(JSON.stringify(body)).not.toContain(IDS.ha);
  });

  it("the task center takes the SDK's offset/limit/start_time/end_time, ignores instance_id, and answers 400 for malformed ones", async () => {
    const ids: string[] = [];
    for (const inst of [IDS.ha, IDS.ha2, IDS.ha]) {
      ids.push((await call(emu, "PUT", `${p(emu)}/instances/${inst}/async-swap`)).json().job_id);
      clock.advance(60_000);
    }
    // Jobs at 10:00:00, 10:01:00, 10:02:00 UTC on 2024-01-15.
    const window = (await center("?start_time=20240115100030&end_time=20240115100200")).json();
    expect(window.tasks.map((t: { job_id: string }) => t.job_id)).toEqual([ids[2], ids[1]]);
    const page = (await center("?offset=1&limit=1")).json();
    expect(page).toMatchObject({ task_count: "3", tasks: [{ job_id: ids[1] }] });
    // Not a vendor parameter: the list is not narrowed.
    expect((await center(`?instance_id=${IDS.ha2}`)).json().task_count).toBe("3");
    for (const q of ["start_time=2024-01-15", "end_time=20240230000000", "limit=0", "limit=1001", "offset=-1"]) {
      const r = await center(`?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json().error_code).toBe("DCS.4063");
    }
  });

  it("listCenterTasks is a route name for faults and stats", async () => {
    expect(ROUTE_NAMES).toContain("listCenterTasks");
    emu.inject([
      { route: "listCenterTasks", kind: "serverError", status: 503 },
      { route: "listCenterTasks", kind: "notFound" },
    ]);
    expect((await center()).status).toBe(503);
    const nf = await center();
    expect(nf.status).toBe(404);
    expect(nf.json().error_code).toBe("DCS.4404");
    expect((await center()).status).toBe(200);
    // A per-instance fault does not hit the tenant-wide list.
    emu.inject({ route: "listTasks", kind: "throttle" });
    expect((await center()).status).toBe(200);
    const stats = emu.stats();
    expect(stats.byRoute.listCenterTasks).toBe(4);
    expect(stats.byRoute.listTasks).toBe(0);
    expect(stats.faultsFired.map((f) => f.route)).toEqual(["listCenterTasks", "listCenterTasks"]);
  });

  it("jobs() reports every job with its task, type, instance, begin and current status", async () => {
    const t0 = clock.now();
    const a = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(1_000);
    const b = (await call(emu, "PUT", `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    clock.advance(5_000);
    expect(emu.jobs()).toEqual([
      { jobId: a, taskId: expect.stringMatching(HEX32), jobType: "masterStandbySwapJob", instanceId: IDS.ha, beginMs: t0, status: "SUCCESS" },
      { jobId: b, taskId: expect.stringMatching(HEX32), jobType: "modifyClientIpTransJob", instanceId: IDS.proxy, beginMs: t0 + 1_000, status: "RUNNING" },
    ]);
    expect(emu.stats().startCalls.map((s) => s.jobId)).toEqual([a, b]);
    const viaAdmin = (await admin(emu, "GET", "/_emulator/jobs")).json().jobs;
    expect(viaAdmin).toEqual(emu.jobs());
    emu.reset();
    expect(emu.jobs()).toEqual([]);
  });
});

describe("task-list lag", () => {
  it("taskListLagMs: a task shows in both lists only that long after its job began; the job is readable at once", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, taskListLagMs: 5_000 });
    const jobId = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).status).toBe(200);
    const lists = async () => [
      (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json(),
      (await call(emu, "GET", `${p(emu)}/tasks`)).json(),
    ];
    for (const l of await lists()) expect(l).toEqual({ task_count: "0", tasks: [] });
    clock.advance(4_999);
    for (const l of await lists()) expect(l.task_count).toBe("0");
    clock.advance(1);
    const [own, all] = await lists();
    expect(own.tasks).toEqual([expect.objectContaining({ id: taskOf(emu, jobId), created_at: new Date(clock.now() - 5_000).toISOString() })]);
    expect(all.tasks).toEqual([expect.objectContaining({ id: taskOf(emu, jobId), job_id: jobId })]);
  });

  it("rejects a negative lag or retention", async () => {
    await expect(startEmulator({ clock, taskListLagMs: -1 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ clock, jobRetentionMs: -1 })).rejects.toThrow(RangeError);
  });
});

describe("5xx after a start", () => {
  const swapPath = (emu: RunningEmulator) => `${p(emu)}/instances/${IDS.ha}/async-swap`;

  it("serverError when 'after': the job WAS started, then 502 is answered", async () => {
    emu.inject({ route: "swap", kind: "serverError", status: 502, when: "after" });
    const r = await call(emu, "PUT", swapPath(emu));
    expect(r.status).toBe(502);
    expect(r.json()).toEqual({ error_code: "DCS.5000", error_msg: "Internal service error.", error_ext_msg: null });
    expect(r.text).not.toContain("job_id");
    const starts = emu.stats().startCalls;
    expect(starts).toHaveLength(1);
    expect(emu.jobs()).toEqual([expect.objectContaining({ jobId: starts[0]!.jobId, instanceId: IDS.ha, jobType: "masterStandbySwapJob" })]);
    const center = (await call(emu, "GET", `${p(emu)}/tasks`)).json();
    expect(center.tasks).toEqual([expect.objectContaining({ job_id: starts[0]!.jobId, name: "masterStandbySwapJob" })]);
    // The instance is busy with it; once it ends, the master has flipped.
    expect((await call(emu, "PUT", swapPath(emu))).json().error_code).toBe("DCS.4026");
    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().master_node).toBe("emu-redis-ha-node-2");
    expect(emu.stats().byStatus["502"]).toBe(1);
  });

  it("works for the pass-through start too, and 'before' (the default) starts nothing", async () => {
    const ipPath = `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`;
    emu.inject({ route: "clientIp", kind: "server-error", when: "before" });
    expect((await call(emu, "PUT", ipPath, { body: { transparent_client_ip_enable: true } })).status).toBe(500);
    expect(emu.jobs()).toHaveLength(0);
    emu.inject({ route: "clientIp", kind: "serverError", status: 504, when: "after" });
    expect((await call(emu, "PUT", ipPath, { body: { transparent_client_ip_enable: true } })).status).toBe(504);
    expect(emu.jobs()).toEqual([expect.objectContaining({ jobType: "modifyClientIpTransJob", instanceId: IDS.proxy })]);
    expect(() => emu.inject({ route: "swap", kind: "serverError", when: "later" } as never)).toThrow(/when/);
  });
});

describe("job expiry", () => {
  it("expireJob: ShowJobInfo answers 404 DCS.4404 while the task stays in both lists", async () => {
    const jobId = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(6_000);
    emu.expireJob(jobId);
    const r = await call(emu, "GET", `${p(emu)}/jobs/${jobId}`);
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ error_code: "DCS.4404" });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json().tasks).toEqual([
      expect.objectContaining({ id: taskOf(emu, jobId), status: "SUCCESS" }),
    ]);
    expect((await call(emu, "GET", `${p(emu)}/tasks`)).json().tasks).toEqual([expect.objectContaining({ job_id: jobId, status: "SUCCESS" })]);
    expect(() => emu.expireJob("ff8080810000000000000000deadbeef")).toThrow(/No job/);
  });

  it("expiring a running job hides it but the operation still runs to its end", async () => {
    const jobId = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    expect((await admin(emu, "POST", `/_emulator/jobs/${jobId}/expire`)).status).toBe(204);
    expect((await admin(emu, "POST", "/_emulator/jobs/ff8080810000000000000000deadbeef/expire")).status).toBe(404);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).status).toBe(404);
    expect((await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().error_code).toBe("DCS.4026");
    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().master_node).toBe("emu-redis-ha-node-2");
    expect(emu.jobs()[0]!.status).toBe("SUCCESS");
  });

  it("jobRetentionMs: an ended job reads 404 that long after its end; a running one never expires", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, jobRetentionMs: 60_000 });
    emu.inject({ route: "clientIp", kind: "hangJob" });
    const hung = (await call(emu, "PUT", `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    const jobId = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(6_000 + 59_999);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");
    clock.advance(1);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).status).toBe(404);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json().task_count).toBe("1");
    clock.advance(24 * 3_600_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${hung}`)).json().status).toBe("RUNNING");
  });
});

describe("deleted instances", () => {
  it("deleteInstance: every route about it answers 404 DCS.4404; its jobs and task-center entries stay", async () => {
    const jobId = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json().job_id;
    clock.advance(6_000);
    emu.deleteInstance(IDS.ha);
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `${p(emu)}/instances/${IDS.ha}`],
      ["GET", `${p(emu)}/instances/${IDS.ha}/tasks`],
      ["PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`],
      ["POST", `${p(emu)}/instances/${IDS.ha}/swap`],
      ["PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, { transparent_client_ip_enable: true }],
    ];
    for (const [m, path, body] of routes) {
      const r = await call(emu, m, path, body === undefined ? {} : { body });
      expect(r.status, `${m} ${path}`).toBe(404);
      expect(r.json(), `${m} ${path}`).toEqual({ error_code: "DCS.4404", error_msg: `The instance ${IDS.ha} does not exist.`, error_ext_msg: null });
    }
    expect(emu.stats().startCalls).toHaveLength(1);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");
    expect((await call(emu, "GET", `${p(emu)}/tasks`)).json().tasks).toEqual([expect.objectContaining({ job_id: jobId })]);
    expect((await admin(emu, "GET", "/_emulator/instances")).json().instances.map((i: { instance_id: string }) => i.instance_id)).not.toContain(IDS.ha);
    // Other instances are untouched.
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha2}`)).status).toBe(200);
    expect(() => emu.deleteInstance(IDS.ha)).toThrow(/No instance/);
    emu.reset();
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
  });

  it("DELETE /_emulator/instances/{id} does the same; a running job on it ends without effect", async () => {
    const jobId = (await call(emu, "PUT", `${p(emu)}/${IDS.proxy}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } })).json().job_id;
    expect((await admin(emu, "DELETE", `/_emulator/instances/${IDS.proxy}`)).status).toBe(204);
    expect((await admin(emu, "DELETE", `/_emulator/instances/${IDS.proxy}`)).status).toBe(404);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.proxy}`)).status).toBe(404);
    clock.advance(20_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");
  });
});

describe("gateway authentication and routing", () => {
  const jobPath = (emu: RunningEmulator) => `${p(emu)}/jobs/ff8080818822bbf70188235afc24141a`;

  async function expect401(r: Reply, why: RegExp): Promise<void> {
    expect(r.status).toBe(401);
    const body = r.json();
    expect(body).toEqual({ error_code: "APIGW.0301", error_msg: expect.stringMatching(why), request_id: r.headers["x-request-id"] });
    expect(body.error_msg).toMatch(/^Incorrect IAM authentication information: /);
    expect(r.text).not.toContain(emu.secretKey);
  }

  it("rejects a request with no signature", async () => {
    await expect401(await call(emu, "GET", jobPath(emu), { unsigned: true }), /no Authorization/);
  });

  it("rejects a wrong secret, an unknown access key and a tampered body", async () => {
    await expect401(await call(emu, "GET", jobPath(emu), { creds: { accessKey: emu.accessKey, secretKey: "wrong-secret" } }), /signature fail/);
    await expect401(await call(emu, "GET", jobPath(emu), { creds: { accessKey: "UNKNOWNACCESSKEY0000", secretKey: emu.secretKey } }), /unknown access key/);
    const tampered = await call(emu, "PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, {
      body: { transparent_client_ip_enable: false },
      tamperBody: JSON.stringify({ transparent_client_ip_enable: true }),
    });
    await expect401(tampered, /signature fail/);
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("rejects an X-Sdk-Date more than 15 minutes off, in either direction, and accepts 10 minutes", async () => {
    await expect401(await call(emu, "GET", jobPath(emu), { date: new Date(Date.now() - 16 * 60_000) }), /expired/);
    await expect401(await call(emu, "GET", jobPath(emu), { date: new Date(Date.now() + 16 * 60_000) }), /expired/);
    // Not a 401: the job does not exist, which proves the signature was accepted.
    expect((await call(emu, "GET", jobPath(emu), { date: new Date(Date.now() - 10 * 60_000) })).status).toBe(404);
  });

  it("checks the date against real time, not the emulated clock", async () => {
    clock.advance(3 * 3_600_000);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
  });

  it("accepts a configured IAM token and rejects another", async () => {
    const ok = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { unsigned: true, headers: { "X-Auth-Token": emu.token! } });
    expect(ok.status).toBe(200);
    await expect401(await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { unsigned: true, headers: { "X-Auth-Token": "some-other-token" } }), /invalid token/);
  });

  it("answers 404 APIGW.0101 for unknown routes and known paths with the wrong method", async () => {
    for (const [m, path] of [
      ["GET", "/v3/whatever"],
      ["GET", "/"],
      ["DELETE", `${p(emu)}/instances/${IDS.ha}`],
      ["GET", `${p(emu)}/instances/${IDS.ha}/async-swap`],
      ["PUT", `${p(emu)}/instances/${IDS.ha}/client-ip-transparent-transmission`],
    ] as const) {
      const r = await call(emu, m, path, { unsigned: true });
      expect(r.status, `${m} ${path}`).toBe(404);
      expect(r.json()).toEqual({ error_code: "APIGW.0101", error_msg: "API not found", request_id: r.headers["x-request-id"] });
    }
    expect(emu.stats().byRoute.unknown).toBe(5);
  });

  it("answers 403 APIGW.0302 when the project in the path (or X-Project-Id) is not the emulator's", async () => {
    const other = "ffffffffffffffffffffffffffffffff";
    const r = await call(emu, "GET", `/v2/${other}/instances/${IDS.ha}`);
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ error_code: "APIGW.0302", request_id: r.headers["x-request-id"] });
    const h = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { headers: { "X-Project-Id": other } });
    expect(h.status).toBe(403);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { headers: { "X-Project-Id": emu.projectId } })).status).toBe(200);
  });

  it("answers 404 DCS.4404 for an unknown job", async () => {
    const r = await call(emu, "GET", jobPath(emu));
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error_code: "DCS.4404", error_msg: expect.stringContaining("ff8080818822bbf70188235afc24141a"), error_ext_msg: null });
  });
});

describe("fault injection", () => {
  const swapPath = (emu: RunningEmulator) => `${p(emu)}/instances/${IDS.ha}/async-swap`;
  const startSwap = async (emu: RunningEmulator) => (await call(emu, "PUT", swapPath(emu))).json().job_id as string;

  it("notFound: the next N job reads answer 404, then the job appears", async () => {
    const jobId = await startSwap(emu);
    emu.inject({ route: "showJob", kind: "notFound", times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await call(emu, "GET", `${p(emu)}/jobs/${jobId}`);
      expect(r.status).toBe(404);
      expect(r.json().error_code).toBe("DCS.4404");
    }
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).status).toBe(200);
  });

  it("throttle: 429 APIGW.0308 with Retry-After in seconds", async () => {
    emu.inject({ route: "showInstance", kind: "throttle", retryAfterSec: 7 });
    const r = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`);
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("7");
    expect(r.json()).toEqual({ error_code: "APIGW.0308", error_msg: expect.stringContaining("throttling threshold"), request_id: r.headers["x-request-id"] });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
  });

  it("serverError: 500 and 503 with a DCS-style body, and the start call did nothing", async () => {
    emu.inject([
      { route: "swap", kind: "serverError" },
      { route: "swap", kind: "serverError", status: 503 },
    ]);
    const a = await call(emu, "PUT", swapPath(emu));
    expect(a.status).toBe(500);
    expect(a.json()).toEqual({ error_code: "DCS.5000", error_msg: "Internal service error.", error_ext_msg: null });
    const b = await call(emu, "PUT", swapPath(emu));
    expect(b.status).toBe(503);
    expect(emu.stats().startCalls).toHaveLength(0);
  });

  it("drop before: the connection dies and nothing started", async () => {
    emu.inject({ route: "swap", kind: "drop", when: "before" });
    await expect(call(emu, "PUT", swapPath(emu))).rejects.toThrow();
    expect(emu.stats().startCalls).toHaveLength(0);
    expect(emu.stats().byStatus.dropped).toBe(1);
    expect((await call(emu, "PUT", swapPath(emu))).status).toBe(200);
  });

  it("drop after: the connection dies but the job DID start (the ambiguous outcome)", async () => {
    emu.inject({ route: "swap", kind: "drop" });
    await expect(call(emu, "PUT", swapPath(emu))).rejects.toThrow();
    const starts = emu.stats().startCalls;
    expect(starts).toHaveLength(1);
    const tasks = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json().tasks;
    expect(tasks).toEqual([expect.objectContaining({ id: taskOf(emu, starts[0]!.jobId), name: "masterStandbySwapJob" })]);
    expect((await call(emu, "PUT", swapPath(emu))).json().error_code).toBe("DCS.4026");
  });

  it("delay: the answer comes late; a client that gives up earlier sees a timeout", async () => {
    emu.inject({ route: "showInstance", kind: "delay", ms: 300 });
    const t = performance.now();
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    emu.inject({ route: "showInstance", kind: "delay", ms: 2_000 });
    await expect(call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { timeoutMs: 200 })).rejects.toThrow(/timeout/i);
  });

  it("delay before: waits, then processes", async () => {
    emu.inject({ route: "swap", kind: "delay", ms: 200, when: "before" });
    const pending = call(emu, "PUT", swapPath(emu));
    await new Promise((r) => setTimeout(r, 50));
    expect(emu.stats().startCalls).toHaveLength(0);
    expect((await pending).status).toBe(200);
    expect(emu.stats().startCalls).toHaveLength(1);
  });

  it("malformed: a 200 whose JSON is cut short, after the operation started", async () => {
    emu.inject({ route: "swap", kind: "malformed" });
    const r = await call(emu, "PUT", swapPath(emu));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/json/);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(emu.stats().startCalls).toHaveLength(1);
  });

  it("failJob: the next started job ends in FAIL with the reason and changes nothing", async () => {
    emu.inject({ route: "swap", kind: "failJob", failReason: "standby node unhealthy", durationMs: 2_000 });
    const t0 = clock.now();
    const jobId = await startSwap(emu);
    clock.advance(2_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json()).toEqual({
      job_id: jobId,
      job_type: "masterStandbySwapJob",
      status: "FAIL",
      begin_time: String(t0),
      end_time: String(t0 + 2_000),
      fail_reason: "standby node unhealthy",
    });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json().master_node).toBe("emu-redis-ha-node-1");
    const tasks = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks`)).json().tasks;
    expect(tasks[0].status).toBe("FAIL");
    // Only the next job: the one after succeeds.
    const next = await startSwap(emu);
    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${next}`)).json().status).toBe("SUCCESS");
  });

  it("hangJob: the next job never finishes and keeps the instance busy", async () => {
    emu.inject({ route: "clientIp", kind: "hangJob" });
    const r = await call(emu, "PUT", `${p(emu)}/${IDS.ha}/client-ip-transparent-transmission`, { body: { transparent_client_ip_enable: true } });
    clock.advance(24 * 3_600_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${r.json().job_id}`)).json()).toMatchObject({ status: "RUNNING", end_time: "" });
    expect((await call(emu, "PUT", swapPath(emu))).json().error_code).toBe("DCS.4026");
  });

  it("jobDuration, '*' routes, 'always' and instance filters", async () => {
    emu.inject({ route: "*", kind: "jobDuration", durationMs: 100 });
    const jobId = await startSwap(emu);
    clock.advance(100);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");

    emu.inject({ route: "showInstance", kind: "serverError", times: "always", instanceId: IDS.single });
    for (let i = 0; i < 3; i++) expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.single}`)).status).toBe(500);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
    emu.clearFaults();
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.single}`)).status).toBe(200);
  });

  it("does not spend a job fault on a start call that was refused", async () => {
    emu.inject({ route: "*", kind: "failJob", failReason: "boom" });
    expect((await call(emu, "PUT", `${p(emu)}/instances/${IDS.single}/async-swap`)).status).toBe(400);
    const jobId = await startSwap(emu);
    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().fail_reason).toBe("boom");
  });

  it("accepts kebab-case aliases for fault kinds", async () => {
    emu.inject({ kind: "job-fails", route: "swap", failReason: "alias works" });
    const jobId = await startSwap(emu);
    clock.advance(6_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json()).toMatchObject({ status: "FAIL", fail_reason: "alias works" });
  });

  it("setJobDuration changes the duration of jobs started afterwards", async () => {
    emu.setJobDuration("masterStandbySwapJob", 50_000);
    const jobId = await startSwap(emu);
    clock.advance(49_999);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("RUNNING");
    clock.advance(1);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");
    expect(() => emu.setJobDuration("masterStandbySwapJob", -1)).toThrow(RangeError);
  });

  it("rejects an invalid fault with a message naming the field", () => {
    expect(() => emu.inject({ route: "swap", kind: "delay" } as never)).toThrow(/ms/);
    expect(() => emu.inject({ route: "nope", kind: "notFound" } as never)).toThrow(/route/);
  });

  it("arms faults from the start-up option", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, faults: [{ route: "showInstance", kind: "throttle", retryAfterSec: 2 }] });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(429);
  });
});

describe("admin routes", () => {
  it("arm, list and clear faults over HTTP without a signature", async () => {
    const armed = await admin(emu, "POST", "/_emulator/faults", [{ route: "showInstance", kind: "throttle", retryAfterSec: 3, times: 2 }]);
    expect(armed.status).toBe(201);
    expect(armed.json().ids).toHaveLength(1);
    expect((await admin(emu, "GET", "/_emulator/faults")).json().faults).toEqual([
      expect.objectContaining({ left: 2, fault: expect.objectContaining({ kind: "throttle" }) }),
    ]);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(429);
    expect((await admin(emu, "DELETE", "/_emulator/faults")).status).toBe(204);
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(200);
    const bad = await admin(emu, "POST", "/_emulator/faults", { route: "swap", kind: "explode" });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatch(/Invalid fault/);
  });

  it("advances the clock and reports stats: calls per route and method, and every start call", async () => {
    const start = await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`);
    const jobId = start.json().job_id;
    await call(emu, "GET", `${p(emu)}/jobs/${jobId}`);
    const c = await admin(emu, "POST", "/_emulator/clock", { advanceMs: 6_000 });
    expect(c.json()).toMatchObject({ kind: "manual", now: Date.UTC(2024, 0, 15, 10, 0, 6) });
    expect((await call(emu, "GET", `${p(emu)}/jobs/${jobId}`)).json().status).toBe("SUCCESS");
    expect((await admin(emu, "POST", "/_emulator/clock", { advanceMs: -1 })).status).toBe(400);

    const stats = (await admin(emu, "GET", "/_emulator/stats")).json();
    expect(stats).toMatchObject({
      total: 3,
      byRoute: { swap: 1, showJob: 2, showInstance: 0 },
      byMethod: { PUT: 1, GET: 2 },
      byStatus: { "200": 3 },
    });
    expect(stats.startCalls).toEqual([
      {
        at: Date.UTC(2024, 0, 15, 10),
        atIso: "2024-01-15T10:00:00.000Z",
        route: "swap",
        instanceId: IDS.ha,
        jobType: "masterStandbySwapJob",
        jobId,
        requestId: start.headers["x-request-id"],
      },
    ]);
  });

  it("resets instances, jobs, faults and stats", async () => {
    await call(emu, "POST", `${p(emu)}/instances/${IDS.ha}/swap`);
    emu.inject({ route: "*", kind: "serverError", times: "always" });
    expect((await admin(emu, "POST", "/_emulator/reset")).status).toBe(204);
    expect(emu.stats()).toMatchObject({ total: 0, startCalls: [] });
    const inst = await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`);
    expect(inst.json().master_node).toBe("emu-redis-ha-node-1");
    expect((await admin(emu, "GET", "/_emulator/instances")).json().instances).toHaveLength(DEFAULT_INSTANCES.length);
  });

  it("answers 404 for an unknown admin route, and /_emulator routes are never under /v2", async () => {
    expect((await admin(emu, "GET", "/_emulator/nope")).status).toBe(404);
    expect((await admin(emu, "GET", `/v2/${emu.projectId}/_emulator/stats`)).status).toBe(404);
  });
});

describe("start-up, loopback and logging", () => {
  it("listens on 127.0.0.1 with the documented demo defaults", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu).toMatchObject({
      accessKey: "EMULATORACCESSKEY0001",
      projectId: EMULATOR_DEFAULTS.projectId,
      token: EMULATOR_DEFAULTS.token,
    });
    expect(emu.projectId).toMatch(HEX32);
    expect(emu.instances.map((i) => i.cache_mode)).toEqual(["ha", "single", "proxy", "ha", "cluster"]);
  });

  it("refuses a non-loopback host unless allowRemote is set", async () => {
    await expect(startEmulator({ host: "0.0.0.0" })).rejects.toThrow(/allowRemote/);
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
    expect(isLoopbackAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("::1")).toBe(true);
    expect(isLoopbackAddress("192.168.1.20")).toBe(false);
  });

  it("logs one line per request at info, nothing secret; nothing at silent", async () => {
    await emu.stop();
    const lines: string[] = [];
    emu = await startEmulator({ clock, logLevel: "info", logger: (l) => lines.push(l) });
    await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`);
    await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { unsigned: true, headers: { "X-Auth-Token": emu.token! } });
    await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`, { creds: { accessKey: emu.accessKey, secretKey: "bad" } });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^dcs-emulator GET /v2/${emu.projectId}/instances/${IDS.ha} 200 \\d+ms$`));
    expect(lines[2]).toMatch(/ 401 /);
    for (const l of lines) {
      expect(l).not.toContain(emu.secretKey);
      expect(l).not.toContain(emu.token!);
      expect(l).not.toMatch(/Signature=|SDK-HMAC|Authorization/i);
    }
    await emu.stop();
    const debug: string[] = [];
    emu = await startEmulator({ clock, logLevel: "debug", logger: (l) => debug.push(l) });
    await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}/tasks?limit=5`);
    expect(debug[0]).toMatch(/route=listTasks request_id=[0-9a-f]{32}/);
    expect(debug[0]).toContain("query=?limit=5");
    await emu.stop();
    const none: string[] = [];
    emu = await startEmulator({ clock, logger: (l) => none.push(l) });
    await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`);
    expect(none).toEqual([]);
  });

  it("runs jobs on a sped-up real clock", async () => {
    await emu.stop();
    emu = await startEmulator({ speed: 1_000 });
    const { job_id } = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).json();
    await new Promise((r) => setTimeout(r, 30));
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json().status).toBe("SUCCESS");
  });

  it("seeds instances from code and from a YAML file", async () => {
    await emu.stop();
    const id = "0a0b0c0d-1111-2222-3333-444455556666";
    emu = await startEmulator({ clock, instances: [{ instance_id: id, cache_mode: "ha", name: "custom" }] });
    const body = (await call(emu, "GET", `${p(emu)}/instances/${id}`)).json();
    expect(body).toMatchObject({ name: "custom", cache_mode: "ha", status: "RUNNING", transparent_client_ip_enable: false, master_node: "0a0b0c0d-node-1" });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).status).toBe(404);
    await emu.stop();

    const dir = mkdtempSync(join(tmpdir(), "emu-seed-"));
    const file = join(dir, "seed.yaml");
    writeFileSync(file, `instances:\n  - instance_id: ${id}\n    cache_mode: proxy\n    transparent_client_ip_enable: true\n`);
    emu = await startEmulator({ clock, seedFile: file });
    expect((await call(emu, "GET", `${p(emu)}/instances/${id}`)).json()).toMatchObject({ cache_mode: "proxy", transparent_client_ip_enable: true });
  });

  it("the example seed file loads, and a non-RUNNING instance refuses operations with DCS.4049", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, seedFile: join(__dirname, "..", "examples", "emulator-seed.yaml") });
    expect(emu.instances.map((i) => i.cache_mode)).toEqual(["ha", "single", "proxy", "ha"]);
    const r = await call(emu, "PUT", `${p(emu)}/instances/8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e05/async-swap`);
    expect(r.status).toBe(400);
    expect(r.json().error_code).toBe("DCS.4049");
  });

  it("rejects a bad seed with a message naming the entry", () => {
    expect(() => parseSeedText("instances:\n  - instance_id: nope\n    cache_mode: ha\n")).toThrow(/instances\[0\].*instance_id/);
    expect(() => parseSeedText("[]")).toThrow(/at least one/);
    const dup = "- {instance_id: 0a0b0c0d-1111-2222-3333-444455556666, cache_mode: ha}\n- {instance_id: 0a0b0c0d-1111-2222-3333-444455556666, cache_mode: single}\n";
    expect(() => parseSeedText(dup)).toThrow(/twice/);
  });

  it("serveEmulatorFromCli prints the URL and the env to point a client at it", async () => {
    const printed: string[] = [];
    const served = await serveEmulatorFromCli({ speed: 10, logLevel: "silent", print: (t) => printed.push(t), signals: [] });
    try {
      const text = printed.join("\n");
      expect(text).toContain(`listening on ${served.url}`);
      for (const [k, v] of Object.entries(emulatorEnv(served))) expect(text).toContain(`export ${k}=${v}`);
      expect(text).toContain(IDS.ha);
      expect(emulatorEnv(served)).toEqual({
        HW_DCS_ENDPOINT: served.url,
        HW_ACCESS_KEY: "EMULATORACCESSKEY0001",
        HW_SECRET_KEY: EMULATOR_DEFAULTS.secretKey,
        HW_PROJECT_ID: EMULATOR_DEFAULTS.projectId,
        HW_REGION_NAME: "ap-southeast-1",
      });
    } finally {
      await served.stop();
    }
  });
});

describe("the operation table in the emulator", () => {
  it("every table entry has an emulator effect entry and a route (a new table row without one fails here)", async () => {
    for (const op of OPERATIONS as readonly OperationDef[]) {
      expect(EMULATED_OPERATIONS, op.name).toHaveProperty(op.name);
      expect(ROUTE_NAMES).toContain(operationRouteName(op));
      // Served: an unknown instance answers the DCS 404, not the gateway's "API not found".
      const values = { instance_id: "11111111-2222-4333-8444-555555555555", group_id: EMULATOR_CLUSTER.groups[0]!.id, node_id: EMULATOR_CLUSTER.groups[0]!.replica, account_id: "acc" };
      const r = await call(emu, op.method, fillPath(op, emu.projectId, values), { body: op.exampleBody });
      if (op.pathParams.length === 0) expect(r.status, op.name).toBe(200);
      else expect(r.json().error_code, op.name).toBe("DCS.4404");
    }
    expect(Object.keys(EMULATED_OPERATIONS)).toHaveLength(OPERATIONS.length);
  });

  it("ShowInstance reports SSL, public access and the cluster's shards with their current values", async () => {
    const ha = (await call(emu, "GET", `${p(emu)}/instances/${IDS.ha}`)).json();
    expect(ha).toMatchObject({ enable_ssl: false, enable_publicip: false, publicip_id: null, publicip_address: null, features: { support_ssl: true } });
    const cluster = (await call(emu, "GET", `${p(emu)}/instances/${IDS.cluster}`)).json();
    expect(cluster).toMatchObject({ instance_id: "8f3c2a6e-4b1d-4c7a-9e2f-1a0b3c4d5e06", cache_mode: "cluster", sharding_count: 3, replica_count: 2, enable_ssl: false });
    const { job_id } = (await call(emu, "PUT", `${p(emu)}/instances/${IDS.cluster}/ssl`, { body: { enabled: true } })).json();
    clock.advance(60_000);
    expect((await call(emu, "GET", `${p(emu)}/jobs/${job_id}`)).json()).toMatchObject({ job_type: "sslSwitchJob", status: "SUCCESS" });
    expect((await call(emu, "GET", `${p(emu)}/instances/${IDS.cluster}`)).json().enable_ssl).toBe(true);
  });

  it("a cluster from a seed file gets 3 shards with stable UUIDs derived from its ID; seeds set SSL, public IP and whitelist", async () => {
    await emu.stop();
    const id = "0a0b0c0d-1111-4222-8333-444455556666";
    const seed = [{ instance_id: id, cache_mode: "cluster", enable_ssl: true, enable_publicip: true, publicip_id: "eip-1", publicip_address: "203.0.113.9", enable_whitelist: false, whitelist: [] }];
    emu = await startEmulator({ clock, instances: seed });
    const groups = (await call(emu, "GET", `${p(emu)}/instance/${id}/groups`)).json();
    expect(groups.group_count).toBe(3);
    for (const g of groups.group_list) expect(g.group_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await call(emu, "GET", `${p(emu)}/instances/${id}`)).json()).toMatchObject({ enable_ssl: true, enable_publicip: true, publicip_id: "eip-1", publicip_address: "203.0.113.9", features: { support_transparent_client_ip: false } });
    expect((await call(emu, "GET", `${p(emu)}/instance/${id}/whitelist`)).json()).toEqual({ instance_id: id, enable_whitelist: false, whitelist: [] });
    await emu.stop();
    emu = await startEmulator({ clock, instances: seed });
    expect((await call(emu, "GET", `${p(emu)}/instance/${id}/groups`)).json()).toEqual(groups);
  });

  it("the default seed passed back in as `instances` gives the same instances (the cluster's fixed IDs too)", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, instances: DEFAULT_INSTANCES });
    expect(emu.instances).toEqual(DEFAULT_INSTANCES);
    const groups = (await call(emu, "GET", `${p(emu)}/instance/${IDS.cluster}/groups`)).json();
    expect(groups.group_list.map((g: { group_id: string }) => g.group_id)).toEqual(EMULATOR_CLUSTER.groups.map((g) => g.id));
  });

  it("the emulator banner lists the cluster instance", async () => {
    const printed: string[] = [];
    const served = await serveEmulatorFromCli({ logLevel: "silent", print: (t) => printed.push(t), signals: [] });
    try {
      expect(printed.join("\n")).toMatch(new RegExp(`${IDS.cluster}\\s+cluster\\s+emu-redis-cluster`));
    } finally {
      await served.stop();
    }
  });
});

// ---- issue 13: the gateway's per-access-key throttle, and X-Security-Token ----------------------------

/** A signed GET with any credentials (temporary ones included: the signer adds and signs X-Security-Token). */
async function signedGet(e: RunningEmulator, path: string, creds: { accessKey: string; secretKey: string; securityToken?: string }): Promise<Reply> {
  const url = e.url + path;
  const signed = signRequest({ method: "GET", url, headers: { "content-type": "application/json" } }, creds);
  const res = await request(url, { method: "GET", headers: Object.fromEntries(Object.entries(signed).filter(([k]) => k.toLowerCase() !== "host")), dispatcher });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe("the gateway's per-access-key throttle", () => {
  const show = (e: RunningEmulator) => `${p(e)}/instances/${IDS.ha}`;

  it("is off by default: many requests of one key all pass", async () => {
    for (let i = 0; i < 30; i++) expect((await call(emu, "GET", show(emu))).status).toBe(200);
    expect(emu.stats().byStatus["429"]).toBeUndefined();
  });

  it("refuses the key's requests over the limit with 429 APIGW.0308, the gateway's message and Retry-After, until the window has passed", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, throttle: { limit: 3, windowMs: 5 * 60_000 } });
    for (let i = 0; i < 3; i++) expect((await call(emu, "GET", show(emu))).status).toBe(200);
    clock.advance(100_000);
    const refused = await call(emu, "GET", show(emu));
    expect(refused.status).toBe(429);
    expect(refused.json()).toEqual({
      error_code: "APIGW.0308",
      error_msg: "The throttling threshold has been reached: policy user over ratelimit,limit:3,time:5 minute",
      request_id: refused.headers["x-request-id"],
    });
    expect(refused.headers["retry-after"]).toBe("200");
    // Nothing was done: a refused start call starts nothing.
    expect((await call(emu, "PUT", `${p(emu)}/instances/${IDS.ha}/async-swap`)).status).toBe(429);
    expect(emu.stats().startCalls).toHaveLength(0);
    clock.advance(199_999);
    expect((await call(emu, "GET", show(emu))).status).toBe(429);
    clock.advance(1);
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
  });

  it("counts per access key across every client: another connection of the same key is refused, another key is not", async () => {
    await emu.stop();
    const other = { accessKey: "EMULATORACCESSKEY0002", secretKey: "second-demo-secret-key-0002", securityToken: "second-temporary-token-0002" };
    emu = await startEmulator({ clock, throttle: { limit: 2, windowMs: 60_000 }, temporaryCredentials: [other] });
    const first = new Agent();
    const second = new Agent();
    try {
      const viaAgent = async (agent: Agent) => {
        const url = emu.url + show(emu);
        const signed = signRequest({ method: "GET", url, headers: {} }, { accessKey: emu.accessKey, secretKey: emu.secretKey });
        const res = await request(url, { headers: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== "host")), dispatcher: agent });
        await res.body.text();
        return res.statusCode;
      };
      expect(await viaAgent(first)).toBe(200);
      expect(await viaAgent(second)).toBe(200);
      expect(await viaAgent(first)).toBe(429);
      expect(await viaAgent(second)).toBe(429);
      expect((await signedGet(emu, show(emu), other)).status).toBe(200);
      // Requests the gateway does not let in are not the key's: a bad signature and the admin routes count nothing.
      expect((await call(emu, "GET", show(emu), { creds: { accessKey: emu.accessKey, secretKey: "wrong" } })).status).toBe(401);
      expect((await admin(emu, "GET", "/_emulator/stats")).status).toBe(200);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("sliding: a slot frees when the oldest request of the last window leaves it", async () => {
    await emu.stop();
    emu = await startEmulator({ clock, throttle: { limit: 2, windowMs: 10_000, mode: "sliding" } });
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
    clock.advance(4_000);
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
    clock.advance(1_000);
    const refused = await call(emu, "GET", show(emu));
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("5");
    expect(refused.json().error_msg).toMatch(/limit:2,time:10 second$/);
    clock.advance(5_000);
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
    expect((await call(emu, "GET", show(emu))).status).toBe(429);
  });

  it("setThrottle turns it on and off at run time, reset() forgets the counts, and it can omit Retry-After", async () => {
    emu.setThrottle({ limit: 1, windowMs: 60_000, retryAfter: false });
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
    const refused = await call(emu, "GET", show(emu));
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBeUndefined();
    emu.reset();
    expect((await call(emu, "GET", show(emu))).status).toBe(200);
    emu.setThrottle(false);
    for (let i = 0; i < 3; i++) expect((await call(emu, "GET", show(emu))).status).toBe(200);
    expect(() => emu.setThrottle({ limit: 0, windowMs: 1_000 })).toThrow(/throttle.limit/);
  });

  it("the CLI's --throttle spec: LIMIT/WINDOW with a unit, and the banner says it is on", async () => {
    expect(parseThrottleSpec("200/5m")).toEqual({ limit: 200, windowMs: 300_000, mode: "fixed", retryAfter: true });
    expect(parseThrottleSpec("10/1s:sliding")).toMatchObject({ limit: 10, windowMs: 1_000, mode: "sliding" });
    expect(parseThrottleSpec(" 5 / 1.5 min ")).toMatchObject({ limit: 5, windowMs: 90_000 });
    for (const bad of ["", "200", "200/", "0/5m", "200/5parsecs", "-1/5m", "200/5m:leaky"]) expect(() => parseThrottleSpec(bad)).toThrow(/LIMIT\/WINDOW|throttle\.limit/);
    expect(describeWindow(300_000)).toBe("5 minute");
    expect(describeWindow(1_500)).toBe("1.5 second");
    const printed: string[] = [];
    const served = await serveEmulatorFromCli({ logLevel: "silent", print: (t) => printed.push(t), signals: [], throttle: parseThrottleSpec("200/5m") });
    try {
      expect(printed.join("\n")).toMatch(/Gateway throttle: 200 requests per 5 minute/);
      const e = served as RunningEmulator;
      for (let i = 0; i < 3; i++) expect((await call(e, "GET", show(e))).status).toBe(200);
    } finally {
      await served.stop();
    }
  });
});

describe("X-Security-Token with temporary credentials", () => {
  const TEMP = { accessKey: "EMULATORTEMPKEY00001", secretKey: "emulator-temporary-secret-0001", securityToken: "EMULATOR-SECURITY-TOKEN-0001-abcdef" };
  const show = (e: RunningEmulator) => `${p(e)}/instances/${IDS.ha}`;

  beforeEach(async () => {
    await emu.stop();
    emu = await startEmulator({ clock, temporaryCredentials: [{ ...TEMP, expiresAt: clock.now() + 60 * 60_000 }] });
  });

  it("accepts the temporary key with its own token, signed like any request", async () => {
    expect((await signedGet(emu, show(emu), TEMP)).status).toBe(200);
  });

  it("refuses a wrong token, a missing one and an expired one with 401 APIGW.0301 that never echoes the token", async () => {
    const cases: Array<[{ accessKey: string; secretKey: string; securityToken?: string }, string]> = [
      [{ ...TEMP, securityToken: "EMULATOR-SECURITY-TOKEN-0001-abcdeX" }, "invalid security token"],
      [{ accessKey: TEMP.accessKey, secretKey: TEMP.secretKey }, "temporary access key used without X-Security-Token"],
    ];
    for (const [creds, reason] of cases) {
      const r = await signedGet(emu, show(emu), creds);
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ error_code: "APIGW.0301", error_msg: `Incorrect IAM authentication information: ${reason}` });
      expect(r.text).not.toContain("EMULATOR-SECURITY-TOKEN");
    }
    clock.advance(60 * 60_000);
    const expired = await signedGet(emu, show(emu), TEMP);
    expect(expired.status).toBe(401);
    expect(expired.json().error_msg).toBe("Incorrect IAM authentication information: security token expired");
    expect(expired.text).not.toContain(TEMP.securityToken);
  });

  it("a permanent key sent with a security token is refused; without one it still passes", async () => {
    expect((await signedGet(emu, show(emu), { accessKey: emu.accessKey, secretKey: emu.secretKey, securityToken: TEMP.securityToken })).status).toBe(401);
    expect((await signedGet(emu, show(emu), { accessKey: emu.accessKey, secretKey: emu.secretKey })).status).toBe(200);
  });

  it("a token swapped in after signing breaks the signature (the token is a signed header)", async () => {
    const url = emu.url + show(emu);
    const signed = signRequest({ method: "GET", url, headers: {} }, TEMP);
    const headers = Object.fromEntries(Object.entries(signed).filter(([k]) => k !== "host").map(([k, v]) => [k, k.toLowerCase() === "x-security-token" ? "another-token-of-the-same-key" : v]));
    const res = await request(url, { headers, dispatcher });
    expect(res.statusCode).toBe(401);
    expect(await res.body.text()).toMatch(/verify aksk signature fail/);
  });
});
