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
import { DcsClient } from "../provider/client";
import { EMULATOR_CLUSTER, EMULATOR_INSTANCE_IDS as IDS, startEmulator, type RunningEmulator } from "../provider/emulator";

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
const urnOf = (type: string, name: string) => `urn:pulumi:dev::proj::dcsjobs:index:${type}::${name}`;
const struct = (v: Record<string, unknown>) => structproto.Struct.fromJavaScript(v);

/** Configure as the engine sends it: the provider config as `dcsjobs:config:<key>` variables. */
async function configure(): Promise<any> {
  const configure = new provproto.ConfigureRequest();
  const vars = configure.getVariablesMap();
  vars.set("dcsjobs:config:endpoint", emu.url);
  vars.set("dcsjobs:config:projectId", emu.projectId);
  vars.set("dcsjobs:config:accessKey", emu.accessKey);
  vars.set("dcsjobs:config:secretKey", emu.secretKey);
  configure.setAcceptsecrets(true);
  return rpc("configure", configure);
}

async function check(urn: string, news: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; failures: Array<{ property: string; reason: string }> }> {
  const req = new provproto.CheckRequest();
  req.setUrn(urn);
  req.setOlds(struct({}));
  req.setNews(struct(news));
  const res = await rpc("check", req);
  return { inputs: res.getInputs().toJavaScript(), failures: res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })) };
}

async function create(urn: string, inputs: Record<string, unknown>): Promise<{ id: string; props: Record<string, unknown> }> {
  const req = new provproto.CreateRequest();
  req.setUrn(urn);
  req.setProperties(struct(inputs));
  const res = await rpc("create", req);
  return { id: res.getId(), props: res.getProperties().toJavaScript() };
}

/** Read as the engine's import step sends it: the import ID, and no properties at all. */
async function importRead(urn: string, id: string): Promise<{ id: string; props: Record<string, unknown>; inputs: Record<string, unknown> | undefined }> {
  const req = new provproto.ReadRequest();
  req.setUrn(urn);
  req.setId(id);
  const res = await rpc("read", req);
  return { id: res.getId(), props: res.getProperties()?.toJavaScript(), inputs: res.getInputs()?.toJavaScript() };
}

async function diff(urn: string, id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ changes: number; replaces: string[] }> {
  const req = new provproto.DiffRequest();
  req.setUrn(urn);
  req.setId(id);
  req.setOlds(struct(olds));
  req.setNews(struct(news));
  const res = await rpc("diff", req);
  return { changes: res.getChanges(), replaces: res.getReplacesList() };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, "dist", "plugin", "main.js"))) throw new Error("dist/ is not built: run `bash scripts/setup.sh`");
  emu = await startEmulator({ jobDurations: { masterStandbySwapJob: 2_500, sslSwitchJob: 1_000, clusterSwitchoverJob: 1_000, resizeCheckJob: 1_000 } });
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
    const answer = await configure();
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

describe("the table's resources over gRPC", () => {
  const GROUP = EMULATOR_CLUSTER.groups[1]!;
  let side: DcsClient;
  const startsSince = (n: number) => emu.stats().startCalls.slice(n);
  beforeAll(async () => {
    await configure();
    side = new DcsClient({ endpoint: emu.url, projectId: emu.projectId, credentials: { accessKey: emu.accessKey, secretKey: emu.secretKey } }, {});
  });
  afterAll(async () => side?.close());

  it("every resource of the schema is served: Check answers for each type token, and refuses an unknown input by name", async () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")) as { resources: Record<string, { requiredInputs: string[] }> };
    for (const [tok, spec] of Object.entries(schema.resources)) {
      const { failures } = await check(`urn:pulumi:dev::proj::${tok}::r`, { notAnInput: 1 });
      expect(failures.map((f) => f.property).sort(), tok).toEqual([...spec.requiredInputs, "notAnInput"].sort());
    }
  });

  it("InstanceSsl: Check, then Create turns SSL on with one job; refuses a non-boolean in Check before any call", async () => {
    const n = emu.stats().startCalls.length;
    const bad = await check(urnOf("InstanceSsl", "ssl"), { instanceId: IDS.ha2, enabled: "on" });
    expect(bad.failures).toEqual([{ property: "enabled", reason: expect.stringMatching(/InstanceSsl: enabled must be true or false/) }]);
    const { inputs, failures } = await check(urnOf("InstanceSsl", "ssl"), { instanceId: IDS.ha, enabled: true, waitTimeout: "1m" });
    expect(failures).toEqual([]);
    const created = await create(urnOf("InstanceSsl", "ssl"), inputs);
    expect(created.id).toBe(IDS.ha);
    expect(created.props).toMatchObject({ instanceId: IDS.ha, enabled: true, changed: true, status: "SUCCESS", ended: { outcome: "SUCCESS" } });
    expect(startsSince(n).map((s) => s.jobType)).toEqual(["sslSwitchJob"]);
    expect((await side.showInstance(IDS.ha)).raw.enable_ssl).toBe(true);
  }, 60_000);

  it("ClusterReplicaSwitchover: Check refuses a group ID that is not a UUID; Create switches the replica once", async () => {
    const n = emu.stats().startCalls.length;
    const u = urnOf("ClusterReplicaSwitchover", "shard1");
    expect((await check(u, { instanceId: IDS.cluster, groupId: "group-1", nodeId: GROUP.replica })).failures).toEqual([{ property: "groupId", reason: expect.stringMatching(/groupId must be a UUID/) }]);
    const { inputs, failures } = await check(u, { instanceId: IDS.cluster, groupId: GROUP.id, nodeId: GROUP.replica, triggers: ["drill"], waitTimeout: "1m" });
    expect(failures).toEqual([]);
    const created = await create(u, inputs);
    const [start] = startsSince(n);
    expect(startsSince(n)).toHaveLength(1);
    expect(created.id).toBe(`${IDS.cluster}:${start!.jobId}`);
    expect(created.props).toMatchObject({ instanceId: IDS.cluster, groupId: GROUP.id, nodeId: GROUP.replica, triggers: ["drill"], jobId: start!.jobId, status: "SUCCESS" });
    expect((await diff(u, created.id, created.props, inputs)).changes).toBe(1); // DIFF_NONE
  }, 60_000);

  it("DcsOperation: Check refuses a body the table's request model refuses; Create sends the call once and waits", async () => {
    const n = emu.stats().startCalls.length;
    const u = urnOf("DcsOperation", "resize");
    const path = `/v2/{project_id}/instances/${IDS.ha}/resize/check-job`;
    const bad = await check(u, { method: "POST", path, body: { capacity: 4 } });
    expect(bad.failures.map((f) => f.property)).toEqual(["body"]);
    const { inputs, failures } = await check(u, { method: "POST", path, body: { new_capacity: 4 }, triggers: ["1"], waitTimeout: "1m" });
    expect(failures).toEqual([]);
    const created = await create(u, inputs);
    expect(startsSince(n)).toHaveLength(1);
    expect(created.props).toMatchObject({ method: "POST", path, body: { new_capacity: 4 }, jobId: startsSince(n)[0]!.jobId, status: "SUCCESS" });
  }, 60_000);

  it("import: Read with an ID and no properties answers outputs and inputs, and starts nothing", async () => {
    const { jobId } = await side.swapMasterStandby(IDS.ha2);
    const n = emu.stats().startCalls.length;
    const swap = await importRead(urnOf("MasterStandbySwap", "old-swap"), `${IDS.ha2}:${jobId}`);
    expect(swap.id).toBe(`${IDS.ha2}:${jobId}`);
    expect(swap.inputs).toEqual({ instanceId: IDS.ha2 });
    expect(swap.props).toMatchObject({ instanceId: IDS.ha2, jobId, adopted: true });
    // Imported while it runs: pending, so the next `up` waits for it.
    expect(swap.props.pending ?? swap.props.ended).toMatchObject({ origin: "adopted", jobId, intent: "null" });

    const ssl = await importRead(urnOf("InstanceSsl", "ssl-import"), IDS.ha);
    expect(ssl).toMatchObject({ id: IDS.ha, inputs: { instanceId: IDS.ha, enabled: true }, props: { enabled: true, changed: false } });
    expect((await diff(urnOf("InstanceSsl", "ssl-import"), ssl.id, ssl.props, { instanceId: IDS.ha, enabled: true })).changes).toBe(1);

    // A bad ID is a plain error that names the format.
    const err = (await importRead(urnOf("MasterStandbySwap", "bad"), IDS.ha2).catch((e: Error) => e)) as Error;
    expect(err.message).toContain("The import ID is `<instanceId>:<jobId>`");
    expect(emu.stats().startCalls.slice(n)).toEqual([]);
    // The stand-in values of the state read leave no "drift" line in the plugin's log.
    expect(stderr).not.toMatch(/drift/);
  }, 60_000);
});
