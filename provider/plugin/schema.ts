/**
 * The Pulumi package schema of the provider plugin, generated from the descriptors in `resources.ts`
 * (https://www.pulumi.com/docs/iac/extending-pulumi/schema/). The plugin serves it (`GetSchema`), the
 * YAML language host type-checks programs against it, `pulumi package gen-sdk` makes SDKs from it, and
 * `scripts/gen-schema.ts` writes it to `schema.json` (a test keeps the file equal to this output).
 * Pure: no I/O.
 */
import {
  CONFIG,
  OBJECT_TYPES,
  PACKAGE,
  RESOURCES,
  importFormat,
  token,
  type ConfigDescriptor,
  type ObjectTypeDescriptor,
  type PackageDescriptor,
  type PropertyDescriptor,
  type PropertyType,
  type ResourceDescriptor,
} from "./resources";

/** A JSON value of the schema (kept loose: the schema's own grammar is documented upstream). */
export type SchemaJson = Record<string, unknown>;

function typeSpec(t: PropertyType): SchemaJson {
  switch (t.kind) {
    case "string":
    case "boolean":
    case "integer":
    case "number":
      return { type: t.kind };
    case "duration":
      return { oneOf: [{ type: "string" }, { type: "number" }] };
    case "any":
      return { $ref: "pulumi.json#/Any" };
    case "array":
      return { type: "array", items: typeSpec(t.items) };
    case "map":
      return { type: "object", additionalProperties: typeSpec(t.values) };
    case "object":
      return { $ref: `#/types/${token(t.name)}` };
  }
}

function propertySpec(p: PropertyDescriptor): SchemaJson {
  return {
    ...typeSpec(p.type),
    description: p.description,
    ...(p.secret ? { secret: true } : {}),
    ...(p.replaces ? { replaceOnChanges: true, willReplaceOnChanges: true } : {}),
  };
}

function properties(list: PropertyDescriptor[]): Record<string, SchemaJson> {
  return Object.fromEntries(list.map((p) => [p.name, propertySpec(p)]));
}

function required(list: PropertyDescriptor[]): string[] {
  return list.filter((p) => p.required).map((p) => p.name);
}

function configSpec(c: ConfigDescriptor): SchemaJson {
  const env = c.env.length ? ` Default: the environment variable${c.env.length > 1 ? "s" : ""} ${c.env.map((e) => `\`${e}\``).join(", ")} of the process running \`pulumi\`.` : "";
  return { type: "string", description: c.description + env, ...(c.secret ? { secret: true } : {}) };
}

/** The examples block of a resource description, in the shortcode form Pulumi's doc tooling reads. */
function examplesMarkdown(r: ResourceDescriptor): string {
  if (!r.examples.length) return "";
  const blocks = r.examples.map((e) => `{{% example %}}\n### ${e.title}\n\n\`\`\`yaml\n${e.yaml}\n\`\`\`\n\`\`\`python\n${e.python}\n\`\`\`\n{{% /example %}}`);
  return `\n\n{{% examples %}}\n## Example Usage\n\n${blocks.join("\n")}\n{{% /examples %}}`;
}

/** The import section of a resource description, as Pulumi's docs write it. */
function importMarkdown(r: ResourceDescriptor): string {
  const what =
    r.kind === "state"
      ? "reads the live value into state"
      : r.kind === "wait"
        ? "reads the job into state"
        : "reads the job into state (with `triggers` absent: declare none, or list `triggers` in `ignoreChanges`, else the next `up` runs the operation again)";
  return `\n\n## Import\n\nAn existing ${r.kind === "state" ? "value" : "job"} is imported with the ID \`${importFormat(r)}\`; the import ${what} and starts nothing.\n\n\`\`\`sh\n$ pulumi import ${token(r.name)} ${r.name[0]!.toLowerCase()}${r.name.slice(1)} '${r.import.example}'\n\`\`\``;
}

function resourceSpec(r: ResourceDescriptor): SchemaJson {
  const outputsAlways = [...r.inputs.filter((p) => p.required), ...r.outputs.filter((p) => p.required)];
  return {
    description: `${r.summary}\n\n${r.description}${examplesMarkdown(r)}${importMarkdown(r)}`,
    properties: properties([...r.inputs, ...r.outputs]),
    required: outputsAlways.map((p) => p.name),
    inputProperties: properties(r.inputs),
    requiredInputs: required(r.inputs),
  };
}

function objectTypeSpec(t: ObjectTypeDescriptor): SchemaJson {
  return { type: "object", description: t.description, properties: properties(t.properties), required: required(t.properties) };
}

export interface SchemaOptions {
  /** The package version (the npm package's). */
  version: string;
  pkg?: PackageDescriptor;
  config?: ConfigDescriptor[];
  resources?: ResourceDescriptor[];
  types?: ObjectTypeDescriptor[];
}

/** The package schema as an object (keys in a stable order, so the JSON text is stable too). */
export function generateSchema(options: SchemaOptions): SchemaJson {
  const pkg = options.pkg ?? PACKAGE;
  const config = options.config ?? CONFIG;
  const resources = options.resources ?? RESOURCES;
  const types = options.types ?? OBJECT_TYPES;
  const configVars = Object.fromEntries(config.map((c) => [c.name, configSpec(c)]));
  return {
    name: pkg.name,
    displayName: pkg.displayName,
    version: options.version,
    description: pkg.description,
    keywords: pkg.keywords,
    homepage: pkg.homepage,
    repository: pkg.repository,
    license: pkg.license,
    publisher: pkg.publisher,
    meta: { moduleFormat: "(.*)" },
    config: { variables: configVars },
    provider: {
      description: `The provider of the \`${pkg.name}\` package. Its inputs are the \`${pkg.name}:\` stack config; credentials can also come from the environment of the process running \`pulumi\`.`,
      inputProperties: configVars,
    },
    types: Object.fromEntries(types.map((t) => [token(t.name), objectTypeSpec(t)])),
    resources: Object.fromEntries(resources.map((r) => [token(r.name), resourceSpec(r)])),
    language: {
      python: { packageName: pkg.language.python, requires: { pulumi: ">=3.0.0,<4.0.0" }, pyproject: { enabled: true } },
      nodejs: { packageName: pkg.language.nodejs, dependencies: { "@pulumi/pulumi": "^3.0.0" } },
      go: { importBasePath: pkg.language.go, generateResourceContainerTypes: true },
      csharp: { rootNamespace: pkg.language.csharp.split(".")[0], packageReferences: { Pulumi: "3.*" } },
    },
  };
}

/** The schema as the text the plugin serves and `schema.json` holds. */
export function schemaText(options: SchemaOptions): string {
  return JSON.stringify(generateSchema(options), null, 2) + "\n";
}
