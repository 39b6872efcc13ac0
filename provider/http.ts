/**
 * The HTTP layer: one keep-alive undici dispatcher per (timeouts, CA, proxy) setting for the whole
 * process, honouring HTTPS_PROXY/HTTP_PROXY/NO_PROXY via `EnvHttpProxyAgent`, and one function that
 * sends a request and turns every failure into either the caller's abort reason or a
 * {@link DcsNetworkError} that says whether the request certainly never left.
 *
 * Nothing here sees or logs headers beyond passing them to undici.
 */
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import { rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from "undici";
import { ConfigError, DcsNetworkError } from "./errors";

/** Settings that pick a dispatcher. */
export interface HttpSettings {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Extra CA bundle (PEM), added to Node's default roots. */
  ca?: string;
  /** Loopback endpoints (the emulator) never go through a proxy. */
  direct?: boolean;
}

let socketsOpened = 0;
// undici publishes every new connection here; counting it is cheap and covers proxied connections too.
// Note: Node's global fetch (also undici) publishes on the same channel, so its sockets count as well.
subscribe("undici:client:connected", () => {
  socketsOpened++;
});

/** Process-wide HTTP statistics (the benchmark reports "sockets opened"). */
export function httpStats(): { socketsOpened: number; dispatchers: number } {
  return { socketsOpened, dispatchers: dispatchers.size };
}

const dispatchers = new Map<string, Dispatcher>();

/**
 * The shared dispatcher for `settings`. A different CA needs its own connection pool (TLS options are
 * per pool), so dispatchers are cached per setting; everything else shares one keep-alive pool.
 */
export function getDispatcher(settings: HttpSettings): Dispatcher {
  const caKey = settings.ca ? createHash("sha256").update(settings.ca).digest("hex").slice(0, 16) : "-";
  const key = [settings.connectTimeoutMs, settings.headersTimeoutMs, settings.bodyTimeoutMs, caKey, settings.direct ? "direct" : "env"].join("|");
  let d = dispatchers.get(key);
  if (!d) {
    const tls = settings.ca ? { ca: [...rootCertificates, settings.ca] } : {};
    const opts = {
      keepAliveTimeout: 10_000,
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      connect: { timeout: settings.connectTimeoutMs, ...tls },
    };
    d = settings.direct ? new Agent(opts) : new EnvHttpProxyAgent({ ...opts, requestTls: { timeout: settings.connectTimeoutMs, ...tls } });
    dispatchers.set(key, d);
  }
  return d;
}

/** Closes every shared dispatcher (end of process, tests). New calls create fresh ones. */
export async function closeAllDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.allSettled(all.map((d) => d.close()));
}

const caFiles = new Map<string, string>();

/** Reads a PEM CA bundle once per path; a missing or non-PEM file is a {@link ConfigError}. */
export function loadCaFile(path: string): string {
  const cached = caFiles.get(path);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code ?? "read error";
    throw new ConfigError(`Cannot read the CA bundle ${JSON.stringify(path)} (caFile / HW_DCS_CA_FILE): ${code}.`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`The CA bundle ${JSON.stringify(path)} (caFile / HW_DCS_CA_FILE) holds no PEM certificate.`);
  }
  caFiles.set(path, text);
  return text;
}

/** One request to send. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The caller's signal. */
  signal?: AbortSignal;
  /** Absolute deadline (epoch ms): the request is aborted with a `TimeoutError` when it passes. */
  deadline?: number;
  /** The path to name in errors (without the origin). */
  pathForErrors: string;
  /** Read at most this many bytes of the answer's body (default {@link MAX_BODY_BYTES}); the rest is not read. */
  maxBodyBytes?: number;
}

/** An answer, with the body read as text. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
  /** The body was longer than the limit and was cut there (the connection is closed, not reused). */
  truncated?: boolean;
}

/**
 * The most of an answer's body that is read: 8 MiB. DCS answers are kilobytes (a task list of 1,000
 * items is about half a megabyte); a server that sends more, or never stops, gets cut off instead of
 * filling the memory.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Codes meaning the connection was never made: the request certainly did not reach the server. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT", "ERR_TLS_CERT_ALTNAME_INVALID", "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** Short human explanations of common codes. */
const EXPLAIN: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found (DNS)",
  EAI_AGAIN: "DNS lookup failed temporarily",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for the answer's headers",
  UND_ERR_BODY_TIMEOUT: "timed out reading the answer's body",
  UND_ERR_SOCKET: "the connection closed before the answer arrived",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS certificate not trusted (set caFile / HW_DCS_CA_FILE for a private CA)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate not trusted (set caFile / HW_DCS_CA_FILE for a private CA)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "TLS certificate not trusted (set caFile / HW_DCS_CA_FILE for a private CA)",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed TLS certificate (set caFile / HW_DCS_CA_FILE)",
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the TLS certificate does not match the host name",
};

/** The most specific error code in an error and its causes. */
export function errorCodeOf(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * Wraps a low-level failure in a {@link DcsNetworkError}. The message names the method, the path and
 * what happened; the original error stays as `cause` only through a sanitized copy (its code and
 * message), because undici errors can carry request options.
 */
export function toNetworkError(e: unknown, method: string, path: string): DcsNetworkError {
  const code = errorCodeOf(e);
  const notSent = code !== undefined && NOT_SENT_CODES.has(code);
  const what = (code && EXPLAIN[code]) ?? (e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200));
  const cause = Object.assign(new Error(e instanceof Error ? e.message.slice(0, 300) : String(e).slice(0, 300)), { code });
  return new DcsNetworkError(
    `${method} ${path}: ${what}${code ? ` (${code})` : ""}; ${notSent ? "the request was not sent" : "the request may have reached the server"}`,
    method,
    path,
    notSent,
    { cause },
  );
}

/** Combines the caller's signal with the remaining time to the deadline. */
export function combinedSignal(signal: AbortSignal | undefined, deadline: number | undefined, now = Date.now()): AbortSignal | undefined {
  const parts: AbortSignal[] = [];
  if (signal) parts.push(signal);
  // AbortSignal.timeout throws on a fractional delay, and deadlines computed from jittered sleeps are
  // fractional; round up so the request never ends before its deadline.
  if (deadline !== undefined) parts.push(AbortSignal.timeout(Math.max(0, Math.ceil(deadline - now))));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : AbortSignal.any(parts);
}

/**
 * Sends one request. Resolves with any HTTP status (status handling is the caller's). Rejects with
 * the caller's abort reason, a `TimeoutError` DOMException when the deadline passed, or a
 * {@link DcsNetworkError}.
 */
export async function sendHttp(dispatcher: Dispatcher, req: HttpRequest): Promise<HttpResponse> {
  const signal = combinedSignal(req.signal, req.deadline);
  if (signal?.aborted) throw signal.reason;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      dispatcher,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal,
    });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw toNetworkError(e, req.method, req.pathForErrors);
  }
  let body: string;
  let truncated = false;
  try {
    const max = req.maxBodyBytes ?? MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const c = chunk as Buffer;
      if (size + c.length > max) {
        chunks.push(c.subarray(0, max - size));
        truncated = true;
        res.body.destroy();
        break;
      }
      chunks.push(c);
      size += c.length;
    }
    body = Buffer.concat(chunks).toString("utf8");
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    const err = toNetworkError(e, req.method, req.pathForErrors);
    // The answer had started: the request certainly arrived.
    throw new DcsNetworkError(err.message.replace("the request was not sent", "the request reached the server"), req.method, req.pathForErrors, false, { cause: err.cause });
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(res.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  return { status: res.statusCode, headers, body, ...(truncated ? { truncated } : {}) };
}
