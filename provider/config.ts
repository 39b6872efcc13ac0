/**
 * Client configuration: turns {@link DcsClientOptions} plus the environment into a fully checked
 * {@link ResolvedClientConfig}, or throws a {@link ConfigError} that says exactly what is missing and
 * where it was looked for. Pure: no I/O, the environment is a parameter.
 *
 * Secrets never reach a message: errors name variables ("HW_SECRET_KEY is set but HW_ACCESS_KEY is
 * not"), never their values.
 */
import { ConfigError } from "./errors";
import type { AkSkCredentials, Cloud, Credentials, RequestLogEntry, TokenCredentials } from "./types";

/** Retry knobs. Delays are full-jitter exponential: `random(0, min(maxDelayMs, baseDelayMs * 2^n))`. */
export interface RetryOptions {
  /** Extra attempts for reads (GET) after the first. Default 4. */
  retries?: number;
  /** First backoff ceiling. Default 500 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling cap. Default 20 s. */
  maxDelayMs?: number;
  /**
   * How long a start call keeps retrying while the instance is busy with another operation
   * ("instance busy" codes), when the call has no deadline of its own. Default 10 min.
   */
  busyTimeoutMs?: number;
  /** First backoff ceiling while waiting for a busy instance. Default 2 s. */
  busyBaseDelayMs?: number;
  /** Backoff ceiling cap while waiting for a busy instance. Default 30 s. */
  busyMaxDelayMs?: number;
}

/** A request-rate budget per endpoint, shared by every client of the process. */
export interface RateLimitOptions {
  requestsPerSecond: number;
  /** Requests that may go at once after a quiet period. Default `max(1, ceil(requestsPerSecond))`. */
  burst?: number;
  /**
   * Adapt to the gateway's throttling (default `true`): after a 429 the process-wide budget pauses until
   * `Retry-After` and lowers itself to the share of the gateway's window this process got, then recovers
   * CUBIC-style (`provider/rate-limit.ts`). `false` keeps the fixed budget only.
   */
  adaptive?: boolean;
}

/** Options of {@link DcsClient}. Everything may also come from the environment; options win. */
export interface DcsClientOptions {
  /** Region, e.g. `ap-southeast-1`, `eu-de`. Env: HW_REGION_NAME, HUAWEICLOUD_SDK_REGION. */
  region?: string;
  /** Project ID (32 hex). Env: HW_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID. */
  projectId?: string;
  /** Which endpoint template to use. Env: HW_CLOUD. Default `huaweicloud` (or `otc` for OTC-only regions). */
  cloud?: Cloud;
  /** Explicit endpoint URL; wins over the templates (private endpoints, proxies, the emulator). Env: HW_DCS_ENDPOINT. */
  endpoint?: string;
  /** AK/SK (optionally temporary) or an IAM token. Env: see {@link describeCredentialSources}. */
  credentials?: Credentials;
  /** TCP+TLS connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Time until response headers arrive. Default 30 s. */
  headersTimeoutMs?: number;
  /** Idle time between body chunks. Default 30 s. */
  bodyTimeoutMs?: number;
  /** Extra CA bundle file (PEM), added to the default roots. Env: HW_DCS_CA_FILE. */
  caFile?: string;
  /** Extra CA bundle (PEM text), added to the default roots. */
  ca?: string;
  retry?: RetryOptions;
  /** Request-rate budget; `false` turns it off. Default 5 requests/s, burst 10. */
  rateLimit?: RateLimitOptions | false;
  /** Overrides `pulumi-dcs-jobs/<version>`. */
  userAgent?: string;
  /** Called once per HTTP exchange. Never receives headers or secrets. */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** A configuration every field of which has been checked. */
export interface ResolvedClientConfig {
  /** Endpoint origin plus optional base path, without a trailing slash. */
  endpoint: string;
  /** True when the endpoint is a loopback address (the emulator): never proxied. */
  loopback: boolean;
  region?: string;
  cloud: Cloud;
  projectId: string;
  credentials: Credentials;
  /** Where the credentials came from, e.g. `options.credentials`, `HW_ACCESS_KEY/HW_SECRET_KEY`. */
  credentialSource: string;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  caFile?: string;
  ca?: string;
  retry: Required<RetryOptions>;
  rateLimit?: { requestsPerSecond: number; burst: number; adaptive?: false };
  userAgent?: string;
  onRequest?: (entry: RequestLogEntry) => void;
}

export type Env = Record<string, string | undefined>;

/**
 * DCS regions of Huawei Cloud, from `huaweicloud-sdk-go-v3` `services/dcs/v2/region/region.go`.
 * Regions the SDK does not list can still be reached with an explicit endpoint.
 */
export const HUAWEICLOUD_DCS_REGIONS: readonly string[] = [
  "af-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ae-ad-1",
  "cn-east-2", "cn-east-3", "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-south-1",
  "cn-south-2", "cn-southwest-2", "eu-west-0", "eu-west-101", "la-north-2", "la-south-2", "me-east-1",
  "na-mexico-1", "ru-northwest-2", "sa-brazil-1", "tr-west-1",
];

/** DCS regions of Open Telekom Cloud (eu-de Germany, eu-nl Netherlands, eu-ch2 Swiss). */
export const OTC_DCS_REGIONS: readonly string[] = ["eu-de", "eu-nl", "eu-ch2"];

/** Endpoint templates per cloud; `{region}` is replaced. */
export const ENDPOINT_TEMPLATES: Readonly<Record<Cloud, string>> = {
  huaweicloud: "https://dcs.{region}.myhuaweicloud.com",
  otc: "https://dcs.{region}.otc.t-systems.com",
};

/** Default knobs; exported so docs and tests agree with the code. */
export const DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  retry: { retries: 4, baseDelayMs: 500, maxDelayMs: 20_000, busyTimeoutMs: 10 * 60_000, busyBaseDelayMs: 2_000, busyMaxDelayMs: 30_000 },
  rateLimit: { requestsPerSecond: 5, burst: 10 },
} as const;

/** The endpoint for a region of a cloud, from {@link ENDPOINT_TEMPLATES}. Does not validate. */
export function endpointFor(cloud: Cloud, region: string): string {
  return ENDPOINT_TEMPLATES[cloud].replace("{region}", region);
}

/** Known regions of a cloud. */
export function knownRegions(cloud: Cloud): readonly string[] {
  return cloud === "otc" ? OTC_DCS_REGIONS : HUAWEICLOUD_DCS_REGIONS;
}

/**
 * Throws a {@link ConfigError} unless `region` is a known DCS region of `cloud`. The message lists
 * close matches (by edit distance, or the same prefix) and the explicit-endpoint escape hatch.
 */
export function assertRegion(region: string, cloud: Cloud = "huaweicloud"): void {
  const known = knownRegions(cloud);
  if (known.includes(region)) return;
  const other: Cloud = cloud === "otc" ? "huaweicloud" : "otc";
  const inOther = knownRegions(other).includes(region)
    ? ` "${region}" is a region of ${cloudName(other)}: set cloud "${other}" (HW_CLOUD=${other}).`
    : "";
  const close = closeMatches(region, known);
  const hint = close.length ? ` Did you mean ${close.map((r) => `"${r}"`).join(" or ")}?` : "";
  throw new ConfigError(
    `Unknown DCS region "${printable(region)}" for ${cloudName(cloud)}.${inOther}${hint} ` +
      `Known regions: ${known.join(", ")}; or set an explicit endpoint (option \`endpoint\` or HW_DCS_ENDPOINT).`,
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws a {@link ConfigError} unless `id` looks like a DCS instance ID (a UUID). */
export function assertInstanceId(id: unknown): asserts id is string {
  if (typeof id === "string" && UUID_RE.test(id)) return;
  throw new ConfigError(
    `Invalid DCS instance ID ${describeValue(id)}: an instance ID is a UUID such as ` +
      `"5560df16-cebf-4473-95c4-d1b573c16e79" (8-4-4-4-12 hex digits; see the console's instance details).`,
  );
}

const JOB_ID_RE = /^[A-Za-z0-9-]{8,64}$/;

/** Throws a {@link ConfigError} unless `id` looks like a DCS job ID (32 hex in practice). */
export function assertJobId(id: unknown): asserts id is string {
  if (typeof id === "string" && JOB_ID_RE.test(id)) return;
  throw new ConfigError(
    `Invalid DCS job ID ${describeValue(id)}: a job ID is what a start call answered as job_id, ` +
      `usually 32 hex digits such as "ff8080818822bbf70188235afc24141a" (8-64 letters, digits or dashes).`,
  );
}

const PROJECT_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** One place credentials may come from, in the order they are tried. */
export interface CredentialSource {
  /** What to set, e.g. `HW_ACCESS_KEY + HW_SECRET_KEY (+ HW_SECURITY_TOKEN)`. */
  label: string;
  kind: "aksk" | "token";
}

/** The places credentials are looked for, in order (options first). For resources' and CLI messages. */
export function describeCredentialSources(): CredentialSource[] {
  return [
    { label: "the `credentials` option", kind: "aksk" },
    { label: "HW_ACCESS_KEY + HW_SECRET_KEY (+ HW_SECURITY_TOKEN)", kind: "aksk" },
    { label: "HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN)", kind: "aksk" },
    { label: "HW_AUTH_TOKEN (an IAM token)", kind: "token" },
  ];
}

/** A one-line description of {@link describeCredentialSources}, for error messages. */
export function credentialSourcesText(): string {
  return describeCredentialSources()
    .map((s) => s.label)
    .join("; ");
}

/**
 * Resolves and validates the whole configuration. Throws a {@link ConfigError} on the first problem;
 * nothing is sent before this succeeds.
 */
export function resolveClientConfig(options: DcsClientOptions = {}, env: Env = process.env): ResolvedClientConfig {
  const { credentials, credentialSource } = resolveCredentials(options, env);
  const projectId = resolveProjectId(options, env);
  const { endpoint, loopback, region, cloud } = resolveEndpoint(options, env);

  const timeouts = {
    connectMs: positive("connectTimeoutMs", options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
    headersMs: positive("headersTimeoutMs", options.headersTimeoutMs, DEFAULTS.headersTimeoutMs),
    bodyMs: positive("bodyTimeoutMs", options.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs),
  };
  const r = options.retry ?? {};
  const retry: Required<RetryOptions> = {
    retries: nonNegativeInt("retry.retries", r.retries, DEFAULTS.retry.retries),
    baseDelayMs: positive("retry.baseDelayMs", r.baseDelayMs, DEFAULTS.retry.baseDelayMs),
    maxDelayMs: positive("retry.maxDelayMs", r.maxDelayMs, DEFAULTS.retry.maxDelayMs),
    busyTimeoutMs: nonNegative("retry.busyTimeoutMs", r.busyTimeoutMs, DEFAULTS.retry.busyTimeoutMs),
    busyBaseDelayMs: positive("retry.busyBaseDelayMs", r.busyBaseDelayMs, DEFAULTS.retry.busyBaseDelayMs),
    busyMaxDelayMs: positive("retry.busyMaxDelayMs", r.busyMaxDelayMs, DEFAULTS.retry.busyMaxDelayMs),
  };
  let rateLimit: ResolvedClientConfig["rateLimit"];
  if (options.rateLimit !== false) {
    const rl: RateLimitOptions = options.rateLimit ?? DEFAULTS.rateLimit;
    const rps = positive("rateLimit.requestsPerSecond", rl.requestsPerSecond, DEFAULTS.rateLimit.requestsPerSecond);
    rateLimit = { requestsPerSecond: rps, burst: positive("rateLimit.burst", rl.burst, Math.max(1, Math.ceil(rps))), ...(rl.adaptive === false ? { adaptive: false as const } : {}) };
  }
  const caFile = nonEmpty(options.caFile) ?? nonEmpty(env.HW_DCS_CA_FILE);
  return {
    endpoint,
    loopback,
    region,
    cloud,
    projectId,
    credentials,
    credentialSource,
    timeouts,
    caFile,
    ca: nonEmpty(options.ca),
    retry,
    rateLimit,
    userAgent: nonEmpty(options.userAgent),
    onRequest: options.onRequest,
  };
}

function resolveCredentials(options: DcsClientOptions, env: Env): { credentials: Credentials; credentialSource: string } {
  const given = options.credentials as Partial<AkSkCredentials & TokenCredentials> | undefined;
  if (given !== undefined && given !== null) {
    if (typeof given !== "object") throw new ConfigError("The `credentials` option must be an object.");
    const token = nonEmpty(given.token);
    const ak = nonEmpty(given.accessKey);
    const sk = nonEmpty(given.secretKey);
    if (ak || sk) {
      if (!ak) throw new ConfigError("credentials.secretKey is set but credentials.accessKey is not.");
      if (!sk) throw new ConfigError("credentials.accessKey is set but credentials.secretKey is not.");
      checkKeyShape("credentials.accessKey", ak);
      const securityToken = nonEmpty(given.securityToken);
      return { credentials: { accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}) }, credentialSource: "options.credentials" };
    }
    if (token) return { credentials: { token }, credentialSource: "options.credentials" };
    throw new ConfigError(
      "The `credentials` option has neither accessKey/secretKey nor token. " +
        "Pass { accessKey, secretKey, securityToken? } or { token }, or leave it out to use the environment.",
    );
  }
  for (const [akVar, skVar, stVar] of [
    ["HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN"],
    ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"],
  ] as const) {
    const ak = nonEmpty(env[akVar]);
    const sk = nonEmpty(env[skVar]);
    if (!ak && !sk) continue;
    if (!ak) throw new ConfigError(`${skVar} is set but ${akVar} is not: set both (or neither).`);
    if (!sk) throw new ConfigError(`${akVar} is set but ${skVar} is not: set both (or neither).`);
    checkKeyShape(akVar, ak);
    const securityToken = nonEmpty(env[stVar]);
    return {
      credentials: { accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}) },
      credentialSource: `${akVar}/${skVar}${securityToken ? `/${stVar}` : ""}`,
    };
  }
  const token = nonEmpty(env.HW_AUTH_TOKEN);
  if (token) return { credentials: { token }, credentialSource: "HW_AUTH_TOKEN" };
  throw new ConfigError(
    `No DCS credentials found. Looked in: ${credentialSourcesText()}. ` +
      "Set an access key pair (or an IAM token) in one of these places.",
  );
}

/** An AK is an identifier (letters and digits); whitespace inside it is a copy-paste accident. */
function checkKeyShape(where: string, ak: string): void {
  if (/\s/.test(ak)) throw new ConfigError(`${where} contains whitespace; check how it was copied.`);
}

function resolveProjectId(options: DcsClientOptions, env: Env): string {
  const candidates: Array<[string, string | undefined]> = [
    ["the `projectId` option", nonEmpty(options.projectId)],
    ["HW_PROJECT_ID", nonEmpty(env.HW_PROJECT_ID)],
    ["HUAWEICLOUD_SDK_PROJECT_ID", nonEmpty(env.HUAWEICLOUD_SDK_PROJECT_ID)],
  ];
  const found = candidates.find(([, v]) => v !== undefined);
  if (!found) {
    throw new ConfigError(
      `No project ID found. Looked in: ${candidates.map(([w]) => w).join(", ")}. ` +
        "The project ID of the region is on the console's \"My Credentials\" page (32 hex digits).",
    );
  }
  const [where, value] = found as [string, string];
  if (!PROJECT_ID_RE.test(value)) {
    throw new ConfigError(`The project ID from ${where} ${describeValue(value)} is malformed: expected 32 hex digits.`);
  }
  return value;
}

function resolveEndpoint(options: DcsClientOptions, env: Env): { endpoint: string; loopback: boolean; region?: string; cloud: Cloud } {
  const cloudRaw = nonEmpty(options.cloud) ?? nonEmpty(env.HW_CLOUD);
  if (cloudRaw !== undefined && cloudRaw !== "huaweicloud" && cloudRaw !== "otc") {
    const where = nonEmpty(options.cloud) ? "the `cloud` option" : "HW_CLOUD";
    throw new ConfigError(`${where} is "${printable(cloudRaw)}": expected "huaweicloud" or "otc".`);
  }
  const region = nonEmpty(options.region) ?? nonEmpty(env.HW_REGION_NAME) ?? nonEmpty(env.HUAWEICLOUD_SDK_REGION);
  // An OTC-only region with no cloud given means OTC: nobody means "eu-de on Huawei Cloud".
  const cloud: Cloud =
    (cloudRaw as Cloud | undefined) ??
    (region && OTC_DCS_REGIONS.includes(region) && !HUAWEICLOUD_DCS_REGIONS.includes(region) ? "otc" : "huaweicloud");

  const explicit = nonEmpty(options.endpoint) ?? nonEmpty(env.HW_DCS_ENDPOINT);
  if (explicit !== undefined) {
    const where = nonEmpty(options.endpoint) ? "the `endpoint` option" : "HW_DCS_ENDPOINT";
    const { endpoint, loopback } = checkEndpoint(explicit, where);
    return { endpoint, loopback, region, cloud };
  }
  if (!region) {
    throw new ConfigError(
      "No region and no endpoint found. Looked in: the `region` option, HW_REGION_NAME, HUAWEICLOUD_SDK_REGION, " +
        "the `endpoint` option, HW_DCS_ENDPOINT. Set a region (e.g. ap-southeast-1, eu-de) or an explicit endpoint.",
    );
  }
  assertRegion(region, cloud);
  return { endpoint: endpointFor(cloud, region), loopback: false, region, cloud };
}

/** Validates an explicit endpoint URL; `http://` only for loopback (the emulator). */
export function checkEndpoint(raw: string, where = "the endpoint"): { endpoint: string; loopback: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `${where} (${JSON.stringify(printable(raw))}) is not a valid URL: expected e.g. "https://dcs.ap-southeast-1.myhuaweicloud.com".`,
    );
  }
  // Never echo a URL with user info: it may hold a password.
  const shown = url.username || url.password ? "(a URL with user info, not shown)" : JSON.stringify(printable(raw));
  if (url.username || url.password) throw new ConfigError(`${where} ${shown} must not contain a user name or password.`);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`${where} ${shown} must use https:// (or http:// for a loopback emulator).`);
  }
  if (url.search || url.hash) throw new ConfigError(`${where} ${shown} must not have a query string or fragment.`);
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    throw new ConfigError(
      `${where} ${shown} uses plain http:// to a non-loopback host: signed requests must go over https:// ` +
        "(plain http is allowed only for 127.0.0.1/localhost/[::1], i.e. the local emulator).",
    );
  }
  const base = url.pathname.replace(/\/+$/, "");
  return { endpoint: `${url.protocol}//${url.host}${base}`, loopback };
}

/** True for `localhost`, `127.0.0.0/8` and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

function cloudName(cloud: Cloud): string {
  return cloud === "otc" ? "Open Telekom Cloud" : "Huawei Cloud";
}

/** Candidates within edit distance 2, or sharing the part before the last dash. */
function closeMatches(input: string, known: readonly string[]): string[] {
  const lower = input.toLowerCase();
  const scored = known
    .map((r) => ({ r, d: editDistance(lower, r) }))
    .filter(({ r, d }) => d <= 2 || r.replace(/-\d+$/, "") === lower.replace(/-\d+$/, ""))
    .sort((a, b) => a.d - b.d);
  return scored.slice(0, 3).map(({ r }) => r);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function nonEmpty(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

/** Keeps user input in messages short and printable (IDs and regions are not secrets). */
function printable(s: string): string {
  const cleaned = s.replace(/[^\x20-\x7e]/g, "?");
  return cleaned.length > 80 ? `${cleaned.slice(0, 77)}...` : cleaned;
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(printable(v));
  if (v === undefined) return "(missing)";
  return `(a ${v === null ? "null" : typeof v}, not a string)`;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new ConfigError(`${name} must be a positive number, got ${String(v)}.`);
  return v;
}

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ConfigError(`${name} must be a number >= 0, got ${String(v)}.`);
  return v;
}

function nonNegativeInt(name: string, v: number | undefined, dflt: number): number {
  const n = nonNegative(name, v, dflt);
  if (!Number.isInteger(n)) throw new ConfigError(`${name} must be a whole number, got ${String(v)}.`);
  return n;
}
