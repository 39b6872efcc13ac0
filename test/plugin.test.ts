/**
 * The provider plugin's description and wire adapters, without I/O: the schema generated from the resource
 * descriptors (and `schema.json` kept equal to it), the descriptors against the runtime's own `check`, the
 * secret wrappers, URNs, provider config and the wording of messages.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { packageVersion } from "../provider/plugin/main";
import { providerConfig, typeOfUrn } from "../provider/plugin/provider";
import { CONFIG, PACKAGE_NAME, RESOURCES, resourceByToken, token } from "../provider/plugin/resources";
import { generateSchema, schemaText } from "../provider/plugin/schema";
import { pluginWording, unwrapProps, wrapSecrets } from "../provider/plugin/secrets";
import { checkDcsJob, checkPassThrough, checkSwap } from "../provider/resources/logic";
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
    expect(Object.keys(schema.resources).sort()).toEqual(["dcsjobs:index:ClientIpPassThrough", "dcsjobs:index:DcsJob", "dcsjobs:index:MasterStandbySwap"]);
    expect(Object.keys(schema.types).sort()).toEqual(["dcsjobs:index:EndedJob", "dcsjobs:index:PendingJob"]);
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

  it("the descriptors' inputs are exactly what the runtime's check accepts and requires", () => {
    const checks = { MasterStandbySwap: checkSwap, ClientIpPassThrough: checkPassThrough, DcsJob: checkDcsJob } as const;
    for (const r of RESOURCES) {
      const check = checks[r.name] as (n: Record<string, unknown>) => { failures?: Array<{ property: string; reason: string }> };
      // Nothing given: the failures name exactly the required inputs.
      expect(check({}).failures?.map((f) => f.property).sort()).toEqual(r.inputs.filter((p) => p.required).map((p) => p.name).sort());
      // Every described input is known (a value the validators may reject, but never "unknown input").
      const all = Object.fromEntries(r.inputs.map((p) => [p.name, "x"]));
      expect(check(all).failures?.filter((f) => /unknown input/.test(f.reason)) ?? []).toEqual([]);
      expect(check({ ...all, extra: 1 }).failures?.some((f) => f.property === "extra")).toBe(true);
    }
  });
});

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
