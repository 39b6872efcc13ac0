/**
 * The provider plugin's entry point (`pulumi-resource-dcsjobs`, launched by the engine with the engine's
 * address as its argument): `@pulumi/pulumi`'s provider server (`pulumi.provider.main`) serving
 * `provider.ts`.
 *
 * Three gaps of the provider server (v3.248.0, `provider/server.js`) are filled here:
 * - Its `Configure` answers the engine but drops the request: the `Provider` interface has no way to
 *   receive provider config. The engine sends it as `variables` (`dcsjobs:config:region` -> value, secrets
 *   decrypted) and `args` (a struct, secrets wrapped). So the service implementation the server registers
 *   is given a `configure` that reads the request, hands it to the runtime, then runs the server's own.
 * - Its `read` reads `getProperties().toJavaScript()`, but the Read of `pulumi import` has no properties
 *   (the engine sends the absent state as nil: `provider_plugin.go` `Read`, `PropagateNil`), so it would
 *   fail with a TypeError before the provider is asked. The wrapped `read` supplies an empty struct.
 * - The engine hides a provider plugin's stderr (only the dynamic-provider plugin's is shown), so the
 *   runtime's progress lines go to the engine's `Log` service instead, tagged with the resource's URN
 *   (except while an import reads: `import.ts`).
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { importing } from "./import";
import { createPluginProvider, currentUrn, providerConfig, type PluginProvider } from "./provider";
import { PACKAGE, PACKAGE_NAME } from "./resources";
import { schemaText } from "./schema";
import { pluginWording } from "./secrets";

/** The npm package's version: the plugin's and the schema's. */
export function packageVersion(): string {
  // dist/plugin/main.js and provider/plugin/main.ts both sit two levels below the package root.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, "..", "..", "package.json")) as { version: string }).version;
}

/** The plugin's arguments as the provider server reads them: the first one that is not a flag is the engine. */
export function engineAddressOf(args: string[]): string | undefined {
  const clean: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!;
    if (v === "--logtostderr" || v.startsWith("-v=")) continue;
    if (v === "--tracing") {
      i++;
      continue;
    }
    clean.push(v);
  }
  return clean[0];
}

/** Modules as `@pulumi/pulumi` itself resolves them (its gRPC copy is the one its server uses). */
function pulumiRequire(): NodeJS.Require {
  return createRequire(require.resolve("@pulumi/pulumi"));
}

type GrpcCallback = (error: unknown, value?: unknown) => void;
type GrpcHandler = (call: { request: unknown }, callback: GrpcCallback) => unknown;

interface ConfigureRequestLike {
  getVariablesMap(): { entries(): Iterable<[string, string]> };
  getArgs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * Wraps the `configure` of the next `ResourceProvider` service implementation registered with gRPC, so
 * that the provider config reaches `onConfigure` before the provider server answers; and its `read`, so
 * that an import's Read (no properties at all) reaches the provider instead of failing in the server.
 */
export function hookConfigure(onConfigure: (config: Map<string, string>) => Promise<void>): void {
  const req = pulumiRequire();
  const grpc = req("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { ResourceProviderService } = req("@pulumi/pulumi/proto/provider_grpc_pb") as { ResourceProviderService: unknown };
  const structproto = req("google-protobuf/google/protobuf/struct_pb") as { Struct: new () => unknown };
  const original = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (this: InstanceType<typeof grpc.Server>, service, implementation) {
    if (service === ResourceProviderService) {
      grpc.Server.prototype.addService = original;
      const impl = implementation as Record<string, GrpcHandler>;
      // An import's Read carries no properties at all (the engine marshals the absent state with
      // `PropagateNil`), and the server's `read` calls `getProperties().toJavaScript()`: give it an empty struct.
      const read = impl.read!.bind(impl);
      impl.read = (call, callback) => {
        const r = call.request as { getProperties(): unknown; setProperties(v: unknown): void };
        if (!r.getProperties()) r.setProperties(new structproto.Struct());
        return read(call, callback);
      };
      const answer = impl.configure!.bind(impl);
      impl.configure = (call, callback) => {
        const r = call.request as ConfigureRequestLike;
        let config: Map<string, string>;
        try {
          config = providerConfig(r.getVariablesMap().entries(), r.getArgs()?.toJavaScript());
        } catch (error) {
          callback(error);
          return;
        }
        onConfigure(config).then(
          () => answer(call, callback),
          (error: unknown) => callback(error),
        );
      };
    }
    return original.call(this, service, implementation);
  };
}

/**
 * A log sink that sends lines to the engine (`pulumirpc.Engine/Log`, INFO, with the URN of the provider
 * call that wrote it), in order; on any failure, to stderr.
 */
export function engineLogger(engineAddress: string | undefined): (line: string) => void {
  const stderr = (line: string) => void process.stderr.write(line + "\n");
  // An import reads with stand-in values; what the runtime says about those is not for the user.
  if (!engineAddress) return (line) => void (importing.getStore() || stderr(pluginWording(line, PACKAGE_NAME)));
  const req = pulumiRequire();
  const grpc = req("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const engrpc = req("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
  const engproto = req("@pulumi/pulumi/proto/engine_pb") as typeof import("@pulumi/pulumi/proto/engine_pb");
  const client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  let last: Promise<void> = Promise.resolve();
  return (line: string) => {
    if (importing.getStore()) return;
    const urn = currentUrn.getStore() ?? "";
    const text = pluginWording(line, PACKAGE_NAME);
    last = last.then(
      () =>
        new Promise<void>((resolve) => {
          const msg = new engproto.LogRequest();
          msg.setSeverity(engproto.LogSeverity.INFO);
          msg.setMessage(text);
          msg.setUrn(urn);
          client.log(msg, (error) => {
            if (error) stderr(text);
            resolve();
          });
        }),
    );
  };
}

/** Builds the provider (schema from the descriptors, this package's version). */
export function pluginProvider(): PluginProvider {
  const version = packageVersion();
  let schema: string | undefined;
  return createPluginProvider({ version, schema: () => (schema ??= schemaText({ version, pkg: PACKAGE })) });
}

/** Serves the plugin: what `pulumi-resource-dcsjobs` runs. Prints the port for the engine, as every plugin does. */
export async function serve(args: string[]): Promise<void> {
  const provider = pluginProvider();
  hookConfigure((config) => provider.configure(config));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require("../resources/runtime") as typeof import("../resources/runtime");
  runtime.setRuntimeOverrides({ log: engineLogger(engineAddressOf(args)) });
  const { main } = pulumiRequire()("@pulumi/pulumi/provider") as typeof import("@pulumi/pulumi/provider");
  await main(provider, args);
}
