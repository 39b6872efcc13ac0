/**
 * Fuzzing every parser of API answers (issue 13, "Bad input and hostile answers"): fast-check, seeded,
 * reproducible (a failure prints its seed and path; rerun with the same `seed`).
 *
 * Two levels:
 * - the pure parsers: the zod schemas of `provider/schemas.ts` (ShowJobInfo, ShowInstance, both task
 *   lists, the task progress, the start answer) with their converters, `parseErrorBody`,
 *   `parseRetryAfter` and `bodyExcerpt`, on arbitrary JSON, wrong types, huge and adversarial text;
 * - the real client over a loopback server answering arbitrary statuses and bytes (truncated JSON, huge
 *   bodies, HTML, secrets echoed back), and the waiter on top of it.
 * Every case must end in a value of the documented shape or a typed error (`DcsJobsError`), never a
 * crash, a hang or a SUCCESS the server did not send for that job; error messages stay bounded and
 * never carry a secret.
 */
import fc from "fast-check";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyExcerpt, DcsClient } from "../provider/client";
import { DcsJobsError, DcsResponseError } from "../provider/errors";
import { closeAllDispatchers } from "../provider/http";
import { INSTANCE_BUSY_CODES, normalizeErrorCode, parseRetryAfter } from "../provider/retry-policy";
import {
  CenterTaskListSchema,
  InstanceSchema,
  JobInfoSchema,
  parseEpochMs,
  parseErrorBody,
  StartAnswerSchema,
  TaskListSchema,
  TaskProgressSchema,
  toCenterTask,
  toInstance,
  toJob,
  toTask,
  toTaskProgress,
} from "../provider/schemas";
import { waitForJob, type WaitClock } from "../provider/waiter/wait";

const SEED = 1313;
const PROJECT = "0123456789abcdef0123456789abcdef";
const INSTANCE = "5560df16-cebf-4473-95c4-d1b573c16e79";
const JOB = "ff8080818822bbf70188235afc24141a";
const AK = "FUZZACCESSKEY0000001";
const SK = "fuzz-SECRET-key-7a6b5c4d3e2f1a0b";
const ST = "fuzz-SECURITY-token-1f2e3d4c5b6a";
const SECRETS = [SK, ST];
/** No error message (with its excerpt) may be longer than this. */
const MAX_MESSAGE = 2_000;

/** A date that is really one: `toISOString()` works (the resources write it into outputs). */
function expectValidDate(d: unknown): void {
  if (d === undefined) return;
  expect(d).toBeInstanceOf(Date);
  expect(Number.isFinite((d as Date).getTime())).toBe(true);
  expect(() => (d as Date).toISOString()).not.toThrow();
}

// ---- arbitraries ------------------------------------------------------------------------------------

/** Anything a field might hold: the right type, a wrong one, absurd numbers, deep nesting. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, "", " ", "SUCCESS", "success", " SUCCESS ", "FAIL", "RUNNING", "INIT", "0", "-1", "1e999", "NaN", "99999999999999999999", "1684191545379", "2020-06-17T07:38:42.503Z", "not a date", "\u0000", "ᛖ".repeat(50)),
  fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, 1e300, -1e300, 8.64e15 + 1, 1684191545379),
  fc.constantFrom({}, [], [[[[[]]]]], { nested: { deeper: { deepest: [1, "2", null] } } }),
);
/** A deeply nested value (JSON.parse copes; naive recursion does not). */
const deep = (n: number): unknown => {
  let v: unknown = "bottom";
  for (let i = 0; i < n; i++) v = [v];
  return v;
};

/** Objects that look like one of the API's answers, each field right, wrong or missing. */
function shaped(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.constantFrom(...fields, "extra", "__proto__", "constructor", "toString"), anyValue, { maxKeys: fields.length + 3 });
}
const JOB_FIELDS = ["job_id", "job_type", "status", "begin_time", "end_time", "fail_reason"] as const;
const INSTANCE_FIELDS = ["instance_id", "name", "status", "engine", "engine_version", "cache_mode", "transparent_client_ip_enable", "task", "master_node"] as const;
const TASK_FIELDS = ["id", "name", "status", "created_at", "updated_at", "user_name", "user_id", "params", "details", "enable_show", "job_id", "error_code"] as const;
const STEP_FIELDS = ["step_id", "step_name", "step_status", "begin_time", "end_time", "error_code", "sub_step_details"] as const;

const taskList = fc.oneof(anyValue, fc.record({ task_count: anyValue, tasks: fc.oneof(anyValue, fc.array(fc.oneof(shaped(TASK_FIELDS), anyValue), { maxLength: 5 })) }, { requiredKeys: [] }));
const progress = fc.oneof(
  anyValue,
  fc.record(
    { progress: anyValue, remain_time: anyValue, step_details: fc.oneof(anyValue, fc.array(fc.oneof(shaped(STEP_FIELDS), fc.record({ sub_step_details: fc.array(shaped(["sub_step_id", "sub_step_name", "sub_step_status", "begin_time", "end_time", "detail", "error_code"]), { maxLength: 3 }) })), { maxLength: 4 })) },
    { requiredKeys: [] },
  ),
);

/** Through JSON and back: what a parsed answer can really be (own `__proto__` keys included). */
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v) ?? "null");

// ---- the pure parsers -------------------------------------------------------------------------------

describe("fuzz: the schemas and their converters never throw, and what they accept has the documented shape", () => {
  const runs = { seed: SEED, numRuns: 600 };

  it("ShowJobInfo", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, shaped(JOB_FIELDS)), (input) => {
        const r = JobInfoSchema.safeParse(viaJson(input));
        if (!r.success) return;
        const job = toJob(r.data);
        expect(typeof job.jobId).toBe("string");
        expect(job.jobId.length).toBeGreaterThan(0);
        expect(typeof job.status).toBe("string");
        expectValidDate(job.beginTime);
        expectValidDate(job.endTime);
        if (job.durationMs !== undefined) expect(Number.isFinite(job.durationMs)).toBe(true);
        expect(job.failReason === null || typeof job.failReason === "string").toBe(true);
      }),
      runs,
    );
  });

  it("ShowInstance (a `task` of any shape and depth is read as short text)", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, shaped(INSTANCE_FIELDS)), fc.boolean(), (input, deepTask) => {
        const body = viaJson(input);
        if (deepTask && body && typeof body === "object" && !Array.isArray(body)) (body as Record<string, unknown>).task = deep(100_000);
        const r = InstanceSchema.safeParse(body);
        if (!r.success) return;
        const inst = toInstance(r.data);
        expect(typeof inst.instanceId).toBe("string");
        if (inst.task !== undefined && inst.task !== null) {
          expect(typeof inst.task).toBe("string");
          expect(inst.task.length).toBeLessThanOrEqual(200);
        }
        if (inst.transparentClientIpEnable !== undefined) expect(typeof inst.transparentClientIpEnable).toBe("boolean");
      }),
      runs,
    );
  });

  it("ListBackgroundTask and ListCenterTask", () => {
    fc.assert(
      fc.property(taskList, (input) => {
        for (const [schema, convert] of [
          [TaskListSchema, toTask],
          [CenterTaskListSchema, toCenterTask],
        ] as const) {
          const r = schema.safeParse(viaJson(input));
          if (!r.success) continue;
          for (const t of (r.data.tasks ?? []).map((x) => convert(x as never))) {
            expect(typeof t.id).toBe("string");
            expectValidDate(t.createdAt);
            expect(t.createdAt).toBeDefined();
            expectValidDate(t.updatedAt);
            // A job ID from the task center is one the client can read (it goes into a path later).
            if (t.jobId !== undefined) expect(t.jobId).toMatch(/^[A-Za-z0-9-]{8,64}$/);
          }
        }
      }),
      runs,
    );
  });

  it("ShowBackgroundTaskProgress", () => {
    fc.assert(
      fc.property(progress, (input) => {
        const r = TaskProgressSchema.safeParse(viaJson(input));
        if (!r.success) return;
        const p = toTaskProgress("8abf6e1e72c12e7c0172c15b508500aa", r.data);
        expect(Array.isArray(p.steps)).toBe(true);
        for (const s of p.steps) {
          expect(typeof s.status).toBe("string");
          expectValidDate(s.beginTime);
          expectValidDate(s.endTime);
          for (const ss of s.subSteps) {
            expectValidDate(ss.beginTime);
            expectValidDate(ss.endTime);
          }
        }
      }),
      runs,
    );
  });

  it("the start answer: a job ID the client can read afterwards, or a refusal", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, shaped(["job_id"])), (input) => {
        const r = StartAnswerSchema.safeParse(viaJson(input));
        if (r.success) expect(r.data.job_id).toMatch(/^[A-Za-z0-9-]{8,64}$/);
      }),
      runs,
    );
  });

  it("error bodies of every shape, and garbage", () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, shaped(["error_code", "error_msg", "code", "message", "request_id", "error"]), fc.record({ error: shaped(["code", "message", "error_code", "error_msg", "request_id"]) })), (input) => {
        const e = parseErrorBody(viaJson(input));
        if (!e) return;
        for (const v of [e.code, e.message, e.requestId]) expect(v === undefined || typeof v === "string").toBe(true);
      }),
      runs,
    );
  });

  it("epoch times: only real dates, whatever the number", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer(), fc.bigInt().map(String), fc.constant(null)), (v) => expectValidDate(parseEpochMs(v as string | number | null))),
      runs,
    );
  });

  it("Retry-After: a bounded wait or nothing, whatever the header says", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String), fc.double().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (v) => {
        const ms = parseRetryAfter(v, Date.UTC(2026, 0, 1));
        if (ms === undefined) return;
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(0);
        // Node turns a timer above 2^31 - 1 ms into 1 ms: a longer wait would become an immediate retry.
        expect(ms).toBeLessThanOrEqual(2 ** 31 - 1);
      }),
      runs,
    );
  });

  it("body excerpts: bounded, tag-free, and linear on adversarial pages (unclosed tags, scripts, comments)", () => {
    const adversarial = [
      "<script".repeat(40_000),
      "<!--".repeat(50_000),
      "<".repeat(200_000),
      "<style>".repeat(30_000) + "x",
      `<html>${"<div a='".repeat(30_000)}`,
      "&amp;".repeat(100_000),
    ];
    for (const page of adversarial) expect(bodyExcerpt(page).length).toBeLessThanOrEqual(200);
    fc.assert(
      fc.property(fc.string({ maxLength: 2_000 }), fc.integer({ min: 10, max: 300 }), (s, max) => {
        const x = bodyExcerpt(s, max);
        expect(x.length).toBeLessThanOrEqual(Math.max(max, "(empty body)".length));
      }),
      runs,
    );
  });
});

// ---- the client over a loopback server answering anything -------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

let server: Server;
let url: string;
/** What the server answers next (one per request); the last one repeats. */
let script: Answer[] = [];
let served = 0;
/** The method of every request the server got (since the last reset of `served`). */
let methods: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const a = script[Math.min(served, script.length - 1)]!;
      methods[served] = req.method ?? "";
      served++;
      try {
        res.writeHead(a.status, { "content-length": String(a.body.length), ...a.headers });
        res.end(a.body);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await closeAllDispatchers();
});

const validJob = { job_id: JOB, job_type: "masterStandbySwapJob", status: "SUCCESS", begin_time: "1684191545379", end_time: "1684191548248", fail_reason: null };

/** Bodies a hostile or broken server may send. */
const body: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.oneof(shaped(JOB_FIELDS), shaped(INSTANCE_FIELDS), taskList, progress, shaped(["error_code", "error_msg", "request_id"])).map((v) => Buffer.from(JSON.stringify(v))),
  // Truncated JSON of a valid answer.
  fc.integer({ min: 0, max: JSON.stringify(validJob).length - 1 }).map((n) => Buffer.from(JSON.stringify(validJob).slice(0, n))),
  // Secrets echoed back, raw, JSON-escaped and cut.
  fc.constantFrom(
    `{"error_code":"APIG.0301","error_msg":"bad sig for ${SK} with token ${ST}","request_id":"${SK}"}`,
    `{"error_code":"${SK}","error_msg":"\\u0066uzz-SECRET-key-7a6b5c4d3e2f1a0b","request_id":"r"}`,
    `<html><pre>Authorization: SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host, Signature=${"ab".repeat(32)}\nX-Security-Token: ${ST}</pre></html>`,
    JSON.stringify({ error_msg: "x".repeat(490) + SK }),
    JSON.stringify({ error_code: "E".repeat(50_000), error_msg: "m".repeat(50_000), request_id: "r".repeat(50_000) }),
  ).map((s) => Buffer.from(s)),
  // A job answer for another job: never this job's SUCCESS.
  fc.constant(Buffer.from(JSON.stringify({ ...validJob, job_id: "ff808081000000000000000000000bad" }))),
  // Deep nesting.
  fc.constant(Buffer.from(`{"instance_id":"${INSTANCE}","status":"RUNNING","task":${"[".repeat(100_000)}"bottom"${"]".repeat(100_000)}}`)),
  fc.constant(Buffer.from("[".repeat(100_000))),
);
const status = fc.constantFrom(200, 200, 200, 201, 202, 204, 400, 401, 403, 404, 409, 429, 500, 501, 502, 503, 504, 599);
const headers = fc.record(
  {
    "content-type": fc.constantFrom("application/json", "text/html", "application/octet-stream", "application/json;charset=UTF-8"),
    "x-request-id": fc.oneof(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 32, maxLength: 32 }), fc.constant(SK), fc.string({ maxLength: 20 }).filter((s) => /^[\x21-\x7e]*$/.test(s))),
    "retry-after": fc.oneof(fc.constantFrom("0", "1", "2", "99999999999", "-5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"), fc.nat({ max: 3 }).map(String)),
  },
  { requiredKeys: ["content-type"] },
);
const answer: fc.Arbitrary<Answer> = fc.record({ status, headers, body });

function fuzzClient(credentials: { accessKey: string; secretKey: string; securityToken?: string } | { token: string } = { accessKey: AK, secretKey: SK, securityToken: ST }): DcsClient {
  // No retries and no rate budget: one answer per call, no real sleeps (a read retry would wait).
  return new DcsClient({ endpoint: url, projectId: PROJECT, credentials, retry: { retries: 0, baseDelayMs: 5, maxDelayMs: 10 }, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 }, {});
}

/** The outcome of a call: what it returned, or the error, checked to be typed, bounded and secret-free. */
async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    expect(e, `not a typed error: ${String(e)}`).toBeInstanceOf(DcsJobsError);
    const err = e as Error;
    expect(err.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    const text = [err.message, JSON.stringify(err), JSON.stringify(Object.entries(err))].join("\n");
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(text).not.toMatch(/Signature=[0-9a-f]{64}/);
    return { ok: false, error: err };
  }
}

describe("fuzz: the client over a server answering anything", () => {
  const runs = { seed: SEED, numRuns: 150 };

  it("every read ends in the documented shape or a typed, bounded, secret-free error", async () => {
    const c = fuzzClient();
    const window = { start: new Date(Date.UTC(2026, 0, 1)), end: new Date(Date.UTC(2026, 0, 2)) };
    await fc.assert(
      fc.asyncProperty(answer, fc.constantFrom("job", "instance", "tasks", "center", "progress"), async (a, what) => {
        script = [a];
        served = 0;
        if (what === "job") {
          const r = await outcome(c.showJob(JOB));
          if (r.ok) {
            expect(r.value.jobId).toBe(JOB);
            expectValidDate(r.value.beginTime);
            expectValidDate(r.value.endTime);
          }
        } else if (what === "instance") {
          const r = await outcome(c.showInstance(INSTANCE));
          if (r.ok) expect(typeof r.value.instanceId).toBe("string");
        } else if (what === "tasks" || what === "center") {
          const r = await outcome(what === "tasks" ? c.listTasks(INSTANCE, window) : c.listCenterTasks(window));
          if (r.ok) for (const t of r.value) expectValidDate(t.createdAt);
        } else {
          const r = await outcome(c.showTaskProgress(INSTANCE, "8abf6e1e72c12e7c0172c15b508500aa"));
          if (r.ok) expect(Array.isArray(r.value.steps)).toBe(true);
        }
        expect(served).toBe(1);
      }),
      runs,
    );
  });

  it("a start call never reads a job out of a broken answer, and is sent again only after the gateway refused it", async () => {
    // Retries on, Retry-After short: a resend is allowed only after a 429 or an "instance busy" answer.
    const c = new DcsClient({ endpoint: url, projectId: PROJECT, credentials: { accessKey: AK, secretKey: SK, securityToken: ST }, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2, busyBaseDelayMs: 1, busyMaxDelayMs: 2, busyTimeoutMs: 200 } }, {});
    const refusedBeforeForwarding = (a: Answer) => {
      if (a.status === 429) return true;
      try {
        const code = normalizeErrorCode(parseErrorBody(JSON.parse(a.body.toString("utf8")))?.code);
        return a.status >= 400 && a.status < 500 && code !== undefined && INSTANCE_BUSY_CODES.has(code);
      } catch {
        return false;
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(answer.map((a) => ({ ...a, headers: { ...a.headers, "retry-after": "0" } })), { minLength: 1, maxLength: 4 }), async (answers) => {
        script = answers;
        served = 0;
        methods = [];
        const r = await outcome(c.swapMasterStandby(INSTANCE, { deadline: Date.now() + 10_000, busyLook: false }));
        if (r.ok) expect(r.value.jobId).toMatch(/^[A-Za-z0-9-]{8,64}$/);
        const puts = methods.flatMap((m, i) => (m === "PUT" ? [i] : []));
        for (let k = 1; k < puts.length; k++) {
          const previous = answers[Math.min(puts[k - 1]!, answers.length - 1)]!;
          expect(refusedBeforeForwarding(previous), `PUT #${k + 1} after ${previous.status}`).toBe(true);
        }
      }),
      { ...runs, numRuns: 80 },
    );
  });

  it("an endless body is cut at 8 MiB with a typed error, not read into memory without end", async () => {
    const c = fuzzClient();
    for (const st of [200, 500]) {
      let written = 0;
      let stop = false;
      const endless = createServer((_req, res) => {
        res.writeHead(st, { "content-type": "application/json" });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (!stop && written < 256 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        res.on("close", () => (stop = true));
        pump();
      });
      await new Promise<void>((r) => endless.listen(0, "127.0.0.1", r));
      try {
        const client = new DcsClient({ endpoint: `http://127.0.0.1:${(endless.address() as AddressInfo).port}`, projectId: PROJECT, credentials: { accessKey: AK, secretKey: SK }, retry: { retries: 0 } }, {});
        const r = await outcome(client.showJob(JOB));
        expect(r.ok).toBe(false);
        if (!r.ok && st === 200) {
          expect(r.error).toBeInstanceOf(DcsResponseError);
          expect(r.error.message).toMatch(/over 8 MiB/);
        }
        // The client hung up long before the server would have finished.
        expect(written).toBeLessThan(64 * 1024 * 1024);
      } finally {
        endless.closeAllConnections();
        await new Promise((r) => endless.close(r));
      }
    }
    void c;
  });

  it("the waiter on top: a SUCCESS only when the server sent this job's SUCCESS; anything else is a typed error or a timeout", async () => {
    const c = fuzzClient();
    let now = Date.now();
    // Virtual time for the waiter: its sleeps return at once (the client's reads are real).
    const clock: WaitClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 6 }), async (answers) => {
        script = answers;
        served = 0;
        const realSuccess = (i: number) => {
          const a = answers[Math.min(i, answers.length - 1)]!;
          if (a.status < 200 || a.status > 299) return false;
          try {
            const v = JSON.parse(a.body.toString("utf8")) as { job_id?: unknown; status?: unknown };
            return v.job_id === JOB && typeof v.status === "string" && v.status.toUpperCase() === "SUCCESS";
          } catch {
            return false;
          }
        };
        const r = await outcome(waitForJob(c, JOB, { clock, timeoutMs: 10 * 60_000, notFoundGraceMs: 60_000 }));
        if (r.ok) {
          expect(r.value.jobId).toBe(JOB);
          expect(realSuccess(served - 1)).toBe(true);
        }
      }),
      { ...runs, numRuns: 120 },
    );
  });
});

// ---- what the fuzzing found, one test each -----------------------------------------------------------

describe("found by fuzzing (each fixed; the counterexample pinned here)", () => {
  async function answerWith(a: Answer | Answer[]): Promise<void> {
    script = Array.isArray(a) ? a : [a];
    served = 0;
  }
  const json = (status: number, v: unknown, headers: Record<string, string> = {}): Answer => ({ status, headers: { "content-type": "application/json", ...headers }, body: Buffer.from(typeof v === "string" ? v : JSON.stringify(v)) });

  it("another job's SUCCESS is not this job's: showJob refuses it, and the wait does not end on it", async () => {
    const c = fuzzClient();
    await answerWith(json(200, { ...validJob, job_id: "ff808081000000000000000000000bad" }));
    const r = await outcome(c.showJob(JOB));
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error).toBeInstanceOf(DcsResponseError);
    expect((r as { error: Error }).error.message).toMatch(/answered for another job/);
    let now = Date.now();
    const clock: WaitClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const w = await outcome(waitForJob(c, JOB, { clock, timeoutMs: 60_000 }));
    expect(w.ok).toBe(false);
    expect((w as { error: Error }).error.name).toBe("JobTimeoutError");
  });

  it("an epoch time beyond what a Date holds is no time (it was an Invalid Date whose toISOString threw)", () => {
    expect(parseEpochMs(8_640_000_000_000_001)).toBeUndefined();
    expect(parseEpochMs("99999999999999999999")).toBeUndefined();
    const job = toJob(JobInfoSchema.parse({ ...validJob, begin_time: "99999999999999999999", end_time: 1e300 }));
    expect(job.beginTime).toBeUndefined();
    expect(job.endTime).toBeUndefined();
    expect(job.durationMs).toBeUndefined();
    expect(job.beginTimeRaw).toBe("99999999999999999999");
  });

  it("a start answer whose job_id is not a job ID is no job ID: the call reconciles instead of returning it", async () => {
    expect(StartAnswerSchema.safeParse({ job_id: " " }).success).toBe(false);
    expect(StartAnswerSchema.safeParse({ job_id: "../../../x" }).success).toBe(false);
    expect(StartAnswerSchema.safeParse({ job_id: JOB }).success).toBe(true);
    const c = fuzzClient();
    // The start answer, then empty task lists: the outcome is unknown, never the bogus ID.
    await answerWith([json(200, { job_id: " " }), json(200, { task_count: 0, tasks: [] })]);
    const r = await outcome(c.swapMasterStandby(INSTANCE, { deadline: Date.now() + 10_000 }));
    expect(r.ok).toBe(false);
    expect((r as { error: Error }).error.name).toBe("OperationOutcomeUnknownError");
  });

  it("a task-center job_id that is not a job ID is dropped (reconciliation would have returned it as the job)", () => {
    const base = { id: "8abf6e1e72c12e7c0172c15b508500aa", name: "masterStandbySwapJob", created_at: "2020-06-17T07:38:42.503Z" };
    expect(toCenterTask(CenterTaskListSchema.parse({ tasks: [{ ...base, job_id: "x y" }] }).tasks![0]!).jobId).toBeUndefined();
    expect(toCenterTask(CenterTaskListSchema.parse({ tasks: [{ ...base, job_id: JOB }] }).tasks![0]!).jobId).toBe(JOB);
  });

  it("an instance `task` nested a million deep is read as text instead of overflowing the stack", () => {
    const body = JSON.parse(`{"instance_id":"${INSTANCE}","status":"RUNNING","task":${"[".repeat(1_000_000)}1${"]".repeat(1_000_000)}}`) as unknown;
    expect(toInstance(InstanceSchema.parse(body)).task).toBe("(unreadable task)");
  });

  it("Retry-After is capped at a day (Node runs a longer timer after 1 ms: an immediate retry)", () => {
    expect(parseRetryAfter("2147484")).toBe(24 * 60 * 60_000);
    expect(parseRetryAfter("9".repeat(400))).toBe(24 * 60 * 60_000);
    expect(parseRetryAfter("30")).toBe(30_000);
  });

  it("body excerpts of pages of unclosed tags, scripts and comments take one pass (they took minutes)", () => {
    for (const page of ["<script".repeat(40_000), "<!--".repeat(50_000), "<".repeat(200_000), `<p>${"<b ".repeat(50_000)}`]) expect(bodyExcerpt(page).length).toBeLessThanOrEqual(200);
    // ...and still read an ordinary proxy page the same way.
    const page = "<html><head><style>p{color:red}</style><script>var x='<b>'</script></head><body><!-- note --><h1>502 Bad&nbsp;Gateway</h1>\n<p>nginx &amp; co &lt;1.2&gt;</p></body></html>";
    expect(bodyExcerpt(page)).toBe("502 Bad Gateway nginx & co <1.2>");
    expect(bodyExcerpt("")).toBe("(empty body)");
    expect(bodyExcerpt("a < b and c > d")).toBe("a d");
    expect(bodyExcerpt("x".repeat(500), 50)).toHaveLength(50);
  });

  it("a secret echoed in X-Request-Id, in the body's request_id, or \\u-escaped across the message cut never reaches the error", async () => {
    const c = fuzzClient();
    const escaped = SK.replace(/./g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const cases: Answer[] = [
      json(200, { nothing: true }, { "x-request-id": SK }),
      json(401, { error_code: "APIG.0301", error_msg: "no", request_id: SK }),
      json(401, `{"error_code":"APIG.0301","error_msg":"${"x".repeat(490)}${escaped}"}`),
      json(401, { error_code: "E".repeat(50_000), error_msg: "m".repeat(50_000), request_id: "r".repeat(50_000) }),
    ];
    for (const a of cases) {
      await answerWith(a);
      const r = await outcome(c.showJob(JOB));
      expect(r.ok).toBe(false);
      const text = JSON.stringify({ m: (r as { error: Error }).error.message, e: (r as { error: Error }).error });
      expect(text).not.toContain(SK.slice(0, 10));
      expect((r as { error: Error }).error.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    }
  });
});
