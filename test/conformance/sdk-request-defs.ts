/**
 * The vendor Go SDK's request definitions, read from the Go module cache (never from this package):
 * for each operation, `GenReqDefFor<Name>()` in `services/dcs/v2/dcs_meta.go` gives the method, the
 * path template and where each request field goes (path, query, header, body); the request model
 * (`model/model_<snake>_request.go`) names the body's model, whose fields (JSON names, Go types,
 * required or not, enums) are read recursively from `model/`.
 *
 * Also: a converter of this package's zod body schemas to the same shape, and the comparison of one
 * with the other (`compareDefs`), used by test/conformance.request-defs.test.ts. The JSON fixture
 * `sdk-request-defs.json` is this module's output, written by `gen-request-defs.ts`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SDK_MODULE = "github.com/huaweicloud/huaweicloud-sdk-go-v3";
/** test/conformance/ (found from this file, or from the working directory when run as a script). */
export const CONFORMANCE_DIR = [typeof __dirname === "string" ? __dirname : "", join(process.cwd(), "test", "conformance")].find((d) => d && existsSync(join(d, "go.mod"))) ?? join(process.cwd(), "test", "conformance");

/** The 12 job-returning operations (SDK names) and the reads the conformance run calls. */
export const JOB_OPERATIONS = [
  "ChangeMasterStandbyAsync",
  "UpdateClientIpTransparentTransmission",
  "ExecuteClusterSwitchover",
  "UpdateSslSwitch",
  "UpdatePublicIp",
  "DeletePublicIp",
  "UpdateIpWhitelistAsync",
  "UpdateInstanceConfig",
  "UpdateAclAccount",
  "DeleteIpFromDomainName",
  "StartInstanceResizeCheckJob",
  "ExportInstancesTask",
] as const;
export const READ_OPERATIONS = ["ShowJobInfo", "ShowInstance", "ListBackgroundTask", "ListCenterTask", "ShowBackgroundTaskProgress"] as const;

/** A value's shape, as the SDK's Go types give it (and as a zod schema is converted to). */
export type Shape =
  | { type: "string" | "boolean" | "integer" | "number" | "any" }
  | { type: "enum"; values: string[] }
  | { type: "array"; items: Shape }
  | { type: "map"; values: Shape }
  | { type: "object"; model?: string; fields: Record<string, FieldShape> };

export interface FieldShape {
  /** The SDK always sends it (not a pointer, no `omitempty`); zod: not optional. */
  required: boolean;
  shape: Shape;
}

export interface RequestDef {
  operation: string;
  method: string;
  /** The template exactly as dcs_meta.go has it, `{project_id}` included. */
  path: string;
  /** Path parameters besides `{project_id}`, in path order. */
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  contentType: string;
  /** The body's model, when the request has a body. */
  body?: Shape & { type: "object" };
}

// ---- locating the module ---------------------------------------------------------------------------

/** The SDK version test/conformance/go.mod requires. */
export function sdkVersion(): string {
  const mod = readFileSync(join(CONFORMANCE_DIR, "go.mod"), "utf8");
  const m = new RegExp(`^\\s*(?:require\\s+)?${SDK_MODULE.replace(/[.]/g, "\\.")}\\s+(v\\S+)`, "m").exec(mod);
  if (!m) throw new Error(`test/conformance/go.mod does not require ${SDK_MODULE}`);
  return m[1]!;
}

/**
 * The SDK's directory in the Go module cache: `go mod download -json` in test/conformance (a no-op
 * when the module is there; through the machine's GOPROXY when not), else `$(go env GOMODCACHE)/...`.
 */
export function sdkModuleDir(): string {
  const version = sdkVersion();
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" };
  try {
    const out = execFileSync("go", ["mod", "download", "-json", `${SDK_MODULE}@${version}`], { cwd: CONFORMANCE_DIR, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const dir = (JSON.parse(out) as { Dir?: string }).Dir;
    if (dir && existsSync(join(dir, "services/dcs/v2/dcs_meta.go"))) return dir;
  } catch {
    // fall through to the cache path
  }
  const cache = execFileSync("go", ["env", "GOMODCACHE"], { env, encoding: "utf8" }).trim();
  const dir = join(cache, `${SDK_MODULE}@${version}`);
  if (!existsSync(join(dir, "services/dcs/v2/dcs_meta.go"))) throw new Error(`${SDK_MODULE}@${version} is not in the Go module cache (${dir}); run: (cd test/conformance && go mod download)`);
  return dir;
}

// ---- reading the Go sources -------------------------------------------------------------------------

interface GoField {
  goName: string;
  goType: string;
  json: string;
  omitempty: boolean;
}

class ModelIndex {
  private structs = new Map<string, GoField[]>();
  private enums = new Map<string, string[]>();

  constructor(modelDir: string) {
    for (const f of readdirSync(modelDir)) {
      if (!f.endsWith(".go")) continue;
      const src = readFileSync(join(modelDir, f), "utf8");
      for (const m of src.matchAll(/^type (\w+) struct \{\n([\s\S]*?)^\}/gm)) {
        const fields: GoField[] = [];
        for (const line of m[2]!.split("\n")) {
          const fm = /^\s*(\w+)\s+(\S+)\s+`json:"([^"]*)"/.exec(line);
          if (!fm) continue;
          const [name, ...opts] = fm[3]!.split(",");
          if (name === "-") continue;
          fields.push({ goName: fm[1]!, goType: fm[2]!, json: name!, omitempty: opts.includes("omitempty") });
        }
        this.structs.set(m[1]!, fields);
      }
      for (const m of src.matchAll(/^func Get(\w+)Enum\(\) \w+ \{\n([\s\S]*?)^\}/gm)) {
        const values = [...m[2]!.matchAll(/value:\s*("(?:[^"\\]|\\.)*"|-?\d+)/g)].map((v) => (v[1]!.startsWith('"') ? (JSON.parse(v[1]!) as string) : v[1]!));
        this.enums.set(m[1]!, values);
      }
    }
  }

  struct(name: string): GoField[] {
    const s = this.structs.get(name);
    if (!s) throw new Error(`no struct ${name} in the SDK's model/`);
    return s;
  }

  shape(goType: string, seen: string[] = []): Shape {
    const t = goType.replace(/^\*/, "");
    if (t.startsWith("[]")) return { type: "array", items: this.shape(t.slice(2), seen) };
    const map = /^map\[string\](.+)$/.exec(t);
    if (map) return { type: "map", values: this.shape(map[1]!, seen) };
    switch (t) {
      case "string":
        return { type: "string" };
      case "bool":
        return { type: "boolean" };
      case "int32":
      case "int64":
      case "int":
        return { type: "integer" };
      case "float32":
      case "float64":
        return { type: "number" };
      case "interface{}":
        return { type: "any" };
    }
    const enumValues = this.enums.get(t);
    if (enumValues) return { type: "enum", values: enumValues };
    if (seen.includes(t)) throw new Error(`recursive SDK model ${t}`);
    return this.object(t, [...seen, t]);
  }

  object(name: string, seen: string[] = [name]): Shape & { type: "object" } {
    const fields: Record<string, FieldShape> = {};
    for (const f of this.struct(name)) {
      fields[f.json] = { required: !f.goType.startsWith("*") && !f.omitempty, shape: this.shape(f.goType, seen) };
    }
    return { type: "object", model: name, fields };
  }
}

const METHODS: Record<string, string> = { MethodGet: "GET", MethodPut: "PUT", MethodPost: "POST", MethodDelete: "DELETE", MethodPatch: "PATCH" };

/** Reads the request definitions of `operations` from the SDK at `moduleDir`. */
export function readSdkRequestDefs(moduleDir: string, operations: readonly string[] = [...JOB_OPERATIONS, ...READ_OPERATIONS]): Record<string, RequestDef> {
  const v2 = join(moduleDir, "services/dcs/v2");
  const meta = readFileSync(join(v2, "dcs_meta.go"), "utf8");
  const models = new ModelIndex(join(v2, "model"));
  const out: Record<string, RequestDef> = {};
  for (const op of operations) {
    const fn = new RegExp(`^func GenReqDefFor${op}\\(\\) \\*def\\.HttpRequestDef \\{\\n([\\s\\S]*?)^\\}`, "m").exec(meta);
    if (!fn) throw new Error(`dcs_meta.go has no GenReqDefFor${op}`);
    const body = fn[1]!;
    const method = /WithMethod\(http\.(\w+)\)/.exec(body)?.[1];
    const path = /WithPath\("([^"]*)"\)/.exec(body)?.[1];
    if (!method || !METHODS[method] || path === undefined) throw new Error(`GenReqDefFor${op}: no method or path`);
    const contentType = /WithContentType\("([^"]*)"\)/.exec(body)?.[1] ?? "";
    const fields = [...body.matchAll(/WithRequestField\(def\.NewFieldDef\(\)\.\s*WithName\("(\w+)"\)\.\s*(?:WithJsonTag\("([^"]*)"\)\.\s*)?WithLocationType\(def\.(\w+)\)\)/g)].map((m) => ({
      goName: m[1]!,
      json: m[2] ?? "",
      location: m[3]!,
    }));
    const requestModel = models.struct(`${op}Request`);
    const def: RequestDef = {
      operation: op,
      method: METHODS[method]!,
      path,
      pathParams: fields.filter((f) => f.location === "Path").map((f) => f.json),
      queryParams: fields.filter((f) => f.location === "Query").map((f) => f.json),
      headerParams: fields.filter((f) => f.location === "Header").map((f) => f.json),
      contentType,
    };
    // Path order, as the template has it (the field order of dcs_meta.go is the same, but say so).
    const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).filter((n) => n !== "project_id");
    if ([...inPath].sort().join() !== [...def.pathParams].sort().join()) {
      throw new Error(`GenReqDefFor${op}: path parameters ${def.pathParams.join(",")} do not match the template ${path}`);
    }
    def.pathParams = inPath;
    const bodyField = fields.find((f) => f.location === "Body");
    if (bodyField) {
      const goField = requestModel.find((f) => f.goName === bodyField.goName);
      if (!goField) throw new Error(`${op}Request has no field ${bodyField.goName}`);
      const shape = models.shape(goField.goType);
      if (shape.type !== "object") throw new Error(`${op}: the body model ${goField.goType} is not a struct`);
      def.body = shape;
    }
    out[op] = def;
  }
  return out;
}

// ---- this package's side: zod schemas to shapes ----------------------------------------------------

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string }; optin?: string };
  isInt?: boolean;
}

/** A zod schema's shape (zod 4 internals: `_zod.def`); `required` of its top is the caller's. */
export function zodShape(schema: unknown): { shape: Shape; optional: boolean } {
  let s = schema as ZodLike;
  let optional = false;
  for (;;) {
    const t = s._zod.def.type;
    if (t === "optional" || t === "default" || t === "prefault") optional = true;
    if (t === "optional" || t === "nullable" || t === "default" || t === "prefault" || t === "readonly" || t === "catch") {
      s = s._zod.def.innerType as ZodLike;
      continue;
    }
    if (t === "pipe") {
      s = s._zod.def.in as ZodLike;
      continue;
    }
    break;
  }
  const def = s._zod.def;
  switch (def.type) {
    case "string":
      return { shape: { type: "string" }, optional };
    case "boolean":
      return { shape: { type: "boolean" }, optional };
    case "number":
      return { shape: { type: s.isInt ? "integer" : "number" }, optional };
    case "int":
      return { shape: { type: "integer" }, optional };
    case "enum":
      return { shape: { type: "enum", values: Object.values(def.entries as Record<string, string>) }, optional };
    case "literal":
      return { shape: { type: "enum", values: (def.values as unknown[]).map(String) }, optional };
    case "array":
      return { shape: { type: "array", items: zodShape(def.element).shape }, optional };
    case "record":
      return { shape: { type: "map", values: zodShape(def.valueType).shape }, optional };
    case "object": {
      const fields: Record<string, FieldShape> = {};
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        const z = zodShape(v);
        fields[k] = { required: !z.optional && (v as ZodLike)._zod.optin !== "optional", shape: z.shape };
      }
      return { shape: { type: "object", fields }, optional };
    }
    default:
      return { shape: { type: "any" }, optional };
  }
}

// ---- the comparison --------------------------------------------------------------------------------

/** What this package says about one operation's request. */
export interface PackageDef {
  name: string;
  method: string;
  path: string;
  pathParams: readonly string[];
  queryParams?: readonly string[];
  /** The body's shape (from zod, or a fixture's); undefined: no body. */
  body?: Shape;
}

function describe(s: Shape): string {
  switch (s.type) {
    case "enum":
      return `enum(${s.values.join("|")})`;
    case "array":
      return `array<${describe(s.items)}>`;
    case "map":
      return `map<${describe(s.values)}>`;
    case "object":
      return s.model ? `object ${s.model}` : "object";
    default:
      return s.type;
  }
}

function compareShape(where: string, sdk: Shape, ours: Shape, out: string[]): void {
  if (sdk.type === "any") return;
  if (sdk.type !== ours.type) {
    out.push(`${where}: the SDK has ${describe(sdk)}, the package ${describe(ours)}`);
    return;
  }
  if (sdk.type === "enum" && ours.type === "enum") {
    const a = [...sdk.values].sort().join("|");
    const b = [...ours.values].sort().join("|");
    if (a !== b) out.push(`${where}: the SDK's enum is ${a}, the package's ${b}`);
  } else if (sdk.type === "array" && ours.type === "array") {
    compareShape(`${where}[]`, sdk.items, ours.items, out);
  } else if (sdk.type === "map" && ours.type === "map") {
    compareShape(`${where}{}`, sdk.values, ours.values, out);
  } else if (sdk.type === "object" && ours.type === "object") {
    for (const [k, f] of Object.entries(sdk.fields)) {
      const o = ours.fields[k];
      if (!o) {
        out.push(`${where}.${k}: in the SDK's ${sdk.model ?? "model"} (${f.required ? "required" : "optional"} ${describe(f.shape)}), missing from the package`);
        continue;
      }
      if (f.required !== o.required) out.push(`${where}.${k}: ${f.required ? "required" : "optional"} in the SDK, ${o.required ? "required" : "optional"} in the package`);
      compareShape(`${where}.${k}`, f.shape, o.shape, out);
    }
    for (const k of Object.keys(ours.fields)) {
      if (!(k in sdk.fields)) out.push(`${where}.${k}: not a field of the SDK's ${sdk.model ?? "model"} (fields: ${Object.keys(sdk.fields).join(", ")})`);
    }
  }
}

/** Every difference between the SDK's definition and the package's, as sentences naming the field. */
export function compareDefs(sdk: RequestDef, ours: PackageDef): string[] {
  const out: string[] = [];
  const op = sdk.operation;
  if (sdk.method !== ours.method) out.push(`${op}: method ${ours.method}, the SDK's is ${sdk.method}`);
  if (sdk.path !== ours.path) out.push(`${op}: path ${ours.path}, the SDK's is ${sdk.path}`);
  if (sdk.pathParams.join(",") !== [...ours.pathParams].join(",")) out.push(`${op}: path parameters [${ours.pathParams.join(", ")}], the SDK's are [${sdk.pathParams.join(", ")}]`);
  const q = [...(ours.queryParams ?? [])].sort().join(",");
  if (q !== [...sdk.queryParams].sort().join(",")) out.push(`${op}: query parameters [${q}], the SDK's are [${[...sdk.queryParams].sort().join(", ")}]`);
  if (!sdk.body && ours.body) out.push(`${op}: the package sends a body, the SDK's request has none`);
  if (sdk.body && !ours.body) out.push(`${op}: the package sends no body, the SDK's request has ${sdk.body.model}`);
  if (sdk.body && ours.body) compareShape(`${op} body`, sdk.body, ours.body, out);
  return out;
}

/** Whether a JSON value fits a shape (an example body against the SDK's model); problems name the field. */
export function checkValue(where: string, shape: Shape, value: unknown, out: string[] = []): string[] {
  switch (shape.type) {
    case "any":
      break;
    case "string":
      if (typeof value !== "string") out.push(`${where}: ${JSON.stringify(value)} is not a string`);
      break;
    case "boolean":
      if (typeof value !== "boolean") out.push(`${where}: ${JSON.stringify(value)} is not a boolean`);
      break;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) out.push(`${where}: ${JSON.stringify(value)} is not an integer`);
      break;
    case "number":
      if (typeof value !== "number") out.push(`${where}: ${JSON.stringify(value)} is not a number`);
      break;
    case "enum":
      if (!shape.values.includes(String(value))) out.push(`${where}: ${JSON.stringify(value)} is not one of ${shape.values.join(", ")}`);
      break;
    case "array":
      if (!Array.isArray(value)) out.push(`${where}: ${JSON.stringify(value)} is not an array`);
      else value.forEach((v, i) => checkValue(`${where}[${i}]`, shape.items, v, out));
      break;
    case "map":
      if (typeof value !== "object" || value === null || Array.isArray(value)) out.push(`${where}: not an object`);
      else for (const [k, v] of Object.entries(value)) checkValue(`${where}.${k}`, shape.values, v, out);
      break;
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        out.push(`${where}: ${JSON.stringify(value)} is not an object`);
        break;
      }
      const v = value as Record<string, unknown>;
      for (const [k, f] of Object.entries(shape.fields)) {
        if (v[k] === undefined) {
          if (f.required) out.push(`${where}.${k}: required by the SDK's ${shape.model ?? "model"}, missing`);
        } else checkValue(`${where}.${k}`, f.shape, v[k], out);
      }
      for (const k of Object.keys(v)) if (!(k in shape.fields)) out.push(`${where}.${k}: not a field of the SDK's ${shape.model ?? "model"}`);
    }
  }
  return out;
}
