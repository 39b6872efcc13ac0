/**
 * Secrets on the provider plugin's wire, and the wording of messages. Pure.
 *
 * `@pulumi/pulumi`'s provider server tells the engine it accepts secrets (`ConfigureResponse.acceptSecrets`),
 * so the engine sends secret values wrapped (`{ "4dabf18193072939515e22adb298388d":
 * "1b47061264138c4ac30d75fd1eb44270", value }`) and, trusting the provider, no longer marks outputs
 * secret by itself (`annotateSecrets` runs only for providers that do not accept them:
 * `sdk/go/common/resource/plugin/provider_plugin.go` v3.248.0). So the plugin unwraps what it is given
 * before the runtime sees it, and wraps again, in what it returns, every top-level property that was
 * secret in what it was given or that the schema declares secret.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

function isSecretWrapper(v: unknown): v is { value?: unknown } {
  return !!v && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>)[specialSigKey] === specialSecretSig;
}

/** A value without secret wrappers, and whether it had any. */
export function unwrapValue(v: unknown): { value: unknown; secret: boolean } {
  if (isSecretWrapper(v)) return { value: unwrapValue(v.value).value, secret: true };
  if (Array.isArray(v)) {
    let secret = false;
    const value = v.map((x) => {
      const u = unwrapValue(x);
      secret ||= u.secret;
      return u.value;
    });
    return { value, secret };
  }
  if (v && typeof v === "object") {
    let secret = false;
    const value = Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const u = unwrapValue(x);
        secret ||= u.secret;
        return [k, u.value];
      }),
    );
    return { value, secret };
  }
  return { value: v, secret: false };
}

/** Properties without secret wrappers, and the top-level keys that held one (anywhere inside). */
export function unwrapProps(props: Props | undefined): { props: Props; secretKeys: Set<string> } {
  const out: Props = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    const u = unwrapValue(v);
    out[k] = u.value;
    if (u.secret) secretKeys.add(k);
  }
  return { props: out, secretKeys };
}

/** Wraps the named top-level properties as secrets (the whole value, as the engine's own `annotateSecrets`). */
export function wrapSecrets(props: Props | undefined, keys: Iterable<string>): Props {
  const out: Props = { ...(props ?? {}) };
  for (const k of keys) {
    if (out[k] !== undefined && !isSecretWrapper(out[k])) out[k] = { [specialSigKey]: specialSecretSig, value: out[k] };
  }
  return out;
}

/** The runtime names its stack config keys `dcs:<key>`; the plugin's are `<pkg>:<key>`. */
const RUNTIME_KEY = /\bdcs:(region|projectId|endpoint|cloud|accessKey|secretKey|securityToken|token)\b/g;

/** A runtime message as a plugin user should read it: the config keys they set. */
export function pluginWording(message: string, pkg: string): string {
  return message.replace(RUNTIME_KEY, `${pkg}:$1`);
}
