/**
 * The provider plugin's description and wire adapters, without I/O: the schema generated from the resource
 * descriptors (and `schema.json` kept equal to it), the descriptors against the runtime (every resource
 * object described; inputs exactly what its `check` accepts; replace-on-change where its `diff` replaces)
 * and the operation table, the secret wrappers, URNs, provider config and the wording of messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { packageVersion } from "../provider/plugin/main";
import { providerConfig, typeOfUrn } from "../provider/plugin/provider";
import { CONFIG, PACKAGE_NAME, RESOURCES, resourceByToken, token } from "../provider/plugin/resources";
import { generateSchema, schemaText } from "../provider/plugin/schema";
import { pluginWording, unwrapProps, wrapSecrets } from "../provider/plugin/secrets";
import { EMULATOR_CLUSTER, EMULATOR_INSTANCE_IDS as IDS } from "../provider/emulator";
import { startRuntimeWorld } from "./support/runtime-setup";
import { OPERATIONS } from "../provider/operations";
import * as runtime from "../provider/resources/runtime";
import { CONFIG_KEYS, SECRET_CONFIG_KEYS } from "../provider/resources/settings";

const root = path.resolve(__dirname, "..");
const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

type Schema = {
  name: string;
  version: string;
  config: { variables: Record<string, { secret?: boolean; description: string }> };
  provider: { inputProperties: Record<string, { secret?: boolean }> };
  resources: Record<string, { description: string; inputProperties: Record<string, unknown>; requiredInputs: string[]; properties: Record<string, unknown>; required: string[] }>;
  types: Record<string, unknown>;
};

describe("the package schema", () => {
  const schema = generateSchema({ version: packageVersion() }) as unknown as Schema;

  it("schema.json is the generated schema (run `npm run schema` after changing the descriptors)", () => {
    expect(fs.readFileSync(path.join(root, "schema.json"), "utf8")).toBe(schemaText({ version: packageVersion() }));
  });

  it("names the package dcsjobs, with index-module tokens and the npm package's version", () => {
    expect(schema.name).toBe("dcsjobs");
    expect(schema.version).toBe(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
    expect(Object.keys(schema.resources).sort()).toEqual(
      [
        "AclAccountRole",
        "ClientIpPassThrough",
        "ClusterReplicaSwitchover",
        "DcsJob",
        "DcsOperation",
        "InstanceParameters",
        "InstancePublicAccess",
        "InstanceSsl",
        "InstanceWhitelist",
        "MasterStandbySwap",
        "ReplicaIpRemoval",
      ].map((n) => `dcsjobs:index:${n}`),
    );
    expect(Object.keys(schema.types).sort()).toEqual(["dcsjobs:index:EndedJob", "dcsjobs:index:JobStep", "dcsjobs:index:PendingJob", "dcsjobs:index:WhitelistGroup"]);
  });

  it("has the provider config the runtime reads, credentials marked secret, environment variables documented", () => {
    expect(Object.keys(schema.config.variables).sort()).toEqual([...CONFIG_KEYS].sort());
    expect(Object.keys(schema.provider.inputProperties).sort()).toEqual([...CONFIG_KEYS].sort());
    const secrets = Object.entries(schema.config.variables).filter(([, v]) => v.secret).map(([k]) => k);
    expect(secrets.sort()).toEqual(["accessKey", ...SECRET_CONFIG_KEYS].sort());
    expect(schema.provider.inputProperties.secretKey?.secret).toBe(true);
    expect(schema.config.variables.accessKey?.description).toContain("`HW_ACCESS_KEY`");
    expect(schema.config.variables.region?.description).toContain("`HW_REGION_NAME`");
  });

  it("describes every resource with its inputs as outputs too, and examples in YAML and Python", () => {
    for (const r of RESOURCES) {
      const spec = schema.resources[token(r.name)]!;
      for (const name of Object.keys(spec.inputProperties)) expect(spec.properties).toHaveProperty(name);
      expect(spec.description).toContain("{{% examples %}}");
      expect(spec.description).toContain("```yaml");
      expect(spec.description).toContain("```python");
      expect(spec.description).toContain(`type: dcsjobs:${r.name}`);
    }
    expect(schema.resources["dcsjobs:index:MasterStandbySwap"]!.requiredInputs).toEqual(["instanceId"]);
    expect(schema.resources["dcsjobs:index:ClientIpPassThrough"]!.requiredInputs).toEqual(["instanceId", "enabled"]);
    expect(schema.resources["dcsjobs:index:DcsJob"]!.required).toEqual(expect.arrayContaining(["jobId", "status", "adopted"]));
  });

  it("the descriptors' inputs are exactly what the runtime's check accepts and requires", async () => {
    for (const r of RESOURCES) {
      const runtime = runtimeObjects()[r.runtime]!;
      const check = async (n: Record<string, unknown>) => (await runtime.check({}, n)).failures ?? [];
      // Nothing given: the failures name exactly the required inputs.
      expect((await check({})).map((f) => f.property).sort(), r.name).toEqual(r.inputs.filter((p) => p.required).map((p) => p.name).sort());
      // The names check accepts (its "unknown input" message lists them) are exactly the described inputs.
      expect(await acceptedInputs(runtime), r.name).toEqual(r.inputs.map((p) => p.name).sort());
      // Every described input is known (a value the validators may reject, but never "unknown input").
      const all = Object.fromEntries(r.inputs.map((p) => [p.name, "x"]));
      expect((await check(all)).filter((f) => /unknown input/.test(f.reason))).toEqual([]);
      expect((await check({ ...all, extra: 1 })).some((f) => f.property === "extra")).toBe(true);
    }
  });

  it("every resource object of the runtime has a descriptor, and every table resource is one (a new one without a schema entry fails here)", () => {
    const described = new Map(RESOURCES.map((r) => [r.runtime, r]));
    expect([...Object.keys(runtimeObjects())].sort()).toEqual([...described.keys()].sort());
    for (const op of OPERATIONS) {
      const named = "resource" in op ? op.resource : undefined;
      const d = RESOURCES.find((r) => r.operations.includes(op.name));
      if (named) expect(d?.name, op.name).toBe(named);
      if (d) expect(d.kind, op.name).toBe(op.kind);
    }
    // The table rows without a typed resource are reached through DcsOperation (docs/operations.md).
    expect(OPERATIONS.filter((o) => !RESOURCES.some((r) => r.operations.includes(o.name))).map((o) => o.name).sort()).toEqual(["ExportInstancesTask", "StartInstanceResizeCheckJob"]);
  });

  it("marks replace-on-change exactly where the runtime's diff replaces", async () => {
    // A state resource's diff with unchanged settings reads the instance (drift, a change still running).
    const world = await startRuntimeWorld();
    onTestFinished(() => world.stop());
    for (const r of RESOURCES) {
      const runtime = runtimeObjects()[r.runtime]!;
      const olds = SAMPLE_INPUTS[r.name]!;
      expect(olds, r.name).toBeDefined();
      expect((await runtime.check({}, olds)).failures, r.name).toBeUndefined();
      for (const p of r.inputs) {
        const news = { ...olds, [p.name]: changedValue(p.type.kind, olds[p.name]) };
        const diff = await runtime.diff("id", olds as never, news as never);
        expect(!!diff.replaces?.includes(p.name), `${r.name}.${p.name}`).toBe(!!p.replaces);
      }
    }
  });

  it("documents each resource's request, task name and Terraform counterpart from the table, and DcsOperation's bodies from the table's zod schemas", () => {
    const ssl = schema.resources["dcsjobs:index:InstanceSsl"]!;
    expect(ssl.description).toContain("`PUT /v2/{project_id}/instances/{instance_id}/ssl`");
    expect(ssl.description).toContain("task name `sslSwitchJob`");
    expect(ssl.description).toContain("`huaweicloud_dcs_instance (ssl_enable)`");
    expect(schema.resources["dcsjobs:index:InstancePublicAccess"]!.description).toMatch(/UpdatePublicIp[\s\S]*DeletePublicIp/);
    const body = (schema.resources["dcsjobs:index:DcsOperation"]!.inputProperties.body as { description: string }).description;
    expect(body).toContain("(UpdateSslSwitch): `{ enabled: boolean }`");
    expect(body).toContain("`{ instance_id?: string, enable_whitelist: boolean, whitelist: { group_name: string, ip_list: string[] }[] }`");
    expect(body).toContain('`{ account_role?: "read" | "write" }`');
    for (const op of OPERATIONS) if ("body" in op && op.body) expect(body).toContain(`(${op.name})`);
    // Every resource says how it is imported.
    for (const r of RESOURCES) expect(schema.resources[token(r.name)]!.description).toContain(`$ pulumi import ${token(r.name)} `);
  });
});

/** The runtime's resource objects (exports with check/diff/create/read/update/delete), by export name. */
function runtimeObjects(): Record<string, ResourceObject> {
  const isResource = (v: unknown): v is ResourceObject =>
    !!v && typeof v === "object" && ["check", "diff", "create", "read", "update", "delete"].every((m) => typeof (v as Record<string, unknown>)[m] === "function");
  return Object.fromEntries(Object.entries(runtime).filter(([, v]) => isResource(v))) as Record<string, ResourceObject>;
}

type ResourceObject = {
  check(olds: unknown, news: Record<string, unknown>): Promise<{ failures?: Array<{ property: string; reason: string }> }>;
  diff(id: string, olds: never, news: never): Promise<{ changes: boolean; replaces?: string[] }>;
};

/** The input names a runtime `check` accepts: its "unknown input" failure lists them. */
async function acceptedInputs(r: ResourceObject): Promise<string[]> {
  const probe = "notAnInputOfAnyResource";
  const failure = ((await r.check({}, { [probe]: 1 })).failures ?? []).find((f) => f.property === probe);
  const list = /expected one of (.*?)\.(?: |$)/.exec(failure?.reason ?? "")?.[1];
  if (!list) throw new Error(`no "expected one of" in ${JSON.stringify(failure)}`);
  return list.split(", ").sort();
}

/** Valid inputs of each resource (the emulator's IDs). */
const SAMPLE_INPUTS: Record<string, Record<string, unknown>> = {
  MasterStandbySwap: { instanceId: IDS.ha, triggers: ["a"] },
  ClientIpPassThrough: { instanceId: IDS.ha, enabled: true },
  DcsJob: { jobId: "ff8080818822bbf70188235afc24141a" },
  DcsOperation: { method: "PUT", path: `/v2/{project_id}/instances/${IDS.ha}/ssl`, body: { enabled: true }, triggers: ["a"] },
  ClusterReplicaSwitchover: { instanceId: IDS.cluster, groupId: EMULATOR_CLUSTER.groups[0]!.id, nodeId: EMULATOR_CLUSTER.groups[0]!.replica, triggers: ["a"] },
  ReplicaIpRemoval: { instanceId: IDS.cluster, groupId: EMULATOR_CLUSTER.groups[0]!.id, nodeId: EMULATOR_CLUSTER.groups[0]!.replica, triggers: ["a"] },
  InstanceSsl: { instanceId: IDS.ha, enabled: true },
  InstancePublicAccess: { instanceId: IDS.ha, enabled: true, elbId: "0f6a0a3c-58b2-4c0c-9f7b-5a1f9e5a2b31" },
  InstanceWhitelist: { instanceId: IDS.ha, enabled: true, groups: [{ name: "app", ips: ["10.0.0.0/24"] }] },
  InstanceParameters: { instanceId: IDS.ha, parameters: { timeout: "100" } },
  AclAccountRole: { instanceId: IDS.ha, accountId: "acc0a990-4b1d-4c7a-9e2f-1a0b3c4d5e01", role: "read" },
};

/** Another value of a property's kind (for diff: the runtime does not validate there). */
function changedValue(kind: string, v: unknown): unknown {
  if (kind === "boolean") return !v;
  if (kind === "duration") return v === "5m" ? "6m" : "5m";
  if (kind === "string") return `${String(v ?? "")}-other`;
  if (kind === "map" || kind === "any" || kind === "object") return { other: [String(JSON.stringify(v))] };
  if (kind === "array") return [...((v as unknown[]) ?? []), { name: "other", ips: ["10.1.0.0/24"] }];
  return 1;
}

describe("the wire adapters", () => {
  it("finds the type token in a URN, also under a parent", () => {
    expect(typeOfUrn("urn:pulumi:dev::proj::dcsjobs:index:MasterStandbySwap::swap")).toBe("dcsjobs:index:MasterStandbySwap");
    expect(typeOfUrn("urn:pulumi:dev::proj::my:Component$dcsjobs:index:DcsJob::j")).toBe("dcsjobs:index:DcsJob");
    expect(resourceByToken("dcsjobs:index:DcsJob")?.name).toBe("DcsJob");
    expect(resourceByToken("dcs:index:DcsJob")).toBeUndefined();
  });

  it("unwraps secrets anywhere in a property and wraps the whole top-level property again", () => {
    const { props, secretKeys } = unwrapProps({ instanceId: "i", triggers: ["a", secret("b")], waitTimeout: secret("5m") });
    expect(props).toEqual({ instanceId: "i", triggers: ["a", "b"], waitTimeout: "5m" });
    expect([...secretKeys].sort()).toEqual(["triggers", "waitTimeout"]);
    const wrapped = wrapSecrets({ instanceId: "i", triggers: ["a", "b"], jobId: "j" }, secretKeys);
    expect(wrapped).toEqual({ instanceId: "i", triggers: secret(["a", "b"]), jobId: "j" });
    // Idempotent; absent keys stay absent.
    expect(wrapSecrets(wrapped, ["triggers", "nothing"])).toEqual(wrapped);
  });

  it("reads provider config from the deprecated variables and from args (args win; secrets unwrapped)", () => {
    const vars: Array<[string, string]> = [
      [`${PACKAGE_NAME}:config:region`, "ap-southeast-1"],
      [`${PACKAGE_NAME}:config:secretKey`, "from-variables"],
      ["other:config:region", "eu-west-101"],
    ];
    const config = providerConfig(vars, { secretKey: secret("from-args"), endpoint: "http://127.0.0.1:1", version: "0.1.0" });
    expect(Object.fromEntries(config)).toEqual({ region: "ap-southeast-1", secretKey: "from-args", endpoint: "http://127.0.0.1:1", version: "0.1.0" });
  });

  it("speaks of the plugin's config keys in the runtime's messages", () => {
    const text = "Set them with `pulumi config set dcs:accessKey <AK>` and `pulumi config set --secret dcs:secretKey <SK>`; check stack config dcs:projectId.";
    expect(pluginWording(text, "dcsjobs")).toBe(
      "Set them with `pulumi config set dcsjobs:accessKey <AK>` and `pulumi config set --secret dcsjobs:secretKey <SK>`; check stack config dcsjobs:projectId.",
    );
    expect(pluginWording("[dcs] MasterStandbySwap x: dcs:other stays", "dcsjobs")).toBe("[dcs] MasterStandbySwap x: dcs:other stays");
    expect(CONFIG.every((c) => pluginWording(`dcs:${c.name}`, "dcsjobs") === `dcsjobs:${c.name}`)).toBe(true);
  });
});
