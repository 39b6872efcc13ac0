/**
 * Provider settings: where the dynamic resources find the endpoint, project and credentials.
 *
 * Order, per field: the stack config `dcs:` namespace (handed to the provider's `configure` hook by the
 * engine, secrets decrypted), then the environment of the process that runs the provider (the variables
 * the client reads: `HW_ACCESS_KEY`, `HW_DCS_ENDPOINT`, ...). Credentials are never resource inputs or
 * outputs: they live only in the memory of the provider process.
 *
 * Pure: no I/O; the environment is a parameter. Messages name keys and variables, never values.
 */
import { credentialSourcesText, type DcsClientOptions, type Env } from "../config";
import { ConfigError } from "../errors";
import type { Cloud, Credentials } from "../types";

/** The stack config namespace the provider reads (`pulumi config set dcs:region ...`). */
export const CONFIG_NAMESPACE = "dcs";

/** The stack config keys read, without the namespace. */
export const CONFIG_KEYS = ["region", "projectId", "endpoint", "cloud", "accessKey", "secretKey", "securityToken", "token"] as const;

/** Keys that hold secrets: set them with `pulumi config set --secret`. */
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set(["secretKey", "securityToken", "token"]);

/** What the stack config gave (each field optional). Holds secrets: never log it. */
export interface StackSettings {
  region?: string;
  projectId?: string;
  endpoint?: string;
  cloud?: string;
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  token?: string;
}

/** The `config` of the engine's `ConfigureRequest` (`get("dcs:region")`). */
export interface ConfigLike {
  get(key: string): string | undefined;
}

/** Reads the `dcs:` keys out of the config the engine passes to `configure`. Empty strings count as unset. */
export function readStackSettings(config: ConfigLike): StackSettings {
  const out: StackSettings = {};
  for (const key of CONFIG_KEYS) {
    const raw = config.get(`${CONFIG_NAMESPACE}:${key}`);
    const v = typeof raw === "string" ? raw.trim() : undefined;
    if (v) out[key] = v;
  }
  return out;
}

/** Every place credentials are looked for, for error messages (stack config first). */
export function credentialPlacesText(): string {
  return (
    "stack config dcs:accessKey + dcs:secretKey (+ dcs:securityToken), stack config dcs:token (an IAM token), " +
    `then the provider process environment: ${credentialSourcesText().replace(/^the `credentials` option; /, "")}`
  );
}

/** How to set credentials, for error messages. */
export const HOW_TO_SET_CREDENTIALS =
  "Set them with `pulumi config set dcs:accessKey <AK>` and `pulumi config set --secret dcs:secretKey <SK>` " +
  "(temporary credentials: also `pulumi config set --secret dcs:securityToken <token>`), or export " +
  "HW_ACCESS_KEY and HW_SECRET_KEY before `pulumi up`.";

function envHasCredentials(env: Env): boolean {
  const set = (k: string) => typeof env[k] === "string" && env[k]!.trim() !== "";
  return set("HW_ACCESS_KEY") || set("HW_SECRET_KEY") || set("HUAWEICLOUD_SDK_AK") || set("HUAWEICLOUD_SDK_SK") || set("HW_AUTH_TOKEN");
}

/**
 * Turns stack settings into client options. Fields the stack config does not set are left out, so
 * the client falls back to the environment. Throws a {@link ConfigError} naming every place looked
 * at when no credentials are found anywhere, or when the stack config holds half a key pair.
 */
export function clientOptionsFrom(settings: StackSettings, env: Env): DcsClientOptions {
  const options: DcsClientOptions = {};
  if (settings.region) options.region = settings.region;
  if (settings.projectId) options.projectId = settings.projectId;
  if (settings.endpoint) options.endpoint = settings.endpoint;
  if (settings.cloud) {
    if (settings.cloud !== "huaweicloud" && settings.cloud !== "otc") {
      throw new ConfigError(`Stack config dcs:cloud must be "huaweicloud" or "otc" (set it with \`pulumi config set dcs:cloud otc\`).`);
    }
    options.cloud = settings.cloud as Cloud;
  }
  const credentials = stackCredentials(settings);
  if (credentials) options.credentials = credentials;
  else if (!envHasCredentials(env)) {
    throw new ConfigError(`No DCS credentials found. Looked in: ${credentialPlacesText()}. ${HOW_TO_SET_CREDENTIALS}`);
  }
  return options;
}

function stackCredentials(s: StackSettings): Credentials | undefined {
  if (s.accessKey || s.secretKey) {
    if (!s.accessKey) throw new ConfigError(`Stack config dcs:secretKey is set but dcs:accessKey is not. ${HOW_TO_SET_CREDENTIALS}`);
    if (!s.secretKey) throw new ConfigError(`Stack config dcs:accessKey is set but dcs:secretKey is not. ${HOW_TO_SET_CREDENTIALS}`);
    return { accessKey: s.accessKey, secretKey: s.secretKey, ...(s.securityToken ? { securityToken: s.securityToken } : {}) };
  }
  if (s.securityToken) throw new ConfigError(`Stack config dcs:securityToken is set without dcs:accessKey and dcs:secretKey. ${HOW_TO_SET_CREDENTIALS}`);
  if (s.token) return { token: s.token };
  return undefined;
}

/**
 * Rewrites a client {@link ConfigError} for a Pulumi user: the client speaks of "options", the user
 * sets stack config keys. Keeps the client's text and adds where the stack config equivalents are.
 */
export function explainConfigError(error: ConfigError): ConfigError {
  const m = error.message;
  const hints: string[] = [];
  if (/project ID/i.test(m)) hints.push("stack config dcs:projectId");
  if (/region|endpoint/i.test(m)) hints.push("stack config dcs:region or dcs:endpoint");
  if (/credentials|ACCESS_KEY|SECRET_KEY|AUTH_TOKEN/i.test(m)) hints.push("stack config dcs:accessKey/dcs:secretKey or dcs:token");
  if (/cloud/i.test(m)) hints.push("stack config dcs:cloud");
  const text = m.replace(/the `(\w+)` option/g, "stack config dcs:$1").replace(/options\.credentials/g, "stack config dcs:accessKey/dcs:secretKey");
  const extra = hints.length ? ` (The provider reads ${hints.join("; ")} first, then the environment.)` : "";
  const out = new ConfigError(text + extra);
  return out;
}
