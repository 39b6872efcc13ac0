/**
 * The client over real sockets on 127.0.0.1 against a tiny scripted node:http server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { combinedSignal } from "../provider/http";
import { DcsClient } from "../provider/client";
import type { DcsClientOptions } from "../provider/config";
import { ConfigError, DcsApiError, DcsNetworkError, DcsResponseError, OperationOutcomeUnknownError, SameOperationRunningError } from "../provider/errors";
import { closeAllDispatchers, httpStats } from "../provider/http";
import { verifySignedRequest } from "../provider/signer";
import type { RequestLogEntry } from "../provider/types";

const PROJECT = "0123456789abcdef0123456789abcdef";
const INSTANCE = "5560df16-cebf-4473-95c4-d1b573c16e79";
const JOB = "ff8080818822bbf70188235afc24141a";
const AK = "TESTACCESSKEY0000001";
const SK = "wire-test-SECRET-key-9f8e7d6c5b4a3210";
const TOKEN = "wire-test-IAM-TOKEN-MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHIC";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
type Handler = (req: Seen, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
/** Every error a test saw: checked for secrets at the end. */
const errorsSeen: unknown[] = [];

async function serve(handler: Handler, port = 0): Promise<{ url: string; seen: Seen[]; count: (method: string) => number }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(s);
      // Like the gateway: a valid signature or a known token, or no service.
      const verdict = verifySignedRequest({ method: s.method, url: s.url, headers: req.headers, body: s.body }, (ak) => (ak === AK ? SK : undefined), new Date());
      if (!verdict.ok && req.headers["x-auth-token"] !== TOKEN) {
        return json(res, 401, { error_code: "APIG.0301", error_msg: "Incorrect IAM authentication information: missing Authorization", request_id: "gw-req-401" });
      }
      handler(s, res, seen.length);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: p } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${p}`, seen, count: (m) => seen.filter((s) => s.method === m).length };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req-${status}-${Math.random().toString(16).slice(2, 8)}`, ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

const job = { job_id: JOB, job_type: "masterStandbySwapJob", status: "SUCCESS", begin_time: "1684191545379", end_time: "1684191548248", fail_reason: null };

function client(url: string, extra: Partial<DcsClientOptions> = {}): DcsClient {
  return new DcsClient(
    {
      endpoint: url,
      projectId: PROJECT,
      credentials: { accessKey: AK, secretKey: SK },
      retry: { baseDelayMs: 10, maxDelayMs: 50, busyBaseDelayMs: 20, busyMaxDelayMs: 50 },
      ...extra,
    },
    {},
  );
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    errorsSeen.push(e);
    return e as Error;
  }
  throw new Error("expected the call to fail");
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => { s.closeAllConnections(); return new Promise((r) => s.close(r)); }));
});
afterAll(async () => {
  await closeAllDispatchers();
});

describe("reads", () => {
  it("signs with AK/SK, sends the fixed headers and parses the job", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    const got = await client(srv.url).showJob(JOB);
    expect(got).toMatchObject({ jobId: JOB, status: "SUCCESS", durationMs: 2869, beginTimeRaw: "1684191545379" });
    expect(got.beginTime?.toISOString()).toBe("2023-05-15T22:59:05.379Z");
    const h = srv.seen[0]!.headers;
    expect(srv.seen[0]!.url).toBe(`/v2/${PROJECT}/jobs/${JOB}`);
    expect(h["content-type"]).toBe("application/json");
    expect(h["x-project-id"]).toBe(PROJECT);
    expect(h["user-agent"]).toMatch(/^pulumi-dcs-jobs\/\d+\.\d+\.\d+/);
    expect(h.authorization).toMatch(/^SDK-HMAC-SHA256 Access=TESTACCESSKEY0000001, SignedHeaders=[a-z;-]*x-sdk-date[a-z;-]*, Signature=[0-9a-f]{64}$/);
  });

  it("sends X-Security-Token with temporary credentials, and the signature covers it", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    await client(srv.url, { credentials: { accessKey: AK, secretKey: SK, securityToken: "temp-session-token-123456" } }).showJob(JOB);
    const h = srv.seen[0]!.headers;
    expect(h["x-security-token"]).toBe("temp-session-token-123456");
    expect(h.authorization).toMatch(/SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,/);
  });

  it("a signature made with the wrong secret is refused with 401 and not retried", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    const e = (await failure(client(srv.url, { credentials: { accessKey: AK, secretKey: "wrong-secret-0000" } }).showJob(JOB))) as DcsApiError;
    expect(e.status).toBe(401);
    expect(srv.count("GET")).toBe(1);
  });

  it("uses X-Auth-Token for token credentials", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    await client(srv.url, { credentials: { token: TOKEN } }).showJob(JOB);
    expect(srv.seen[0]!.headers["x-auth-token"]).toBe(TOKEN);
    expect(srv.seen[0]!.headers.authorization).toBeUndefined();
  });

  it("waits for Retry-After on a 429 before retrying", async () => {
    const srv = await serve((_s, res, n) =>
      n === 1
        ? json(res, 429, { error_code: "APIGW.0308", error_msg: "The throttling threshold has been reached" }, { "retry-after": "1" })
        : json(res, 200, job),
    );
    const t0 = Date.now();
    await client(srv.url).showJob(JOB);
    expect(srv.count("GET")).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("retries a 5xx for GET, then gives up with the last error", async () => {
    const srv = await serve((_s, res, n) => (n <= 2 ? json(res, 503, { error_code: "DCS.5000", error_msg: "busy backend" }) : json(res, 200, job)));
    await expect(client(srv.url).showJob(JOB)).resolves.toMatchObject({ jobId: JOB });
    expect(srv.count("GET")).toBe(3);

    const always = await serve((_s, res) => json(res, 500, { error_code: "DCS.5000", error_msg: "down" }));
    const e = await failure(client(always.url, { retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 } }).showJob(JOB));
    expect(e).toBeInstanceOf(DcsApiError);
    expect(always.count("GET")).toBe(3);
  });

  it("never retries a 401 (an AK locks after 5 failed signatures)", async () => {
    const srv = await serve((_s, res) => json(res, 401, { error_code: "APIG.0301", error_msg: "Incorrect IAM authentication information: verify aksk signature fail", request_id: "3b2f0c" }));
    const e = await failure(client(srv.url).showJob(JOB));
    expect(e).toBeInstanceOf(DcsApiError);
    expect((e as DcsApiError).status).toBe(401);
    expect((e as DcsApiError).errorCode).toBe("APIG.0301");
    expect(srv.count("GET")).toBe(1);
  });

  it("rejects a request without credentials the way the gateway does (the server checks Authorization)", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    // A token the server does not know: it answers 401 because no valid Authorization/X-Auth-Token came.
    const e = await failure(client(srv.url, { credentials: { token: "some-other-token" } }).showJob(JOB));
    expect((e as DcsApiError).status).toBe(401);
    expect((e as DcsApiError).requestId).toBeDefined();
  });

  it("surfaces the request ID from X-Request-Id, or from a gateway body", async () => {
    const srv = await serve((_s, res) => json(res, 404, { error_code: "DCS.4133", error_msg: "job not found" }, { "x-request-id": "abc-123-req" }));
    const e = (await failure(client(srv.url).showJob(JOB))) as DcsApiError;
    expect(e.requestId).toBe("abc-123-req");
    expect(e.message).toContain("abc-123-req");
    expect(e.message).toContain(`GET /v2/${PROJECT}/jobs/${JOB}`);

    const gw = await serve((_s, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error_code: "APIG.0101", error_msg: "The API does not exist or has not been published in the environment", request_id: "gw-body-req-9" }));
    });
    const g = (await failure(client(gw.url).showJob(JOB))) as DcsApiError;
    expect(g.requestId).toBe("gw-body-req-9");
  });

  it("parses the v1 {code,message} error shape", async () => {
    const srv = await serve((_s, res) => json(res, 400, { code: "111400063", message: "Invalid {0} parameter in the request.", ext_message: null }));
    const e = (await failure(client(srv.url).showJob(JOB))) as DcsApiError;
    expect(e.errorCode).toBe("111400063");
    expect(e.errorMsg).toContain("Invalid");
  });

  it("turns an HTML error page into a readable DcsApiError", async () => {
    const srv = await serve((_s, res) => {
      res.writeHead(502, { "content-type": "text/html", "x-request-id": "html-req-1" });
      res.end("<html><head><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1><p>nginx/1.25</p></body></html>");
    });
    const e = (await failure(client(srv.url, { retry: { retries: 0 } }).showJob(JOB))) as DcsApiError;
    expect(e).toBeInstanceOf(DcsApiError);
    expect(e.status).toBe(502);
    expect(e.bodyExcerpt).toBe("502 Bad Gateway nginx/1.25");
    expect(e.message).toContain("502 Bad Gateway nginx/1.25");
    expect(e.message).not.toContain("<");
  });

  it("malformed JSON and a body that breaks the schema are DcsResponseErrors", async () => {
    const bad = await serve((_s, res) => json(res, 200, '{"job_id": "ff80', { "x-request-id": "bad-json-req" }));
    const e = await failure(client(bad.url).showJob(JOB));
    expect(e).toBeInstanceOf(DcsResponseError);
    expect(e.message).toContain("not JSON");
    expect(e.message).toContain("bad-json-req");
    expect(e.message).toContain(`/jobs/${JOB}`);

    const wrong = await serve((_s, res) => json(res, 200, { job_id: JOB, status: 3 }));
    const w = await failure(client(wrong.url).showJob(JOB));
    expect(w).toBeInstanceOf(DcsResponseError);
    expect(w.message).toMatch(/status/);
    expect(w.message).toMatch(/job_type/);
  });

  it("sends a read again after a body cut short or of the wrong shape, and uses the good answer", async () => {
    // Chaos trials (docs/reliability.md P1, P5): one truncated answer failed a whole `up`.
    const srv = await serve((_s, res, n) => {
      if (n === 1) return json(res, 200, '{"job_id": "ff80', { "x-request-id": "cut-req" });
      if (n === 2) return json(res, 200, { job_id: JOB });
      json(res, 200, job);
    });
    const j = await client(srv.url).showJob(JOB);
    expect(j.status).toBe(job.status);
    expect(srv.count("GET")).toBe(3);
  });

  it("does not send a read again for another job's answer", async () => {
    const srv = await serve((_s, res) => json(res, 200, { ...job, job_id: "ff8080817f0000000000000000000001" }));
    const e = await failure(client(srv.url).showJob(JOB));
    expect(e).toBeInstanceOf(DcsResponseError);
    expect(e.message).toContain("another job");
    expect(srv.count("GET")).toBe(1);
  });

  it("keeps empty and null end times while a job runs", async () => {
    const srv = await serve((_s, res, n) => json(res, 200, { ...job, status: "RUNNING", end_time: n === 1 ? "" : null }));
    const c = client(srv.url);
    for (const raw of ["", null]) {
      const j = await c.showJob(JOB);
      expect(j.endTimeRaw).toBe(raw);
      expect(j.endTime).toBeUndefined();
      expect(j.durationMs).toBeUndefined();
    }
  });

  it("reads an instance and a task list (task_count as string or number)", async () => {
    const srv = await serve((s, res) => {
      if (s.url.startsWith(`/v2/${PROJECT}/instances/${INSTANCE}/tasks`)) {
        return json(res, 200, {
          task_count: s.url.includes("offset=1") ? 1 : "1",
          tasks: [{ id: "8abf6e1e72c12e7c0172c15b508500aa", name: "EXTEND", status: "SUCCESS", created_at: "2020-06-17T08:18:06.597Z", updated_at: "2020-06-17T08:18:10.106Z", user_name: "dcs_000_02", details: {} }],
        });
      }
      json(res, 200, { instance_id: INSTANCE, name: "r1", status: "RUNNING", engine: "Redis", engine_version: "6.0", cache_mode: "ha", transparent_client_ip_enable: false, max_memory: 1024 });
    });
    const c = client(srv.url);
    const inst = await c.showInstance(INSTANCE);
    expect(inst).toMatchObject({ instanceId: INSTANCE, status: "RUNNING", cacheMode: "ha", transparentClientIpEnable: false });
    expect(inst.raw.max_memory).toBe(1024);
    const tasks = await c.listTasks(INSTANCE, { start: new Date("2020-06-09T16:00:00Z"), end: new Date("2020-06-17T15:59:59Z"), offset: 1, limit: 10 });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ name: "EXTEND", userName: "dcs_000_02" });
    expect(tasks[0]!.createdAt.toISOString()).toBe("2020-06-17T08:18:06.597Z");
    const q = new URL(srv.seen[1]!.url, "http://x").searchParams;
    expect(Object.fromEntries(q)).toEqual({ offset: "1", limit: "10", start_time: "20200609160000", end_time: "20200617155959" });
  });

  it("checks IDs before sending anything", async () => {
    const srv = await serve((_s, res) => json(res, 200, job));
    const c = client(srv.url);
    await expect(c.showJob("../../etc")).rejects.toBeInstanceOf(ConfigError);
    await expect(c.swapMasterStandby("not-a-uuid")).rejects.toBeInstanceOf(ConfigError);
    expect(srv.seen).toHaveLength(0);
  });

  it("reports each exchange to onRequest without headers", async () => {
    const entries: RequestLogEntry[] = [];
    const srv = await serve((_s, res, n) => (n === 1 ? json(res, 503, { error_code: "X", error_msg: "y" }) : json(res, 200, job)));
    await client(srv.url, { onRequest: (e) => entries.push(e) }).showJob(JOB);
    expect(entries.map((e) => [e.method, e.status, e.attempt])).toEqual([["GET", 503, 1], ["GET", 200, 2]]);
    expect(entries[1]!.requestId).toMatch(/^req-200-/);
    expect(JSON.stringify(entries)).not.toMatch(/authorization|x-sdk-date|SDK-HMAC/i);
  });
});

describe("start calls", () => {
  const taskNow = (name = "masterStandbySwapJob", id = "task-id-0000000000000000000000001", extra: Record<string, unknown> = {}) => ({
    id,
    name,
    status: "RUNNING",
    created_at: new Date().toISOString(),
    user_name: "u",
    ...extra,
  });
  /** The job ID the tenant-wide list gives a task (a different value from the task ID, as on the real API). */
  const jobOf = (taskId: string) => `job-of-${taskId}`;
  /**
   * Answers both task lists: the per-instance one (`.../instances/{id}/tasks`, no job IDs) and the
   * tenant-wide one (`/v2/{project}/tasks`, with `job_id`). Anything else gets `other`.
   */
  const taskLists = (tasks: Array<Record<string, unknown>>, res: ServerResponse, url: string, withJobIds = true) => {
    const center = new URL(url, "http://x").pathname === `/v2/${PROJECT}/tasks`;
    const items = center ? tasks.map((t) => (withJobIds ? { ...t, job_id: jobOf(String(t.id)) } : t)) : tasks;
    json(res, 200, { task_count: String(items.length), tasks: items });
  };
  const isInstanceList = (url: string) => new URL(url, "http://x").pathname.endsWith(`/instances/${INSTANCE}/tasks`);

  it("swap: PUT to async-swap with no body, answers the job ID", async () => {
    const srv = await serve((_s, res) => json(res, 200, { job_id: JOB }, { "x-request-id": "swap-req" }));
    await expect(client(srv.url).swapMasterStandby(INSTANCE)).resolves.toEqual({ jobId: JOB, requestId: "swap-req" });
    expect(srv.seen[0]).toMatchObject({ method: "PUT", url: `/v2/${PROJECT}/instances/${INSTANCE}/async-swap`, body: "" });
  });

  it("pass-through: PUT without the instances/ segment, with the flag in the body", async () => {
    const srv = await serve((_s, res) => json(res, 200, { job_id: JOB }));
    await client(srv.url).setClientIpPassThrough(INSTANCE, true);
    expect(srv.seen[0]).toMatchObject({ method: "PUT", url: `/v2/${PROJECT}/${INSTANCE}/client-ip-transparent-transmission` });
    expect(JSON.parse(srv.seen[0]!.body)).toEqual({ transparent_client_ip_enable: true });
  });

  it("a swap answered 500 is NOT resent: it is reconciled through the task list, job ID from the tenant-wide list", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return json(res, 500, { error_code: "DCS.5010", error_msg: "internal error" });
      taskLists([taskNow(), taskNow("EXTEND", "other")], res, s.url);
    });
    const got = await client(srv.url).swapMasterStandby(INSTANCE);
    // The task's ID is not the job's: the job ID comes from the tenant-wide list's job_id.
    expect(got).toEqual({ jobId: jobOf("task-id-0000000000000000000000001"), taskId: "task-id-0000000000000000000000001", reconciled: true });
    expect(srv.count("PUT")).toBe(1);
    const q = new URL(srv.seen.find((x) => isInstanceList(x.url))!.url, "http://x").searchParams;
    expect(q.get("start_time")).toMatch(/^\d{14}$/);
    expect(Number(q.get("end_time"))).toBeGreaterThan(Number(q.get("start_time")));
  });

  it("a swap whose connection breaks after the request arrived is reconciled, never resent", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return res.socket?.destroy();
      taskLists([taskNow()], res, s.url);
    });
    const got = await client(srv.url).swapMasterStandby(INSTANCE);
    expect(got).toMatchObject({ jobId: jobOf("task-id-0000000000000000000000001"), reconciled: true });
    expect(srv.count("PUT")).toBe(1);
  });

  it("a task that existed before the request (listed just before it) is never its result", async () => {
    // Defect: a triggers change 30 s after a swap, answered 502, "succeeded" with the previous job.
    const older = taskNow("masterStandbySwapJob", "task-older", { created_at: new Date(Date.now() - 30_000).toISOString() });
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return json(res, 502, { error_code: "APIG.0502", error_msg: "bad gateway" });
      taskLists([older], res, s.url);
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE, { knownTaskIds: ["task-older"] }));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e.message).toContain("no new masterStandbySwapJob task");
    expect(srv.count("PUT")).toBe(1);
  });

  it("a task that ended before the request was sent is never its result, even without a snapshot", async () => {
    const ended = taskNow("masterStandbySwapJob", "task-ended", {
      status: "SUCCESS",
      created_at: new Date(Date.now() - 200_000).toISOString(),
      updated_at: new Date(Date.now() - 190_000).toISOString(),
    });
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return json(res, 500, { error_code: "DCS.5010", error_msg: "internal error" });
      taskLists([ended], res, s.url);
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect((e as OperationOutcomeUnknownError).sentAt).toBeGreaterThan(Date.now() - 10_000);
  });

  it("another resource's job (claimed) is never this call's result", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return res.socket?.destroy();
      taskLists([taskNow()], res, s.url);
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE, { isClaimed: (id) => id === jobOf("task-id-0000000000000000000000001") }));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
  });

  it("finds a task that shows up in the list a moment late", async () => {
    let looks = 0;
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return res.socket?.destroy();
      if (isInstanceList(s.url)) looks++;
      taskLists(looks === 1 ? [] : [taskNow("modifyClientIpTransJob")], res, s.url);
    });
    await expect(client(srv.url).setClientIpPassThrough(INSTANCE, true)).resolves.toMatchObject({ reconciled: true });
    expect(srv.count("PUT")).toBe(1);
    expect(looks).toBe(2);
  });

  it("no matching task: OperationOutcomeUnknownError that says how to check", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return res.socket?.destroy();
      taskLists([], res, s.url);
    });
    const e = await failure(client(srv.url).setClientIpPassThrough(INSTANCE, false));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e.message).toContain("may have started");
    expect(e.message).toContain("dcs-jobs show");
    expect(e.message).toContain("Background Tasks");
    expect(e.message).toContain("no new modifyClientIpTransJob task");
    expect(srv.count("PUT")).toBe(1);
  });

  it("several matching tasks: unknown too", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return json(res, 502, "<html>bad gateway</html>");
      taskLists([taskNow(), taskNow(undefined, "task-2")], res, s.url);
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e.message).toContain("2 new masterStandbySwapJob tasks");
    expect((e as OperationOutcomeUnknownError).candidates).toEqual(["task-id-0000000000000000000000001", "task-2"]);
  });

  it("one matching task whose job ID no list gives: unknown, naming the task (never its ID as a job ID)", async () => {
    const srv = await serve((s, res) => {
      if (s.method === "PUT") return res.socket?.destroy();
      taskLists([taskNow()], res, s.url, false);
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e.message).toContain("task task-id-0000000000000000000000001, whose job ID");
  });

  it("connection refused before sending is retried", async () => {
    // Find a free port, leave it closed for a moment, then start listening on it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const entries: RequestLogEntry[] = [];
    const c = client(`http://127.0.0.1:${port}`, { retry: { retries: 20, baseDelayMs: 40, maxDelayMs: 80 }, onRequest: (e) => entries.push(e) });
    const call = c.swapMasterStandby(INSTANCE);
    await new Promise((r) => setTimeout(r, 150));
    const srv = await serve((_s, res) => json(res, 200, { job_id: JOB }), port);
    await expect(call).resolves.toMatchObject({ jobId: JOB });
    expect(srv.count("PUT")).toBe(1);
    expect(entries.some((e) => e.error?.includes("ECONNREFUSED"))).toBe(true);
  });

  it("retries while the instance is busy with another kind of operation (it did not start)", async () => {
    let puts = 0;
    const srv = await serve((s, res) => {
      if (s.method !== "PUT") return taskLists([taskNow("modifyClientIpTransJob")], res, s.url);
      puts++;
      puts <= 2 ? json(res, 400, { error_code: puts === 1 ? "DCS.4026" : "111400026", error_msg: "instance busy" }) : json(res, 200, { job_id: JOB });
    });
    await expect(client(srv.url).swapMasterStandby(INSTANCE)).resolves.toMatchObject({ jobId: JOB });
    expect(srv.count("PUT")).toBe(3);
    // A look at the task list on each busy answer and once more right before each retry (a lagging list
    // may show the running job only later): 2 busy answers, 4 looks.
    expect(srv.seen.filter((x) => isInstanceList(x.url))).toHaveLength(4);
  });

  it("busy, and a same-kind task appeared since the caller's snapshot: reported even if it already ended (an interrupted run's)", async () => {
    const appeared = taskNow("masterStandbySwapJob", "task-appeared", { status: "SUCCESS", created_at: new Date(Date.now() - 5_000).toISOString() });
    const srv = await serve((s, res) => {
      if (s.method !== "PUT") return taskLists([appeared], res, s.url);
      json(res, 400, { error_code: "DCS.4026", error_msg: "instance busy" });
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE, { knownTaskIds: [], knownFromMs: Date.now() - 60_000 }));
    expect(e).toBeInstanceOf(SameOperationRunningError);
    expect((e as SameOperationRunningError).task.taskId).toBe("task-appeared");
    // Without a snapshot, only a running one counts: an old finished swap is not this call's business.
    const srv2 = await serve((s, res) => {
      if (s.method !== "PUT") return taskLists([appeared], res, s.url);
      return srv2Puts++ < 1 ? json(res, 400, { error_code: "DCS.4026", error_msg: "instance busy" }) : json(res, 200, { job_id: JOB });
    });
    let srv2Puts = 0;
    await expect(client(srv2.url).swapMasterStandby(INSTANCE)).resolves.toMatchObject({ jobId: JOB });
  });

  it("busy with the same operation: reports the running job, never queues a second swap behind it", async () => {
    const srv = await serve((s, res) => {
      if (s.method !== "PUT") return taskLists([taskNow()], res, s.url);
      json(res, 400, { error_code: "DCS.4026", error_msg: "instance busy" });
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE));
    expect(e).toBeInstanceOf(SameOperationRunningError);
    expect(e.message).toContain(`already running on DCS instance ${INSTANCE}: job ${jobOf("task-id-0000000000000000000000001")}`);
    expect(srv.count("PUT")).toBe(1);
  });

  it("a definite refusal is reported as is, once", async () => {
    const srv = await serve((_s, res) => json(res, 400, { error_code: "DCS.4855", error_msg: "Master standby swap is not supported.", error_ext_msg: null }));
    const e = (await failure(client(srv.url).swapMasterStandby(INSTANCE))) as DcsApiError;
    expect(e.errorCode).toBe("DCS.4855");
    expect(srv.count("PUT")).toBe(1);
  });

  it("a deadline that passes mid-request gives an unknown outcome, without resending", async () => {
    const srv = await serve(() => {
      // never answers
    });
    const e = await failure(client(srv.url).swapMasterStandby(INSTANCE, { deadline: Date.now() + 300 }));
    expect(e).toBeInstanceOf(OperationOutcomeUnknownError);
    expect(e.message).toContain("deadline");
    expect(srv.count("PUT")).toBe(1);
  });

  it("the caller's abort stops a busy wait at once", async () => {
    const srv = await serve((_s, res) => json(res, 400, { error_code: "DCS.4111", error_msg: "restarting" }));
    const ac = new AbortController();
    const c = client(srv.url, { retry: { busyBaseDelayMs: 60_000, busyMaxDelayMs: 60_000 } });
    const call = c.swapMasterStandby(INSTANCE, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    const reason = new Error("user cancelled");
    const t0 = Date.now();
    ac.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe("secrets", () => {
  it("a proxy page echoing the request headers does not leak the token or the secret key", async () => {
    const srv = await serve((s, res) => {
      res.writeHead(500, { "content-type": "text/html" });
      res.end(`<html><body><pre>${JSON.stringify(s.headers)} sk=${SK} token=${TOKEN}</pre></body></html>`);
    });
    for (const creds of [{ token: TOKEN }, { accessKey: AK, secretKey: SK }]) {
      const e = await failure(client(srv.url, { credentials: creds, retry: { retries: 0 } }).showJob(JOB));
      expect(e).toBeInstanceOf(DcsApiError);
      expect(e.message).toContain("[redacted]");
    }
  });

  it("no error seen in this file carries a secret in its message, fields or stack", () => {
    expect(errorsSeen.length).toBeGreaterThan(10);
    for (const e of errorsSeen) {
      const err = e as Error & { cause?: unknown };
      const text = [err.message, err.stack, JSON.stringify(err), JSON.stringify(Object.entries(err)), String(err.cause ?? ""), (err.cause as Error | undefined)?.stack ?? ""].join("\n");
      expect(text).not.toContain(SK);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/Signature=[0-9a-f]{64}/);
    }
  });

  it("counts sockets opened (keep-alive reuses them)", () => {
    expect(httpStats().socketsOpened).toBeGreaterThan(0);
  });
});

describe("network errors", () => {
  it("a GET whose connection breaks is retried and reported as a DcsNetworkError when it keeps failing", async () => {
    const srv = await serve((_s, res) => res.socket?.destroy());
    const e = await failure(client(srv.url, { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 5 } }).showJob(JOB));
    expect(e).toBeInstanceOf(DcsNetworkError);
    expect((e as DcsNetworkError).notSent).toBe(false);
    expect(srv.count("GET")).toBe(2);
  });
});

describe("deadlines", () => {
  it("a fractional deadline (from a jittered schedule) is honoured, not a crash", async () => {
    const signal = combinedSignal(undefined, Date.now() + 2715780.8928222656);
    expect(signal).toBeDefined();
    expect(signal!.aborted).toBe(false);
    const past = combinedSignal(undefined, Date.now() - 0.5);
    await new Promise((r) => setTimeout(r, 5));
    expect(past!.aborted).toBe(true);
  });
});
