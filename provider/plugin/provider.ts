/**
 * The provider plugin's resource provider: the `Provider` interface of `@pulumi/pulumi/provider`, served by
 * its provider server (`main.ts`). Every method dispatches on the URN's type token to the runtime object
 * its descriptor names (`ResourceDescriptor.runtime`, for every resource of `resources.ts`), the same
 * runtime the dynamic providers delegate to (`provider/resources/runtime.ts`): one implementation, two
 * front doors.
 * This file only adapts the wire: secret wrappers (`secrets.ts`), the runtime's `PartialFailure` to the
 * server's init-error shape, the `dcsjobs:` config keys in messages, and the provider config.
 *
 * Import. `pulumi import` (and the `import` resource option) calls `read` with the import ID and no
 * properties; the dynamic providers cannot serve that (their host rebuilds the provider from the state's
 * `__provider`, which an import has none of), so the plugin does: `import.ts` reads the job or the live
 * value through the runtime's `read` and answers outputs and inputs, starting nothing.
 *
 * Partial failures. The provider server turns a rejection of `create` or `update` that carries an `id`
 * into `ErrorResourceInitFailed { id, properties, reasons }` (`grpcResponseFromError` in
 * `@pulumi/pulumi/provider/server.js` v3.248.0: it reads `e.id`, `e.properties`, `e.reasons`,
 * `e.message`); the engine then stores `properties` as the resource's outputs with an init error. The
 * runtime's `PartialFailure` has exactly these fields (the dynamic-provider host reads the same ones),
 * so the plugin passes it on as an {@link InitFailure} with its properties' secrets wrapped and its
 * wording adapted. Without `id` the server reports a plain error and the engine keeps the old state.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type * as provider from "@pulumi/pulumi/provider";
import type * as runtimeModule from "../resources/runtime";
import { PACKAGE_NAME, RESOURCES, resourceByToken, secretProperties, token, type ResourceDescriptor } from "./resources";
import { importResource } from "./import";
import { pluginWording, unwrapProps, wrapSecrets, type Props } from "./secrets";

type Runtime = typeof runtimeModule;

/** What the runtime's resource objects have in common, loosely typed (each has its own input types). */
interface ResourceRuntime {
  check(olds: unknown, news: Props): Promise<{ inputs?: unknown; failures?: Array<{ property: string; reason: string }> }>;
  diff(id: string, olds: never, news: never): Promise<{ changes: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: never): Promise<{ id: string; outs: unknown }>;
  read(id: string, props: never): Promise<{ id: string; props?: unknown; inputs?: unknown }>;
  update(id: string, olds: never, news: never): Promise<{ outs: unknown }>;
  delete(id: string, props: never): Promise<void>;
}

/** A partial failure in the shape `grpcResponseFromError` packs into `ErrorResourceInitFailed`. */
export class InitFailure extends Error {
  override name = "InitFailure";
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Props,
    readonly reasons: string[],
  ) {
    super(message);
  }
}

/** The type token of a URN (`urn:pulumi:stack::project::[parent$]dcsjobs:index:MasterStandbySwap::name`). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

/** The provider config keys, as the plugin receives them (`dcsjobs:config:region` or `region`), to `key -> value`. */
export function providerConfig(variables: Iterable<[string, string]>, args: Props | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = `${PACKAGE_NAME}:config:`;
  for (const [k, v] of variables) {
    const key = k.startsWith(prefix) ? k.slice(prefix.length) : k.startsWith(`${PACKAGE_NAME}:`) ? k.slice(PACKAGE_NAME.length + 1) : undefined;
    if (key && typeof v === "string") out.set(key, v);
  }
  // `args` (the non-deprecated form) wins where both are given; secrets arrive wrapped there.
  for (const [k, v] of Object.entries(unwrapProps(args).props)) {
    if (typeof v === "string") out.set(k, v);
  }
  return out;
}

export interface PluginProviderOptions {
  version: string;
  schema: () => string;
  /** The runtime to delegate to (default: `provider/resources/runtime`). */
  runtime?: Runtime;
}

/** The resource URN of the provider call running now (for log lines), set around every call. */
export const currentUrn = new AsyncLocalStorage<string>();

export interface PluginProvider extends provider.Provider {
  /** Hands the provider config (`dcsjobs:region`, ...) to the runtime. Called from the server's `Configure`. */
  configure(config: Map<string, string>): Promise<void>;
}

export function createPluginProvider(options: PluginProviderOptions): PluginProvider {
  // Loaded lazily so that a schema-only use (gen-schema) does not load the HTTP stack.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rt = (): Runtime => options.runtime ?? (require("../resources/runtime") as Runtime);

  const lookup = (urn: string): { d: ResourceDescriptor; r: ResourceRuntime } => {
    const tok = typeOfUrn(urn);
    const d = resourceByToken(tok);
    if (!d) throw new Error(`${PACKAGE_NAME}: unknown resource type ${tok} (this provider has ${RESOURCES.map((r) => token(r.name)).join(", ")})`);
    const r = (rt() as unknown as Record<string, ResourceRuntime | undefined>)[d.runtime];
    if (!r) throw new Error(`${PACKAGE_NAME}: ${tok} has no runtime object ${d.runtime} (provider/resources/runtime.ts)`);
    return { d, r };
  };

  /** Runs a call with its URN in context and the runtime's errors in the plugin's wording. */
  const call = async <T>(urn: string, secretKeys: Set<string>, fn: () => Promise<T>): Promise<T> => {
    try {
      return await currentUrn.run(urn, fn);
    } catch (error) {
      throw adaptError(error, secretKeys);
    }
  };

  const adaptError = (error: unknown, secretKeys: Set<string>): Error => {
    const e = error as { message?: unknown; id?: unknown; properties?: unknown; reasons?: unknown };
    const message = pluginWording(typeof e?.message === "string" ? e.message : String(error), PACKAGE_NAME);
    if (e && typeof e.id === "string" && e.id !== "" && e.properties && typeof e.properties === "object") {
      const { __provider: _p, ...props } = e.properties as Props;
      const reasons = Array.isArray(e.reasons) ? e.reasons.map((r) => pluginWording(String(r), PACKAGE_NAME)) : [message];
      return new InitFailure(message, e.id, wrapSecrets(props, secretKeys), reasons);
    }
    const out = new Error(message, { cause: error });
    if (error instanceof Error && error.name) out.name = error.name;
    return out;
  };

  const secretsOf = (d: ResourceDescriptor, ...sets: Array<Set<string>>): Set<string> => new Set([...secretProperties(d), ...sets.flatMap((s) => [...s])]);

  return {
    version: options.version,
    getSchema: async () => options.schema(),

    async configure(config: Map<string, string>): Promise<void> {
      await rt().configure({ config: { get: (key: string) => (key.startsWith("dcs:") ? config.get(key.slice(4)) : undefined) } });
    },

    async check(urn, olds, news) {
      const { d, r } = lookup(urn);
      const n = unwrapProps(news);
      const o = unwrapProps(olds);
      const result = await call(urn, n.secretKeys, () => r.check(o.props, n.props));
      return {
        inputs: wrapSecrets((result.inputs ?? n.props) as Props, secretsOf(d, n.secretKeys)),
        ...(result.failures?.length ? { failures: result.failures.map((f) => ({ property: f.property, reason: pluginWording(f.reason, PACKAGE_NAME) })) } : {}),
      };
    },

    async diff(id, urn, olds, news) {
      const { r } = lookup(urn);
      const o = unwrapProps(olds);
      const n = unwrapProps(news);
      return call(urn, new Set(), () => r.diff(id, o.props as never, n.props as never));
    },

    async create(urn, inputs) {
      const { d, r } = lookup(urn);
      const i = unwrapProps(inputs);
      const keys = secretsOf(d, i.secretKeys);
      const result = await call(urn, keys, () => r.create(i.props as never));
      return { id: result.id, outs: wrapSecrets(result.outs as Props, keys) };
    },

    async read(id, urn, props) {
      const { d, r } = lookup(urn);
      const p = unwrapProps(props);
      const keys = secretsOf(d, p.secretKeys);
      // An ID and no state: `pulumi import` (or a resource `get`). Read the job or value; start nothing.
      if (Object.keys(p.props).length === 0) {
        const imported = await call(urn, keys, () => importResource(d, r, id));
        return { id: imported.id, props: wrapSecrets(imported.props, keys), inputs: wrapSecrets(imported.inputs, keys) };
      }
      const result = await call(urn, keys, () => r.read(id, p.props as never));
      if (!result.id) return { id: "", props: {} };
      return {
        id: result.id,
        props: wrapSecrets((result.props ?? p.props) as Props, keys),
        ...(result.inputs !== undefined ? { inputs: wrapSecrets(result.inputs as Props, keys) } : {}),
      };
    },

    async update(id, urn, olds, news) {
      const { d, r } = lookup(urn);
      const o = unwrapProps(olds);
      const n = unwrapProps(news);
      const keys = secretsOf(d, o.secretKeys, n.secretKeys);
      const result = await call(urn, keys, () => r.update(id, o.props as never, n.props as never));
      return { outs: wrapSecrets(result.outs as Props, keys) };
    },

    async delete(id, urn, props) {
      const { r } = lookup(urn);
      const p = unwrapProps(props);
      await call(urn, new Set(), () => r.delete(id, p.props as never));
    },
  };
}
