/**
 * Examples of the schema's resource docs, rendered from one set of inputs into a Pulumi YAML program and
 * a Python one (so the two cannot say different things). Pure.
 */
import { stringify } from "yaml";
import { PACKAGE_NAME, type Example } from "./properties";

/** One example: a resource declared with these inputs. */
export interface ExampleSpec {
  title: string;
  /** The logical name (`ssl`); the Python variable is its snake_case form. */
  name: string;
  inputs: Record<string, unknown>;
}

/** `instanceId` -> `instance_id` (the Python SDK's names). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** A Python literal of a JSON value. */
export function pythonValue(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonValue).join(", ")}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${pythonValue(x)}`).join(", ")}}`;
}

/** The example as YAML and Python programs for resource type `type`. */
export function renderExample(type: string, e: ExampleSpec): Example {
  const yaml = stringify({ resources: { [e.name]: { type: `${PACKAGE_NAME}:${type}`, properties: e.inputs } } }, { lineWidth: 0 }).trimEnd();
  const args = Object.entries(e.inputs).map(([k, v]) => `    ${snakeCase(k)}=${pythonValue(v)}`);
  const python = [`import pulumi_${PACKAGE_NAME} as ${PACKAGE_NAME}`, "", `${snakeCase(e.name)} = ${PACKAGE_NAME}.${type}(${JSON.stringify(e.name)},`, `${args.join(",\n")})`].join("\n");
  return { title: e.title, yaml, python };
}
