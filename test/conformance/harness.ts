/**
 * Test helpers of the vendor-SDK conformance suite: building the Go client (scripts/ensure-conformance.sh),
 * running it against an endpoint, and a loopback proxy that records requests and can rewrite answers
 * (to prove the SDK refuses bodies of the wrong types). The proxy forwards the `Host` header as it came,
 * so requests signed for the proxy's address still verify at the emulator.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

/** The package's root: the nearest folder up with this package's package.json (from here, else the working directory). */
function findRoot(): string {
  const starts = [typeof __dirname === "string" && !__dirname.startsWith("data:") ? __dirname : "", process.cwd()].filter(Boolean);
  for (const start of starts) {
    let dir = start;
    for (;;) {
      try {
        if ((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name === "pulumi-dcs-jobs") return dir;
      } catch {
        // not here
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error("cannot find the pulumi-dcs-jobs package root");
}

export const ROOT = findRoot();

/** One output line of the conformance binary. */
export interface ConformanceLine {
  operation: string;
  for?: string;
  target?: string;
  ok: boolean;
  served: boolean;
  status: number;
  error: string;
  error_kind?: "decode" | "refused" | "status" | "check" | "unserved" | "network" | "input";
  error_code?: string;
  job_id?: string;
  job_status?: string;
  job_type?: string;
  task_id?: string;
  polls?: number;
  warnings?: string[];
  placeholder?: boolean;
}

export interface ConformanceRun {
  code: number;
  lines: ConformanceLine[];
  stdout: string;
  stderr: string;
}

/** What the binary reads from a -params file. */
export interface ConformanceParams {
  instances: string[];
  operations: Record<string, { instance_id?: string; group_id?: string; node_id?: string; account_id?: string; body?: unknown; status?: number; no_wait?: boolean; job_status?: string; expect_error?: { status: number; error_code: string } }>;
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 << 20, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr: stderr + (err && code === -1 ? `\n${String(err)}` : "") });
    });
  });
}

/** Builds (or reuses) the binary; resolves to its path and the script's diagnostics (build time). */
export async function ensureConformanceBinary(): Promise<{ bin: string; log: string }> {
  const r = await run("bash", [join(ROOT, "scripts", "ensure-conformance.sh")], { cwd: ROOT, env: process.env, timeoutMs: 15 * 60_000 });
  const bin = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code !== 0 || !bin) throw new Error(`scripts/ensure-conformance.sh failed (exit ${r.code}):\n${r.stderr}`);
  return { bin, log: r.stderr.trim() };
}

/** Runs the binary (asynchronously: the emulator answers from this process's event loop). */
export async function runConformance(
  bin: string,
  target: { endpoint: string; projectId: string; accessKey: string; secretKey: string },
  params: ConformanceParams | undefined,
  args: string[] = [],
): Promise<ConformanceRun> {
  const dir = mkdtempSync(join(tmpdir(), "dcs-conformance-"));
  try {
    const all = [...args];
    if (params) {
      const file = join(dir, "params.json");
      writeFileSync(file, JSON.stringify(params, null, 2));
      all.push("-params", file);
    }
    // Keys through the environment (not argv, which `ps` shows), as the SDK's users pass them.
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      HW_DCS_ENDPOINT: target.endpoint,
      HW_PROJECT_ID: target.projectId,
      HW_ACCESS_KEY: target.accessKey,
      HW_SECRET_KEY: target.secretKey,
    };
    const r = await run(bin, all, { env, timeoutMs: 5 * 60_000 });
    const lines = r.stdout
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ConformanceLine);
    return { ...r, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One request seen by the proxy. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Rewrites an answer's body: return undefined to leave it as it is. */
export type Rewrite = (req: SeenRequest, status: number, body: string) => string | undefined;

export interface RecordingProxy {
  url: string;
  requests: SeenRequest[];
  /** Replaces the rewrite rule (undefined: forward answers unchanged). */
  setRewrite(rule: Rewrite | undefined): void;
  stop(): Promise<void>;
}

/** A loopback proxy in front of `target` (an http:// origin). */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const requests: SeenRequest[] = [];
  let rewrite: Rewrite | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://proxy.invalid");
      const seen: SeenRequest = { method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body: body.toString("utf8") };
      requests.push(seen);
      const up = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on("data", (c: Buffer) => out.push(c));
        upRes.on("end", () => {
          let text = Buffer.concat(out).toString("utf8");
          try {
            const changed = rewrite?.(seen, upRes.statusCode ?? 0, text);
            if (changed !== undefined) text = changed;
          } catch {
            // A rule that does not fit this answer leaves it as it is.
          }
          const headers = { ...upRes.headers };
          delete headers["content-length"];
          delete headers["transfer-encoding"];
          res.writeHead(upRes.statusCode ?? 502, { ...headers, "content-length": Buffer.byteLength(text) });
          res.end(text);
        });
      });
      up.on("error", () => {
        res.destroy();
      });
      up.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRewrite: (r) => {
      rewrite = r;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A table entry as the conformance tests read it (provider/operations/types.ts `OperationDef`). */
export interface TableOperation {
  name: string;
  method: string;
  path: string;
  pathParams: readonly string[];
  body?: unknown;
  exampleBody?: unknown;
}

/**
 * The package's operation table (`OPERATIONS` of provider/operations), or undefined while it does not
 * exist: the import is guarded by an existence check, so the suite runs on either side of its arrival.
 */
export async function loadOperationTable(): Promise<readonly TableOperation[] | undefined> {
  const file = [join(ROOT, "provider", "operations", "index.ts"), join(ROOT, "provider", "operations.ts")].find((f) => existsSync(f));
  if (!file) return undefined;
  // A computed specifier: no compile-time dependency on a module that may not exist yet.
  const mod = (await import(pathToFileURL(file).href)) as { OPERATIONS?: readonly TableOperation[] };
  return mod.OPERATIONS;
}
