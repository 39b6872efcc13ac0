/**
 * Builds the API client's options from the CLI's flags, the environment and (with
 * `--secret-key-stdin`) standard input. Secrets never come from flags: flags end up in shell history
 * and in `ps` output.
 */
import type { DcsClientOptions } from "../config";
import { ConfigError } from "../errors";
import type { Cloud, RequestLogEntry } from "../types";

/** The flags every API command takes (after parsing). */
export interface CommonFlags {
  region?: string;
  projectId?: string;
  endpoint?: string;
  cloud?: Cloud;
  /** `--timeout` in ms. */
  timeoutMs: number;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  secretKeyStdin: boolean;
}

/** Default `--timeout`: the vendor's Terraform provider waits 30 minutes for DCS jobs. */
export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** Longest secret key read from stdin; anything longer is not a key (someone piped a file). */
const MAX_SECRET_BYTES = 4_096;

/**
 * Reads the secret key from stdin: everything up to EOF, without the trailing newline. Refuses a
 * terminal (it would echo the key) and empty input.
 */
export async function readSecretFromStdin(stdin: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stdin) throw new ConfigError("--secret-key-stdin was given but there is no standard input to read.");
  if ((stdin as { isTTY?: boolean }).isTTY) {
    throw new ConfigError(
      "--secret-key-stdin reads the secret key from a pipe, not a terminal (it would echo it): " +
        "e.g. `secret-tool lookup dcs sk | dcs-jobs ... --secret-key-stdin`.",
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_SECRET_BYTES) throw new ConfigError(`--secret-key-stdin read more than ${MAX_SECRET_BYTES} bytes: pipe only the secret key.`);
    chunks.push(buf);
  }
  const secret = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (secret.trim() === "") throw new ConfigError("--secret-key-stdin read nothing: pipe the secret key into dcs-jobs.");
  if (/[\r\n]/.test(secret)) throw new ConfigError("--secret-key-stdin read more than one line: pipe only the secret key.");
  return secret;
}

/**
 * The client options for the flags. With a secret key from stdin, the access key (and optional
 * security token) come from the same variables the library reads.
 */
export function clientOptionsFor(
  flags: CommonFlags,
  env: Record<string, string | undefined>,
  secretKey: string | undefined,
  onRequest?: (entry: RequestLogEntry) => void,
): DcsClientOptions {
  const options: DcsClientOptions = {
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.projectId ? { projectId: flags.projectId } : {}),
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.cloud ? { cloud: flags.cloud } : {}),
    ...(onRequest ? { onRequest } : {}),
  };
  if (secretKey !== undefined) {
    const accessKey = nonEmpty(env.HW_ACCESS_KEY) ?? nonEmpty(env.HUAWEICLOUD_SDK_AK);
    if (!accessKey) {
      throw new ConfigError("--secret-key-stdin needs the access key in HW_ACCESS_KEY (or HUAWEICLOUD_SDK_AK).");
    }
    const securityToken = nonEmpty(env.HW_SECURITY_TOKEN) ?? nonEmpty(env.HUAWEICLOUD_SDK_SECURITY_TOKEN);
    options.credentials = { accessKey, secretKey, ...(securityToken ? { securityToken } : {}) };
  }
  return options;
}

/**
 * Every secret the process may hold (from the environment and stdin), so output can be scrubbed of
 * them as a last line of defence.
 */
export function secretsIn(env: Record<string, string | undefined>, extra: Array<string | undefined> = []): string[] {
  const names = ["HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HW_AUTH_TOKEN", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"];
  return [...names.map((n) => env[n]), ...extra].filter((s): s is string => typeof s === "string" && s.trim().length >= 4).map((s) => s.trim());
}

/** Replaces every occurrence of each secret in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return out;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}
