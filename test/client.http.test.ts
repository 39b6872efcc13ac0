/**
 * http.ts over real sockets on 127.0.0.1: an extra CA bundle for a private HTTPS endpoint, and
 * HTTP(S)_PROXY honoured through EnvHttpProxyAgent.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DcsClient } from "../provider/client";
import { ConfigError, DcsNetworkError } from "../provider/errors";
import { closeAllDispatchers, getDispatcher, sendHttp } from "../provider/http";

const PROJECT = "0123456789abcdef0123456789abcdef";
const JOB = "ff8080818822bbf70188235afc24141a";
const job = { job_id: JOB, job_type: "masterStandbySwapJob", status: "RUNNING", begin_time: "1684191545379", end_time: "", fail_reason: null };

const dir = mkdtempSync(join(tmpdir(), "dcs-http-test-"));
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await closeAllDispatchers();
  rmSync(dir, { recursive: true, force: true });
});

function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(!hasOpenssl())("private CA", () => {
  it("trusts an HTTPS endpoint signed by the CA in caFile, and explains the failure without it", async () => {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    const { readFileSync } = await import("node:fs");
    const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(job));
    });
    const port = await listen(server as unknown as Server);
    const base = { endpoint: `https://127.0.0.1:${port}`, projectId: PROJECT, credentials: { token: "t0ken-value" }, retry: { retries: 0 } };

    const withCa = new DcsClient({ ...base, caFile: join(dir, "cert.pem") }, {});
    await expect(withCa.showJob(JOB)).resolves.toMatchObject({ jobId: JOB, status: "RUNNING" });

    const without = new DcsClient(base, {});
    const e = await without.showJob(JOB).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DcsNetworkError);
    expect((e as Error).message).toMatch(/HW_DCS_CA_FILE/);
  });

  it("a missing or non-PEM CA file is a ConfigError at construction", () => {
    const base = { endpoint: "https://127.0.0.1:1", projectId: PROJECT, credentials: { token: "t0ken-value" } };
    expect(() => new DcsClient({ ...base, caFile: join(dir, "nope.pem") }, {})).toThrow(ConfigError);
    writeFileSync(join(dir, "junk.pem"), "not a certificate");
    expect(() => new DcsClient(base, { HW_DCS_CA_FILE: join(dir, "junk.pem") })).toThrow(/no PEM certificate/);
  });
});

describe("proxy", () => {
  it("sends through HTTP_PROXY when the endpoint is not loopback-direct", async () => {
    const target = createHttpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(job));
    });
    const targetPort = await listen(target);
    let tunnels = 0;
    let forwarded = 0;
    const proxy = createHttpServer((req, res) => {
      // Absolute-form forwarding (plain http through a proxy).
      forwarded++;
      const url = new URL(req.url!);
      const upstream = connect(Number(url.port), url.hostname, () => {
        upstream.write(`${req.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
      });
      upstream.pipe(res.socket as Socket);
    });
    proxy.on("connect", (req, clientSocket: Socket, head) => {
      tunnels++;
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        clientSocket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      upstream.on("error", () => clientSocket.destroy());
    });
    const proxyPort = await listen(proxy);

    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    try {
      process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`;
      delete process.env.http_proxy;
      process.env.NO_PROXY = "";
      delete process.env.no_proxy;
      // A unique timeout makes a fresh dispatcher that reads the environment now.
      const d = getDispatcher({ connectTimeoutMs: 4321, headersTimeoutMs: 5000, bodyTimeoutMs: 5000 });
      const res = await sendHttp(d, { method: "GET", url: `http://127.0.0.1:${targetPort}/v2/${PROJECT}/jobs/${JOB}`, headers: {}, pathForErrors: "/x" });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).job_id).toBe(JOB);
      expect(tunnels + forwarded).toBe(1);

      // The loopback-direct dispatcher (the emulator) never uses the proxy.
      const direct = getDispatcher({ connectTimeoutMs: 4321, headersTimeoutMs: 5000, bodyTimeoutMs: 5000, direct: true });
      await sendHttp(direct, { method: "GET", url: `http://127.0.0.1:${targetPort}/`, headers: {}, pathForErrors: "/" });
      expect(tunnels + forwarded).toBe(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
