/**
 * The built plugin (`bin/pulumi-resource-dcsjobs` -> dist/plugin/main.js) as the engine sees it: a separate
 * process serving `@pulumi/pulumi`'s provider server over gRPC. This test is the engine: it sends Configure,
 * GetSchema, Create and Update requests and reads the answers off the wire, including how the provider server
 * reports a partial failure: a gRPC error whose `grpc-status-details-bin` trailer holds a
 * `pulumirpc.ErrorResourceInitFailed { id, properties, reasons }` (the engine stores `properties` as the
 * resource's state with an init error, and calls update on the next `up`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_INSTANCE_IDS as IDS, startEmulator, type RunningEmulator } from "../provider/emulator";

const root = path.resolve(__dirname, "..");
// The engine's side of the wire, from @pulumi/pulumi's own generated protobuf and gRPC modules.
const preq = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = preq("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const provrpc = preq("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = preq("@pulumi/pulumi/proto/provider_pb");
const statusproto = preq("@pulumi/pulumi/proto/status_pb");
const structproto = preq("google-protobuf/google/protobuf/struct_pb");
const emptyproto = preq("google-protobuf/google/protobuf/empty_pb");
const { specialSecretSig, specialSigKey } = preq("@pulumi/pulumi/runtime/rpc") as typeof import("@pulumi/pulumi/runtime/rpc");

type Client = Record<string, (req: unknown, cb: (err: (Error & { metadata?: { get(k: string): unknown[] } }) | null, res: any) => void) => void>;

let emu: RunningEmulator;
let plugin: ChildProcess;
let client: Client;
let stderr = "";

function rpc<T = any>(method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => client[method]!(req, (err, res) => (err ? reject(err) : resolve(res))));
}

const SWAP = `urn:pulumi:dev::proj::dcsjobs:index:MasterStandbySwap::swap`;

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, "dist", "plugin", "main.js"))) throw new Error("dist/ is not built: run `bash scripts/setup.sh`");
  emu = await startEmulator({ jobDurations: { masterStandbySwapJob: 2_500 } });
  // No HW_* variables: the provider config must come through Configure.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HW_") && !k.startsWith("HUAWEICLOUD_")));
  plugin = spawn(process.execPath, [path.join(root, "bin", "pulumi-resource-dcsjobs")], { env, stdio: ["ignore", "pipe", "pipe"] });
  plugin.stderr!.on("data", (d) => (stderr += String(d)));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    plugin.stdout!.on("data", (d) => {
      out += String(d);
      if (out.includes("\n")) resolve(out.trim().split("\n")[0]!);
    });
    plugin.on("exit", (code) => reject(new Error(`plugin exited with ${code}: ${stderr}`)));
  });
  expect(port).toMatch(/^\d+$/);
  client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
});
afterAll(async () => {
  plugin?.kill("SIGKILL");
  await emu?.stop();
});

describe("the plugin process over gRPC", () => {
  it("reports its version and serves the schema it was generated with", async () => {
    const info = await rpc("getPluginInfo", new emptyproto.Empty());
    expect(info.getVersion()).toBe(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
    const req = new provproto.GetSchemaRequest();
    const schema = JSON.parse((await rpc("getSchema", req)).getSchema());
    expect(schema).toEqual(JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")));
  });

  it("takes its provider config from Configure (secrets accepted) and maps a PartialFailure to ErrorResourceInitFailed", async () => {
    const configure = new provproto.ConfigureRequest();
    const vars = configure.getVariablesMap();
    vars.set("dcsjobs:config:endpoint", emu.url);
    vars.set("dcsjobs:config:projectId", emu.projectId);
    vars.set("dcsjobs:config:accessKey", emu.accessKey);
    vars.set("dcsjobs:config:secretKey", emu.secretKey);
    configure.setAcceptsecrets(true);
    const answer = await rpc("configure", configure);
    expect(answer.getAcceptsecrets()).toBe(true);

    // A 1 s wait on a 2.5 s swap: the job starts, the wait times out.
    const create = new provproto.CreateRequest();
    create.setUrn(SWAP);
    create.setProperties(structproto.Struct.fromJavaScript({ instanceId: IDS.ha, triggers: { [specialSigKey]: specialSecretSig, value: ["t"] }, waitTimeout: "1s" }));
    const err = await rpc("create", create).then(
      () => undefined,
      (e: Error & { code?: number; metadata?: { get(k: string): unknown[] } }) => e,
    );
    expect(err).toBeDefined();
    expect(err!.code).toBe(grpc.status.UNKNOWN);
    const jobId = emu.stats().startCalls[0]!.jobId;
    expect(err!.message).toContain(jobId);

    const bin = err!.metadata!.get("grpc-status-details-bin")[0] as Buffer;
    const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
    const [detail] = status.getDetailsList();
    expect(detail.getTypeName()).toBe("pulumirpc.ErrorResourceInitFailed");
    const init = provproto.ErrorResourceInitFailed.deserializeBinary(detail.getValue_asU8());
    expect(init.getId()).toBe(`${IDS.ha}:${jobId}`);
    const props = init.getProperties().toJavaScript();
    expect(props).toMatchObject({ instanceId: IDS.ha, jobId, pending: { origin: "started", jobId } });
    // The secret input stays a secret in the state the engine will store.
    expect(props.triggers).toEqual({ [specialSigKey]: specialSecretSig, value: ["t"] });
    expect(init.getReasonsList()[0]).toMatch(/next `pulumi up` resumes/);

    // The engine's next `up`: Update with the stored properties as olds resumes the job; no second swap.
    const update = new provproto.UpdateRequest();
    update.setId(init.getId());
    update.setUrn(SWAP);
    update.setOlds(init.getProperties());
    update.setNews(structproto.Struct.fromJavaScript({ instanceId: IDS.ha, triggers: { [specialSigKey]: specialSecretSig, value: ["t"] }, waitTimeout: "1m" }));
    const updated = (await rpc("update", update)).getProperties().toJavaScript();
    expect(updated).toMatchObject({ jobId, status: "SUCCESS", ended: { outcome: "SUCCESS", jobId } });
    expect(updated).not.toHaveProperty("pending");
    expect(emu.stats().startCalls).toHaveLength(1);
  }, 60_000);
});
