/**
 * Provider settings: where the dynamic resources find the endpoint, project and credentials.
 *
 * Order, per field: the stack config `dcs:` namespace (handed to the provider's `configure` hook by the
 * engine, secrets decrypted), then the `huaweicloud:` config of Huawei Cloud's own Pulumi provider where a
 * stack already has it (see {@link HUAWEICLOUD_FALLBACK}), then the environment of the process that runs the
 * provider (the variables the client reads: `HW_ACCESS_KEY`, `HW_DCS_ENDPOINT`, ...). Credentials are
 * never resource inputs or outputs: they live only in the memory of the provider process.
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

/** The namespace of Huawei Cloud's own Pulumi provider (`pulumi-huaweicloud`). */
export const HUAWEICLOUD_NAMESPACE = "huaweicloud";

/**
 * The `huaweicloud:` keys read when the `dcs:` one is not set (its docs write them `access_key`, its schema
 * `accessKey`: both are read, camelCase first). The `dcs:` value always wins. Credentials are taken as one
 * group: when any `dcs:` credential key is set, no `huaweicloud:` credential is read (a key pair never mixes
 * namespaces), and a `huaweicloud:` pair is used only when both halves are set. The project ID is region-bound: `huaweicloud:projectId` is used only when `dcs:region` is
 * unset or names the same region as `huaweicloud:region`.
 */
export const HUAWEICLOUD_FALLBACK: Readonly<Partial<Record<keyof StackSettings, readonly string[]>>> = {
  region: ["region"],
  projectId: ["projectId", "project_id"],
  accessKey: ["accessKey", "access_key"],
  secretKey: ["secretKey", "secret_key"],
  securityToken: ["securityToken", "security_token"],
};

const CREDENTIAL_KEYS = ["accessKey", "secretKey", "securityToken", "token"] as const;

function readKey(config: ConfigLike, key: string): string | undefined {
  const raw = config.get(key);
  const v = typeof raw === "string" ? raw.trim() : undefined;
  return v || undefined;
}

/**
 * Reads the `dcs:` keys out of the config the engine passes to `configure` (the whole stack config), with
 * the `huaweicloud:` fallback of {@link HUAWEICLOUD_FALLBACK}. Empty strings count as unset.
 */
export function readStackSettings(config: ConfigLike): StackSettings {
  const out: StackSettings = {};
  for (const key of CONFIG_KEYS) {
    const v = readKey(config, `${CONFIG_NAMESPACE}:${key}`);
    if (v) out[key] = v;
  }
  const fallback = (key: keyof StackSettings): string | undefined => {
    for (const name of HUAWEICLOUD_FALLBACK[key] ?? []) {
      const v = readKey(config, `${HUAWEICLOUD_NAMESPACE}:${name}`);
      if (v) return v;
    }
    return undefined;
  };
  const hwRegion = fallback("region");
  if (!out.region && hwRegion) out.region = hwRegion;
  if (!out.projectId && (out.region === undefined || out.region === hwRegion)) {
    const v = fallback("projectId");
    if (v) out.projectId = v;
  }
  if (!CREDENTIAL_KEYS.some((k) => out[k])) {
    const [accessKey, secretKey, securityToken] = [fallback("accessKey"), fallback("secretKey"), fallback("securityToken")];
    if (accessKey && secretKey) Object.assign(out, { accessKey, secretKey }, securityToken ? { securityToken } : {});
  }
  return out;
}

/** Every place credentials are looked for, for error messages (stack config first). */
export function credentialPlacesText(): string {
  return (
    "stack config dcs:accessKey + dcs:secretKey (+ dcs:securityToken), stack config dcs:token (an IAM token), " +
    "stack config huaweicloud:accessKey + huaweicloud:secretKey (Huawei Cloud's own provider's), " +
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
